/*
 * The node health check, as YARN's node health script and Slurm's HealthCheckProgram:
 * every health_interval the agent runs health_script as a child process in its own
 * session and reads its output through a non-blocking pipe, so the loop never waits on
 * it. A line of output starting with "ERROR", or a non-zero exit, makes the node
 * unhealthy with that text as the reason; a script still running after health_timeout is
 * killed (its whole group) and the node is unhealthy "health script timed out". The last
 * verdict travels in every heartbeat; rmd keeps an unhealthy node from new work.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#define HEALTH_OUT_MAX 4096 /* output kept from one run; the rest is read and dropped */

struct health {
	pid_t pid;               /* the running script, 0 when none */
	int out_fd, status_fd;   /* its stdout+stderr, its exec-status pipe; -1 when closed */
	struct event *out_ev;
	char out[HEALTH_OUT_MAX];
	size_t outlen;
	bool reaped, timed_out;
	int wstatus;
	int64_t started_ms, next_ms;
	bool healthy;
	char reason[PROTO_REASON_MAX];
};

/* The first output line starting with "ERROR", or NULL. */
static const char *error_line(char *out, size_t len, size_t *n)
{
	for (size_t i = 0; i < len;) {
		char *nl = memchr(out + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - out) : len;
		if (end - i >= 5 && strncmp(out + i, "ERROR", 5) == 0) {
			*n = end - i;
			return out + i;
		}
		i = end + 1;
	}
	return NULL;
}

void health_verdict(const char *out, size_t len, int wstatus, bool timed_out,
		    const char *exec_err, bool *healthy, char *reason, size_t rlen)
{
	char buf[HEALTH_OUT_MAX];
	size_t n = len < sizeof buf ? len : sizeof buf;
	const char *line;

	memcpy(buf, out, n);
	*healthy = false;
	if (timed_out)
		snprintf(reason, rlen, "health script timed out");
	else if (exec_err != NULL)
		snprintf(reason, rlen, "health script: %s", exec_err);
	else if ((line = error_line(buf, n, &n)) != NULL)
		snprintf(reason, rlen, "%.*s", (int)(n < rlen ? n : rlen - 1), line);
	else if (WIFSIGNALED(wstatus))
		snprintf(reason, rlen, "health script killed by signal %d", WTERMSIG(wstatus));
	else if (WEXITSTATUS(wstatus) != 0)
		snprintf(reason, rlen, "health script exited with code %d", WEXITSTATUS(wstatus));
	else
		*healthy = true;
	if (*healthy)
		reason[0] = '\0';
}

/* Both the exit and the end of the output are in: judge, log a change, clean up. */
static void health_finish(struct agent *ag)
{
	struct health *h = ag->health;
	struct spawn_err se;
	char why[PROTO_REASON_MAX], ebuf[512];
	const char *exec_err = NULL;
	bool ok;

	if (h->pid == 0 || !h->reaped || h->out_fd >= 0)
		return;
	if (h->status_fd >= 0 && spawn_result(h->status_fd, &se) == 1)
		exec_err = spawn_reason(&se, ag->conf.health_script, NULL, ebuf, sizeof ebuf);
	health_verdict(h->out, h->outlen, h->wstatus, h->timed_out, exec_err, &ok, why,
		       sizeof why);
	if (ok != h->healthy || strcmp(why, h->reason) != 0)
		log_msg(ok ? LL_INFO : LL_WARN, "health", "node is %s%s%s", ok ? "healthy" : "unhealthy",
			ok ? "" : ": ", why);
	h->healthy = ok;
	snprintf(h->reason, sizeof h->reason, "%s", why);
	if (h->status_fd >= 0)
		close(h->status_fd);
	h->status_fd = -1;
	h->pid = 0;
}

static void close_out(struct health *h)
{
	if (h->out_ev != NULL)
		event_free(h->out_ev);
	h->out_ev = NULL;
	if (h->out_fd >= 0)
		close(h->out_fd);
	h->out_fd = -1;
}

static void out_cb(evutil_socket_t fd, short what, void *arg)
{
	struct agent *ag = arg;
	struct health *h = ag->health;
	char buf[1024];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		size_t keep = sizeof h->out - h->outlen;
		if ((size_t)n < keep)
			keep = (size_t)n;
		memcpy(h->out + h->outlen, buf, keep);
		h->outlen += keep;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close_out(h);
		health_finish(ag);
	}
}

/* Starts one run of the script; a fork failure is itself a verdict. */
static void health_run(struct agent *ag, int64_t now)
{
	struct health *h = ag->health;
	char *argv[] = { ag->conf.health_script, NULL };
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_warn("health", "cannot create a pipe: %s", strerror(errno));
		return;
	}
	struct spawn_req r = { argv, ag->base_env, ag->conf.work_dir, ag->devnull_fd, pfd[1],
			       pfd[1], ag->devnull_fd };
	h->pid = spawn_task(&r, &h->status_fd);
	close(pfd[1]);
	if (h->pid < 0) {
		h->pid = 0;
		close(pfd[0]);
		h->healthy = false;
		snprintf(h->reason, sizeof h->reason, "cannot run the health script: %s",
			 strerror(errno));
		return;
	}
	h->out_fd = pfd[0];
	h->outlen = 0;
	h->reaped = h->timed_out = false;
	h->started_ms = now;
	h->out_ev = event_new(ag->base, h->out_fd, EV_READ | EV_PERSIST, out_cb, ag);
	event_add(h->out_ev, NULL);
}

void health_start(struct agent *ag)
{
	struct health *h;

	if (ag->conf.health_script == NULL || ag->conf.health_script[0] == '\0')
		return;
	h = ag->health = xcalloc(1, sizeof *h);
	h->out_fd = h->status_fd = -1;
	h->healthy = true; /* until the first run says otherwise, as YARN does */
	log_info("health", "running %s every %lld ms (timeout %lld ms)", ag->conf.health_script,
		 (long long)ag->conf.health_interval_ms, (long long)ag->conf.health_timeout_ms);
}

void health_tick(struct agent *ag, int64_t now)
{
	struct health *h = ag->health;

	if (h == NULL || ag->stopping)
		return;
	if (h->pid > 0 && !h->timed_out && now - h->started_ms > ag->conf.health_timeout_ms) {
		h->timed_out = true;
		kill(-h->pid, SIGKILL); /* its group: children holding the pipe die too */
	}
	if (h->pid == 0 && now >= h->next_ms) {
		h->next_ms = now + ag->conf.health_interval_ms;
		health_run(ag, now);
	}
}

bool health_child_exited(struct agent *ag, pid_t pid, int status)
{
	struct health *h = ag->health;

	if (h == NULL || h->pid != pid || h->pid == 0)
		return false;
	h->reaped = true;
	h->wstatus = status;
	kill(-pid, SIGKILL); /* leftovers of its group would hold the pipe open */
	health_finish(ag);
	return true;
}

void health_fill(const struct agent *ag, struct msg_node_heartbeat *m)
{
	m->healthy = ag->health == NULL || ag->health->healthy;
	snprintf(m->health_reason, sizeof m->health_reason, "%s",
		 m->healthy ? "" : ag->health->reason);
}

void health_free(struct agent *ag)
{
	struct health *h = ag->health;

	if (h == NULL)
		return;
	if (h->pid > 0 && !h->reaped) {
		kill(-h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
	}
	close_out(h);
	if (h->status_fd >= 0)
		close(h->status_fd);
	free(h);
	ag->health = NULL;
}

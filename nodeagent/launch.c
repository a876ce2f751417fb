/*
 * ATTEMPT_LAUNCH: create the attempt's directories and log files, start the process, and
 * tell rmd "running" once exec is known to have succeeded (or "launch failed" and why).
 *
 * The mkdir and open calls here run on the loop, unlike the rest of the agent's file work:
 * they are a handful of cheap metadata operations on local disk, and doing them inline
 * keeps a launch to one loop turn with no hand-off. A slow shared output_dir is the one
 * case where this could stall the loop; commits, discards and log reads of that directory
 * all go through the worker.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

/* Descriptors a launch opens in the parent; -1 when not open. */
struct launch_fds {
	int out, err, prog_r, prog_w;
};

static void fds_close(struct launch_fds *f)
{
	int *v[] = { &f->out, &f->err, &f->prog_r, &f->prog_w };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (*v[i] >= 0)
			close(*v[i]);
		*v[i] = -1;
	}
}

static int check_request(const struct msg_attempt_launch *m, char *reason, size_t len)
{
	if (m->output_dir != NULL && m->output_dir[0] != '\0' && m->output_dir[0] != '/') {
		snprintf(reason, len, "output_dir must be an absolute path: '%s'", m->output_dir);
		return -1;
	}
	if (m->workdir != NULL && m->workdir[0] != '\0' && m->workdir[0] != '/') {
		snprintf(reason, len, "workdir must be an absolute path: '%s'", m->workdir);
		return -1;
	}
	return 0;
}

static int open_log(const char *dir, const char *name, char *reason, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		snprintf(reason, len, "cannot create '%s/%s': %s", dir, name, strerror(errno));
	return fd;
}

/* The attempt directory, its output directory, the log files and the progress pipe. */
static int prepare(struct attempt *a, struct launch_fds *f, char *reason, size_t len)
{
	int p[2];

	a->dir = attempt_path(a->ag->attempts_dir, a->idstr, NULL);
	a->out_path = attempt_output_path(a->output_dir, a->dir, a->idstr);
	if (mkdir_leaf(a->dir, 0755) < 0) {
		snprintf(reason, len, "cannot create '%s': %s", a->dir, strerror(errno));
		return -1;
	}
	if (strcmp(a->out_path, a->dir) != 0 && mkdir_leaf(a->out_path, 0755) < 0) {
		snprintf(reason, len, "cannot create '%s': %s", a->out_path, strerror(errno));
		return -1;
	}
	if ((f->out = open_log(a->dir, "stdout", reason, len)) < 0 ||
	    (f->err = open_log(a->dir, "stderr", reason, len)) < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(reason, len, "cannot create the progress pipe: %s", strerror(errno));
		return -1;
	}
	f->prog_r = p[0];
	f->prog_w = p[1];
	fcntl(f->prog_r, F_SETFL, O_NONBLOCK);
	return 0;
}

static void exec_cb(evutil_socket_t fd, short what, void *arg)
{
	launch_exec_result(arg);
}

/* Forks the task with its environment; the parent keeps only the two pipe read ends. */
static int start(struct attempt *a, const struct msg_attempt_launch *m, struct launch_fds *f,
		 char *reason, size_t len)
{
	struct agent *ag = a->ag;
	struct loom_vars lv;
	int status_fd = -1;

	loom_vars_build(&lv, &a->id, a->ntasks, a->out_path);
	char *const *layers[2] = { m->env, lv.v };
	char **envp = env_merge(ag->base_env, layers, 2);
	const char *cwd = m->workdir != NULL && m->workdir[0] != '\0' ? m->workdir : a->dir;
	struct spawn_req r = { m->argv, envp, cwd, ag->devnull_fd, f->out, f->err, f->prog_w };

	a->argv0 = xstrdup(m->argv[0]);
	a->cwd = xstrdup(cwd);
	a->rep.start_us = wall_us();
	pid_t pid = spawn_task(&r, &status_fd);
	int saved = errno;
	free(envp);
	loom_vars_free(&lv);
	if (pid < 0) {
		snprintf(reason, len, "cannot start a process: %s", strerror(saved));
		return -1;
	}
	a->pid = pid;
	a->exec_fd = status_fd;
	a->exec_ev = event_new(ag->base, status_fd, EV_READ | EV_PERSIST, exec_cb, a);
	event_add(a->exec_ev, NULL);
	progress_watch(a, f->prog_r);
	f->prog_r = -1; /* owned by the attempt now */
	log_info("launch", "%s: pid %d: %s%s (%d args)", a->idstr, (int)pid, m->argv[0],
		 m->nargv > 1 ? " ..." : "", m->nargv);
	return 0;
}

/*
 * A launch for an id this agent holds. Normally rmd re-sent it after a reconnect: the
 * answer is where the attempt is. But if rmd disowned the old record (a kill for it as
 * finished), the id is being reused by a rmd that lost its state; running under that id
 * could commit the old output as the new one's, so the launch is refused (rmd retries
 * under a new attempt id).
 */
static void launch_again(struct attempt *a)
{
	struct attempt_report r = { .id = a->id, .state = AR_LAUNCH_FAILED, .progress = -1 };

	if (a->orphan_ms == 0) {
		log_warn("launch", "%s: already known (%s); not started again", a->idstr,
			 attempt_state_name(a->state));
		rmconn_report(a);
		return;
	}
	snprintf(r.reason, sizeof r.reason, "attempt id %s was already used on this node",
		 a->idstr);
	log_warn("launch", "%s: refused: %s", a->idstr, r.reason);
	rmconn_send_report(a->ag, &r);
}

void launch_attempt(struct agent *ag, const struct msg_attempt_launch *m)
{
	struct launch_fds f = { -1, -1, -1, -1 };
	char reason[PROTO_REASON_MAX];
	struct attempt *a = attempt_find(ag, &m->id);

	if (a != NULL) {
		launch_again(a);
		return;
	}
	a = attempt_new(ag, m);
	int rc = -1;
	if (ag->stopping)
		snprintf(reason, sizeof reason, "node agent is shutting down");
	else if (check_request(m, reason, sizeof reason) == 0 &&
		 prepare(a, &f, reason, sizeof reason) == 0)
		rc = start(a, m, &f, reason, sizeof reason);
	fds_close(&f);
	if (rc < 0)
		attempt_finish(a, AR_LAUNCH_FAILED, reason);
}

/*
 * The exec outcome: EOF means exec succeeded, {stage, errno} means it did not. Called from
 * the pipe's event, or synchronously by the reaper when the child already exited (then
 * the pipe holds its final answer, so "not known yet" cannot happen).
 */
void launch_exec_result(struct attempt *a)
{
	struct spawn_err e;
	char reason[PROTO_REASON_MAX];
	int r = spawn_result(a->exec_fd, &e);

	if (r < 0 && !a->reaped)
		return;
	event_free(a->exec_ev);
	a->exec_ev = NULL;
	close(a->exec_fd);
	a->exec_fd = -1;
	if (r == 1) {
		progress_close(a);
		spawn_reason(&e, a->argv0, a->cwd, reason, sizeof reason);
		attempt_finish(a, AR_LAUNCH_FAILED, reason);
		return;
	}
	if (a->state == AS_STARTING)
		attempt_set_state(a, AS_RUNNING, "exec succeeded");
	rmconn_report(a);
}

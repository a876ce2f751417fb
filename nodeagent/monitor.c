/*
 * Watching attempt processes: reaping children on SIGCHLD, killing on request or over a
 * limit (SIGTERM to the group, SIGKILL after the grace), and sampling memory from /proc on
 * the worker thread to enforce each attempt's res.mem_mb the way YARN's node manager does.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "agent.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

void monitor_sigchld(int fd, short what, void *arg)
{
	struct agent *ag = arg;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		monitor_child_exited(ag, pid, status);
}

/* To the group; before the child's setsid() the group does not exist yet, so to the pid. */
static void signal_group(struct attempt *a, int sig)
{
	a->sigkilled |= sig == SIGKILL;
	if (kill(-a->pid, sig) < 0 && errno == ESRCH)
		kill(a->pid, sig);
}

/*
 * The attempt ends with its main process. Anything it left behind in its group would
 * outlive it unaccounted, so the rest of the group is killed now.
 */
static void kill_leftovers(struct attempt *a)
{
	if (kill(-a->pid, SIGKILL) == 0 && !a->sigkilled)
		log_info("monitor", "%s: killed processes left in its group after pid %d exited",
			 a->idstr, (int)a->pid);
}

/* Fills the report's exit fields and returns its state, with reason for people. */
static int classify(struct attempt *a, int status, char *reason, size_t len)
{
	reason[0] = '\0';
	if (WIFSIGNALED(status)) {
		a->rep.signal = WTERMSIG(status);
		snprintf(reason, len, "killed by signal %d (%s)", a->rep.signal,
			 strsignal(a->rep.signal));
	} else {
		a->rep.exit_code = WEXITSTATUS(status);
		if (a->rep.exit_code != 0)
			snprintf(reason, len, "exited with code %d", a->rep.exit_code);
	}
	if (a->kill_kind != 0) {
		snprintf(reason, len, "%s", a->kill_reason);
		return a->kill_kind;
	}
	return AR_EXITED;
}

void monitor_child_exited(struct agent *ag, pid_t pid, int status)
{
	char reason[PROTO_REASON_MAX];
	struct attempt *a = attempt_find_pid(ag, pid);

	if (a == NULL && health_child_exited(ag, pid, status))
		return;
	if (a == NULL) {
		log_debug("monitor", "reaped pid %d of no attempt", (int)pid);
		return;
	}
	a->reaped = true;
	a->rep.end_us = wall_us();
	if (a->exec_fd >= 0)
		launch_exec_result(a);
	if (!attempt_is_live(a))
		return; /* it failed to exec: already reported */
	kill_leftovers(a);
	progress_close(a);
	if (a->kill_ev != NULL)
		event_del(a->kill_ev);
	int ar = classify(a, status, reason, sizeof reason);
	if (ar == AR_EXITED && a->rep.exit_code == 0 && a->rep.signal == 0) {
		attempt_finish(a, AR_EXITED, "");
		return;
	}
	if (attempt_set_state(a, AS_FINISHING, reason) == 0)
		logread_tail_then_finish(a, ar, reason);
}

static void kill_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct attempt *a = arg;

	if (a->state != AS_KILLING || a->reaped)
		return;
	log_warn("monitor", "%s: still running after the grace period; sending SIGKILL",
		 a->idstr);
	signal_group(a, SIGKILL);
}

void monitor_kill(struct attempt *a, int kind, const char *reason, int64_t grace_ms)
{
	if (a->state != AS_STARTING && a->state != AS_RUNNING)
		return;
	a->kill_kind = kind;
	snprintf(a->kill_reason, sizeof a->kill_reason, "%s", reason);
	attempt_set_state(a, AS_KILLING, reason);
	signal_group(a, grace_ms > 0 ? SIGTERM : SIGKILL);
	if (grace_ms <= 0)
		return;
	if (a->kill_ev == NULL)
		a->kill_ev = evtimer_new(a->ag->base, kill_timeout_cb, a);
	struct timeval tv = tv_from_ms(grace_ms);
	evtimer_add(a->kill_ev, &tv);
}

bool monitor_over_limit(int64_t rss_mb, int64_t limit_mb, char *reason, size_t len)
{
	if (limit_mb <= 0 || rss_mb <= limit_mb)
		return false;
	snprintf(reason, len, "memory limit exceeded: %lld MiB used > %lld MiB allowed",
		 (long long)rss_mb, (long long)limit_mb);
	return true;
}

/* ---- memory sampling ---------------------------------------------------------------- */

/* One /proc scan: the leaders (attempt pids) in, their RSS out. */
struct memscan {
	struct agent *ag;
	int n;
	pid_t *pids;
	int64_t *rss_kb;
};

static void memscan_free(void *arg)
{
	struct memscan *ms = arg;
	free(ms->pids);
	free(ms->rss_kb);
	free(ms);
}

static void memscan_work(void *arg)
{
	struct memscan *ms = arg;
	procstat_scan(ms->pids, ms->n, ms->rss_kb);
}

static void enforce(struct attempt *a)
{
	char reason[PROTO_REASON_MAX];
	struct agent_conf *c = &a->ag->conf;

	if (!c->mem_enforce || a->state != AS_RUNNING)
		return;
	if (!monitor_over_limit(a->rss_mb, a->res.mem_mb, reason, sizeof reason))
		return;
	log_warn("monitor", "%s: %s", a->idstr, reason);
	monitor_kill(a, AR_LIMIT_KILLED, reason,
		     a->kill_grace_ms > 0 ? a->kill_grace_ms : c->kill_grace_ms);
}

/* Back on the loop: attempts may have exited meanwhile, so each is found again by pid. */
static void memscan_done(void *arg)
{
	struct memscan *ms = arg;
	struct agent *ag = ms->ag;
	int64_t total = 0;

	ag->memscan_busy = false;
	for (int i = 0; i < ms->n; i++) {
		struct attempt *a = attempt_find_pid(ag, ms->pids[i]);
		if (a == NULL)
			continue;
		a->rss_mb = ms->rss_kb[i] / 1024;
		total += a->rss_mb;
		enforce(a);
	}
	ag->mem_used_mb = total;
	memscan_free(ms);
}

void monitor_mem_tick(struct agent *ag)
{
	struct attempt *a;
	int n = 0;

	if (ag->memscan_busy)
		return;
	TAILQ_FOREACH(a, &ag->attempts, link)
		n += attempt_is_live(a) && a->pid > 0 && !a->reaped;
	if (n == 0) {
		ag->mem_used_mb = 0;
		return;
	}
	struct memscan *ms = xcalloc(1, sizeof *ms);
	ms->ag = ag;
	ms->pids = xcalloc((size_t)n, sizeof *ms->pids);
	ms->rss_kb = xcalloc((size_t)n, sizeof *ms->rss_kb);
	TAILQ_FOREACH(a, &ag->attempts, link)
		if (attempt_is_live(a) && a->pid > 0 && !a->reaped)
			ms->pids[ms->n++] = a->pid;
	ag->memscan_busy = true;
	agent_submit(ag, memscan_work, memscan_done, memscan_free, ms);
}

/*
 * The agent's loop furniture: setup and teardown, signals, the cron timer, the worker
 * hand-off, and the orderly stop on SIGTERM/SIGINT: leave rmd, kill every attempt
 * (SIGTERM, SIGKILL after kill_grace), then leave the loop. A second signal, or the
 * deadline, leaves at once.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

extern char **environ;

#define CRON_MS 100                    /* the one periodic chore timer */
#define SWEEP_PERIOD_MS (10 * 1000)    /* finished attempts rmd never settled */
#define STOP_SLACK_MS 2000             /* after kill_grace, for the last reaps */

/* A job on the worker, tracked so that one never run to its end can be freed at exit. */
struct agent_job {
	LIST_ENTRY(agent_job) link;
	work_fn work;
	done_fn done;
	job_cancel_fn cancel;
	void *arg;
};

static void job_work(void *arg)
{
	struct agent_job *j = arg;
	j->work(j->arg);
}

static void job_done(void *arg)
{
	struct agent_job *j = arg;
	LIST_REMOVE(j, link);
	j->done(j->arg);
	free(j);
}

void agent_submit(struct agent *ag, work_fn work, done_fn done, job_cancel_fn cancel,
		  void *arg)
{
	struct agent_job *j = xcalloc(1, sizeof *j);

	j->work = work;
	j->done = done;
	j->cancel = cancel;
	j->arg = arg;
	LIST_INSERT_HEAD(&ag->jobs, j, link);
	worker_submit(ag->worker, job_work, job_done, j);
}

/* ---- stopping ----------------------------------------------------------------------- */

static bool attempts_settled(const struct agent *ag)
{
	const struct attempt *a;

	TAILQ_FOREACH(a, &ag->attempts, link)
		if (attempt_is_live(a) || a->state == AS_FINISHING)
			return false;
	return true;
}

void agent_check_stopped(struct agent *ag)
{
	if (ag->stopping && attempts_settled(ag) && !rmconn_active(ag))
		event_base_loopexit(ag->base, NULL);
}

static void stop_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct agent *ag = arg;

	log_warn("agent", "stop deadline passed; exiting now");
	event_base_loopexit(ag->base, NULL);
}

static void agent_stop(struct agent *ag, int sig)
{
	struct attempt *a;

	if (ag->stopping) {
		log_warn("agent", "%s again; exiting now", strsignal(sig));
		event_base_loopexit(ag->base, NULL);
		return;
	}
	/*
	 * The connection goes first, so rmd hears nothing about these kills: to rmd the node
	 * left, and its attempts become LOST, which (unlike a failure) does not count against
	 * their tasks' max attempts.
	 */
	ag->stopping = true;
	rmconn_stop(ag);
	log_info("agent", "%s: killing the running attempts, then exiting", strsignal(sig));
	TAILQ_FOREACH(a, &ag->attempts, link)
		monitor_kill(a, AR_KILLED, "node agent shutting down",
			     ag->conf.kill_grace_ms);
	struct timeval tv = tv_from_ms(ag->conf.kill_grace_ms + STOP_SLACK_MS);
	ag->stop_ev = evtimer_new(ag->base, stop_deadline_cb, ag);
	evtimer_add(ag->stop_ev, &tv);
	agent_check_stopped(ag);
}

static void stop_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	agent_stop(arg, (int)sig);
}

/* ---- the loop ----------------------------------------------------------------------- */

static void cron_cb(evutil_socket_t fd, short what, void *arg)
{
	struct agent *ag = arg;
	int64_t now = mono_ms();

	if (now >= ag->next_memscan_ms) {
		ag->next_memscan_ms = now + ag->conf.mem_check_interval_ms;
		monitor_mem_tick(ag);
	}
	if (now >= ag->next_sweep_ms) {
		ag->next_sweep_ms = now + SWEEP_PERIOD_MS;
		attempt_sweep(ag, now);
	}
	health_tick(ag, now);
	retention_tick(ag, now);
}

static struct event *add_signal(struct agent *ag, int sig, event_callback_fn cb)
{
	struct event *ev = evsignal_new(ag->base, sig, cb, ag);
	if (ev == NULL || event_add(ev, NULL) < 0)
		fatal("cannot watch signal %d", sig);
	return ev;
}

void agent_init(struct agent *ag)
{
	struct timeval cron = tv_from_ms(CRON_MS);

	TAILQ_INIT(&ag->attempts);
	LIST_INIT(&ag->jobs);
	if (gethostname(ag->host, sizeof ag->host) < 0)
		snprintf(ag->host, sizeof ag->host, "localhost");
	ag->host[sizeof ag->host - 1] = '\0';
	ag->base_env = environ;
	ag->attempts_dir = xasprintf("%s/attempts", ag->conf.work_dir);
	if (mkdir_p(ag->attempts_dir, 0755) < 0)
		fatal("cannot create %s: %s", ag->attempts_dir, strerror(errno));
	if ((ag->devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		fatal("cannot open /dev/null: %s", strerror(errno));
	if ((ag->base = event_base_new()) == NULL)
		fatal("cannot create the event loop");
	ag->worker = worker_new(ag->base, "agent-io");
	ag->sigchld_ev = add_signal(ag, SIGCHLD, monitor_sigchld);
	ag->sigterm_ev = add_signal(ag, SIGTERM, stop_signal_cb);
	ag->sigint_ev = add_signal(ag, SIGINT, stop_signal_cb);
	ag->cron_ev = event_new(ag->base, -1, EV_PERSIST, cron_cb, ag);
	event_add(ag->cron_ev, &cron);
	health_start(ag);
}

/*
 * After the loop: the worker finishes its queue (their done callbacks are not run, so the
 * jobs are cancelled here), whatever still runs is killed, and a last non-blocking loop
 * turn frees the connection that peer_close scheduled.
 */
void agent_cleanup(struct agent *ag)
{
	struct agent_job *j;
	struct attempt *a;

	worker_free(ag->worker);
	while ((j = LIST_FIRST(&ag->jobs)) != NULL) {
		LIST_REMOVE(j, link);
		j->cancel(j->arg);
		free(j);
	}
	while ((a = TAILQ_FIRST(&ag->attempts)) != NULL) {
		if (attempt_is_live(a) && a->pid > 0 && !a->reaped)
			kill(-a->pid, SIGKILL);
		attempt_free(a);
	}
	rmconn_free(ag);
	health_free(ag);
	event_base_loop(ag->base, EVLOOP_NONBLOCK);
	struct event *evs[] = { ag->sigchld_ev, ag->sigterm_ev, ag->sigint_ev, ag->cron_ev,
				ag->stop_ev };
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	event_base_free(ag->base);
	close(ag->devnull_fd);
	free(ag->attempts_dir);
	agent_conf_free(&ag->conf);
}


/*
 * The attempt table and each attempt's life on this node. Every state change goes through
 * attempt_set_state(), which checks the transition against one table and logs it.
 *
 *   STARTING -> RUNNING -> (KILLING) -> FINISHING -> DONE -> COMMITTING -> forgotten
 *
 * STARTING may also go straight to DONE (launch failed) or KILLING (killed before exec);
 * RUNNING/KILLING go straight to DONE when the attempt succeeded (no stderr tail to read);
 * DONE may be forgotten without COMMITTING when rmd gives up on it.
 */
#include <event2/event.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

static const char *state_names[AS_MAX] = {
	"STARTING", "RUNNING", "KILLING", "FINISHING", "DONE", "COMMITTING",
};

#define B(s) (1u << (s))
/* allowed[from] = the states one may move to from `from`. */
static const unsigned allowed[AS_MAX] = {
	[AS_STARTING] = B(AS_RUNNING) | B(AS_KILLING) | B(AS_DONE),
	[AS_RUNNING] = B(AS_KILLING) | B(AS_FINISHING) | B(AS_DONE),
	[AS_KILLING] = B(AS_FINISHING) | B(AS_DONE),
	[AS_FINISHING] = B(AS_DONE),
	[AS_DONE] = B(AS_COMMITTING),
	[AS_COMMITTING] = 0,
};
#undef B

const char *attempt_state_name(enum attempt_state s)
{
	return (unsigned)s < AS_MAX ? state_names[s] : "?";
}

bool attempt_transition_ok(enum attempt_state from, enum attempt_state to)
{
	if ((unsigned)from >= AS_MAX || (unsigned)to >= AS_MAX)
		return false;
	return (allowed[from] & (1u << to)) != 0;
}

/*
 * Why refuse instead of abort on an illegal move: the agent runs other people's work, and
 * a bookkeeping bug in one attempt must not kill every task on the node. The refusal is
 * logged as an error and the caller keeps the old state.
 */
int attempt_set_state_at(struct attempt *a, enum attempt_state to, const char *reason,
			 const char *caller)
{
	enum attempt_state from = a->state;

	if (!attempt_transition_ok(from, to)) {
		log_error("attempt", "%s: illegal %s -> %s (%s: %s)", a->idstr,
			  attempt_state_name(from), attempt_state_name(to), caller,
			  reason ? reason : "");
		return -1;
	}
	a->state = to;
	log_info("attempt", "%s: %s -> %s (%s%s%s)", a->idstr, attempt_state_name(from),
		 attempt_state_name(to), caller, reason && *reason ? ": " : "",
		 reason ? reason : "");
	return 0;
}

struct attempt *attempt_new(struct agent *ag, const struct msg_attempt_launch *m)
{
	struct attempt *a = xcalloc(1, sizeof *a);

	a->ag = ag;
	a->id = m->id;
	id_format(&m->id, a->idstr, sizeof a->idstr);
	a->state = AS_STARTING;
	a->ntasks = m->ntasks;
	a->res = m->res;
	a->output_dir = xstrdup(m->output_dir ? m->output_dir : "");
	a->kill_grace_ms = m->kill_grace_ms;
	a->exec_fd = -1;
	a->prog_fd = -1;
	progress_init(&a->progress);
	a->rep.id = m->id;
	a->rep.state = AR_RUNNING;
	a->rep.progress = -1;
	TAILQ_INSERT_TAIL(&ag->attempts, a, link);
	ag->nattempts++;
	return a;
}

struct attempt *attempt_find(struct agent *ag, const struct loom_id *id)
{
	struct attempt *a;

	TAILQ_FOREACH(a, &ag->attempts, link)
		if (a->id.job == id->job && a->id.task == id->task &&
		    a->id.attempt == id->attempt)
			return a;
	return NULL;
}

struct attempt *attempt_find_pid(struct agent *ag, pid_t pid)
{
	struct attempt *a;

	TAILQ_FOREACH(a, &ag->attempts, link)
		if (a->pid == pid && !a->reaped)
			return a;
	return NULL;
}

bool attempt_is_live(const struct attempt *a)
{
	return a->state == AS_STARTING || a->state == AS_RUNNING || a->state == AS_KILLING;
}

bool attempt_succeeded(const struct attempt *a)
{
	return a->rep.state == AR_EXITED && a->rep.exit_code == 0 && a->rep.signal == 0;
}

void attempt_snapshot(const struct attempt *a, struct attempt_report *r)
{
	*r = a->rep;
	r->progress = a->progress.value;
	r->rss_mb = a->rss_mb;
}

void attempt_finish(struct attempt *a, int ar_state, const char *reason)
{
	struct agent *ag = a->ag;

	a->rep.state = ar_state;
	if (a->rep.end_us == 0)
		a->rep.end_us = wall_us();
	snprintf(a->rep.reason, sizeof a->rep.reason, "%s", reason ? reason : "");
	a->done_ms = mono_ms();
	if (attempt_set_state(a, AS_DONE, attempt_report_state_name(ar_state)) < 0)
		return;
	if (ar_state == AR_LAUNCH_FAILED)
		log_warn("attempt", "%s: launch failed: %s", a->idstr, a->rep.reason);
	rmconn_report(a);
	agent_check_stopped(ag);
}

void attempt_reported(struct attempt *a)
{
	if (a->state != AS_DONE || attempt_succeeded(a))
		return;
	commit_discard_and_forget(a);
}

void attempt_forget(struct attempt *a, const char *why)
{
	log_debug("attempt", "%s: forgotten (%s)", a->idstr, why);
	attempt_free(a);
}

static void close_event(struct event **ev, int *fd)
{
	if (*ev != NULL)
		event_free(*ev);
	*ev = NULL;
	if (fd != NULL && *fd >= 0)
		close(*fd);
	if (fd != NULL)
		*fd = -1;
}

void attempt_free(struct attempt *a)
{
	struct agent *ag = a->ag;

	TAILQ_REMOVE(&ag->attempts, a, link);
	ag->nattempts--;
	close_event(&a->exec_ev, &a->exec_fd);
	close_event(&a->prog_ev, &a->prog_fd);
	close_event(&a->kill_ev, NULL);
	free(a->output_dir);
	free(a->dir);
	free(a->out_path);
	free(a->argv0);
	free(a->cwd);
	free(a);
}

/*
 * A finished attempt normally leaves the table through ATTEMPT_COMMIT. rmd may have lost
 * track of it (it restarted without it, and answered our registration with a kill): then
 * it is discarded 30 s after that kill, late enough for a commit that crossed the kill on
 * the wire to win. Any other unsettled one goes after an hour, so the table cannot grow
 * without bound. Only while registered: during an outage rmd may still want it.
 */
void attempt_sweep(struct agent *ag, int64_t now_ms)
{
	struct attempt *a, *next;

	if (!rmconn_registered(ag))
		return;
	for (a = TAILQ_FIRST(&ag->attempts); a != NULL; a = next) {
		next = TAILQ_NEXT(a, link);
		if (a->state != AS_DONE || a->pending)
			continue;
		if ((a->orphan_ms > 0 && now_ms - a->orphan_ms > AGENT_ORPHAN_TTL_MS) ||
		    now_ms - a->done_ms > AGENT_DONE_TTL_MS) {
			log_warn("attempt", "%s: never committed by rmd; discarding its output",
				 a->idstr);
			commit_discard_and_forget(a);
		}
	}
}

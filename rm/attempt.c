/*
 * Attempt records: the state setter (which keeps the live counts, the node's list and its
 * reserved resources), starting and killing attempts, and the pure decisions about an
 * attempt's report.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "events.h"
#include "log.h"
#include "xmalloc.h"

const char *const attempt_state_names[ATT_STATE_MAX] = {
	[ATT_STARTING] = "STARTING",
	[ATT_RUNNING] = "RUNNING",
	[ATT_COMMITTING] = "COMMITTING",
	[ATT_SUCCEEDED] = "SUCCEEDED",
	[ATT_FAILED] = "FAILED",
	[ATT_KILLED] = "KILLED",
	[ATT_LOST] = "LOST",
	[ATT_ALLOCATED] = "ALLOCATED",
};

#define B(s) (1u << (s))
#define ENDS (B(ATT_FAILED) | B(ATT_KILLED) | B(ATT_LOST))
static const unsigned attempt_legal[ATT_STATE_MAX] = {
	[ATT_STARTING] = B(ATT_RUNNING) | B(ATT_COMMITTING) | ENDS,
	[ATT_RUNNING] = B(ATT_COMMITTING) | ENDS,
	[ATT_COMMITTING] = B(ATT_SUCCEEDED) | ENDS,
	[ATT_ALLOCATED] = B(ATT_STARTING) | B(ATT_KILLED) | B(ATT_LOST),
};
#undef ENDS
#undef B

bool attempt_transition_legal(enum attempt_state from, enum attempt_state to)
{
	if ((unsigned)from >= ATT_STATE_MAX || (unsigned)to >= ATT_STATE_MAX)
		return false;
	return (attempt_legal[from] & (1u << to)) != 0;
}

bool attempt_live(const struct rm_attempt *a)
{
	return a->state == ATT_STARTING || a->state == ATT_RUNNING ||
	       a->state == ATT_COMMITTING || a->state == ATT_ALLOCATED;
}

bool job_is_framework(const struct rm_job *j)
{
	return j->spec.framework[0] != '\0';
}

/* Gives the attempt's reservation back to its node. */
static void attempt_release(struct rm_attempt *a)
{
	if (!a->holds_res)
		return;
	res_sub(&a->node->used, &a->job->spec.res);
	queue_release(a->job);
	a->holds_res = false;
}

int attempt_set_state_(struct rm_attempt *a, enum attempt_state s, const char *reason,
		       const char *caller)
{
	char id[ID_BUFSZ];

	id_format(&a->id, id, sizeof(id));
	if (!attempt_transition_legal(a->state, s)) {
		log_error("attempt", "%s: illegal transition of %s: %s -> %s (%s)", caller, id,
			  attempt_state_names[a->state], attempt_state_names[s], reason);
		assert(!"illegal attempt state transition");
		return -1;
	}
	/* Why: starting and committing are the busy path (thousands a second); the ends,
	 * where people look, are at info. */
	if (s != ATT_RUNNING && s != ATT_COMMITTING)
		log_info("attempt", "%s: %s on %s %s -> %s: %s", caller, id, a->node->name,
			 attempt_state_names[a->state], attempt_state_names[s], reason);
	else
		log_debug("attempt", "%s: %s on %s %s -> %s: %s", caller, id, a->node->name,
			  attempt_state_names[a->state], attempt_state_names[s], reason);
	cev_attempt(CEV_ATTEMPT_STATE, a, s, reason);
	a->state = s;
	if (reason != a->reason) {
		free(a->reason);
		a->reason = xstrdup(reason);
	}
	if (s == ATT_COMMITTING)
		attempt_release(a); /* the process is gone; only its output remains */
	if (!attempt_live(a)) {
		attempt_release(a);
		node_unlink_attempt(a->node, a);
		a->task->nlive--;
		a->job->nlive--;
		if (attempt_counts_as_failure(a))
			a->task->nfailed++;
		if (a->speculative) /* a copy either won the commit or was work thrown away */
			*(s == ATT_SUCCEEDED ? &a->job->spec_won : &a->job->spec_wasted) += 1;
	}
	return 0;
}

struct rm_attempt *attempt_start(struct cluster *cl, struct rm_job *j, struct rm_task *t,
				 struct rm_node *n)
{
	struct rm_attempt *a = xcalloc(1, sizeof(*a));

	a->id = id_attempt(j->id, t->index, t->nattempts + 1);
	a->job = j;
	a->task = t;
	a->node = n;
	a->state = job_is_framework(j) ? ATT_ALLOCATED : ATT_STARTING;
	a->progress = -1;
	a->holds_res = true;
	res_add(&n->used, &j->spec.res);
	queue_charge(j);
	node_link_attempt(n, a);
	if (t->nattempts == t->capattempts) {
		t->capattempts = t->capattempts ? t->capattempts * 2 : 1;
		t->attempts = xrealloc(t->attempts,
				       (size_t)t->capattempts * sizeof(*t->attempts));
	}
	t->attempts[t->nattempts++] = a;
	t->nlive++;
	j->nlive++;
	/* A second live attempt (a speculative copy) finds its task running already. */
	if (t->state != TASK_RUNNING)
		task_set_state(j, t, TASK_RUNNING, "placed");
	cev_attempt(CEV_ATTEMPT_PLACED, a, a->state, "placed");
	if (a->state == ATT_STARTING)
		cl->ops->launch(cl->arg, a);
	else if (cl->ops->allocated != NULL)
		cl->ops->allocated(cl->arg, a);
	return a;
}

static char **strv_dup(char *const *v, int n)
{
	char **c = xcalloc((size_t)n + 1, sizeof(*c));

	for (int i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

void attempt_launch(struct cluster *cl, struct rm_attempt *a, char *const *argv, int nargv,
		    char *const *env, int nenv, const char *workdir)
{
	if (a->state != ATT_ALLOCATED)
		return;
	mpr_strv_free(a->argv);
	mpr_strv_free(a->env);
	free(a->workdir);
	a->argv = strv_dup(argv, nargv);
	a->nargv = nargv;
	a->env = strv_dup(env, env != NULL ? nenv : 0);
	a->nenv = env != NULL ? nenv : 0;
	a->workdir = xstrdup(workdir != NULL ? workdir : "");
	if (attempt_set_state(a, ATT_STARTING, "launched by its framework") < 0)
		return;
	cl->ops->launch(cl->arg, a);
}

void attempt_kill(struct cluster *cl, struct rm_attempt *a, const char *reason)
{
	if (!attempt_live(a) || a->state == ATT_COMMITTING || a->kill_sent)
		return;
	if (a->state == ATT_ALLOCATED) { /* nothing runs: nobody to ask */
		outcome_ended(cl, a, ATT_KILLED, reason);
		return;
	}
	a->kill_sent = true;
	free(a->reason);
	a->reason = xstrdup(reason);
	if (a->preempted || a->timed_out) /* its end must count as such after a restart */
		cluster_journal(cl, JOURNAL_ATTEMPT_STOPPING, a);
	cl->ops->kill(cl->arg, a, reason);
}

void task_kill_others(struct cluster *cl, struct rm_task *t, struct rm_attempt *keep,
		      const char *reason)
{
	for (int32_t i = 0; i < t->nattempts && t->nlive > 0; i++)
		if (t->attempts[i] != keep)
			attempt_kill(cl, t->attempts[i], reason);
}

enum exit_decision attempt_exit_decision(const struct rm_task *t, const struct rm_attempt *a)
{
	if (t->committer != NULL && t->committer != a)
		return EXIT_DISCARD;
	if (task_finished(t) || !attempt_live(a))
		return EXIT_DISCARD;
	return EXIT_COMMIT;
}

void attempt_report_reason(const struct attempt_report *r, char *buf, size_t len)
{
	const char *sep = r->reason[0] ? ": " : "";

	switch (r->state) {
	case AR_EXITED:
		if (r->signal != 0)
			snprintf(buf, len, "killed by signal %d", r->signal);
		else
			snprintf(buf, len, "exit code %d", r->exit_code);
		break;
	case AR_LAUNCH_FAILED:
		snprintf(buf, len, "launch failed%s%s", sep, r->reason);
		break;
	case AR_LIMIT_KILLED:
		snprintf(buf, len, "%s", r->reason[0] ? r->reason : "killed for exceeding a limit");
		break;
	case AR_KILLED:
		snprintf(buf, len, "killed%s%s", sep, r->reason);
		break;
	default:
		snprintf(buf, len, "running");
		break;
	}
}

void attempt_free(struct rm_attempt *a)
{
	if (a == NULL)
		return;
	free(a->reason);
	free(a->log_tail);
	mpr_strv_free(a->argv);
	mpr_strv_free(a->env);
	free(a->workdir);
	free(a);
}

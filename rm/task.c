/*
 * Task records: the state setter (which keeps the job's per-state counts), re-queueing
 * after a failure, and the retry rule (LOST and KILLED attempts do not count).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "log.h"
#include "xmalloc.h"

const char *const task_state_names[TASK_STATE_MAX] = {
	[TASK_PENDING] = "PENDING",
	[TASK_RUNNING] = "RUNNING",
	[TASK_COMMITTING] = "COMMITTING",
	[TASK_SUCCEEDED] = "SUCCEEDED",
	[TASK_FAILED] = "FAILED",
	[TASK_KILLED] = "KILLED",
};

#define B(s) (1u << (s))
static const unsigned task_legal[TASK_STATE_MAX] = {
	[TASK_PENDING] = B(TASK_RUNNING) | B(TASK_FAILED) | B(TASK_KILLED),
	[TASK_RUNNING] = B(TASK_PENDING) | B(TASK_COMMITTING) | B(TASK_FAILED) | B(TASK_KILLED),
	[TASK_COMMITTING] = B(TASK_SUCCEEDED) | B(TASK_PENDING) | B(TASK_RUNNING) |
			    B(TASK_FAILED) | B(TASK_KILLED),
};
#undef B

bool task_transition_legal(enum task_state from, enum task_state to)
{
	if ((unsigned)from >= TASK_STATE_MAX || (unsigned)to >= TASK_STATE_MAX)
		return false;
	return (task_legal[from] & (1u << to)) != 0;
}

bool task_finished(const struct rm_task *t)
{
	return t->state == TASK_SUCCEEDED || t->state == TASK_FAILED || t->state == TASK_KILLED;
}

int task_set_state_(struct rm_job *j, struct rm_task *t, enum task_state s, const char *reason,
		    const char *caller)
{
	char id[ID_BUFSZ];
	struct loom_id tid = id_task(j->id, t->index);

	id_format(&tid, id, sizeof(id));
	if (!task_transition_legal(t->state, s)) {
		log_error("task", "%s: illegal transition of %s: %s -> %s (%s)", caller, id,
			  task_state_names[t->state], task_state_names[s], reason);
		assert(!"illegal task state transition");
		return -1;
	}
	log_debug("task", "%s: %s %s -> %s: %s", caller, id, task_state_names[t->state],
		  task_state_names[s], reason);
	j->ntask_state[t->state]--;
	j->ntask_state[s]++;
	t->state = s;
	/* Why: a million tasks with a reason each would cost more than their records, so
	 * the common "placed" step keeps none; failures and ends keep theirs. */
	free(t->reason);
	t->reason = (s == TASK_RUNNING) ? NULL : xstrdup(reason);
	return 0;
}

void task_requeue(struct cluster *cl, struct rm_job *j, struct rm_task *t, const char *reason)
{
	if (task_set_state(j, t, TASK_PENDING, reason) < 0)
		return;
	if (j->rq_head == j->nrequeue)
		j->rq_head = j->nrequeue = 0;
	size_t lo = j->rq_head, hi = j->nrequeue;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (j->requeue[mid] < t->index)
			lo = mid + 1;
		else
			hi = mid;
	}
	j->requeue = xgrow(j->requeue, &j->caprequeue, j->nrequeue + 1, sizeof(*j->requeue));
	memmove(&j->requeue[lo + 1], &j->requeue[lo], (j->nrequeue - lo) * sizeof(*j->requeue));
	j->requeue[lo] = t->index;
	j->nrequeue++;
	job_queue_add(cl, j);
	cl->ops->schedule(cl->arg);
}

bool attempt_counts_as_failure(const struct rm_attempt *a)
{
	return a->state == ATT_FAILED;
}

bool task_may_retry(const struct rm_task *t, int32_t max_attempts)
{
	return t->nfailed < max_attempts;
}

struct rm_attempt *task_last_attempt(const struct rm_task *t)
{
	return t->nattempts > 0 ? t->attempts[t->nattempts - 1] : NULL;
}

bool task_failed_on(const struct rm_task *t, const struct rm_node *n)
{
	for (int32_t i = 0; i < t->nattempts; i++)
		if (t->attempts[i]->node == n && t->attempts[i]->state == ATT_FAILED)
			return true;
	return false;
}

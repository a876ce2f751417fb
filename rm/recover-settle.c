/*
 * What recovery settles once no more attempts can be adopted: the tasks rmd had killed at
 * their time limit before the restart fail, framework tasks whose containers did not come
 * back are final, and frameworks not back yet start their grace. recover.c rebuilds the
 * state and decides when the wait ends.
 */
#include <stdio.h>

#include "framework.h"
#include "log.h"
#include "rm.h"

/* True when t had an attempt killed at its time limit and none runs now. */
static bool timed_out_idle(const struct rm_task *t)
{
	bool timed_out = false;

	for (int32_t i = 0; i < t->nattempts; i++) {
		if (attempt_live(t->attempts[i]))
			return false;
		timed_out |= t->attempts[i]->timed_out;
	}
	return timed_out;
}

/* An attempt of t was killed at its time limit before the restart and did not come back
 * (or its end did, but not its task's): t fails as outcome.c would have failed it. */
static void fail_timed_out(struct cluster *cl, struct rm_job *j, struct rm_task *t)
{
	char id[ID_BUFSZ], why[PROTO_REASON_MAX], lim[64];
	struct loom_id tid = id_task(j->id, t->index);

	for (int32_t i = 0; i < t->nattempts; i++) {
		struct rm_attempt *a = t->attempts[i];
		if (!a->recovered || !a->timed_out)
			continue;
		a->state = ATT_FAILED; /* a placeholder: built, not transitioned */
		a->recovered = false;
		a->end_us = cluster_now(cl);
		t->nfailed++;
		cluster_journal(cl, JOURNAL_ATTEMPT_ENDED, a);
	}
	job_take_unplaced(j, t->index);
	snprintf(why, sizeof(why), "task %s exceeded its time limit of %s",
		 id_format(&tid, id, sizeof(id)),
		 time_limit_format(j->spec.time_limit_ms, lim, sizeof(lim)));
	task_set_state(j, t, TASK_FAILED, why);
	job_end(cl, j, JOB_FAILED, why);
}

/* Once no more attempts can be adopted: the time-outs decided before the restart. */
void recover_settle_timed_out(struct cluster *cl)
{
	for (uint64_t id = 1; id < cl->next_job; id++) {
		struct rm_job *j = cluster_job(cl, id);
		if (j == NULL || job_finished(j) || job_is_framework(j))
			continue;
		for (int32_t i = 0; i < j->spec.ntasks && !job_finished(j); i++)
			if (j->tasks[i].state == TASK_PENDING && timed_out_idle(&j->tasks[i]))
				fail_timed_out(cl, j, &j->tasks[i]);
	}
}

void recover_end(struct rmd *rmd, const char *why)
{
	if (!rmd->recovering)
		return;
	rmd->recovering = false;
	if (rmd->ev_recovery != NULL)
		evtimer_del(rmd->ev_recovery);
	log_info("recover", "recovery over (%s): %llu attempt(s) adopted; placing what waits",
		 why, (unsigned long long)rmd->rec.adopted);
	recover_settle_timed_out(&rmd->cl);
	for (uint64_t id = 1; id < rmd->cl.next_job; id++) {
		struct rm_job *j = cluster_job(&rmd->cl, id);
		if (j != NULL && !job_finished(j) && job_is_framework(j))
			outcome_fw_recovered(&rmd->cl, j);
	}
	framework_recovered(rmd); /* the graces of frameworks not back yet start now */
	rmd_later(rmd, LATER_SCHED);
}

/*
 * What follows an agent's report on an attempt: a start makes its job RUNNING; an exit 0
 * wins the task's commit or has its output discarded; a failure retries the task or, once
 * its attempts are spent, fails the job. LOST and KILLED attempts (preempted ones too)
 * never count as failures; one killed at its time limit ends FAILED and fails its task
 * at once, as Slurm's TIMEOUT.
 *
 * A framework's container (a job with spec.framework) is the framework's business: an
 * exit 0 succeeds without a commit, anything else fails, and either way its task is final
 * (rmd never retries it, nor fails the job: the framework decides). The request job
 * succeeds once every task is final.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "log.h"
#include "xmalloc.h"

/* The job's first running attempt makes it RUNNING. */
static void job_started(struct cluster *cl, struct rm_job *j)
{
	if (j->state == JOB_PENDING)
		job_set_state(cl, j, JOB_RUNNING, "first attempt started");
}

/* Keeps the facts of a report on the attempt record. */
static void report_copy(struct rm_attempt *a, const struct attempt_report *r)
{
	if (r->start_us > 0)
		a->start_us = r->start_us;
	if (r->end_us > 0)
		a->end_us = r->end_us;
	if (r->progress >= 0)
		a->progress = r->progress;
	if (r->rss_mb > 0)
		a->rss_mb = r->rss_mb;
	if (r->state == AR_EXITED) {
		a->exit_code = r->exit_code;
		a->signal = r->signal;
	}
	if (r->log_tail[0] != '\0') {
		free(a->log_tail);
		a->log_tail = xstrdup(r->log_tail);
	}
}

/* How an attempt that rmd asked to stop ends: a time limit is the task's failure. */
static enum attempt_state killed_as(const struct rm_attempt *a)
{
	return a->timed_out ? ATT_FAILED : ATT_KILLED;
}

/* A framework container exited 0: through COMMITTING (the setters' path) to SUCCEEDED,
 * with nothing to commit. */
static void fw_exited_ok(struct cluster *cl, struct rm_attempt *a)
{
	job_started(cl, a->job);
	if (attempt_set_state(a, ATT_COMMITTING, "exited 0") < 0)
		return;
	outcome_ended(cl, a, ATT_SUCCEEDED, "exited 0");
}

/* An attempt exited 0: the first one commits, any other has its output discarded. */
static void exited_ok(struct cluster *cl, struct rm_attempt *a)
{
	struct rm_task *t = a->task;

	if (job_is_framework(a->job)) {
		fw_exited_ok(cl, a);
		return;
	}
	if (a->state == ATT_COMMITTING) { /* a repeat (after a reconnect): ask again */
		cl->ops->commit(cl->arg, a, true);
		return;
	}
	job_started(cl, a->job);
	if (attempt_exit_decision(t, a) == EXIT_DISCARD) {
		cl->ops->commit(cl->arg, a, false);
		outcome_ended(cl, a, ATT_KILLED, "exited 0 but the task is done; output discarded");
		return;
	}
	if (attempt_set_state(a, ATT_COMMITTING, "exited 0; committing output") < 0)
		return;
	t->committer = a;
	task_set_state(a->job, t, TASK_COMMITTING, "an attempt is committing its output");
	cl->ops->commit(cl->arg, a, true);
	task_kill_others(cl, t, a, "another attempt of the task is committing");
}

void outcome_report(struct cluster *cl, struct rm_attempt *a, const struct attempt_report *r)
{
	char why[PROTO_REASON_MAX];

	report_copy(a, r);
	attempt_report_reason(r, why, sizeof(why));
	switch (r->state) {
	case AR_RUNNING:
		if (a->state == ATT_STARTING) {
			if (a->start_us <= 0) /* time limits count from here (limits.c) */
				a->start_us = cluster_now(cl);
			/* A kill sent while it started keeps its reason for the end. */
			attempt_set_state(a, ATT_RUNNING, a->kill_sent ? a->reason : "started");
			job_started(cl, a->job);
		}
		break;
	case AR_EXITED:
		if (r->exit_code == 0 && r->signal == 0)
			exited_ok(cl, a);
		else if (a->kill_sent)
			outcome_ended(cl, a, killed_as(a), a->reason);
		else
			outcome_ended(cl, a, ATT_FAILED, why);
		break;
	case AR_KILLED:
		if (a->kill_sent) {
			outcome_ended(cl, a, killed_as(a), a->reason);
		} else {
			snprintf(why, sizeof(why), "killed by the node agent%s%.990s",
				 r->reason[0] ? ": " : "", r->reason);
			outcome_ended(cl, a, ATT_FAILED, why);
		}
		break;
	default: /* AR_LAUNCH_FAILED, AR_LIMIT_KILLED */
		outcome_ended(cl, a, ATT_FAILED, why);
		break;
	}
}

/* "task job-3.t4 failed after 4 attempts: exit code 3 on node-2; last log lines: ..." */
static void fail_job(struct cluster *cl, struct rm_job *j, struct rm_task *t,
		     const struct rm_attempt *a)
{
	char id[ID_BUFSZ], why[PROTO_REASON_MAX], tail[512] = "";
	struct loom_id tid = id_task(j->id, t->index);

	if (a->log_tail != NULL && a->log_tail[0] != '\0') {
		snprintf(tail, sizeof(tail), "; last log lines: %s", a->log_tail);
		for (size_t n = strlen(tail); n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == ' ');)
			tail[--n] = '\0';
	}
	snprintf(why, sizeof(why), "task %s failed after %d attempt%s: %s on %s%s",
		 id_format(&tid, id, sizeof(id)), t->nattempts, t->nattempts == 1 ? "" : "s",
		 a->reason, a->node->name, tail);
	task_set_state(j, t, TASK_FAILED, why);
	job_end(cl, j, JOB_FAILED, why);
}

/* True when an attempt of t ran past its time limit. */
static bool task_timed_out(const struct rm_task *t)
{
	for (int32_t i = t->nattempts - 1; i >= 0; i--)
		if (t->attempts[i]->timed_out)
			return true;
	return false;
}

/* "task job-5.t2 exceeded its time limit of 10m": no other attempt is tried. */
static void fail_timed_out(struct cluster *cl, struct rm_job *j, struct rm_task *t)
{
	char id[ID_BUFSZ], why[PROTO_REASON_MAX], lim[64];
	struct loom_id tid = id_task(j->id, t->index);

	snprintf(why, sizeof(why), "task %s exceeded its time limit of %s",
		 id_format(&tid, id, sizeof(id)),
		 time_limit_format(j->spec.time_limit_ms, lim, sizeof(lim)));
	task_set_state(j, t, TASK_FAILED, why);
	job_end(cl, j, JOB_FAILED, why);
}

/* A request job succeeds once every one of its tasks is final. */
static void fw_job_done(struct cluster *cl, struct rm_job *j)
{
	int32_t done = j->ntask_state[TASK_SUCCEEDED] + j->ntask_state[TASK_FAILED] +
		       j->ntask_state[TASK_KILLED];

	if (done < j->spec.ntasks || job_finished(j))
		return;
	job_started(cl, j);
	job_set_state(cl, j, JOB_SUCCEEDED, "every container ended");
	cl->ops->schedule(cl->arg);
}

/* A framework container's end is its task's: SUCCEEDED, FAILED or KILLED (lost,
 * released, preempted); the job succeeds with its last final task. */
static void fw_task_final(struct cluster *cl, struct rm_job *j, struct rm_task *t,
			  enum attempt_state s, const char *reason)
{
	if (s == ATT_SUCCEEDED) {
		task_set_state(j, t, TASK_COMMITTING, reason);
		task_set_state(j, t, TASK_SUCCEEDED, reason);
		cluster_journal(cl, JOURNAL_TASK_COMMITTED, task_last_attempt(t));
	} else {
		task_set_state(j, t, s == ATT_FAILED ? TASK_FAILED : TASK_KILLED, reason);
	}
	fw_job_done(cl, j);
}

void outcome_fw_recovered(struct cluster *cl, struct rm_job *j)
{
	char why[PROTO_REASON_MAX], id[ID_BUFSZ];

	for (int32_t i = 0; i < j->spec.ntasks && !job_finished(j); i++) {
		struct rm_task *t = &j->tasks[i];
		const struct rm_attempt *a = task_last_attempt(t);
		if (t->state != TASK_PENDING || a == NULL)
			continue;
		job_take_unplaced(j, i);
		snprintf(why, sizeof(why), "container %s %s before rmd restarted: %s",
			 id_format(&a->id, id, sizeof(id)),
			 a->recovered ? "was not found again" : "ended",
			 a->reason != NULL ? a->reason : "");
		task_set_state(j, t, a->state == ATT_FAILED ? TASK_FAILED : TASK_KILLED, why);
	}
	if (!job_has_unplaced(j))
		job_queue_remove(cl, j);
	fw_job_done(cl, j);
}

void outcome_ended(struct cluster *cl, struct rm_attempt *a, enum attempt_state s,
		   const char *reason)
{
	struct rm_task *t = a->task;
	struct rm_job *j = a->job;
	char why[PROTO_REASON_MAX], id[ID_BUFSZ];

	if (a->end_us == 0)
		a->end_us = cluster_now(cl);
	if (attempt_set_state(a, s, reason) < 0)
		return;
	if (s != ATT_SUCCEEDED) /* a framework's success is journaled as its task's */
		cluster_journal(cl, JOURNAL_ATTEMPT_ENDED, a);
	/* A time limit is no fault of the node, nor is a framework's exit code. */
	if (s == ATT_FAILED && !a->timed_out && !job_is_framework(j))
		failures_attempt_failed(cl, a); /* may exclude the node for j, or for all */
	if (t->committer == a)
		t->committer = NULL;
	cl->ops->schedule(cl->arg); /* its resources are free again */
	if (task_finished(t) || job_finished(j) || t->committer != NULL || t->nlive > 0)
		return;
	if (job_is_framework(j)) {
		fw_task_final(cl, j, t, s, reason);
		return;
	}
	if (task_timed_out(t)) {
		fail_timed_out(cl, j, t);
		return;
	}
	if (s == ATT_FAILED && !task_may_retry(t, j->spec.max_attempts)) {
		fail_job(cl, j, t, a);
		return;
	}
	snprintf(why, sizeof(why), "%s %s: %s; trying again", id_format(&a->id, id, sizeof(id)),
		 attempt_state_names[s], reason);
	task_requeue(cl, j, t, why);
}

/* The task's one output is in place: the attempt and the task succeeded. */
static void commit_done(struct cluster *cl, struct rm_attempt *a, const char *why)
{
	struct rm_task *t = a->task;

	if (attempt_set_state(a, ATT_SUCCEEDED, why) < 0)
		return;
	cl->ops->schedule(cl->arg);
	if (task_finished(t))
		return; /* its job was killed while the commit was in flight */
	task_set_state(a->job, t, TASK_SUCCEEDED, "output committed");
	cluster_journal(cl, JOURNAL_TASK_COMMITTED, a);
	job_task_succeeded(cl, a->job);
}

void outcome_committed(struct cluster *cl, struct rm_attempt *a, bool commit, bool ok,
		       const char *reason)
{
	char why[PROTO_REASON_MAX], id[ID_BUFSZ];

	if (!commit || a->state != ATT_COMMITTING) {
		log_debug("attempt", "%s: %s of output acknowledged (%s)",
			  id_format(&a->id, id, sizeof(id)), commit ? "commit" : "discard",
			  ok ? "ok" : reason);
		return;
	}
	if (!ok) {
		snprintf(why, sizeof(why), "commit failed: %s", reason[0] ? reason : "no reason");
		outcome_ended(cl, a, ATT_FAILED, why);
		return;
	}
	commit_done(cl, a, "output committed");
}

void outcome_already_committed(struct cluster *cl, struct rm_attempt *a)
{
	if (a->state == ATT_COMMITTING)
		commit_done(cl, a, "partition already committed by an earlier attempt whose answer "
				   "was lost; this output was discarded");
}

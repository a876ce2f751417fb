/*
 * Views: jobs, tasks, attempts and nodes as query replies carry them. The field names
 * and their meaning are documented in docs/PROTOCOL.md ("Views returned by queries");
 * a change here is a change there.
 */
#include "rm.h"

#define JOB_FIELDS 28
#define JOB_INFO_FIELDS 9
#define TASK_FIELDS 5
#define ATTEMPT_FIELDS 13
#define NODE_FIELDS 10

static const char *str(const char *s)
{
	return s != NULL ? s : "";
}

static void view_attempt(struct mpw *w, const struct rm_attempt *a)
{
	mpw_map(w, ATTEMPT_FIELDS);
	mpw_kid(w, "id", &a->id);
	mpw_kstr(w, "node", a->node->name);
	mpw_kstr(w, "state", attempt_state_names[a->state]);
	mpw_kint(w, "exit_code", a->exit_code);
	mpw_kint(w, "signal", a->signal);
	mpw_kstr(w, "reason", str(a->reason));
	mpw_kdouble(w, "progress", a->progress < 0 ? 0 : a->progress);
	mpw_kint(w, "start_us", a->start_us);
	mpw_kint(w, "end_us", a->end_us);
	mpw_kstr(w, "log_tail", str(a->log_tail));
	mpw_kbool(w, "speculative", a->speculative);
	mpw_kbool(w, "preempted", a->preempted);
	mpw_kbool(w, "timed_out", a->timed_out);
}

static void view_task(struct mpw *w, const struct rm_job *j, const struct rm_task *t)
{
	const struct task_pref *pf = t->index < j->spec.nprefer ? &j->spec.prefer[t->index] : NULL;

	mpw_map(w, TASK_FIELDS);
	mpw_kint(w, "index", t->index);
	mpw_kstr(w, "state", task_state_names[t->state]);
	mpw_kstr(w, "reason", str(t->reason));
	mpw_kstrv(w, "prefer", pf != NULL ? pf->nodes : NULL, pf != NULL ? pf->n : 0);
	mpw_key(w, "attempts");
	mpw_array(w, (uint32_t)t->nattempts);
	for (int32_t i = 0; i < t->nattempts; i++)
		view_attempt(w, t->attempts[i]);
}

/* The fields only job_info has. */
static void view_job_more(struct mpw *w, const struct rm_job *j)
{
	mpw_kstrv(w, "argv", j->spec.argv, j->spec.nargv);
	mpw_kstrv(w, "env", j->spec.env, j->spec.nenv);
	mpw_kint(w, "max_attempts", j->spec.max_attempts);
	mpw_kstr(w, "speculation", spec_mode_names[j->spec.speculation.mode]);
	mpw_kstr(w, "output_dir", str(j->spec.output_dir));
	mpw_kstr(w, "workdir", str(j->spec.workdir));
	mpw_kstrv(w, "require_labels", j->spec.require_labels,
		  j->spec.require_labels ? j->spec.nrequire_labels : 0);
	mpw_kstrv(w, "exclude_labels", j->spec.exclude_labels,
		  j->spec.exclude_labels ? j->spec.nexclude_labels : 0);
	mpw_key(w, "tasks");
	mpw_array(w, (uint32_t)j->spec.ntasks);
	for (int32_t i = 0; i < j->spec.ntasks; i++)
		view_task(w, j, &j->tasks[i]);
}

/* What the scheduler made of the job: gang, time limit, preemptions, its reservation. */
static void view_job_sched(struct mpw *w, const struct rm_job *j)
{
	mpw_kbool(w, "gang", j->spec.gang);
	mpw_kint(w, "time_limit_ms", j->spec.time_limit_ms);
	mpw_kint(w, "preempted", j->npreempted);
	mpw_kint(w, "timed_out", j->ntimed_out);
	mpw_key(w, "reserved_nodes");
	mpw_array(w, (uint32_t)j->nresv);
	for (int32_t i = 0; i < j->nresv; i++)
		mpw_str(w, j->resv[i]->name);
	mpw_kint(w, "reserved_start_ms", j->nresv > 0 ? j->resv_start_us / 1000 : 0);
}

void view_job(struct mpw *w, const struct rm_job *j, bool full)
{
	const int32_t *n = j->ntask_state;
	struct loom_id id = id_job(j->id);

	mpw_map(w, JOB_FIELDS + (full ? JOB_INFO_FIELDS : 0));
	mpw_kid(w, "id", &id);
	mpw_kstr(w, "name", j->spec.name);
	mpw_kstr(w, "queue", views_job_queue(j));
	mpw_kstr(w, "user", j->spec.user);
	mpw_kstr(w, "framework", j->spec.framework); /* "" = the built-in runner's */
	mpw_kstr(w, "state", job_state_names[j->state]);
	mpw_kstr(w, "reason", str(j->reason));
	mpw_kint(w, "ntasks", j->spec.ntasks);
	mpw_kint(w, "tasks_done", n[TASK_SUCCEEDED]);
	mpw_kint(w, "tasks_running", n[TASK_RUNNING] + n[TASK_COMMITTING]);
	mpw_kint(w, "tasks_pending", n[TASK_PENDING]);
	mpw_kint(w, "tasks_failed", n[TASK_FAILED]);
	mpw_kdouble(w, "progress", job_progress(j));
	mpw_kint(w, "spec_launched", j->spec_launched);
	mpw_kint(w, "spec_won", j->spec_won);
	mpw_kint(w, "spec_wasted", j->spec_wasted);
	mpw_kint(w, "submit_us", j->submit_us);
	mpw_kint(w, "start_us", j->start_us);
	mpw_kint(w, "end_us", j->end_us);
	mpw_kres(w, "res", &j->spec.res);
	mpw_kint(w, "priority", j->spec.priority);
	mpw_key(w, "after");
	mpw_array(w, (uint32_t)j->spec.nafter);
	for (int i = 0; i < j->spec.nafter; i++) {
		struct loom_id dep = id_job(j->spec.after[i]);
		mpw_id(w, &dep);
	}
	view_job_sched(w, j);
	if (full)
		view_job_more(w, j);
}

void view_node(struct mpw *w, const struct rm_node *n, int64_t now_ms)
{
	mpw_map(w, NODE_FIELDS);
	mpw_kstr(w, "name", n->name);
	mpw_kstr(w, "host", str(n->host));
	mpw_kstr(w, "state", node_state_names[n->state]);
	mpw_kstr(w, "reason", str(n->reason));
	mpw_kres(w, "capacity", &n->capacity);
	mpw_kres(w, "used", &n->used);
	mpw_kstrv(w, "labels", n->labels, n->nlabels);
	mpw_kint(w, "attempts", n->nlive);
	mpw_kint(w, "heartbeat_age_ms", now_ms - n->last_seen_ms);
	mpw_kint(w, "registered_us", n->registered_us);
}

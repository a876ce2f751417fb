/*
 * Job records: the state setter, submission checks against the cluster, dependencies,
 * the pending queue (FIFO by priority, then id) and the end of a job.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "events.h"
#include "log.h"
#include "xmalloc.h"

const char *const job_state_names[JOB_STATE_MAX] = {
	[JOB_PENDING] = "PENDING",
	[JOB_RUNNING] = "RUNNING",
	[JOB_SUCCEEDED] = "SUCCEEDED",
	[JOB_FAILED] = "FAILED",
	[JOB_KILLED] = "KILLED",
};

#define B(s) (1u << (s))
static const unsigned job_legal[JOB_STATE_MAX] = {
	[JOB_PENDING] = B(JOB_RUNNING) | B(JOB_FAILED) | B(JOB_KILLED),
	[JOB_RUNNING] = B(JOB_SUCCEEDED) | B(JOB_FAILED) | B(JOB_KILLED),
};
#undef B

bool job_transition_legal(enum job_state from, enum job_state to)
{
	if ((unsigned)from >= JOB_STATE_MAX || (unsigned)to >= JOB_STATE_MAX)
		return false;
	return (job_legal[from] & (1u << to)) != 0;
}

bool job_finished(const struct rm_job *j)
{
	return j->state == JOB_SUCCEEDED || j->state == JOB_FAILED || j->state == JOB_KILLED;
}

/* Remembers a finished job so that the oldest can be dropped later (cluster_trim). */
static void finished_push(struct cluster *cl, uint64_t id)
{
	if (cl->fin_n == cl->fin_cap) {
		size_t ncap = cl->fin_cap ? cl->fin_cap * 2 : 64;
		uint64_t *ring = xmalloc(ncap * sizeof(*ring));
		for (size_t i = 0; i < cl->fin_n; i++)
			ring[i] = cl->finished[(cl->fin_head + i) % cl->fin_cap];
		free(cl->finished);
		cl->finished = ring;
		cl->fin_cap = ncap;
		cl->fin_head = 0;
	}
	cl->finished[(cl->fin_head + cl->fin_n) % cl->fin_cap] = id;
	cl->fin_n++;
}

int job_set_state_(struct cluster *cl, struct rm_job *j, enum job_state s, const char *reason,
		   const char *caller)
{
	if (!job_transition_legal(j->state, s)) {
		log_error("job", "%s: illegal transition of job-%llu: %s -> %s (%s)", caller,
			  (unsigned long long)j->id, job_state_names[j->state],
			  job_state_names[s], reason);
		assert(!"illegal job state transition");
		return -1;
	}
	log_info("job", "%s: job-%llu %s -> %s: %s", caller, (unsigned long long)j->id,
		 job_state_names[j->state], job_state_names[s], reason);
	cev_job(CEV_JOB_STATE, j->id, j->state, s, reason);
	cl->njob_state[j->state]--;
	cl->njob_state[s]++;
	j->state = s;
	job_set_reason(j, reason);
	if (s == JOB_RUNNING)
		j->start_us = cluster_now(cl);
	if (job_finished(j)) {
		j->end_us = cluster_now(cl);
		job_queue_remove(cl, j);
		finished_push(cl, j->id);
		cluster_journal(cl, JOURNAL_JOB_ENDED, j);
	}
	return 0;
}

void job_set_reason(struct rm_job *j, const char *reason)
{
	free(j->reason);
	j->reason = xstrdup(reason);
}

/* Whether some member node could ever hold res; fills largest with the biggest node. */
static bool fits_some_node(const struct cluster *cl, const struct res *res, bool *any,
			   struct res *largest)
{
	*any = false;
	memset(largest, 0, sizeof(*largest));
	for (size_t i = 0; i < cl->nnodes; i++) {
		const struct rm_node *n = cl->nodes[i];
		if (!node_member(n))
			continue;
		if (!*any || n->capacity.vcores_m > largest->vcores_m ||
		    (n->capacity.vcores_m == largest->vcores_m &&
		     n->capacity.mem_mb > largest->mem_mb))
			*largest = n->capacity;
		*any = true;
		if (res_fits(res, &n->capacity))
			return true;
	}
	return !*any;
}

int job_validate_labels(const struct cluster *cl, const struct job_spec *s, char *field,
			size_t fieldlen, char *msg, size_t msglen)
{
	bool nomatch;
	const char *missing = job_missing_label(cl, s, &nomatch);

	if (missing != NULL) {
		snprintf(field, fieldlen, "require_labels");
		snprintf(msg, msglen, "no node has label '%s'", missing);
		return -1;
	}
	if (nomatch) {
		snprintf(field, fieldlen, "%s", s->nexclude_labels > 0 ? "exclude_labels"
									: "require_labels");
		snprintf(msg, msglen, "%s", s->nrequire_labels > 0
			 ? "no node has every required label and none of the excluded ones"
			 : "every node has an excluded label");
		return -1;
	}
	return 0;
}

/* The leaves under q (all of them for NULL), "root.a, root.b", for messages. */
static void leaves_under(const struct queue_tree *t, const struct rm_queue *q, char *buf,
			 size_t len)
{
	size_t off = 0, n = q != NULL ? strlen(q->path) : 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->nleaves && off < len; i++)
		if (q == NULL || (strncmp(t->leaves[i]->path, q->path, n) == 0 &&
				  t->leaves[i]->path[n] == '.'))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
						t->leaves[i]->path);
}

/* A job goes to a RUNNING leaf: the one it names, or the default leaf ("" names it). */
static int validate_queue(const struct queue_tree *t, const char *name, char *field,
			  size_t fieldlen, char *msg, size_t msglen)
{
	const struct rm_queue *q = queue_find(t, name);
	char leaves[512];

	for (size_t i = 0; q == NULL && i < t->nall; i++) /* inner queues by name too */
		if (strcmp(t->all[i]->name, name) == 0 && !queue_is_leaf(t->all[i]))
			q = t->all[i];
	snprintf(field, fieldlen, "queue");
	if (q == NULL) {
		leaves_under(t, NULL, leaves, sizeof(leaves));
		snprintf(msg, msglen, "unknown queue '%s' (leaves: %s)", name, leaves);
		return -1;
	}
	if (!queue_is_leaf(q)) {
		leaves_under(t, q, leaves, sizeof(leaves));
		snprintf(msg, msglen, "queue %s is not a leaf: jobs go to its leaves (%s)", q->path,
			 leaves);
		return -1;
	}
	if (q->c.state == QUEUE_STOPPED) {
		snprintf(msg, msglen, "queue %s is STOPPED: it takes no new jobs", q->path);
		return -1;
	}
	return 0;
}

/* How many of s's tasks the member nodes could hold at once, empty; stops counting at cap. */
static int64_t member_slots(const struct cluster *cl, const struct job_spec *s, int64_t cap)
{
	int64_t n = 0;

	for (size_t i = 0; i < cl->nnodes && n < cap; i++) {
		struct res free = cl->nodes[i]->capacity;
		if (!node_member(cl->nodes[i]) || !node_labels_ok(cl->nodes[i], s))
			continue;
		while (n < cap && res_fits(&s->res, &free)) {
			res_sub(&free, &s->res);
			n++;
		}
	}
	return n;
}

/* A gang starts whole: refused when the member nodes could never hold all of it. */
static int validate_gang(const struct cluster *cl, const struct job_spec *s, char *field,
			 size_t fieldlen, char *msg, size_t msglen)
{
	char a[RES_BUFSZ];
	int64_t slots;

	if (!s->gang || s->ntasks <= 1)
		return 0;
	slots = member_slots(cl, s, s->ntasks);
	if (slots == 0 || slots >= s->ntasks)
		return 0; /* no nodes yet: it waits for them */
	snprintf(field, fieldlen, "gang");
	snprintf(msg, msglen, "a gang of %d tasks of %s must start whole, but the cluster's "
		 "nodes hold at most %lld of them at once", (int)s->ntasks,
		 res_format(&s->res, a, sizeof(a)), (long long)slots);
	return -1;
}

int job_validate(const struct cluster *cl, const struct job_spec *s, char *field,
		 size_t fieldlen, char *msg, size_t msglen)
{
	char a[RES_BUFSZ], b[RES_BUFSZ];
	struct res largest;
	bool any;

	if (validate_queue(&cl->qt, s->queue, field, fieldlen, msg, msglen) < 0)
		return -1;
	for (int i = 0; i < s->nafter; i++) {
		if (cluster_job_state(cl, s->after[i]) < 0) {
			snprintf(field, fieldlen, "after");
			snprintf(msg, msglen, "unknown job job-%llu",
				 (unsigned long long)s->after[i]);
			return -1;
		}
	}
	if (res_is_zero(&s->res)) {
		snprintf(field, fieldlen, "res");
		snprintf(msg, msglen, "a task must ask for some vcores or memory");
		return -1;
	}
	if (!fits_some_node(cl, &s->res, &any, &largest)) {
		snprintf(field, fieldlen, "res");
		snprintf(msg, msglen, "resources %s larger than any node (largest: %s)",
			 res_format(&s->res, a, sizeof(a)), res_format(&largest, b, sizeof(b)));
		return -1;
	}
	if (validate_gang(cl, s, field, fieldlen, msg, msglen) < 0)
		return -1;
	return job_validate_labels(cl, s, field, fieldlen, msg, msglen);
}

void job_end(struct cluster *cl, struct rm_job *j, enum job_state s, const char *reason)
{
	char why[PROTO_REASON_MAX];

	if (job_set_state(cl, j, s, reason) < 0)
		return;
	snprintf(why, sizeof(why), "job-%llu %s: %s", (unsigned long long)j->id,
		 job_state_names[s], reason);
	for (int32_t i = 0; i < j->spec.ntasks; i++) {
		struct rm_task *t = &j->tasks[i];
		if (task_finished(t))
			continue;
		task_kill_others(cl, t, t->committer, why);
		task_set_state(j, t, TASK_KILLED, why);
	}
	j->rq_head = j->nrequeue = 0;
	cl->ops->schedule(cl->arg);
}

void job_task_succeeded(struct cluster *cl, struct rm_job *j)
{
	if (j->ntask_state[TASK_SUCCEEDED] == j->spec.ntasks && !job_finished(j)) {
		if (j->state == JOB_PENDING)
			job_set_state(cl, j, JOB_RUNNING, "first attempt reported");
		job_set_state(cl, j, JOB_SUCCEEDED, "all tasks succeeded");
		cl->ops->schedule(cl->arg); /* dependents may start */
	}
}

double job_progress(const struct rm_job *j)
{
	double sum = j->ntask_state[TASK_SUCCEEDED];

	if (j->spec.ntasks == 0)
		return 0;
	if (j->ntask_state[TASK_RUNNING] + j->ntask_state[TASK_COMMITTING] > 0) {
		for (int32_t i = 0; i < j->spec.ntasks; i++) {
			const struct rm_task *t = &j->tasks[i];
			if (t->state == TASK_COMMITTING) {
				sum += 1;
			} else if (t->state == TASK_RUNNING) {
				const struct rm_attempt *a = task_last_attempt(t);
				if (a != NULL && a->progress > 0)
					sum += a->progress > 1 ? 1 : a->progress;
			}
		}
	}
	return sum / j->spec.ntasks;
}

/*
 * Tasks wait for placement in two places: the re-queued ones in requeue[rq_head..), and
 * those never placed at or past cursor. Locality may place a task past the cursor first
 * (nooo counts them); the cursor skips such tasks when it reaches them.
 */
bool job_has_unplaced(const struct rm_job *j)
{
	return j->cursor + j->nooo < j->spec.ntasks || j->rq_head < j->nrequeue;
}

int64_t job_unplaced(const struct rm_job *j)
{
	return (int64_t)(j->spec.ntasks - j->cursor - j->nooo) +
	       (int64_t)(j->nrequeue - j->rq_head);
}

/* Moves the cursor past tasks already placed out of order. */
static void cursor_advance(struct rm_job *j)
{
	while (j->cursor < j->spec.ntasks && j->tasks[j->cursor].nattempts > 0) {
		j->cursor++;
		j->nooo--;
	}
}

bool job_take_unplaced(struct rm_job *j, int32_t ti)
{
	if (ti < 0 || ti >= j->spec.ntasks || j->tasks[ti].state != TASK_PENDING)
		return false;
	if (j->rq_head < j->nrequeue && j->requeue[j->rq_head] == ti) {
		j->rq_head++; /* the common case: the first re-queued task */
		return true;
	}
	if (ti >= j->cursor && j->tasks[ti].nattempts == 0) {
		if (ti == j->cursor) {
			j->cursor++;
			cursor_advance(j);
		} else {
			j->nooo++;
		}
		return true;
	}
	for (size_t i = j->rq_head; i < j->nrequeue; i++) {
		if (j->requeue[i] != ti)
			continue;
		memmove(&j->requeue[i], &j->requeue[i + 1], (j->nrequeue - i - 1) * sizeof(int32_t));
		j->nrequeue--;
		return true;
	}
	return false;
}

/* True when a goes before b: higher priority first, then older. */
static bool job_before(const struct rm_job *a, const struct rm_job *b)
{
	if (a->spec.priority != b->spec.priority)
		return a->spec.priority > b->spec.priority;
	return a->id < b->id;
}

void job_queue_add(struct cluster *cl, struct rm_job *j)
{
	struct rm_job *after = cl->q_tail;

	if (j->queued)
		return;
	/* Walks from the tail: a new job usually goes last, a re-queued one near it. */
	while (after != NULL && job_before(j, after))
		after = after->q_prev;
	j->q_prev = after;
	j->q_next = after != NULL ? after->q_next : cl->q_head;
	if (j->q_next != NULL)
		j->q_next->q_prev = j;
	else
		cl->q_tail = j;
	if (after != NULL)
		after->q_next = j;
	else
		cl->q_head = j;
	j->queued = true;
	queue_link_job(j);
}

void job_queue_remove(struct cluster *cl, struct rm_job *j)
{
	if (!j->queued)
		return;
	if (j->q_prev != NULL)
		j->q_prev->q_next = j->q_next;
	else
		cl->q_head = j->q_next;
	if (j->q_next != NULL)
		j->q_next->q_prev = j->q_prev;
	else
		cl->q_tail = j->q_prev;
	j->q_prev = j->q_next = NULL;
	j->queued = false;
	queue_unlink_job(j);
	sched_forget(j);
}

enum dep_status job_deps(const struct cluster *cl, const struct rm_job *j, uint64_t *bad)
{
	enum dep_status st = DEPS_READY;

	for (int i = 0; i < j->spec.nafter; i++) {
		int s = cluster_job_state(cl, j->spec.after[i]);
		if (s == JOB_SUCCEEDED)
			continue;
		if (s == JOB_FAILED || s == JOB_KILLED || s < 0) {
			*bad = j->spec.after[i];
			return DEPS_FAILED;
		}
		st = DEPS_WAIT;
	}
	return st;
}

void job_free(struct rm_job *j)
{
	for (int32_t i = 0; i < j->spec.ntasks; i++) {
		struct rm_task *t = &j->tasks[i];
		for (int32_t k = 0; k < t->nattempts; k++)
			attempt_free(t->attempts[k]);
		free(t->attempts);
		free(t->reason);
	}
	free(j->tasks);
	free(j->requeue);
	free(j->reason);
	free(j->resv);
	job_excl_free(j);
	job_spec_free(&j->spec);
	free(j);
}

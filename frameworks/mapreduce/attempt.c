/*
 * loom-mapreduce: attempts. Each attempt asks for its own container (a request of count 1),
 * launches the runner in it once allocated, and ends with exactly one final event. A task
 * whose last live attempt ended without committing gets a new one, until --max-attempts
 * ends that count (failures; losses to a lost node or to preemption do not count).
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr.h"
#include "util.h"

/* Attempts of any kind beyond this many per task end the job (a cluster that keeps
 * losing nodes or preempting should not loop forever). */
#define MAX_ATTEMPTS_ANY_END(j) ((size_t)(j)->o.max_attempts * 4 + 8)

const char *task_name(const struct mr_task *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s %d", t->kind == MR_MAP ? "map" : "reduce", t->index);
	return buf;
}

size_t task_live(const struct mr_task *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->natt; i++)
		n += t->att[i]->state != A_ENDED && !t->att[i]->cancelled;
	return n;
}

struct mr_attempt *attempt_by_container(struct mr_job *j, const char *container)
{
	struct mr_task *sets[2] = { j->maps, j->reduces };
	int64_t counts[2] = { j->o.maps, j->o.reduces };

	for (int s = 0; s < 2; s++)
		for (int64_t i = 0; i < counts[s]; i++)
			for (size_t k = 0; k < sets[s][i].natt; k++)
				if (strcmp(sets[s][i].att[k]->container, container) == 0)
					return sets[s][i].att[k];
	return NULL;
}

static struct mr_attempt *attempt_by_request(struct mr_job *j, const char *request)
{
	struct mr_task *sets[2] = { j->maps, j->reduces };
	int64_t counts[2] = { j->o.maps, j->o.reduces };

	for (int s = 0; s < 2; s++)
		for (int64_t i = 0; i < counts[s]; i++)
			for (size_t k = 0; k < sets[s][i].natt; k++)
				if (strcmp(sets[s][i].att[k]->request, request) == 0)
					return sets[s][i].att[k];
	return NULL;
}

/* rmd's answer to a request: remember its id, and catch up with an early allocation. */
static void on_reply(struct loom_fw *fw, int status, const char *request, void *arg)
{
	struct mr_attempt *a = arg;
	struct mr_job *j = a->job;
	char tn[32];

	if (status != LOOM_OK) {
		char *why = mr_asprintf("%s: container request %s: %s",
					task_name(a->task, tn, sizeof tn),
					status == LOOM_EREPLY ? "refused" : "failed", loom_fw_error(fw));
		/* rmd's refusals (no such queue, larger than any node) would recur: stop */
		if (status == LOOM_EREPLY)
			job_finish(j, 1, why);
		else
			attempt_end(j, a, true, why);
		free(why);
		return;
	}
	snprintf(a->request, sizeof a->request, "%s", request);
	if (a->cancelled || a->state == A_ENDED) {
		a->state = A_ENDED;
		loom_fw_release(fw, request);
		return;
	}
	for (size_t i = 0; i < j->nearly; i++)
		if (strcmp(j->early[i].request, request) == 0) {
			struct mr_early e = j->early[i];
			j->early[i] = j->early[--j->nearly];
			attempt_allocated(j, e.request, e.container, e.node);
			return;
		}
}

void attempt_request(struct mr_job *j, struct mr_task *t, bool speculative)
{
	struct mr_attempt *a;
	char name[160], tn[32];

	if (j->stopping)
		return;
	a = mr_calloc(1, sizeof *a);
	*a = (struct mr_attempt){ .job = j, .task = t, .num = (int)t->natt + 1,
				  .speculative = speculative, .state = A_REQUESTED };
	t->att = mr_grow(t->att, &t->attcap, t->natt + 1, sizeof *t->att);
	t->att[t->natt++] = a;
	snprintf(name, sizeof name, "%s %s", loom_fw_name(j->fw), task_name(t, tn, sizeof tn));
	struct loom_container_req r = {
		.count = 1, .res = { .vcores = j->o.vcores, .memory_mb = j->o.mem_mb },
		.priority = (int32_t)j->o.priority, .name = name,
	};
	if (loom_fw_request(j->fw, &r, on_reply, a) != LOOM_OK) {
		char *why = mr_asprintf("cannot ask for a container: %s", loom_fw_error(j->fw));
		attempt_end(j, a, true, why);
		free(why);
	}
}

static void launch(struct mr_job *j, struct mr_attempt *a)
{
	char **argv = plan_argv(j, a), tn[32];
	int rc = loom_fw_launch(j->fw, a->container, argv, j->o.env, j->o.workdir);

	strv_free(argv);
	a->launched_ms = mr_now_ms();
	a->state = A_LAUNCHED;
	job_log(j, "%s attempt %d%s: %s on %s", task_name(a->task, tn, sizeof tn), a->num,
		a->speculative ? " (speculative)" : "", a->container, a->node);
	if (rc != LOOM_OK)
		attempt_end(j, a, true, loom_fw_error(j->fw));
}

void attempt_allocated(struct mr_job *j, const char *request, const char *container,
		       const char *node)
{
	struct mr_attempt *a = attempt_by_request(j, request);

	if (a == NULL) {
		/* the allocation overtook the reply naming its request: keep it for on_reply */
		j->early = mr_grow(j->early, &j->earlycap, j->nearly + 1, sizeof *j->early);
		struct mr_early *e = &j->early[j->nearly++];
		snprintf(e->request, sizeof e->request, "%s", request);
		snprintf(e->container, sizeof e->container, "%s", container);
		snprintf(e->node, sizeof e->node, "%s", node);
		return;
	}
	if (a->state != A_REQUESTED && strcmp(a->container, container) == 0)
		return; /* told twice (after a reconnect): it is launched already */
	snprintf(a->container, sizeof a->container, "%s", container);
	snprintf(a->node, sizeof a->node, "%s", node);
	if (a->cancelled || a->state != A_REQUESTED || a->task->state == T_DONE || j->stopping) {
		a->state = A_ENDED;
		loom_fw_release(j->fw, container);
		return;
	}
	launch(j, a);
}

void attempt_release(struct mr_job *j, struct mr_attempt *a)
{
	if (a->state == A_ENDED || a->cancelled)
		return;
	a->cancelled = true;
	if (a->state == A_LAUNCHED)
		loom_fw_release(j->fw, a->container);
	else if (a->request[0] != '\0')
		loom_fw_release(j->fw, a->request);
	else
		return; /* on_reply releases it */
	a->state = A_ENDED;
}

/* A task with no live attempt left and no commit: try again, or give up on the job. */
static void retry(struct mr_job *j, struct mr_task *t, const char *why)
{
	char tn[32];

	task_name(t, tn, sizeof tn);
	if (t->failures >= j->o.max_attempts || t->natt >= MAX_ATTEMPTS_ANY_END(j)) {
		char *msg = mr_asprintf("%s failed after %zu attempt(s), %d failure(s); last: %s",
					tn, t->natt, t->failures, why);
		job_finish(j, 1, msg);
		free(msg);
		return;
	}
	job_log(j, "%s: new attempt (%s)", tn, why);
	attempt_request(j, t, false);
}

void attempt_end(struct mr_job *j, struct mr_attempt *a, bool counts, const char *why)
{
	struct mr_task *t = a->task;
	char tn[32];

	if (a->state == A_ENDED)
		return;
	a->state = A_ENDED;
	t->failures += counts;
	job_log(j, "%s attempt %d %s: %s", task_name(t, tn, sizeof tn), a->num,
		a->container[0] ? a->container : "(no container)", why);
	if (t->state == T_DONE || j->stopping || a->cancelled || task_live(t) > 0)
		return;
	retry(j, t, why);
}

/* Every reduce may start once every map output is committed. */
static void start_reduces(struct mr_job *j)
{
	job_log(j, "all %" PRId64 " map outputs committed; starting %" PRId64 " reduces",
		j->o.maps, j->o.reduces);
	for (int64_t r = 0; r < j->o.reduces; r++) {
		j->reduces[r].state = T_ACTIVE;
		attempt_request(j, &j->reduces[r], false);
	}
}

static void task_done(struct mr_job *j, struct mr_task *t, struct mr_attempt *winner)
{
	t->state = T_DONE;
	t->duration_ms = mr_now_ms() - winner->launched_ms;
	for (size_t i = 0; i < t->natt; i++) {
		struct mr_attempt *a = t->att[i];
		char tn[32];
		if (a == winner || a->state == A_ENDED || a->cancelled)
			continue;
		job_log(j, "%s attempt %d %s: released (attempt %d committed first)",
			task_name(t, tn, sizeof tn), a->num,
			a->container[0] ? a->container : "(not allocated yet)", winner->num);
		attempt_release(j, a);
	}
	if (t->kind == MR_MAP && ++j->maps_done == j->o.maps)
		start_reduces(j);
	else if (t->kind == MR_REDUCE && ++j->reduces_done == j->o.reduces)
		job_finish(j, 0, "every reduce partition is committed");
	job_report(j, false);
}

/*
 * rmd saw this container's runner exit 0, so its output is complete: it is committed unless
 * the task already is, even if the engine had given the attempt up (lost, or ended while
 * the engine was disconnected) and asked for another: whichever commits first wins.
 */
void attempt_succeeded(struct mr_job *j, struct mr_attempt *a)
{
	struct mr_task *t = a->task;
	bool late = a->state == A_ENDED;
	char tn[32];

	task_name(t, tn, sizeof tn);
	if (t->state == T_DONE || j->stopping) {
		a->state = A_ENDED;
		discard_attempt(j, a);
		job_log(j, "%s attempt %d %s: finished too; output discarded (%s)", tn, a->num,
			a->container, j->stopping ? "the job is ending" : "already committed");
		return;
	}
	if (commit_attempt(j, a) != 0) {
		attempt_end(j, a, true, "its output could not be committed");
		return;
	}
	a->state = A_ENDED;
	job_log(j, "%s attempt %d %s: committed (%.1f s)%s", tn, a->num, a->container,
		(double)(mr_now_ms() - a->launched_ms) / 1000,
		late ? " after the engine had given it up" : "");
	task_done(j, t, a);
}

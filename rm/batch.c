/*
 * Whole-node batch scheduling: the queue orders, the list mechanics every pass shares
 * and the strict (no backfilling) pass. See batch.h for the contract and
 * ../shared/traces/README.md for the definitions these reproduce.
 */
#include "batch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* ---- queue orders ------------------------------------------------------------------ */

static int cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

int batch_cmp_fcfs(const struct batch_job *a, const struct batch_job *b)
{
	return cmp_i64(a->submit, b->submit);
}

/* By requested time: the scheduler never knows the real one. */
int batch_cmp_sjf(const struct batch_job *a, const struct batch_job *b)
{
	int c = cmp_i64(a->req, b->req);
	return c != 0 ? c : cmp_i64(a->submit, b->submit);
}

int batch_cmp_f1(const struct batch_job *a, const struct batch_job *b)
{
	return (a->f1 > b->f1) - (a->f1 < b->f1);
}

double batch_f1_key(int64_t submit, int64_t req, int64_t procs)
{
	double r = req > 0 ? (double)req : 0.1;
	double s = submit > 0 ? (double)submit : 0.1;

	return log10(r) * (double)procs + 870.0 * log10(s);
}

/* ---- lists ------------------------------------------------------------------------- */

/* Top-down merge sort, stable; a run already in order costs one comparison. */
static void msort(struct batch_job **a, struct batch_job **tmp, size_t n, batch_cmp_fn cmp)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	msort(a, tmp, h, cmp);
	msort(a + h, tmp, n - h, cmp);
	if (cmp(a[h - 1], a[h]) <= 0)
		return;
	memcpy(tmp, a, h * sizeof(*a));
	while (i < h && j < n)
		a[k++] = cmp(a[j], tmp[i]) < 0 ? a[j++] : tmp[i++];
	while (i < h)
		a[k++] = tmp[i++];
}

void batch_sort(struct batch *b, struct batch_job **a, size_t n, batch_cmp_fn cmp)
{
	b->scratch = xgrow(b->scratch, &b->capscratch, n, sizeof(*b->scratch));
	msort(a, b->scratch, n, cmp);
}

/* Removes j from a list, keeping the order of the rest. */
static void list_remove(struct batch_job **a, size_t *n, const struct batch_job *j)
{
	for (size_t i = 0; i < *n; i++) {
		if (a[i] == j) {
			memmove(&a[i], &a[i + 1], (*n - i - 1) * sizeof(*a));
			(*n)--;
			return;
		}
	}
}

static void list_append(struct batch_job ***a, size_t *n, size_t *cap, struct batch_job *j)
{
	*a = xgrow(*a, cap, *n + 1, sizeof(**a));
	(*a)[(*n)++] = j;
}

bool batch_fits(const struct batch *b, const struct batch_job *j)
{
	return j->nodes <= b->free;
}

void batch_start(struct batch *b, struct batch_job *j, int64_t now)
{
	j->start = now;
	b->free -= j->nodes;
	list_remove(b->queue, &b->nqueue, j);
	list_append(&b->run, &b->nrun, &b->caprun, j);
	list_append(&b->started, &b->nstarted, &b->capstarted, j);
	if (b->head == j)
		b->head = NULL;
}

static int cmp_est_end(const struct batch_job *a, const struct batch_job *b)
{
	return cmp_i64(a->start + a->req, b->start + b->req);
}

int64_t batch_shadow(struct batch *b, const struct batch_job *j, int64_t now, int32_t *extra)
{
	int64_t t = now;
	int32_t avail = b->free;

	batch_sort(b, b->run, b->nrun, cmp_est_end);
	for (size_t i = 0; i < b->nrun && avail < j->nodes; i++) {
		avail += b->run[i]->nodes;
		t = b->run[i]->start + b->run[i]->req;
	}
	*extra = avail - j->nodes;
	return t;
}

bool batch_pick_head(struct batch *b)
{
	if (b->head != NULL)
		return true;
	if (b->nqueue == 0)
		return false;
	batch_sort(b, b->queue, b->nqueue, b->pol->order);
	b->head = b->queue[0];
	return true;
}

/* ---- the strict pass --------------------------------------------------------------- */

/*
 * Without backfilling: the head is chosen once by the policy's order and waits until
 * it fits, even when a better-ranked job arrives meanwhile (the published tables do
 * this; for FCFS it is plain strict FCFS).
 */
static void pass_strict(struct batch *b, int64_t now)
{
	while (batch_pick_head(b) && batch_fits(b, b->head))
		batch_start(b, b->head, now);
}

/* ---- the policy table -------------------------------------------------------------- */

const struct batch_policy batch_policies[] = {
	{ "fcfs", "first come first served, no backfilling", batch_cmp_fcfs, pass_strict, false },
	{ "sjf", "shortest requested time first, no backfilling", batch_cmp_sjf, pass_strict,
	  false },
	{ "f1", "F1 order (SC'17), no backfilling", batch_cmp_f1, pass_strict, false },
	{ "fcfs-bf", "FCFS, conservative backfilling", batch_cmp_fcfs, batch_pass_greedy, false },
	{ "sjf-bf", "SJF, conservative backfilling", batch_cmp_sjf, batch_pass_greedy, false },
	{ "f1-bf", "F1, conservative backfilling", batch_cmp_f1, batch_pass_greedy, false },
	{ "easy", "FCFS with textbook EASY backfilling", batch_cmp_fcfs, batch_pass_easy, true },
	{ "loom", "Loom's default: EASY, short-per-node first with aging, corrected estimates",
	  batch_cmp_fcfs, batch_pass_loom, true },
};
const size_t batch_npolicies = sizeof(batch_policies) / sizeof(batch_policies[0]);

const struct batch_policy *batch_policy_find(const char *name)
{
	for (size_t i = 0; i < batch_npolicies; i++)
		if (strcmp(batch_policies[i].name, name) == 0)
			return &batch_policies[i];
	return NULL;
}

/* ---- the driver's side --------------------------------------------------------------- */

void batch_init(struct batch *b, const struct batch_policy *pol, int32_t nodes)
{
	memset(b, 0, sizeof(*b));
	b->pol = pol;
	b->nodes = nodes;
	b->free = nodes;
}

void batch_free(struct batch *b)
{
	free(b->queue);
	free(b->run);
	free(b->started);
	free(b->scratch);
	batch_est_free(&b->est);
	memset(b, 0, sizeof(*b));
}

void batch_submit(struct batch *b, struct batch_job *j)
{
	j->start = -1;
	j->f1 = batch_f1_key(j->submit, j->req, j->procs);
	j->est = batch_est_predict(&b->est, j->user, j->req);
	list_append(&b->queue, &b->nqueue, &b->capqueue, j);
}

void batch_finish(struct batch *b, struct batch_job *j, int64_t now)
{
	batch_est_learn(&b->est, j->user, j->req, now - j->start);
	b->free += j->nodes;
	list_remove(b->run, &b->nrun, j);
}

size_t batch_pass(struct batch *b, int64_t now)
{
	b->nstarted = 0;
	b->pol->pass(b, now);
	return b->nstarted;
}

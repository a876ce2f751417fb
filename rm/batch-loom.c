/*
 * Loom's default batch policy: EASY backfilling (one reservation, for the head) over a
 * queue order that favours short work per node and ages with waiting time, on run times
 * corrected online from each user's finished jobs (batch-est.c). It reads only what a
 * real scheduler has: requests, sizes, submit and waiting times, and past run times.
 *
 * The order: ascending key = ln(est / nodes) - AGING * ln(wait + AGING_OFFSET).
 *  - est / nodes: the shortest jobs first, as SJF (what mean slowdown rewards); among
 *    equally long jobs the wider first, because a wide job left to the end of a busy
 *    period runs alone on a drained machine and idles the rest of it.
 *  - the aging term lets every job rise: a job's key falls by AGING for each factor e
 *    its wait grows, so a long job overtakes short newcomers after a bounded wait.
 * The backfill rule: a later job starts now if it fits and either needs no more than the
 *    nodes the head will not use at its shadow time, or is expected to end by the shadow
 *    time plus a slack of SLACK x the head's estimate. The shadow time itself is computed
 *    from requested times (the limits rmd enforces), not from the corrected estimates.
 *
 * The three constants were tuned on HPC2N and Lublin-1 (the published tables' windows)
 * only; tools/rmsim/README.md reports them on the other traces.
 */
#include "batch.h"

#include <math.h>

#define AGING 0.41
#define AGING_OFFSET_S 10000.0
#define SLACK 0.35

double batch_loom_key(const struct batch_job *j, int64_t now)
{
	double est = j->est > 1 ? (double)j->est : 1;
	double wait = now > j->submit ? (double)(now - j->submit) : 0;

	return log(est / (double)j->nodes) - AGING * log(wait + AGING_OFFSET_S);
}

static int cmp_key(const struct batch_job *a, const struct batch_job *b)
{
	return (a->key > b->key) - (a->key < b->key);
}

/*
 * The head's shadow time and extra nodes, as batch_shadow() but a job that has run past
 * its request is expected to end at any moment (now + 1), not in the past.
 */
static int64_t shadow_of(struct batch *b, const struct batch_job *head, int64_t now,
			 int32_t *extra)
{
	int64_t t = now;
	int32_t avail = b->free;

	for (size_t i = 0; i < b->nrun; i++) {
		struct batch_job *j = b->run[i];
		int64_t end = j->start + j->req;
		j->key = (double)(end > now ? end : now + 1); /* running: key is the end */
	}
	batch_sort(b, b->run, b->nrun, cmp_key);
	for (size_t i = 0; i < b->nrun && avail < head->nodes; i++) {
		avail += b->run[i]->nodes;
		t = (int64_t)b->run[i]->key;
	}
	*extra = avail - head->nodes;
	return t;
}

/*
 * One pass at now: sort by key, start jobs in order while they fit; the first that does
 * not is the head, and the rest backfill around its reservation.
 */
void batch_pass_loom(struct batch *b, int64_t now)
{
	struct batch_job *head;
	int64_t shadow, slack;
	int32_t extra;

	for (size_t i = 0; i < b->nqueue; i++)
		b->queue[i]->key = batch_loom_key(b->queue[i], now);
	batch_sort(b, b->queue, b->nqueue, cmp_key);
	while (b->nqueue > 0 && batch_fits(b, b->queue[0]))
		batch_start(b, b->queue[0], now);
	if (b->nqueue == 0)
		return;
	head = b->queue[0];
	shadow = shadow_of(b, head, now, &extra);
	slack = (int64_t)(SLACK * (double)head->est);
	for (size_t i = 1; i < b->nqueue;) {
		struct batch_job *j = b->queue[i];
		bool by_shadow = now + j->est <= shadow + slack;

		if (batch_fits(b, j) && (by_shadow || j->nodes <= extra)) {
			if (!by_shadow)
				extra -= j->nodes;
			batch_start(b, j, now); /* removes j: i now names the next */
		} else {
			i++;
		}
	}
}

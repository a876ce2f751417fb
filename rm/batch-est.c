/*
 * Online runtime-estimate correction. Users ask for much more time than their jobs take
 * (on HPC2N the median job uses a fraction of its request), so a scheduler that trusts
 * requests sees long jobs everywhere. This keeps, per user, the ratio actual/requested
 * of their last two finished jobs (Tsafrir, Etsion & Feitelson, TPDS 2007, use the last
 * two run times) and predicts a new job's run time as its request scaled by their mean.
 * Predictions order the queue and admit backfill candidates; reservations still come
 * from requests. It learns only from jobs that ended, so a real scheduler can run it.
 */
#include "batch.h"

#include <stdlib.h>

#include "xmalloc.h"

#define EST_FLOOR_S 1 /* no prediction below one second */

/* The slot of user u: its record, or the free slot where it would go. */
static struct batch_user *find(const struct batch_est *e, int64_t u)
{
	size_t i = ((uint64_t)u * 0x9e3779b97f4a7c15ULL >> 17) & (e->cap - 1);

	while (e->slot[i].user != -1 && e->slot[i].user != u)
		i = (i + 1) & (e->cap - 1);
	return &e->slot[i];
}

static void grow(struct batch_est *e)
{
	struct batch_user *old = e->slot;
	size_t oldcap = e->cap;

	e->cap = oldcap ? oldcap * 2 : 64;
	e->slot = xcalloc(e->cap, sizeof(*e->slot));
	for (size_t i = 0; i < e->cap; i++)
		e->slot[i].user = -1;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].user != -1)
			*find(e, old[i].user) = old[i];
	free(old);
}

void batch_est_free(struct batch_est *e)
{
	free(e->slot);
	*e = (struct batch_est){ 0 };
}

void batch_est_learn(struct batch_est *e, int64_t user, int64_t req, int64_t run)
{
	struct batch_user *u;
	double r;

	if (user < 0 || req <= 0 || run < 0)
		return;
	if (2 * (e->n + 1) > e->cap)
		grow(e);
	u = find(e, user);
	if (u->user == -1) {
		*u = (struct batch_user){ .user = user };
		e->n++;
	}
	r = (double)run / (double)req;
	u->ratio[1] = u->ratio[0];
	u->ratio[0] = r > 1 ? 1 : r;
	if (u->n < 2)
		u->n++;
}

int64_t batch_est_predict(const struct batch_est *e, int64_t user, int64_t req)
{
	const struct batch_user *u;
	double mean;
	int64_t p;

	if (user < 0 || e->cap == 0 || (u = find(e, user))->user == -1)
		return req;
	mean = u->n == 2 ? (u->ratio[0] + u->ratio[1]) / 2 : u->ratio[0];
	p = (int64_t)((double)req * mean + 0.5);
	return p < EST_FLOOR_S ? (req < EST_FLOOR_S ? req : EST_FLOOR_S) : p;
}

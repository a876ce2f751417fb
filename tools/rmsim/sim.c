/*
 * The event loop over virtual time. Events are taken one at a time, as the reference
 * simulator of the published tables does: the next arrival (in trace order) when it
 * comes no later than the next completion, else that completion; the policy's pass runs
 * after every event (or, for a per-instant policy, after the last event of each instant;
 * see struct batch_policy). The clock never goes back: an arrival whose submit time is earlier
 * than now (trace order is job-number order) arrives now.
 */
#include "rmsim.h"

#include <stdlib.h>

#include "xmalloc.h"


/* The first running job (in the scheduler's list order) to end; NULL if none runs. */
static struct batch_job *next_end(const struct batch *b, const struct swf_job *jobs)
{
	struct batch_job *best = NULL;
	int64_t best_end = 0;

	for (size_t i = 0; i < b->nrun; i++) {
		struct batch_job *j = b->run[i];
		int64_t end = j->start + jobs[j->id].run;
		if (best == NULL || end < best_end) {
			best = j;
			best_end = end;
		}
	}
	return best;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t end_of(const struct batch_job *j, const struct swf_job *jobs)
{
	return j->start + jobs[j->id].run;
}

/* True when another event falls at or before now (a per-instant policy waits for it). */
static bool more_now(const struct batch *b, const struct swf_job *jobs, size_t next,
		     size_t len, int64_t now)
{
	const struct batch_job *done = next_end(b, jobs);

	return (next < len && jobs[next].submit <= now) ||
	       (done != NULL && end_of(done, jobs) <= now);
}

/* Replays until every job has started (the metrics need no more). */
static void replay(struct batch *b, struct batch_job *bj, const struct swf_job *jobs,
		   size_t len)
{
	int64_t now = jobs[0].submit;
	size_t next = 0;

	batch_submit(b, &bj[next++]);
	for (;;) {
		if (!b->pol->per_instant || !more_now(b, jobs, next, len, now))
			batch_pass(b, now);
		if (next == len && b->nqueue == 0)
			return;
		struct batch_job *done = next_end(b, jobs);
		if (next < len && (done == NULL || jobs[next].submit <= end_of(done, jobs))) {
			now = max64(now, jobs[next].submit);
			batch_submit(b, &bj[next++]);
		} else if (done != NULL) {
			now = max64(now, end_of(done, jobs));
			batch_finish(b, done, now);
		} else {
			abort(); /* a queued job that fits no empty machine: swf.c refuses those */
		}
	}
}

void sim_window(const struct swf_trace *t, const struct batch_policy *pol, size_t first,
		size_t len, struct sim_out *out)
{
	const struct swf_job *jobs = t->jobs + first;
	struct batch_job *bj = xcalloc(len, sizeof(*bj));
	struct batch b;

	batch_init(&b, pol, (int32_t)t->max_nodes);
	for (size_t i = 0; i < len; i++)
		bj[i] = (struct batch_job){ .submit = jobs[i].submit, .req = jobs[i].req,
					    .procs = jobs[i].procs, .nodes = jobs[i].nodes,
					    .user = jobs[i].user, .start = -1, .id = i };
	replay(&b, bj, jobs, len);
	for (size_t i = 0; i < len; i++)
		out[i] = (struct sim_out){ jobs[i].submit, bj[i].start, jobs[i].run,
					   jobs[i].procs, jobs[i].queue };
	batch_free(&b);
	free(bj);
}

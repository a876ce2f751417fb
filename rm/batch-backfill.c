/*
 * The batch passes that start jobs out of queue order while the head waits: the
 * conservative variant behind the published "with backfilling" tables, and textbook
 * EASY (Lifka 1995; Mu'alem & Feitelson 2001). Both read only requested times, so a
 * job that overruns its request can delay the head; that is what real schedulers see.
 */
#include "batch.h"

/*
 * RLScheduler's moveforward_for_resources_backfill_greedy: the head's reservation T is
 * computed once, when the head is chosen; until the head fits, any queued job that fits
 * now and asks to end strictly before T starts, candidates in FCFS order whatever the
 * main order. No "extra nodes" rule, so it never delays the head even by mistake.
 */
void batch_pass_greedy(struct batch *b, int64_t now)
{
	for (;;) {
		bool fresh = b->head == NULL;
		int32_t extra;

		if (!batch_pick_head(b))
			return;
		if (batch_fits(b, b->head)) {
			batch_start(b, b->head, now);
			continue;
		}
		if (fresh)
			b->reserve = batch_shadow(b, b->head, now, &extra);
		/* The reference sorts the whole queue, head included, in place. */
		batch_sort(b, b->queue, b->nqueue, batch_cmp_fcfs);
		for (size_t i = 0; i < b->nqueue;) {
			struct batch_job *j = b->queue[i];
			if (j != b->head && batch_fits(b, j) && now + j->req < b->reserve)
				batch_start(b, j, now); /* removes j: i now names the next */
			else
				i++;
		}
		return;
	}
}

/*
 * Textbook EASY, re-evaluated at every pass: start jobs in queue order while they fit;
 * the first that does not gets a reservation at its shadow time; a later job backfills
 * if it fits now and either ends by the shadow time or needs no more than the extra
 * nodes (those the head will not use at the shadow time), which it then consumes.
 */
void batch_pass_easy(struct batch *b, int64_t now)
{
	struct batch_job *head;
	int64_t shadow;
	int32_t extra;

	batch_sort(b, b->queue, b->nqueue, b->pol->order);
	while (b->nqueue > 0 && batch_fits(b, b->queue[0]))
		batch_start(b, b->queue[0], now);
	if (b->nqueue == 0)
		return;
	head = b->queue[0];
	shadow = batch_shadow(b, head, now, &extra);
	for (size_t i = 1; i < b->nqueue;) {
		struct batch_job *j = b->queue[i];
		bool by_shadow = now + j->req <= shadow;

		if (batch_fits(b, j) && (by_shadow || j->nodes <= extra)) {
			if (!by_shadow)
				extra -= j->nodes;
			batch_start(b, j, now);
		} else {
			i++;
		}
	}
}

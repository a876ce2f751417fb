/*
 * Failure detection from heartbeat arrivals. Two detectors:
 *
 * - expiry: a node silent for longer than node_expiry is dead. Simple and predictable;
 *   its one number must be larger than the longest pause a live node can take.
 * - phi accrual (Hayashibara et al., SRDS 2004, as Akka and Cassandra use it): keep a
 *   window of inter-arrival times, model them as a normal distribution (mean plus an
 *   acceptable pause, standard deviation at least min_std), and turn the silence so far
 *   into phi = -log10(P(a heartbeat still comes later)). A node whose heartbeats are
 *   regular is suspected soon after they stop; one on a noisy machine, whose intervals
 *   vary, earns a wider margin instead of a false death.
 *
 * Pure: the caller gives the times (monotonic milliseconds).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failures.h"
#include "xmalloc.h"

static void add_sample(struct hb_history *h, const struct detect_conf *c, int64_t iv_ms)
{
	int32_t v = iv_ms > INT32_MAX ? INT32_MAX : (int32_t)iv_ms;

	if (h->iv == NULL) {
		h->cap = c->window < 2 ? 2 : (c->window > DETECT_WINDOW_MAX ? DETECT_WINDOW_MAX
									   : c->window);
		h->iv = xcalloc((size_t)h->cap, sizeof(*h->iv));
	}
	if (h->n == h->cap) { /* full: the oldest sample leaves */
		double old = h->iv[h->head];
		h->sum -= old;
		h->sumsq -= old * old;
		h->n--;
		h->head = (h->head + 1) % h->cap;
	}
	h->iv[(h->head + h->n) % h->cap] = v;
	h->n++;
	h->sum += v;
	h->sumsq += (double)v * v;
}

/*
 * The first heartbeat brings no interval. Two pseudo-samples around the configured
 * interval (+-25%, as Akka's first-heartbeat estimate) let phi work from the second
 * heartbeat on; real samples push them out of the window.
 */
void detect_arrival(struct hb_history *h, const struct detect_conf *c, int64_t now_ms)
{
	if (h->last_ms == 0) {
		add_sample(h, c, c->first_ms - c->first_ms / 4);
		add_sample(h, c, c->first_ms + c->first_ms / 4);
	} else if (now_ms >= h->last_ms) {
		add_sample(h, c, now_ms - h->last_ms);
	}
	h->last_ms = now_ms;
}

void detect_reset(struct hb_history *h)
{
	h->n = h->head = 0;
	h->sum = h->sumsq = 0;
	h->last_ms = 0;
}

void detect_free(struct hb_history *h)
{
	free(h->iv);
	memset(h, 0, sizeof(*h));
}

/*
 * Akka's logistic approximation of the normal CDF's tail (error below 0.00014), which
 * stays finite far into the tail where 1 - erf() would round to zero.
 */
double detect_phi(const struct hb_history *h, const struct detect_conf *c, int64_t silent_ms)
{
	if (h->n == 0)
		return 0;
	double mean = h->sum / h->n;
	double var = h->sumsq / h->n - mean * mean;
	double sd = var > 0 ? sqrt(var) : 0;

	if (sd < (double)c->min_std_ms)
		sd = (double)c->min_std_ms;
	if (sd <= 0)
		sd = 1;
	mean += (double)c->pause_ms;
	double y = ((double)silent_ms - mean) / sd;
	double e = exp(-y * (1.5976 + 0.070566 * y * y));
	if ((double)silent_ms > mean)
		return -log10(e / (1.0 + e));
	return -log10(1.0 - 1.0 / (1.0 + e));
}

bool detect_dead(const struct hb_history *h, const struct detect_conf *c,
		 int64_t last_seen_ms, int64_t now_ms, char *why, size_t len)
{
	int64_t last = h->last_ms > last_seen_ms ? h->last_ms : last_seen_ms;
	int64_t quiet = now_ms - last;

	if (c->kind == DETECT_PHI && h->n > 0) {
		double phi = detect_phi(h, c, quiet);
		if (phi < c->phi_threshold)
			return false;
		snprintf(why, len, "no heartbeat for %.1fs (phi %.1f >= %.1f)",
			 (double)quiet / 1000.0, phi, c->phi_threshold);
		return true;
	}
	/* expiry, and phi before the node's first heartbeat */
	if (quiet <= c->expiry_ms)
		return false;
	snprintf(why, len, "no heartbeat for %.1fs", (double)quiet / 1000.0);
	return true;
}

int detect_kind_parse(const char *s)
{
	if (strcmp(s, "expiry") == 0)
		return DETECT_EXPIRY;
	if (strcmp(s, "phi") == 0)
		return DETECT_PHI;
	return -1;
}

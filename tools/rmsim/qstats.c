/*
 * Per-leaf figures of a --policy drf replay: how much of the cluster each leaf queue held
 * over time against its guarantee. The replay calls qstats_observe after every instant
 * with the time until the next one, so every figure is time-weighted by the virtual
 * clock. Shares are dominant shares of the capacity the last pass saw (cl->total);
 * "below its guarantee" is the scheduler's own test (queue_guar_ratio < 1), counted only
 * while the leaf has jobs waiting, since a leaf that wants nothing is not owed anything.
 * An episode runs from falling below the guarantee with jobs waiting to reaching it or
 * having none waiting; its length is the time to guarantee.
 */
#include "rmsim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define US 1000000.0

struct leafq *qstats_new(const struct cluster *cl, size_t *n)
{
	struct leafq *lq = xcalloc(cl->qt.nleaves ? cl->qt.nleaves : 1, sizeof(*lq));

	*n = cl->qt.nleaves;
	for (size_t i = 0; i < *n; i++) {
		lq[i].path = xstrdup(cl->qt.leaves[i]->path);
		lq[i].guar = cl->qt.leaves[i]->guar[QR_VCORES];
		lq[i].since_us = -1;
	}
	return lq;
}

static void episode(struct leafq *l, double s)
{
	l->ttg = xgrow(l->ttg, &l->capttg, l->nttg + 1, sizeof(*l->ttg));
	l->ttg[l->nttg++] = s;
}

void qstats_observe(struct leafq *lq, size_t n, const struct cluster *cl, int64_t now_us,
		    int64_t until_us)
{
	double dt = (double)(until_us - now_us) / US;

	for (size_t i = 0; i < n && i < cl->qt.nleaves; i++) {
		const struct rm_queue *q = cl->qt.leaves[i];
		struct leafq *l = &lq[i];
		bool waiting = q->pending_jobs > 0;
		bool below = waiting && queue_guar_ratio(q, &q->used, &cl->total) < 1;

		if (below && l->since_us < 0)
			l->since_us = now_us;
		else if (!below && l->since_us >= 0) {
			episode(l, (double)(now_us - l->since_us) / US);
			l->since_us = -1;
		}
		l->span += dt;
		l->share_area += qres_dominant(&q->used, &cl->total) * dt;
		l->waiting += waiting ? dt : 0;
		l->below += below ? dt : 0;
	}
}

void qstats_finish(struct leafq *lq, size_t n, const struct cluster *cl, int64_t end_us)
{
	for (size_t i = 0; i < n && i < cl->qt.nleaves; i++) {
		if (lq[i].since_us >= 0)
			episode(&lq[i], (double)(end_us - lq[i].since_us) / US);
		lq[i].since_us = -1;
		lq[i].preempted = cl->qt.leaves[i]->preempted;
	}
}

void qstats_merge(struct leafq **dst, size_t *ndst, const struct leafq *src, size_t n)
{
	if (n == 0)
		return;
	if (*ndst == 0) {
		*dst = xcalloc(n, sizeof(**dst));
		*ndst = n;
		for (size_t i = 0; i < n; i++) {
			(*dst)[i].path = xstrdup(src[i].path);
			(*dst)[i].guar = src[i].guar;
			(*dst)[i].since_us = -1;
		}
	}
	for (size_t i = 0; i < n && i < *ndst; i++) {
		struct leafq *d = &(*dst)[i];
		d->jobs += src[i].jobs;
		d->wait_sum += src[i].wait_sum;
		d->span += src[i].span;
		d->share_area += src[i].share_area;
		d->waiting += src[i].waiting;
		d->below += src[i].below;
		d->preempted += src[i].preempted;
		for (size_t k = 0; k < src[i].nttg; k++)
			episode(d, src[i].ttg[k]);
	}
}

void qstats_free(struct leafq *lq, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(lq[i].path);
		free(lq[i].ttg);
	}
	free(lq);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank 95th percentile of the episodes; 0 when there were none. */
static double p95_ttg(const struct leafq *l)
{
	double *v, r;

	if (l->nttg == 0)
		return 0;
	v = xcalloc(l->nttg, sizeof(*v));
	memcpy(v, l->ttg, l->nttg * sizeof(*v));
	qsort(v, l->nttg, sizeof(*v), cmp_double);
	r = v[(size_t)ceil(0.95 * (double)l->nttg) - 1];
	free(v);
	return r;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

void qstats_print_text(FILE *f, const struct leafq *lq, size_t n, uint64_t preemptions)
{
	fprintf(f, "leaf queues: dominant share of the cluster over time against the guarantee"
		   " (%llu preemptions)\n", (unsigned long long)preemptions);
	fprintf(f, "  %-16s %6s %7s %12s %10s %11s %10s %9s\n", "leaf", "guar", "jobs",
		"mean_wait_s", "mean_share", "below_guar", "p95_ttg_s", "preempted");
	for (size_t i = 0; i < n; i++) {
		const struct leafq *l = &lq[i];
		fprintf(f, "  %-16s %5.1f%% %7zu %12.0f %9.1f%% ", l->path, 100 * l->guar, l->jobs,
			ratio(l->wait_sum, (double)l->jobs), 100 * ratio(l->share_area, l->span));
		if (l->waiting > 0)
			fprintf(f, "%10.1f%% ", 100 * ratio(l->below, l->waiting));
		else
			fprintf(f, "%11s ", "-");
		if (l->nttg > 0)
			fprintf(f, "%10.0f ", p95_ttg(l));
		else
			fprintf(f, "%10s ", "-");
		fprintf(f, "%9llu\n", (unsigned long long)l->preempted);
	}
	fprintf(f, "  (below_guar: of the time the leaf had jobs waiting, the part it spent below"
		   " its guarantee;\n   p95_ttg_s: time from falling below it to reaching it or"
		   " having nothing waiting)\n");
}

void qstats_print_json(FILE *f, const struct leafq *lq, size_t n)
{
	fputs("\"queues\":[", f);
	for (size_t i = 0; i < n; i++) {
		const struct leafq *l = &lq[i];
		/* Paths come from the queue file, whose names conf-queues.c limits to
		 * [A-Za-z0-9_-]: nothing to escape. */
		fprintf(f, "%s{\"queue\":\"%s\",\"guarantee\":%.6f,\"jobs\":%zu,"
			   "\"mean_wait_s\":%.4f,\"mean_share\":%.6f,\"waiting_s\":%.4f,"
			   "\"below_guarantee\":%.6f,\"episodes\":%zu,"
			   "\"p95_time_to_guarantee_s\":%.4f,\"preempted\":%llu}",
			i ? "," : "", l->path, l->guar, l->jobs, ratio(l->wait_sum, (double)l->jobs),
			ratio(l->share_area, l->span), l->waiting, ratio(l->below, l->waiting),
			l->nttg, p95_ttg(l), (unsigned long long)l->preempted);
	}
	fputc(']', f);
}

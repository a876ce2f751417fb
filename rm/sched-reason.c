/*
 * What a waiting job says about itself ("no node has room for (2 vcores, 4096M) now",
 * "waiting for a gang reservation: ..."), and what its leaf records for preemption when
 * it waits for room. A pass visits many waiting jobs, so a reason is only replaced when
 * its text changed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sched-pass.h"
#include "xmalloc.h"

void sched_reason(struct rm_job *j, const char *fmt, ...)
{
	char buf[PROTO_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (j->reason == NULL || strcmp(j->reason, buf) != 0)
		job_set_reason(j, buf);
}

/* Why: every waiting job gets this reason again each pass; formatting it once per shape
 * leaves a string compare per job. */
void sched_reason_room(struct pass *p, struct rm_job *j)
{
	struct sched_scratch *s = p->s;
	const struct res *r = &j->spec.res;
	char what[RES_BUFSZ];
	uint64_t h = ((uint64_t)r->vcores_m * 31 + (uint64_t)r->mem_mb) * 0x9E3779B97F4A7C15ull +
		     (uint64_t)r->gpus;

	if (s->texts == NULL)
		s->texts = xcalloc(TEXTS_CAP, sizeof(*s->texts));
	struct sched_text *t = &s->texts[(h >> 40) % TEXTS_CAP];
	bool same = t->stamp == p->stamp && t->vcores_m == r->vcores_m && t->mem_mb == r->mem_mb &&
		    t->gpus == r->gpus;
	if (r->ncustom > 0 || (!same && t->stamp == p->stamp)) {
		sched_reason(j, "no node has room for %s now", sched_res_text(r, what, sizeof(what)));
		return;
	}
	if (!same) {
		*t = (struct sched_text){ p->stamp, r->vcores_m, r->mem_mb, r->gpus, "" };
		snprintf(t->text, sizeof(t->text), "no node has room for %s now",
			 sched_res_text(r, what, sizeof(what)));
	}
	if (j->reason == NULL || strcmp(j->reason, t->text) != 0)
		job_set_reason(j, t->text);
}

char *sched_res_text(const struct res *r, char *buf, size_t len)
{
	size_t o = 0;
	int64_t v = r->vcores_m;

	if (v % 1000 == 0)
		o += (size_t)snprintf(buf, len, "(%lld vcore%s", (long long)(v / 1000),
				      v == 1000 ? "" : "s");
	else
		o += (size_t)snprintf(buf, len, "(%.3g vcores", (double)v / 1000);
	if (o < len)
		o += (size_t)snprintf(buf + o, len - o, ", %lldM", (long long)r->mem_mb);
	if (r->gpus > 0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, ", %lld gpu%s", (long long)r->gpus,
				      r->gpus == 1 ? "" : "s");
	for (int i = 0; i < r->ncustom && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, ", %s=%lld", r->custom[i].name,
				      (long long)r->custom[i].count);
	if (o < len)
		snprintf(buf + o, len - o, ")");
	return buf;
}

/* "12:04:05" (UTC) for a time in microseconds since the epoch. */
static void clock_text(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
}

void sched_resv_text(const struct rm_job *j, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "; reserved ");
	char when[32];

	for (int32_t i = 0; i < j->nresv && o < len; i++) {
		if (i == 8) {
			o += (size_t)snprintf(buf + o, len - o, " and %d more", (int)(j->nresv - 8));
			break;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i > 0 ? ", " : "",
				      j->resv[i]->name);
	}
	if (o >= len)
		return;
	if (j->resv_start_us > 0) {
		clock_text(j->resv_start_us, when, sizeof(when));
		snprintf(buf + o, len - o, " (free by %s)", when);
	} else {
		snprintf(buf + o, len - o, " (free time unknown)");
	}
}

void sched_starving(struct pass *p, struct rm_job *j, int64_t ntasks)
{
	struct rm_queue *q = j->queue;
	const struct qres *total = &p->cl->total;
	struct qres d;

	q->starving = true;
	qres_from_res(&d, &j->spec.res);
	for (int i = 0; i < QR_N; i++) {
		/* Why capped: a million queued tasks must not claim more than the cluster. */
		int64_t per = d.v[i];
		d.v[i] = per > 0 && ntasks > total->v[i] / per ? total->v[i] : per * ntasks;
		q->demand.v[i] += d.v[i];
		if (q->demand.v[i] > total->v[i])
			q->demand.v[i] = total->v[i];
	}
}

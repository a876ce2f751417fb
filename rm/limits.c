/*
 * Time limits (rmsubmit --time): an attempt that runs past its job's limit is killed and
 * its task fails without another attempt, as Slurm's TIMEOUT (outcome.c ends it). Pure:
 * the driver calls cluster_time_limits on its cron and the kills go through cluster_ops.
 */
#include <stdio.h>

#include "core.h"
#include "events.h"

int64_t job_time_limit_us(const struct rm_job *j)
{
	return j->spec.time_limit_ms > 0 ? j->spec.time_limit_ms * 1000 : 0;
}

char *time_limit_format(int64_t ms, char *buf, size_t len)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = { { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
		      { "ms", 1 } };
	size_t off = 0;

	buf[0] = '\0';
	if (ms <= 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && off < len; i++) {
		if (ms < units[i].ms)
			continue;
		int n = snprintf(buf + off, len - off, "%lld%s", (long long)(ms / units[i].ms),
				 units[i].unit);
		off += n > 0 ? (size_t)n : 0;
		ms %= units[i].ms;
	}
	return buf;
}

/* Kills a, which ran past its limit; outcome.c fails its task when it ends. */
static void time_out(struct cluster *cl, struct rm_attempt *a)
{
	char why[PROTO_REASON_MAX], lim[64];

	snprintf(why, sizeof(why), "exceeded its time limit of %s",
		 time_limit_format(a->job->spec.time_limit_ms, lim, sizeof(lim)));
	a->timed_out = true;
	a->job->ntimed_out++;
	cl->timed_out_total++;
	cev_attempt(CEV_ATTEMPT_TIMED_OUT, a, a->state, why);
	attempt_kill(cl, a, why);
}

int32_t cluster_time_limits(struct cluster *cl, int64_t *next_us)
{
	int64_t now = cluster_now(cl), next = 0;
	int32_t n = 0;

	for (size_t i = 0; i < cl->nnodes; i++) {
		struct rm_attempt *a, *nx;
		for (a = cl->nodes[i]->live_head; a != NULL; a = nx) {
			int64_t lim = job_time_limit_us(a->job), due = a->start_us + lim;
			nx = a->node_next;
			/* Why start_us: the limit counts the process's run, not its wait to launch. */
			if (lim == 0 || a->start_us <= 0 || a->kill_sent ||
			    (a->state != ATT_RUNNING && a->state != ATT_STARTING))
				continue;
			if (now < due) {
				next = (next == 0 || due < next) ? due : next;
				continue;
			}
			time_out(cl, a);
			n++;
		}
	}
	if (next_us != NULL)
		*next_us = next;
	return n;
}

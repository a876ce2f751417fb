/*
 * What a heartbeat says: the resources of the attempts running here, their sampled memory,
 * the machine's load, and each live attempt's progress and RSS. rmconn.c sends it every
 * heartbeat_ms.
 */
#include <sys/sysinfo.h>

#include "agent.h"
#include "xmalloc.h"

/* The 1-minute load average: one syscall, where getloadavg() reads a /proc file. */
static double load1(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return 0;
	return (double)si.loads[0] / (double)(1 << SI_LOAD_SHIFT);
}

void heartbeat_build(struct agent *ag, int64_t seq, struct msg_node_heartbeat *m)
{
	struct attempt *a;

	*m = (struct msg_node_heartbeat){ .seq = seq, .mem_used_mb = ag->mem_used_mb,
					  .load1 = load1() };
	m->attempts = xcalloc((size_t)ag->nattempts + 1, sizeof *m->attempts);
	TAILQ_FOREACH(a, &ag->attempts, link) {
		if (!attempt_is_live(a))
			continue;
		res_add(&m->used, &a->res);
		m->attempts[m->nattempts++] = (struct attempt_progress){ a->id, a->progress.value,
									 a->rss_mb };
	}
	health_fill(ag, m);
}

/*
 * Speculation in rmd: runs the pure pass of speculate.c on the cron (every spec_interval,
 * only while jobs run) and soon after a placement pass (an attempt ended, so a job's
 * statistics or the free slots changed), and logs each copy it starts.
 */
#include "log.h"
#include "rm.h"
#include "timeutil.h"

/* Placement passes run after every event; speculation needs no such hurry. */
#define SPEC_AFTER_PASS_MS 100

void spec_configure(struct rmd *rmd)
{
	const struct rm_conf *c = &rmd->conf;

	rmd->cl.spec = (struct spec_conf){
		.enabled = c->speculation,
		.slow_task_pct = (int32_t)c->spec_slow_task_pct,
		.slow_node_pct = (int32_t)c->spec_slow_node_pct,
		.cap_pct = (int32_t)c->spec_cap_pct,
		.multiplier_pct = (int32_t)c->spec_multiplier_pct,
		.quantile_pct = (int32_t)c->spec_quantile_pct,
		.min_runtime_us = c->spec_min_runtime_ms * 1000,
	};
}

static void log_pick(const struct spec_pick *p)
{
	char orig[ID_BUFSZ], copy[ID_BUFSZ];

	id_format(&p->orig->id, orig, sizeof(orig));
	id_format(&p->copy->id, copy, sizeof(copy));
	if (p->rule == SPEC_LATE && p->left_s >= 1e17) /* no progress at all: rate 0 */
		log_info("spec", "%s on %s straggles (LATE: no progress yet): copy %s on %s",
			 orig, p->orig->node->name, copy, p->node->name);
	else if (p->rule == SPEC_LATE)
		log_info("spec", "%s on %s straggles (LATE: %.0f%% done, %.1fs left): copy %s on %s",
			 orig, p->orig->node->name, p->orig->progress * 100, p->left_s, copy,
			 p->node->name);
	else
		log_info("spec", "%s on %s straggles (ran %.1fs, past the median): copy %s on %s",
			 orig, p->orig->node->name, p->left_s, copy, p->node->name);
}

void spec_run(struct rmd *rmd, bool after_placement)
{
	int64_t now = mono_ms();
	int64_t wait = after_placement ? SPEC_AFTER_PASS_MS : rmd->conf.spec_interval_ms;

	if (rmd->stopping || rmd->cl.njob_state[JOB_RUNNING] == 0 ||
	    now - rmd->spec_last_ms < wait)
		return;
	rmd->spec_last_ms = now;
	spec_pass(&rmd->cl, &rmd->spec);
	if (rmd->spec.npicks == 0)
		return;
	spec_apply(&rmd->cl, &rmd->spec);
	for (size_t i = 0; i < rmd->spec.npicks; i++)
		if (rmd->spec.picks[i].copy != NULL)
			log_pick(&rmd->spec.picks[i]);
}

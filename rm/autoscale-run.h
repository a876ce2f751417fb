/*
 * rmd's side of the autoscaler: the pools from rmd.conf (conf-pools.c), the decision on
 * the cron, its actions carried out (hooks.c, rm_node_drain), and the view that
 * `rmctl autoscale` and /api/v1/autoscale show (autoscale-run.c).
 */
#ifndef LOOM_RM_AUTOSCALE_RUN_H
#define LOOM_RM_AUTOSCALE_RUN_H

#include "autoscale.h"
#include "rm.h"

/* ---- conf-pools.c ----------------------------------------------------------------- */

/* Reads the `pools` list of the file at path (NULL: none) into s; -1 with err filled
 * ("rmd.conf:42: pools: max: 0 is below the minimum 1"). */
int pools_load(const char *path, struct as_state *s, char *err, size_t errlen);

/* ---- autoscale-run.c -------------------------------------------------------------- */

/* Takes the pools (s is emptied); no pools: the autoscaler is off until a SIGHUP rereads
 * conf_path (NULL: no file) and finds some. */
void autoscale_start(struct rmd *rmd, struct as_state *s, const char *conf_path);
/* True when some pool is configured. */
bool autoscale_on(const struct rmd *rmd);
/* Kills running hooks and frees everything. */
void autoscale_stop(struct rmd *rmd);
/* Cron: one decision and its actions. */
void autoscale_tick(struct rmd *rmd);
/* The pool whose nodes would fit s's size and labels (as_pool_for), or -1 (none, or off). */
int autoscale_pool_for(const struct rmd *rmd, const struct job_spec *s);
/* The pools (autoscale_on must be true). */
const struct as_state *autoscale_pools(const struct rmd *rmd);
/* {pools: [...]}: what `rmctl autoscale` shows. */
void autoscale_view(struct mpw *w, const struct rmd *rmd);
/* Appends the loom_autoscale_* metrics. */
struct evbuffer;
void autoscale_metrics(const struct rmd *rmd, struct evbuffer *out);
void msg_autoscale_info(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

#endif

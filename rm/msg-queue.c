/*
 * The queues, the daemon side: the scheduler's settings from rmd.conf, the tree installed
 * at start, and the queue_list and queue_reload requests. A reload rereads the file rmd
 * was started with and swaps the whole tree or nothing (conf-queues.c reads it,
 * cluster_set_queues moves the jobs), so a bad edit never leaves rmd half-configured.
 */
#include <stdio.h>

#include "conf-queues.h"
#include "log.h"
#include "rm.h"

void sched_configure(struct rmd *rmd)
{
	struct sched_conf *sc = &rmd->cl.sc;

	sc->locality_wait_us = rmd->conf.locality_wait_ms * 1000;
	sc->preemption = rmd->conf.preemption;
	sc->preempt_after_us = rmd->conf.preempt_after_ms * 1000;
	sc->preempt_grace_ms = rmd->conf.preempt_grace_ms;
	sc->default_estimate_us = rmd->conf.default_estimate_ms * 1000;
}

/* "3 queues, 2 leaves (root.a, root.b), default root.a" for the log. */
static void describe(const struct queue_tree *t, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "%zu queues, %zu leaves (", t->nall, t->nleaves);

	for (size_t i = 0; i < t->nleaves && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					t->leaves[i]->path);
	if (off < len)
		snprintf(buf + off, len - off, "), default %s", t->dflt->path);
}

void queues_start(struct rmd *rmd, struct queue_tree *t)
{
	char err[512], what[512];

	if (cluster_set_queues(&rmd->cl, t, err, sizeof(err)) < 0)
		fatal("queues: %s", err);
	describe(&rmd->cl.qt, what, sizeof(what));
	log_info("queues", "%s", what);
}

void msg_queue_list(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct mpw *w = reply_begin(rmd, id, VIEWS_QUEUE_LIST_FIELDS);

	views_queue_list(w, &rmd->cl);
	reply_send(rmd, p);
}

/* Reads and installs the tree; -1 with err naming file:line (or the job in the way). */
static int reload(struct rmd *rmd, char *err, size_t errlen)
{
	struct queue_tree t;
	char why[512];

	if (rmd->conf_path == NULL) {
		snprintf(err, errlen, "rmd was started without a configuration file (-c): "
			 "there is nothing to reread");
		return -1;
	}
	if (conf_queues_load(rmd->conf_path, &t, err, errlen) < 0)
		return -1;
	if (cluster_set_queues(&rmd->cl, &t, why, sizeof(why)) < 0) {
		queue_tree_free(&t);
		snprintf(err, errlen, "%s: %s", rmd->conf_path, why);
		return -1;
	}
	return 0;
}

void msg_queue_reload(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	char err[768], what[512];

	if (reload(rmd, err, sizeof(err)) < 0) {
		log_warn("queues", "reload refused: %s; nothing changed", err);
		peer_send_error(p, id, ERR_REJECTED, "queues", "%s; nothing changed", err);
		return;
	}
	const struct queue_tree *t = &rmd->cl.qt;
	describe(t, what, sizeof(what));
	log_info("queues", "queues reloaded: %s", what);
	struct mpw *w = reply_begin(rmd, id, 3);
	mpw_kint(w, "queues", (int64_t)t->nall);
	mpw_kint(w, "leaves", (int64_t)t->nleaves);
	mpw_kstr(w, "default", t->dflt->path);
	reply_send(rmd, p);
	rmd_later(rmd, LATER_SCHED); /* new shares and limits may let jobs go */
}

/*
 * The autoscaler in rmd: every AUTOSCALE_TICK_MS the pure decision (autoscale.c) runs on
 * the cluster, and its actions are carried out here: add and remove through the pool's
 * hook (hooks.c, off the loop's critical path), drain through rm_node_drain. Each action
 * and each hook outcome is a cluster event ("autoscale") and is kept in the pool's state.
 *
 * Hook contract (README): `HOOK add POOL COUNT` starts COUNT nodes and prints the names
 * they will register with, one per line, on stdout; `HOOK remove POOL NODE...` stops
 * them. Both get a JSON document on stdin: {"request", "pool", "count", "nodes",
 * "reason", "labels", "node": {vcores, memory_mb, gpus}, "rm_node_address",
 * "cluster_dir"}. Exit 0 means done; anything else (or the timeout) is retried.
 */
#include <event2/buffer.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoscale-run.h"
#include "events.h"
#include "hooks.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

/* One hook being run for a pool. */
struct as_hook {
	struct rmd *rmd;
	size_t pool;
	enum as_kind kind;
	int32_t count;
	char *node;
	int64_t asked_us;
	struct hook_run *run;
	struct as_hook *prev, *next;
};

struct autoscale {
	struct as_state st;
	struct as_result res;
	struct as_hook *hooks;
	const char *conf_path;   /* reread on SIGHUP */
	struct event *ev_hup;
};

/*
 * The pools' nodes are kept in <state_dir>/autoscale-nodes ("POOL NODE" lines), so that a
 * restarted rmd still knows which nodes its hooks started: they come back as STARTING and
 * are UP again when they re-register (or given up and removed after start_timeout). A
 * small file rewritten (no fsync) when the set changes: at worst a crash forgets the last
 * change, as before.
 */
static void save_nodes(const struct rmd *rmd)
{
	char *path = xasprintf("%s/autoscale-nodes", rmd->conf.state_dir);
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");

	if (f != NULL) {
		for (size_t i = 0; i < rmd->as->st.npools; i++) {
			const struct as_pool *p = &rmd->as->st.pools[i];
			for (size_t k = 0; k < p->nnodes; k++)
				fprintf(f, "%s %s\n", p->c.name, p->nodes[k].name);
		}
		if (fclose(f) != 0 || rename(tmp, path) != 0)
			log_warn("autoscale", "cannot write %s", path);
	} else {
		log_warn("autoscale", "cannot write %s", tmp);
	}
	free(tmp);
	free(path);
}

static void load_nodes(struct rmd *rmd)
{
	char *path = xasprintf("%s/autoscale-nodes", rmd->conf.state_dir);
	FILE *f = fopen(path, "r");
	char pool[128], node[PROTO_NAME_MAX];

	while (f != NULL && fscanf(f, "%127s %127s", pool, node) == 2) {
		char *names[1] = { node };
		for (size_t i = 0; i < rmd->as->st.npools; i++)
			if (strcmp(rmd->as->st.pools[i].c.name, pool) == 0) {
				as_add_done(&rmd->as->st.pools[i], 0, names, 1, cluster_now(&rmd->cl));
				log_info("autoscale", "pool %s: node %s from before the restart: "
					 "waiting for it to register", pool, node);
			}
	}
	if (f != NULL)
		fclose(f);
	free(path);
}

/*
 * SIGHUP: the pools are read again. A pool still named keeps its nodes and state and takes
 * the new settings; a new pool starts empty; a pool no longer named stops growing (max 0)
 * and releases its nodes as they idle. A file with an error changes nothing.
 */
static void reload(struct rmd *rmd)
{
	struct autoscale *as = rmd->as;
	struct as_state nw;
	char err[512];

	if (pools_load(as->conf_path, &nw, err, sizeof(err)) < 0) {
		log_error("autoscale", "reload: %s; the pools stay as they were", err);
		cev_autoscale("", NULL, "reload_failed", err);
		rmd_later(rmd, LATER_EVENTS);
		return;
	}
	bool *named = xcalloc(as->st.npools + 1, sizeof(bool));
	size_t nold = as->st.npools;
	for (size_t i = 0; i < nw.npools; i++) {
		size_t k;
		for (k = 0; k < nold && strcmp(as->st.pools[k].c.name, nw.pools[i].c.name) != 0; k++)
			;
		if (k == nold) { /* new: appended, so that running hooks keep their index */
			as->st.pools = xrealloc(as->st.pools, (as->st.npools + 1) * sizeof(struct as_pool));
			as->st.pools[as->st.npools++] = nw.pools[i];
		} else {
			named[k] = true;
			as_pool_conf_free(&as->st.pools[k].c);
			as->st.pools[k].c = nw.pools[i].c;
		}
		memset(&nw.pools[i], 0, sizeof(nw.pools[i]));
	}
	for (size_t k = 0; k < nold; k++)
		if (!named[k] && as->st.pools[k].c.max > 0) {
			log_info("autoscale", "pool %s is no longer in the configuration: it releases "
				 "its nodes as they idle", as->st.pools[k].c.name);
			as->st.pools[k].c.min = as->st.pools[k].c.max = 0;
		}
	free(named);
	free(nw.pools);
	log_info("autoscale", "reloaded %s: %zu pools", as->conf_path, nw.npools);
	cev_autoscale("", NULL, "reloaded", "pools read again from the configuration");
	rmd_later(rmd, LATER_EVENTS | LATER_SCHED);
}

static void hup_cb(evutil_socket_t sig, short what, void *arg)
{
	reload(arg);
}

bool autoscale_on(const struct rmd *rmd)
{
	return rmd->as != NULL && rmd->as->st.npools > 0;
}

void autoscale_start(struct rmd *rmd, struct as_state *s, const char *conf_path)
{
	rmd->as = xcalloc(1, sizeof(*rmd->as));
	rmd->as->st = *s;
	rmd->as->conf_path = conf_path;
	memset(s, 0, sizeof(*s));
	if (conf_path != NULL) {
		rmd->as->ev_hup = evsignal_new(rmd->base, SIGHUP, hup_cb, rmd);
		event_add(rmd->as->ev_hup, NULL);
	}
	for (size_t i = 0; i < rmd->as->st.npools; i++)
		log_info("autoscale", "pool %s: %d..%d nodes, hook %s", rmd->as->st.pools[i].c.name,
			 rmd->as->st.pools[i].c.min, rmd->as->st.pools[i].c.max,
			 rmd->as->st.pools[i].c.hook);
	load_nodes(rmd);
}

static void hook_unlink(struct autoscale *as, struct as_hook *h)
{
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		as->hooks = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	free(h->node);
	free(h);
}

void autoscale_stop(struct rmd *rmd)
{
	struct autoscale *as = rmd->as;

	if (as == NULL)
		return;
	while (as->hooks != NULL) {
		hook_cancel(as->hooks->run);
		hook_unlink(as, as->hooks);
	}
	if (as->ev_hup != NULL)
		event_free(as->ev_hup);
	as_result_free(&as->res);
	as_state_free(&as->st);
	free(as);
	rmd->as = NULL;
}

/* Appends s as a JSON string. */
static void json_str(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			evbuffer_add_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			evbuffer_add_printf(b, "\\u%04x", *s);
		else
			evbuffer_add(b, s, 1);
	}
	evbuffer_add(b, "\"", 1);
}

/* The JSON document on the hook's stdin. */
static char *hook_input(const struct rmd *rmd, const struct as_pool *p, const char *request,
			int32_t count, char *const *nodes, const char *reason)
{
	struct evbuffer *b = evbuffer_new();
	const char *dir = getenv("LOOM_CLUSTER_DIR");

	evbuffer_add_printf(b, "{\"request\": \"%s\", \"pool\": ", request);
	json_str(b, p->c.name);
	evbuffer_add_printf(b, ", \"count\": %d, \"nodes\": [", count);
	for (int i = 0; nodes != NULL && nodes[i] != NULL; i++) {
		evbuffer_add_printf(b, "%s", i ? ", " : "");
		json_str(b, nodes[i]);
	}
	evbuffer_add_printf(b, "], \"reason\": ");
	json_str(b, reason);
	evbuffer_add_printf(b, ", \"labels\": [");
	for (int i = 0; p->c.labels[i] != NULL; i++) {
		evbuffer_add_printf(b, "%s", i ? ", " : "");
		json_str(b, p->c.labels[i]);
	}
	evbuffer_add_printf(b, "], \"node\": {\"vcores\": %.3f, \"memory_mb\": %lld, \"gpus\": %lld}"
			       ", \"rm_node_address\": \"127.0.0.1:%d\", \"cluster_dir\": ",
			    (double)p->c.node.vcores_m / 1000, (long long)p->c.node.mem_mb,
			    (long long)p->c.node.gpus, rmd->port[PORT_NODE]);
	json_str(b, dir != NULL ? dir : "");
	evbuffer_add(b, "}\n", 3);
	char *s = xstrdup((const char *)evbuffer_pullup(b, -1));
	evbuffer_free(b);
	return s;
}

/* The node names an add hook printed: one per line, blanks ignored. */
static size_t parse_names(char *out, char ***names)
{
	size_t n = 0, cap = 0;
	char *save = NULL;

	*names = NULL;
	for (char *l = strtok_r(out, "\r\n", &save); l != NULL; l = strtok_r(NULL, "\r\n", &save)) {
		while (*l == ' ' || *l == '\t')
			l++;
		size_t len = strcspn(l, " \t");
		if (len == 0 || len >= PROTO_NAME_MAX)
			continue;
		l[len] = '\0';
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 8;
			*names = xrealloc(*names, cap * sizeof(char *));
		}
		(*names)[n++] = l;
	}
	return n;
}

static void hook_done(void *arg, bool final, bool ok, const char *out, const char *result)
{
	struct as_hook *h = arg;
	struct as_pool *p = &h->rmd->as->st.pools[h->pool];
	char text[AS_TEXT_MAX + 64];

	if (h->kind == AS_ADD)
		snprintf(text, sizeof(text), "add %d: %s", h->count, result);
	else
		snprintf(text, sizeof(text), "remove %s: %s", h->node, result);
	snprintf(p->hook_result, sizeof(p->hook_result), "%.*s", AS_TEXT_MAX - 1, text);
	p->hook_us = cluster_now(&h->rmd->cl);
	if (!ok)
		p->hook_failures++;
	if (ok)
		log_info("autoscale", "pool %s: hook %s", p->c.name, text);
	else
		log_warn("autoscale", "pool %s: hook %s", p->c.name, text);
	cev_autoscale(p->c.name, h->node, ok ? "hook_ok" : "hook_failed", text);
	rmd_later(h->rmd, LATER_EVENTS);
	if (!final)
		return;
	if (h->kind == AS_ADD) {
		char *copy = xstrdup(ok ? out : ""), **names;
		size_t n = parse_names(copy, &names);
		if (ok && n < (size_t)h->count)
			log_warn("autoscale", "pool %s: asked for %d nodes, the hook named %zu",
				 p->c.name, h->count, n);
		as_add_done(p, h->count, names, n, h->asked_us);
		if (!ok) /* a hook that keeps failing is not run again at every tick */
			p->hold_until_us = cluster_now(&h->rmd->cl) + p->c.cooldown_us;
		free(names);
		free(copy);
	} else {
		as_released(p, h->node);
	}
	save_nodes(h->rmd);
	hook_unlink(h->rmd->as, h);
}

/* Runs the pool's hook for an add or remove action. */
static void run_hook(struct rmd *rmd, const struct as_action *a)
{
	struct as_pool *p = &rmd->as->st.pools[a->pool];
	struct as_hook *h = xcalloc(1, sizeof(*h));
	char count[16];
	char *nodes[2] = { a->node, NULL };
	char *argv[5] = { p->c.hook, (char *)as_kind_names[a->kind], p->c.name, count, NULL };

	snprintf(count, sizeof(count), "%d", a->count);
	if (a->kind == AS_REMOVE)
		argv[3] = a->node;
	h->rmd = rmd;
	h->pool = a->pool;
	h->kind = a->kind;
	h->count = a->count;
	h->node = a->node ? xstrdup(a->node) : NULL;
	h->asked_us = cluster_now(&rmd->cl);
	h->next = rmd->as->hooks;
	if (h->next != NULL)
		h->next->prev = h;
	rmd->as->hooks = h;
	char *input = hook_input(rmd, p, as_kind_names[a->kind], a->count,
				 a->kind == AS_REMOVE ? nodes : NULL, a->reason);
	h->run = hook_start(rmd->base, argv, input, p->c.hook_timeout_us / 1000,
			    p->c.hook_retries, hook_done, h);
	free(input);
}

static void apply(struct rmd *rmd, const struct as_action *a)
{
	struct as_pool *p = &rmd->as->st.pools[a->pool];
	char err[256];

	log_info("autoscale", "pool %s: %s%s%s: %s", p->c.name, as_kind_names[a->kind],
		 a->node ? " " : "", a->node ? a->node : "", a->reason);
	cev_autoscale(p->c.name, a->node, as_kind_names[a->kind], a->reason);
	if (a->kind != AS_DRAIN) {
		run_hook(rmd, a);
		return;
	}
	struct rm_node *n = cluster_find_node(&rmd->cl, a->node);
	if (n != NULL && rm_node_drain(&rmd->cl, n, -1, a->reason, err, sizeof(err)) < 0)
		log_warn("autoscale", "pool %s: cannot drain %s: %s", p->c.name, a->node, err);
}

void autoscale_tick(struct rmd *rmd)
{
	struct autoscale *as = rmd->as;

	if (!autoscale_on(rmd) || rmd->recovering || rmd->stopping)
		return;
	as_decide(&as->st, &rmd->cl, cluster_now(&rmd->cl), &as->res);
	for (size_t i = 0; i < as->res.n; i++)
		apply(rmd, &as->res.a[i]);
	if (as->res.n > 0)
		rmd_later(rmd, LATER_EVENTS | LATER_SCHED);
}

const struct as_state *autoscale_pools(const struct rmd *rmd)
{
	return &rmd->as->st;
}

int autoscale_pool_for(const struct rmd *rmd, const struct job_spec *s)
{
	return autoscale_on(rmd) ? as_pool_for(&rmd->as->st, s) : -1;
}

static void view_pool(struct mpw *w, const struct rmd *rmd, const struct as_pool *p,
		      int64_t now)
{
	int32_t c[ASN_STATE_MAX];
	char why[AS_TEXT_MAX];

	as_pool_counts(p, c);
	mpw_map(w, 15);
	mpw_kstr(w, "name", p->c.name);
	mpw_kint(w, "min", p->c.min);
	mpw_kint(w, "max", p->c.max);
	mpw_kres(w, "node", &p->c.node);
	mpw_kint(w, "running", c[ASN_UP]);
	mpw_kint(w, "starting", c[ASN_STARTING]);
	mpw_kint(w, "draining", c[ASN_DRAINING]);
	mpw_kint(w, "releasing", c[ASN_RELEASING]);
	mpw_kint(w, "pending_tasks", p->demand_tasks);
	mpw_kint(w, "pending_nodes", p->demand_nodes);
	mpw_kstr(w, "last_decision", p->decision);
	mpw_kint(w, "last_decision_age_ms", p->decision_us ? (now - p->decision_us) / 1000 : -1);
	mpw_kstr(w, "last_hook_result", p->hook_result);
	mpw_kuint(w, "hook_failures", p->hook_failures);
	mpw_key(w, "nodes");
	mpw_array(w, (uint32_t)p->nnodes);
	for (size_t k = 0; k < p->nnodes; k++) {
		as_node_why(p, &p->nodes[k], &rmd->cl, now, why, sizeof(why));
		mpw_map(w, 3);
		mpw_kstr(w, "name", p->nodes[k].name);
		mpw_kstr(w, "state", as_node_state_names[p->nodes[k].state]);
		mpw_kstr(w, "not_released", why);
	}
}

void autoscale_view(struct mpw *w, const struct rmd *rmd)
{
	size_t n = rmd->as ? rmd->as->st.npools : 0;
	int64_t now = cluster_now(&rmd->cl);

	mpw_map(w, 1);
	mpw_key(w, "pools");
	mpw_array(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		view_pool(w, rmd, &rmd->as->st.pools[i], now);
}

void autoscale_metrics(const struct rmd *rmd, struct evbuffer *out)
{
	size_t n = rmd->as ? rmd->as->st.npools : 0;

	prom_family(out, "loom_autoscale_decisions_total", "counter",
		    "Autoscaler actions since rmd started, by pool and action.");
	for (size_t i = 0; i < n; i++) {
		const struct as_pool *p = &rmd->as->st.pools[i];
		const char *acts[] = { "grow", "drain", "release", "give_up" };
		uint64_t vals[] = { p->grows, p->drains, p->releases, p->giveups };
		for (size_t k = 0; k < 4; k++) {
			struct prom_label l[2] = { { "pool", p->c.name }, { "action", acts[k] } };
			prom_sample(out, "loom_autoscale_decisions_total", l, 2, (double)vals[k]);
		}
	}
	prom_family(out, "loom_autoscale_hook_failures_total", "counter",
		    "Hook runs that failed or timed out, by pool.");
	for (size_t i = 0; i < n; i++) {
		struct prom_label l = { "pool", rmd->as->st.pools[i].c.name };
		prom_sample(out, "loom_autoscale_hook_failures_total", &l, 1,
			    (double)rmd->as->st.pools[i].hook_failures);
	}
}

void msg_autoscale_info(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct mpw *w = reply_begin(rmd, id, 1);

	/* reply_begin opened a map of one field: the pools. */
	size_t n = rmd->as ? rmd->as->st.npools : 0;
	int64_t now = cluster_now(&rmd->cl);
	mpw_key(w, "pools");
	mpw_array(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		view_pool(w, rmd, &rmd->as->st.pools[i], now);
	reply_send(rmd, p);
}

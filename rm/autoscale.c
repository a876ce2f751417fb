/*
 * The autoscaler's decisions (pure, rmcore): see autoscale.h. Everything here is a
 * function of the cluster's records, the pools' bookkeeping and the time it is given.
 *
 * Why nodes starting count against demand: an add hook and an agent's registration take
 * seconds, and the pending tasks stay pending meanwhile; without counting what is on its
 * way, every tick would ask again for the same demand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoscale.h"
#include "log.h"
#include "xmalloc.h"

const char *const as_node_state_names[ASN_STATE_MAX] = {
	"STARTING", "UP", "DRAINING", "RELEASING",
};
const char *const as_kind_names[AS_KIND_MAX] = { "add", "drain", "remove" };

void as_pool_conf_free(struct as_pool_conf *c)
{
	free(c->name);
	for (char **l = c->labels; l != NULL && *l != NULL; l++)
		free(*l);
	free(c->labels);
	free(c->hook);
}

void as_state_free(struct as_state *s)
{
	for (size_t i = 0; i < s->npools; i++) {
		struct as_pool *p = &s->pools[i];
		as_pool_conf_free(&p->c);
		for (size_t k = 0; k < p->nnodes; k++)
			free(p->nodes[k].name);
		free(p->nodes);
	}
	free(s->pools);
	s->pools = NULL;
	s->npools = 0;
}

void as_result_reset(struct as_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->a[i].node);
	r->n = 0;
}

void as_result_free(struct as_result *r)
{
	as_result_reset(r);
	free(r->a);
	r->a = NULL;
	r->cap = 0;
}

static struct as_action *push(struct as_result *r, enum as_kind k, size_t pool,
			      const char *node)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->a = xrealloc(r->a, r->cap * sizeof(*r->a));
	}
	struct as_action *a = &r->a[r->n++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->pool = pool;
	a->node = node ? xstrdup(node) : NULL;
	return a;
}

int32_t as_binpack(struct res *bins, int32_t nbins, int32_t cap, const struct res *node,
		   const struct res *res, int64_t n)
{
	if (!res_fits(res, node))
		return cap + 1;
	for (int32_t b = 0; b < nbins && n > 0; b++)
		while (n > 0 && res_fits(res, &bins[b])) {
			res_sub(&bins[b], res);
			n--;
		}
	while (n > 0) {
		if (nbins >= cap)
			return cap + 1;
		bins[nbins] = *node;
		while (n > 0 && res_fits(res, &bins[nbins])) {
			res_sub(&bins[nbins], res);
			n--;
		}
		nbins++;
	}
	return nbins;
}

int as_pool_for(const struct as_state *s, const struct job_spec *spec)
{
	for (size_t i = 0; i < s->npools; i++) {
		const struct as_pool_conf *c = &s->pools[i].c;
		if (c->max > 0 && res_fits(&spec->res, &c->node) && /* max 0: removed */
		    labels_ok(c->labels, spec))
			return (int)i;
	}
	return -1;
}

const char *as_pool_unmet(const struct as_state *s, const struct job_spec *spec, int *pool)
{
	*pool = -1;
	for (size_t i = 0; i < s->npools; i++)
		if (s->pools[i].c.max > 0 && res_fits(&spec->res, &s->pools[i].c.node)) {
			*pool = (int)i;
			return labels_unmet(s->pools[i].c.labels, spec);
		}
	return NULL;
}

struct as_pool *as_node_pool(struct as_state *s, const char *name, size_t *idx)
{
	for (size_t i = 0; i < s->npools; i++)
		for (size_t k = 0; k < s->pools[i].nnodes; k++)
			if (strcmp(s->pools[i].nodes[k].name, name) == 0) {
				*idx = k;
				return &s->pools[i];
			}
	return NULL;
}

void as_pool_counts(const struct as_pool *p, int32_t counts[ASN_STATE_MAX])
{
	memset(counts, 0, sizeof(int32_t) * ASN_STATE_MAX);
	for (size_t k = 0; k < p->nnodes; k++)
		counts[p->nodes[k].state]++;
	counts[ASN_STARTING] += p->requested;
}

static void set_state(struct as_pool *p, struct as_node *an, enum as_node_state s,
		      int64_t now, const char *why)
{
	log_info("autoscale", "pool %s: node %s %s -> %s: %s", p->c.name, an->name,
		 as_node_state_names[an->state], as_node_state_names[s], why);
	an->state = s;
	an->since_us = now;
	if (s == ASN_UP)
		an->idle_since_us = now;
}

static void decided(struct as_pool *p, int64_t now, const char *text)
{
	snprintf(p->decision, sizeof(p->decision), "%s", text);
	p->decision_us = now;
}

/* A pool node whose record left service (LOST, DECOMMISSIONED) is released. */
static void release(struct as_pool *p, size_t pi, struct as_node *an, int64_t now,
		    struct as_result *out, const char *why)
{
	struct as_action *a = push(out, AS_REMOVE, pi, an->name);
	snprintf(a->reason, sizeof(a->reason), "%s", why);
	set_state(p, an, ASN_RELEASING, now, why);
	p->releases++;
}

/* Follows the records of the pool's nodes: registration, loss, drain, start timeout. */
static void follow_nodes(struct as_pool *p, size_t pi, struct cluster *cl, int64_t now,
			 struct as_result *out)
{
	char why[AS_TEXT_MAX];

	for (size_t k = 0; k < p->nnodes; k++) {
		struct as_node *an = &p->nodes[k];
		struct rm_node *n = cluster_find_node(cl, an->name);
		bool gone = n != NULL && (n->state == NODE_LOST || n->state == NODE_DECOMMISSIONED);
		switch (an->state) {
		case ASN_STARTING:
			if (n != NULL && n->state == NODE_RUNNING && n->peer != NULL) {
				set_state(p, an, ASN_UP, now, "registered");
			} else if (now - an->since_us >= p->c.start_timeout_us) {
				snprintf(why, sizeof(why), "not registered within start_timeout (%llds): "
					 "given up", (long long)(p->c.start_timeout_us / 1000000));
				p->giveups++;
				release(p, pi, an, now, out, why);
				decided(p, now, why);
			}
			break;
		case ASN_UP:
			if (gone)
				release(p, pi, an, now, out, n->state == NODE_LOST ? "node lost" :
					"decommissioned by an administrator");
			else if (n != NULL && n->state == NODE_DRAINING)
				set_state(p, an, ASN_DRAINING, now, "drained by an administrator");
			else if (n != NULL && n->nlive > 0)
				an->idle_since_us = now;
			break;
		case ASN_DRAINING:
			if (n == NULL || gone)
				release(p, pi, an, now, out, "drained: releasing");
			else if (n->state == NODE_RUNNING)
				set_state(p, an, ASN_UP, now, "drain cancelled");
			break;
		default:
			break;
		}
	}
}

/* Tasks waiting for placement that pool pi fits (the first pool whose nodes fit their
 * size and labels). */
static int64_t pool_demand(struct as_state *s, size_t pi, struct cluster *cl, struct res *bins,
			   int32_t *nbins, bool mark)
{
	struct as_pool *p = &s->pools[pi];
	int64_t tasks = 0;
	uint64_t bad;
	char why[AS_TEXT_MAX];

	snprintf(why, sizeof(why), "scaling up pool %s", p->c.name);
	for (struct rm_job *j = cl->q_head; j != NULL; j = j->q_next) {
		if (!job_has_unplaced(j) || job_deps(cl, j, &bad) != DEPS_READY ||
		    as_pool_for(s, &j->spec) != (int)pi)
			continue;
		int64_t n = job_unplaced(j);
		tasks += n;
		if (*nbins <= p->c.max)
			*nbins = as_binpack(bins, *nbins, p->c.max, &p->c.node, &j->spec.res, n);
		if (mark && j->state == JOB_PENDING &&
		    (j->reason == NULL || strcmp(j->reason, why) != 0))
			job_set_reason(j, why);
	}
	return tasks;
}

static int32_t min32(int32_t a, int32_t b)
{
	return a < b ? a : b;
}

/* Asks for the nodes the pending demand needs beyond those running and on their way. */
static void grow(struct as_state *s, size_t pi, struct cluster *cl, int64_t now,
		 struct as_result *out, bool *wanting)
{
	struct as_pool *p = &s->pools[pi];
	int32_t nbins = p->c.max + 1, counts[ASN_STATE_MAX];
	char text[AS_TEXT_MAX];

	/* Counted first: never more bins than tasks (max may be large, the demand small). */
	int64_t tasks = pool_demand(s, pi, cl, NULL, &nbins, false);
	struct res *bins = xcalloc((size_t)(tasks < p->c.max ? tasks : p->c.max) + 1,
				   sizeof(*bins));
	as_pool_counts(p, counts);
	nbins = 0;
	pool_demand(s, pi, cl, bins, &nbins, counts[ASN_STARTING] > 0);
	free(bins);
	int32_t to_come = counts[ASN_STARTING];
	int32_t want = nbins - to_come;
	p->demand_tasks = (int32_t)(tasks > INT32_MAX ? INT32_MAX : tasks);
	p->demand_nodes = nbins > p->c.max ? p->c.max : nbins;
	*wanting = tasks > 0;
	if (tasks == 0 || want <= 0) {
		p->demand_since_us = 0;
		return;
	}
	if (p->demand_since_us == 0)
		p->demand_since_us = now;
	if (now - p->demand_since_us < p->c.grow_delay_us)
		return;
	if (now < p->hold_until_us) {
		snprintf(text, sizeof(text), "%lld tasks pending; the last add failed: asking again "
			 "in %llds", (long long)tasks,
			 (long long)((p->hold_until_us - now + 999999) / 1000000));
		decided(p, now, text);
		return;
	}
	int32_t room = p->c.max - (int32_t)p->nnodes - p->requested;
	int32_t add = min32(min32(want, p->c.max_step), room);
	if (add <= 0) {
		snprintf(text, sizeof(text), "%lld tasks pending need %s%d nodes; at maximum %d",
			 (long long)tasks, nbins > p->c.max ? "over " : "", p->demand_nodes,
			 p->c.max);
		if (strcmp(text, p->decision) != 0)
			decided(p, now, text);
		return;
	}
	struct as_action *a = push(out, AS_ADD, pi, NULL);
	a->count = add;
	snprintf(a->reason, sizeof(a->reason),
		 "grow by %d: %lld tasks pending for %llds need %s%d nodes, %d starting%s",
		 add, (long long)tasks, (long long)((now - p->demand_since_us) / 1000000),
		 nbins > p->c.max ? "over " : "", p->demand_nodes, to_come,
		 add < want ? (room <= p->c.max_step ? " (capped by max)" : " (capped by max_step)")
			    : "");
	decided(p, now, a->reason);
	p->requested += add;
	p->last_action_us = now;
	p->demand_since_us = 0;
	p->grows++;
	pool_demand(s, pi, cl, NULL, &(int32_t){ p->c.max + 1 }, true); /* job reasons */
}

/* Drains the nodes idle past idle_timeout, down to min, once the cooldown is over. */
static void shrink(struct as_pool *p, size_t pi, struct cluster *cl, int64_t now,
		   struct as_result *out)
{
	int32_t counts[ASN_STATE_MAX];

	as_pool_counts(p, counts);
	int32_t active = counts[ASN_STARTING] + counts[ASN_UP];
	if (now - p->last_action_us < p->c.cooldown_us)
		return;
	for (size_t k = 0; k < p->nnodes && active > p->c.min; k++) {
		struct as_node *an = &p->nodes[k];
		struct rm_node *n = cluster_find_node(cl, an->name);
		if (an->state != ASN_UP || n == NULL || n->nlive > 0 ||
		    now - an->idle_since_us < p->c.idle_timeout_us)
			continue;
		struct as_action *a = push(out, AS_DRAIN, pi, an->name);
		snprintf(a->reason, sizeof(a->reason), "shrink: %s idle for %llds (idle_timeout %llds)",
			 an->name, (long long)((now - an->idle_since_us) / 1000000),
			 (long long)(p->c.idle_timeout_us / 1000000));
		decided(p, now, a->reason);
		set_state(p, an, ASN_DRAINING, now, a->reason);
		p->last_action_us = now;
		p->drains++;
		active--;
	}
}

void as_decide(struct as_state *s, struct cluster *cl, int64_t now, struct as_result *out)
{
	as_result_reset(out);
	for (size_t pi = 0; pi < s->npools; pi++) {
		bool wanting = false;
		follow_nodes(&s->pools[pi], pi, cl, now, out);
		grow(s, pi, cl, now, out, &wanting);
		if (!wanting) /* never shrink a pool while tasks wait for it */
			shrink(&s->pools[pi], pi, cl, now, out);
	}
}

void as_add_done(struct as_pool *p, int32_t asked, char **names, size_t n, int64_t asked_us)
{
	p->requested -= asked;
	if (p->requested < 0)
		p->requested = 0;
	for (size_t i = 0; i < n; i++) {
		size_t idx;
		bool dup = false;
		for (idx = 0; idx < p->nnodes; idx++)
			dup = dup || strcmp(p->nodes[idx].name, names[i]) == 0;
		if (dup)
			continue;
		if (p->nnodes == p->capnodes) {
			p->capnodes = p->capnodes ? p->capnodes * 2 : 8;
			p->nodes = xrealloc(p->nodes, p->capnodes * sizeof(*p->nodes));
		}
		struct as_node *an = &p->nodes[p->nnodes++];
		an->name = xstrdup(names[i]);
		an->state = ASN_STARTING;
		an->since_us = asked_us;
		an->idle_since_us = asked_us;
	}
}

void as_released(struct as_pool *p, const char *name)
{
	for (size_t k = 0; k < p->nnodes; k++) {
		if (strcmp(p->nodes[k].name, name) != 0)
			continue;
		free(p->nodes[k].name);
		p->nodes[k] = p->nodes[--p->nnodes];
		return;
	}
}

void as_node_why(const struct as_pool *p, const struct as_node *an, const struct cluster *cl,
		 int64_t now, char *buf, size_t len)
{
	const struct rm_node *n = cluster_find_node(cl, an->name);
	int32_t counts[ASN_STATE_MAX];

	as_pool_counts(p, counts);
	if (len > 0)
		buf[0] = '\0';
	if (an->state == ASN_DRAINING || an->state == ASN_RELEASING)
		return;
	if (an->state == ASN_STARTING)
		snprintf(buf, len, "starting for %llds (start_timeout %llds)",
			 (long long)((now - an->since_us) / 1000000),
			 (long long)(p->c.start_timeout_us / 1000000));
	else if (n != NULL && n->nlive > 0)
		snprintf(buf, len, "running %d attempts", n->nlive);
	else if (counts[ASN_STARTING] + counts[ASN_UP] <= p->c.min)
		snprintf(buf, len, "at pool minimum (%d)", p->c.min);
	else if (now - an->idle_since_us < p->c.idle_timeout_us)
		snprintf(buf, len, "idle for only %llds (idle_timeout %llds)",
			 (long long)((now - an->idle_since_us) / 1000000),
			 (long long)(p->c.idle_timeout_us / 1000000));
	else if (now - p->last_action_us < p->c.cooldown_us)
		snprintf(buf, len, "cooldown: %llds left",
			 (long long)((p->c.cooldown_us - (now - p->last_action_us) + 999999) / 1000000));
	else if (p->demand_tasks > 0)
		snprintf(buf, len, "tasks are waiting for the pool");
	else
		snprintf(buf, len, "due for release at the next decision");
}

/*
 * The queue tree: building and deriving it, finding queues and users, the per-user lists
 * of jobs with tasks to place, usage counts, and the keys fairness orders by. The reload
 * that moves jobs onto a new tree is here too (cluster_set_queues), because only this
 * file knows what a queue holds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "xmalloc.h"

const char *const qres_names[QR_N] = { "vcores", "memory", "gpus" };
const char *const queue_state_names[QUEUE_STATE_MAX] = { "RUNNING", "STOPPED" };
const char *const queue_order_names[QORDER_MAX] = { "auto", "fifo", "loom" };

/* ---- resource vectors ------------------------------------------------------------- */

void qres_from_res(struct qres *q, const struct res *r)
{
	q->v[QR_VCORES] = r->vcores_m;
	q->v[QR_MEM] = r->mem_mb;
	q->v[QR_GPUS] = r->gpus;
}

void qres_add(struct qres *acc, const struct qres *r)
{
	for (int i = 0; i < QR_N; i++)
		acc->v[i] += r->v[i];
}

void qres_sub(struct qres *acc, const struct qres *r)
{
	for (int i = 0; i < QR_N; i++)
		acc->v[i] -= r->v[i];
}

double qres_dominant(const struct qres *use, const struct qres *total)
{
	double d = 0;

	for (int i = 0; i < QR_N; i++)
		if (total->v[i] > 0 && (double)use->v[i] / (double)total->v[i] > d)
			d = (double)use->v[i] / (double)total->v[i];
	return d;
}

/* ---- building --------------------------------------------------------------------- */

void queue_conf_defaults(struct queue_conf *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < QR_N; i++)
		c->max_pct[i] = 100;
	c->weight = 1;
	c->user_max_pct = 100;
	c->state = QUEUE_RUNNING;
	c->preemptable = true;
	c->order = QORDER_AUTO;
}

static struct rm_queue *queue_new(struct rm_queue *parent, const char *name,
				  const struct queue_conf *c)
{
	struct rm_queue *q = xcalloc(1, sizeof(*q));
	size_t len;

	q->name = xstrdup(name);
	q->parent = parent;
	q->c = *c;
	if (parent == NULL) {
		q->path = xstrdup(name);
		return q;
	}
	len = strlen(parent->path) + strlen(name) + 2;
	q->path = xmalloc(len);
	snprintf(q->path, len, "%s.%s", parent->path, name);
	parent->children = xrealloc(parent->children,
				    (parent->nchildren + 1) * sizeof(*parent->children));
	parent->children[parent->nchildren++] = q;
	return q;
}

void queue_tree_init(struct queue_tree *t)
{
	struct queue_conf c;

	memset(t, 0, sizeof(*t));
	queue_conf_defaults(&c);
	for (int i = 0; i < QR_N; i++)
		c.guar_pct[i] = 100;
	t->root = queue_new(NULL, "root", &c);
}

struct rm_queue *queue_add(struct queue_tree *t, struct rm_queue *parent, const char *name,
			   const struct queue_conf *c)
{
	return queue_new(parent != NULL ? parent : t->root, name, c);
}

bool queue_is_leaf(const struct rm_queue *q)
{
	return q->nchildren == 0;
}

static void collect(struct queue_tree *t, struct rm_queue *q, int depth)
{
	q->depth = depth;
	t->all = xrealloc(t->all, (t->nall + 1) * sizeof(*t->all));
	t->all[t->nall++] = q;
	if (queue_is_leaf(q) && q->parent != NULL) {
		t->leaves = xrealloc(t->leaves, (t->nleaves + 1) * sizeof(*t->leaves));
		t->leaves[t->nleaves++] = q;
	}
	for (size_t i = 0; i < q->nchildren; i++)
		collect(t, q->children[i], depth + 1);
}

/* Absolute shares, and the children's guarantees against their parent's 100%. */
static int derive_shares(struct rm_queue *q, char *err, size_t errlen)
{
	double sum[QR_N] = { 0 };

	for (int i = 0; i < QR_N; i++) {
		if (q->c.guar_pct[i] > q->c.max_pct[i]) {
			snprintf(err, errlen, "queue %s: guaranteed %s %.4g%% is above its maximum "
				 "%.4g%%", q->path, qres_names[i], q->c.guar_pct[i], q->c.max_pct[i]);
			return -1;
		}
		q->guar[i] = (q->parent ? q->parent->guar[i] : 1) * q->c.guar_pct[i] / 100;
		q->maxs[i] = (q->parent ? q->parent->maxs[i] : 1) * q->c.max_pct[i] / 100;
	}
	for (size_t k = 0; k < q->nchildren; k++)
		for (int i = 0; i < QR_N; i++)
			sum[i] += q->children[k]->c.guar_pct[i];
	for (int i = 0; i < QR_N; i++)
		if (sum[i] > 100 + 1e-9) {
			snprintf(err, errlen, "queue %s: its children's guaranteed %s adds up to "
				 "%.4g%% of it, over 100%%", q->path, qres_names[i], sum[i]);
			return -1;
		}
	for (size_t k = 0; k < q->nchildren; k++)
		if (derive_shares(q->children[k], err, errlen) < 0)
			return -1;
	return 0;
}

static struct rm_queue *leaf_named(const struct queue_tree *t, const char *name, int *count)
{
	struct rm_queue *found = NULL;

	*count = 0;
	for (size_t i = 0; i < t->nleaves; i++)
		if (strcmp(t->leaves[i]->name, name) == 0) {
			found = t->leaves[i];
			(*count)++;
		}
	return found;
}

static int pick_default(struct queue_tree *t, const char *dflt, char *err, size_t errlen)
{
	int n;

	if (dflt == NULL || dflt[0] == '\0') {
		if (t->nleaves == 1) {
			t->dflt = t->leaves[0];
			return 0;
		}
		dflt = "default";
	}
	t->dflt = queue_find(t, dflt);
	if (t->dflt == NULL && strchr(dflt, '.') == NULL)
		t->dflt = leaf_named(t, dflt, &n);
	if (t->dflt == NULL || !queue_is_leaf(t->dflt) || t->dflt->parent == NULL) {
		snprintf(err, errlen, "the default queue '%s' is not a leaf queue of the tree", dflt);
		return -1;
	}
	return 0;
}

int queue_tree_derive(struct queue_tree *t, const char *dflt, char *err, size_t errlen)
{
	int n;

	free(t->all);
	free(t->leaves);
	t->all = NULL;
	t->leaves = NULL;
	t->nall = t->nleaves = 0;
	collect(t, t->root, 0);
	if (t->nleaves == 0) {
		snprintf(err, errlen, "the queue tree has no leaf queue");
		return -1;
	}
	for (size_t i = 0; i < t->nleaves; i++) {
		leaf_named(t, t->leaves[i]->name, &n);
		if (n > 1) {
			snprintf(err, errlen, "two leaf queues are named '%s' (leaf names must be "
				 "unique: jobs name them)", t->leaves[i]->name);
			return -1;
		}
	}
	if (derive_shares(t->root, err, errlen) < 0)
		return -1;
	return pick_default(t, dflt, err, errlen);
}

static void queue_free(struct rm_queue *q)
{
	for (size_t i = 0; i < q->nchildren; i++)
		queue_free(q->children[i]);
	for (size_t i = 0; i < q->nusers; i++) {
		free(q->users[i]->name);
		free(q->users[i]);
	}
	free(q->users);
	free(q->children);
	free(q->name);
	free(q->path);
	free(q);
}

void queue_tree_free(struct queue_tree *t)
{
	if (t->root != NULL)
		queue_free(t->root);
	free(t->all);
	free(t->leaves);
	memset(t, 0, sizeof(*t));
}

/* ---- lookups ---------------------------------------------------------------------- */

struct rm_queue *queue_find(const struct queue_tree *t, const char *name)
{
	int n;
	struct rm_queue *q;

	if (name == NULL || name[0] == '\0')
		return t->dflt;
	for (size_t i = 0; i < t->nall; i++)
		if (strcmp(t->all[i]->path, name) == 0)
			return t->all[i];
	q = leaf_named(t, name, &n);
	return n == 1 ? q : NULL;
}

struct queue_user *queue_user_get(struct rm_queue *q, const char *user)
{
	struct queue_user *u;

	for (size_t i = 0; i < q->nusers; i++)
		if (strcmp(q->users[i]->name, user) == 0)
			return q->users[i];
	u = xcalloc(1, sizeof(*u));
	u->name = xstrdup(user);
	q->users = xgrow(q->users, &q->capusers, q->nusers + 1, sizeof(*q->users));
	q->users[q->nusers++] = u;
	return u;
}

/*
 * The queue tree from rmd.conf's `queues` group (format in conf-queues.h). Each queue's
 * group is read key by key through a table; every error names file:line, the queue's
 * path and the key. The tree is built as it is read (queue_add) and derived at the end
 * (queue_tree_derive), so a bad file leaves nothing behind.
 */
#include <ctype.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf-queues.h"
#include "xmalloc.h"

#define QUEUES_MAX_DEPTH 16
#define QUEUES_MAX 4096
#define QUEUES_MAX_JOBS 1000000

/* What one load carries along: the file's name (for messages) and the error buffer. */
struct qload {
	const char *file;
	struct queue_tree *t;
	size_t nqueues;
	char *err;
	size_t errlen;
};

/* "file:line: queue PATH: ..." into the error buffer; returns -1. */
static int __attribute__((format(printf, 4, 5)))
bad(struct qload *x, const config_setting_t *s, const char *qpath, const char *fmt, ...)
{
	const char *f = config_setting_source_file(s);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(x->err, x->errlen, "%s:%d: %s%s%s%s", f != NULL ? f : x->file,
		 config_setting_source_line(s), qpath ? "queue " : "", qpath ? qpath : "",
		 qpath ? ": " : "", msg);
	return -1;
}

static bool number(const config_setting_t *s, double *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		*out = (double)config_setting_get_int64(s);
		return true;
	case CONFIG_TYPE_FLOAT:
		*out = config_setting_get_float(s);
		return isfinite(*out);
	default:
		return false;
	}
}

static bool is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	       config_setting_type(s) == CONFIG_TYPE_INT64;
}

/* A percent 0..100 from s, named key in messages. */
static int percent(struct qload *x, const config_setting_t *s, const char *qpath,
		   const char *key, double *out)
{
	if (!number(s, out))
		return bad(x, s, qpath, "%s: expected a number (percent)", key);
	if (*out < 0 || *out > 100)
		return bad(x, s, qpath, "%s: %g is not a percent (0..100)", key, *out);
	return 0;
}

/* guaranteed / maximum: one percent for every resource, or { vcores = ..; ... }. */
static int percents(struct qload *x, const config_setting_t *s, const char *qpath,
		    double v[QR_N])
{
	const char *key = config_setting_name(s);

	if (!config_setting_is_group(s)) {
		double p;
		if (percent(x, s, qpath, key, &p) < 0)
			return -1;
		for (int r = 0; r < QR_N; r++)
			v[r] = p;
		return 0;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *rn = config_setting_name(e);
		int r = 0;
		while (r < QR_N && strcmp(rn, qres_names[r]) != 0)
			r++;
		char name[96];
		snprintf(name, sizeof(name), "%s.%s", key, rn);
		if (r == QR_N)
			return bad(x, e, qpath, "%s: unknown resource '%s' (vcores, memory, gpus)",
				   key, rn);
		if (percent(x, e, qpath, name, &v[r]) < 0)
			return -1;
	}
	return 0;
}

static int k_guaranteed(struct qload *x, const config_setting_t *s, const char *qpath,
			struct queue_conf *c)
{
	return percents(x, s, qpath, c->guar_pct);
}

static int k_maximum(struct qload *x, const config_setting_t *s, const char *qpath,
		     struct queue_conf *c)
{
	return percents(x, s, qpath, c->max_pct);
}

static int k_weight(struct qload *x, const config_setting_t *s, const char *qpath,
		    struct queue_conf *c)
{
	if (!number(s, &c->weight) || c->weight <= 0 || c->weight > 1e6)
		return bad(x, s, qpath, "weight: expected a number above 0 (up to 1e6)");
	return 0;
}

static int jobs_limit(struct qload *x, const config_setting_t *s, const char *qpath,
		      int32_t *out)
{
	const char *key = config_setting_name(s);

	if (!is_int(s))
		return bad(x, s, qpath, "%s: expected an integer (0 = no limit)", key);
	long long v = config_setting_get_int64(s);
	if (v < 0 || v > QUEUES_MAX_JOBS)
		return bad(x, s, qpath, "%s: %lld is outside 0..%d (0 = no limit)", key, v,
			   QUEUES_MAX_JOBS);
	*out = (int32_t)v;
	return 0;
}

static int k_max_running_jobs(struct qload *x, const config_setting_t *s, const char *qpath,
			      struct queue_conf *c)
{
	return jobs_limit(x, s, qpath, &c->max_running_jobs);
}

static int k_user_max_running_jobs(struct qload *x, const config_setting_t *s,
				   const char *qpath, struct queue_conf *c)
{
	return jobs_limit(x, s, qpath, &c->user_max_running_jobs);
}

static int k_user_max_share(struct qload *x, const config_setting_t *s, const char *qpath,
			    struct queue_conf *c)
{
	if (percent(x, s, qpath, "user_max_share", &c->user_max_pct) < 0)
		return -1;
	if (c->user_max_pct <= 0)
		return bad(x, s, qpath, "user_max_share: 0 would let no user run anything");
	return 0;
}

/* The index of the string setting s in names[0..n), or -1 with err filled. */
static int named(struct qload *x, const config_setting_t *s, const char *qpath,
		 const char *const *names, int n)
{
	const char *v = config_setting_get_string(s);
	char known[128] = "";
	size_t off = 0;

	for (int i = 0; v != NULL && i < n; i++)
		if (strcasecmp(v, names[i]) == 0)
			return i;
	for (int i = 0; i < n && off < sizeof(known); i++)
		off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s", i ? ", " : "",
					names[i]);
	if (v == NULL)
		bad(x, s, qpath, "%s: expected a string (%s)", config_setting_name(s), known);
	else
		bad(x, s, qpath, "%s: '%s' is not one of %s", config_setting_name(s), v, known);
	return -1;
}

static int k_state(struct qload *x, const config_setting_t *s, const char *qpath,
		   struct queue_conf *c)
{
	int i = named(x, s, qpath, queue_state_names, QUEUE_STATE_MAX);

	if (i < 0)
		return -1;
	c->state = (enum queue_state)i;
	return 0;
}

static int k_order(struct qload *x, const config_setting_t *s, const char *qpath,
		   struct queue_conf *c)
{
	int i = named(x, s, qpath, queue_order_names, QORDER_MAX);

	if (i < 0)
		return -1;
	c->order = (enum queue_order)i;
	return 0;
}

static int k_preemptable(struct qload *x, const config_setting_t *s, const char *qpath,
			 struct queue_conf *c)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return bad(x, s, qpath, "preemptable: expected true or false");
	c->preemptable = config_setting_get_bool(s);
	return 0;
}

/* A queue's keys; "queues" (its children) is read after the queue is added. */
static const struct qkey {
	const char *key;
	int (*fn)(struct qload *x, const config_setting_t *s, const char *qpath,
		  struct queue_conf *c);
} qkeys[] = {
	{ "guaranteed", k_guaranteed },
	{ "maximum", k_maximum },
	{ "weight", k_weight },
	{ "max_running_jobs", k_max_running_jobs },
	{ "user_max_running_jobs", k_user_max_running_jobs },
	{ "user_max_share", k_user_max_share },
	{ "state", k_state },
	{ "preemptable", k_preemptable },
	{ "order", k_order },
	{ "queues", NULL },
};
#define NQKEYS (sizeof(qkeys) / sizeof(qkeys[0]))

static int unknown_key(struct qload *x, const config_setting_t *s, const char *qpath)
{
	char known[256] = "";
	size_t off = 0;

	for (size_t i = 0; i < NQKEYS && off < sizeof(known); i++)
		off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s", i ? ", " : "",
					qkeys[i].key);
	return bad(x, s, qpath, "unknown key '%s' (known: %s)", config_setting_name(s), known);
}

/* Reads the keys of queue group g into c (defaults first) and checks them together. */
static int queue_keys(struct qload *x, const config_setting_t *g, const char *qpath,
		      struct queue_conf *c)
{
	queue_conf_defaults(c);
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		size_t k = 0;
		while (k < NQKEYS && strcmp(config_setting_name(s), qkeys[k].key) != 0)
			k++;
		if (k == NQKEYS)
			return unknown_key(x, s, qpath);
		if (qkeys[k].fn != NULL && qkeys[k].fn(x, s, qpath, c) < 0)
			return -1;
	}
	for (int r = 0; r < QR_N; r++)
		if (c->guar_pct[r] > c->max_pct[r] + 1e-9)
			return bad(x, g, qpath, "guaranteed %s %g%% is above its maximum %g%%",
				   qres_names[r], c->guar_pct[r], c->max_pct[r]);
	return 0;
}

/* Queue names: [A-Za-z][A-Za-z0-9_-]* (they become path components and metric labels). */
static bool good_name(const char *n)
{
	if (!isalpha((unsigned char)n[0]) || strlen(n) > 63)
		return false;
	for (const char *p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

static int read_children(struct qload *x, struct rm_queue *parent, const config_setting_t *g,
			 bool top);

/* Reads queue group g, a child of parent, and its subtree. */
static int read_queue(struct qload *x, struct rm_queue *parent, const config_setting_t *g)
{
	const char *name = config_setting_name(g);
	char qpath[512];
	struct queue_conf c;

	snprintf(qpath, sizeof(qpath), "%s.%s", parent->path, name);
	if (!good_name(name))
		return bad(x, g, qpath, "bad name '%s' (a letter, then letters, digits, _ or -; "
			   "at most 63)", name);
	if (!config_setting_is_group(g))
		return bad(x, g, qpath, "expected a group { ... }");
	if (parent->depth + 1 > QUEUES_MAX_DEPTH || ++x->nqueues > QUEUES_MAX)
		return bad(x, g, qpath, "too many queues (at most %d, %d levels deep)", QUEUES_MAX,
			   QUEUES_MAX_DEPTH);
	if (queue_keys(x, g, qpath, &c) < 0)
		return -1;
	struct rm_queue *q = queue_add(x->t, parent, name, &c);
	q->depth = parent->depth + 1; /* derive sets it too; the depth cap needs it now */
	const config_setting_t *kids = config_setting_get_member(g, "queues");
	return kids != NULL ? read_children(x, q, kids, false) : 0;
}

/*
 * Reads the queues of group g as children of parent, then checks that their guarantees
 * fit in it. At the top, "default" holding a string names the default leaf.
 */
static int read_children(struct qload *x, struct rm_queue *parent, const config_setting_t *g,
			 bool top)
{
	double sum[QR_N] = { 0 };

	if (!config_setting_is_group(g))
		return bad(x, g, parent->path, "queues: expected a group { name = { ... }; ... }");
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		if (top && strcmp(config_setting_name(s), "default") == 0 &&
		    config_setting_type(s) == CONFIG_TYPE_STRING)
			continue;
		if (read_queue(x, parent, s) < 0)
			return -1;
	}
	for (size_t i = 0; i < parent->nchildren; i++)
		for (int r = 0; r < QR_N; r++)
			sum[r] += parent->children[i]->c.guar_pct[r];
	for (int r = 0; r < QR_N; r++)
		if (sum[r] > 100 + 1e-9)
			return bad(x, g, parent->path,
				   "its children's guaranteed %s adds up to %g%% (over 100%%)",
				   qres_names[r], sum[r]);
	if (parent->nchildren == 0)
		return bad(x, g, parent->path, "a `queues` group with no queue in it");
	return 0;
}

/* The queues matching name (by path, or by last component); inner ones too. */
static void find_all(const struct rm_queue *q, const char *name, const struct rm_queue **hit,
		     int *nhit)
{
	if (strcmp(q->path, name) == 0 || (q->parent != NULL && strcmp(q->name, name) == 0)) {
		*hit = q;
		(*nhit)++;
	}
	for (size_t i = 0; i < q->nchildren; i++)
		find_all(q->children[i], name, hit, nhit);
}

static size_t count_leaves(const struct rm_queue *q)
{
	size_t n = q->nchildren == 0;

	for (size_t i = 0; i < q->nchildren; i++)
		n += count_leaves(q->children[i]);
	return n;
}

/* "root.a, root.b" for messages. */
static void leaf_names(const struct rm_queue *q, char *buf, size_t len, size_t *off)
{
	if (q->nchildren == 0 && *off < len)
		*off += (size_t)snprintf(buf + *off, len - *off, "%s%s", *off ? ", " : "", q->path);
	for (size_t i = 0; i < q->nchildren; i++)
		leaf_names(q->children[i], buf, len, off);
}

/* Checks the top-level default setting s (NULL: none) before derive picks it. */
static int check_default(struct qload *x, const config_setting_t *s, const config_setting_t *g)
{
	char leaves[512] = "";
	size_t off = 0;
	const struct rm_queue *hit = NULL;
	int nhit = 0;

	leaf_names(x->t->root, leaves, sizeof(leaves), &off);
	find_all(x->t->root, s != NULL ? config_setting_get_string(s) : "default", &hit, &nhit);
	if (s == NULL) {
		if (count_leaves(x->t->root) == 1 || (nhit == 1 && hit->nchildren == 0))
			return 0; /* the only leaf, or the one named default */
		return bad(x, g, NULL, "queues: no `default = \"...\";` and no leaf named "
			   "default (leaves: %s)", leaves);
	}
	const char *v = config_setting_get_string(s);
	if (nhit == 0)
		return bad(x, s, NULL, "queues.default: unknown queue '%s' (leaves: %s)", v, leaves);
	if (nhit > 1)
		return bad(x, s, NULL, "queues.default: '%s' names several queues: give the path "
			   "(leaves: %s)", v, leaves);
	if (hit->nchildren > 0)
		return bad(x, s, NULL, "queues.default: %s is not a leaf (leaves: %s)", hit->path,
			   leaves);
	return 0;
}

/* The tree of one leaf "default", guaranteed the whole cluster (no `queues` group). */
static void default_tree(struct queue_tree *t)
{
	struct queue_conf c;

	queue_conf_defaults(&c);
	for (int r = 0; r < QR_N; r++)
		c.guar_pct[r] = 100;
	queue_add(t, t->root, "default", &c);
}

/* Builds the tree from group g (NULL: none) and derives it. */
static int build(struct qload *x, const config_setting_t *g)
{
	char why[512];
	const config_setting_t *dflt = NULL;

	if (g == NULL) {
		default_tree(x->t);
	} else {
		if (read_children(x, x->t->root, g, true) < 0)
			return -1;
		dflt = config_setting_get_member(g, "default");
		if (dflt != NULL && config_setting_type(dflt) != CONFIG_TYPE_STRING)
			dflt = NULL; /* a queue named default, read above */
		if (check_default(x, dflt, g) < 0)
			return -1;
	}
	const char *name = dflt != NULL ? config_setting_get_string(dflt) : NULL;
	if (queue_tree_derive(x->t, name, why, sizeof(why)) < 0) {
		if (g == NULL)
			snprintf(x->err, x->errlen, "%s: queues: %s", x->file, why);
		else
			bad(x, g, NULL, "queues: %s", why);
		return -1;
	}
	return 0;
}

int conf_queues_load(const char *path, struct queue_tree *t, char *err, size_t errlen)
{
	struct qload x = { path != NULL ? path : "(no file)", t, 0, err, errlen };
	config_t cfg;
	int rc = 0;

	queue_tree_init(t);
	if (path == NULL) {
		if ((rc = build(&x, NULL)) < 0)
			queue_tree_free(t);
		return rc;
	}
	config_init(&cfg);
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		config_set_include_dir(&cfg, dir[0] ? dir : "/");
	}
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		const char *f = config_error_file(&cfg);
		snprintf(err, errlen, "%s:%d: %s", f != NULL ? f : path, config_error_line(&cfg),
			 config_error_text(&cfg));
		rc = -1;
	} else {
		rc = build(&x, config_lookup(&cfg, "queues"));
	}
	if (rc < 0) {
		queue_tree_free(t);
	}
	config_destroy(&cfg);
	free(dir);
	return rc;
}

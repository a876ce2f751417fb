/*
 * The queue tree from rmd.conf's `queues` group (format in conf-queues.h). Each queue's
 * group is read key by key through a table (conf-queue-keys.c); every error names
 * file:line, the queue's path and the key. The tree is built as it is read (queue_add)
 * and derived at the end (queue_tree_derive), so a bad file leaves nothing behind.
 */
#include <ctype.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-queue-keys.h"
#include "conf-queues.h"
#include "xmalloc.h"

#define QUEUES_MAX_DEPTH 16
#define QUEUES_MAX 4096

/* "file:line: queue PATH: ..." into the error buffer; returns -1. */
int qload_bad(struct qload *x, const config_setting_t *s, const char *qpath, const char *fmt,
	      ...)
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
		return qload_bad(x, g, qpath, "bad name '%s' (a letter, then letters, digits, _ "
				 "or -; at most 63)", name);
	if (!config_setting_is_group(g))
		return qload_bad(x, g, qpath, "expected a group { ... }");
	if (parent->depth + 1 > QUEUES_MAX_DEPTH || ++x->nqueues > QUEUES_MAX)
		return qload_bad(x, g, qpath, "too many queues (at most %d, %d levels deep)",
				 QUEUES_MAX, QUEUES_MAX_DEPTH);
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
		return qload_bad(x, g, parent->path,
				 "queues: expected a group { name = { ... }; ... }");
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
			return qload_bad(x, g, parent->path,
					 "its children's guaranteed %s adds up to %g%% (over "
					 "100%%)", qres_names[r], sum[r]);
	if (parent->nchildren == 0)
		return qload_bad(x, g, parent->path, "a `queues` group with no queue in it");
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
		return qload_bad(x, g, NULL, "queues: no `default = \"...\";` and no leaf named "
				 "default (leaves: %s)", leaves);
	}
	const char *v = config_setting_get_string(s);
	if (nhit == 0)
		return qload_bad(x, s, NULL, "queues.default: unknown queue '%s' (leaves: %s)", v,
				 leaves);
	if (nhit > 1)
		return qload_bad(x, s, NULL, "queues.default: '%s' names several queues: give "
				 "the path (leaves: %s)", v, leaves);
	if (hit->nchildren > 0)
		return qload_bad(x, s, NULL, "queues.default: %s is not a leaf (leaves: %s)",
				 hit->path, leaves);
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
			qload_bad(x, g, NULL, "queues: %s", why);
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

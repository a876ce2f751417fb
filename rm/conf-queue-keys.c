/*
 * The keys of one queue's group in rmd.conf's `queues` (format in conf-queues.h): shares
 * (guaranteed, maximum, weight), limits (running jobs, user share) and policy (state,
 * order, preemptable), read through a table into a queue_conf. The tree walk that calls
 * queue_keys for each queue is conf-queues.c.
 */
#include <libconfig.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf-queue-keys.h"

#define QUEUES_MAX_JOBS 1000000

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
		return qload_bad(x, s, qpath, "%s: expected a number (percent)", key);
	if (*out < 0 || *out > 100)
		return qload_bad(x, s, qpath, "%s: %g is not a percent (0..100)", key, *out);
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
			return qload_bad(x, e, qpath,
					 "%s: unknown resource '%s' (vcores, memory, gpus)", key,
					 rn);
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
		return qload_bad(x, s, qpath, "weight: expected a number above 0 (up to 1e6)");
	return 0;
}

static int jobs_limit(struct qload *x, const config_setting_t *s, const char *qpath,
		      int32_t *out)
{
	const char *key = config_setting_name(s);

	if (!is_int(s))
		return qload_bad(x, s, qpath, "%s: expected an integer (0 = no limit)", key);
	long long v = config_setting_get_int64(s);
	if (v < 0 || v > QUEUES_MAX_JOBS)
		return qload_bad(x, s, qpath, "%s: %lld is outside 0..%d (0 = no limit)", key, v,
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
		return qload_bad(x, s, qpath, "user_max_share: 0 would let no user run anything");
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
		qload_bad(x, s, qpath, "%s: expected a string (%s)", config_setting_name(s), known);
	else
		qload_bad(x, s, qpath, "%s: '%s' is not one of %s", config_setting_name(s), v,
			  known);
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
		return qload_bad(x, s, qpath, "preemptable: expected true or false");
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
	return qload_bad(x, s, qpath, "unknown key '%s' (known: %s)", config_setting_name(s),
			 known);
}

/* Reads the keys of queue group g into c (defaults first) and checks them together. */
int queue_keys(struct qload *x, const config_setting_t *g, const char *qpath,
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
			return qload_bad(x, g, qpath,
					 "guaranteed %s %g%% is above its maximum %g%%",
					 qres_names[r], c->guar_pct[r], c->max_pct[r]);
	return 0;
}

/*
 * The job file's keys that shape scheduling: resources, gang, time limit, preferred nodes
 * and speculation. The reading rules (types, ranges, file:line errors) are jobfile.c's.
 */
#include <libconfig.h>
#include <stddef.h>
#include <stdio.h>

#include "client.h"
#include "jobfile.h"

/* vcores = 2; or 0.5; or "2". */
static int set_vcores(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	char num[64], msg[256];

	if (jf_is_int(v))
		snprintf(num, sizeof num, "%lld", config_setting_get_int64(v));
	else if (config_setting_type(v) == CONFIG_TYPE_FLOAT)
		snprintf(num, sizeof num, "%.17g", config_setting_get_float(v));
	else if (config_setting_type(v) == CONFIG_TYPE_STRING)
		snprintf(num, sizeof num, "%s", config_setting_get_string(v));
	else
		return jf_fail(c, v, "must be a number, not %s", jf_type_name(v));
	return jf_check(c, v, res_parse_vcores(num, &c->s->res.vcores_m, msg, sizeof msg), msg);
}

/* memory = "512M"; or 512 (MiB). */
static int set_memory(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	char msg[256];

	if (jf_is_int(v)) {
		c->s->res.mem_mb = config_setting_get_int64(v);
	} else if (config_setting_type(v) == CONFIG_TYPE_STRING) {
		if (res_parse_mem(config_setting_get_string(v), &c->s->res.mem_mb, msg,
				  sizeof msg) < 0)
			return jf_fail(c, v, "%s", msg);
	} else {
		return jf_fail(c, v, "must be a size such as \"512M\", not %s", jf_type_name(v));
	}
	if (c->s->res.mem_mb <= 0)
		return jf_fail(c, v, "must be more than 0");
	return 0;
}

/* gang = true; (or false). */
int jf_set_gang(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	if (config_setting_type(v) != CONFIG_TYPE_BOOL)
		return jf_fail(c, v, "must be true or false, not %s", jf_type_name(v));
	c->s->gang = config_setting_get_bool(v);
	return 0;
}

/* time_limit = "10m"; a string, since a bare 10 could mean seconds or minutes. */
int jf_set_time_limit(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	char msg[256];

	if (config_setting_type(v) != CONFIG_TYPE_STRING)
		return jf_fail(c, v, "must be a string such as \"10m\" or \"1:30:00\", not %s",
			       jf_type_name(v));
	return jf_check(c, v, spec_parse_time_limit(config_setting_get_string(v),
						    &c->s->time_limit_ms, msg, sizeof msg), msg);
}

/* prefer = ( ("node-1", "node-2"), (), ("node-3") ); entry i is task i's list. */
int jf_set_prefer(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	char msg[256];

	if (!jf_is_list(v))
		return jf_fail(c, v, "must be a list of node lists, e.g. ((\"node-1\"), (\"node-2\"))");
	spec_clear_prefer(c->s);
	for (int i = 0; i < config_setting_length(v); i++) {
		const config_setting_t *t = config_setting_get_elem(v, (unsigned)i);
		if (!jf_is_list(t))
			return jf_fail(c, v, "task %d: must be a list of node names, not %s", i,
				       jf_type_name(t));
		if (spec_prefer_task(c->s, i, msg, sizeof msg) < 0)
			return jf_fail(c, v, "%s", msg);
		for (int n = 0; n < config_setting_length(t); n++) {
			const config_setting_t *e = config_setting_get_elem(t, (unsigned)n);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				return jf_fail(c, v, "task %d: node %d must be a string, not %s", i,
					       n, jf_type_name(e));
			if (spec_add_prefer(c->s, i, config_setting_get_string(e), msg,
					    sizeof msg) < 0)
				return jf_fail(c, v, "task %d: %s", i, msg);
		}
	}
	return 0;
}

static const struct jf_key res_keys[] = {
	{ "vcores", set_vcores, 0, 0, 0 },
	{ "memory", set_memory, 0, 0, 0 },
	{ "gpus", jf_set_int64, 0, 1024, OFF(res.gpus) },
};

int jf_set_resources(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	if (!config_setting_is_group(v))
		return jf_fail(c, v, "must be a group, e.g. { vcores = 1; memory = \"512M\"; }");
	return jf_apply(c, v, res_keys, sizeof res_keys / sizeof res_keys[0]);
}

/* speculation = true; (or false): this job's choice over rmd's default. */
int jf_set_speculation(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	if (config_setting_type(v) != CONFIG_TYPE_BOOL)
		return jf_fail(c, v, "must be true or false, not %s", jf_type_name(v));
	c->s->speculation.mode = config_setting_get_bool(v) ? SPECULATE_ON : SPECULATE_OFF;
	return 0;
}

/* speculation_params = { multiplier_pct = 200; ... }: overrides of rmd's spec_* keys. */
static const struct jf_key spec_keys[] = {
	{ "slow_task_pct", jf_set_int32, 1, 99, OFF(speculation.slow_task_pct) },
	{ "slow_node_pct", jf_set_int32, 1, 99, OFF(speculation.slow_node_pct) },
	{ "cap_pct", jf_set_int32, 1, 100, OFF(speculation.cap_pct) },
	{ "multiplier_pct", jf_set_int32, 100, 10000, OFF(speculation.multiplier_pct) },
	{ "quantile_pct", jf_set_int32, 1, 100, OFF(speculation.quantile_pct) },
	{ "min_runtime_ms", jf_set_int64, 1, 86400000, OFF(speculation.min_runtime_ms) },
};

int jf_set_spec_params(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	if (!config_setting_is_group(v))
		return jf_fail(c, v, "must be a group, e.g. { multiplier_pct = 200; }");
	return jf_apply(c, v, spec_keys, sizeof spec_keys / sizeof spec_keys[0]);
}

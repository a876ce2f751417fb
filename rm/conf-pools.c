/*
 * The autoscaler's node pools from rmd.conf: a libconfig list `pools = ( { ... }, ... );`.
 * Each group is read through a small conf table (conf.h), so a pool's keys get the same
 * types, units, ranges and file:line errors as every other key.
 */
#include <libconfig.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoscale-run.h"
#include "xmalloc.h"

struct pool_raw {
	char *name, *hook;
	int64_t min, max, max_step, hook_retries;
	int64_t grow_delay, idle_timeout, cooldown, start_timeout, hook_timeout;
	int64_t vcores_m, mem_mb, gpus;
};

#define F(field) offsetof(struct pool_raw, field)
#define DAY_MS (24LL * 3600 * 1000)

static const struct conf_entry pool_table[] = {
	{ "name", CONF_STR, 1, 63, NULL, F(name), "the pool's name (nodes' names are the hook's)" },
	{ "hook", CONF_STR, 1, 4095, NULL, F(hook),
	  "executable run as `hook add POOL COUNT` / `hook remove POOL NODE...` (relative: "
	  "to the directory of the configuration file)" },
	{ "min", CONF_INT, 0, 100000, "0", F(min), "nodes kept however idle (0: scale to zero)" },
	{ "max", CONF_INT, 1, 100000, "4", F(max), "nodes the pool never grows beyond" },
	{ "max_step", CONF_INT, 1, 100000, "10", F(max_step), "nodes asked for at once, at most" },
	{ "grow_delay", CONF_MS, 0, DAY_MS, "\"1s\"", F(grow_delay),
	  "how long tasks must wait unplaced before nodes are asked for" },
	{ "idle_timeout", CONF_MS, 0, DAY_MS, "\"5m\"", F(idle_timeout),
	  "a node with no live attempt for this long is drained and released" },
	{ "cooldown", CONF_MS, 0, DAY_MS, "\"1m\"", F(cooldown),
	  "after a scale action of the pool, no node of it is drained for this long" },
	{ "start_timeout", CONF_MS, 1000, DAY_MS, "\"2m\"", F(start_timeout),
	  "a node asked for but not registered after this is given up and asked again" },
	{ "hook_timeout", CONF_MS, 100, DAY_MS, "\"30s\"", F(hook_timeout),
	  "a hook running longer is stopped (SIGTERM, then SIGKILL) and counts as failed" },
	{ "hook_retries", CONF_INT, 0, 100, "3", F(hook_retries),
	  "runs of a failed hook after the first, with doubling backoff from 1s" },
	{ "node.vcores", CONF_VCORES_M, 1, 1000000000, "4", F(vcores_m), "vcores of one node" },
	{ "node.memory", CONF_MEM_MB, 1, 1LL << 40, "\"4G\"", F(mem_mb), "memory of one node" },
	{ "node.gpus", CONF_INT, 0, 1000000, "0", F(gpus), "gpus of one node" },
};
static const size_t pool_n = sizeof(pool_table) / sizeof(pool_table[0]);

static const char *where(const config_setting_t *s, const char *path)
{
	const char *f = config_setting_source_file(s);
	return f != NULL ? f : path;
}

/* Applies one setting of a pool group (recursing into "node") through conf_set. */
static int pool_setting(struct pool_raw *r, char ***labels, const config_setting_t *s,
			const char *prefix, const char *path, char *err, size_t errlen)
{
	char key[128], kv[4500], why[400];
	int line = config_setting_source_line(s);

	snprintf(key, sizeof(key), "%s%s", prefix, config_setting_name(s));
	if (strcmp(key, "node") == 0 && config_setting_is_group(s)) {
		for (int i = 0; i < config_setting_length(s); i++)
			if (pool_setting(r, labels, config_setting_get_elem(s, (unsigned)i), "node.",
					 path, err, errlen) < 0)
				return -1;
		return 0;
	}
	if (strcmp(key, "labels") == 0) {
		int n = config_setting_length(s);
		if (!config_setting_is_aggregate(s))
			goto bad_labels;
		*labels = xcalloc((size_t)n + 1, sizeof(char *));
		for (int i = 0; i < n; i++) {
			const char *l = config_setting_get_string_elem(s, i);
			if (l == NULL)
				goto bad_labels;
			(*labels)[i] = xstrdup(l);
		}
		return 0;
	}
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		snprintf(kv, sizeof(kv), "%s=%lld", key, (long long)config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		snprintf(kv, sizeof(kv), "%s=%.17g", key, config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		snprintf(kv, sizeof(kv), "%s=%s", key, config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING:
		snprintf(kv, sizeof(kv), "%s=%s", key, config_setting_get_string(s));
		break;
	default:
		snprintf(err, errlen, "%s:%d: pools: %s: expected a value", where(s, path), line, key);
		return -1;
	}
	if (conf_set(pool_table, pool_n, r, kv, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s:%d: pools: %s", where(s, path), line, why);
		return -1;
	}
	return 0;
bad_labels:
	snprintf(err, errlen, "%s:%d: pools: labels: expected a list of strings", where(s, path),
		 line);
	return -1;
}

/* A relative hook path is taken from the configuration file's directory. */
static char *hook_path(const char *hook, const char *conf_path)
{
	const char *slash = strrchr(conf_path, '/');
	if (hook[0] == '/' || slash == NULL)
		return xstrdup(hook);
	return xasprintf("%.*s/%s", (int)(slash - conf_path), conf_path, hook);
}

/* Reads pool group g into p; -1 with err filled. */
static int pool_read(struct as_pool *p, const config_setting_t *g, const char *path,
		     char *err, size_t errlen)
{
	struct pool_raw r;
	char **labels = NULL;
	int line = config_setting_source_line(g);
	int rc = -1;

	if (conf_defaults(pool_table, pool_n, &r, err, errlen) < 0)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++)
		if (pool_setting(&r, &labels, config_setting_get_elem(g, (unsigned)i), "", path, err,
				 errlen) < 0)
			goto out;
	if (r.name == NULL || r.hook == NULL) {
		snprintf(err, errlen, "%s:%d: pools: a pool needs a name and a hook", where(g, path),
			 line);
		goto out;
	}
	if (r.min > r.max) {
		snprintf(err, errlen, "%s:%d: pools: %s: min %lld is above max %lld", where(g, path),
			 line, r.name, (long long)r.min, (long long)r.max);
		goto out;
	}
	memset(p, 0, sizeof(*p));
	p->c.name = xstrdup(r.name);
	p->c.hook = hook_path(r.hook, path);
	p->c.labels = labels ? labels : xcalloc(1, sizeof(char *));
	labels = NULL;
	p->c.node.vcores_m = r.vcores_m;
	p->c.node.mem_mb = r.mem_mb;
	p->c.node.gpus = r.gpus;
	p->c.min = (int32_t)r.min;
	p->c.max = (int32_t)r.max;
	p->c.max_step = (int32_t)r.max_step;
	p->c.grow_delay_us = r.grow_delay * 1000;
	p->c.idle_timeout_us = r.idle_timeout * 1000;
	p->c.cooldown_us = r.cooldown * 1000;
	p->c.start_timeout_us = r.start_timeout * 1000;
	p->c.hook_timeout_us = r.hook_timeout * 1000;
	p->c.hook_retries = (int32_t)r.hook_retries;
	snprintf(p->decision, sizeof(p->decision), "none yet");
	snprintf(p->hook_result, sizeof(p->hook_result), "none yet");
	rc = 0;
out:
	for (char **l = labels; l != NULL && *l != NULL; l++)
		free(*l);
	free(labels);
	conf_free(pool_table, pool_n, &r);
	return rc;
}

int pools_load(const char *path, struct as_state *s, char *err, size_t errlen)
{
	config_t cfg;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (path == NULL)
		return 0;
	config_init(&cfg);
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		config_set_include_dir(&cfg, dir[0] ? dir : "/");
	}
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
			 config_error_text(&cfg));
		rc = -1;
		goto out;
	}
	const config_setting_t *list = config_lookup(&cfg, "pools");
	if (list == NULL)
		goto out;
	if (!config_setting_is_aggregate(list)) {
		snprintf(err, errlen, "%s:%d: pools: expected a list of groups ( { ... }, ... )",
			 where(list, path), config_setting_source_line(list));
		rc = -1;
		goto out;
	}
	int n = config_setting_length(list);
	s->pools = xcalloc((size_t)n + 1, sizeof(*s->pools));
	for (int i = 0; i < n && rc == 0; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		if (!config_setting_is_group(g)) {
			snprintf(err, errlen, "%s:%d: pools: element %d is not a group { ... }",
				 where(g, path), config_setting_source_line(g), i + 1);
			rc = -1;
		} else if ((rc = pool_read(&s->pools[i], g, path, err, errlen)) == 0) {
			s->npools++;
			for (size_t k = 0; k + 1 < s->npools; k++)
				if (strcmp(s->pools[k].c.name, s->pools[i].c.name) == 0) {
					snprintf(err, errlen, "%s:%d: pools: two pools named '%s'",
						 where(g, path), config_setting_source_line(g),
						 s->pools[i].c.name);
					rc = -1;
				}
		}
	}
	if (rc < 0)
		as_state_free(s);
out:
	config_destroy(&cfg);
	free(dir);
	return rc;
}

/*
 * The job file of rmsubmit -f: a libconfig file read into a job_spec through a table of
 * keys (the scheduling keys' setters are in jobfile-sched.c). Every error names the file,
 * the line and the key; unknown keys are errors too, so that a typo ("taks = 16") does not
 * quietly submit a one-task job.
 */
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "jobfile.h"
#include "xmalloc.h"

/* "job.cfg:7: resources.memory: <message>"; returns -1. */
int jf_fail(struct jf_ctx *c, const config_setting_t *v, const char *fmt, ...)
{
	char msg[512];
	const config_setting_t *parent = config_setting_parent(v);
	const char *pname = parent != NULL ? config_setting_name(parent) : NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%d: %s%s%s: %s", c->path, config_setting_source_line(v),
		 pname ? pname : "", pname ? "." : "", config_setting_name(v), msg);
	return -1;
}

const char *jf_type_name(const config_setting_t *v)
{
	switch (config_setting_type(v)) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT: case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: case CONFIG_TYPE_LIST: return "a list";
	default: return "something else";
	}
}

bool jf_is_int(const config_setting_t *v)
{
	int t = config_setting_type(v);
	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

/* An integer in [min, max], with the message naming what is wrong. */
static int jf_int(struct jf_ctx *c, const config_setting_t *v, long long min, long long max,
		  long long *out)
{
	if (!jf_is_int(v))
		return jf_fail(c, v, "must be an integer, not %s", jf_type_name(v));
	*out = config_setting_get_int64(v);
	if (*out < min || *out > max)
		return jf_fail(c, v, "must be %lld..%lld, not %lld", min, max, *out);
	return 0;
}

static const char *jf_string(struct jf_ctx *c, const config_setting_t *v)
{
	if (config_setting_type(v) != CONFIG_TYPE_STRING) {
		jf_fail(c, v, "must be a string, not %s", jf_type_name(v));
		return NULL;
	}
	return config_setting_get_string(v);
}

/* Runs a setter's spec helper, turning its message into one with file and line. */
int jf_check(struct jf_ctx *c, const config_setting_t *v, int rc, const char *msg)
{
	return rc < 0 ? jf_fail(c, v, "%s", msg) : 0;
}

/* A fixed-size string field (name, queue). */
static int set_str(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	const char *s = jf_string(c, v);
	char msg[256];
	return s == NULL ? -1
			 : jf_check(c, v, spec_set_name(FIELD(c, k, char), (size_t)k->max,
							k->name, s, msg, sizeof msg), msg);
}

int jf_set_int32(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	long long n = 0;
	if (jf_int(c, v, k->min, k->max, &n) < 0)
		return -1;
	*FIELD(c, k, int32_t) = (int32_t)n;
	return 0;
}

int jf_set_int64(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	long long n = 0;
	if (jf_int(c, v, k->min, k->max, &n) < 0)
		return -1;
	*FIELD(c, k, int64_t) = n;
	return 0;
}

/* A path field (output, workdir); relative paths start at the file's directory. */
static int set_path(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	const char *s = jf_string(c, v);
	char msg[256];
	return s == NULL ? -1
			 : jf_check(c, v, spec_set_path(FIELD(c, k, char *), c->dir, s, k->name, msg,
							sizeof msg), msg);
}

bool jf_is_list(const config_setting_t *v)
{
	return config_setting_is_array(v) || config_setting_is_list(v);
}

static int set_command(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	int n = jf_is_list(v) ? config_setting_length(v) : 0;
	char **argv;

	if (!jf_is_list(v) || n == 0)
		return jf_fail(c, v, "must be a non-empty list of strings, e.g. [\"prog\", \"arg\"]");
	argv = xcalloc((size_t)n, sizeof *argv);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(v, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			free(argv);
			return jf_fail(c, v, "element %d must be a string, not %s", i,
				       jf_type_name(e));
		}
		argv[i] = (char *)config_setting_get_string(e);
	}
	spec_set_argv(c->s, argv, n);
	free(argv);
	c->has_command = true;
	return 0;
}

static int set_shell(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	const char *s = jf_string(c, v);
	if (s == NULL)
		return -1;
	if (s[0] == '\0')
		return jf_fail(c, v, "is empty");
	spec_set_shell(c->s, s);
	c->has_shell = true;
	return 0;
}

/* env = { NAME = "value"; THREADS = 4; }: strings, or integers written as text. */
static int set_env(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	char msg[256];

	if (!config_setting_is_group(v))
		return jf_fail(c, v, "must be a group, e.g. { REGION = \"emea\"; }");
	for (int i = 0; i < config_setting_length(v); i++) {
		const config_setting_t *e = config_setting_get_elem(v, (unsigned)i);
		char *kv;
		if (config_setting_type(e) == CONFIG_TYPE_STRING)
			kv = xasprintf("%s=%s", config_setting_name(e), config_setting_get_string(e));
		else if (jf_is_int(e))
			kv = xasprintf("%s=%lld", config_setting_name(e), config_setting_get_int64(e));
		else
			return jf_fail(c, e, "must be a string, not %s", jf_type_name(e));
		int rc = spec_add_env(c->s, kv, msg, sizeof msg);
		free(kv);
		if (rc < 0)
			return jf_fail(c, e, "%s", msg);
	}
	return 0;
}

/* after = [ "job-3", "job-4" ] (job numbers alone are accepted too). */
static int set_after(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	char msg[256], num[32];

	if (!jf_is_list(v))
		return jf_fail(c, v, "must be a list of job ids, e.g. [\"job-3\"]");
	for (int i = 0; i < config_setting_length(v); i++) {
		const config_setting_t *e = config_setting_get_elem(v, (unsigned)i);
		const char *id = num;
		if (config_setting_type(e) == CONFIG_TYPE_STRING)
			id = config_setting_get_string(e);
		else if (jf_is_int(e))
			snprintf(num, sizeof num, "%lld", config_setting_get_int64(e));
		else
			return jf_fail(c, v, "element %d must be a job id, not %s", i,
				       jf_type_name(e));
		if (spec_add_after(c->s, id, msg, sizeof msg) < 0)
			return jf_fail(c, v, "%s", msg);
	}
	return 0;
}

/* require_labels = [ "ssd" ]; exclude_labels = [ "flaky" ]; (k->max: 1 = exclude). */
static int set_labels(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v)
{
	char msg[256];

	if (!jf_is_list(v))
		return jf_fail(c, v, "must be a list of labels, e.g. [\"ssd\"]");
	for (int i = 0; i < config_setting_length(v); i++) {
		const config_setting_t *e = config_setting_get_elem(v, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return jf_fail(c, v, "element %d must be a string, not %s", i,
				       jf_type_name(e));
		if (spec_add_label(c->s, k->max != 0, config_setting_get_string(e), msg,
				   sizeof msg) < 0)
			return jf_fail(c, v, "%s", msg);
	}
	return 0;
}

/* The keys of the file, in the order the docs list them. */
static const struct jf_key jf_keys[] = {
	{ "name", set_str, 0, PROTO_NAME_MAX, OFF(name) },
	{ "tasks", jf_set_int32, 1, PROTO_MAX_TASKS, OFF(ntasks) },
	{ "command", set_command, 0, 0, 0 },
	{ "shell", set_shell, 0, 0, 0 },
	{ "resources", jf_set_resources, 0, 0, 0 },
	{ "max_attempts", jf_set_int32, 1, 100, OFF(max_attempts) },
	{ "priority", jf_set_int32, -1000, 1000, OFF(priority) },
	{ "queue", set_str, 0, PROTO_NAME_MAX, OFF(queue) },
	{ "output", set_path, 0, 0, OFF(output_dir) },
	{ "workdir", set_path, 0, 0, OFF(workdir) },
	{ "env", set_env, 0, 0, 0 },
	{ "after", set_after, 0, 0, 0 },
	{ "require_labels", set_labels, 0, 0, 0 },
	{ "exclude_labels", set_labels, 0, 1, 0 },
	{ "speculation", jf_set_speculation, 0, 0, 0 },
	{ "speculation_params", jf_set_spec_params, 0, 0, 0 },
	{ "gang", jf_set_gang, 0, 0, 0 },
	{ "time_limit", jf_set_time_limit, 0, 0, 0 },
	{ "prefer", jf_set_prefer, 0, 0, 0 },
};

/* Runs the setter of every key in group; a key not in the table is an error. */
int jf_apply(struct jf_ctx *c, const config_setting_t *group, const struct jf_key *keys,
	     size_t n)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *v = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(v);
		size_t k = 0;
		while (k < n && strcmp(keys[k].name, name) != 0)
			k++;
		if (k < n) {
			if (keys[k].set(c, &keys[k], v) < 0)
				return -1;
			continue;
		}
		char known[512] = "";
		for (size_t j = 0; j < n; j++)
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
				 j ? ", " : "", keys[j].name);
		snprintf(c->err, c->errlen, "%s:%d: unknown key '%s' (known: %s)", c->path,
			 config_setting_source_line(v), name, known);
		return -1;
	}
	return 0;
}

/* The directory holding path, absolute, so that "output = "out";" means next to the file. */
static int file_dir(const char *path, char *dir)
{
	char *slash;

	if (realpath(path, dir) == NULL)
		return -1;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	return 0;
}

int jobfile_load(const char *path, struct job_spec *s, char *err, size_t errlen)
{
	struct jf_ctx c = { .path = path, .s = s, .err = err, .errlen = errlen };
	config_t cfg;
	FILE *f = fopen(path, "r");
	int rc = -1;

	if (f == NULL || file_dir(path, c.dir) < 0) {
		snprintf(err, errlen, "cannot read job file '%s': %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	config_init(&cfg);
	if (config_read(&cfg, f) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
			 config_error_text(&cfg));
	} else if (jf_apply(&c, config_root_setting(&cfg), jf_keys,
			    sizeof jf_keys / sizeof jf_keys[0]) == 0) {
		rc = 0;
		if (c.has_command && c.has_shell) {
			snprintf(err, errlen, "%s: give either command or shell, not both", path);
			rc = -1;
		}
	}
	config_destroy(&cfg);
	fclose(f);
	return rc;
}

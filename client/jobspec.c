/*
 * Building a job_spec piece by piece, shared by the job file reader and the command line
 * (which overrides the file), and the final check with messages for people.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "mpr.h"
#include "xmalloc.h"

#define SPEC_DEFAULT_MEM_MB 512

void spec_init(struct job_spec *s)
{
	memset(s, 0, sizeof *s);
	s->ntasks = 1;
	s->res.vcores_m = 1000;
	s->res.mem_mb = SPEC_DEFAULT_MEM_MB;
	s->max_attempts = 0; /* the cluster's default */
	s->env = xcalloc(1, sizeof *s->env);
	s->output_dir = xstrdup("");
	s->workdir = xstrdup("");
}

int spec_set_name(char *dst, size_t size, const char *what, const char *v, char *err,
		  size_t errlen)
{
	if (strlen(v) >= size) {
		snprintf(err, errlen, "%s is longer than %zu bytes", what, size - 1);
		return -1;
	}
	for (const char *p = v; *p != '\0'; p++) {
		if (iscntrl((unsigned char)*p)) {
			snprintf(err, errlen, "%s may not hold control characters", what);
			return -1;
		}
	}
	snprintf(dst, size, "%s", v);
	return 0;
}

void spec_set_argv(struct job_spec *s, char *const *argv, int n)
{
	mpr_strv_free(s->argv);
	s->argv = xcalloc((size_t)n + 1, sizeof *s->argv);
	for (int i = 0; i < n; i++)
		s->argv[i] = xstrdup(argv[i]);
	s->nargv = n;
}

void spec_set_shell(struct job_spec *s, const char *cmd)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd };
	spec_set_argv(s, argv, 3);
}

/* Environment names as a shell accepts them: a letter or _, then letters, digits, _. */
static bool env_name_ok(const char *k, size_t n)
{
	if (n == 0 || isdigit((unsigned char)k[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_')
			return false;
	return true;
}

int spec_add_env(struct job_spec *s, const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq != NULL ? (size_t)(eq - kv) : 0;

	if (eq == NULL || !env_name_ok(kv, klen)) {
		snprintf(err, errlen, "environment '%s' is not NAME=VALUE (NAME: letters, digits, _)",
			 kv);
		return -1;
	}
	for (int i = 0; i < s->nenv; i++) {
		if (strncmp(s->env[i], kv, klen + 1) == 0) { /* same NAME= : the later one wins */
			free(s->env[i]);
			s->env[i] = xstrdup(kv);
			return 0;
		}
	}
	if (s->nenv >= PROTO_MAX_ENV) {
		snprintf(err, errlen, "more than %d environment variables", PROTO_MAX_ENV);
		return -1;
	}
	s->env = xrealloc(s->env, ((size_t)s->nenv + 2) * sizeof *s->env);
	s->env[s->nenv++] = xstrdup(kv);
	s->env[s->nenv] = NULL;
	return 0;
}

int spec_add_after(struct job_spec *s, const char *job, char *err, size_t errlen)
{
	struct loom_id id;

	if (id_parse(job, &id) < 0 || !id_is_job(&id)) {
		snprintf(err, errlen, "'%s' is not a job id (e.g. job-3)", job);
		return -1;
	}
	for (int i = 0; i < s->nafter; i++)
		if (s->after[i] == id.job)
			return 0;
	if (s->nafter >= PROTO_MAX_DEPS) {
		snprintf(err, errlen, "more than %d dependencies", PROTO_MAX_DEPS);
		return -1;
	}
	s->after[s->nafter++] = id.job;
	return 0;
}

static bool strv_has(char *const *v, int n, const char *x)
{
	for (int i = 0; v != NULL && i < n; i++)
		if (strcmp(v[i], x) == 0)
			return true;
	return false;
}

int spec_add_label(struct job_spec *s, bool exclude, const char *label, char *err,
		   size_t errlen)
{
	char ***v = exclude ? &s->exclude_labels : &s->require_labels;
	int *n = exclude ? &s->nexclude_labels : &s->nrequire_labels;
	size_t len = strlen(label);

	if (len == 0 || len >= PROTO_LABEL_MAX) {
		snprintf(err, errlen, "label '%s' must be 1 to %d characters long", label,
			 PROTO_LABEL_MAX - 1);
		return -1;
	}
	for (const char *p = label; *p != '\0'; p++) {
		if (iscntrl((unsigned char)*p)) {
			snprintf(err, errlen, "a label may not hold control characters");
			return -1;
		}
	}
	if (strv_has(exclude ? s->require_labels : s->exclude_labels,
		     exclude ? s->nrequire_labels : s->nexclude_labels, label)) {
		snprintf(err, errlen, "label '%s' is both required and excluded", label);
		return -1;
	}
	if (strv_has(*v, *n, label))
		return 0;
	if (*n >= PROTO_MAX_LABELS) {
		snprintf(err, errlen, "more than %d %s labels", PROTO_MAX_LABELS,
			 exclude ? "excluded" : "required");
		return -1;
	}
	*v = xrealloc(*v, ((size_t)*n + 2) * sizeof **v);
	(*v)[(*n)++] = xstrdup(label);
	(*v)[*n] = NULL;
	return 0;
}

/* Drops "." and "x/.." components and doubled slashes from an absolute path, in place. */
static void path_clean(char *p)
{
	char *out = p, *in = p;

	while (*in != '\0') {
		while (*in == '/')
			in++;
		char *end = in + strcspn(in, "/");
		size_t n = (size_t)(end - in);
		bool dot = n == 1 && in[0] == '.', dotdot = n == 2 && in[0] == '.' && in[1] == '.';
		if (dotdot) {
			while (out > p && *--out != '/')
				;
		} else if (n > 0 && !dot) {
			*out++ = '/';
			memmove(out, in, n);
			out += n;
		}
		in = end;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

int spec_set_path(char **dst, const char *base, const char *path, const char *what,
		  char *err, size_t errlen)
{
	char cwd[PROTO_PATH_MAX];
	char *abs;

	if (path[0] == '\0') {
		free(*dst);
		*dst = xstrdup("");
		return 0;
	}
	if (path[0] != '/' && base == NULL && getcwd(cwd, sizeof cwd) == NULL) {
		snprintf(err, errlen, "%s '%s': cannot find the current directory", what, path);
		return -1;
	}
	abs = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", base ? base : cwd, path);
	path_clean(abs);
	if (strlen(abs) >= PROTO_PATH_MAX) {
		snprintf(err, errlen, "%s is longer than %d bytes", what, PROTO_PATH_MAX - 1);
		free(abs);
		return -1;
	}
	free(*dst);
	*dst = abs;
	return 0;
}

int spec_check(const struct job_spec *s, char *err, size_t errlen)
{
	if (s->nargv < 1 || s->argv == NULL) {
		snprintf(err, errlen, "no command: give -- COMMAND [ARGS...], --wrap 'shell command' "
				      "or a job file (-f) with command or shell");
		return -1;
	}
	if (s->argv[0][0] == '\0') {
		snprintf(err, errlen, "the command is an empty string");
		return -1;
	}
	if (s->nargv > PROTO_MAX_ARGV) {
		snprintf(err, errlen, "the command has more than %d arguments", PROTO_MAX_ARGV);
		return -1;
	}
	if (s->ntasks < 1 || s->ntasks > PROTO_MAX_TASKS) {
		snprintf(err, errlen, "tasks must be 1..%d, not %d", PROTO_MAX_TASKS, s->ntasks);
		return -1;
	}
	if (s->max_attempts < 0 || s->max_attempts > 100) {
		snprintf(err, errlen, "max attempts must be 1..100, not %d", s->max_attempts);
		return -1;
	}
	if (s->priority < -1000 || s->priority > 1000) {
		snprintf(err, errlen, "priority must be -1000..1000, not %d", s->priority);
		return -1;
	}
	if (s->res.vcores_m <= 0 || s->res.mem_mb <= 0 || s->res.gpus < 0) {
		snprintf(err, errlen, "a task needs more than 0 vcores and 0 memory, and gpus >= 0");
		return -1;
	}
	return spec_check_sched(s, err, errlen);
}

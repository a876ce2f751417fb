/*
 * The scheduling parts of a job spec that rmsubmit's flags and job file share: the time
 * limit, written the way people and Slurm users write durations, and the preferred nodes
 * of each task (data locality).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "xmalloc.h"

#define TIME_EXAMPLES "e.g. 90s, 10m, 2h, 1d, or Slurm's MM, MM:SS, HH:MM:SS, D-HH:MM:SS"

/* A run of 1..9 digits at *p (9: no overflow before the range check); advances *p. */
static bool digits(const char **p, long long *out)
{
	const char *s = *p;
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 9)
		return false;
	*out = strtoll(s, NULL, 10);
	*p = s + n;
	return true;
}

/* "90s", "10m", "2h", "1d": a number and one unit; -1 when it is not that form. */
static long long with_unit(const char *v)
{
	static const struct { char unit; long long sec; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	const char *p = v;
	long long n;

	if (!digits(&p, &n) || p[0] == '\0' || p[1] != '\0')
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (p[0] == units[i].unit)
			return n * units[i].sec;
	return -1;
}

/*
 * Slurm's forms: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS". The first
 * field may be large ("90:00" is 90 minutes); the ones after it are clock fields.
 */
static long long slurm_form(const char *v)
{
	long long f[4], days = 0, sec;
	const char *p = v;
	int n = 0;
	bool has_days = strchr(v, '-') != NULL;

	if (has_days && (!digits(&p, &days) || *p++ != '-'))
		return -1;
	while (n < 3) {
		if (!digits(&p, &f[n++]))
			return -1;
		if (*p != ':')
			break;
		p++;
	}
	if (*p != '\0')
		return -1;
	for (int i = 1; i < n; i++)
		if (f[i] >= 60)
			return -1;
	if (has_days) { /* D-HH[:MM[:SS]] */
		if (f[0] >= 24)
			return -1;
		sec = f[0] * 3600 + (n > 1 ? f[1] * 60 : 0) + (n > 2 ? f[2] : 0);
		return days * 86400 + sec;
	}
	if (n == 1)
		return f[0] * 60;
	if (n == 2)
		return f[0] * 60 + f[1];
	return f[0] * 3600 + f[1] * 60 + f[2];
}

int spec_parse_time_limit(const char *v, int64_t *ms, char *err, size_t errlen)
{
	long long sec;

	while (isspace((unsigned char)*v))
		v++;
	if (v[0] == '-') {
		snprintf(err, errlen, "time limit '%s' must be more than 0", v);
		return -1;
	}
	sec = with_unit(v);
	if (sec < 0)
		sec = slurm_form(v);
	if (sec < 0) {
		snprintf(err, errlen, "'%s' is not a time limit (%s)", v, TIME_EXAMPLES);
		return -1;
	}
	if (sec == 0) {
		snprintf(err, errlen, "time limit '%s' must be more than 0", v);
		return -1;
	}
	if (sec * 1000 > PROTO_MAX_TIME_LIMIT_MS) {
		snprintf(err, errlen, "time limit '%s' is longer than the maximum of %lld days", v,
			 PROTO_MAX_TIME_LIMIT_MS / 86400000);
		return -1;
	}
	*ms = sec * 1000;
	return 0;
}

/* The entry of task, made (with empty ones before it) if the spec has none yet. */
static struct task_pref *prefer_slot(struct job_spec *s, int32_t task)
{
	if (task >= s->nprefer) {
		s->prefer = xrealloc(s->prefer, ((size_t)task + 1) * sizeof *s->prefer);
		memset(s->prefer + s->nprefer, 0,
		       ((size_t)task + 1 - (size_t)s->nprefer) * sizeof *s->prefer);
		s->nprefer = task + 1;
	}
	return &s->prefer[task];
}

int spec_add_prefer(struct job_spec *s, int32_t task, const char *node, char *err,
		    size_t errlen)
{
	size_t len = strlen(node);

	if (task < 0 || task >= PROTO_MAX_TASKS) {
		snprintf(err, errlen, "task %d is not a task index (0..%d)", task,
			 PROTO_MAX_TASKS - 1);
		return -1;
	}
	if (len == 0 || len >= PROTO_NAME_MAX) {
		snprintf(err, errlen, "node name '%s' must be 1 to %d characters long", node,
			 PROTO_NAME_MAX - 1);
		return -1;
	}
	for (const char *p = node; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p) || isspace((unsigned char)*p)) {
			snprintf(err, errlen, "node name '%s' may not hold spaces or control "
					      "characters", node);
			return -1;
		}
	struct task_pref *t = prefer_slot(s, task);
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->nodes[i], node) == 0)
			return 0;
	if (t->n >= PROTO_MAX_PREFER) {
		snprintf(err, errlen, "task %d prefers more than %d nodes", task, PROTO_MAX_PREFER);
		return -1;
	}
	t->nodes = xrealloc(t->nodes, ((size_t)t->n + 2) * sizeof *t->nodes);
	t->nodes[t->n++] = xstrdup(node);
	t->nodes[t->n] = NULL;
	return 0;
}

int spec_prefer_task(struct job_spec *s, int32_t task, char *err, size_t errlen)
{
	if (task < 0 || task >= PROTO_MAX_TASKS) {
		snprintf(err, errlen, "task %d is not a task index (0..%d)", task,
			 PROTO_MAX_TASKS - 1);
		return -1;
	}
	(void)prefer_slot(s, task);
	return 0;
}

void spec_clear_prefer(struct job_spec *s)
{
	for (int32_t i = 0; s->prefer != NULL && i < s->nprefer; i++) {
		for (int k = 0; k < s->prefer[i].n; k++)
			free(s->prefer[i].nodes[k]);
		free(s->prefer[i].nodes);
	}
	free(s->prefer);
	s->prefer = NULL;
	s->nprefer = 0;
}

int spec_parse_prefer(struct job_spec *s, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	const char *p = arg;
	long long task;
	int rc = 0, nodes = 0;

	if (eq == NULL || !digits(&p, &task) || p != eq || eq[1] == '\0') {
		snprintf(err, errlen, "'%s' is not TASK=NODE[,NODE...] (e.g. 3=node-1,node-2)", arg);
		return -1;
	}
	char *list = xstrdup(eq + 1), *save = NULL;
	for (char *n = strtok_r(list, ",", &save); n != NULL && rc == 0;
	     n = strtok_r(NULL, ",", &save), nodes++)
		rc = spec_add_prefer(s, (int32_t)task, n, err, errlen);
	free(list);
	if (rc == 0 && nodes == 0) {
		snprintf(err, errlen, "'%s' names no node (e.g. 3=node-1,node-2)", arg);
		return -1;
	}
	return rc;
}

int spec_check_sched(const struct job_spec *s, char *err, size_t errlen)
{
	if (s->time_limit_ms < 0 || s->time_limit_ms > PROTO_MAX_TIME_LIMIT_MS) {
		snprintf(err, errlen, "time limit must be 0 (none) to %lld days",
			 PROTO_MAX_TIME_LIMIT_MS / 86400000);
		return -1;
	}
	if (s->nprefer > s->ntasks) {
		snprintf(err, errlen, "prefer: task %d does not exist: the job has %d task%s "
				      "(0..%d)", s->nprefer - 1, s->ntasks, s->ntasks == 1 ? "" : "s",
			 s->ntasks - 1);
		return -1;
	}
	return 0;
}

/* Parsing and formatting of job, task and attempt ids. */
#include "id.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_num(const char **p, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	if (*s < '0' || *s > '9')
		return -1;
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -1;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int id_parse(const char *s, struct loom_id *out)
{
	uint64_t v;
	struct loom_id id = { 0, -1, -1 };

	if (strncmp(s, "job-", 4) == 0)
		s += 4;
	if (parse_num(&s, UINT64_MAX / 16, &v) < 0 || v == 0)
		return -1;
	id.job = v;
	if (strncmp(s, ".t", 2) == 0) {
		s += 2;
		if (parse_num(&s, ID_MAX_TASKS - 1, &v) < 0)
			return -1;
		id.task = (int32_t)v;
		if (strncmp(s, ".a", 2) == 0) {
			s += 2;
			if (parse_num(&s, ID_MAX_ATTEMPTS, &v) < 0 || v == 0)
				return -1;
			id.attempt = (int32_t)v;
		}
	}
	if (*s != '\0')
		return -1;
	*out = id;
	return 0;
}

char *id_format(const struct loom_id *id, char *buf, size_t len)
{
	if (id->task < 0)
		snprintf(buf, len, "job-%llu", (unsigned long long)id->job);
	else if (id->attempt < 0)
		snprintf(buf, len, "job-%llu.t%d", (unsigned long long)id->job, id->task);
	else
		snprintf(buf, len, "job-%llu.t%d.a%d", (unsigned long long)id->job, id->task,
			 id->attempt);
	return buf;
}

bool id_is_job(const struct loom_id *id)
{
	return id->job > 0 && id->task < 0;
}

bool id_is_task(const struct loom_id *id)
{
	return id->job > 0 && id->task >= 0 && id->attempt < 0;
}

bool id_is_attempt(const struct loom_id *id)
{
	return id->job > 0 && id->task >= 0 && id->attempt > 0;
}

struct loom_id id_job(uint64_t job)
{
	return (struct loom_id){ job, -1, -1 };
}

struct loom_id id_task(uint64_t job, int32_t task)
{
	return (struct loom_id){ job, task, -1 };
}

struct loom_id id_attempt(uint64_t job, int32_t task, int32_t attempt)
{
	return (struct loom_id){ job, task, attempt };
}

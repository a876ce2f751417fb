/*
 * The one id format: job-42, job-42.t7 (task 7, from 0), job-42.t7.a2 (attempt 2, from 1).
 * Ids are readable and stable across restarts.
 */
#ifndef LOOM_ID_H
#define LOOM_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ID_BUFSZ 64
#define ID_MAX_TASKS 10000000
#define ID_MAX_ATTEMPTS 1000000

struct loom_id {
	uint64_t job;    /* from 1 */
	int32_t task;    /* -1 when the id names a job */
	int32_t attempt; /* -1 when the id names a job or a task */
};

/* Parses "job-42", "job-42.t7", "job-42.t7.a2" (also "42" for a job). Returns 0 or -1. */
int id_parse(const char *s, struct loom_id *out);
/* Formats as above into buf (ID_BUFSZ is enough); returns buf. */
char *id_format(const struct loom_id *id, char *buf, size_t len);
bool id_is_job(const struct loom_id *id);
bool id_is_task(const struct loom_id *id);
bool id_is_attempt(const struct loom_id *id);
struct loom_id id_job(uint64_t job);
struct loom_id id_task(uint64_t job, int32_t task);
struct loom_id id_attempt(uint64_t job, int32_t task, int32_t attempt);

#endif

/*
 * Inside the job file reader (jobfile.c, jobfile-sched.c): the read context, the key
 * table's row, and the helpers every key setter uses. Not for callers of jobfile_load.
 */
#ifndef LOOM_CLIENT_JOBFILE_H
#define LOOM_CLIENT_JOBFILE_H

#include <libconfig.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "client.h"

struct jf_ctx {
	const char *path;
	char dir[PATH_MAX];   /* the file's directory: relative paths in it start there */
	struct job_spec *s;
	bool has_command, has_shell;
	char *err;
	size_t errlen;
};

struct jf_key;
typedef int (*jf_set_fn)(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v);

/* One key of the file: its setter, and for the generic setters a range and a field. */
struct jf_key {
	const char *name;
	jf_set_fn set;
	long long min, max; /* integers: inclusive range */
	size_t off;         /* offsetof(struct job_spec, field) */
};

#define FIELD(c, k, type) ((type *)((char *)(c)->s + (k)->off))
#define OFF(f) offsetof(struct job_spec, f)

/* "job.cfg:7: resources.memory: <message>" into c->err; returns -1. */
int jf_fail(struct jf_ctx *c, const config_setting_t *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "an integer", "a string", ...: what v is, for messages. */
const char *jf_type_name(const config_setting_t *v);
bool jf_is_int(const config_setting_t *v);
bool jf_is_list(const config_setting_t *v);
/* rc of a spec helper; on failure its msg becomes the file:line error. */
int jf_check(struct jf_ctx *c, const config_setting_t *v, int rc, const char *msg);
/* Runs the setter of every key in group; a key not in keys[0..n) is an error. */
int jf_apply(struct jf_ctx *c, const config_setting_t *group, const struct jf_key *keys,
	     size_t n);
/* Generic setters: an integer in [k->min, k->max] into the field at k->off. */
int jf_set_int32(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v);
int jf_set_int64(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v);

/* The scheduling keys (jobfile-sched.c). */
int jf_set_resources(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v);
int jf_set_speculation(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v);
int jf_set_spec_params(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v);
int jf_set_gang(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v);
int jf_set_time_limit(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v);
int jf_set_prefer(struct jf_ctx *c, const struct jf_key *k, const config_setting_t *v);

#endif

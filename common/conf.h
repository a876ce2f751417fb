/*
 * Configuration as a table: per key its libconfig path, type, range, default, destination
 * and one line of help. Loading, range checks, --dump-config and the reference in the
 * README are generic code over the table. Errors name the file and line.
 */
#ifndef LOOM_CONF_H
#define LOOM_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum conf_type {
	CONF_INT,      /* int64_t; min/max apply (in files, libconfig needs 5000000000L) */
	CONF_BOOL,     /* bool */
	CONF_STR,      /* char * (owned, freed by conf_free); min/max bound the length */
	CONF_MS,       /* int64_t milliseconds; accepts an integer (ms) or "500ms", "5s", "2m" */
	CONF_MEM_MB,   /* int64_t MiB; accepts an integer (MiB) or "512M", "4G" */
	CONF_VCORES_M, /* int64_t thousandths of a vcore; accepts 2, 0.5 or "2" */
	CONF_STRLIST,  /* char ** NULL-terminated (owned); a libconfig list or array of strings */
	CONF_EXTERN,   /* no field: parsed from the file by its owner (e.g. rmd's list of pools);
			* the entry only makes the key known (off is ignored, -o refuses it) */
};

struct conf_entry {
	const char *key;   /* libconfig path, e.g. "heartbeat_interval" or "log.level" */
	enum conf_type type;
	int64_t min, max;  /* inclusive, in the type's unit (ms, MiB, thousandths) */
	const char *def;   /* default as text in the same syntax as the file; NULL = unset */
	size_t off;        /* offsetof(struct X, field) */
	const char *help;  /* one line */
};

/* Sets every field to its default. Returns -1 with err filled if a default is invalid. */
int conf_defaults(const struct conf_entry *t, size_t n, void *dst, char *err, size_t errlen);
/*
 * Reads path over the current values. Unknown keys, wrong types and out-of-range values
 * are errors: "rmd.conf:12: heartbeat_interval: 0 is below the minimum 100ms".
 */
int conf_load(const struct conf_entry *t, size_t n, void *dst, const char *path, char *err,
	      size_t errlen);
/* Applies one "key=value" override (from -o on the command line). */
int conf_set(const struct conf_entry *t, size_t n, void *dst, const char *kv, char *err,
	     size_t errlen);
/* Prints the values as a loadable libconfig file, with each key's help as a comment. */
void conf_dump(const struct conf_entry *t, size_t n, const void *src, FILE *out);
void conf_free(const struct conf_entry *t, size_t n, void *dst);

#endif

/*
 * msgpack reader: validating accessors over a decoded map. Every getter checks presence,
 * type and range, and on failure fills err with the field's name and what was wrong, so
 * a bad message gets a reply that names the field. Nothing here allocates unless its
 * name says so (the *dup getters), and then only on success.
 */
#ifndef LOOM_MPR_H
#define LOOM_MPR_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct res;
struct loom_id;

struct mpr_err {
	char field[64];
	char msg[192];
};

/* Fills e (field may be "") and returns -1, for use as "return mpr_fail(...)". */
int mpr_fail(struct mpr_err *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The value under key in map, or NULL (also when map is not a map). */
const msgpack_object *mpr_get(const msgpack_object *map, const char *key);

/*
 * Getters: required=false lets an absent (or nil) key leave *out untouched and succeed.
 * All return 0 on success, -1 with e filled on failure.
 */
int mpr_int(const msgpack_object *map, const char *key, bool required, int64_t min,
	    int64_t max, int64_t *out, struct mpr_err *e);
int mpr_uint(const msgpack_object *map, const char *key, bool required, uint64_t max,
	     uint64_t *out, struct mpr_err *e);
int mpr_bool(const msgpack_object *map, const char *key, bool required, bool *out,
	     struct mpr_err *e);
/* Accepts integers as well as floats. */
int mpr_double(const msgpack_object *map, const char *key, bool required, double min,
	       double max, double *out, struct mpr_err *e);
/* Copies into out (size outsz): refuses strings of outsz bytes or more, or with NUL. */
int mpr_str(const msgpack_object *map, const char *key, bool required, char *out,
	    size_t outsz, struct mpr_err *e);
/* Like mpr_str but allocates (*out must be NULL or owned; replaced on success). */
int mpr_strdup(const msgpack_object *map, const char *key, bool required, size_t maxlen,
	       char **out, struct mpr_err *e);
/* A string array of at most maxn strings of at most maxlen bytes, each non-empty;
 * allocates *out (n strings + NULL terminator) and sets *n. Absent and not required:
 * *out and *n are left untouched. */
int mpr_strv(const msgpack_object *map, const char *key, bool required, size_t maxn,
	     size_t maxlen, char ***out, int *n, struct mpr_err *e);
/* Like mpr_strv, but empty strings are allowed (argv[1..], for instance). */
int mpr_strv_any(const msgpack_object *map, const char *key, bool required, size_t maxn,
		 size_t maxlen, char ***out, int *n, struct mpr_err *e);
/* Binary or string payload, borrowed (valid while the decoded message lives). */
int mpr_bin(const msgpack_object *map, const char *key, bool required, size_t maxlen,
	    const char **out, size_t *len, struct mpr_err *e);
int mpr_array(const msgpack_object *map, const char *key, bool required, size_t maxn,
	      const msgpack_object_array **out, struct mpr_err *e);
int mpr_map(const msgpack_object *map, const char *key, bool required,
	    const msgpack_object **out, struct mpr_err *e);
/* A resource vector map as written by mpw_res; rejects negative or absurd values. */
int mpr_res(const msgpack_object *map, const char *key, bool required, struct res *out,
	    struct mpr_err *e);
/* An id string; kind is "job", "task", "attempt" or NULL for any. */
int mpr_id(const msgpack_object *map, const char *key, bool required, const char *kind,
	   struct loom_id *out, struct mpr_err *e);
void mpr_strv_free(char **v);

/* Prefixes e->field with a container's name: "attempts[3]" + "state" ->
 * "attempts[3].state". For decoders of nested maps. */
void mpr_err_prefix(struct mpr_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Unpacks exactly one msgpack object that fills buf[0..len). Refuses trailing bytes and
 * containers that announce more elements than the bytes left could hold (msgpack-c would
 * allocate for the announced count first). u must be initialised (msgpack_unpacked_init)
 * and is destroyed by the caller. Returns 0, or -1 with e filled.
 */
int mpr_unpack(msgpack_unpacked *u, const char *buf, size_t len, struct mpr_err *e);

#endif

/*
 * msgpack writer: a buffer and packer together, with helpers for the "key: value" pairs
 * that every Loom message is made of. Maps need their size up front (msgpack's rule), so
 * callers count their fields first.
 */
#ifndef LOOM_MPW_H
#define LOOM_MPW_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

struct res;
struct loom_id;

struct mpw {
	msgpack_sbuffer sbuf;
	msgpack_packer pk;
};

void mpw_init(struct mpw *w);
void mpw_free(struct mpw *w);
/* Forgets what was written, keeping the buffer. */
void mpw_reset(struct mpw *w);
const char *mpw_data(const struct mpw *w);
size_t mpw_len(const struct mpw *w);

/* Starts a message map of nfields entries *besides* "t" and "id" (both written here). */
void mpw_msg(struct mpw *w, int type, uint64_t id, uint32_t nfields);
void mpw_map(struct mpw *w, uint32_t n);
void mpw_array(struct mpw *w, uint32_t n);
void mpw_str(struct mpw *w, const char *s); /* NULL writes nil */
void mpw_strn(struct mpw *w, const char *s, size_t n);
void mpw_bin(struct mpw *w, const void *p, size_t n);
void mpw_int(struct mpw *w, int64_t v);
void mpw_uint(struct mpw *w, uint64_t v);
void mpw_bool(struct mpw *w, bool v);
void mpw_double(struct mpw *w, double v);
void mpw_nil(struct mpw *w);
/* A resource vector as a map: vcores_m, mem_mb, gpus, custom {name: count}. */
void mpw_res(struct mpw *w, const struct res *r);
/* An id as its string form ("job-42.t7.a2"). */
void mpw_id(struct mpw *w, const struct loom_id *id);

/* key + value in one call. */
void mpw_key(struct mpw *w, const char *key);
void mpw_kstr(struct mpw *w, const char *key, const char *v);
void mpw_kint(struct mpw *w, const char *key, int64_t v);
void mpw_kuint(struct mpw *w, const char *key, uint64_t v);
void mpw_kbool(struct mpw *w, const char *key, bool v);
void mpw_kdouble(struct mpw *w, const char *key, double v);
void mpw_kres(struct mpw *w, const char *key, const struct res *r);
void mpw_kid(struct mpw *w, const char *key, const struct loom_id *id);
/* key + array of n strings. */
void mpw_kstrv(struct mpw *w, const char *key, char *const *v, int n);

#endif

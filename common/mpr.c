/*
 * msgpack reader: validating getters over a decoded map. Each failure names the field, so
 * the sender of a bad message is told exactly what to fix.
 */
#include "mpr.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "id.h"
#include "resource.h"
#include "xmalloc.h"

/* Sane upper bounds for resource components: a node bigger than this is a typo. */
#define RES_MAX_VCORES_M (1000000LL * 1000)
#define RES_MAX_MEM_MB (1LL << 40)
#define RES_MAX_GPUS 1000000LL
#define RES_MAX_COUNT (1LL << 40)

int mpr_fail(struct mpr_err *e, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	snprintf(e->field, sizeof e->field, "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void mpr_err_prefix(struct mpr_err *e, const char *fmt, ...)
{
	char pre[64], old[sizeof e->field], full[sizeof pre + sizeof old + 1];
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, e->field, sizeof old);
	snprintf(full, sizeof full, "%s%s%s", pre, old[0] ? "." : "", old);
	size_t len = strlen(full);
	if (len >= sizeof e->field)
		len = sizeof e->field - 1; /* a truncated name still points the right way */
	memcpy(e->field, full, len);
	e->field[len] = '\0';
}

static bool key_is(const msgpack_object *k, const char *key, size_t klen)
{
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
	       memcmp(k->via.str.ptr, key, klen) == 0;
}

const msgpack_object *mpr_get(const msgpack_object *map, const char *key)
{
	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	size_t klen = strlen(key);
	for (uint32_t i = 0; i < map->via.map.size; i++)
		if (key_is(&map->via.map.ptr[i].key, key, klen))
			return &map->via.map.ptr[i].val;
	return NULL;
}

/* Looks key up; returns 1 when present, 0 when absent and optional, -1 when required. */
static int lookup(const msgpack_object *map, const char *key, bool required,
		  const msgpack_object **v, struct mpr_err *e)
{
	*v = mpr_get(map, key);
	if (*v != NULL && (*v)->type != MSGPACK_OBJECT_NIL)
		return 1;
	if (required)
		return mpr_fail(e, key, "is required");
	return 0;
}

/* Names the bound that x broke: "must be >= 0" reads better than the whole range. */
static int range_fail(struct mpr_err *e, const char *key, bool low, int64_t min, int64_t max)
{
	if (low)
		return mpr_fail(e, key, "must be >= %lld", (long long)min);
	return mpr_fail(e, key, "must be <= %lld", (long long)max);
}

int mpr_int(const msgpack_object *map, const char *key, bool required, int64_t min,
	    int64_t max, int64_t *out, struct mpr_err *e)
{
	const msgpack_object *v;
	int r = lookup(map, key, required, &v, e);
	if (r <= 0)
		return r;
	int64_t x;
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (v->via.u64 > (uint64_t)INT64_MAX)
			return range_fail(e, key, false, min, max);
		x = (int64_t)v->via.u64;
	} else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		x = v->via.i64;
	} else {
		return mpr_fail(e, key, "must be an integer");
	}
	if (x < min || x > max)
		return range_fail(e, key, x < min, min, max);
	*out = x;
	return 0;
}

int mpr_uint(const msgpack_object *map, const char *key, bool required, uint64_t max,
	     uint64_t *out, struct mpr_err *e)
{
	const msgpack_object *v;
	int r = lookup(map, key, required, &v, e);
	if (r <= 0)
		return r;
	if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return mpr_fail(e, key, "must be >= 0");
	if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return mpr_fail(e, key, "must be an unsigned integer");
	if (v->via.u64 > max)
		return mpr_fail(e, key, "must be <= %llu", (unsigned long long)max);
	*out = v->via.u64;
	return 0;
}

int mpr_bool(const msgpack_object *map, const char *key, bool required, bool *out,
	     struct mpr_err *e)
{
	const msgpack_object *v;
	int r = lookup(map, key, required, &v, e);
	if (r <= 0)
		return r;
	if (v->type != MSGPACK_OBJECT_BOOLEAN)
		return mpr_fail(e, key, "must be a boolean");
	*out = v->via.boolean;
	return 0;
}

int mpr_double(const msgpack_object *map, const char *key, bool required, double min,
	       double max, double *out, struct mpr_err *e)
{
	const msgpack_object *v;
	int r = lookup(map, key, required, &v, e);
	if (r <= 0)
		return r;
	double x;
	switch (v->type) {
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: x = v->via.f64; break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER: x = (double)v->via.u64; break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: x = (double)v->via.i64; break;
	default: return mpr_fail(e, key, "must be a number");
	}
	if (!(x >= min && x <= max)) /* also refuses NaN */
		return mpr_fail(e, key, "must be between %g and %g", min, max);
	*out = x;
	return 0;
}

/* A string value no longer than maxlen bytes and without NUL; borrowed. */
static int get_str(const msgpack_object *v, const char *key, size_t maxlen, const char **s,
		   size_t *len, struct mpr_err *e)
{
	if (v->type != MSGPACK_OBJECT_STR)
		return mpr_fail(e, key, "must be a string");
	if (v->via.str.size > maxlen)
		return mpr_fail(e, key, "is longer than %zu bytes", maxlen);
	if (v->via.str.size > 0 && memchr(v->via.str.ptr, '\0', v->via.str.size) != NULL)
		return mpr_fail(e, key, "must not contain NUL bytes");
	*s = v->via.str.ptr;
	*len = v->via.str.size;
	return 0;
}

int mpr_str(const msgpack_object *map, const char *key, bool required, char *out,
	    size_t outsz, struct mpr_err *e)
{
	const msgpack_object *v;
	const char *s;
	size_t len;
	int r = lookup(map, key, required, &v, e);
	if (r <= 0)
		return r;
	if (get_str(v, key, outsz - 1, &s, &len, e) < 0)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int mpr_strdup(const msgpack_object *map, const char *key, bool required, size_t maxlen,
	       char **out, struct mpr_err *e)
{
	const msgpack_object *v;
	const char *s;
	size_t len;
	int r = lookup(map, key, required, &v, e);
	if (r <= 0)
		return r;
	if (get_str(v, key, maxlen, &s, &len, e) < 0)
		return -1;
	free(*out);
	*out = xstrndup(s, len);
	return 0;
}

static int strv(const msgpack_object *map, const char *key, bool required, size_t maxn,
		size_t maxlen, bool allow_empty, char ***out, int *n, struct mpr_err *e)
{
	const msgpack_object_array *a;
	int r = mpr_array(map, key, required, maxn, &a, e);
	if (r < 0 || a == NULL)
		return r;
	char **v = xcalloc(a->size + 1, sizeof *v);
	for (uint32_t i = 0; i < a->size; i++) {
		const char *s;
		size_t len;
		if (get_str(&a->ptr[i], key, maxlen, &s, &len, e) < 0 ||
		    (len == 0 && !allow_empty && mpr_fail(e, key, "must not be empty") < 0)) {
			if (e != NULL)
				snprintf(e->field, sizeof e->field, "%s[%u]", key, i);
			mpr_strv_free(v);
			return -1;
		}
		v[i] = xstrndup(s, len);
	}
	*out = v;
	*n = (int)a->size;
	return 0;
}

int mpr_strv(const msgpack_object *map, const char *key, bool required, size_t maxn,
	     size_t maxlen, char ***out, int *n, struct mpr_err *e)
{
	return strv(map, key, required, maxn, maxlen, false, out, n, e);
}

int mpr_strv_any(const msgpack_object *map, const char *key, bool required, size_t maxn,
		 size_t maxlen, char ***out, int *n, struct mpr_err *e)
{
	return strv(map, key, required, maxn, maxlen, true, out, n, e);
}

void mpr_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

int mpr_bin(const msgpack_object *map, const char *key, bool required, size_t maxlen,
	    const char **out, size_t *len, struct mpr_err *e)
{
	const msgpack_object *v;
	int r = lookup(map, key, required, &v, e);
	if (r <= 0)
		return r;
	if (v->type != MSGPACK_OBJECT_BIN && v->type != MSGPACK_OBJECT_STR)
		return mpr_fail(e, key, "must be binary or a string");
	/* str and bin share one layout in msgpack_object's union. */
	if (v->via.bin.size > maxlen)
		return mpr_fail(e, key, "is longer than %zu bytes", maxlen);
	*out = v->via.bin.ptr;
	*len = v->via.bin.size;
	return 0;
}

int mpr_array(const msgpack_object *map, const char *key, bool required, size_t maxn,
	      const msgpack_object_array **out, struct mpr_err *e)
{
	const msgpack_object *v;
	int r = lookup(map, key, required, &v, e);
	if (r <= 0) {
		if (r == 0)
			*out = NULL;
		return r;
	}
	if (v->type != MSGPACK_OBJECT_ARRAY)
		return mpr_fail(e, key, "must be an array");
	if (v->via.array.size > maxn)
		return mpr_fail(e, key, "has more than %zu entries", maxn);
	*out = &v->via.array;
	return 0;
}

int mpr_map(const msgpack_object *map, const char *key, bool required,
	    const msgpack_object **out, struct mpr_err *e)
{
	const msgpack_object *v;
	int r = lookup(map, key, required, &v, e);
	if (r <= 0) {
		if (r == 0)
			*out = NULL;
		return r;
	}
	if (v->type != MSGPACK_OBJECT_MAP)
		return mpr_fail(e, key, "must be a map");
	*out = v;
	return 0;
}

/* The custom counts of a resource map: string keys, integer values, no duplicates. */
static int res_custom(const msgpack_object *c, struct res *r, struct mpr_err *e)
{
	if (c->via.map.size > RES_MAX_CUSTOM)
		return mpr_fail(e, "custom", "has more than %d entries", RES_MAX_CUSTOM);
	for (uint32_t i = 0; i < c->via.map.size; i++) {
		const msgpack_object *k = &c->via.map.ptr[i].key;
		char name[RES_NAME_MAX];
		if (k->type != MSGPACK_OBJECT_STR || k->via.str.size == 0 ||
		    k->via.str.size >= RES_NAME_MAX ||
		    memchr(k->via.str.ptr, '\0', k->via.str.size) != NULL)
			return mpr_fail(e, "custom", "names must be strings of 1 to %d bytes",
					RES_NAME_MAX - 1);
		memcpy(name, k->via.str.ptr, k->via.str.size);
		name[k->via.str.size] = '\0';
		for (int j = 0; j < r->ncustom; j++)
			if (strcmp(r->custom[j].name, name) == 0)
				return mpr_fail(e, "custom", "'%s' appears twice", name);
		struct res_custom *rc = &r->custom[r->ncustom];
		if (mpr_int(c, name, true, 0, RES_MAX_COUNT, &rc->count, e) < 0) {
			mpr_err_prefix(e, "custom");
			return -1;
		}
		memcpy(rc->name, name, sizeof name);
		r->ncustom++;
	}
	return 0;
}

int mpr_res(const msgpack_object *map, const char *key, bool required, struct res *out,
	    struct mpr_err *e)
{
	const msgpack_object *m = NULL, *c = NULL;
	struct res r = { 0 };
	int rc = mpr_map(map, key, required, &m, e);
	if (rc < 0 || m == NULL)
		return rc;
	if (mpr_int(m, "vcores_m", false, 0, RES_MAX_VCORES_M, &r.vcores_m, e) < 0 ||
	    mpr_int(m, "mem_mb", false, 0, RES_MAX_MEM_MB, &r.mem_mb, e) < 0 ||
	    mpr_int(m, "gpus", false, 0, RES_MAX_GPUS, &r.gpus, e) < 0 ||
	    mpr_map(m, "custom", false, &c, e) < 0 || (c != NULL && res_custom(c, &r, e) < 0)) {
		mpr_err_prefix(e, "%s", key);
		return -1;
	}
	*out = r;
	return 0;
}

int mpr_id(const msgpack_object *map, const char *key, bool required, const char *kind,
	   struct loom_id *out, struct mpr_err *e)
{
	char buf[ID_BUFSZ];
	struct loom_id id;
	int r = mpr_str(map, key, required, buf, sizeof buf, e);
	if (r < 0 || mpr_get(map, key) == NULL || mpr_get(map, key)->type == MSGPACK_OBJECT_NIL)
		return r;
	if (id_parse(buf, &id) < 0)
		return mpr_fail(e, key, "'%s' is not an id (job-42, job-42.t7, job-42.t7.a2)",
				buf);
	if (kind != NULL && ((strcmp(kind, "job") == 0 && !id_is_job(&id)) ||
			     (strcmp(kind, "task") == 0 && !id_is_task(&id)) ||
			     (strcmp(kind, "attempt") == 0 && !id_is_attempt(&id))))
		return mpr_fail(e, key, "'%s' is not a%s %s id", buf,
				kind[0] == 'a' ? "n" : "", kind);
	*out = id;
	return 0;
}

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Parses one msgpack header at buf[*pos]: advances *pos past it and any payload, and sets
 * *children to the number of objects that follow inside it. -1 if it runs past len.
 */
static int mp_header(const uint8_t *buf, size_t len, size_t *pos, uint64_t *children)
{
	static const uint8_t fixed[] = { [0xca] = 4, [0xcb] = 8, [0xcc] = 1, [0xcd] = 2,
		[0xce] = 4, [0xcf] = 8, [0xd0] = 1, [0xd1] = 2, [0xd2] = 4, [0xd3] = 8,
		[0xd4] = 2, [0xd5] = 3, [0xd6] = 5, [0xd7] = 9, [0xd8] = 17 };
	uint8_t b = buf[(*pos)++];
	uint64_t body = 0;
	int lenbytes = 0, mult = 0, extra = 0;

	*children = 0;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return 0;
	if (b == 0xc1)
		return -1;
	if (b <= 0x8f) { *children = 2u * (b & 0x0f); return 0; }
	if (b <= 0x9f) { *children = b & 0x0f; return 0; }
	if (b <= 0xbf) body = b & 0x1f;
	else if (b >= 0xca && b <= 0xd8) body = fixed[b];
	else if (b >= 0xc4 && b <= 0xc6) lenbytes = 1 << (b - 0xc4);
	else if (b >= 0xc7 && b <= 0xc9) { lenbytes = 1 << (b - 0xc7); extra = 1; }
	else if (b >= 0xd9 && b <= 0xdb) lenbytes = 1 << (b - 0xd9);
	else if (b == 0xdc || b == 0xdd) { lenbytes = b == 0xdc ? 2 : 4; mult = 1; }
	else if (b == 0xde || b == 0xdf) { lenbytes = b == 0xde ? 2 : 4; mult = 2; }
	if (len - *pos < (size_t)lenbytes)
		return -1;
	uint64_t n = be(buf + *pos, lenbytes);
	*pos += (size_t)lenbytes;
	if (mult != 0) {
		*children = n * (uint64_t)mult;
		return 0;
	}
	if (lenbytes != 0)
		body = n + (uint64_t)extra;
	if (len - *pos < body)
		return -1;
	*pos += (size_t)body;
	return 0;
}

/* True when buf holds exactly one object whose containers' counts fit in the bytes. */
static bool mp_sane(const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	uint64_t need = 1, children;

	while (need > 0) {
		if (pos >= len || mp_header(buf, len, &pos, &children) < 0)
			return false;
		need = need - 1 + children;
		if (need > len - pos) /* every object takes at least one byte */
			return false;
	}
	return pos == len;
}

int mpr_unpack(msgpack_unpacked *u, const char *buf, size_t len, struct mpr_err *e)
{
	size_t off = 0;

	if (len == 0 || !mp_sane((const uint8_t *)buf, len))
		return mpr_fail(e, "", "not one well-formed msgpack object");
	if (msgpack_unpack_next(u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
		return mpr_fail(e, "", "not one well-formed msgpack object");
	return 0;
}

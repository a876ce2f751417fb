/* msgpack writer: an sbuffer and packer pair with key/value helpers for Loom messages. */
#include "mpw.h"

#include <string.h>

#include "id.h"
#include "resource.h"

void mpw_init(struct mpw *w)
{
	msgpack_sbuffer_init(&w->sbuf);
	msgpack_packer_init(&w->pk, &w->sbuf, msgpack_sbuffer_write);
}

void mpw_free(struct mpw *w)
{
	msgpack_sbuffer_destroy(&w->sbuf);
}

void mpw_reset(struct mpw *w)
{
	msgpack_sbuffer_clear(&w->sbuf);
}

const char *mpw_data(const struct mpw *w)
{
	return w->sbuf.data;
}

size_t mpw_len(const struct mpw *w)
{
	return w->sbuf.size;
}

void mpw_msg(struct mpw *w, int type, uint64_t id, uint32_t nfields)
{
	msgpack_pack_map(&w->pk, nfields + 2);
	mpw_kint(w, "t", type);
	mpw_kuint(w, "id", id);
}

void mpw_map(struct mpw *w, uint32_t n)
{
	msgpack_pack_map(&w->pk, n);
}

void mpw_array(struct mpw *w, uint32_t n)
{
	msgpack_pack_array(&w->pk, n);
}

void mpw_str(struct mpw *w, const char *s)
{
	if (s == NULL)
		mpw_nil(w);
	else
		mpw_strn(w, s, strlen(s));
}

void mpw_strn(struct mpw *w, const char *s, size_t n)
{
	msgpack_pack_str_with_body(&w->pk, s, n);
}

void mpw_bin(struct mpw *w, const void *p, size_t n)
{
	msgpack_pack_bin_with_body(&w->pk, p, n);
}

void mpw_int(struct mpw *w, int64_t v)
{
	msgpack_pack_int64(&w->pk, v);
}

void mpw_uint(struct mpw *w, uint64_t v)
{
	msgpack_pack_uint64(&w->pk, v);
}

void mpw_bool(struct mpw *w, bool v)
{
	if (v)
		msgpack_pack_true(&w->pk);
	else
		msgpack_pack_false(&w->pk);
}

void mpw_double(struct mpw *w, double v)
{
	msgpack_pack_double(&w->pk, v);
}

void mpw_nil(struct mpw *w)
{
	msgpack_pack_nil(&w->pk);
}

void mpw_res(struct mpw *w, const struct res *r)
{
	mpw_map(w, 4);
	mpw_kint(w, "vcores_m", r->vcores_m);
	mpw_kint(w, "mem_mb", r->mem_mb);
	mpw_kint(w, "gpus", r->gpus);
	int n = r->ncustom < 0 ? 0 : r->ncustom > RES_MAX_CUSTOM ? RES_MAX_CUSTOM : r->ncustom;
	mpw_key(w, "custom");
	mpw_map(w, (uint32_t)n);
	for (int i = 0; i < n; i++)
		mpw_kint(w, r->custom[i].name, r->custom[i].count);
}

void mpw_id(struct mpw *w, const struct loom_id *id)
{
	char buf[ID_BUFSZ];
	mpw_str(w, id_format(id, buf, sizeof buf));
}

void mpw_key(struct mpw *w, const char *key)
{
	mpw_str(w, key);
}

void mpw_kstr(struct mpw *w, const char *key, const char *v)
{
	mpw_key(w, key);
	mpw_str(w, v);
}

void mpw_kint(struct mpw *w, const char *key, int64_t v)
{
	mpw_key(w, key);
	mpw_int(w, v);
}

void mpw_kuint(struct mpw *w, const char *key, uint64_t v)
{
	mpw_key(w, key);
	mpw_uint(w, v);
}

void mpw_kbool(struct mpw *w, const char *key, bool v)
{
	mpw_key(w, key);
	mpw_bool(w, v);
}

void mpw_kdouble(struct mpw *w, const char *key, double v)
{
	mpw_key(w, key);
	mpw_double(w, v);
}

void mpw_kres(struct mpw *w, const char *key, const struct res *r)
{
	mpw_key(w, key);
	mpw_res(w, r);
}

void mpw_kid(struct mpw *w, const char *key, const struct loom_id *id)
{
	mpw_key(w, key);
	mpw_id(w, id);
}

void mpw_kstrv(struct mpw *w, const char *key, char *const *v, int n)
{
	mpw_key(w, key);
	mpw_array(w, n < 0 ? 0 : (uint32_t)n);
	for (int i = 0; i < n; i++)
		mpw_str(w, v[i]);
}

/*
 * Reading the views rmd returns (docs/PROTOCOL.md "Views returned by queries"). rmd may be
 * older or newer than this client, so every field is optional here: a missing or
 * ill-typed field shows as "-" instead of failing the whole command.
 */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "json.h"
#include "mpr.h"
#include "xmalloc.h"

const char *view_str(const msgpack_object *o, const char *key, char *buf, size_t len)
{
	const msgpack_object *v = mpr_get(o, key);

	if (v == NULL || v->type != MSGPACK_OBJECT_STR || v->via.str.size == 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	/* Longer than buf is cut, not refused: this is for display. */
	snprintf(buf, len, "%.*s", (int)v->via.str.size, v->via.str.ptr);
	return buf;
}

bool view_int(const msgpack_object *o, const char *key, int64_t *out)
{
	struct mpr_err e;

	return mpr_get(o, key) != NULL &&
	       mpr_int(o, key, true, INT64_MIN, INT64_MAX, out, &e) == 0;
}

bool view_double(const msgpack_object *o, const char *key, double *out)
{
	struct mpr_err e;

	return mpr_get(o, key) != NULL && mpr_double(o, key, true, -1e300, 1e300, out, &e) == 0;
}

bool view_res(const msgpack_object *o, const char *key, struct res *out)
{
	struct mpr_err e;

	memset(out, 0, sizeof *out);
	return mpr_get(o, key) != NULL && mpr_res(o, key, true, out, &e) == 0;
}

const msgpack_object_array *view_array(const msgpack_object *o, const char *key)
{
	const msgpack_object *v = mpr_get(o, key);

	return v != NULL && v->type == MSGPACK_OBJECT_ARRAY ? &v->via.array : NULL;
}

const msgpack_object *view_map(const msgpack_object *o, const char *key)
{
	const msgpack_object *v = mpr_get(o, key);

	return v != NULL && v->type == MSGPACK_OBJECT_MAP ? v : NULL;
}

char *view_strlist(const msgpack_object *o, const char *key, const char *sep, char *buf,
		   size_t len)
{
	const msgpack_object_array *a = view_array(o, key);
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; a != NULL && i < a->size && n + 1 < len; i++) {
		const msgpack_object *s = &a->ptr[i];
		if (s->type != MSGPACK_OBJECT_STR)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%.*s", n > 0 ? sep : "",
				      (int)s->via.str.size, s->via.str.ptr);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
	return buf;
}

char *error_text(const struct msg_error *e, char *buf, size_t len)
{
	/* The field helps with a bad request; "target: no job job-9" only repeats itself. */
	if (e->code == ERR_BAD_REQUEST && e->field[0] != '\0' &&
	    strstr(e->message, e->field) == NULL)
		snprintf(buf, len, "%s: %s", e->field, e->message);
	else
		snprintf(buf, len, "%s", e->message);
	return buf;
}

/* True for the envelope keys "t" and "id" that scripts do not need to see. */
static bool envelope_key(const msgpack_object *k)
{
	return k->type == MSGPACK_OBJECT_STR &&
	       ((k->via.str.size == 1 && k->via.str.ptr[0] == 't') ||
		(k->via.str.size == 2 && memcmp(k->via.str.ptr, "id", 2) == 0));
}

void print_json(const msgpack_object *reply, FILE *out)
{
	struct evbuffer *buf = evbuffer_new();
	msgpack_object m = *reply;
	msgpack_object_kv *kv = NULL;

	if (reply->type == MSGPACK_OBJECT_MAP) {
		/* A shallow copy of the map without the envelope; values are shared. */
		kv = xcalloc(reply->via.map.size + 1, sizeof *kv);
		m.via.map.size = 0;
		for (uint32_t i = 0; i < reply->via.map.size; i++)
			if (!envelope_key(&reply->via.map.ptr[i].key))
				kv[m.via.map.size++] = reply->via.map.ptr[i];
		m.via.map.ptr = kv;
	}
	json_write(buf, &m, true);
	evbuffer_add(buf, "\n", 1);
	fwrite(evbuffer_pullup(buf, -1), 1, evbuffer_get_length(buf), out);
	evbuffer_free(buf);
	free(kv);
}

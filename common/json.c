/*
 * JSON text from msgpack objects. Output is always valid JSON: strings are escaped per
 * RFC 8259 with bad UTF-8 replaced by U+FFFD, non-finite floats become null, binary that
 * is not text becomes base64, and non-string map keys are written as strings.
 */
#include "json.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static bool utf8_valid(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

void json_write_string(struct evbuffer *out, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, run = 0; /* run: bytes from p + i - run that need no escaping */

	evbuffer_add(out, "\"", 1);
	while (i < len) {
		size_t k = utf8_seq(p + i, len - i);
		if (k > 1 || (k == 1 && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\')) {
			i += k;
			run += k;
			continue;
		}
		evbuffer_add(out, p + i - run, run);
		run = 0;
		switch (k == 0 ? 0xff : p[i]) {
		case '"': evbuffer_add(out, "\\\"", 2); break;
		case '\\': evbuffer_add(out, "\\\\", 2); break;
		case '\n': evbuffer_add(out, "\\n", 2); break;
		case '\r': evbuffer_add(out, "\\r", 2); break;
		case '\t': evbuffer_add(out, "\\t", 2); break;
		case '\b': evbuffer_add(out, "\\b", 2); break;
		case '\f': evbuffer_add(out, "\\f", 2); break;
		case 0xff: evbuffer_add(out, "\\ufffd", 6); break;
		default: evbuffer_add_printf(out, "\\u%04x", p[i]); break;
		}
		i++;
	}
	evbuffer_add(out, p + i - run, run);
	evbuffer_add(out, "\"", 1);
}

static void write_base64(struct evbuffer *out, const uint8_t *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];

	evbuffer_add(out, "\"", 1);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		evbuffer_add(out, q, 4);
	}
	evbuffer_add(out, "\"", 1);
}

/* The shortest %.Ng that reads back as the same double. */
static void write_double(struct evbuffer *out, double d)
{
	char buf[32];

	if (!isfinite(d)) {
		evbuffer_add(out, "null", 4);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	evbuffer_add(out, buf, strlen(buf));
}

static void newline(struct evbuffer *out, bool pretty, int depth)
{
	if (pretty)
		evbuffer_add_printf(out, "\n%*s", depth * 2, "");
}

static void write_value(struct evbuffer *out, const msgpack_object *o, bool pretty, int depth);

/* A map key must be a JSON string: other keys are written as JSON, then quoted. */
static void write_key(struct evbuffer *out, const msgpack_object *k)
{
	if (k->type == MSGPACK_OBJECT_STR) {
		json_write_string(out, k->via.str.ptr, k->via.str.size);
		return;
	}
	struct evbuffer *tmp = evbuffer_new();
	write_value(tmp, k, false, 0);
	size_t n = evbuffer_get_length(tmp);
	json_write_string(out, (const char *)evbuffer_pullup(tmp, -1), n);
	evbuffer_free(tmp);
}

static void write_map(struct evbuffer *out, const msgpack_object_map *m, bool pretty, int depth)
{
	evbuffer_add(out, "{", 1);
	for (uint32_t i = 0; i < m->size; i++) {
		if (i > 0)
			evbuffer_add(out, ",", 1);
		newline(out, pretty, depth + 1);
		write_key(out, &m->ptr[i].key);
		evbuffer_add(out, pretty ? ": " : ":", pretty ? 2 : 1);
		write_value(out, &m->ptr[i].val, pretty, depth + 1);
	}
	if (m->size > 0)
		newline(out, pretty, depth);
	evbuffer_add(out, "}", 1);
}

static void write_array(struct evbuffer *out, const msgpack_object_array *a, bool pretty,
			int depth)
{
	evbuffer_add(out, "[", 1);
	for (uint32_t i = 0; i < a->size; i++) {
		if (i > 0)
			evbuffer_add(out, ",", 1);
		newline(out, pretty, depth + 1);
		write_value(out, &a->ptr[i], pretty, depth + 1);
	}
	if (a->size > 0)
		newline(out, pretty, depth);
	evbuffer_add(out, "]", 1);
}

static void write_value(struct evbuffer *out, const msgpack_object *o, bool pretty, int depth)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: evbuffer_add(out, "null", 4); break;
	case MSGPACK_OBJECT_BOOLEAN:
		evbuffer_add_printf(out, "%s", o->via.boolean ? "true" : "false");
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		evbuffer_add_printf(out, "%" PRIu64, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		evbuffer_add_printf(out, "%" PRId64, o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: write_double(out, o->via.f64); break;
	case MSGPACK_OBJECT_STR: json_write_string(out, o->via.str.ptr, o->via.str.size); break;
	case MSGPACK_OBJECT_BIN:
		if (utf8_valid(o->via.bin.ptr, o->via.bin.size))
			json_write_string(out, o->via.bin.ptr, o->via.bin.size);
		else
			write_base64(out, (const uint8_t *)o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_EXT:
		write_base64(out, (const uint8_t *)o->via.ext.ptr, o->via.ext.size);
		break;
	case MSGPACK_OBJECT_ARRAY: write_array(out, &o->via.array, pretty, depth); break;
	case MSGPACK_OBJECT_MAP: write_map(out, &o->via.map, pretty, depth); break;
	default: evbuffer_add(out, "null", 4); break;
	}
}

void json_write(struct evbuffer *out, const msgpack_object *o, bool pretty)
{
	write_value(out, o, pretty, 0);
}

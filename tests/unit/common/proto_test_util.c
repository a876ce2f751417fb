/* Shared by the test_proto_* programs: envelope unpacking, mutating decoded maps, and
 * field-by-field assertions on the codec's structs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_test_util.h"

/* Unpacks w's bytes into u and checks the envelope. */
static msgpack_object *unpack_type(const struct mpw *w, msgpack_unpacked *u, int type,
				   uint64_t *id)
{
	struct mpr_err e;
	int t;
	uint64_t rid;

	msgpack_unpacked_init(u);
	assert_int_equal(mpr_unpack(u, mpw_data(w), mpw_len(w), &e), 0);
	assert_int_equal(msg_envelope(&u->data, &t, &rid, &e), 0);
	assert_int_equal(t, type);
	if (id != NULL)
		*id = rid;
	return &u->data;
}

msgpack_object *unpack_any(const struct mpw *w, msgpack_unpacked *u, int type)
{
	return unpack_type(w, u, type, NULL);
}

msgpack_object *unpack(const struct mpw *w, msgpack_unpacked *u, int type, uint64_t id)
{
	uint64_t rid;
	msgpack_object *o = unpack_type(w, u, type, &rid);

	assert_int_equal(rid, id);
	return o;
}

/* The value at a dotted path ("res.mem_mb") inside a decoded map, for mutating it. */
msgpack_object *at(msgpack_object *o, const char *path)
{
	char key[64];
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	memcpy(key, path, n);
	key[n] = '\0';
	msgpack_object *v = (msgpack_object *)mpr_get(o, key);
	assert_non_null(v);
	return dot ? at(v, dot + 1) : v;
}

/* Makes a key disappear by renaming it. */
void drop(msgpack_object *o, const char *key)
{
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		msgpack_object *k = &o->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
		    memcmp(k->via.str.ptr, key, k->via.str.size) == 0) {
			k->via.str.ptr = "zz_dropped";
			k->via.str.size = 10;
			return;
		}
	}
	fail_msg("no key %s", key);
}

/* msgpack_object builders for the values a test writes over a decoded field. */
msgpack_object o_int(int64_t v)
{
	msgpack_object o;
	if (v >= 0) {
		o.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		o.via.u64 = (uint64_t)v;
	} else {
		o.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
		o.via.i64 = v;
	}
	return o;
}

msgpack_object o_str(const char *s)
{
	msgpack_object o = { .type = MSGPACK_OBJECT_STR };
	o.via.str.ptr = s;
	o.via.str.size = (uint32_t)strlen(s);
	return o;
}

msgpack_object o_bool(bool b)
{
	msgpack_object o = { .type = MSGPACK_OBJECT_BOOLEAN, .via.boolean = b };
	return o;
}

msgpack_object o_double(double d)
{
	msgpack_object o = { .type = MSGPACK_OBJECT_FLOAT64, .via.f64 = d };
	return o;
}

/* A malloc'd string of n 'x's, one past a length limit when n is that limit. */
char *long_string(size_t n)
{
	char *s = malloc(n + 1);
	memset(s, 'x', n);
	s[n] = '\0';
	return s;
}

/* Field-by-field equality of what the codec carries. */
void assert_res_equal(const struct res *a, const struct res *b)
{
	assert_int_equal(a->vcores_m, b->vcores_m);
	assert_int_equal(a->mem_mb, b->mem_mb);
	assert_int_equal(a->gpus, b->gpus);
	assert_int_equal(a->ncustom, b->ncustom);
	for (int i = 0; i < a->ncustom; i++) {
		assert_string_equal(a->custom[i].name, b->custom[i].name);
		assert_int_equal(a->custom[i].count, b->custom[i].count);
	}
}

void assert_id_equal(const struct loom_id *a, const struct loom_id *b)
{
	assert_int_equal(a->job, b->job);
	assert_int_equal(a->task, b->task);
	assert_int_equal(a->attempt, b->attempt);
}

void assert_report_equal(const struct attempt_report *a, const struct attempt_report *b)
{
	assert_id_equal(&a->id, &b->id);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->exit_code, b->exit_code);
	assert_int_equal(a->signal, b->signal);
	assert_true(a->progress == b->progress);
	assert_int_equal(a->start_us, b->start_us);
	assert_int_equal(a->end_us, b->end_us);
	assert_int_equal(a->rss_mb, b->rss_mb);
	assert_string_equal(a->reason, b->reason);
	assert_string_equal(a->log_tail, b->log_tail);
}

/* Helpers of the test_proto_* programs (proto_test_util.c); include after <cmocka.h>. */
#ifndef LOOM_PROTO_TEST_UTIL_H
#define LOOM_PROTO_TEST_UTIL_H

#include <stdbool.h>

#include "proto.h"

/* Unpacks w's bytes into u and checks the envelope (type and request id). */
/* Unpacks w's one message and checks its type (and, for unpack, its id). */
msgpack_object *unpack_any(const struct mpw *w, msgpack_unpacked *u, int type);
msgpack_object *unpack(const struct mpw *w, msgpack_unpacked *u, int type, uint64_t id);
/* The value at a dotted path ("res.mem_mb") inside a decoded map, for mutating it. */
msgpack_object *at(msgpack_object *o, const char *path);
/* Makes key disappear from map o by renaming it. */
void drop(msgpack_object *o, const char *key);

msgpack_object o_int(int64_t v);
msgpack_object o_str(const char *s);
msgpack_object o_bool(bool b);
msgpack_object o_double(double d);
/* n 'x's, malloc'd: the caller frees it. */
char *long_string(size_t n);

void assert_res_equal(const struct res *a, const struct res *b);
void assert_id_equal(const struct loom_id *a, const struct loom_id *b);
void assert_report_equal(const struct attempt_report *a, const struct attempt_report *b);

#endif

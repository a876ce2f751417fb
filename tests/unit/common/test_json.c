/* JSON output: escaping, bad UTF-8, binary, floats, non-string keys, pretty printing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mpr.h"
#include "mpw.h"

/* JSON for w's object, as a malloc'd string. */
static char *to_json(struct mpw *w, bool pretty)
{
	msgpack_unpacked u;
	struct mpr_err e;
	struct evbuffer *b = evbuffer_new();

	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(w), mpw_len(w), &e), 0);
	json_write(b, &u.data, pretty);
	msgpack_unpacked_destroy(&u);
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	mpw_reset(w);
	return s;
}

static void expect(struct mpw *w, bool pretty, const char *want)
{
	char *got = to_json(w, pretty);
	assert_string_equal(got, want);
	free(got);
}

static void test_scalars(void **state)
{
	struct mpw w;
	mpw_init(&w);
	mpw_array(&w, 8);
	mpw_nil(&w);
	mpw_bool(&w, true);
	mpw_bool(&w, false);
	mpw_int(&w, -5);
	mpw_uint(&w, UINT64_MAX);
	mpw_double(&w, 0.1);
	mpw_double(&w, 1e300);
	mpw_double(&w, 2.0);
	expect(&w, false, "[null,true,false,-5,18446744073709551615,0.1,1e+300,2]");
	mpw_array(&w, 3);
	mpw_double(&w, NAN);
	mpw_double(&w, INFINITY);
	mpw_double(&w, -INFINITY);
	expect(&w, false, "[null,null,null]");
	mpw_free(&w);
}

static void test_strings(void **state)
{
	struct mpw w;
	mpw_init(&w);
	mpw_strn(&w, "a\"b\\c\n\t\x01\x7f/", 10);
	expect(&w, false, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f/\"");
	mpw_str(&w, "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"); /* é € 😀 pass through */
	expect(&w, false, "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	mpw_str(&w, "bad\xff\xc3(\xed\xa0\x80"); /* invalid byte, cut sequence, surrogate */
	expect(&w, false, "\"bad\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\"");
	mpw_str(&w, "\xc0\xaf"); /* overlong '/' */
	expect(&w, false, "\"\\ufffd\\ufffd\"");
	mpw_free(&w);
}

static void test_bin(void **state)
{
	struct mpw w;
	mpw_init(&w);
	mpw_array(&w, 3);
	mpw_bin(&w, "text", 4);
	mpw_bin(&w, "\xff\x00\x01", 3);
	mpw_bin(&w, "\xfe", 1);
	expect(&w, false, "[\"text\",\"/wAB\",\"/g==\"]");
	mpw_free(&w);
}

static void test_maps(void **state)
{
	struct mpw w;
	mpw_init(&w);
	mpw_map(&w, 4);
	mpw_kint(&w, "a", 1);
	mpw_int(&w, 7);
	mpw_str(&w, "seven");
	mpw_bool(&w, true);
	mpw_nil(&w);
	mpw_key(&w, "list");
	mpw_array(&w, 0);
	expect(&w, false, "{\"a\":1,\"7\":\"seven\",\"true\":null,\"list\":[]}");
	mpw_map(&w, 2);
	mpw_kint(&w, "a", 1);
	mpw_key(&w, "b");
	mpw_array(&w, 2);
	mpw_int(&w, 1);
	mpw_map(&w, 0);
	expect(&w, true, "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    {}\n  ]\n}");
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars), cmocka_unit_test(test_strings),
		cmocka_unit_test(test_bin),     cmocka_unit_test(test_maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

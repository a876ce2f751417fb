/* Protocol codec: malformed msgpack is refused before any decoder sees it, and random
 * mutations of every valid sample never crash a decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_samples.h"
#include "proto_test_util.h"

static void expect_unpack_fails(const char *buf, size_t len)
{
	msgpack_unpacked u;
	struct mpr_err e;
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, buf, len, &e), -1);
	msgpack_unpacked_destroy(&u);
}

static void test_garbage(void **state)
{
	msgpack_unpacked u;
	struct mpr_err e;
	int t;
	uint64_t id;

	expect_unpack_fails("\xc1", 1);                    /* never used */
	expect_unpack_fails("\x81\xa1t", 3);               /* truncated map */
	expect_unpack_fails("\x80\x80", 2);                /* trailing bytes */
	expect_unpack_fails("\xdd\xff\xff\xff\xff\x00", 6); /* array claiming 4G entries */
	expect_unpack_fails("\xdf\x10\x00\x00\x00\xc0\xc0", 7);
	expect_unpack_fails("\xdb\x00\x00\x10\x00" "abc", 8); /* str longer than the bytes */
	expect_unpack_fails("", 0);
	/* well-formed msgpack that is not a message */
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, "\x93\x01\x02\x03", 4, &e), 0);
	assert_int_equal(msg_envelope(&u.data, &t, &id, &e), -1);
	msgpack_unpacked_destroy(&u);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, "\x81\xa1t\xa1x", 5, &e), 0); /* t is a string */
	assert_int_equal(msg_envelope(&u.data, &t, &id, &e), -1);
	assert_string_equal(e.field, "t");
	msgpack_unpacked_destroy(&u);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, "\x81\xa1t\x05", 4, &e), 0); /* no id: 0 */
	assert_int_equal(msg_envelope(&u.data, &t, &id, &e), 0);
	assert_int_equal(t, 5);
	assert_int_equal(id, 0);
	msgpack_unpacked_destroy(&u);
}

/* Runs the decoder that a type selects, as a daemon would. */
static void decode_any(const msgpack_object *o, int type)
{
	struct mpr_err e;
	for (size_t i = 0; i < ncodecs; i++)
		codecs[i].dec(o, &e); /* every decoder must survive every input */
	(void)type;
}

static void test_fuzz(void **state)
{
	unsigned seed = 12345;
	struct mpw w;

	mpw_init(&w);
	for (size_t c = 0; c < ncodecs; c++) {
		mpw_reset(&w);
		codecs[c].enc(&w);
		size_t len = mpw_len(&w);
		char *buf = malloc(len);
		for (int iter = 0; iter < 300; iter++) {
			memcpy(buf, mpw_data(&w), len);
			int nmut = 1 + rand_r(&seed) % 4;
			for (int m = 0; m < nmut; m++)
				buf[rand_r(&seed) % len] = (char)(rand_r(&seed) & 0xff);
			size_t use = (rand_r(&seed) % 8 == 0) ? (size_t)rand_r(&seed) % len : len;
			msgpack_unpacked u;
			struct mpr_err e;
			int t;
			uint64_t id;
			msgpack_unpacked_init(&u);
			if (mpr_unpack(&u, buf, use, &e) == 0 &&
			    msg_envelope(&u.data, &t, &id, &e) == 0)
				decode_any(&u.data, t);
			msgpack_unpacked_destroy(&u);
		}
		free(buf);
	}
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Framing: whole frames, partial ones, over-limit and empty frames, and split input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

static void test_ready(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char *body;
	size_t len;

	assert_int_equal(frame_push(b, "hello", 5), 0);
	assert_int_equal(frame_push(b, "xy", 2), 0);
	assert_int_equal(evbuffer_get_length(b), 4 + 5 + 4 + 2);
	assert_int_equal(frame_pull(b, 100, &body, &len), FRAME_READY);
	assert_int_equal(len, 5);
	assert_memory_equal(body, "hello", 5);
	free(body);
	assert_int_equal(frame_pull(b, 100, &body, &len), FRAME_READY);
	assert_int_equal(len, 2);
	assert_memory_equal(body, "xy", 2);
	free(body);
	assert_int_equal(frame_pull(b, 100, &body, &len), FRAME_NEED_MORE);
	evbuffer_free(b);
}

static void test_header(void **state)
{
	uint8_t h[FRAME_HDR_LEN];
	frame_header(h, 0x01020304);
	assert_int_equal(h[0], 1);
	assert_int_equal(h[1], 2);
	assert_int_equal(h[2], 3);
	assert_int_equal(h[3], 4);
}

static void test_need_more_split(void **state)
{
	struct evbuffer *whole = evbuffer_new(), *in = evbuffer_new();
	char *body;
	size_t len;

	frame_push(whole, "abcdefgh", 8);
	size_t n = evbuffer_get_length(whole);
	unsigned char *bytes = evbuffer_pullup(whole, -1);
	/* Feed one byte at a time: nothing comes out until the last byte is in. */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(frame_pull(in, 100, &body, &len), FRAME_NEED_MORE);
		evbuffer_add(in, bytes + i, 1);
	}
	assert_int_equal(frame_pull(in, 100, &body, &len), FRAME_READY);
	assert_int_equal(len, 8);
	assert_memory_equal(body, "abcdefgh", 8);
	assert_int_equal(evbuffer_get_length(in), 0);
	free(body);
	evbuffer_free(whole);
	evbuffer_free(in);
}

static void test_too_big(void **state)
{
	struct evbuffer *b = evbuffer_new();
	uint8_t h[FRAME_HDR_LEN];
	char *body = NULL;
	size_t len = 0;

	frame_header(h, 101);
	evbuffer_add(b, h, sizeof h); /* refused on the header alone */
	assert_int_equal(frame_pull(b, 100, &body, &len), FRAME_TOO_BIG);
	assert_int_equal(len, 101);
	assert_null(body);
	frame_header(h, 0xffffffffu);
	evbuffer_drain(b, 4);
	evbuffer_add(b, h, sizeof h);
	assert_int_equal(frame_pull(b, FRAME_MAX_DEFAULT, &body, &len), FRAME_TOO_BIG);
	evbuffer_free(b);
}

static void test_empty(void **state)
{
	struct evbuffer *b = evbuffer_new();
	uint8_t h[FRAME_HDR_LEN] = { 0, 0, 0, 0 };
	char *body;
	size_t len;

	evbuffer_add(b, h, sizeof h);
	assert_int_equal(frame_pull(b, 100, &body, &len), FRAME_EMPTY);
	assert_int_equal(frame_push(b, "", 0), -1);
	evbuffer_free(b);
}

static void test_exact_limit(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char data[100] = { 0 }, *body;
	size_t len;

	frame_push(b, data, sizeof data);
	assert_int_equal(frame_pull(b, 100, &body, &len), FRAME_READY);
	free(body);
	evbuffer_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready),       cmocka_unit_test(test_header),
		cmocka_unit_test(test_need_more_split), cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_empty),       cmocka_unit_test(test_exact_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

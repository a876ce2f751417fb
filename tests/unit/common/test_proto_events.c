/* The event stream's messages: round trips and the decoders' checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

/* w's bytes unpacked into u; returns the map after checking its envelope. */
static const msgpack_object *unpack(const struct mpw *w, msgpack_unpacked *u, int type)
{
	struct mpr_err e;
	uint64_t id;
	int t;

	msgpack_unpacked_init(u);
	assert_int_equal(mpr_unpack(u, mpw_data(w), mpw_len(w), &e), 0);
	assert_int_equal(msg_envelope(&u->data, &t, &id, &e), 0);
	assert_int_equal(t, type);
	return &u->data;
}

static void test_subscribe(void **state)
{
	struct msg_events_subscribe in = { .backlog = 200 }, out;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	msg_encode_events_subscribe(&w, 7, &in);
	assert_int_equal(msg_decode_events_subscribe(unpack(&w, &u, MSG_EVENTS_SUBSCRIBE), &out,
						     &e), 0);
	assert_int_equal(out.backlog, 200);
	msgpack_unpacked_destroy(&u);

	in.backlog = PROTO_MAX_EVENT_BACKLOG + 1;
	mpw_reset(&w);
	msg_encode_events_subscribe(&w, 8, &in);
	assert_int_equal(msg_decode_events_subscribe(unpack(&w, &u, MSG_EVENTS_SUBSCRIBE), &out,
						     &e), -1);
	assert_string_equal(e.field, "backlog");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_event(void **state)
{
	struct msg_event in = { .seq = 42, .time_us = 1700000000000000 }, out;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	strcpy(in.kind, "attempt_state");
	strcpy(in.object, "job-3.t1.a2");
	strcpy(in.node, "node-2");
	strcpy(in.from, "RUNNING");
	strcpy(in.to, "FAILED");
	strcpy(in.text, "exit code 3");
	mpw_init(&w);
	msg_encode_event(&w, &in);
	assert_int_equal(msg_decode_event(unpack(&w, &u, MSG_EVENT), &out, &e), 0);
	assert_memory_equal(&in, &out, sizeof(in));
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w); /* "kind" is required */
	mpw_msg(&w, MSG_EVENT, 0, 1);
	mpw_kuint(&w, "seq", 1);
	assert_int_equal(msg_decode_event(unpack(&w, &u, MSG_EVENT), &out, &e), -1);
	assert_string_equal(e.field, "kind");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subscribe),
		cmocka_unit_test(test_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The scheduling fields of a job spec (gang, time_limit_ms, prefer): they round-trip,
 * default when absent, survive job_spec_copy, and every malformed value is refused with
 * the field named (down to "prefer[3][1]").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static char *argv1[] = { "/bin/true", NULL };

/* Encodes s, decodes it into out; returns the decoder's result. */
static int round_trip(const struct job_spec *s, struct job_spec *out, struct mpr_err *e)
{
	struct mpw w;
	msgpack_unpacked u;

	mpw_init(&w);
	msg_encode_job_submit(&w, 7, s);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), e), 0);
	int rc = msg_decode_job_submit(&u.data, out, e);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
	return rc;
}

static char *p0[] = { "node-1", "node-2", NULL };
static char *p2[] = { "node-3", NULL };

static void sample(struct job_spec *s)
{
	memset(s, 0, sizeof *s);
	s->argv = argv1;
	s->nargv = 1;
	s->ntasks = 4;
	s->gang = true;
	s->time_limit_ms = 600000;
	s->nprefer = 3;
	s->prefer = calloc(3, sizeof *s->prefer);
	s->prefer[0] = (struct task_pref){ p0, 2 };
	s->prefer[1] = (struct task_pref){ NULL, 0 };
	s->prefer[2] = (struct task_pref){ p2, 1 };
}

static void assert_prefer_equal(const struct job_spec *a, const struct job_spec *b)
{
	assert_int_equal(a->nprefer, b->nprefer);
	for (int i = 0; i < a->nprefer; i++) {
		assert_int_equal(a->prefer[i].n, b->prefer[i].n);
		for (int k = 0; k < a->prefer[i].n; k++)
			assert_string_equal(a->prefer[i].nodes[k], b->prefer[i].nodes[k]);
	}
}

static void test_round_trip(void **state)
{
	struct job_spec s, d, c;
	struct mpr_err e;

	sample(&s);
	assert_int_equal(round_trip(&s, &d, &e), 0);
	assert_true(d.gang);
	assert_int_equal(d.time_limit_ms, 600000);
	assert_prefer_equal(&s, &d);

	job_spec_copy(&c, &d);
	assert_true(c.gang);
	assert_int_equal(c.time_limit_ms, 600000);
	assert_prefer_equal(&d, &c);
	assert_ptr_not_equal(c.prefer, d.prefer);
	job_spec_free(&d);
	assert_null(d.prefer);
	assert_int_equal(d.nprefer, 0);
	assert_string_equal(c.prefer[2].nodes[0], "node-3"); /* the copy owns its names */
	job_spec_free(&c);
	free(s.prefer);
}

/* No scheduling fields at all, as an older client sends: gang off, no limit, no prefer. */
static void test_absent_defaults(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct job_spec d;

	mpw_init(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 1);
	mpw_kstrv(&w, "argv", argv1, 1);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), &e), 0);
	assert_int_equal(msg_decode_job_submit(&u.data, &d, &e), 0);
	assert_false(d.gang);
	assert_int_equal(d.time_limit_ms, 0);
	assert_null(d.prefer);
	assert_int_equal(d.nprefer, 0);
	job_spec_free(&d);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* A spec without them round-trips to the same defaults (and copies without prefer). */
static void test_empty_round_trip(void **state)
{
	struct job_spec s = { .argv = argv1, .nargv = 1, .ntasks = 2 }, d, c;
	struct mpr_err e;

	assert_int_equal(round_trip(&s, &d, &e), 0);
	assert_false(d.gang);
	assert_int_equal(d.time_limit_ms, 0);
	assert_null(d.prefer);
	job_spec_copy(&c, &d);
	assert_null(c.prefer);
	assert_int_equal(c.nprefer, 0);
	job_spec_free(&c);
	job_spec_free(&d);
}

/* ---- malformed values ------------------------------------------------------------- */

static void w_gang_str(struct mpw *w) { mpw_kstr(w, "gang", "yes"); }
static void w_limit_neg(struct mpw *w) { mpw_kint(w, "time_limit_ms", -1); }
static void w_limit_big(struct mpw *w) { mpw_kint(w, "time_limit_ms", PROTO_MAX_TIME_LIMIT_MS + 1); }
static void w_limit_str(struct mpw *w) { mpw_kstr(w, "time_limit_ms", "10m"); }
static void w_prefer_str(struct mpw *w) { mpw_kstr(w, "prefer", "node-1"); }

/* "prefer": n entries, each the one-node list ["node-<i>"]. */
static void prefer_n(struct mpw *w, int n)
{
	char name[32];

	mpw_key(w, "prefer");
	mpw_array(w, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "node-%d", i);
		mpw_array(w, 1);
		mpw_str(w, name);
	}
}
static void w_prefer_more_than_tasks(struct mpw *w) { prefer_n(w, 5); }

static void w_prefer_entry_str(struct mpw *w)
{
	mpw_key(w, "prefer");
	mpw_array(w, 2);
	mpw_array(w, 0);
	mpw_str(w, "node-1");
}

static void w_prefer_too_many_nodes(struct mpw *w)
{
	char name[32];

	mpw_key(w, "prefer");
	mpw_array(w, 1);
	mpw_array(w, PROTO_MAX_PREFER + 1);
	for (int i = 0; i <= PROTO_MAX_PREFER; i++) {
		snprintf(name, sizeof name, "node-%d", i);
		mpw_str(w, name);
	}
}

/* prefer[3] = ["node-1", <value written by last>]. */
static void prefer_bad_second(struct mpw *w, void (*last)(struct mpw *))
{
	mpw_key(w, "prefer");
	mpw_array(w, 4);
	for (int i = 0; i < 3; i++)
		mpw_array(w, 0);
	mpw_array(w, 2);
	mpw_str(w, "node-1");
	last(w);
}
static void long_name(struct mpw *w)
{
	char name[PROTO_NAME_MAX + 1];
	memset(name, 'n', PROTO_NAME_MAX);
	name[PROTO_NAME_MAX] = '\0';
	mpw_str(w, name);
}
static void empty_name(struct mpw *w) { mpw_str(w, ""); }
static void int_name(struct mpw *w) { mpw_int(w, 3); }
static void dup_name(struct mpw *w) { mpw_str(w, "node-1"); }
static void nul_name(struct mpw *w) { mpw_strn(w, "no\0de", 5); }
static void w_prefer_long(struct mpw *w) { prefer_bad_second(w, long_name); }
static void w_prefer_empty(struct mpw *w) { prefer_bad_second(w, empty_name); }
static void w_prefer_int(struct mpw *w) { prefer_bad_second(w, int_name); }
static void w_prefer_dup(struct mpw *w) { prefer_bad_second(w, dup_name); }
static void w_prefer_nul(struct mpw *w) { prefer_bad_second(w, nul_name); }

static const struct bad {
	void (*write)(struct mpw *w); /* writes the one bad key and its value */
	const char *field, *msg;      /* what the error must say */
} bads[] = {
	{ w_gang_str, "gang", "" },
	{ w_limit_neg, "time_limit_ms", "" },
	{ w_limit_big, "time_limit_ms", "" },
	{ w_limit_str, "time_limit_ms", "" },
	{ w_prefer_str, "prefer", "" },
	{ w_prefer_more_than_tasks, "prefer", "4 tasks" },
	{ w_prefer_entry_str, "prefer[1]", "array of node names" },
	{ w_prefer_too_many_nodes, "prefer[0]", "at most 16" },
	{ w_prefer_long, "prefer[3][1]", "node name too long" },
	{ w_prefer_empty, "prefer[3][1]", "empty" },
	{ w_prefer_int, "prefer[3][1]", "must be a node name" },
	{ w_prefer_dup, "prefer[3][1]", "listed twice" },
	{ w_prefer_nul, "prefer[3][1]", "NUL" },
};

/* Decodes {argv, ntasks 4, <one key by write>}; returns the decoder's result. */
static int decode_with(void (*write)(struct mpw *w), struct mpr_err *e)
{
	struct mpw w;
	msgpack_unpacked u;
	struct job_spec d;

	mpw_init(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 3);
	mpw_kstrv(&w, "argv", argv1, 1);
	mpw_kint(&w, "ntasks", 4);
	write(&w);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), e), 0);
	int rc = msg_decode_job_submit(&u.data, &d, e);
	if (rc == 0)
		job_spec_free(&d);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
	return rc;
}

static void test_malformed(void **state)
{
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		struct mpr_err e;
		memset(&e, 0, sizeof e);
		if (decode_with(bads[i].write, &e) != -1)
			fail_msg("case %zu (%s) was accepted", i, bads[i].field);
		if (strcmp(e.field, bads[i].field) != 0 || strstr(e.msg, bads[i].msg) == NULL)
			fail_msg("case %zu: got '%s: %s', want '%s: ...%s...'", i, e.field, e.msg,
				 bads[i].field, bads[i].msg);
	}
}

/* The edges that are allowed: 0 = no limit, the maximum, as many entries as tasks, a
 * task with no preferred node, and PROTO_MAX_PREFER nodes of a full-length name. */
static void w_limit_zero(struct mpw *w) { mpw_kint(w, "time_limit_ms", 0); }
static void w_limit_max(struct mpw *w) { mpw_kint(w, "time_limit_ms", PROTO_MAX_TIME_LIMIT_MS); }
static void w_prefer_all_tasks(struct mpw *w) { prefer_n(w, 4); }
static void w_prefer_max(struct mpw *w)
{
	char name[PROTO_NAME_MAX];

	mpw_key(w, "prefer");
	mpw_array(w, 1);
	mpw_array(w, PROTO_MAX_PREFER);
	for (int i = 0; i < PROTO_MAX_PREFER; i++) {
		memset(name, 'a' + i, sizeof name - 1);
		name[sizeof name - 1] = '\0';
		mpw_str(w, name);
	}
}
static void w_gang_nil(struct mpw *w) { mpw_key(w, "gang"); mpw_nil(w); }

static void test_edges_accepted(void **state)
{
	void (*ok[])(struct mpw *) = { w_limit_zero, w_limit_max, w_prefer_all_tasks,
				       w_prefer_max, w_gang_nil };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct mpr_err e;
		memset(&e, 0, sizeof e);
		if (decode_with(ok[i], &e) != 0)
			fail_msg("case %zu refused: %s: %s", i, e.field, e.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_absent_defaults),
		cmocka_unit_test(test_empty_round_trip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_edges_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

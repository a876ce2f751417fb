/* The event ring (bounded, oldest dropped first) and the setters' reports to the sink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "events.h"
#include "fixture.h"

static void test_ring_push_get(void **state)
{
	struct cev_ring r;
	struct cluster_event ev = { .kind = CEV_JOB_STATE };

	cev_ring_init(&r, 4);
	assert_null(cev_ring_get(&r, 0));
	assert_null(cev_ring_get(&r, 1));
	for (int i = 1; i <= 3; i++) {
		snprintf(ev.text, sizeof(ev.text), "e%d", i);
		cev_ring_push(&r, &ev);
		assert_int_equal(ev.seq, i);
	}
	assert_int_equal(r.first, 1);
	assert_int_equal(r.last, 3);
	assert_string_equal(cev_ring_get(&r, 2)->text, "e2");
	assert_null(cev_ring_get(&r, 4));
	cev_ring_free(&r);
}

static void test_ring_drops_oldest(void **state)
{
	struct cev_ring r;
	struct cluster_event ev = { .kind = CEV_NODE_STATE };

	cev_ring_init(&r, 3);
	for (int i = 1; i <= 10; i++) {
		snprintf(ev.text, sizeof(ev.text), "e%d", i);
		cev_ring_push(&r, &ev);
	}
	assert_int_equal(r.first, 8);
	assert_int_equal(r.last, 10);
	assert_null(cev_ring_get(&r, 7));
	assert_string_equal(cev_ring_get(&r, 8)->text, "e8");
	assert_string_equal(cev_ring_get(&r, 10)->text, "e10");
	assert_int_equal(cev_ring_get(&r, 9)->seq, 9);
	cev_ring_free(&r);
}

/* A sink that keeps what the setters report. */
struct seen {
	struct cev_ring ring;
};

static void keep(void *arg, struct cluster_event *ev)
{
	cev_ring_push(&((struct seen *)arg)->ring, ev);
}

/* The first kept event of kind about object id, or NULL. */
static const struct cluster_event *find(const struct seen *s, enum cev_kind kind, const char *id,
					const char *to)
{
	for (uint64_t q = s->ring.first; q <= s->ring.last; q++) {
		const struct cluster_event *e = cev_ring_get(&s->ring, q);
		if (e->kind == kind && strcmp(e->id, id) == 0 && strcmp(e->to, to) == 0)
			return e;
	}
	return NULL;
}

static void test_setters_report(void **state)
{
	struct fx f;
	struct seen s;
	const struct cluster_event *e;

	cev_ring_init(&s.ring, 64);
	cev_set_sink(keep, &s);
	fx_init(&f);
	struct rm_node *n = fx_node(&f, "node-1", 4, 4096);
	e = find(&s, CEV_NODE_STATE, "node-1", "RUNNING");
	assert_non_null(e);
	assert_string_equal(e->from, "NEW");
	assert_string_equal(e->text, "registered");

	fx_job(&f, 1, 0, 1);
	assert_non_null(find(&s, CEV_JOB_SUBMITTED, "job-1", "PENDING"));
	assert_int_equal(fx_pass(&f), 1);
	e = find(&s, CEV_ATTEMPT_PLACED, "job-1.t0.a1", "STARTING");
	assert_non_null(e);
	assert_string_equal(e->node, "node-1");

	node_lost(&f.cl, n, "no heartbeat");
	assert_non_null(find(&s, CEV_NODE_STATE, "node-1", "LOST"));
	e = find(&s, CEV_ATTEMPT_STATE, "job-1.t0.a1", "LOST");
	assert_non_null(e);
	assert_string_equal(e->from, "STARTING");
	cev_set_sink(NULL, NULL);
	fx_free(&f);
	cev_ring_free(&s.ring);
}

static void test_no_sink_is_silent(void **state)
{
	struct fx f;

	cev_set_sink(NULL, NULL);
	fx_init(&f);
	fx_node(&f, "node-1", 1, 1024); /* must not crash without a sink */
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_push_get),
		cmocka_unit_test(test_ring_drops_oldest),
		cmocka_unit_test(test_setters_report),
		cmocka_unit_test(test_no_sink_is_silent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

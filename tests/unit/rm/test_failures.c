/* Node failures: both detectors on synthetic heartbeat arrivals, per-job and cluster-wide
 * exclusion, health verdicts, and draining. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static const struct detect_conf expiry4 = { .kind = DETECT_EXPIRY, .expiry_ms = 4000 };
static const struct detect_conf phi8 = { .kind = DETECT_PHI, .expiry_ms = 4000,
					 .phi_threshold = 8, .window = 200, .min_std_ms = 200,
					 .pause_ms = 2000, .first_ms = 500 };

/* Heartbeats at t0, then one after each interval of iv[] (cycled) until n arrivals. */
static int64_t feed(struct hb_history *h, const struct detect_conf *c, int64_t t0,
		    const int64_t *iv, int niv, int n)
{
	int64_t t = t0;

	detect_arrival(h, c, t);
	for (int i = 0; i < n; i++) {
		t += iv[i % niv];
		detect_arrival(h, c, t);
	}
	return t;
}

/* The first silence (10 ms steps) that the detector calls death. */
static int64_t time_to_death(const struct hb_history *h, const struct detect_conf *c,
			     int64_t last)
{
	char why[128];

	for (int64_t q = 0; q < 600000; q += 10)
		if (detect_dead(h, c, last, last + q, why, sizeof why))
			return q;
	return -1;
}

static void test_expiry(void **state)
{
	struct hb_history h = { 0 };
	char why[128];

	detect_arrival(&h, &expiry4, 1000);
	assert_false(detect_dead(&h, &expiry4, 1000, 5000, why, sizeof why));
	assert_true(detect_dead(&h, &expiry4, 1000, 5001, why, sizeof why));
	assert_string_equal(why, "no heartbeat for 4.0s");
	/* any message counts as life (last_seen), not only heartbeats */
	assert_false(detect_dead(&h, &expiry4, 4000, 5001, why, sizeof why));
	detect_free(&h);
}

/* Regular 500 ms heartbeats: phi stays near 0 on time and crosses 8 within seconds. */
static void test_phi_regular(void **state)
{
	struct hb_history h = { 0 };
	const int64_t iv[] = { 500, 510, 490, 505, 495 };
	int64_t last = feed(&h, &phi8, 1000, iv, 5, 300);
	char why[128];

	assert_int_equal(h.n, 200); /* the window is full; the pseudo-samples are gone */
	assert_true(detect_phi(&h, &phi8, 500) < 0.1);
	assert_true(detect_phi(&h, &phi8, 2500) < 1);
	assert_false(detect_dead(&h, &phi8, last, last + 2600, why, sizeof why));
	int64_t d = time_to_death(&h, &phi8, last);
	/* mean 500 + pause 2000 + about 5.6 sd (200, the floor) */
	assert_true(d > 3000 && d < 4000);
	assert_true(detect_dead(&h, &phi8, last, last + d, why, sizeof why));
	assert_non_null(strstr(why, "phi"));
	detect_free(&h);
}

/*
 * A slow but alive node on a noisy machine: heartbeats come 0.2 to 2.4 s apart. Expiry
 * at 2 s would declare it dead many times over; phi learns the spread and waits longer,
 * and still declares it dead once it is really silent.
 */
static void test_phi_noisy_no_false_positive(void **state)
{
	const struct detect_conf c = { .kind = DETECT_PHI, .expiry_ms = 2000, .phi_threshold = 8,
				       .window = 200, .min_std_ms = 200, .pause_ms = 0,
				       .first_ms = 500 };
	const struct detect_conf exp2 = { .kind = DETECT_EXPIRY, .expiry_ms = 2000 };
	const int64_t iv[] = { 200, 2400, 600, 1800, 300, 2200, 900, 1500 };
	struct hb_history h = { 0 };
	int64_t t = 0;
	int false_expiry = 0, false_phi = 0;
	char why[128];

	detect_arrival(&h, &c, t);
	for (int i = 0; i < 400; i++) {
		int64_t next = t + iv[i % 8];
		/* just before each arrival: would either detector have called it dead? */
		false_expiry += detect_dead(&h, &exp2, t, next - 1, why, sizeof why);
		if (i >= 20) /* once the window has learnt the spread */
			false_phi += detect_dead(&h, &c, t, next - 1, why, sizeof why);
		detect_arrival(&h, &c, next);
		t = next;
	}
	assert_true(false_expiry > 0);
	assert_int_equal(false_phi, 0);
	int64_t d = time_to_death(&h, &c, t);
	assert_true(d > 2400 && d < 15000);
	detect_free(&h);
}

/* Before real samples, phi works from the configured interval (pseudo-samples). */
static void test_phi_bootstrap_and_reset(void **state)
{
	struct hb_history h = { 0 };
	char why[128];

	assert_false(detect_dead(&h, &phi8, 0, 3900, why, sizeof why)); /* no sample: expiry */
	assert_true(detect_dead(&h, &phi8, 0, 4100, why, sizeof why));
	detect_arrival(&h, &phi8, 100);
	assert_int_equal(h.n, 2);
	assert_true(fabs(h.sum / h.n - 500) < 1e-9);
	int64_t d = time_to_death(&h, &phi8, 100);
	assert_true(d > 2500 && d < 5000);
	detect_reset(&h);
	assert_int_equal(h.n, 0);
	assert_int_equal(h.last_ms, 0);
	detect_free(&h);
	assert_int_equal(detect_kind_parse("phi"), DETECT_PHI);
	assert_int_equal(detect_kind_parse("expiry"), DETECT_EXPIRY);
	assert_int_equal(detect_kind_parse("gossip"), -1);
}

/* The window slides: after the node speeds up, detection gets faster again. */
static void test_phi_window_slides(void **state)
{
	const struct detect_conf c = { .kind = DETECT_PHI, .phi_threshold = 8, .window = 50,
				       .min_std_ms = 100, .pause_ms = 500, .first_ms = 500 };
	struct hb_history h = { 0 };
	const int64_t slow[] = { 1000, 3000 }, fast[] = { 500 };
	int64_t t = feed(&h, &c, 0, slow, 2, 100);
	int64_t d_slow = time_to_death(&h, &c, t);

	t = feed(&h, &c, t + 500, fast, 1, 100);
	int64_t d_fast = time_to_death(&h, &c, t);
	assert_int_equal(h.n, 50);
	assert_true(d_fast < d_slow);
	assert_true(d_fast < 2000);
	detect_free(&h);
}

static void fail_attempt(struct fx *f, struct rm_attempt *a)
{
	fx_report(f, a, AR_RUNNING, 0, 0);
	fx_report(f, a, AR_EXITED, 1, 0);
}

/* The newest attempt of task 0 of j. */
static struct rm_attempt *last0(struct rm_job *j)
{
	return task_last_attempt(&j->tasks[0]);
}

/* N failures of a job on one node exclude it for that job; others still go there. */
static void test_job_exclusion(void **state)
{
	struct fx *f = *state;
	f->cl.fc.job_node_failures = 2;
	struct rm_node *n1 = fx_node(f, "n1", 4, 4000), *n2 = fx_node(f, "n2", 1, 1000);
	struct rm_job *j = fx_job(f, 1, 0, 10);

	n2->peer = NULL; /* only n1 takes work for now */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fx_pass(f), 1);
		assert_ptr_equal(last0(j)->node, n1);
		fail_attempt(f, last0(j));
	}
	assert_true(job_node_excluded(j, n1));
	assert_false(job_node_excluded(j, n2));
	assert_int_equal(job_excluded_count(j), 1);
	/* n2 is a member that could take it: the task waits rather than use n1 */
	assert_int_equal(fx_pass(f), 0);
	struct rm_job *other = fx_job(f, 1, 0, 1); /* another job still runs on n1 */
	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(last0(other)->node, n1);
	n2->peer = (struct peer *)f;
	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(last0(j)->node, n2);
}

/* When every member node is excluded for a job, placement falls back to them. */
static void test_job_exclusion_fallback(void **state)
{
	struct fx *f = *state;
	f->cl.fc.job_node_failures = 1;
	struct rm_node *n1 = fx_node(f, "n1", 2, 2000);
	struct rm_job *j = fx_job(f, 1, 0, 3);

	for (int i = 0; i < 3; i++) {
		assert_int_equal(fx_pass(f), 1);
		assert_ptr_equal(last0(j)->node, n1);
		fail_attempt(f, last0(j));
	}
	assert_int_equal(j->state, JOB_FAILED); /* max_attempts decided, not a forever wait */
}

/* M failures across jobs within the window: UNHEALTHY for the cool-down, then back. */
static void test_node_exclusion_cooldown(void **state)
{
	struct fx *f = *state;
	f->cl.fc.node_failures = 3;
	f->cl.fc.node_failure_window_us = 60 * 1000000LL;
	f->cl.fc.node_cooldown_us = 120 * 1000000LL;
	struct rm_node *n1 = fx_node(f, "n1", 8, 8000);

	for (int i = 0; i < 3; i++) {
		struct rm_job *j = fx_job(f, 1, 0, 1);
		assert_int_equal(fx_pass(f), 1);
		fail_attempt(f, last0(j));
		f->now += 1000000;
	}
	assert_int_equal(n1->state, NODE_UNHEALTHY);
	assert_string_equal(n1->reason, "excluded: 3 attempt failures in 1m");
	fx_job(f, 1, 0, 1);
	assert_int_equal(fx_pass(f), 0);
	f->now += 60 * 1000000LL;
	nodes_failures_tick(&f->cl);
	assert_int_equal(n1->state, NODE_UNHEALTHY);
	f->now += 61 * 1000000LL;
	nodes_failures_tick(&f->cl);
	assert_int_equal(n1->state, NODE_RUNNING);
	assert_int_equal(fx_pass(f), 1);
}

/* Failures spread wider than the window never exclude the node. */
static void test_node_failures_outside_window(void **state)
{
	struct fx *f = *state;
	f->cl.fc.node_failures = 3;
	f->cl.fc.node_failure_window_us = 10 * 1000000LL;
	f->cl.fc.node_cooldown_us = 10 * 1000000LL;
	struct rm_node *n1 = fx_node(f, "n1", 8, 8000);

	for (int i = 0; i < 6; i++) {
		struct rm_job *j = fx_job(f, 1, 0, 1);
		assert_int_equal(fx_pass(f), 1);
		fail_attempt(f, last0(j));
		f->now += 6 * 1000000LL;
	}
	assert_int_equal(n1->state, NODE_RUNNING);
}

/* The agent's health verdict moves the node, with the script's text as the reason. */
static void test_health_report(void **state)
{
	struct fx *f = *state;
	struct rm_node *n1 = fx_node(f, "n1", 2, 2000);

	node_health_report(&f->cl, n1, true, "");
	assert_int_equal(n1->state, NODE_RUNNING);
	node_health_report(&f->cl, n1, false, "ERROR disk /data full");
	assert_int_equal(n1->state, NODE_UNHEALTHY);
	assert_string_equal(n1->reason, "health check: ERROR disk /data full");
	fx_job(f, 1, 0, 1);
	assert_int_equal(fx_pass(f), 0);
	node_health_report(&f->cl, n1, false, "ERROR fan");
	assert_string_equal(n1->reason, "health check: ERROR fan");
	node_health_report(&f->cl, n1, true, "");
	assert_int_equal(n1->state, NODE_RUNNING);
	assert_int_equal(fx_pass(f), 1);
	/* a draining node keeps draining; the verdict applies if it is undrained */
	char err[128];
	assert_int_equal(rm_node_drain(&f->cl, n1, 60000, "test", err, sizeof err), 0);
	node_health_report(&f->cl, n1, false, "ERROR x");
	assert_int_equal(n1->state, NODE_DRAINING);
	assert_int_equal(rm_node_undrain(&f->cl, n1, err, sizeof err), 0);
	assert_int_equal(n1->state, NODE_UNHEALTHY);
	/* lost, back (RUNNING on registration), the same verdict again: UNHEALTHY again */
	node_lost(&f->cl, n1, "test");
	node_set_state(n1, NODE_RUNNING, "re-registered");
	node_health_report(&f->cl, n1, false, "ERROR x");
	assert_int_equal(n1->state, NODE_UNHEALTHY);
}

/* Drain: no new work, the running attempt finishes, then DECOMMISSIONED. */
static void test_drain_waits(void **state)
{
	struct fx *f = *state;
	struct rm_node *n1 = fx_node(f, "n1", 2, 2000);
	struct rm_job *j = fx_job(f, 1, 0, 1);
	char err[128];

	assert_int_equal(fx_pass(f), 1);
	struct rm_attempt *a = last0(j);
	fx_report(f, a, AR_RUNNING, 0, 0);
	assert_int_equal(rm_node_drain(&f->cl, n1, 60000, "maintenance", err, sizeof err), 0);
	assert_int_equal(n1->state, NODE_DRAINING);
	assert_string_equal(n1->reason, "draining: maintenance");
	fx_job(f, 1, 0, 1);
	assert_int_equal(fx_pass(f), 0);
	nodes_failures_tick(&f->cl);
	assert_int_equal(n1->state, NODE_DRAINING);
	fx_report(f, a, AR_EXITED, 0, 0);
	outcome_committed(&f->cl, a, true, true, "");
	nodes_failures_tick(&f->cl);
	assert_int_equal(n1->state, NODE_DECOMMISSIONED);
	assert_int_equal(j->state, JOB_SUCCEEDED);
	assert_int_equal(rm_node_undrain(&f->cl, n1, err, sizeof err), -1);
	assert_int_equal(rm_node_drain(&f->cl, n1, 0, "again", err, sizeof err), -1);
}

/* After the timeout, running attempts are killed and placed elsewhere, not counted. */
static void test_drain_timeout_moves(void **state)
{
	struct fx *f = *state;
	struct rm_node *n1 = fx_node(f, "n1", 1, 1000);
	struct rm_job *j = fx_job(f, 1, 0, 1);
	char err[128];

	assert_int_equal(fx_pass(f), 1);
	struct rm_attempt *a = last0(j);
	fx_report(f, a, AR_RUNNING, 0, 0);
	struct rm_node *n2 = fx_node(f, "n2", 1, 1000);
	assert_int_equal(rm_node_drain(&f->cl, n1, 5000, "scale down", err, sizeof err), 0);
	f->now += 4 * 1000000LL;
	nodes_failures_tick(&f->cl);
	assert_int_equal(a->state, ATT_RUNNING);
	f->now += 2 * 1000000LL;
	nodes_failures_tick(&f->cl);
	assert_int_equal(a->state, ATT_KILLED);
	assert_int_equal(f->nkill, 1);
	assert_int_equal(j->tasks[0].nfailed, 0);
	assert_int_equal(n1->state, NODE_DECOMMISSIONED);
	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(last0(j)->node, n2);
}

/* Draining an idle node decommissions it at once; a lost one too; a new one refuses. */
static void test_drain_states(void **state)
{
	struct fx *f = *state;
	struct rm_node *n1 = fx_node(f, "n1", 1, 1000), *n2 = fx_node(f, "n2", 1, 1000);
	struct rm_node *n3 = cluster_add_node(&f->cl, "n3");
	char err[128];

	assert_int_equal(rm_node_drain(&f->cl, n1, -1, "idle", err, sizeof err), 0);
	assert_int_equal(n1->state, NODE_DECOMMISSIONED);
	node_lost(&f->cl, n2, "test");
	assert_int_equal(rm_node_drain(&f->cl, n2, -1, "gone", err, sizeof err), 0);
	assert_int_equal(n2->state, NODE_DECOMMISSIONED);
	assert_int_equal(rm_node_drain(&f->cl, n3, -1, "new", err, sizeof err), -1);
	assert_string_equal(err, "node n3 is NEW and cannot be drained");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_phi_regular),
		cmocka_unit_test(test_phi_noisy_no_false_positive),
		cmocka_unit_test(test_phi_bootstrap_and_reset),
		cmocka_unit_test(test_phi_window_slides),
		cmocka_unit_test_setup_teardown(test_job_exclusion, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_job_exclusion_fallback, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_node_exclusion_cooldown, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_node_failures_outside_window, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_health_report, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_drain_waits, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_drain_timeout_moves, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_drain_states, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

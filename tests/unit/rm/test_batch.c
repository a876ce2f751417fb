/* Batch policies of rmcore (rm/batch.c, rm/batch-backfill.c) on small hand-checked queues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"

#define MAXJ 16

struct bx {
	struct batch b;
	struct batch_job j[MAXJ];
	size_t n;
};

static struct bx *bx_new(const char *policy, int32_t nodes)
{
	static struct bx x;
	const struct batch_policy *p = batch_policy_find(policy);

	assert_non_null(p);
	memset(&x, 0, sizeof(x));
	batch_init(&x.b, p, nodes);
	return &x;
}

/* Submits a job of user (processors = nodes) and returns it. */
static struct batch_job *bx_submit_user(struct bx *x, int64_t submit, int64_t req,
					int32_t nodes, int64_t user)
{
	struct batch_job *j = &x->j[x->n];

	assert_true(x->n < MAXJ);
	*j = (struct batch_job){ .submit = submit, .req = req, .procs = nodes, .nodes = nodes,
				 .user = user, .id = x->n++ };
	batch_submit(&x->b, j);
	return j;
}

static struct batch_job *bx_submit(struct bx *x, int64_t submit, int64_t req, int32_t nodes)
{
	return bx_submit_user(x, submit, req, nodes, 0);
}

static bool started(const struct bx *x, const struct batch_job *j)
{
	for (size_t i = 0; i < x->b.nstarted; i++)
		if (x->b.started[i] == j)
			return true;
	return false;
}

/* Strict FCFS: a job that fits waits behind a head that does not. */
static void test_fcfs_strict(void **state)
{
	struct bx *x = bx_new("fcfs", 4);
	struct batch_job *r = bx_submit(x, 0, 100, 3);

	assert_int_equal(batch_pass(&x->b, 0), 1);
	struct batch_job *head = bx_submit(x, 1, 10, 2);
	struct batch_job *small = bx_submit(x, 2, 10, 1);
	assert_int_equal(batch_pass(&x->b, 2), 0);
	assert_int_equal(head->start, -1);
	batch_finish(&x->b, r, 100);
	assert_int_equal(batch_pass(&x->b, 100), 2);
	assert_ptr_equal(x->b.started[0], head);
	assert_ptr_equal(x->b.started[1], small);
	assert_int_equal(small->start, 100);
	assert_int_equal(x->b.free, 1);
	batch_free(&x->b);
}

/* SJF orders by requested time (ties by submit time), never by anything else. */
static void test_sjf_requested_time(void **state)
{
	struct bx *x = bx_new("sjf", 1);
	struct batch_job *r = bx_submit(x, 0, 100, 1);

	batch_pass(&x->b, 0);
	struct batch_job *lng = bx_submit(x, 1, 500, 1);
	struct batch_job *shrt2 = bx_submit(x, 3, 50, 1);
	struct batch_job *shrt1 = bx_submit(x, 2, 50, 1);
	batch_pass(&x->b, 3);
	batch_finish(&x->b, r, 100);
	assert_int_equal(batch_pass(&x->b, 100), 1);
	assert_ptr_equal(x->b.started[0], shrt1);
	batch_finish(&x->b, shrt1, 150);
	assert_int_equal(batch_pass(&x->b, 150), 1);
	assert_ptr_equal(x->b.started[0], shrt2);
	assert_int_equal(lng->start, -1);
	batch_free(&x->b);
}

/* Without backfilling the head is chosen once: a shorter job arriving later waits. */
static void test_sjf_head_not_revisited(void **state)
{
	struct bx *x = bx_new("sjf", 2);
	struct batch_job *r = bx_submit(x, 0, 100, 2);

	batch_pass(&x->b, 0);
	struct batch_job *head = bx_submit(x, 1, 100, 2);
	assert_int_equal(batch_pass(&x->b, 1), 0);
	struct batch_job *shrt = bx_submit(x, 2, 10, 1);
	assert_int_equal(batch_pass(&x->b, 2), 0);
	batch_finish(&x->b, r, 100);
	assert_int_equal(batch_pass(&x->b, 100), 1);
	assert_ptr_equal(x->b.started[0], head);
	assert_int_equal(shrt->start, -1);
	batch_free(&x->b);
}

/* F1 reads 0 as 0.1: log10(0.1)*1 + 870*log10(0.1) = -871. */
static void test_f1_key(void **state)
{
	assert_true(batch_f1_key(0, 0, 1) > -871.0001 && batch_f1_key(0, 0, 1) < -870.9999);
	assert_true(batch_f1_key(1000, 10, 4) < batch_f1_key(1000, 10, 8));
	assert_true(batch_f1_key(1000, 10, 4) < batch_f1_key(2000, 10, 4));
}

/*
 * Machine 8: R1 (4 nodes, asks 100 s) and R2 (1 node, asks 50 s) run from 0, 3 free.
 * The head H needs 6: its reservation is at 100 (after R2 and R1), with 2 extra nodes.
 */
static struct batch_job *setup_reservation(struct bx *x)
{
	bx_submit(x, 0, 100, 4);
	bx_submit(x, 0, 50, 1);
	assert_int_equal(batch_pass(&x->b, 0), 2);
	return bx_submit(x, 5, 1000, 6);
}

/* Conservative backfilling: only jobs ending strictly before the reservation start. */
static void test_backfill_keeps_reservation(void **state)
{
	struct bx *x = bx_new("fcfs-bf", 8);
	struct batch_job *h = setup_reservation(x);
	struct batch_job *lng = bx_submit(x, 6, 500, 1);
	struct batch_job *edge = bx_submit(x, 7, 90, 1);   /* 10 + 90 = 100: not before */
	struct batch_job *shrt = bx_submit(x, 8, 80, 1);

	assert_int_equal(batch_pass(&x->b, 10), 1);
	assert_true(started(x, shrt));
	assert_false(started(x, lng) || started(x, edge) || started(x, h));
	assert_int_equal(x->b.reserve, 100);
	batch_free(&x->b);
}

/* EASY: long jobs may take the extra nodes (2 here), and no more than those. */
static void test_easy_extra_nodes(void **state)
{
	struct bx *x = bx_new("easy", 8);
	struct batch_job *h = setup_reservation(x);
	struct batch_job *l1 = bx_submit(x, 6, 500, 1);
	struct batch_job *l2 = bx_submit(x, 7, 500, 1);
	struct batch_job *l3 = bx_submit(x, 8, 500, 1);
	struct batch_job *edge = bx_submit(x, 9, 90, 1);   /* ends at 100: by the shadow */

	assert_int_equal(batch_pass(&x->b, 10), 3);
	assert_true(started(x, l1) && started(x, l2) && started(x, edge));
	assert_false(started(x, l3) || started(x, h));
	assert_int_equal(x->b.free, 0);
	batch_free(&x->b);
}

/* ---- loom: estimate correction, queue key, pass ------------------------------------ */

/* No history: the request. Then the request scaled by the mean ratio of the last two. */
static void test_est_predict(void **state)
{
	struct batch_est e = { 0 };

	assert_int_equal(batch_est_predict(&e, 7, 1000), 1000);
	batch_est_learn(&e, 7, 1000, 500);                 /* ratio 0.5 */
	assert_int_equal(batch_est_predict(&e, 7, 600), 300);
	batch_est_learn(&e, 7, 100, 10);                   /* 0.1: mean of 0.5 and 0.1 */
	assert_int_equal(batch_est_predict(&e, 7, 1000), 300);
	batch_est_learn(&e, 7, 100, 500);                  /* overran: counts as 1 */
	assert_int_equal(batch_est_predict(&e, 7, 1000), 550);
	batch_est_learn(&e, 7, 1000, 0);                   /* never below 1 s */
	batch_est_learn(&e, 7, 1000, 0);
	assert_int_equal(batch_est_predict(&e, 7, 1000), 1);
	assert_int_equal(batch_est_predict(&e, 8, 1000), 1000); /* another user */
	assert_int_equal(batch_est_predict(&e, -1, 1000), 1000); /* unknown user */
	batch_est_free(&e);
}

/* Hundreds of users (the table grows) each keep their own history. */
static void test_est_many_users(void **state)
{
	struct batch_est e = { 0 };

	for (int64_t u = 0; u < 500; u++)
		batch_est_learn(&e, u * 7919, 1000, u + 1);
	for (int64_t u = 0; u < 500; u++)
		assert_int_equal(batch_est_predict(&e, u * 7919, 1000), u + 1);
	assert_int_equal(e.n, 500);
	batch_est_free(&e);
}

static struct batch_job job(int64_t submit, int64_t est, int32_t nodes)
{
	return (struct batch_job){ .submit = submit, .req = est, .est = est, .procs = nodes,
				   .nodes = nodes };
}

/* Shorter per node first; equally long: wider first; waiting lowers the key. */
static void test_loom_key_order(void **state)
{
	struct batch_job shrt = job(0, 100, 1), lng = job(0, 1000, 1), wide = job(0, 1000, 8);

	assert_true(batch_loom_key(&shrt, 0) < batch_loom_key(&lng, 0));
	assert_true(batch_loom_key(&wide, 0) < batch_loom_key(&lng, 0));
	assert_true(batch_loom_key(&lng, 5000) < batch_loom_key(&lng, 0));
	/* Ten times longer overtakes a fresh job after 10^4 (10^(1/0.41) - 1) s, ~31.7 d. */
	assert_true(batch_loom_key(&lng, 2720000) > batch_loom_key(&shrt, 0));
	assert_true(batch_loom_key(&lng, 2760000) < batch_loom_key(&shrt, 0));
}

/* Loom orders by corrected estimates: a user whose jobs use a tenth of their request
 * goes before another's shorter request. */
static void test_loom_uses_history(void **state)
{
	struct bx *x = bx_new("loom", 1);
	struct batch_job *h = bx_submit_user(x, 0, 100, 1, 1);

	assert_int_equal(batch_pass(&x->b, 0), 1);
	batch_finish(&x->b, h, 10); /* user 1 asked 100 s and ran 10 */
	struct batch_job *r = bx_submit(x, 10, 1000, 1);
	batch_pass(&x->b, 10);
	struct batch_job *other = bx_submit(x, 11, 500, 1);
	struct batch_job *mine = bx_submit_user(x, 12, 1000, 1, 1);
	assert_int_equal(other->est, 500);
	assert_int_equal(mine->est, 100);
	batch_finish(&x->b, r, 1010);
	assert_int_equal(batch_pass(&x->b, 1010), 1);
	assert_ptr_equal(x->b.started[0], mine);
	assert_int_equal(other->start, -1);
	batch_free(&x->b);
}

/*
 * Machine 8, R1 (4 nodes to 100) and R2 (1 node to 50) run, head H needs 6 at 100 with
 * 2 extra nodes and asks 1000 s: the slack is 350 s. One-node jobs ending by 450 backfill
 * without limit, longer ones only into the 2 extra nodes.
 */
static void test_loom_slack(void **state)
{
	struct bx *x = bx_new("loom", 8);
	struct batch_job *h = setup_reservation(x);
	struct batch_job *in1 = bx_submit(x, 6, 440, 1);   /* 10 + 440 = 450: in the slack */
	struct batch_job *l1 = bx_submit(x, 7, 5000, 1);
	struct batch_job *l2 = bx_submit(x, 8, 5000, 1);
	struct batch_job *l3 = bx_submit(x, 9, 5000, 1);

	assert_int_equal(batch_pass(&x->b, 10), 3);
	assert_true(started(x, in1) && started(x, l1) && started(x, l2));
	assert_false(started(x, l3) || started(x, h));
	batch_free(&x->b);
}

/* Every row of the table is found by name; an unknown name is not. */
static void test_policy_table(void **state)
{
	for (size_t i = 0; i < batch_npolicies; i++)
		assert_ptr_equal(batch_policy_find(batch_policies[i].name), &batch_policies[i]);
	assert_null(batch_policy_find("nosuch"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fcfs_strict),
		cmocka_unit_test(test_sjf_requested_time),
		cmocka_unit_test(test_sjf_head_not_revisited),
		cmocka_unit_test(test_f1_key),
		cmocka_unit_test(test_backfill_keeps_reservation),
		cmocka_unit_test(test_easy_extra_nodes),
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_est_predict),
		cmocka_unit_test(test_est_many_users),
		cmocka_unit_test(test_loom_key_order),
		cmocka_unit_test(test_loom_uses_history),
		cmocka_unit_test(test_loom_slack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

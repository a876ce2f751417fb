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

/* Submits a job (processors = nodes) and returns it. */
static struct batch_job *bx_submit(struct bx *x, int64_t submit, int64_t req, int32_t nodes)
{
	struct batch_job *j = &x->j[x->n];

	assert_true(x->n < MAXJ);
	*j = (struct batch_job){ .submit = submit, .req = req, .procs = nodes, .nodes = nodes,
				 .id = x->n++ };
	batch_submit(&x->b, j);
	return j;
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
	batch_finish(&x->b, r);
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
	batch_finish(&x->b, r);
	assert_int_equal(batch_pass(&x->b, 100), 1);
	assert_ptr_equal(x->b.started[0], shrt1);
	batch_finish(&x->b, shrt1);
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
	batch_finish(&x->b, r);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

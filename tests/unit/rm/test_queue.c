/* The queue tree (queue.c, queue-use.c): derived shares, refusals, lookups, per-user job
 * lists, usage charged by attempts, fairness keys, and the reload that moves jobs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static struct queue_conf share(double guar, double max)
{
	struct queue_conf c;

	queue_conf_defaults(&c);
	for (int i = 0; i < QR_N; i++) {
		c.guar_pct[i] = guar;
		c.max_pct[i] = max;
	}
	return c;
}

/* root { prod 60/100 { etl 70, adhoc 30 }, batch 40/50 } */
static void build(struct queue_tree *t)
{
	struct queue_conf c = share(60, 100);
	struct rm_queue *prod;

	queue_tree_init(t);
	prod = queue_add(t, NULL, "prod", &c);
	c = share(70, 100);
	queue_add(t, prod, "etl", &c);
	c = share(30, 100);
	queue_add(t, prod, "adhoc", &c);
	c = share(40, 50);
	queue_add(t, NULL, "batch", &c);
}

static void test_derive(void **state)
{
	struct queue_tree t;
	char err[256];
	struct rm_queue *etl;

	(void)state;
	build(&t);
	assert_int_equal(queue_tree_derive(&t, "batch", err, sizeof(err)), 0);
	assert_int_equal(t.nall, 5);
	assert_int_equal(t.nleaves, 3);
	assert_string_equal(t.dflt->path, "root.batch");
	etl = queue_find(&t, "etl");
	assert_non_null(etl);
	assert_ptr_equal(queue_find(&t, "root.prod.etl"), etl);
	assert_true(fabs(etl->guar[QR_MEM] - 0.42) < 1e-9);
	assert_true(fabs(queue_find(&t, "batch")->maxs[QR_VCORES] - 0.5) < 1e-9);
	assert_int_equal(etl->depth, 2);
	assert_null(queue_find(&t, "nope"));
	assert_ptr_equal(queue_find(&t, ""), t.dflt);
	queue_tree_free(&t);
}

static void test_refusals(void **state)
{
	struct queue_tree t;
	struct queue_conf c;
	char err[256];

	(void)state;
	build(&t); /* children of root at 60 + 40; one more 10 is over */
	c = share(10, 100);
	queue_add(&t, NULL, "extra", &c);
	assert_int_equal(queue_tree_derive(&t, "batch", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "over 100%"));
	queue_tree_free(&t);

	build(&t);
	assert_int_equal(queue_tree_derive(&t, "prod", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a leaf"));
	queue_tree_free(&t);

	build(&t);
	c = share(0, 100);
	queue_add(&t, queue_find(&t, "root.batch"), "etl", &c); /* a second leaf "etl" */
	assert_int_equal(queue_tree_derive(&t, "adhoc", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "two leaf queues"));
	queue_tree_free(&t);

	queue_tree_init(&t);
	c = share(60, 50);
	queue_add(&t, NULL, "a", &c);
	assert_int_equal(queue_tree_derive(&t, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "above its maximum"));
	queue_tree_free(&t);
}

static struct rm_job *job_in(struct fx *f, const char *queue, const char *user, int prio)
{
	char *argv[] = { "true", NULL };
	struct job_spec s = { .argv = argv, .nargv = 1, .ntasks = 2, .priority = prio };

	s.res.vcores_m = 1000;
	s.res.mem_mb = 1024;
	snprintf(s.queue, sizeof(s.queue), "%s", queue);
	snprintf(s.user, sizeof(s.user), "%s", user);
	return cluster_add_job(&f->cl, &s);
}

static void install(struct fx *f)
{
	struct queue_tree t;
	char err[256];

	build(&t);
	assert_int_equal(queue_tree_derive(&t, "batch", err, sizeof(err)), 0);
	assert_int_equal(cluster_set_queues(&f->cl, &t, err, sizeof(err)), 0);
}

static void test_lists_and_usage(void **state)
{
	struct fx *f = *state;
	struct rm_job *a, *b, *c;
	struct rm_queue *etl, *prod;

	install(f);
	fx_node(f, "n1", 8, 8192);
	a = job_in(f, "etl", "alice", 0);
	b = job_in(f, "etl", "alice", 5);
	c = job_in(f, "", "bob", 0);
	etl = queue_find(&f->cl.qt, "etl");
	prod = etl->parent;
	assert_ptr_equal(a->queue, etl);
	assert_ptr_equal(c->queue, f->cl.qt.dflt);
	assert_ptr_equal(a->qu, b->qu);
	assert_ptr_equal(a->qu->head, b); /* higher priority first */
	assert_ptr_equal(b->u_next, a);
	assert_int_equal(etl->pending_jobs, 2);
	assert_int_equal(prod->pending_jobs, 2);
	assert_int_equal(f->cl.qt.root->pending_jobs, 3);

	queue_charge(a);
	queue_charge(a);
	assert_int_equal(etl->used.v[QR_MEM], 2048);
	assert_int_equal(prod->used.v[QR_VCORES], 2000);
	assert_int_equal(etl->running_jobs, 1);
	assert_int_equal(a->qu->running_jobs, 1);
	queue_release(a);
	assert_int_equal(etl->running_jobs, 1);
	queue_release(a);
	assert_int_equal(etl->running_jobs, 0);
	assert_int_equal(f->cl.qt.root->used.v[QR_MEM], 0);
}

static void test_keys(void **state)
{
	struct fx *f = *state;
	struct rm_queue *etl, *batch;
	struct qres total = { { 10000, 10240, 0 } }, used = { { 2100, 1024, 0 } };
	struct qres r = { { 1000, 1024, 0 } };
	int which = -1;

	install(f);
	etl = queue_find(&f->cl.qt, "etl");
	batch = queue_find(&f->cl.qt, "batch");
	/* etl is guaranteed 42% of 10 vcores: 2.1 vcores used is half its guarantee */
	assert_true(fabs(queue_guar_ratio(etl, &used, &total) - 0.5) < 1e-9);
	assert_true(fabs(queue_fair_key(etl, &used, &total) - 0.21) < 1e-9);
	/* batch may use 50%: 5 vcores; 4.5 + 1 is over, 3.5 + 1 is not */
	used.v[QR_VCORES] = 4500;
	assert_false(queue_within_max(batch, &used, &r, &total, &which));
	assert_int_equal(which, QR_VCORES);
	used.v[QR_VCORES] = 3500;
	assert_true(queue_within_max(batch, &used, &r, &total, NULL));
}

static void test_reload_moves_jobs(void **state)
{
	struct fx *f = *state;
	struct rm_job *a;
	struct queue_tree t;
	struct queue_conf c = share(100, 100);
	char err[256];

	install(f);
	a = job_in(f, "etl", "alice", 0);
	queue_charge(a);
	queue_find(&f->cl.qt, "etl")->preempted = 7;

	/* a tree without etl is refused whole while a job waits there */
	queue_tree_init(&t);
	queue_add(&t, NULL, "batch", &c);
	assert_int_equal(queue_tree_derive(&t, NULL, err, sizeof(err)), 0);
	assert_int_equal(cluster_set_queues(&f->cl, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "job-1"));
	assert_ptr_equal(a->queue, queue_find(&f->cl.qt, "etl"));
	queue_tree_free(&t);

	/* a tree that keeps etl (elsewhere) takes the job, its usage and its counters */
	queue_tree_init(&t);
	c = share(50, 100);
	queue_add(&t, NULL, "etl", &c);
	queue_add(&t, NULL, "batch", &c);
	assert_int_equal(queue_tree_derive(&t, "batch", err, sizeof(err)), 0);
	assert_int_equal(cluster_set_queues(&f->cl, &t, err, sizeof(err)), 0);
	assert_null(t.root);
	assert_string_equal(a->queue->path, "root.etl");
	assert_int_equal(a->queue->used.v[QR_MEM], 1024);
	assert_int_equal(a->queue->pending_jobs, 1);
	assert_int_equal(a->queue->running_jobs, 1);
	assert_ptr_equal(a->qu->head, a);
	assert_int_equal(a->nheld, 1);
	queue_release(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test_setup_teardown(test_lists_and_usage, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_keys, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reload_moves_jobs, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

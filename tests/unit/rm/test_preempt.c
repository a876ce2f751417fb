/* Preemption (preempt.c): youngest victims first, never below the victim queue's
 * guarantee, only after preempt_after, kills in flight count as freed, gang jobs and
 * non-preemptable queues are spared, room is made on a node the starving job fits, and
 * a preempted attempt's task waits again without counting as a failure. The scheduler's
 * marks (starving, demand, total) are set by hand, as sched_pass would leave them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static struct queue_conf share(double guar, bool preemptable)
{
	struct queue_conf c;

	queue_conf_defaults(&c);
	for (int i = 0; i < QR_N; i++)
		c.guar_pct[i] = guar;
	c.preemptable = preemptable;
	return c;
}

/* root { prod guar_prod, batch guar_batch (preemptable), fixed 0 (not preemptable) } on
 * two nodes of 4 vcores and 1000 MiB. */
static void setup_queues(struct fx *f, double guar_prod, double guar_batch)
{
	struct queue_tree t;
	struct queue_conf c = share(guar_prod, true);
	char err[256];

	queue_tree_init(&t);
	queue_add(&t, NULL, "prod", &c);
	c = share(guar_batch, true);
	queue_add(&t, NULL, "batch", &c);
	c = share(0, false);
	queue_add(&t, NULL, "fixed", &c);
	assert_int_equal(queue_tree_derive(&t, "batch", err, sizeof(err)), 0);
	assert_int_equal(cluster_set_queues(&f->cl, &t, err, sizeof(err)), 0);
	fx_node(f, "node-1", 4, 1000);
	fx_node(f, "node-2", 4, 1000);
	f->cl.total = (struct qres){ { 8000, 2000, 0 } };
	f->cl.sc.preemption = true;
	f->cl.sc.preempt_after_us = 5000000;
}

static struct rm_job *job_in(struct fx *f, const char *queue, int ntasks, int vcores,
			     bool gang)
{
	char *argv[] = { "sleep", "100", NULL };
	struct job_spec s = { .argv = argv, .nargv = 2, .ntasks = ntasks, .max_attempts = 1,
			      .gang = gang };

	s.res.vcores_m = vcores * 1000;
	s.res.mem_mb = 100;
	snprintf(s.name, sizeof(s.name), "sleep");
	snprintf(s.queue, sizeof(s.queue), "%s", queue);
	return cluster_add_job(&f->cl, &s);
}

/* Places task i of j on n (as a pass would) and reports it running since start_s. */
static struct rm_attempt *run(struct fx *f, struct rm_job *j, int32_t i, struct rm_node *n,
			      int64_t start_s)
{
	struct placement p = { .job = j, .task = i, .node = n };
	struct sched_result r = { .pl = &p, .npl = 1 };
	struct attempt_report rep = { .state = AR_RUNNING, .progress = -1 };
	struct rm_attempt *a;

	cluster_apply(&f->cl, &r);
	a = task_last_attempt(&j->tasks[i]);
	rep.id = a->id;
	rep.start_us = start_s * 1000000;
	outcome_report(&f->cl, a, &rep);
	return a;
}

/* The pass's marks on leaf q: waited for room, could use ntasks of 1 vcore, 100 MiB. */
static void starve(struct fx *f, const char *queue, int ntasks)
{
	struct rm_queue *q = queue_find(&f->cl.qt, queue);

	q->starving = true;
	q->demand = (struct qres){ { ntasks * 1000, ntasks * 100, 0 } };
}

/* Batch fills the cluster: 8 attempts started at 1..8 s, alternating nodes. */
static struct rm_attempt **fill_batch(struct fx *f, struct rm_attempt **a, bool gang)
{
	struct rm_job *j = job_in(f, "batch", 8, 1, gang);

	for (int i = 0; i < 8; i++)
		a[i] = run(f, j, i, f->cl.nodes[i % 2], i + 1);
	return a;
}

static void test_youngest_first(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_attempt *a[8];

	setup_queues(f, 50, 50);
	fill_batch(f, a, false);
	job_in(f, "prod", 2, 1, false);
	starve(f, "prod", 2);
	f->now = 20000000;
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 0); /* starving from now on: not yet */
	assert_int_equal(pr.wake_us, 25000000);
	f->now = 25000000;
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 2);
	assert_ptr_equal(pr.victims[0], a[7]);
	assert_ptr_equal(pr.victims[1], a[6]);
	assert_string_equal(pr.for_q[0]->path, "root.prod");
	preempt_apply(&f->cl, &pr);
	assert_int_equal(f->nkill, 2);
	assert_true(a[7]->preempted && a[7]->kill_sent);
	assert_false(a[5]->preempted);
	assert_string_equal(a[7]->reason, "preempted: queue root.prod is below its guarantee "
					  "(run again, not counted as a failure)");
	assert_int_equal(a[7]->job->npreempted, 2);
	assert_int_equal(queue_find(&f->cl.qt, "batch")->preempted, 2);
	assert_int_equal(f->cl.preempted_total, 2);
	preempt_result_free(&pr);
}

static void test_never_below_guarantee(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_job *p, *b;
	struct rm_attempt *a[6];

	setup_queues(f, 40, 60);
	/* prod (guarantee 3.2 vcores) holds 2; batch (4.8) holds 6: one may go, not two. */
	p = job_in(f, "prod", 4, 1, false);
	b = job_in(f, "batch", 6, 1, false);
	for (int i = 0; i < 6; i++)
		a[i] = run(f, b, i, f->cl.nodes[i % 2], i + 1);
	run(f, p, 0, f->cl.nodes[0], 1);
	run(f, p, 1, f->cl.nodes[1], 1);
	starve(f, "prod", 2);
	f->cl.sc.preempt_after_us = 0;
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 1);
	assert_ptr_equal(pr.victims[0], a[5]);
	preempt_result_free(&pr);
}

static void test_stops_at_guarantee(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_job *p, *b;

	setup_queues(f, 50, 10);
	/* prod holds 2 of its 4 vcores and could use 6 more tasks; batch (guarantee 0.8
	 * vcores) could give 5, but prod is back at its guarantee with 2. */
	p = job_in(f, "prod", 8, 1, false);
	b = job_in(f, "batch", 6, 1, false);
	for (int i = 0; i < 6; i++)
		run(f, b, i, f->cl.nodes[i % 2], i + 1);
	run(f, p, 0, f->cl.nodes[0], 1);
	run(f, p, 1, f->cl.nodes[1], 1);
	starve(f, "prod", 6);
	f->cl.sc.preempt_after_us = 0;
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 2);
	preempt_result_free(&pr);
}

static void test_starving_clock(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_queue *prod;
	struct rm_attempt *a[8];

	setup_queues(f, 50, 50);
	fill_batch(f, a, false);
	prod = queue_find(&f->cl.qt, "prod");
	starve(f, "prod", 1);
	preempt_pass(&f->cl, &pr);
	assert_int_equal(prod->starved_since_us, f->now);
	prod->starving = false; /* the next pass found room: the clock stops */
	preempt_pass(&f->cl, &pr);
	assert_int_equal(prod->starved_since_us, 0);
	assert_int_equal(pr.wake_us, 0);
	starve(f, "prod", 1);
	f->cl.sc.preemption = false;
	f->now += 60000000;
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 0);
	assert_int_equal(prod->starved_since_us, 0);
	preempt_result_free(&pr);
}

static void test_inflight_counts_as_freed(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_attempt *a[8];

	setup_queues(f, 50, 50);
	fill_batch(f, a, false);
	starve(f, "prod", 2);
	f->cl.sc.preempt_after_us = 0;
	preempt_pass(&f->cl, &pr);
	preempt_apply(&f->cl, &pr);
	assert_int_equal(f->nkill, 2);
	/* During the grace period the victims still hold their room: nothing more goes. */
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 0);
	/* The demand grows by one: one more victim, not three. */
	starve(f, "prod", 3);
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 1);
	assert_ptr_equal(pr.victims[0], a[5]);
	preempt_result_free(&pr);
}

static void test_gang_spared(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_attempt *a[8];

	setup_queues(f, 50, 50);
	fill_batch(f, a, true);
	starve(f, "prod", 2);
	f->cl.sc.preempt_after_us = 0;
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 0);
	preempt_result_free(&pr);
}

static void test_not_preemptable_spared(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_job *j;
	struct rm_attempt *young;

	setup_queues(f, 50, 50);
	/* fixed (no guarantee, far over it) runs the youngest attempts but is not
	 * preemptable; batch (6 of its 4) gives two. */
	j = job_in(f, "fixed", 2, 1, false);
	run(f, j, 0, f->cl.nodes[0], 100);
	run(f, j, 1, f->cl.nodes[1], 100);
	j = job_in(f, "batch", 6, 1, false);
	for (int i = 0; i < 6; i++)
		young = run(f, j, i, f->cl.nodes[i % 2], i + 1);
	starve(f, "prod", 4);
	f->cl.sc.preempt_after_us = 0;
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 2);
	assert_ptr_equal(pr.victims[0], young);
	for (size_t i = 0; i < pr.nvictims; i++)
		assert_string_equal(pr.victims[i]->job->queue->name, "batch");
	preempt_result_free(&pr);
}

static void test_room_on_one_node(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_attempt *a[8];

	setup_queues(f, 50, 50);
	fill_batch(f, a, false);
	job_in(f, "prod", 1, 2, false); /* one task of 2 vcores */
	queue_find(&f->cl.qt, "prod")->starving = true;
	queue_find(&f->cl.qt, "prod")->demand = (struct qres){ { 2000, 100, 0 } };
	f->cl.sc.preempt_after_us = 0;
	preempt_pass(&f->cl, &pr);
	/* a[7] (node-2) and a[6] (node-1) are the youngest, but 2 vcores free only where two
	 * go from the same node: a[7] and a[5]. */
	assert_int_equal(pr.nvictims, 2);
	assert_ptr_equal(pr.victims[0], a[7]);
	assert_ptr_equal(pr.victims[1], a[5]);
	preempt_result_free(&pr);
}

static void test_preempted_requeued(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_attempt *a[8], *v;

	setup_queues(f, 50, 50);
	fill_batch(f, a, false); /* max_attempts 1: a failure would fail the job */
	starve(f, "prod", 1);
	f->cl.sc.preempt_after_us = 0;
	preempt_pass(&f->cl, &pr);
	preempt_apply(&f->cl, &pr);
	v = pr.victims[0];
	fx_report(f, v, AR_KILLED, 0, 15);
	assert_int_equal(v->state, ATT_KILLED);
	assert_int_equal(v->task->state, TASK_PENDING);
	assert_int_equal(v->task->nfailed, 0);
	assert_int_equal(v->job->state, JOB_RUNNING);
	assert_true(job_has_unplaced(v->job));
	assert_true(task_may_retry(v->task, v->job->spec.max_attempts));
	/* Its queue's usage went back. */
	assert_int_equal(queue_find(&f->cl.qt, "batch")->used.v[QR_VCORES], 7000);
	preempt_result_free(&pr);
}

/* A victim still STARTING is the youngest; its RUNNING report keeps the kill's reason. */
static void test_starting_victim(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_job *j;
	struct rm_attempt *a;

	setup_queues(f, 50, 50);
	j = job_in(f, "batch", 8, 1, false);
	for (int i = 0; i < 7; i++)
		run(f, j, i, f->cl.nodes[i % 2], i + 1);
	cluster_apply(&f->cl, &(struct sched_result){
		.pl = &(struct placement){ .job = j, .task = 7, .node = f->cl.nodes[1] }, .npl = 1 });
	a = task_last_attempt(&j->tasks[7]);
	starve(f, "prod", 1);
	f->cl.sc.preempt_after_us = 0;
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 1);
	assert_ptr_equal(pr.victims[0], a);
	preempt_apply(&f->cl, &pr);
	fx_report(f, a, AR_RUNNING, 0, 0);
	fx_report(f, a, AR_KILLED, 0, 15);
	assert_int_equal(a->state, ATT_KILLED);
	assert_non_null(strstr(a->reason, "preempted: queue root.prod"));
	preempt_result_free(&pr);
}

/* With the real pass: victims' room goes to the starving queue, and nothing churns. */
static void test_with_the_pass(void **state)
{
	struct fx *f = *state;
	struct preempt_result pr = { 0 };
	struct rm_job *b, *p;
	int64_t t = 1;

	setup_queues(f, 50, 50);
	f->cl.sc.preempt_after_us = 0;
	b = job_in(f, "batch", 16, 1, false);
	assert_int_equal(fx_pass(f), 8);
	for (int i = 0; i < f->nlaunch; i++)
		fx_report(f, f->launched[i], AR_RUNNING, 0, 0), f->launched[i]->start_us = t++;
	p = job_in(f, "prod", 4, 1, false);
	assert_int_equal(fx_pass(f), 0);
	assert_true(queue_find(&f->cl.qt, "prod")->starving);
	preempt_pass(&f->cl, &pr);
	assert_int_equal(pr.nvictims, 4);
	preempt_apply(&f->cl, &pr);
	for (size_t i = 0; i < 4; i++) {
		fx_report(f, pr.victims[i], AR_KILLED, 0, 15);
		fx_pass(f);
		for (size_t k = 0; k < f->sr.npl; k++)
			assert_ptr_equal(f->sr.pl[k].job, p);
		struct preempt_result again = { 0 };
		preempt_pass(&f->cl, &again);
		assert_int_equal(again.nvictims, 0);
		preempt_result_free(&again);
	}
	assert_int_equal(p->nlive, 4);
	assert_int_equal(b->nlive, 4);
	preempt_result_free(&pr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_youngest_first, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_never_below_guarantee, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stops_at_guarantee, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_starving_clock, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_inflight_counts_as_freed, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_gang_spared, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_not_preemptable_spared, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_room_on_one_node, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_preempted_requeued, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_starting_victim, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_with_the_pass, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

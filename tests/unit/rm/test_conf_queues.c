/* The queue tree of rmd.conf (conf-queues.c): shares derived, both percent forms, the
 * one-leaf default, and every kind of bad file refused with file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf-queues.h"
#include "fixture.h"

/* Writes text to a temporary file; returns its path (static buffer). */
static const char *write_conf(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/loom-queues-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static const char good[] =
	"log_level = \"info\";\n"
	"queues = {\n"
	"  default = \"batch\";\n"
	"  prod = {\n"
	"    guaranteed = 60;\n"
	"    maximum = 100;\n"
	"    weight = 2.0;\n"
	"    max_running_jobs = 10;\n"
	"    user_max_running_jobs = 2;\n"
	"    user_max_share = 50;\n"
	"    preemptable = false;\n"
	"    order = \"loom\";\n"
	"    queues = { etl = { guaranteed = 70; }; adhoc = { guaranteed = 30; state = \"STOPPED\"; }; };\n"
	"  };\n"
	"  batch = { guaranteed = 40; maximum = 80; };\n"
	"};\n";

static void test_good_tree(void **state)
{
	struct queue_tree t;
	char err[512] = "";
	const char *p = write_conf(good);

	assert_int_equal(conf_queues_load(p, &t, err, sizeof(err)), 0);
	assert_int_equal(t.nall, 5);
	assert_int_equal(t.nleaves, 3);
	assert_string_equal(t.dflt->path, "root.batch");
	struct rm_queue *prod = queue_find(&t, "root.prod");
	struct rm_queue *etl = queue_find(&t, "etl");
	struct rm_queue *adhoc = queue_find(&t, "root.prod.adhoc");
	assert_non_null(prod);
	assert_non_null(etl);
	assert_non_null(adhoc);
	assert_false(queue_is_leaf(prod));
	assert_string_equal(etl->path, "root.prod.etl");
	assert_int_equal(etl->depth, 2);
	for (int r = 0; r < QR_N; r++) {
		assert_true(etl->guar[r] > 0.4199 && etl->guar[r] < 0.4201);  /* 60% x 70% */
		assert_true(adhoc->guar[r] > 0.1799 && adhoc->guar[r] < 0.1801);
		assert_true(t.dflt->maxs[r] > 0.7999 && t.dflt->maxs[r] < 0.8001);
	}
	assert_true(prod->c.weight == 2.0);
	assert_int_equal(prod->c.max_running_jobs, 10);
	assert_int_equal(prod->c.user_max_running_jobs, 2);
	assert_true(prod->c.user_max_pct == 50);
	assert_false(prod->c.preemptable);
	assert_int_equal(prod->c.order, QORDER_LOOM);
	assert_int_equal(adhoc->c.state, QUEUE_STOPPED);
	assert_int_equal(etl->c.state, QUEUE_RUNNING);
	assert_int_equal(etl->c.order, QORDER_AUTO); /* defaults */
	assert_true(etl->c.preemptable);
	queue_tree_free(&t);
	unlink(p);
}

static void test_per_resource(void **state)
{
	struct queue_tree t;
	char err[512] = "";
	const char *p = write_conf(
		"queues = {\n"
		"  gpu = { guaranteed = { vcores = 20; memory = 10; gpus = 100; };\n"
		"          maximum = { vcores = 50; }; };\n"
		"  default = { guaranteed = { vcores = 80; memory = 90; }; };\n"
		"};\n");

	assert_int_equal(conf_queues_load(p, &t, err, sizeof(err)), 0);
	struct rm_queue *g = queue_find(&t, "gpu");
	assert_non_null(g);
	assert_true(g->guar[QR_VCORES] > 0.1999 && g->guar[QR_VCORES] < 0.2001);
	assert_true(g->guar[QR_MEM] > 0.0999 && g->guar[QR_MEM] < 0.1001);
	assert_true(g->guar[QR_GPUS] > 0.9999);
	assert_true(g->maxs[QR_VCORES] > 0.4999 && g->maxs[QR_VCORES] < 0.5001);
	assert_true(g->maxs[QR_MEM] > 0.9999); /* unnamed resources keep the default */
	/* A queue named default (a group, not the setting) is the default leaf. */
	assert_string_equal(t.dflt->path, "root.default");
	assert_true(t.dflt->guar[QR_GPUS] == 0);
	queue_tree_free(&t);
	unlink(p);
}

static void test_no_queues(void **state)
{
	struct queue_tree t;
	char err[512] = "";
	const char *p = write_conf("log_level = \"info\";\n");

	assert_int_equal(conf_queues_load(p, &t, err, sizeof(err)), 0);
	assert_int_equal(t.nleaves, 1);
	assert_string_equal(t.dflt->path, "root.default");
	assert_true(t.dflt->guar[QR_MEM] == 1.0);
	assert_ptr_equal(queue_find(&t, ""), t.dflt);
	queue_tree_free(&t);
	unlink(p);
	assert_int_equal(conf_queues_load(NULL, &t, err, sizeof(err)), 0);
	assert_string_equal(t.dflt->path, "root.default");
	queue_tree_free(&t);
	/* One leaf of any name is the default without saying so. */
	p = write_conf("queues = { only = { guaranteed = 10; }; };\n");
	assert_int_equal(conf_queues_load(p, &t, err, sizeof(err)), 0);
	assert_string_equal(t.dflt->path, "root.only");
	queue_tree_free(&t);
	unlink(p);
}

/* Loads text, expects a refusal whose message holds ":line:" and want. */
static void refused(const char *text, int line, const char *want)
{
	struct queue_tree t;
	char err[512] = "", at[32];
	const char *p = write_conf(text);

	if (conf_queues_load(p, &t, err, sizeof(err)) == 0) {
		queue_tree_free(&t);
		fail_msg("accepted: %s", text);
	}
	snprintf(at, sizeof(at), "%s:%d: ", p, line);
	if (strstr(err, at) == NULL || strstr(err, want) == NULL)
		fail_msg("want '%s' ... '%s', got '%s'", at, want, err);
	assert_null(t.root); /* nothing left behind */
	unlink(p);
}

static void test_refused(void **state)
{
	refused("queues = {\n  a = {\n    guaranteed = 10;\n    colour = 3;\n  };\n};\n", 4,
		"queue root.a: unknown key 'colour'");
	refused("queues = {\n a = { guaranteed = 120; };\n};\n", 2,
		"guaranteed: 120 is not a percent (0..100)");
	refused("queues = {\n a = { maximum = { vcores = -1; }; };\n};\n", 2,
		"maximum.vcores: -1 is not a percent");
	refused("queues = {\n a = { maximum = { disks = 5; }; };\n};\n", 2,
		"unknown resource 'disks'");
	refused("queues = {\n a = {\n guaranteed = 50; maximum = 40; };\n};\n", 2,
		"guaranteed vcores 50% is above its maximum 40%");
	refused("queues = {\n a = { weight = 0; };\n};\n", 2, "weight: expected a number above 0");
	refused("queues = {\n a = { weight = \"x\"; };\n};\n", 2, "weight");
	refused("queues = {\n a = { max_running_jobs = -2; };\n};\n", 2,
		"max_running_jobs: -2 is outside");
	refused("queues = {\n *a = { guaranteed = 5; };\n};\n", 2, "bad name '*a'");
	refused("queues = {\n a = { state = \"PAUSED\"; };\n};\n", 2,
		"state: 'PAUSED' is not one of RUNNING, STOPPED");
	refused("queues = {\n a = { order = \"random\"; };\n};\n", 2,
		"order: 'random' is not one of auto, fifo, loom");
	refused("queues = {\n a = { preemptable = 1; };\n};\n", 2, "preemptable: expected true");
	refused("queues = {\n a = 5;\n};\n", 2, "queue root.a: expected a group");
	/* Children over 100%: the parent's group is named. */
	refused("queues = {\n p = {\n  queues = {\n   x = { guaranteed = 60; };\n"
		"   y = { guaranteed = 50; };\n  };\n };\n};\n", 3,
		"root.p: its children's guaranteed vcores adds up to 110%");
	refused("queues = {\n x = { guaranteed = 60; };\n y = { guaranteed = 50; };\n};\n", 1,
		"root: its children's guaranteed vcores adds up to 110%");
	refused("queues = {\n default = \"nope\";\n a = {}; b = {};\n};\n", 2,
		"unknown queue 'nope' (leaves: root.a, root.b)");
	refused("queues = {\n default = \"p\";\n p = { queues = { a = {}; }; };\n b = {};\n};\n", 2,
		"root.p is not a leaf");
	refused("queues = {\n a = {};\n b = {};\n};\n", 1, "no leaf named default");
	refused("queues = {\n p = { queues = { x = {}; }; };\n q = { queues = { x = {}; }; };\n"
		" default = \"root.p.x\";\n};\n", 1, "two leaf queues are named 'x'");
	refused("queues = {};\n", 1, "no queue in it");
	refused("queues = 3;\n", 1, "expected a group");
	refused("queues = {\n a = { guaranteed = = 5; };\n};\n", 2, "syntax error");
}

/* Submission: a job goes to a RUNNING leaf, named or the default. */
static void test_job_queue(void **state)
{
	struct fx f;
	char *argv[] = { "true", NULL };
	struct job_spec s = { .argv = argv, .nargv = 1, .ntasks = 1 };
	char field[64], msg[256];

	fx_init(&f);
	fx_node(&f, "n1", 2, 1000);
	s.res.vcores_m = 1000;
	fx_tree_begin(&f);
	fx_queue(&f, NULL, "prod", 60, 100);
	fx_queue(&f, "root.prod", "etl", 50, 100);
	fx_queue(&f, "root.prod", "adhoc", 50, 100)->state = QUEUE_STOPPED;
	fx_queue(&f, NULL, "batch", 40, 100);
	fx_tree_end(&f, "batch");
	assert_int_equal(job_validate(&f.cl, &s, field, 64, msg, 256), 0); /* the default */
	strcpy(s.queue, "etl");
	assert_int_equal(job_validate(&f.cl, &s, field, 64, msg, 256), 0);
	strcpy(s.queue, "root.prod.etl");
	assert_int_equal(job_validate(&f.cl, &s, field, 64, msg, 256), 0);
	strcpy(s.queue, "gold");
	assert_int_equal(job_validate(&f.cl, &s, field, 64, msg, 256), -1);
	assert_string_equal(field, "queue");
	assert_string_equal(msg, "unknown queue 'gold' (leaves: root.prod.etl, root.prod.adhoc, "
				 "root.batch)");
	strcpy(s.queue, "prod");
	assert_int_equal(job_validate(&f.cl, &s, field, 64, msg, 256), -1);
	assert_string_equal(msg, "queue root.prod is not a leaf: jobs go to its leaves "
				 "(root.prod.etl, root.prod.adhoc)");
	strcpy(s.queue, "root");
	assert_int_equal(job_validate(&f.cl, &s, field, 64, msg, 256), -1);
	assert_non_null(strstr(msg, "queue root is not a leaf"));
	strcpy(s.queue, "adhoc");
	assert_int_equal(job_validate(&f.cl, &s, field, 64, msg, 256), -1);
	assert_string_equal(msg, "queue root.prod.adhoc is STOPPED: it takes no new jobs");
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_tree),
		cmocka_unit_test(test_per_resource),
		cmocka_unit_test(test_no_queues),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_job_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* rmtop's WHY column (model_job_why): reasons only the scheduler knows are shown as rmd
 * gave them; room on nodes is judged from rmtop's own, fresher node view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rmtop.h"

static struct top_node node(const char *name, int vcores_used)
{
	struct top_node n = { 0 };

	snprintf(n.name, sizeof(n.name), "%s", name);
	snprintf(n.state, sizeof(n.state), "RUNNING");
	n.cap.vcores_m = 4000;
	n.cap.mem_mb = 4096;
	n.used.vcores_m = vcores_used * 1000;
	return n;
}

static struct top_job waiting(const char *reason)
{
	struct top_job j = { 0 };

	snprintf(j.id, sizeof(j.id), "job-1");
	snprintf(j.state, sizeof(j.state), "PENDING");
	snprintf(j.reason, sizeof(j.reason), "%s", reason);
	j.pending = 1;
	j.res.vcores_m = 1000;
	j.res.mem_mb = 64;
	return j;
}

static void test_scheduler_reasons_as_given(void **state)
{
	struct top_node nodes[] = { node("node-1", 4) };
	struct top_model m = { .nodes = nodes, .nnodes = 1 };
	const char *given[] = {
		"queue root.prod is at its maximum share of memory (40%)",
		"user alice is at the queue's limit of 2 running jobs",
		"waiting for a gang reservation: 2 of 4 tasks fit now; reserved node-1",
		"waiting up to 3s for a preferred node (node-3)",
		"waiting for job-7",
		"scaling up pool big",
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++) {
		struct top_job j = waiting(given[i]);
		assert_string_equal(model_job_why(&m, &j, buf, sizeof(buf)), given[i]);
	}
}

static void test_room_judged_from_nodes(void **state)
{
	struct top_node full[] = { node("node-1", 4) }, free1[] = { node("node-2", 1) };
	struct top_model m = { .nodes = full, .nnodes = 1 };
	struct top_job j = waiting("no node has room for (1 vcore, 64M) now");
	char buf[256];

	(void)state;
	assert_non_null(strstr(model_job_why(&m, &j, buf, sizeof(buf)), "cluster full"));
	m.nodes = free1;
	assert_non_null(strstr(model_job_why(&m, &j, buf, sizeof(buf)), "node-2 has room"));
	j.pending = 0;
	snprintf(j.state, sizeof(j.state), "RUNNING");
	assert_null(model_job_why(&m, &j, buf, sizeof(buf))); /* nothing waits */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scheduler_reasons_as_given),
		cmocka_unit_test(test_room_judged_from_nodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

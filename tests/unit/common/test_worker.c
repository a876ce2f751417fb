/* The worker thread: jobs run off the loop thread, done callbacks on it, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>
#include <pthread.h>
#include <unistd.h>

#include "worker.h"

#define NJOBS 200

struct ctx {
	pthread_t loop_thread;
	int done_order[NJOBS];
	int ndone;
	struct event_base *base;
	struct worker *w;
};

struct job {
	struct ctx *c;
	int n;
	pthread_t ran_on;
};

static struct job jobs[NJOBS];

static void work(void *arg)
{
	struct job *j = arg;
	j->ran_on = pthread_self();
	if (j->n % 50 == 0)
		usleep(2000); /* some jobs are slow: order must hold anyway */
}

static void done(void *arg)
{
	struct job *j = arg;
	struct ctx *c = j->c;
	assert_true(pthread_equal(pthread_self(), c->loop_thread));
	assert_false(pthread_equal(j->ran_on, c->loop_thread));
	c->done_order[c->ndone++] = j->n;
	if (c->ndone == NJOBS)
		event_base_loopbreak(c->base);
}

static void test_order(void **state)
{
	struct ctx c = { .loop_thread = pthread_self() };

	c.base = event_base_new();
	c.w = worker_new(c.base, "test");
	for (int i = 0; i < NJOBS; i++) {
		jobs[i] = (struct job){ .c = &c, .n = i };
		worker_submit(c.w, work, done, &jobs[i]);
	}
	assert_int_equal(worker_pending(c.w), NJOBS);
	event_base_dispatch(c.base);
	assert_int_equal(c.ndone, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		assert_int_equal(c.done_order[i], i);
	assert_int_equal(worker_pending(c.w), 0);
	worker_free(c.w);
	event_base_free(c.base);
}

static int ran;

static void count(void *arg)
{
	__atomic_add_fetch(&ran, 1, __ATOMIC_SEQ_CST);
}

static void never(void *arg)
{
	fail_msg("done callback after worker_free");
}

/* worker_free finishes queued work without calling done callbacks. */
static void test_free_drains(void **state)
{
	struct event_base *base = event_base_new();
	struct worker *w = worker_new(base, "drain");
	for (int i = 0; i < 20; i++)
		worker_submit(w, count, never, NULL);
	worker_free(w);
	assert_int_equal(ran, 20);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_free_drains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

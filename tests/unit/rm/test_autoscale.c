/* The autoscaler's pure decisions (autoscale.c): bin-packed demand, max and max_step,
 * nodes starting counted, grow delay, start timeout, idle timeout, minimum, cooldown, and
 * jobs matched to pools by their nodes' labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "autoscale.h"
#include "fixture.h"
#include "xmalloc.h"

#define S 1000000LL

static struct fx f;
static struct as_state st;
static struct as_result out;

/* One pool of 4-vcore 4 GiB nodes. */
static void pool(int min, int max, int step)
{
	struct as_pool *p;

	fx_init(&f);
	memset(&out, 0, sizeof(out));
	st.pools = xcalloc(1, sizeof(*st.pools));
	st.npools = 1;
	p = &st.pools[0];
	p->c.name = xstrdup("p");
	p->c.hook = xstrdup("/bin/true");
	p->c.labels = xcalloc(1, sizeof(char *));
	p->c.node.vcores_m = 4000;
	p->c.node.mem_mb = 4096;
	p->c.min = min;
	p->c.max = max;
	p->c.max_step = step;
	p->c.grow_delay_us = 1 * S;
	p->c.idle_timeout_us = 30 * S;
	p->c.cooldown_us = 10 * S;
	p->c.start_timeout_us = 60 * S;
}

static void done(void)
{
	as_result_free(&out);
	as_state_free(&st);
	fx_free(&f);
}

/* Decides at f.now; returns the number of actions of kind k, and their total count. */
static int decide(enum as_kind k, int32_t *count)
{
	int n = 0;

	as_decide(&st, &f.cl, f.now, &out);
	if (count != NULL)
		*count = 0;
	for (size_t i = 0; i < out.n; i++)
		if (out.a[i].kind == k) {
			n++;
			if (count != NULL)
				*count += out.a[i].count;
		}
	return n;
}

/* The add hook named these nodes; fx registers them when reg. */
static void started(const char *a, const char *b, bool reg)
{
	char *names[2] = { (char *)a, (char *)b };
	int32_t asked = st.pools[0].requested;

	as_add_done(&st.pools[0], asked, names, b ? 2 : 1, f.now);
	if (reg) {
		fx_node(&f, a, 4, 4096);
		if (b)
			fx_node(&f, b, 4, 4096);
	}
}

/* A second pool like the first, named name, its nodes labelled label. */
static struct as_pool *pool_labelled(const char *name, const char *label)
{
	st.pools = xrealloc(st.pools, (st.npools + 1) * sizeof(*st.pools));
	struct as_pool *p = &st.pools[st.npools++];

	memset(p, 0, sizeof(*p));
	p->c = st.pools[0].c;
	p->c.name = xstrdup(name);
	p->c.hook = xstrdup("/bin/true");
	p->c.labels = xcalloc(2, sizeof(char *));
	p->c.labels[0] = xstrdup(label);
	return p;
}

/* Decides after the grow delay; returns the pool the one add was for, or -1. */
static int grown_pool(void)
{
	decide(AS_ADD, NULL);
	f.now += S;
	if (decide(AS_ADD, NULL) != 1)
		return -1;
	for (size_t i = 0; i < out.n; i++)
		if (out.a[i].kind == AS_ADD)
			return (int)out.a[i].pool;
	return -1;
}

static void test_labels_pick_pool(void **state)
{
	int unmet_pool;

	pool(0, 4, 4); /* "p": no labels, listed first */
	pool_labelled("g", "gpu");
	struct rm_job *j = fx_job(&f, 1, 0, 1);
	fx_job_label(j, false, "gpu");
	assert_int_equal(as_pool_for(&st, &j->spec), 1);
	assert_int_equal(grown_pool(), 1); /* the gpu pool grows, the plain one does not */
	assert_int_equal(st.pools[0].requested, 0);
	assert_int_equal(st.pools[0].demand_tasks, 0);
	assert_string_equal(j->reason, "scaling up pool g");

	/* a label no pool has: no pool is a candidate, and the first that fits says why */
	fx_job_label(j, false, "fpga");
	assert_int_equal(as_pool_for(&st, &j->spec), -1);
	assert_string_equal(as_pool_unmet(&st, &j->spec, &unmet_pool), "gpu");
	assert_int_equal(unmet_pool, 0);
	done();
}

static void test_excluded_label_keeps_pool_out(void **state)
{
	int unmet_pool;

	pool(0, 4, 4);
	free(st.pools[0].c.labels);
	st.pools[0].c.labels = xcalloc(2, sizeof(char *));
	st.pools[0].c.labels[0] = xstrdup("spot");
	pool_labelled("o", "ondemand");
	struct rm_job *j = fx_job(&f, 1, 0, 1);
	fx_job_label(j, true, "spot");
	assert_int_equal(as_pool_for(&st, &j->spec), 1);
	assert_int_equal(grown_pool(), 1);
	assert_int_equal(st.pools[0].requested, 0);

	fx_job_label(j, true, "ondemand"); /* now neither pool may take it */
	assert_int_equal(as_pool_for(&st, &j->spec), -1);
	assert_string_equal(as_pool_unmet(&st, &j->spec, &unmet_pool), "spot");
	assert_int_equal(unmet_pool, 0);
	done();
}

static void test_binpack(void **state)
{
	struct res bins[8], node = { .vcores_m = 4000, .mem_mb = 4096 };
	struct res one = { .vcores_m = 1000, .mem_mb = 100 }, three = { .vcores_m = 3000 };
	struct res big = { .vcores_m = 5000 };

	assert_int_equal(as_binpack(bins, 0, 7, &node, &one, 5), 2);
	assert_int_equal(as_binpack(bins, 0, 7, &node, &three, 3), 3);
	/* the 1-vcore tasks fill what the 3-vcore ones left */
	assert_int_equal(as_binpack(bins, 3, 7, &node, &one, 3), 3);
	assert_int_equal(as_binpack(bins, 0, 7, &node, &big, 1), 8);  /* never fits */
	assert_int_equal(as_binpack(bins, 0, 2, &node, &one, 100), 3); /* over the cap */
}

static void test_grow_delay_and_demand(void **state)
{
	int32_t c;

	pool(0, 10, 10);
	fx_job(&f, 9, 0, 1); /* 9 x 1 vcore: 3 nodes of 4 */
	assert_int_equal(decide(AS_ADD, NULL), 0); /* pending, but not for grow_delay yet */
	f.now += S;
	assert_int_equal(decide(AS_ADD, &c), 1);
	assert_int_equal(c, 3);
	assert_int_equal(st.pools[0].requested, 3);
	assert_string_equal(f.cl.q_head->reason, "scaling up pool p");
	/* the same demand never asks twice: requested, then named, then registered */
	f.now += 5 * S;
	assert_int_equal(decide(AS_ADD, NULL), 0);
	started("n1", "n2", false);
	f.now += 5 * S;
	assert_int_equal(decide(AS_ADD, NULL), 0);
	done();
}

static void test_max_and_step(void **state)
{
	int32_t c, total = 0;

	pool(0, 3, 2);
	fx_job(&f, 20, 0, 1); /* 5 nodes' worth */
	f.now += S;
	decide(AS_ADD, NULL); /* starts the grow delay */
	f.now += S;
	assert_int_equal(decide(AS_ADD, &c), 1);
	assert_int_equal(c, 2); /* max_step */
	total += c;
	for (int i = 0; i < 5; i++) {
		f.now += 2 * S;
		decide(AS_ADD, &c);
		total += c;
	}
	assert_int_equal(total, 3); /* max, never beyond */
	assert_int_equal(st.pools[0].demand_nodes, 3);
	assert_non_null(strstr(st.pools[0].decision, "at maximum 3"));
	done();
}

static void test_start_timeout(void **state)
{
	int32_t c;

	pool(0, 4, 4);
	fx_job(&f, 2, 0, 1);
	decide(AS_ADD, NULL);
	f.now += S;
	assert_int_equal(decide(AS_ADD, &c), 1);
	started("slow", NULL, false);
	f.now += 59 * S;
	assert_int_equal(decide(AS_REMOVE, NULL), 0);
	f.now += S;
	assert_int_equal(decide(AS_REMOVE, NULL), 1); /* given up: the hook removes it */
	assert_string_equal(out.a[0].node, "slow");
	assert_int_equal(st.pools[0].giveups, 1);
	as_released(&st.pools[0], "slow");
	/* the demand is asked again (after the grow delay) */
	f.now += S;
	assert_int_equal(decide(AS_ADD, &c), 1);
	assert_int_equal(c, 1);
	done();
}

static void test_idle_min_cooldown(void **state)
{
	char why[AS_TEXT_MAX];

	pool(1, 4, 4);
	st.pools[0].requested = 2;
	started("a", "b", true);
	st.pools[0].last_action_us = f.now;
	decide(AS_DRAIN, NULL); /* both UP, idle from now */
	assert_int_equal(st.pools[0].nodes[0].state, ASN_UP);
	f.now += 29 * S;
	assert_int_equal(decide(AS_DRAIN, NULL), 0);
	as_node_why(&st.pools[0], &st.pools[0].nodes[0], &f.cl, f.now, why, sizeof(why));
	assert_string_equal(why, "idle for only 29s (idle_timeout 30s)");
	f.now += S;
	assert_int_equal(decide(AS_DRAIN, NULL), 1); /* one only: min is 1 */
	as_node_why(&st.pools[0], &st.pools[0].nodes[1], &f.cl, f.now, why, sizeof(why));
	assert_string_equal(why, "at pool minimum (1)");
	done();

	/* cooldown: a grow 5 s ago holds back the drain of idle nodes */
	pool(0, 4, 4);
	st.pools[0].requested = 1;
	started("c", NULL, true);
	st.pools[0].c.idle_timeout_us = S;
	decide(AS_DRAIN, NULL);
	f.now += 2 * S;
	st.pools[0].last_action_us = f.now - 5 * S;
	assert_int_equal(decide(AS_DRAIN, NULL), 0);
	as_node_why(&st.pools[0], &st.pools[0].nodes[0], &f.cl, f.now, why, sizeof(why));
	assert_string_equal(why, "cooldown: 5s left");
	f.now += 5 * S;
	assert_int_equal(decide(AS_DRAIN, NULL), 1);
	done();
}

static void test_busy_node_kept(void **state)
{
	char why[AS_TEXT_MAX];

	pool(0, 4, 4);
	st.pools[0].requested = 1;
	started("w", NULL, true);
	st.pools[0].c.cooldown_us = 0;
	decide(AS_DRAIN, NULL);
	fx_job(&f, 1, 0, 1);
	assert_int_equal(fx_pass(&f), 1);
	f.now += 100 * S;
	assert_int_equal(decide(AS_DRAIN, NULL), 0);
	as_node_why(&st.pools[0], &st.pools[0].nodes[0], &f.cl, f.now, why, sizeof(why));
	assert_string_equal(why, "running 1 attempts");
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binpack),
		cmocka_unit_test(test_grow_delay_and_demand),
		cmocka_unit_test(test_max_and_step),
		cmocka_unit_test(test_start_timeout),
		cmocka_unit_test(test_idle_min_cooldown),
		cmocka_unit_test(test_busy_node_kept),
		cmocka_unit_test(test_labels_pick_pool),
		cmocka_unit_test(test_excluded_label_keeps_pool_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The state store: records round-trip, snapshots replace the log they cover, a damaged
 * log tail is cut and a damaged snapshot refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "log.h"
#include "store.h"

static char dir[64];

struct got {
	int n;
	int types[64];
	uint64_t jobs[64];
	char argv0[64][16];
	int flags[64]; /* 1 preempted, 2 timed_out */
};

static int keep(void *arg, const struct store_rec *r, char *err, size_t errlen)
{
	struct got *g = arg;

	assert_true(g->n < 64);
	g->types[g->n] = r->type;
	g->jobs[g->n] = r->type == REC_SNAP_GONE ? r->ngone : r->job;
	g->flags[g->n] = (r->preempted ? 1 : 0) | (r->timed_out ? 2 : 0);
	if (r->type == REC_JOB_ACCEPTED)
		snprintf(g->argv0[g->n], sizeof(g->argv0[0]), "%s", r->spec.argv[0]);
	g->n++;
	return 0;
}

static struct store_rec job_rec(uint64_t id)
{
	static char *argv[] = { "echo", "hi", NULL };
	struct store_rec r = { .type = REC_JOB_ACCEPTED, .job = id, .t1_us = 42 };

	r.spec.argv = argv;
	r.spec.nargv = 2;
	r.spec.ntasks = 3;
	r.spec.max_attempts = 2;
	r.spec.res.mem_mb = 64;
	r.spec.output_dir = "";
	r.spec.workdir = "";
	return r;
}

static struct store *open_store(struct event_base *base, struct got *g, int expect)
{
	struct store *st = store_new(&store_wal_ops, base, dir, true);
	char err[512] = "";

	memset(g, 0, sizeof(*g));
	int rc = store_open(st, keep, g, err, sizeof(err));
	if (rc != expect)
		fail_msg("store_open: %d (%s)", rc, err);
	return st;
}

static int count_files(const char *pattern)
{
	char p[128];
	glob_t gl;
	snprintf(p, sizeof(p), "%s/%s", dir, pattern);
	int n = glob(p, 0, NULL, &gl) == 0 ? (int)gl.gl_pathc : 0;
	globfree(&gl);
	return n;
}

static void synced(void *arg, int err)
{
	*(int *)arg = err == 0 ? 1 : -1;
}

static void test_log_and_snapshot(void **state)
{
	struct event_base *base = event_base_new();
	struct got g;
	struct store *st = open_store(base, &g, 0);
	struct store_rec r;
	int done = 0;

	assert_int_equal(g.n, 0);
	for (uint64_t id = 1; id <= 3; id++) {
		r = job_rec(id);
		assert_int_equal(store_append(st, &r), 0);
	}
	r = (struct store_rec){ .type = REC_TASK_COMMITTED, .attempt = id_attempt(2, 1, 1) };
	assert_int_equal(store_append(st, &r), 0);
	store_sync(st, synced, &done);
	while (done == 0)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(done, 1);
	store_free(st);

	st = open_store(base, &g, 0);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.types[3], REC_TASK_COMMITTED);
	assert_string_equal(g.argv0[0], "echo");
	assert_int_equal(g.jobs[2], 3);

	/* A snapshot of jobs 3 and 4 (1 and 2 dropped): the old segments go. */
	struct store_snap *sn = store_snap_begin(st, 5);
	r = job_rec(3);
	store_snap_add(st, sn, &r);
	r = job_rec(4);
	store_snap_add(st, sn, &r);
	uint8_t gone[5] = { 0, 1 + JOB_SUCCEEDED, 1 + JOB_KILLED, 0, 0 };
	r = (struct store_rec){ .type = REC_SNAP_GONE, .job = 5, .gone = gone, .ngone = 5 };
	store_snap_add(st, sn, &r);
	char err[256];
	assert_int_equal(store_snap_commit(st, sn, err, sizeof(err)), 0);
	r = job_rec(5); /* after the snapshot: in the new segment */
	assert_int_equal(store_append(st, &r), 0);
	while (st->st.snap_busy)
		event_base_loop(base, EVLOOP_ONCE);
	store_free(st);
	assert_int_equal(count_files("snapshot"), 1);
	assert_int_equal(count_files("wal-*.log"), 1);

	st = open_store(base, &g, 0);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.jobs[0], 3);
	assert_int_equal(g.jobs[1], 4);
	assert_int_equal(g.types[2], REC_SNAP_GONE);
	assert_int_equal(g.jobs[2], 5);
	assert_int_equal(g.jobs[3], 5);
	store_free(st);
	event_base_free(base);
}

/* A torn tail in the log is cut and reported; a damaged snapshot stops the start. */
static void test_damage(void **state)
{
	struct event_base *base = event_base_new();
	struct got g;
	char p[160];
	glob_t gl;

	snprintf(p, sizeof(p), "%s/wal-*.log", dir);
	assert_int_equal(glob(p, 0, NULL, &gl), 0);
	const char *seg = gl.gl_pathv[gl.gl_pathc - 1];
	FILE *f = fopen(seg, "a");
	fputs("junk", f);
	fclose(f);
	struct store *st = open_store(base, &g, 0);
	assert_int_equal(g.n, 4); /* nothing lost */
	store_free(st);
	globfree(&gl);

	snprintf(p, sizeof(p), "%s/snapshot", dir);
	assert_int_equal(truncate(p, 30), 0);
	st = open_store(base, &g, -1);
	store_free(st);
	event_base_free(base);
}

static void test_record_validation(void **state)
{
	struct mpw w;
	struct store_rec r = { .type = REC_ATTEMPT_ENDED, .attempt = id_attempt(1, 0, 1),
			       .state = 99 }, out;
	struct mpr_err e;

	mpw_init(&w);
	rec_encode(&w, &r);
	assert_int_equal(rec_decode(REC_ATTEMPT_ENDED, mpw_data(&w), mpw_len(&w), &out, &e), -1);
	assert_string_equal(e.field, "state");
	assert_int_equal(rec_decode(77, mpw_data(&w), mpw_len(&w), &out, &e), -1);
	assert_int_equal(rec_decode(REC_ATTEMPT_ENDED, "\xc1", 1, &out, &e), -1);
	mpw_free(&w);
}

/* Decodes what w holds as type into out; the result of rec_decode. */
static int decode(struct mpw *w, int type, struct store_rec *out, struct mpr_err *e)
{
	return rec_decode((uint32_t)type, mpw_data(w), mpw_len(w), out, e);
}

/* The kill flags: written when true, optional on decode (older logs lack them), typed. */
static void test_attempt_flags(void **state)
{
	struct store_rec r = { .type = REC_ATTEMPT_ENDED, .attempt = id_attempt(3, 1, 2),
			       .state = ATT_KILLED, .t2_us = 7, .preempted = true }, out;
	struct mpr_err e;
	struct mpw w;

	snprintf(r.reason, sizeof(r.reason), "preempted: queue root.a is below its guarantee");
	mpw_init(&w);
	rec_encode(&w, &r);
	assert_int_equal(decode(&w, REC_ATTEMPT_ENDED, &out, &e), 0);
	assert_true(out.preempted);
	assert_false(out.timed_out);
	assert_int_equal(out.state, ATT_KILLED);
	assert_string_equal(out.reason, r.reason);
	rec_free(&out);

	/* As an older rmd wrote it: no flags at all. */
	mpw_reset(&w);
	mpw_map(&w, 4);
	mpw_kid(&w, "attempt", &r.attempt);
	mpw_kint(&w, "state", ATT_FAILED);
	mpw_kstr(&w, "reason", "exit 1");
	mpw_kint(&w, "end_us", 9);
	assert_int_equal(decode(&w, REC_ATTEMPT_ENDED, &out, &e), 0);
	assert_false(out.preempted || out.timed_out);
	assert_int_equal(out.state, ATT_FAILED);

	/* Present but not a boolean: refused, named. */
	mpw_reset(&w);
	mpw_map(&w, 5);
	mpw_kid(&w, "attempt", &r.attempt);
	mpw_kint(&w, "state", ATT_FAILED);
	mpw_kstr(&w, "reason", "x");
	mpw_kint(&w, "end_us", 9);
	mpw_kstr(&w, "timed_out", "yes");
	assert_int_equal(decode(&w, REC_ATTEMPT_ENDED, &out, &e), -1);
	assert_string_equal(e.field, "timed_out");
	mpw_free(&w);
}

/* ATTEMPT_STOPPING: the kill decision round-trips; one with neither flag is nonsense. */
static void test_stopping_record(void **state)
{
	struct store_rec r = { .type = REC_ATTEMPT_STOPPING, .attempt = id_attempt(4, 0, 1),
			       .timed_out = true }, out;
	struct mpr_err e;
	struct mpw w;

	snprintf(r.reason, sizeof(r.reason), "exceeded its time limit of 2s");
	mpw_init(&w);
	rec_encode(&w, &r);
	assert_int_equal(decode(&w, REC_ATTEMPT_STOPPING, &out, &e), 0);
	assert_true(out.timed_out);
	assert_false(out.preempted);
	assert_int_equal(out.attempt.job, 4);
	assert_int_equal(out.attempt.attempt, 1);
	assert_string_equal(out.reason, r.reason);
	assert_string_equal(store_rec_name(REC_ATTEMPT_STOPPING), "attempt_stopping");

	r.timed_out = false;
	mpw_reset(&w);
	rec_encode(&w, &r);
	assert_int_equal(decode(&w, REC_ATTEMPT_STOPPING, &out, &e), -1);
	assert_string_equal(e.field, "preempted");

	mpw_reset(&w); /* the reason is required */
	mpw_map(&w, 2);
	mpw_kid(&w, "attempt", &r.attempt);
	mpw_kbool(&w, "preempted", true);
	assert_int_equal(decode(&w, REC_ATTEMPT_STOPPING, &out, &e), -1);
	assert_string_equal(e.field, "reason");
	mpw_free(&w);
}

/* Through the log: a stopping record and a flagged end come back after a reopen. */
static void test_flags_replayed(void **state)
{
	struct event_base *base = event_base_new();
	char top[sizeof(dir)];
	struct got g;

	/* A log of its own: the other tests left a damaged snapshot in dir. */
	memcpy(top, dir, sizeof(top));
	assert_true(snprintf(dir, sizeof(dir), "%s/flags", top) < (int)sizeof(dir));
	assert_int_equal(mkdir(dir, 0700), 0);
	struct store *st = open_store(base, &g, 0);
	struct store_rec r = { .type = REC_ATTEMPT_STOPPING, .attempt = id_attempt(5, 0, 1),
			       .preempted = true };
	int done = 0, n0 = g.n;

	snprintf(r.reason, sizeof(r.reason), "preempted");
	assert_int_equal(store_append(st, &r), 0);
	r = (struct store_rec){ .type = REC_ATTEMPT_ENDED, .attempt = id_attempt(5, 0, 1),
				.state = ATT_FAILED, .timed_out = true };
	assert_int_equal(store_append(st, &r), 0);
	store_sync(st, synced, &done);
	while (done == 0)
		event_base_loop(base, EVLOOP_ONCE);
	store_free(st);
	st = open_store(base, &g, 0);
	assert_int_equal(g.n, n0 + 2);
	assert_int_equal(g.types[n0], REC_ATTEMPT_STOPPING);
	assert_int_equal(g.types[n0 + 1], REC_ATTEMPT_ENDED);
	assert_int_equal(g.flags[n0], 1);
	assert_int_equal(g.flags[n0 + 1], 2);
	store_free(st);
	event_base_free(base);
	memcpy(dir, top, sizeof(dir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_and_snapshot),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_record_validation),
		cmocka_unit_test(test_attempt_flags),
		cmocka_unit_test(test_stopping_record),
		cmocka_unit_test(test_flags_replayed),
	};
	log_open("test", LL_ERROR, NULL);
	snprintf(dir, sizeof(dir), "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(dir));
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		failed++;
	return failed;
}

/* The record log: append and replay, torn tails at every byte, corruption in the middle,
 * group commit of sync requests, and file switches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wal.h"
#include "worker.h"

#define NREC 20

struct seen {
	int n;
	uint32_t types[64];
	char data[64][32];
};

static int collect(void *arg, uint32_t type, const char *data, size_t len, char *err,
		   size_t errlen)
{
	struct seen *s = arg;

	assert_true(len < sizeof(s->data[0]) && s->n < 64);
	s->types[s->n] = type;
	memcpy(s->data[s->n], data, len);
	s->data[s->n][len] = '\0';
	s->n++;
	return 0;
}

static char dir[64];

static char *path_of(const char *name)
{
	static char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_wal.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes NREC records "rec-I" of type I+1 to name; returns the file size. */
static size_t write_log(const char *name, size_t *last_start)
{
	struct event_base *base = event_base_new();
	struct worker *wk = worker_new(base, "t");
	char err[256], buf[32];
	struct wal *w;

	unlink(path_of(name));
	w = wal_open(wk, path_of(name), err, sizeof(err));
	assert_non_null(w);
	for (int i = 0; i < NREC; i++) {
		struct wal_stats st;
		wal_get_stats(w, &st);
		*last_start = st.bytes;
		snprintf(buf, sizeof(buf), "rec-%d", i);
		assert_int_equal(wal_append(w, (uint32_t)i + 1, buf, strlen(buf)), 0);
	}
	worker_free(wk);
	wal_close(w);
	event_base_free(base);
	struct stat sb;
	assert_int_equal(stat(path_of(name), &sb), 0);
	return (size_t)sb.st_size;
}

static void test_roundtrip(void **state)
{
	size_t last, size = write_log("a.log", &last);
	struct seen s = { 0 };
	struct wal_scan sc;
	char err[256];

	assert_int_equal(wal_read(path_of("a.log"), true, collect, &s, &sc, err, sizeof(err)), 0);
	assert_int_equal(s.n, NREC);
	assert_int_equal(sc.records, NREC);
	assert_int_equal(sc.cut_bytes, 0);
	assert_int_equal(sc.good_bytes, size);
	for (int i = 0; i < NREC; i++) {
		char want[32];
		snprintf(want, sizeof(want), "rec-%d", i);
		assert_int_equal(s.types[i], (uint32_t)i + 1);
		assert_string_equal(s.data[i], want);
	}
	/* A missing file is an empty log. */
	s.n = 0;
	assert_int_equal(wal_read(path_of("none.log"), true, collect, &s, &sc, err, sizeof(err)),
			 0);
	assert_int_equal(s.n, 0);
}

/* Every cut inside the last record loses that record only, and the file is repaired. */
static void test_torn_tail_every_offset(void **state)
{
	size_t last, size = write_log("b.log", &last);

	for (size_t cut = last + 1; cut < size; cut++) {
		write_log("b.log", &last);
		assert_int_equal(truncate(path_of("b.log"), (off_t)cut), 0);
		struct seen s = { 0 };
		struct wal_scan sc;
		char err[256];
		assert_int_equal(wal_read(path_of("b.log"), true, collect, &s, &sc, err,
					  sizeof(err)), 0);
		assert_int_equal(s.n, NREC - 1);
		assert_int_equal(sc.good_bytes, last);
		assert_int_equal(sc.cut_bytes, cut - last);
		assert_non_null(strstr(sc.why, "torn"));
		struct stat sb;
		assert_int_equal(stat(path_of("b.log"), &sb), 0);
		assert_int_equal((size_t)sb.st_size, last);
	}
}

/* A flipped byte in the middle: reading stops there, reports it, keeps what was before. */
static void test_corrupt_middle(void **state)
{
	size_t last, size = write_log("c.log", &last);
	FILE *f = fopen(path_of("c.log"), "r+");
	struct seen s = { 0 };
	struct wal_scan sc;
	char err[256];

	/* Record 5 starts after five records of header + "rec-I" (5 bytes each). */
	long off5 = 5 * (WAL_HDR + 5);
	assert_non_null(f);
	fseek(f, off5 + WAL_HDR + 2, SEEK_SET);
	fputc('X', f);
	fclose(f);
	assert_int_equal(wal_read(path_of("c.log"), false, collect, &s, &sc, err, sizeof(err)),
			 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(sc.good_bytes, (uint64_t)off5);
	assert_int_equal(sc.cut_bytes, size - (size_t)off5);
	assert_non_null(strstr(sc.why, "CRC mismatch"));
	assert_non_null(strstr(sc.why, "record 6"));
	/* Without repair nothing changed on disk; with it the tail is kept aside and cut. */
	assert_int_equal(wal_read(path_of("c.log"), true, NULL, NULL, &sc, err, sizeof(err)), 0);
	struct stat sb;
	char keep[64];
	snprintf(keep, sizeof(keep), "c.log.cut-%ld", off5);
	assert_int_equal(stat(path_of(keep), &sb), 0);
	assert_int_equal((size_t)sb.st_size, size - (size_t)off5);
	assert_int_equal(stat(path_of("c.log"), &sb), 0);
	assert_int_equal(sb.st_size, off5);
}

static int refuse(void *arg, uint32_t type, const char *data, size_t len, char *err,
		  size_t errlen)
{
	snprintf(err, errlen, "no thanks");
	return type == 3 ? -1 : 0;
}

static void test_callback_refuses(void **state)
{
	size_t last;
	struct wal_scan sc;
	char err[256] = "";

	write_log("d.log", &last);
	assert_int_equal(wal_read(path_of("d.log"), true, refuse, NULL, &sc, err, sizeof(err)), -1);
	assert_string_equal(err, "no thanks");
	assert_int_equal(sc.records, 2);
}

struct syncs {
	int done;
	int want;
	struct event_base *base;
};

static void synced(void *arg, int err)
{
	struct syncs *s = arg;
	assert_int_equal(err, 0);
	if (++s->done == s->want)
		event_base_loopbreak(s->base);
}

/* Many sync requests are answered by few fsyncs; a switch keeps every record. */
static void test_group_commit_and_switch(void **state)
{
	struct syncs s = { .base = event_base_new(), .want = 200 };
	struct worker *wk = worker_new(s.base, "t");
	char err[256];
	struct wal *w;
	struct wal_stats st;

	unlink(path_of("e1.log"));
	unlink(path_of("e2.log"));
	w = wal_open(wk, path_of("e1.log"), err, sizeof(err));
	assert_non_null(w);
	for (int i = 0; i < s.want; i++) {
		assert_int_equal(wal_append(w, 7, "x", 1), 0);
		if (i == 100)
			assert_int_equal(wal_switch(w, path_of("e2.log"), err, sizeof(err)), 0);
		wal_sync(w, synced, &s);
	}
	event_base_dispatch(s.base);
	wal_get_stats(w, &st);
	assert_int_equal(s.done, s.want);
	assert_true(st.fsyncs < (uint64_t)s.want / 4);
	assert_int_equal(wal_waiting(w), 0);
	worker_free(wk);
	wal_close(w);
	event_base_free(s.base);
	struct wal_scan sc1, sc2;
	assert_int_equal(wal_read(path_of("e1.log"), false, NULL, NULL, &sc1, err, sizeof(err)), 0);
	assert_int_equal(wal_read(path_of("e2.log"), false, NULL, NULL, &sc2, err, sizeof(err)), 0);
	assert_int_equal(sc1.records, 101);
	assert_int_equal(sc1.records + sc2.records, (uint64_t)s.want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_torn_tail_every_offset),
		cmocka_unit_test(test_corrupt_middle),
		cmocka_unit_test(test_callback_refuses),
		cmocka_unit_test(test_group_commit_and_switch),
	};
	setup(NULL);
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	teardown(NULL);
	return failed;
}

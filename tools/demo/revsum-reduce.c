/* loom-revsum reduce: add the per-partition sums and check them against datagen's total. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revsum.h"

#define MAX_PARTS 1000000

/* Parses "cents=<int> rows=<n>" as written by map. */
static void read_sum(const char *path, int64_t *cents, uint64_t *rows)
{
	char buf[128], *sp, *c;
	uint64_t mag;

	read_line_file(path, buf, sizeof(buf));
	sp = strchr(buf, ' ');
	if (strncmp(buf, "cents=", 6) || !sp || strncmp(sp + 1, "rows=", 5))
		die(EXIT_MALFORMED, "%s: expected 'cents=<int> rows=<n>', got '%s'", path, buf);
	*sp = '\0';
	c = buf + 6 + (buf[6] == '-');
	if (parse_u64(c, &mag) < 0 || mag > INT64_MAX || parse_u64(sp + 6, rows) < 0)
		die(EXIT_MALFORMED, "%s: bad number in '%s %s'", path, buf, sp + 1);
	*cents = buf[6] == '-' ? -(int64_t)mag : (int64_t)mag;
}

/* Parses datagen's "rows=N bytes=B total=T" line. */
static void read_expected(const char *path, uint64_t *rows, int64_t *cents)
{
	char buf[160], *tok[4], *save = NULL;
	uint64_t bytes;
	const char *t;
	int n = 0;

	read_line_file(path, buf, sizeof(buf));
	for (char *s = strtok_r(buf, " ", &save); s && n < 4; s = strtok_r(NULL, " ", &save))
		tok[n++] = s;
	if (n != 3 || strncmp(tok[0], "rows=", 5) ||
	    strncmp(tok[1], "bytes=", 6) || strncmp(tok[2], "total=", 6) ||
	    parse_u64(tok[0] + 5, rows) < 0 || parse_u64(tok[1] + 6, &bytes) < 0)
		die(EXIT_MALFORMED, "%s: expected 'rows=N bytes=B total=T'", path);
	t = tok[2] + 6;
	if (parse_revenue(t, t + strlen(t), cents))
		die(EXIT_MALFORMED, "%s: bad total '%s'", path, t);
}

struct part {
	uint64_t idx;
	char name[256];
};

static int part_cmp(const void *a, const void *b)
{
	const struct part *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Lists DIR/part-<digits>, sorted by index; any other part-* name is an error. */
static struct part *list_parts(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct part *parts = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!d)
		die(EXIT_IO, "cannot open directory %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "part-", 5) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			parts = realloc(parts, cap * sizeof(*parts));
			if (!parts)
				die(EXIT_IO, "out of memory");
		}
		if (parse_u64(de->d_name + 5, &parts[n].idx) < 0 || parts[n].idx >= MAX_PARTS ||
		    strlen(de->d_name) >= sizeof(parts[n].name))
			die(EXIT_MALFORMED, "unexpected entry %s/%s (expected part-NNNNN)", dir, de->d_name);
		strcpy(parts[n++].name, de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(parts, n, sizeof(*parts), part_cmp);
	*count = n;
	return parts;
}

/* Checks that the partitions are exactly 0..P-1 (P = --parts if given) with no repeats. */
static void check_parts(const char *dir, const struct part *parts, size_t n, uint64_t want)
{
	uint64_t total;

	if (n == 0)
		die(EXIT_IO, "no part-* directories in %s", dir);
	/* without --parts the highest index sets the count, so a gap reads as a missing part */
	total = want ? want : parts[n - 1].idx + 1;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && parts[i].idx == parts[i - 1].idx)
			die(EXIT_MALFORMED, "duplicate partition %" PRIu64 " in %s: %s and %s",
			    parts[i].idx, dir, parts[i - 1].name, parts[i].name);
		if (parts[i].idx >= total)
			die(EXIT_MALFORMED, "unexpected partition %s/%s: expected part-00000..part-%05" PRIu64,
			    dir, parts[i].name, total - 1);
	}
	/* sorted, unique and all below total: any hole shows up as parts[i].idx != i */
	for (uint64_t i = 0; i < total; i++)
		if (i >= n || parts[i].idx != i)
			die(EXIT_IO, "missing partition %s/part-%05" PRIu64 " (%" PRIu64 " expected)",
			    dir, i, total);
}

/* Adds every partition's sum; optionally checks the result against datagen's .expected. */
int cmd_reduce(int argc, char **argv)
{
	const char *dir = NULL, *expect = NULL, *outdir = getenv("LOOM_OUTPUT_DIR");
	uint64_t want = 0, rows = 0, exp_rows;
	int64_t cents = 0, exp_cents;
	char path[4400], line[128], a[32], b[32];
	struct part *parts;
	size_t n;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
			expect = argv[++i];
		else if (strcmp(argv[i], "--parts") == 0 && i + 1 < argc) {
			if (parse_u64(argv[++i], &want) < 0 || want == 0 || want > MAX_PARTS)
				die(EXIT_USAGE, "bad --parts '%s': expected 1..%d", argv[i], MAX_PARTS);
		} else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else
			usage();
	}
	if (!dir || strlen(dir) > 4000)
		usage();
	if (expect)
		read_expected(expect, &exp_rows, &exp_cents);   /* a bad path fails before the work */
	parts = list_parts(dir, &n);
	check_parts(dir, parts, n, want);
	for (size_t i = 0; i < n; i++) {
		int64_t c;
		uint64_t r;
		snprintf(path, sizeof(path), "%s/%s/sum", dir, parts[i].name);
		read_sum(path, &c, &r);
		if (add_cents(&cents, c) < 0 || rows > UINT64_MAX - r)
			die(EXIT_MALFORMED, "%s: total overflows 64 bits", path);
		rows += r;
	}
	free(parts);
	snprintf(line, sizeof(line), "partitions=%zu rows=%" PRIu64 " total=%s\n", n, rows,
		 fmt_cents(cents, a, sizeof(a)));
	fputs(line, stdout);
	fflush(stdout);
	if (outdir && *outdir)
		write_atomic(outdir, "total", line);
	if (!expect)
		return 0;
	if (rows != exp_rows || cents != exp_cents)
		die(EXIT_IO, "MISMATCH with %s: got rows=%" PRIu64 " total=%s, expected rows=%" PRIu64
			     " total=%s", expect, rows, fmt_cents(cents, a, sizeof(a)), exp_rows,
		    fmt_cents(exp_cents, b, sizeof(b)));
	fprintf(stderr, "loom-revsum: matches %s\n", expect);
	return 0;
}

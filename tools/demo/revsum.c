/*
 * loom-revsum: the demo task program the cluster runs over loom-datagen's CSV. It sums the
 * revenue column exactly, in integer cents, as a map step per partition and a reduce step.
 *
 *   loom-revsum map FILE      partition LOOM_TASK_INDEX of LOOM_NUM_TASKS; writes
 *                             $LOOM_OUTPUT_DIR/sum and prints "cents=C rows=N"
 *                             (task i of n starts at i*(size/n) + min(i, size%n), spans
 *                             size/n bytes plus 1 if i < size%n, and sums the lines that
 *                             start in that range, as Hadoop's LineRecordReader does)
 *   loom-revsum reduce DIR [--parts N] [--expect FILE.expected]
 *                             adds DIR/part-NNNNN/sum, prints "partitions=P rows=N total=T"
 *   loom-revsum sum FILE      whole file in one process, prints "rows=N total=T"
 *
 * Exit codes: 0 ok, 1 I/O error, missing part or --expect mismatch, 2 usage,
 * 3 malformed input (a CSV row, a sum file or an expected file).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "revsum.h"

_Noreturn void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("loom-revsum: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

_Noreturn void usage(void)
{
	die(EXIT_USAGE, "usage: loom-revsum map FILE | sum FILE | "
			"reduce DIR [--parts N] [--expect FILE.expected]");
}

/* Strict unsigned decimal; -1 on anything else, so env and argument typos are caught. */
int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Formats cents as units with two decimals, sign included (-5 -> "-0.05"). */
const char *fmt_cents(int64_t c, char *buf, size_t len)
{
	uint64_t mag = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;

	snprintf(buf, len, "%s%" PRIu64 ".%02u", c < 0 ? "-" : "", mag / 100, (unsigned)(mag % 100));
	return buf;
}

int add_cents(int64_t *sum, int64_t c)
{
	if ((c > 0 && *sum > INT64_MAX - c) || (c < 0 && *sum < INT64_MIN - c))
		return -1;
	*sum += c;
	return 0;
}

/* Parses "123", "-123.4" or "123.45" between p and q into cents; NULL on error. */
const char *parse_revenue(const char *p, const char *q, int64_t *out)
{
	int neg = 0, frac_digits = 0;
	int64_t v = 0;

	if (p < q && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == q || *p < '0' || *p > '9')
		return "revenue is not a number";
	for (; p < q && *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX / 100 - 9) / 10)
			return "revenue too large";
		v = v * 10 + (*p - '0');
	}
	v *= 100;
	if (p < q && *p == '.') {
		for (p++; p < q && *p >= '0' && *p <= '9' && frac_digits < 2; p++, frac_digits++)
			v += (*p - '0') * (frac_digits ? 1 : 10);
		if (frac_digits == 0)
			return "revenue has no digits after '.'";
	}
	if (p != q)
		return "revenue is not a number with at most 2 decimals";
	*out = neg ? -v : v;
	return NULL;
}

/* Writes line to dir/name through a temporary file, so readers never see half of it. */
void write_atomic(const char *dir, const char *name, const char *line)
{
	char path[4200], tmp[4300];
	size_t len = strlen(line);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld", dir, name, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		int saved = errno;
		unlink(tmp);
		die(EXIT_IO, "cannot write %s: %s", path, strerror(saved));
	}
}

/* Reads a small text file whole; it must be one line ending in '\n'. */
void read_line_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		die(EXIT_IO, "cannot open %s: %s", path, strerror(errno));
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		die(EXIT_IO, "cannot read %s: %s", path, strerror(errno));
	buf[n] = '\0';
	if (n == 0 || buf[n - 1] != '\n' || memchr(buf, '\n', (size_t)n - 1) || strlen(buf) != (size_t)n)
		die(EXIT_MALFORMED, "%s: expected exactly one line", path);
	buf[n - 1] = '\0';
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "map") == 0)
		return cmd_map(argv[2]);
	if (argc == 3 && strcmp(argv[1], "sum") == 0)
		return cmd_sum(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "reduce") == 0)
		return cmd_reduce(argc, argv);
	usage();
}

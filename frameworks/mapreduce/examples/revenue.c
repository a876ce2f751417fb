/*
 * loom-mr-revenue: the map and reduce commands of the revenue-by-product example, over
 * loom-datagen's sales CSV (date,region,product,...,revenue). Exact: money is integer
 * cents from parsing to printing, never a float.
 *
 *   loom-mr-revenue map      CSV lines on stdin -> "product<TAB>cents" (header skipped)
 *   loom-mr-revenue reduce   "product<TAB>cents" sorted by product -> "product<TAB>D.CC"
 *
 * Exit codes: 0 ok, 2 usage, 3 malformed input.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRODUCT_COL 2
#define REVENUE_COL 7

static _Noreturn void bad(const char *what, const char *line)
{
	fprintf(stderr, "loom-mr-revenue: %s: %.200s\n", what, line);
	exit(3);
}

/* "123", "-4.5", "6.78" -> cents; -1 when it is not such a number. */
static int parse_cents(const char *p, const char *q, int64_t *out)
{
	int neg = p < q && *p == '-', frac = 0;
	int64_t v = 0;

	p += neg;
	if (p == q)
		return -1;
	for (; p < q && *p >= '0' && *p <= '9'; p++) {
		if (v > INT64_MAX / 1000)
			return -1;
		v = v * 10 + (*p - '0');
	}
	v *= 100;
	if (p < q && *p == '.')
		for (p++; p < q && *p >= '0' && *p <= '9' && frac < 2; p++, frac++)
			v += (*p - '0') * (frac ? 1 : 10);
	if (p != q)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

/* The start and end of column col of line (without the newline); -1 if it has too few. */
static int column(const char *line, int col, const char **b, const char **e)
{
	const char *p = line;

	for (int c = 0; c < col; c++)
		if ((p = strchr(p, ',')) == NULL)
			return -1;
		else
			p++;
	*b = p;
	*e = p + strcspn(p, ",\r\n");
	return 0;
}

static int map(void)
{
	char *line = NULL;
	size_t cap = 0;
	const char *pb, *pe, *rb, *re;
	int64_t cents;

	while (getline(&line, &cap, stdin) > 0) {
		if (line[0] == '\n' || strncmp(line, "date,", 5) == 0)
			continue;
		if (column(line, PRODUCT_COL, &pb, &pe) < 0 ||
		    column(line, REVENUE_COL, &rb, &re) < 0 || parse_cents(rb, re, &cents) < 0)
			bad("malformed row", line);
		printf("%.*s\t%" PRId64 "\n", (int)(pe - pb), pb, cents);
	}
	free(line);
	return ferror(stdout) ? 1 : 0;
}

static void emit(const char *key, int64_t sum)
{
	uint64_t mag = sum < 0 ? (uint64_t)0 - (uint64_t)sum : (uint64_t)sum;

	printf("%s\t%s%" PRIu64 ".%02u\n", key, sum < 0 ? "-" : "", mag / 100,
	       (unsigned)(mag % 100));
}

/* Equal keys arrive together (the runner sorted them): one running sum per group. */
static int reduce(void)
{
	char *line = NULL, *key = NULL, *end;
	size_t cap = 0;
	ssize_t n;
	int64_t sum = 0;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		char *tab = strchr(line, '\t');
		if (tab == NULL)
			bad("no TAB in", line);
		*tab = '\0';
		long long c = strtoll(tab + 1, &end, 10);
		if (end == tab + 1 || (*end != '\n' && *end != '\0'))
			bad("not integer cents", tab + 1);
		if (key != NULL && strcmp(key, line) != 0) {
			emit(key, sum);
			free(key);
			key = NULL;
		}
		if (key == NULL) {
			key = strdup(line);
			sum = 0;
		}
		sum += c;
	}
	if (key != NULL)
		emit(key, sum);
	free(key);
	free(line);
	return ferror(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "map") == 0)
		return map();
	if (argc == 2 && strcmp(argv[1], "reduce") == 0)
		return reduce();
	fprintf(stderr, "usage: loom-mr-revenue map|reduce  (stdin to stdout)\n");
	return 2;
}

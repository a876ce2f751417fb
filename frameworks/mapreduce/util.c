/* loom-mapreduce: small helpers shared by the engine and its task runner. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *mr_prog = "loom-mapreduce";

static void vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", mr_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

_Noreturn void mr_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(code);
}

void mr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

static void *check(void *p)
{
	if (p == NULL) {
		fprintf(stderr, "%s: out of memory\n", mr_prog);
		abort();
	}
	return p;
}

void *mr_calloc(size_t n, size_t size)
{
	return check(calloc(n ? n : 1, size ? size : 1));
}

void *mr_realloc(void *p, size_t size)
{
	return check(realloc(p, size ? size : 1));
}

/* Grows p (of *cap elements) to hold at least need elements, doubling. */
void *mr_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	p = check(realloc(p, n * size));
	*cap = n;
	return p;
}

char *mr_strdup(const char *s)
{
	return check(strdup(s));
}

char *mr_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return check(n < 0 ? NULL : s);
}

int64_t mr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mr_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int mr_parse_i64(const char *s, int64_t *out)
{
	uint64_t v;
	int neg = s != NULL && *s == '-';

	if (mr_parse_u64(s + neg, &v) < 0 || v > INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

int mr_mkdir_p(const char *path)
{
	char *p = mr_strdup(path);
	int rc = 0;

	for (char *s = p + 1; rc == 0; s++) {
		char c = *s;
		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			rc = -1;
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int rc = flag == FTW_DP ? rmdir(path) : unlink(path);
	return rc < 0 && errno != ENOENT ? -1 : 0;
}

int mr_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

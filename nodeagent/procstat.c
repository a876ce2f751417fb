/*
 * Memory of process trees, read from /proc the way YARN's node manager does: one pass over
 * every /proc/PID/stat, summing RSS per session (each attempt is a session of its own, and
 * its process group id is its leader's pid). The scan runs on the worker thread; the
 * parsing is pure and unit-tested.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

#define STAT_FIELD_RSS 24 /* proc(5): field 24 is rss, in pages */
#define PROCSTAT_MAX 1024 /* a stat line is far shorter */

/* Reads a signed decimal at *p, advancing past it; -1 when there is none. */
static int parse_field(const char **p, const char *end, long long *out)
{
	const char *s = *p;
	char *stop;

	while (s < end && *s == ' ')
		s++;
	if (s >= end)
		return -1;
	*out = strtoll(s, &stop, 10);
	if (stop == s || stop > end)
		return -1;
	*p = stop;
	return 0;
}

/* Skips one space-separated field. */
static int skip_field(const char **p, const char *end)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s >= end)
		return -1;
	while (s < end && *s != ' ')
		s++;
	*p = s;
	return 0;
}

/*
 * "1234 (comm) S 1 1234 1234 ..." — comm may hold spaces and parentheses, so the fields
 * start after the *last* ')'.
 */
int procstat_parse(const char *text, size_t len, struct proc_stat *out)
{
	char buf[PROCSTAT_MAX];
	long long v[STAT_FIELD_RSS + 1];

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, text, len); /* strtoll needs a terminator */
	buf[len] = '\0';
	const char *end = buf + len, *p = buf;
	const char *rp = memrchr(buf, ')', len);
	if (rp == NULL || parse_field(&p, end, &v[1]) < 0 || p >= rp)
		return -1;
	p = rp + 1;
	if (skip_field(&p, end) < 0) /* field 3: state */
		return -1;
	for (int f = 4; f <= STAT_FIELD_RSS; f++)
		if (parse_field(&p, end, &v[f]) < 0)
			return -1;
	out->pid = (pid_t)v[1];
	out->ppid = (pid_t)v[4];
	out->pgrp = (pid_t)v[5];
	out->session = (pid_t)v[6];
	out->rss_pages = v[STAT_FIELD_RSS] > 0 ? v[STAT_FIELD_RSS] : 0;
	return 0;
}

void procstat_account(const struct proc_stat *st, const pid_t *leaders, int n,
		      int64_t *rss_kb, long page_kb)
{
	for (int i = 0; i < n; i++) {
		if (st->session == leaders[i] || st->pgrp == leaders[i]) {
			rss_kb[i] += st->rss_pages * page_kb;
			return;
		}
	}
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Reads /proc/<name>/stat into buf; returns its length or -1 (the process may be gone). */
static ssize_t read_stat(const char *name, char *buf, size_t size)
{
	char path[300]; /* d_name is at most 255 bytes */

	snprintf(path, sizeof path, "/proc/%s/stat", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	return n;
}

void procstat_scan(const pid_t *leaders, int n, int64_t *rss_kb)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	char buf[PROCSTAT_MAX];
	struct proc_stat st;
	struct dirent *de;

	memset(rss_kb, 0, (size_t)n * sizeof *rss_kb);
	DIR *d = opendir("/proc");
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!all_digits(de->d_name))
			continue;
		ssize_t len = read_stat(de->d_name, buf, sizeof buf);
		if (len > 0 && procstat_parse(buf, (size_t)len, &st) == 0)
			procstat_account(&st, leaders, n, rss_kb, page_kb);
	}
	closedir(d);
}

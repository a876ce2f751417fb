/*
 * loom-mr-task map: a feeder process writes the split's lines into the user's map command
 * while this process reads what the command prints and appends each "key<TAB>value" line
 * to part-<hash(key) % R> of the attempt directory. Three processes, so that neither pipe
 * can fill up while the other waits: no poll loop needed.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "task.h"
#include "util.h"

/* FNV-1a over the key: stable across machines and runs, which the shuffle relies on. */
static uint64_t key_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* The feeder: every segment in order, then exit (closing the command's stdin). */
static pid_t start_feeder(const struct task_args *a, int wfd, const int *close_fds)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	signal(SIGPIPE, SIG_IGN);
	for (; *close_fds >= 0; close_fds++)
		close(*close_fds);
	for (size_t i = 0; i < a->nsegs; i++)
		if (task_feed(&a->segs[i], wfd) < 0)
			_exit(TASK_EXIT_IO);
	_exit(0);
}

static FILE **open_parts(const struct task_args *a)
{
	FILE **parts = mr_calloc((size_t)a->reduces, sizeof *parts);

	if (mr_mkdir_p(a->out) < 0)
		mr_die(TASK_EXIT_IO, "cannot create %s: %s", a->out, strerror(errno));
	for (int64_t r = 0; r < a->reduces; r++) {
		char *path = mr_asprintf("%s/part-%05" PRId64, a->out, r);
		parts[r] = fopen(path, "w");
		if (parts[r] == NULL)
			mr_die(TASK_EXIT_IO, "cannot create %s: %s", path, strerror(errno));
		free(path);
	}
	return parts;
}

/* Flushes, syncs and closes every part; -1 if any of it failed. */
static int close_parts(FILE **parts, int64_t n)
{
	int rc = 0;

	for (int64_t r = 0; r < n; r++) {
		if (fflush(parts[r]) != 0 || fsync(fileno(parts[r])) < 0)
			rc = -1;
		if (fclose(parts[r]) != 0)
			rc = -1;
	}
	free(parts);
	return rc;
}

/* Routes each output line to its partition; empty lines are dropped. */
static int partition(FILE *in, FILE **parts, int64_t nparts)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		if (n == 0)
			continue;
		char *tab = memchr(line, '\t', (size_t)n);
		size_t klen = tab ? (size_t)(tab - line) : (size_t)n;
		FILE *f = parts[key_hash(line, klen) % (uint64_t)nparts];
		if (fwrite(line, 1, (size_t)n, f) != (size_t)n || fputc('\n', f) == EOF)
			rc = -1;
	}
	free(line);
	return rc;
}

void task_env(const char *phase, int64_t index, const char *k, int64_t v)
{
	char buf[32];

	setenv("LOOM_MR_PHASE", phase, 1);
	snprintf(buf, sizeof buf, "%" PRId64, index);
	setenv("LOOM_MR_INDEX", buf, 1);
	snprintf(buf, sizeof buf, "%" PRId64, v);
	setenv(k, buf, 1);
}

int task_map(const struct task_args *a)
{
	int in[2], out[2];

	task_env("map", a->index, "LOOM_MR_REDUCES", a->reduces);
	if (pipe(in) < 0 || pipe(out) < 0)
		mr_die(TASK_EXIT_IO, "cannot create pipes: %s", strerror(errno));
	const int feeder_close[] = { in[0], out[0], out[1], -1 };
	pid_t feeder = start_feeder(a, in[1], feeder_close);
	const int cmd_close[] = { in[1], out[0], -1 };
	pid_t cmd = task_spawn_sh(a->cmd, in[0], out[1], cmd_close);
	if (feeder < 0 || cmd < 0)
		mr_die(TASK_EXIT_IO, "cannot fork: %s", strerror(errno));
	close(in[0]);
	close(in[1]);
	close(out[1]);
	FILE **parts = open_parts(a);
	FILE *from = fdopen(out[0], "r");
	if (from == NULL)
		mr_die(TASK_EXIT_IO, "cannot read the map command's output: %s", strerror(errno));
	int wrote = partition(from, parts, a->reduces);
	fclose(from);
	int fed = task_wait(feeder, "the split reader");
	int ran = task_wait(cmd, "the map command");
	if (close_parts(parts, a->reduces) < 0 || wrote < 0) {
		mr_warn("cannot write the map output under %s: %s", a->out, strerror(errno));
		return TASK_EXIT_IO;
	}
	return ran < 0 ? TASK_EXIT_CMD : fed < 0 ? TASK_EXIT_IO : 0;
}

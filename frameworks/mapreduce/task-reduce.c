/*
 * loom-mr-task reduce: `sort` merges partition r of every committed map output, ordered by
 * key (bytes, LC_ALL=C; stable, so equal keys keep map order), into the user's reduce
 * command, whose output becomes the attempt's file. sort(1) spills to disk by itself, so
 * a partition larger than memory still works.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "task.h"
#include "util.h"

/* "sort -t TAB -k1,1 -s -- <every map's part-r>", NULL-terminated; NULL if one is missing. */
static char **sort_argv(const struct task_args *a)
{
	char **v = mr_calloc((size_t)a->maps + 8, sizeof *v);
	const char *head[] = { "sort", "-t", "\t", "-k1,1", "-s", "--" };
	size_t n = 0;

	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		v[n++] = mr_strdup(head[i]);
	for (int64_t m = 0; m < a->maps; m++) {
		v[n] = mr_asprintf("%s/map-%05" PRId64 "/part-%05" PRId64, a->shuffle, m, a->index);
		if (access(v[n++], R_OK) < 0) {
			mr_warn("map output %s is missing: %s", v[n - 1], strerror(errno));
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return NULL;
		}
	}
	return v;
}

static pid_t start_sort(char **argv, int out, int other)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (dup2(out, 1) < 0)
		_exit(127);
	close(out);
	close(other);
	setenv("LC_ALL", "C", 1);
	execvp(argv[0], argv);
	fprintf(stderr, "loom-mr-task: cannot run sort: %s\n", strerror(errno));
	_exit(127);
}

/* Creates the attempt's output file (and its directory). */
static int open_out(const char *path)
{
	char *dir = mr_strdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mr_mkdir_p(dir) < 0)
			mr_die(TASK_EXIT_IO, "cannot create %s: %s", dir, strerror(errno));
	}
	free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		mr_die(TASK_EXIT_IO, "cannot create %s: %s", path, strerror(errno));
	return fd;
}

int task_reduce(const struct task_args *a)
{
	char **argv = sort_argv(a);
	int p[2], out, rc;

	if (argv == NULL)
		return TASK_EXIT_IO;
	task_env("reduce", a->index, "LOOM_MR_MAPS", a->maps);
	out = open_out(a->out);
	if (pipe(p) < 0)
		mr_die(TASK_EXIT_IO, "cannot create a pipe: %s", strerror(errno));
	pid_t sorter = start_sort(argv, p[1], p[0]);
	const int cmd_close[] = { p[1], -1 };
	pid_t cmd = sorter < 0 ? -1 : task_spawn_sh(a->cmd, p[0], out, cmd_close);
	if (sorter < 0 || cmd < 0)
		mr_die(TASK_EXIT_IO, "cannot fork: %s", strerror(errno));
	close(p[0]);
	close(p[1]);
	int sorted = task_wait(sorter, "sort");
	int ran = task_wait(cmd, "the reduce command");
	rc = fsync(out) < 0 || close(out) < 0 ? TASK_EXIT_IO : 0;
	if (rc != 0)
		mr_warn("cannot write %s: %s", a->out, strerror(errno));
	for (char **s = argv; *s; s++)
		free(*s);
	free(argv);
	return ran < 0 ? TASK_EXIT_CMD : sorted < 0 ? TASK_EXIT_IO : rc;
}

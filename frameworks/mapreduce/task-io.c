/* loom-mr-task: reading a split line-aligned, and running the user's command. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "task.h"
#include "util.h"

/* Writes all of buf; 1 when the reader went away, -1 on another error. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EPIPE ? 1 : -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Hadoop's rule: a split not at 0 starts just after the first '\n' at or after off-1, and
 * owns every line that starts before off+len, read to its end even past the split. So each
 * line belongs to exactly one split, whatever the split sizes.
 */
int task_feed(const struct task_seg *seg, int fd)
{
	FILE *f = fopen(seg->path, "r");
	uint64_t pos = seg->off, end = seg->off + seg->len;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (f == NULL || (seg->off > 0 && fseeko(f, (off_t)seg->off - 1, SEEK_SET) < 0)) {
		mr_warn("cannot open %s: %s", seg->path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (seg->off > 0 && (n = getline(&line, &cap, f)) > 0)
		pos = seg->off - 1 + (uint64_t)n;
	while (rc == 0 && pos < end && (n = getline(&line, &cap, f)) > 0) {
		pos += (uint64_t)n;
		if (line[n - 1] != '\n') {
			line = mr_grow(line, &cap, (size_t)n + 2, 1);
			line[n++] = '\n';
		}
		rc = write_all(fd, line, (size_t)n);
	}
	if (ferror(f)) {
		mr_warn("cannot read %s: %s", seg->path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc < 0 ? -1 : 0;
}

pid_t task_spawn_sh(const char *cmd, int in, int out, const int *close_fds)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	signal(SIGPIPE, SIG_DFL);
	if ((in != 0 && dup2(in, 0) < 0) || (out != 1 && dup2(out, 1) < 0))
		_exit(127);
	for (; close_fds != NULL && *close_fds >= 0; close_fds++)
		if (*close_fds > 2)
			close(*close_fds);
	if (in > 2)
		close(in);
	if (out > 2)
		close(out);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

int task_wait(pid_t pid, const char *what)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			mr_warn("cannot wait for %s: %s", what, strerror(errno));
			return -1;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		mr_warn("%s exited with code %d", what, WEXITSTATUS(st));
	else
		mr_warn("%s was killed by signal %d", what, WTERMSIG(st));
	return -1;
}

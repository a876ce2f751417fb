/*
 * loom-mapreduce: commits. Every attempt writes only under its own path (named by its
 * container id); the engine commits the first successful one by renaming that path to the
 * task's final name without replacing (RENAME_NOREPLACE), so a duplicate from speculation,
 * a retry or a node thought lost can never overwrite or add to a committed output. Only
 * the engine renames, and only after the container's exit was reported by rmd.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* renameat2 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mr.h"
#include "util.h"

/* rename(2) that fails with EEXIST instead of replacing, where the filesystem allows. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* no RENAME_NOREPLACE here (e.g. NFS): the engine is the one committer, so a check
	 * then a rename is safe */
	if (access(to, F_OK) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

int commit_attempt(const struct mr_job *j, const struct mr_attempt *a)
{
	char *from = plan_attempt_path(j, a), *to = plan_final_path(j, a->task);
	int rc = rename_noreplace(from, to);

	if (rc < 0)
		job_log(j, "cannot commit %s as %s: %s", from, to, strerror(errno));
	free(from);
	free(to);
	return rc;
}

void discard_attempt(const struct mr_job *j, const struct mr_attempt *a)
{
	char *path = plan_attempt_path(j, a);

	if (mr_rm_rf(path) < 0)
		job_log(j, "cannot remove %s: %s", path, strerror(errno));
	free(path);
}

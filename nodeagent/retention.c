/*
 * Log retention: the directories of attempts this agent no longer tracks (their logs and
 * scratch files) are removed once nothing in them changed for attempt_retention, as YARN's
 * node manager deletes container logs after its retain-seconds. The scan and the removal
 * run on the worker; the loop only hands over the ids it still tracks.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "agent.h"
#include "log.h"
#include "xmalloc.h"

#define RETENTION_SCAN_MAX_MS (10 * 60 * 1000) /* scan at least this often */

struct retention_job {
	char *dir;
	char **keep; /* sorted ids of attempts still tracked */
	size_t nkeep;
	int64_t max_age_s;
	int removed;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The newest change inside an attempt directory: the directory, its stdout and stderr. */
static time_t last_change(int dirfd, const char *name)
{
	static const char *const leaves[] = { "", "/stdout", "/stderr" };
	char path[NAME_MAX + 16];
	struct stat st;
	time_t newest = 0;

	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", name, leaves[i]);
		if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mtime > newest)
			newest = st.st_mtime;
	}
	return newest;
}

int retention_sweep(const char *dir, char **keep, size_t nkeep, int64_t now_s, int64_t max_age_s)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	int removed = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		const char *name = e->d_name;
		if (!attempt_id_valid(name) ||
		    bsearch(&name, keep, nkeep, sizeof(*keep), cmp_str) != NULL)
			continue;
		if (now_s - (int64_t)last_change(dirfd(d), name) <= max_age_s)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (remove_tree(path, NULL, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

static void retention_work(void *arg)
{
	struct retention_job *j = arg;
	j->removed = retention_sweep(j->dir, j->keep, j->nkeep, (int64_t)time(NULL), j->max_age_s);
}

static void retention_free(void *arg)
{
	struct retention_job *j = arg;
	for (size_t i = 0; i < j->nkeep; i++)
		free(j->keep[i]);
	free(j->keep);
	free(j->dir);
	free(j);
}

static void retention_done(void *arg)
{
	struct retention_job *j = arg;
	if (j->removed > 0)
		log_info("retention", "removed %d attempt director%s unchanged for over %llds",
			 j->removed, j->removed == 1 ? "y" : "ies", (long long)j->max_age_s);
	retention_free(j);
}

void retention_tick(struct agent *ag, int64_t now_ms)
{
	int64_t keep_ms = ag->conf.attempt_retention_ms;
	struct attempt *a;

	if (keep_ms <= 0 || now_ms < ag->next_retention_ms)
		return;
	ag->next_retention_ms = now_ms + (keep_ms / 4 < RETENTION_SCAN_MAX_MS ? keep_ms / 4 + 1
									: RETENTION_SCAN_MAX_MS);
	struct retention_job *j = xcalloc(1, sizeof(*j));
	j->dir = xstrdup(ag->attempts_dir);
	j->max_age_s = keep_ms / 1000;
	j->keep = xcalloc((size_t)ag->nattempts + 1, sizeof(*j->keep));
	TAILQ_FOREACH(a, &ag->attempts, link)
		j->keep[j->nkeep++] = xstrdup(a->idstr);
	qsort(j->keep, j->nkeep, sizeof(*j->keep), cmp_str);
	agent_submit(ag, retention_work, retention_done, retention_free, j);
}

/*
 * Output commit, as Hadoop's file output committer does it: an attempt writes into its own
 * directory, and the one attempt rmd authorizes has it renamed to <output_dir>/part-NNNNN
 * in one atomic rename that refuses to replace an existing partition. Discards remove the
 * attempt's directory. Both run on the worker thread; the attempt is forgotten afterwards
 * (its log directory stays for LOG_READ).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "log.h"
#include "xmalloc.h"

#define REMOVE_TREE_FDS 16

char *commit_part_path(const char *output_dir, int32_t task)
{
	size_t n = strlen(output_dir);
	while (n > 1 && output_dir[n - 1] == '/')
		n--;
	return xasprintf("%.*s/part-%05d", (int)n, output_dir, task);
}

/* -2 tells the caller the partition is in place already (see msg_attempt_committed). */
static int exists_error(const char *dst, char *err, size_t errlen)
{
	snprintf(err, errlen, "partition already committed: '%s' exists", dst);
	return -2;
}

int commit_rename(const char *src, const char *dst, char *err, size_t errlen)
{
	struct stat st;

	if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOSYS) {
		/* The file system lacks RENAME_NOREPLACE (some network ones): check, then rename. */
		if (lstat(dst, &st) == 0)
			return exists_error(dst, err, errlen);
		if (rename(src, dst) == 0)
			return 0;
	}
	if (errno == EEXIST || errno == ENOTEMPTY)
		return exists_error(dst, err, errlen);
	snprintf(err, errlen, "cannot rename '%s' to '%s': %s", src, dst, strerror(errno));
	return -1;
}

/* nftw offers no argument to its callback; the worker is one thread, this is its own. */
static _Thread_local int remove_errno;

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT && remove_errno == 0)
		remove_errno = errno;
	return 0;
}

int remove_tree(const char *path, char *err, size_t errlen)
{
	remove_errno = 0;
	if (path[0] == '\0')
		return 0;
	if (nftw(path, remove_one, REMOVE_TREE_FDS, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		remove_errno = errno;
	if (remove_errno == 0)
		return 0;
	snprintf(err, errlen, "cannot remove '%s': %s", path, strerror(remove_errno));
	return -1;
}

/* ---- the worker job ----------------------------------------------------------------- */

struct commit_job {
	struct agent *ag;
	uint64_t reqid;
	bool reply;    /* rmd asked: answer ATTEMPT_COMMITTED */
	bool commit;   /* rename into place; else remove */
	struct loom_id id;
	char *src, *dst;
	bool ok;
	bool already;  /* the partition was in place: this attempt's output was removed */
	char reason[PROTO_REASON_MAX];
};

static void commit_free(void *arg)
{
	struct commit_job *j = arg;
	free(j->src);
	free(j->dst);
	free(j);
}

static void commit_work(void *arg)
{
	struct commit_job *j = arg;

	if (j->commit) {
		int rc = commit_rename(j->src, j->dst, j->reason, sizeof j->reason);
		j->ok = rc == 0;
		/* Never two copies of a partition: the late attempt's output goes. */
		j->already = rc == -2;
		if (j->already)
			remove_tree(j->src, NULL, 0);
	} else
		j->ok = remove_tree(j->src, j->reason, sizeof j->reason) == 0;
}

static void reply(struct agent *ag, uint64_t reqid, const struct loom_id *id, bool commit,
		  bool ok, bool already, const char *reason)
{
	struct msg_attempt_committed m = { .id = *id, .commit = commit, .ok = ok,
					   .already = already };
	char idstr[ID_BUFSZ];

	snprintf(m.reason, sizeof m.reason, "%s", reason);
	log_info("commit", "%s: %s %s%s%s", id_format(id, idstr, sizeof idstr),
		 commit ? "commit" : "discard", ok ? "done" : "failed", *reason ? ": " : "",
		 reason);
	rmconn_send_committed(ag, reqid, &m);
}

static void commit_done(void *arg)
{
	struct commit_job *j = arg;
	struct attempt *a = attempt_find(j->ag, &j->id);

	if (j->reply)
		reply(j->ag, j->reqid, &j->id, j->commit, j->ok, j->already, j->ok ? "" : j->reason);
	else if (!j->ok)
		log_warn("commit", "%s", j->reason);
	if (a != NULL && a->state == AS_COMMITTING)
		attempt_forget(a, j->commit ? "committed" : "discarded");
	commit_free(j);
}

static void commit_start(struct attempt *a, uint64_t reqid, bool reply_wanted, bool commit)
{
	struct commit_job *j = xcalloc(1, sizeof *j);

	j->ag = a->ag;
	j->reqid = reqid;
	j->reply = reply_wanted;
	j->commit = commit;
	j->id = a->id;
	/* Without an output_dir the output is the attempt directory, kept for its logs. */
	j->src = xstrdup(a->out_path != NULL && a->output_dir[0] != '\0' ? a->out_path : "");
	if (commit)
		j->dst = commit_part_path(a->output_dir, a->id.task);
	attempt_set_state(a, AS_COMMITTING, commit ? "commit" : "discard");
	agent_submit(a->ag, commit_work, commit_done, commit_free, j);
}

/* Always through the worker, even with nothing to remove: callers may still hold a. */
void commit_discard_and_forget(struct attempt *a)
{
	commit_start(a, 0, false, false);
}

/* The checks that answer at once; returns the reason to refuse, or NULL to go ahead. */
static const char *refusal(const struct attempt *a, bool commit)
{
	if (a == NULL)
		return "unknown attempt";
	if (a->state != AS_DONE)
		return attempt_is_live(a) ? "attempt is still running" : "attempt is busy";
	if (commit && !attempt_succeeded(a))
		return "attempt did not succeed";
	return NULL;
}

void commit_request(struct agent *ag, uint64_t reqid, const struct msg_attempt_commit *m)
{
	struct attempt *a = attempt_find(ag, &m->id);
	const char *why = refusal(a, m->commit);

	if (a != NULL && a->state == AS_COMMITTING)
		return; /* a repeated request: the first one's answer is on its way */
	if (why != NULL) {
		/* Discarding what does not exist has nothing left to do: that is success. */
		bool ok = a == NULL && !m->commit;
		reply(ag, reqid, &m->id, m->commit, ok, false, ok ? "" : why);
		return;
	}
	if (m->commit && a->output_dir[0] == '\0') {
		/* No output_dir: nothing to rename. Answered inline, the common fast path. */
		reply(ag, reqid, &m->id, true, true, false, "");
		attempt_set_state(a, AS_COMMITTING, "commit: no output_dir");
		attempt_forget(a, "committed");
		return;
	}
	commit_start(a, reqid, true, m->commit);
}

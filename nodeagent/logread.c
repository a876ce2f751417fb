/*
 * Reading attempt logs: LOG_READ from rmd (the last bytes of stdout or stderr, for
 * `rmctl logs`), and the stderr tail that goes with a failed attempt's final report.
 * Files are read on the worker thread; the paths come from canonical attempt ids only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "xmalloc.h"

int file_tail(const char *path, int64_t max, char **data, size_t *len, int64_t *size,
	      char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int64_t off = st.st_size > max ? st.st_size - max : 0;
	size_t want = (size_t)(st.st_size - off), got = 0;
	char *buf = xmalloc(want + 1);
	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*len = got;
	*size = st.st_size;
	return 0;
}

/* Start of the last maxlines lines of buf[0..len) (len excludes trailing newlines). */
static size_t last_lines_start(const char *buf, size_t len, int maxlines)
{
	int lines = 0;

	for (size_t i = len; i > 0; i--)
		if (buf[i - 1] == '\n' && ++lines == maxlines)
			return i;
	return 0;
}

void log_tail_trim(const char *buf, size_t len, bool cut, int maxlines, char *out,
		   size_t outsz)
{
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	size_t start = last_lines_start(buf, len, maxlines);
	if (start == 0 && cut) {
		const char *nl = memchr(buf, '\n', len);
		if (nl != NULL)
			start = (size_t)(nl - buf) + 1;
	}
	if (len - start > outsz - 1) {
		start = len - (outsz - 1);
		const char *nl = memchr(buf + start, '\n', len - start);
		if (nl != NULL)
			start = (size_t)(nl - buf) + 1;
	}
	/* Never begin inside a UTF-8 sequence. */
	while (start < len && ((unsigned char)buf[start] & 0xC0) == 0x80)
		start++;
	size_t n = 0;
	for (size_t i = start; i < len && n < outsz - 1; i++) {
		unsigned char c = (unsigned char)buf[i];
		out[n++] = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	out[n] = '\0';
}

/* ---- LOG_READ ----------------------------------------------------------------------- */

struct logread_job {
	struct agent *ag;
	uint64_t reqid, conn_gen;
	struct loom_id id;
	char *path;
	int64_t max;
	bool ok;
	char *data;
	size_t len;
	int64_t size;
	char reason[PROTO_REASON_MAX];
};

static void logread_free(void *arg)
{
	struct logread_job *j = arg;
	free(j->path);
	free(j->data);
	free(j);
}

static void logread_work(void *arg)
{
	struct logread_job *j = arg;
	j->ok = file_tail(j->path, j->max, &j->data, &j->len, &j->size, j->reason,
			  sizeof j->reason) == 0;
}

static void logread_done(void *arg)
{
	struct logread_job *j = arg;
	struct msg_log_data m = { .id = j->id, .ok = j->ok, .data = j->data, .len = j->len,
				  .size = j->size };

	snprintf(m.reason, sizeof m.reason, "%s", j->ok ? "" : j->reason);
	rmconn_send_log_data(j->ag, j->reqid, j->conn_gen, &m);
	logread_free(j);
}

void logread_request(struct agent *ag, uint64_t reqid, const struct msg_log_read *m)
{
	struct logread_job *j = xcalloc(1, sizeof *j);
	char idstr[ID_BUFSZ];

	j->ag = ag;
	j->reqid = reqid;
	j->conn_gen = rmconn_gen(ag);
	j->id = m->id;
	id_format(&m->id, idstr, sizeof idstr);
	const char *stream = strcmp(m->stream, "stderr") == 0 ? "stderr" : "stdout";
	j->path = attempt_path(ag->attempts_dir, idstr, stream);
	j->max = m->max_bytes > 0 && m->max_bytes < AGENT_LOG_READ_MAX ? m->max_bytes
								       : AGENT_LOG_READ_MAX;
	if (j->path == NULL) {
		/* Unreachable for a decoded id, which is canonical; kept as the last guard. */
		snprintf(j->reason, sizeof j->reason, "not an attempt id: %s", idstr);
		logread_done(j);
		return;
	}
	agent_submit(ag, logread_work, logread_done, logread_free, j);
}

/* ---- the stderr tail of a failed attempt -------------------------------------------- */

struct tail_job {
	struct agent *ag;
	struct loom_id id;
	int ar_state;
	char *path;
	char reason[PROTO_REASON_MAX];
	char tail[AGENT_LOG_TAIL_BYTES + 1];
};

static void tail_free(void *arg)
{
	struct tail_job *j = arg;
	free(j->path);
	free(j);
}

static void tail_work(void *arg)
{
	struct tail_job *j = arg;
	char *data = NULL, err[256];
	size_t len;
	int64_t size;

	if (file_tail(j->path, AGENT_LOG_TAIL_BYTES, &data, &len, &size, err, sizeof err) < 0)
		return;
	log_tail_trim(data, len, size > (int64_t)len, AGENT_LOG_TAIL_LINES, j->tail,
		      sizeof j->tail);
	free(data);
}

static void tail_done(void *arg)
{
	struct tail_job *j = arg;
	struct attempt *a = attempt_find(j->ag, &j->id);

	if (a != NULL && a->state == AS_FINISHING) {
		snprintf(a->rep.log_tail, sizeof a->rep.log_tail, "%s", j->tail);
		attempt_finish(a, j->ar_state, j->reason);
	}
	tail_free(j);
}

void logread_tail_then_finish(struct attempt *a, int ar_state, const char *reason)
{
	struct tail_job *j = xcalloc(1, sizeof *j);

	j->ag = a->ag;
	j->id = a->id;
	j->ar_state = ar_state;
	j->path = xasprintf("%s/stderr", a->dir);
	snprintf(j->reason, sizeof j->reason, "%s", reason);
	agent_submit(a->ag, tail_work, tail_done, tail_free, j);
}

/*
 * Progress reports: a task may write lines holding a fraction from 0 to 1 to
 * LOOM_PROGRESS_FD. The agent keeps the last valid one and sends it in heartbeats. Junk
 * lines are ignored and over-long lines are skipped, so a task cannot make the agent
 * buffer without bound.
 */
#include <errno.h>
#include <event2/event.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"

#define PROGRESS_READ_CHUNK 4096
#define PROGRESS_READS_PER_WAKE 4 /* a chatty task cannot hold the loop */

void progress_init(struct progress *p)
{
	memset(p, 0, sizeof *p);
	p->value = -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

bool progress_parse_line(const char *s, size_t n, double *out)
{
	char buf[64];
	char *end;

	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	double v = strtod(buf, &end);
	if (*end != '\0' || !isfinite(v) || v < 0.0 || v > 1.0)
		return false;
	*out = v;
	return true;
}

void progress_feed(struct progress *p, const char *data, size_t n)
{
	double v;

	for (size_t i = 0; i < n; i++) {
		char c = data[i];
		if (c == '\n') {
			if (!p->skipping && progress_parse_line(p->line, p->len, &v))
				p->value = v;
			p->len = 0;
			p->skipping = false;
		} else if (p->skipping) {
			continue;
		} else if (p->len < sizeof p->line - 1) {
			p->line[p->len++] = c;
		} else {
			p->skipping = true;
			p->len = 0;
		}
	}
}

static void progress_stop(struct attempt *a)
{
	if (a->prog_ev != NULL)
		event_free(a->prog_ev);
	a->prog_ev = NULL;
	if (a->prog_fd >= 0)
		close(a->prog_fd);
	a->prog_fd = -1;
}

/* Reads up to max_reads chunks; returns false once the pipe hit EOF or an error. */
static bool progress_read(struct attempt *a, int max_reads)
{
	char buf[PROGRESS_READ_CHUNK];

	for (int i = 0; i < max_reads; i++) {
		ssize_t n = read(a->prog_fd, buf, sizeof buf);
		if (n > 0) {
			progress_feed(&a->progress, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		return false;
	}
	return true;
}

static void progress_cb(evutil_socket_t fd, short what, void *arg)
{
	struct attempt *a = arg;

	if (!progress_read(a, PROGRESS_READS_PER_WAKE))
		progress_stop(a);
}

void progress_watch(struct attempt *a, int fd)
{
	a->prog_fd = fd;
	a->prog_ev = event_new(a->ag->base, fd, EV_READ | EV_PERSIST, progress_cb, a);
	event_add(a->prog_ev, NULL);
}

void progress_close(struct attempt *a)
{
	if (a->prog_fd >= 0)
		progress_read(a, 16);
	progress_stop(a);
}

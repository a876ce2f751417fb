/*
 * Hook processes (see hooks.h). One 50 ms timer per running hook reaps it with
 * waitpid(WNOHANG) and enforces the timeout; rmd installs no SIGCHLD handler, so this
 * polling is how the loop learns of the exit without ever waiting on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hooks.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#define HOOK_POLL_MS 50
#define HOOK_BACKOFF_MAX_MS 30000

struct hook_run {
	struct event_base *base;
	char **argv;
	char *input;
	int64_t timeout_ms;
	int32_t retries, attempt;   /* attempt: runs started so far */
	hook_done_fn fn;
	void *arg;
	pid_t pid;                  /* 0: not running (waiting for a retry) */
	int out_fd;
	struct event *ev_out, *ev_tick;
	char *out;
	size_t nout;
	bool eof, termed, killed;
	int64_t start_ms, term_ms;
};

static void tick_cb(evutil_socket_t fd, short what, void *arg);

static void close_out(struct hook_run *r)
{
	if (r->ev_out != NULL) {
		event_free(r->ev_out);
		r->ev_out = NULL;
	}
	if (r->out_fd >= 0) {
		close(r->out_fd);
		r->out_fd = -1;
	}
}

static void out_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hook_run *r = arg;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		r->eof = true;
		close_out(r);
		return;
	}
	size_t take = (size_t)n;
	if (r->nout + take > HOOK_OUT_MAX)
		take = HOOK_OUT_MAX - r->nout;
	memcpy(r->out + r->nout, buf, take);
	r->nout += take;
}

static void arm(struct hook_run *r, int64_t ms)
{
	struct timeval tv = tv_from_ms(ms);
	event_add(r->ev_tick, &tv);
}

/* The child: its own process group, the pipes on 0 and 1, no other descriptor of rmd's. */
static void child(struct hook_run *r, int in_fd, int out_fd)
{
	setpgid(0, 0);
	dup2(in_fd, 0);
	dup2(out_fd, 1);
	long max = sysconf(_SC_OPEN_MAX);
	for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close(fd);
	signal(SIGPIPE, SIG_DFL);
	execv(r->argv[0], r->argv);
	fprintf(stderr, "hook: cannot run %s: %s\n", r->argv[0], strerror(errno));
	_exit(127);
}

/* Starts one run; on failure to start, reports it as a failed run at the next tick. */
static void run_once(struct hook_run *r)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };

	r->attempt++;
	r->nout = 0;
	r->eof = r->termed = r->killed = false;
	r->start_ms = mono_ms();
	if (pipe(in) < 0 || pipe(out) < 0 || (r->pid = fork()) < 0) {
		log_error("hook", "cannot start %s: %s", r->argv[0], strerror(errno));
		r->pid = -1;
	} else if (r->pid == 0) {
		child(r, in[0], out[1]);
	} else {
		setpgid(r->pid, r->pid); /* also here: a kill before the child's own call reaches it */
	}
	if (in[0] >= 0)
		close(in[0]);
	if (out[1] >= 0)
		close(out[1]);
	if (in[1] >= 0) {
		/* Small JSON (well under a pipe's buffer): a non-blocking write never waits. */
		fcntl(in[1], F_SETFL, O_NONBLOCK);
		if (r->pid > 0 && write(in[1], r->input, strlen(r->input)) < 0)
			log_warn("hook", "%s: cannot write its input: %s", r->argv[0], strerror(errno));
		close(in[1]);
	}
	r->out_fd = out[0];
	if (r->out_fd >= 0) {
		fcntl(r->out_fd, F_SETFL, O_NONBLOCK);
		fcntl(r->out_fd, F_SETFD, FD_CLOEXEC);
		r->ev_out = event_new(r->base, r->out_fd, EV_READ | EV_PERSIST, out_cb, r);
		event_add(r->ev_out, NULL);
	}
	arm(r, HOOK_POLL_MS);
}

/* A run ended: report it, then retry (after a backoff) or finish. */
static void run_ended(struct hook_run *r, bool ok, const char *result)
{
	bool final = ok || r->attempt > r->retries;
	char text[300];

	close_out(r);
	r->out[r->nout] = '\0';
	r->pid = 0;
	if (!final) {
		int64_t backoff = 1000LL << (r->attempt - 1 < 5 ? r->attempt - 1 : 5);
		if (backoff > HOOK_BACKOFF_MAX_MS)
			backoff = HOOK_BACKOFF_MAX_MS;
		snprintf(text, sizeof(text), "%s (run %d of %d; retry in %llds)", result,
			 r->attempt, r->retries + 1, (long long)(backoff / 1000));
		r->fn(r->arg, false, ok, r->out, text);
		arm(r, backoff);
		return;
	}
	snprintf(text, sizeof(text), "%s (run %d of %d)", result, r->attempt, r->retries + 1);
	r->fn(r->arg, true, ok, r->out, text);
	hook_cancel(r);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hook_run *r = arg;
	int64_t now = mono_ms(), took = now - r->start_ms;
	char result[200];
	int st;

	if (r->pid == 0) { /* the backoff is over */
		run_once(r);
		return;
	}
	if (r->pid < 0) {
		run_ended(r, false, "could not be started");
		return;
	}
	pid_t w = waitpid(r->pid, &st, WNOHANG);
	if (w == r->pid) {
		if (r->out_fd >= 0) /* what it wrote before exiting */
			while (!r->eof && r->out_fd >= 0 && r->nout < HOOK_OUT_MAX) {
				ssize_t before = (ssize_t)r->nout;
				out_cb(r->out_fd, EV_READ, r);
				if ((ssize_t)r->nout == before && !r->eof)
					break;
			}
		if (r->termed)
			snprintf(result, sizeof(result), "timed out after %llds: killed",
				 (long long)(r->timeout_ms / 1000));
		else if (WIFEXITED(st))
			snprintf(result, sizeof(result), "exit %d after %.1fs", WEXITSTATUS(st),
				 (double)took / 1000);
		else
			snprintf(result, sizeof(result), "killed by signal %d after %.1fs",
				 WTERMSIG(st), (double)took / 1000);
		run_ended(r, !r->termed && WIFEXITED(st) && WEXITSTATUS(st) == 0, result);
		return;
	}
	if (!r->termed && took >= r->timeout_ms) {
		log_warn("hook", "%s ran past its timeout (%llds): SIGTERM", r->argv[0],
			 (long long)(r->timeout_ms / 1000));
		kill(-r->pid, SIGTERM);
		r->termed = true;
		r->term_ms = now;
	} else if (r->termed && !r->killed && now - r->term_ms >= HOOK_KILL_GRACE_MS) {
		log_warn("hook", "%s still running after SIGTERM: SIGKILL", r->argv[0]);
		kill(-r->pid, SIGKILL);
		r->killed = true;
	}
	arm(r, HOOK_POLL_MS);
}

struct hook_run *hook_start(struct event_base *base, char *const *argv, const char *input,
			    int64_t timeout_ms, int32_t retries, hook_done_fn fn, void *arg)
{
	struct hook_run *r = xcalloc(1, sizeof(*r));
	size_t n = 0;

	while (argv[n] != NULL)
		n++;
	r->argv = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		r->argv[i] = xstrdup(argv[i]);
	r->base = base;
	r->input = xstrdup(input);
	r->timeout_ms = timeout_ms;
	r->retries = retries;
	r->fn = fn;
	r->arg = arg;
	r->out_fd = -1;
	r->out = xmalloc(HOOK_OUT_MAX + 1);
	r->ev_tick = evtimer_new(base, tick_cb, r);
	run_once(r);
	return r;
}

void hook_cancel(struct hook_run *r)
{
	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0); /* at once: SIGKILL cannot be ignored */
	}
	close_out(r);
	event_free(r->ev_tick);
	for (char **a = r->argv; *a != NULL; a++)
		free(*a);
	free(r->argv);
	free(r->input);
	free(r->out);
	free(r);
}

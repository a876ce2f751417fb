/*
 * Starting a task process: fork, then in the child set up the session, working directory,
 * descriptors and signals, and exec. The child may only call async-signal-safe functions
 * (the agent has a worker thread, so malloc may hold a lock that no thread will release),
 * which is why everything it needs is prepared by the parent.
 *
 * Exec failure travels back on a close-on-exec pipe: a successful exec closes it (the
 * parent reads EOF), a failure writes {stage, errno} first. The parent never confuses
 * "cannot execute" with a task that exited 127.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "agent.h"

/* The child's last act on failure: report the stage and errno, then exit. */
static _Noreturn void child_fail(int fd, int stage, int err)
{
	struct spawn_err e = { stage, err };
	ssize_t n;

	do
		n = write(fd, &e, sizeof e);
	while (n < 0 && errno == EINTR);
	_exit(127);
}

/* Puts src on target; a descriptor already there loses its close-on-exec flag. */
static int move_fd(int src, int target)
{
	if (src == target)
		return fcntl(target, F_SETFD, 0);
	return dup2(src, target) < 0 ? -1 : 0;
}

/* Default dispositions (the agent ignores SIGPIPE and handles SIGCHLD/SIGTERM/SIGINT). */
static void child_reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Everything above the progress fd becomes close-on-exec (the agent's log, its socket). */
static void child_cloexec_rest(int keep)
{
	if (close_range(AGENT_PROGRESS_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	for (int fd = AGENT_PROGRESS_FD + 1; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
}

static _Noreturn void child_run(const struct spawn_req *r, int status_fd)
{
	if (setsid() < 0)
		child_fail(status_fd, SPAWN_STAGE_SETUP, errno);
	if (status_fd == AGENT_PROGRESS_FD) {
		status_fd = fcntl(status_fd, F_DUPFD_CLOEXEC, AGENT_PROGRESS_FD + 1);
		if (status_fd < 0)
			_exit(127);
	}
	if (r->cwd != NULL && chdir(r->cwd) < 0)
		child_fail(status_fd, SPAWN_STAGE_CHDIR, errno);
	/* 0-2 first: the agent keeps 0-2 open, so no source descriptor is below 3. */
	if (move_fd(r->stdin_fd, 0) < 0 || move_fd(r->stdout_fd, 1) < 0 ||
	    move_fd(r->stderr_fd, 2) < 0 || move_fd(r->progress_fd, AGENT_PROGRESS_FD) < 0)
		child_fail(status_fd, SPAWN_STAGE_SETUP, errno);
	child_cloexec_rest(status_fd);
	child_reset_signals();
	execvpe(r->argv[0], r->argv, r->envp);
	child_fail(status_fd, SPAWN_STAGE_EXEC, errno);
}

/*
 * Signals are blocked across fork so that no handler of the agent's (libevent's, which
 * writes to the agent's own signal socket) can run in the child before it resets them.
 */
pid_t spawn_task(const struct spawn_req *r, int *status_fd)
{
	int pfd[2];
	sigset_t all, old;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0)
		child_run(r, pfd[1]);
	int saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		errno = saved;
		return -1;
	}
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	*status_fd = pfd[0];
	return pid;
}

int spawn_result(int fd, struct spawn_err *e)
{
	ssize_t n;

	do
		n = read(fd, e, sizeof *e);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0 && errno == EAGAIN)
		return -1;
	if (n != (ssize_t)sizeof *e) {
		e->stage = SPAWN_STAGE_SETUP;
		e->err = n < 0 ? errno : EPROTO;
	}
	return 1;
}

const char *spawn_reason(const struct spawn_err *e, const char *argv0, const char *cwd,
			 char *buf, size_t len)
{
	switch (e->stage) {
	case SPAWN_STAGE_EXEC:
		snprintf(buf, len, "cannot execute '%s': %s", argv0, strerror(e->err));
		break;
	case SPAWN_STAGE_CHDIR:
		snprintf(buf, len, "cannot change directory to '%s': %s", cwd ? cwd : "",
			 strerror(e->err));
		break;
	default:
		snprintf(buf, len, "cannot set up the task process: %s", strerror(e->err));
		break;
	}
	return buf;
}

/*
 * loom-bench-forkexec: measures how fast this machine can launch tasks the way the node agent
 * does (fork, setsid, execvp, waitpid), which bounds any scheduler's task launch rate.
 *
 *   loom-bench-forkexec [--count N] [--parallel P] [--json]
 *
 * Runs "true" N times (default 2000) from P concurrent worker processes (default 1).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARALLEL 4096

static void usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "loom-bench-forkexec: %s%s%s%s\n"
		"usage: loom-bench-forkexec [--count N] [--parallel P] [--json]\n",
		what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	exit(2);
}

static long parse_count(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno || v < 1 || v > max)
		return -1;
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for pid, retrying on signals; returns its wait status or -1. */
static int wait_for(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Launches "true" n times, one after another; returns how many did not exit 0. */
static long run_serial(long n)
{
	char *const argv[] = { "true", NULL };
	long failed = 0;

	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("loom-bench-forkexec: fork");
			return failed + n - i;
		}
		if (pid == 0) {
			/* as nodeagent/spawn.c does: a new session, so the task leads its own group */
			setsid();
			execvp(argv[0], argv);
			_exit(127);
		}
		int status = wait_for(pid);
		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	return failed;
}

/* Starts p workers sharing n launches (remainder spread over the first ones); waits for all. */
static long run_parallel(long n, long p)
{
	long failed = 0, started = 0;

	for (long w = 0; w < p; w++) {
		long share = n / p + (w < n % p);
		pid_t pid = fork();
		if (pid < 0) {
			perror("loom-bench-forkexec: fork worker");
			failed += n - started;
			break;
		}
		if (pid == 0) {
			long f = run_serial(share);
			_exit(f > 255 ? 255 : (int)f);
		}
		started += share;
	}
	/* a worker's exit status is its failure count, capped at 255 */
	for (;;) {
		int status;
		pid_t pid = wait(&status);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		failed += WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	return failed;
}

int main(int argc, char **argv)
{
	long count = 2000, parallel = 1, failed;
	int json = 0;
	double t0, secs;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			if ((count = parse_count(argv[++i], 1000000000L)) < 0)
				usage_error("bad --count (want 1..1000000000)", argv[i]);
		} else if (strcmp(argv[i], "--parallel") == 0 && i + 1 < argc) {
			if ((parallel = parse_count(argv[++i], MAX_PARALLEL)) < 0)
				usage_error("bad --parallel (want 1..4096)", argv[i]);
		} else {
			usage_error("unknown or incomplete argument", argv[i]);
		}
	}
	if (parallel > count)
		usage_error("--parallel must not exceed --count", NULL);

	fflush(stdout);         /* so children never inherit and repeat buffered output */
	t0 = now();
	failed = parallel == 1 ? run_serial(count) : run_parallel(count, parallel);
	secs = now() - t0;
	if (failed) {
		fprintf(stderr, "loom-bench-forkexec: %ld launch(es) failed; is 'true' on PATH?\n",
			failed);
		return 1;
	}
	if (json)
		printf("{\"execs\":%ld,\"seconds\":%.6f,\"per_second\":%.1f,\"parallel\":%ld}\n",
		       count, secs, (double)count / secs, parallel);
	else
		printf("forkexec: %ld execs in %.3f s = %.0f per second (%ld parallel)\n", count,
		       secs, (double)count / secs, parallel);
	return 0;
}

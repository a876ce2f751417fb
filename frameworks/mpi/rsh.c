/*
 * loom-mpi-rsh: the remote launch agent loom-mpirun gives Open MPI's mpirun
 * (--mca plm_rsh_agent). mpirun runs it as it would run ssh: "loom-mpi-rsh HOST orted
 * ARGS...". Instead of logging in to HOST it asks loom-mpirun (over $LOOM_MPI_SOCK) to
 * launch the command in the Loom container allocated on HOST, stays until that container
 * ends, and exits with its status (255 when it could not run, as ssh does).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "relay-proto.h"

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "loom-mpi-rsh: %s%s%s\n", what, why ? ": " : "", why ? why : "");
	return 255;
}

/* HOST '\0' ARGS joined by spaces '\0' into a new buffer; *len gets its size. */
static char *build_request(int argc, char **argv, size_t *len)
{
	size_t n = strlen(argv[1]) + 2;
	char *buf, *p;

	for (int i = 2; i < argc; i++)
		n += strlen(argv[i]) + 1;
	if (n > LMR_MAX_REQ || !(buf = malloc(n)))
		return NULL;
	p = stpcpy(buf, argv[1]) + 1;
	for (int i = 2; i < argc; i++)
		p = stpcpy(stpcpy(p, argv[i]), i + 1 < argc ? " " : "");
	*len = (size_t)(p - buf) + 1;
	return buf;
}

static int connect_relay(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sa.sun_path)
		return errno = ENAMETOOLONG, -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads the relay's answer until it closes and turns it into an exit status. */
static int read_answer(int fd)
{
	char buf[2048];
	size_t n = 0;
	ssize_t r;
	long code;
	char *end;

	while (n < sizeof buf - 1 && ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0 ||
				      (r < 0 && errno == EINTR)))
		n += r > 0 ? (size_t)r : 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!strncmp(buf, "exit ", 5)) {
		code = strtol(buf + 5, &end, 10);
		if (!*end && code >= 0 && code <= 255)
			return (int)code;
	}
	if (!strncmp(buf, "error ", 6))
		return fail(buf + 6, NULL);
	return fail("loom-mpirun went away before the container ended", n ? buf : NULL);
}

int main(int argc, char **argv)
{
	const char *sock = getenv(LMR_SOCK_ENV);
	size_t len;
	char *req;
	int fd, rc;

	if (argc < 3)
		return fail("usage: loom-mpi-rsh HOST COMMAND [ARGS...] (run by loom-mpirun's "
			    "mpirun, not by hand)", NULL);
	if (!sock || !*sock)
		return fail(LMR_SOCK_ENV " is not set: this agent works under loom-mpirun only",
			    NULL);
	req = build_request(argc, argv, &len);
	if (!req)
		return fail("command line too long", NULL);
	fd = connect_relay(sock);
	if (fd < 0) {
		free(req);
		return fail(sock, strerror(errno));
	}
	rc = write_all(fd, req, len) < 0 ? fail("cannot write to loom-mpirun", strerror(errno))
					 : read_answer(fd);
	free(req);
	close(fd);
	return rc;
}

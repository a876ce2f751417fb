/* Address parsing ("host:port" in its usual spellings) and socket helpers. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_port(const char *s, int *port)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

static int copy_host(const char *s, size_t n, char *host, size_t hostlen)
{
	if (n >= hostlen)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	return 0;
}

int net_parse_hostport(const char *s, char *host, size_t hostlen, int *port, char *err,
		       size_t errlen)
{
	const char *colon, *hs = s;
	size_t hn;

	if (s[0] == '[') { /* "[::1]:7420" */
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':')
			goto bad;
		hs = s + 1;
		hn = (size_t)(rb - hs);
		colon = rb + 1;
	} else if ((colon = strrchr(s, ':')) != NULL) {
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			goto bad; /* a bare IPv6 address needs brackets */
		hn = (size_t)(colon - s);
	} else { /* "7420" */
		hn = 0;
		colon = s - 1;
	}
	if (copy_host(hs, hn, host, hostlen) < 0 || parse_port(colon + 1, port) < 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not an address (host:port, [v6]:port or port)", s);
	return -1;
}

int net_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

void net_nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int listen_addr(const struct addrinfo *ai, int backlog)
{
	int one = 1;
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int net_listen(const char *host, int port, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res;
	char portstr[16];
	int fd = -1;

	snprintf(portstr, sizeof portstr, "%d", port);
	int rc = getaddrinfo(host && host[0] ? host : NULL, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = listen_addr(ai, 128);
	if (fd < 0)
		snprintf(err, errlen, "cannot listen on %s:%d: %s", host && host[0] ? host : "*",
			 port, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* Addresses: "host:port" parsing and listening sockets on loopback or any address. */
#ifndef LOOM_NET_H
#define LOOM_NET_H

#include <stddef.h>

/* "127.0.0.1:7420", "localhost:7420", "[::1]:7420", ":7420" (host ""), or "7420". */
int net_parse_hostport(const char *s, char *host, size_t hostlen, int *port, char *err,
		       size_t errlen);
/* Bound local port of a socket, or -1. */
int net_local_port(int fd);
/* A non-blocking, close-on-exec listening TCP socket on host ("" = any) and port (0 = any
 * free port; see net_local_port). Returns the fd, or -1 with err filled. */
int net_listen(const char *host, int port, char *err, size_t errlen);
/* Turns off Nagle's algorithm: every Loom message is a small request or reply. */
void net_nodelay(int fd);

#endif

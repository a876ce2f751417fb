/* Addresses: "host:port" parsing and listening sockets on loopback or any address. */
#ifndef LOOM_NET_H
#define LOOM_NET_H

#include <stddef.h>

/* "127.0.0.1:7420", "localhost:7420", "[::1]:7420", ":7420" (host ""), or "7420". */
int net_parse_hostport(const char *s, char *host, size_t hostlen, int *port, char *err,
		       size_t errlen);
/* Bound local port of a socket, or -1. */
int net_local_port(int fd);

#endif

/*
 * loom-test-wirecheck: sends hostile bytes to a Loom port and checks the answer, for the
 * end-to-end tests. Each scenario connects, sends, then reads until the peer closes or a
 * second passes, and exits 0 only when the daemon behaved as the protocol says.
 *   usage: loom-test-wirecheck HOST PORT SCENARIO
 *   scenarios: oversized  header announcing 100 MiB          -> error code 11, closed
 *              garbage    an HTTP request line               -> error code 11, closed
 *              notmsgpack valid length, bytes that are not msgpack -> error 12, closed
 *              notmap     a msgpack array                     -> error 12, closed
 *              badfield   a map with "t" as a string          -> error 12, closed
 *              unknown    a map with t=9999                   -> error 2, stays open
 *              truncated  header for 100 bytes, 10 sent, close -> (nothing to check here)
 *              nohello    job_list before hello                -> error 4, stays open
 */
#include <arpa/inet.h>
#include <errno.h>
#include <msgpack.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "mpw.h"
#include "proto.h"

struct outcome {
	int error_code; /* 0 if no error message came */
	int closed;
};

static int dial(const char *host, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("connect");
		exit(2);
	}
	return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
	if (send(fd, p, n, MSG_NOSIGNAL) != (ssize_t)n) {
		perror("send");
		exit(2);
	}
}

static void send_frame(int fd, const void *body, size_t n)
{
	uint8_t hdr[FRAME_HDR_LEN];
	frame_header(hdr, (uint32_t)n);
	send_all(fd, hdr, sizeof hdr);
	send_all(fd, body, n);
}

/* Reads frames for up to a second; notes the first error code and whether EOF came. */
static struct outcome read_outcome(int fd)
{
	struct outcome o = { 0, 0 };
	static char buf[1 << 16];
	size_t have = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (poll(&pfd, 1, 1000) > 0) {
		ssize_t n = recv(fd, buf + have, sizeof buf - have, 0);
		if (n <= 0) {
			o.closed = 1;
			break;
		}
		have += (size_t)n;
		while (have >= 4) {
			uint32_t len = ntohl(*(uint32_t *)buf);
			if (have < 4 + len)
				break;
			msgpack_unpacked u;
			msgpack_unpacked_init(&u);
			if (msgpack_unpack_next(&u, buf + 4, len, NULL) == MSGPACK_UNPACK_SUCCESS) {
				struct msg_error e;
				struct mpr_err me;
				if (o.error_code == 0 && msg_decode_error(&u.data, &e, &me) == 0) {
					o.error_code = e.code;
					printf("error %d (%s): %s\n", e.code, e.field, e.message);
				}
			}
			msgpack_unpacked_destroy(&u);
			memmove(buf, buf + 4 + len, have - 4 - len);
			have -= 4 + len;
		}
	}
	printf("connection %s\n", o.closed ? "closed" : "open");
	return o;
}

static void send_map(int fd, int type_as_string, int64_t type)
{
	struct mpw w;
	mpw_init(&w);
	mpw_map(&w, 2);
	mpw_str(&w, "t");
	if (type_as_string)
		mpw_str(&w, "job_list");
	else
		mpw_int(&w, type);
	mpw_str(&w, "id");
	mpw_uint(&w, 7);
	send_frame(fd, mpw_data(&w), mpw_len(&w));
	mpw_free(&w);
}

static int expect(struct outcome o, int code, int closed)
{
	if (o.error_code == code && o.closed == closed)
		return 0;
	fprintf(stderr, "wirecheck: expected error %d and connection %s\n", code,
		closed ? "closed" : "open");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: loom-test-wirecheck HOST PORT SCENARIO\n");
		return 2;
	}
	int fd = dial(argv[1], atoi(argv[2]));
	const char *s = argv[3];

	if (strcmp(s, "oversized") == 0) {
		uint8_t hdr[FRAME_HDR_LEN];
		frame_header(hdr, 100u << 20);
		send_all(fd, hdr, sizeof hdr);
		return expect(read_outcome(fd), ERR_TOO_BIG, 1);
	}
	if (strcmp(s, "garbage") == 0) {
		const char *req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
		send_all(fd, req, strlen(req));
		return expect(read_outcome(fd), ERR_TOO_BIG, 1);
	}
	if (strcmp(s, "notmsgpack") == 0) {
		const char junk[] = "\xc1\xc1\xc1\xc1\xc1";
		send_frame(fd, junk, 5);
		return expect(read_outcome(fd), ERR_MALFORMED, 1);
	}
	if (strcmp(s, "notmap") == 0) {
		const char arr[] = "\x93\x01\x02\x03";
		send_frame(fd, arr, 4);
		return expect(read_outcome(fd), ERR_MALFORMED, 1);
	}
	if (strcmp(s, "badfield") == 0) {
		send_map(fd, 1, 0);
		return expect(read_outcome(fd), ERR_MALFORMED, 1);
	}
	if (strcmp(s, "unknown") == 0) {
		send_map(fd, 0, 9999);
		return expect(read_outcome(fd), ERR_UNKNOWN_TYPE, 0);
	}
	if (strcmp(s, "nohello") == 0) {
		send_map(fd, 0, MSG_JOB_LIST);
		return expect(read_outcome(fd), ERR_NEED_HELLO, 0);
	}
	if (strcmp(s, "truncated") == 0) {
		uint8_t hdr[FRAME_HDR_LEN];
		frame_header(hdr, 100);
		send_all(fd, hdr, sizeof hdr);
		send_all(fd, "\x82\xa1t\x01\xa2id\x07\x00\x00\x00", 10);
		close(fd);
		return 0;
	}
	fprintf(stderr, "wirecheck: unknown scenario '%s'\n", s);
	return 2;
}

/* libloom internals shared by conn.c and blocking.c; not part of the public API. */
#ifndef LOOM_CLIENT_INT_H
#define LOOM_CLIENT_INT_H

#include <stdbool.h>

#include "loom-conn.h"
#include "proto.h"

struct peer;

/* One request waiting for its reply. */
struct loom_req {
	uint64_t id;
	loom_reply_fn cb;
	void *arg;
	struct loom_req *next;
};

struct loom_conn {
	struct event_base *base;
	struct peer *peer;          /* NULL once closed */
	enum loom_state state;
	char addr[PROTO_NAME_MAX + 16];
	char name[PROTO_NAME_MAX];
	int role;
	int64_t connect_timeout_ms;
	struct event *connect_timer;
	struct loom_conn_cbs cbs;
	struct loom_req *pending;   /* unordered; a client has few requests in flight */
	uint64_t hello_id;
	uint64_t next_id;           /* ids this connection hands out (1, 2, ...) */
	char close_reason[PROTO_REASON_MAX + 128];
	char fatal_error[PROTO_REASON_MAX]; /* rmd's ERROR with no id, sent before closing */

	/* Never freed inside its own callbacks (STYLE.md practice 11): busy counts the
	 * callbacks running; loom_conn_free during one only sets doomed. */
	int busy;
	bool doomed;

	/* blocking layer */
	struct event_base *own_base; /* set by loom_connect_blocking; freed by loom_close */
	int64_t call_timeout_ms;
};

#endif

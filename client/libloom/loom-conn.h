/*
 * libloom internals: the C client connection to rmd, used by rmsubmit, rmctl, rmtop and by
 * the public API (include/loom.h) built on it. Not installed.
 *
 * Two layers. The asynchronous one lives on the caller's event_base: a struct loom_conn
 * (built on common/peer.c) connects, says HELLO, and matches each reply to its request
 * by id, calling the request's callback. The blocking one, for command-line tools, gives
 * a connection its own event_base and runs it until a reply, an error or a timeout.
 */
#ifndef LOOM_CLIENT_H
#define LOOM_CLIENT_H

#include <event2/event.h>
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "loom.h" /* the public header (include/): status codes */
#include "mpw.h"
#include "proto.h"

#define LOOM_DEFAULT_ADDR "127.0.0.1:7420"
#define LOOM_CONNECT_TIMEOUT_MS 5000
#define LOOM_CALL_TIMEOUT_MS 30000

struct loom_conn;

/* What became of a request (also what loom_call returns): enum loom_status, shared with
 * the public header (LOOM_OK, LOOM_EREPLY, LOOM_ECONN, LOOM_ETIMEOUT, LOOM_EUSAGE). */

enum loom_state {
	LOOM_CONNECTING, /* TCP connect in progress */
	LOOM_READY,      /* HELLO sent: requests may be made */
	LOOM_CLOSED,     /* gone; loom_close_reason() says why */
};

/*
 * A reply, an ERROR or a failure for one request. reply is the whole REPLY map (with "t"
 * and "id") when status is LOOM_OK, else NULL; err is filled otherwise (code 0 for local
 * failures). Both live only until the callback returns.
 */
typedef void (*loom_reply_fn)(struct loom_conn *c, int status, const msgpack_object *reply,
			      const struct msg_error *err, void *arg);

struct loom_conn_cbs {
	void (*on_ready)(struct loom_conn *c, void *arg);
	/* Called once when the connection is lost or cannot be made (not on loom_conn_free). */
	void (*on_close)(struct loom_conn *c, const char *why, void *arg);
	/* A message that answers no request of ours (later: the event stream). */
	void (*on_event)(struct loom_conn *c, int type, const msgpack_object *obj, void *arg);
	void *arg;
};

struct loom_conn_opts {
	const char *name;           /* HELLO name: the program, e.g. "rmctl" */
	int role;                   /* ROLE_CLIENT (default when 0) or ROLE_FRAMEWORK */
	int64_t connect_timeout_ms; /* 0 = LOOM_CONNECT_TIMEOUT_MS */
};

/* ---- addresses (addr.c) ------------------------------------------------------------ */

/* The rmd address to use: flag if given, else $LOOM_RM if set and not empty, else the
 * default 127.0.0.1:7420. */
const char *loom_addr_choose(const char *flag);
/* Splits "HOST:PORT" (an empty host means 127.0.0.1). Returns -1 with err filled. */
int loom_addr_parse(const char *addr, char *host, size_t hostlen, int *port, char *err,
		    size_t errlen);

/* ---- asynchronous connection (conn.c) ---------------------------------------------- */

/* Starts connecting to addr on base; cbs may be NULL. Returns NULL (err filled) only for a
 * bad or unresolvable address; connection failures arrive through on_close. */
struct loom_conn *loom_conn_new(struct event_base *base, const char *addr,
				const struct loom_conn_opts *opts, const struct loom_conn_cbs *cbs,
				char *err, size_t errlen);
/* Closes and frees. Callbacks of outstanding requests are not called. Safe inside any
 * libloom callback (the memory goes when the callback returns). */
void loom_conn_free(struct loom_conn *c);
enum loom_state loom_state(const struct loom_conn *c);
/* Why the connection closed ("" while it is open). */
const char *loom_close_reason(const struct loom_conn *c);
const char *loom_addr(const struct loom_conn *c);
struct event_base *loom_base(const struct loom_conn *c);

/* The id to put in the next request's map (see loom_request). */
uint64_t loom_next_id(struct loom_conn *c);
/*
 * Sends msg, a whole message map whose "t" and "id" were written by mpw_msg with an id from
 * loom_next_id, and calls cb (once) with the outcome. Returns the request id, or 0 when
 * the connection is not ready or msg is not a request map (cb is then not called).
 */
uint64_t loom_request(struct loom_conn *c, const struct mpw *msg, loom_reply_fn cb, void *arg);
/* Forgets request id: a late reply is dropped and its callback never called. */
void loom_cancel(struct loom_conn *c, uint64_t id);

/* ---- request builders (build.c) ----------------------------------------------------- */

/* Writes message type with request id into w, taking its fields from arg. */
typedef void (*loom_build_fn)(struct mpw *w, int type, uint64_t id, const void *arg);

void loom_build_job_submit(struct mpw *w, int type, uint64_t id, const void *spec);
void loom_build_id_request(struct mpw *w, int type, uint64_t id, const void *msg_id_request);
void loom_build_list_request(struct mpw *w, int type, uint64_t id,
			     const void *msg_list_request);

/* ---- queues (queues.c) -------------------------------------------------------------- */

/*
 * queue_list: the queue tree (its REPLY is documented in docs/PROTOCOL.md); queue_reload
 * (administration): rmd reads its queues from rmd.conf again, or changes nothing and
 * answers ERROR naming file:line. The asynchronous forms return the request id as
 * loom_request does; the _call forms are loom_call for these types.
 */
uint64_t loom_queue_list(struct loom_conn *c, loom_reply_fn cb, void *arg);
uint64_t loom_queue_reload(struct loom_conn *c, loom_reply_fn cb, void *arg);
int loom_queue_list_call(struct loom_conn *c, msgpack_unpacked *reply_out,
			 struct msg_error *err_out);
int loom_queue_reload_call(struct loom_conn *c, msgpack_unpacked *reply_out,
			   struct msg_error *err_out);

/* queue_reload's REPLY. */
struct loom_queue_reload {
	int64_t queues;                   /* queues in the new tree, root included */
	int64_t leaves;
	char default_leaf[PROTO_NAME_MAX]; /* path of the default leaf, e.g. "root.default" */
};
int loom_queue_reload_decode(const msgpack_object *reply, struct loom_queue_reload *out,
			     struct mpr_err *e);

/* ---- blocking layer (blocking.c) ---------------------------------------------------- */

/*
 * Connects to addr with its own event_base, says HELLO as a client named progname, and
 * waits (at most LOOM_CONNECT_TIMEOUT_MS). On failure returns NULL with a message for
 * people in err: "cannot connect to rmd at 127.0.0.1:7420: Connection refused (is rmd
 * running? set --rm or LOOM_RM)".
 */
struct loom_conn *loom_connect_blocking(const char *addr, const char *progname, char *err,
					size_t errlen);
/*
 * Sends one request built by build(arg) (NULL: a map of just "t" and "id") and runs the
 * loop until its reply. LOOM_OK: reply_out holds the REPLY map (always
 * msgpack_unpacked_destroy it, whatever the status). Otherwise err_out says why.
 * Only for connections made by loom_connect_blocking.
 */
int loom_call(struct loom_conn *c, int type, loom_build_fn build, const void *arg,
	      msgpack_unpacked *reply_out, struct msg_error *err_out);
/* Per-call timeout of loom_call (LOOM_CALL_TIMEOUT_MS by default). */
void loom_set_call_timeout(struct loom_conn *c, int64_t ms);
/* Runs the connection's own loop for ms (so it keeps being served while a tool waits). */
void loom_sleep(struct loom_conn *c, int64_t ms);
/* Frees a connection from loom_connect_blocking and its event_base. */
void loom_conn_close(struct loom_conn *c);

#endif

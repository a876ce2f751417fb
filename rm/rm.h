/*
 * rmd's internal interfaces, grouped by the file that defines them. The records and the
 * scheduler core live in core.h (the rmcore library); this is the daemon around them:
 * configuration, the loop, the listeners and the message handlers.
 */
#ifndef LOOM_RM_H
#define LOOM_RM_H

#include <event2/event.h>
#include <event2/listener.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "core.h"
#include "dispatch.h"
#include "mpw.h"
#include "peer.h"
#include "proto.h"

struct rm_conf {
	char *client_listen;
	char *node_listen;
	char *state_dir;
	int64_t heartbeat_interval_ms;
	int64_t node_expiry_ms;
	int64_t max_frame_mb;
	int64_t max_outbuf_mb;
	int64_t default_max_attempts;
	int64_t kill_grace_ms;
	int64_t completed_jobs_kept;
	int64_t log_timeout_ms;
	char *log_level;
	char *log_file;
};

enum rm_port { PORT_CLIENT, PORT_NODE, PORT_MAX };

/* One accepted connection (the peer's data). */
struct conn {
	struct rmd *rmd;
	struct peer *peer;
	enum rm_port port;
	char name[PROTO_NAME_MAX]; /* from HELLO */
	struct rm_node *node;      /* registered through this connection */
	struct conn *prev, *next;
};

/* A LOGS_GET waiting for the node's LOG_DATA, keyed by rmd's own request id. */
struct log_req {
	uint64_t rid;
	struct peer *client;
	uint64_t client_id;
	struct peer *node_peer;
	struct loom_id attempt;
	char node[PROTO_NAME_MAX];
	char stream[8];
	int64_t deadline_ms;
	struct log_req *next;
};

/* Work for the end of the current loop turn (one event, however many requests). */
enum { LATER_SCHED = 1, LATER_REAP = 2 };

struct rmd {
	struct event_base *base;
	struct rm_conf conf;
	struct cluster cl;
	struct sched_result sr;
	struct evconnlistener *lis[PORT_MAX];
	int port[PORT_MAX];
	struct event *ev_sig[2];
	struct event *ev_cron;
	struct event *ev_later;
	unsigned later;
	struct conn *conns;       /* open connections */
	struct conn *dead;        /* closed, freed at the end of the turn */
	struct mpw w;             /* reused for every outgoing message */
	struct log_req *logs;
	uint64_t log_seq;
	int64_t cron_last[4];
	bool stopping;
};

/* ---- conf-rm.c -------------------------------------------------------------------- */

extern const struct conf_entry rm_conf_table[];
extern const size_t rm_conf_n;

/* ---- rmd.c ------------------------------------------------------------------------ */

/* Asks for work at the end of this loop turn (LATER_*). */
void rmd_later(struct rmd *rmd, unsigned what);

/* ---- listen.c --------------------------------------------------------------------- */

/* Binds both ports and writes <state_dir>/ports. Returns -1 with err filled. */
int listen_start(struct rmd *rmd, char *err, size_t errlen);
void listen_stop(struct rmd *rmd);
/* Closes every connection (at shutdown). */
void conns_close_all(struct rmd *rmd);
/* Frees the connections closed during this turn. */
void conns_reap(struct rmd *rmd);
/* Starts a REPLY to request id with nfields fields; the caller writes them, then sends. */
struct mpw *reply_begin(struct rmd *rmd, uint64_t id, uint32_t nfields);
/* Sends rmd->w on p. */
int reply_send(struct rmd *rmd, struct peer *p);
/* An ERROR reply naming the field of a decoding failure. */
void reply_bad(struct peer *p, uint64_t id, const struct mpr_err *e);

/* ---- msg-hello.c ------------------------------------------------------------------ */

void msg_hello(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

/* ---- msg-node.c ------------------------------------------------------------------- */

void msg_node_register(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_node_heartbeat(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_attempt_status(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_attempt_committed(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
/* A node's connection closed: it stays a member (expiry decides) but takes no work. */
void node_disconnected(struct rmd *rmd, struct conn *c, const char *why);
/* Cron: nodes without a heartbeat for node_expiry become LOST. */
void nodes_check_expiry(struct rmd *rmd);

/* ---- msg-job.c -------------------------------------------------------------------- */

void msg_job_submit(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_job_list(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_job_info(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_job_kill(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

/* ---- msg-admin.c ------------------------------------------------------------------ */

void msg_node_list(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_cluster_info(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

/* ---- views.c ---------------------------------------------------------------------- */

/* A job as in job_list (full=false) or job_info (full=true). */
void view_job(struct mpw *w, const struct rm_job *j, bool full);
void view_node(struct mpw *w, const struct rm_node *n, int64_t now_ms);

/* ---- logs.c ----------------------------------------------------------------------- */

void msg_logs_get(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_log_data(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
/* Answers and forgets the requests that involve a closing peer (client or node). */
void logs_peer_closed(struct rmd *rmd, struct peer *p);
/* Cron: requests past log_timeout get ERR_UNAVAILABLE. */
void logs_check_timeouts(struct rmd *rmd);
void logs_free(struct rmd *rmd);

/* ---- place.c ---------------------------------------------------------------------- */

/* The cluster_ops that carry the core's decisions to the nodes. */
extern const struct cluster_ops rm_cluster_ops;
/* One placement pass, run at the end of a loop turn when something changed. */
void place_pass(struct rmd *rmd);
/* Sends ATTEMPT_KILL for id to node n (if connected), whether or not rmd knows it. */
void place_send_kill(struct rmd *rmd, struct rm_node *n, const struct loom_id *id,
		     const char *reason);

#endif

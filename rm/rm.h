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
	int64_t framework_grace_ms; /* framework.c: a disconnected framework's time to return */
	int64_t completed_jobs_kept;
	int64_t log_timeout_ms;
	char *log_level;
	char *log_file;
	char *failure_detector;    /* "expiry" or "phi" (msg-health.c) */
	int64_t phi_threshold;
	int64_t phi_window;
	int64_t phi_min_stddev_ms;
	int64_t phi_pause_ms;
	int64_t job_node_failures;
	int64_t node_failures;
	int64_t node_failure_window_ms;
	int64_t node_cooldown_ms;
	int64_t drain_timeout_ms;
	char *http_listen;         /* "" = no HTTP server */
	bool http_allow_remote;
	int64_t events_kept;
	int64_t event_queue_max_mb;
	bool wal_fsync;            /* journal.c: acknowledge submissions after fsync */
	int64_t snapshot_interval_ms;
	int64_t snapshot_records;
	int64_t recovery_wait_ms;  /* 0 = node_expiry */
	bool speculation;          /* spec-run.c: the default for jobs that do not say */
	int64_t spec_slow_task_pct, spec_slow_node_pct, spec_cap_pct;
	int64_t spec_multiplier_pct, spec_quantile_pct;
	int64_t spec_min_runtime_ms, spec_interval_ms;
	int64_t locality_wait_ms;  /* the scheduler's (struct sched_conf), copied at start */
	bool preemption;
	int64_t preempt_after_ms, preempt_grace_ms, default_estimate_ms;
};

enum rm_port { PORT_CLIENT, PORT_NODE, PORT_MAX };

/* One accepted connection (the peer's data). */
struct conn {
	struct rmd *rmd;
	struct peer *peer;
	enum rm_port port;
	char name[PROTO_NAME_MAX]; /* from HELLO */
	struct rm_node *node;      /* registered through this connection */
	struct framework *fw;      /* registered through this connection (framework.c) */
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
enum { LATER_SCHED = 1, LATER_REAP = 2, LATER_EVENTS = 4 };

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
	int64_t cron_last[16];     /* by row of rmd.c's cron table */
	bool stopping;
	struct rm_events *events;  /* event-stream.c */
	struct rm_frameworks *fws; /* framework.c */
	struct rm_http *http;      /* http.c */
	struct rm_metrics *metrics;/* metrics-rm.c */
	int http_port;             /* 0 when HTTP is off */
	struct store *store;       /* journal.c, recover.c: the state store */
	bool replaying;            /* applying saved records: nothing is journaled */
	bool recovering;           /* waiting for agents after a restart: no placement */
	struct event *ev_recovery;
	struct pending_ack *acks;  /* replies waiting for fsync */
	int64_t snap_last_ms;
	struct {
		uint64_t records, jobs, adopted;
		double replay_ms;
	} rec;                     /* what recovery did, for logs and views */
	struct spec_result spec;   /* spec-run.c */
	int64_t spec_last_ms;      /* mono_ms of the last speculation pass */
	struct autoscale *as;      /* autoscale-run.c (autoscale_on: some pool is configured) */
	struct preempt_result pr;  /* preempt-run.c: the last preemption pass */
	struct event *ev_wake;     /* preempt-run.c: a pass at the earliest wake_us (one-shot) */
	const char *conf_path;     /* the file rmd was started with (NULL: none); reloads read it */
};

/* ---- spec-run.c: speculative copies, evaluated on the cron and after placements ---- */

/* The cluster's speculation parameters from the configuration. */
void spec_configure(struct rmd *rmd);
/* A pass when spec_interval has passed (cron) or soon after a placement pass. */
void spec_run(struct rmd *rmd, bool after_placement);

/* ---- preempt-run.c: preemption after each placement pass, and the wake-up timer ---- */

/* Preempts for the queues the pass left below their guarantee, then arms ev_wake for
 * the earliest time a pass must run again (a preemption or locality wait ends). */
void preempt_run(struct rmd *rmd);
void preempt_run_free(struct rmd *rmd);

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
/* A list view (views-list.c): {jobs: [...]} or {nodes: [...]}; -1 with err on a bad filter. */
typedef int (*list_view_fn)(struct mpw *w, const struct cluster *cl,
			    const struct msg_list_request *m, char *err, size_t errlen);
/* Decodes a list request's filters, writes the view and replies (msg-admin.c). */
void reply_list(struct rmd *rmd, struct peer *p, uint64_t id, const msgpack_object *obj,
		list_view_fn view);

/* ---- msg-hello.c ------------------------------------------------------------------ */

void msg_hello(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

/* ---- msg-node.c ------------------------------------------------------------------- */

void msg_node_register(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_node_heartbeat(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_attempt_status(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_attempt_committed(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
/* A node's connection closed: it stays a member (expiry decides) but takes no work. */
void node_disconnected(struct rmd *rmd, struct conn *c, const char *why);
/* Cron: nodes the failure detector (expiry or phi, failures.h) calls dead become LOST. */
void nodes_check_expiry(struct rmd *rmd);

/* ---- msg-health.c: node failures, the daemon side -------------------------------- */

/* Copies the failure settings into the core; fatal for a bad failure_detector. */
void health_configure(struct rmd *rmd);
/* A heartbeat arrived from n: feeds the detector and the agent's health verdict. */
void health_heartbeat(struct rmd *rmd, struct rm_node *n, const struct msg_node_heartbeat *m);
/* Cron: drains finished or timed out, exclusion cool-downs over. */
void health_tick(struct rmd *rmd);
void msg_node_drain(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_node_undrain(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

/* ---- msg-job.c -------------------------------------------------------------------- */

/* The one admission check of new jobs (job_submit and container_request): job_validate,
 * then with autoscaling on, a job no registered node can hold waits when a pool's nodes
 * fit its size and labels (as_pool_for) and is refused, naming what fails, when none do.
 * Returns -1 with field and msg filled when refused. */
int job_admit(struct rmd *rmd, const struct job_spec *s, char *field, size_t fieldlen,
	      char *msg, size_t msglen);
/* Sets an admitted job's first reason ("scaling up pool P" when only a pool can hold it). */
void job_first_reason(struct rmd *rmd, struct rm_job *j);
void msg_job_submit(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_job_list(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_job_info(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_job_kill(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

/* ---- msg-admin.c ------------------------------------------------------------------ */

void msg_node_list(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_cluster_info(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

/* ---- msg-queue.c: the queues and the scheduler's settings, the daemon side -------- */

/* Copies the scheduler's settings (locality_wait, preemption, ...) into the core. */
void sched_configure(struct rmd *rmd);
/* Installs the tree read at start (emptied into the cluster); fatal if refused. */
void queues_start(struct rmd *rmd, struct queue_tree *t);
void msg_queue_list(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
/* Reads the queues from conf_path again; all or nothing. */
void msg_queue_reload(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

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

/* ---- event-stream.c: the event ring, its subscribers, events_subscribe -------- */

struct cluster_event;
struct cev_ring;
/* A subscriber of the event stream (a client connection, an HTTP SSE response). */
struct ev_sub {
	uint64_t next;            /* seq of the next event it should get */
	/* Sends one event; returns -1 when the subscriber cannot take it (then dropped). */
	int (*send)(struct ev_sub *s, const struct cluster_event *ev);
	size_t (*queued)(const struct ev_sub *s); /* bytes not yet written */
	/* Ends the subscription (the subscriber is slow or gone); s is not used after. */
	void (*drop)(struct ev_sub *s, const char *why);
	void *arg;
	struct ev_sub *prev_sub, *next_sub;
};
void events_start(struct rmd *rmd);
void events_stop(struct rmd *rmd);
/* End of a loop turn: sends the new events to every subscriber, dropping slow ones. */
void events_flush(struct rmd *rmd);
/* Adds s; it first gets the last `backlog` kept events, then a "snapshot" marker. */
void events_subscribe(struct rmd *rmd, struct ev_sub *s, uint64_t backlog);
void events_unsubscribe(struct rmd *rmd, struct ev_sub *s);
uint64_t events_last_seq(const struct rmd *rmd);
const struct cev_ring *events_ring(const struct rmd *rmd);
void events_peer_closed(struct rmd *rmd, struct peer *p);
void msg_events_subscribe(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

/* ---- views-list.c: the list and summary views, shared by the protocol and HTTP ----- */

/* Writes {jobs: [...]}; -1 with err filled for a bad filter. */
int views_job_list(struct mpw *w, const struct cluster *cl, const struct msg_list_request *m,
		   char *err, size_t errlen);
int views_node_list(struct mpw *w, const struct cluster *cl, const struct msg_list_request *m,
		    char *err, size_t errlen);
/* The fields of cluster_info (nfields says how many the caller's map must hold). */
#define VIEWS_CLUSTER_FIELDS 14
void views_cluster(struct mpw *w, const struct rmd *rmd);
/* What the pending queue still asks for (tasks times resources); returns the tasks. */
int64_t views_demand(const struct cluster *cl, struct res *demand);

/* ---- views-queues.c: the queue tree as queue_list and cluster_info show it ---------- */

/* "queues": [...], every queue depth-first from the root, with its use and limits. */
void views_queues(struct mpw *w, const struct cluster *cl);
/* The fields of queue_list's reply (the caller's map holds VIEWS_QUEUE_LIST_FIELDS). */
#define VIEWS_QUEUE_LIST_FIELDS 4
void views_queue_list(struct mpw *w, const struct cluster *cl);
/* Attempts taken back from q's subtree (counted on its leaves). */
uint64_t views_queue_preempted(const struct rm_queue *q);
/* The job's leaf path; for a finished job whose queue a reload removed, the spec's name. */
const char *views_job_queue(const struct rm_job *j);

/* ---- http.c, http-api.c, http-sse.c: the HTTP server ------------------------------- */

/* Binds http_listen (refusing a non-loopback address unless allowed). "" = off. */
int http_start(struct rmd *rmd, char *err, size_t errlen);
void http_stop(struct rmd *rmd);

/* ---- metrics-rm.c: /metrics from rmd's state --------------------------------------- */

void metrics_init(struct rmd *rmd);
void metrics_free(struct rmd *rmd);
/* Counts what the event stream says (attempt outcomes, placements, nodes lost). */
void metrics_note_event(struct rmd *rmd, const struct cluster_event *ev);
void metrics_observe_pass(struct rmd *rmd, double seconds);
/* Appends the whole exposition text to out. */
struct evbuffer;
void metrics_write(struct rmd *rmd, struct evbuffer *out);

/* ---- journal.c: what rmd writes to its state store -------------------------------- */

struct pending_ack;
/* The cluster_ops journal hook. */
void journal_change(void *arg, enum journal_kind k, const void *obj);
void journal_job_accepted(struct rmd *rmd, const struct rm_job *j);
void journal_launched(struct rmd *rmd, const struct rm_attempt *a);
/* Replies to a submission (or kill, with its state) once what is logged is durable. */
void journal_ack(struct rmd *rmd, struct peer *p, uint64_t req_id, uint64_t job, bool kill);
void journal_peer_closed(struct rmd *rmd, struct peer *p);
/* Frees replies still waiting (at shutdown, after the store is closed). */
void journal_free(struct rmd *rmd);
/* Writes a snapshot now; -1 with err filled when it cannot start. */
int journal_snapshot(struct rmd *rmd, char *err, size_t errlen);
/* Cron: a snapshot when snapshot_interval or snapshot_records says so. */
void journal_tick(struct rmd *rmd);

/* ---- recover.c: restart recovery -------------------------------------------------- */

/* Opens the state store and rebuilds the cluster from it; starts the recovery wait. */
int recover_open(struct rmd *rmd, char *err, size_t errlen);
/* A registering node reports attempt id that rmd has no live record of: a live record
 * when it may be adopted (job known and unfinished, task not committed), else NULL. */
struct rm_attempt *recover_adopt(struct rmd *rmd, struct rm_node *n, const struct loom_id *id);
/* After a registration: ends the recovery wait once every known node is back. */
void recover_node_registered(struct rmd *rmd);
void recover_free(struct rmd *rmd);

/* ---- recover-settle.c: what recovery settles when it ends ------------------------- */

/* Fails the tasks whose attempt rmd killed at its time limit before the restart and that
 * no agent reported again. */
void recover_settle_timed_out(struct cluster *cl);
/* Ends the recovery wait (if on): settles what was not adopted, then placement runs. */
void recover_end(struct rmd *rmd, const char *why);

/* ---- place.c ---------------------------------------------------------------------- */

/* The cluster_ops that carry the core's decisions to the nodes. */
extern const struct cluster_ops rm_cluster_ops;
/* One placement pass, run at the end of a loop turn when something changed. */
void place_pass(struct rmd *rmd);
/* Sends ATTEMPT_KILL for id to node n (if connected), whether or not rmd knows it, with
 * grace_ms between the agent's SIGTERM and its SIGKILL. */
void place_send_kill(struct rmd *rmd, struct rm_node *n, const struct loom_id *id,
		     const char *reason, int64_t grace_ms);
/* The grace of a kill of attempt a: preempt_grace when preempted, else kill_grace. */
int64_t place_kill_grace(const struct rmd *rmd, const struct rm_attempt *a);

#endif

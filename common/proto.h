/*
 * The Loom protocol: message type ids (from msgtypes.def), the typed form of every
 * message that changes state, and their encoders and strict decoders. Queries
 * (job_list, job_info, node_list, ...) have small typed requests here; their replies are
 * views that rmd builds and clients read with mpr.h, documented in docs/PROTOCOL.md.
 *
 * Every message is one msgpack map with "t" (type id) and, for requests, "id" (echoed in
 * the reply). Decoders validate every field's type and range and report the first bad
 * field; they never half-fill a struct that the caller then acts on.
 */
#ifndef LOOM_PROTO_H
#define LOOM_PROTO_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "id.h"
#include "mpr.h"
#include "mpw.h"
#include "resource.h"

#define LOOM_PROTO_VERSION 1

enum msg_type {
#define MSG(id, name, wire) MSG_##name = id,
#include "msgtypes.def"
#undef MSG
};

/* "job_submit" for MSG_JOB_SUBMIT; "unknown" for anything else. */
const char *msg_type_name(int type);
bool msg_type_known(int type);

/* Limits every decoder enforces. */
#define PROTO_NAME_MAX 128   /* node, job, queue, user names, hosts */
#define PROTO_LABEL_MAX 64
#define PROTO_MAX_LABELS 32
#define PROTO_MAX_ARGV 1024
#define PROTO_MAX_ENV 1024
#define PROTO_ARG_MAX 65536  /* one argv or env string */
#define PROTO_PATH_MAX 4096
#define PROTO_REASON_MAX 1024
#define PROTO_MAX_DEPS 64
#define PROTO_MAX_TASKS 1000000
#define PROTO_MAX_PREFER 16  /* preferred nodes of one task */
#define PROTO_MAX_TIME_LIMIT_MS (366LL * 24 * 3600 * 1000)
#define PROTO_MAX_ATTEMPTS_REPORTED 100000
#define PROTO_MAX_LOG_BYTES (8 * 1024 * 1024) /* log_read/logs_get max_bytes, log data */
#define PROTO_MAX_GRACE_MS 3600000            /* kill_grace_ms, grace_ms */

/* Connection roles, as bits so a dispatch table row can allow several. */
enum peer_role {
	ROLE_NONE = 0,
	ROLE_NODE = 1,
	ROLE_CLIENT = 2,
	ROLE_FRAMEWORK = 4,
};
const char *role_name(int role);
int role_parse(const char *s); /* -1 if unknown */

/* Error codes carried by MSG_ERROR ("code"), with a message and the offending field. */
enum err_code {
	ERR_BAD_REQUEST = 1,  /* a field is missing, of the wrong type or out of range */
	ERR_UNKNOWN_TYPE = 2, /* no handler for this message type */
	ERR_NOT_ALLOWED = 3,  /* this role may not send this message */
	ERR_NEED_HELLO = 4,   /* HELLO must come first */
	ERR_VERSION = 5,      /* protocol version not supported */
	ERR_NOT_FOUND = 6,    /* the job, task, attempt or node does not exist */
	ERR_REJECTED = 7,     /* well-formed but refused (e.g. resources larger than any node) */
	ERR_CONFLICT = 8,     /* the object is in a state that does not allow this */
	ERR_UNAVAILABLE = 9,  /* try again later (e.g. the node holding a log is down) */
	ERR_INTERNAL = 10,
	ERR_TOO_BIG = 11,     /* frame over the limit (sent just before closing) */
	ERR_MALFORMED = 12,   /* not msgpack, or not a map with an integer "t" */
};
const char *err_code_name(int code);

/*
 * The envelope of a received message: its type and request id, taken from the map.
 * Returns -1 (with e filled) when the object is not a map with an integer "t".
 */
int msg_envelope(const msgpack_object *o, int *type, uint64_t *id, struct mpr_err *e);

/* ---- replies ---------------------------------------------------------------------- */

/* Encodes an ERROR reply to request id. field may be NULL or "". */
void msg_encode_error(struct mpw *w, uint64_t id, int code, const char *field,
		      const char *message);
struct msg_error {
	int code;
	char field[64];
	char message[PROTO_REASON_MAX];
};
int msg_decode_error(const msgpack_object *o, struct msg_error *m, struct mpr_err *e);

/* ---- HELLO ------------------------------------------------------------------------ */

struct msg_hello {
	int role;                     /* ROLE_NODE, ROLE_CLIENT or ROLE_FRAMEWORK */
	int64_t version;              /* LOOM_PROTO_VERSION */
	char name[PROTO_NAME_MAX];    /* node name, or a client's program name */
};
void msg_encode_hello(struct mpw *w, uint64_t id, const struct msg_hello *m);
int msg_decode_hello(const msgpack_object *o, struct msg_hello *m, struct mpr_err *e);

/* ---- attempts, as both sides see them --------------------------------------------- */

enum attempt_report_state {
	AR_RUNNING = 1,       /* started; pid known */
	AR_EXITED = 2,        /* exited by itself: see exit_code / signal */
	AR_KILLED = 3,        /* killed on the RM's request */
	AR_LAUNCH_FAILED = 4, /* could not be started at all (reason says why) */
	AR_LIMIT_KILLED = 5,  /* killed by the agent for exceeding a limit (reason says which) */
};
const char *attempt_report_state_name(int s);

struct attempt_report {
	struct loom_id id;            /* an attempt id */
	int state;                    /* enum attempt_report_state */
	int exit_code;                /* valid for AR_EXITED without signal */
	int signal;                   /* terminating signal, 0 if none */
	double progress;              /* 0..1, last reported by the task; -1 if never */
	int64_t start_us;             /* wall clock when the process started, 0 if not */
	int64_t end_us;               /* wall clock when it ended, 0 if running */
	int64_t rss_mb;               /* last sampled memory of the process tree */
	char reason[PROTO_REASON_MAX];/* why it ended, for people; may be "" */
	char log_tail[PROTO_REASON_MAX]; /* last lines of stderr when it failed, may be "" */
};

/* ---- node agent <-> rmd ----------------------------------------------------------- */

struct msg_node_register {
	char name[PROTO_NAME_MAX];
	char host[PROTO_NAME_MAX];
	struct res capacity;
	int nlabels;
	char labels[PROTO_MAX_LABELS][PROTO_LABEL_MAX];
	int nattempts;                  /* attempts this agent still has (after reconnecting) */
	struct attempt_report *attempts; /* malloc'd; free with msg_node_register_free */
};
void msg_encode_node_register(struct mpw *w, uint64_t id, const struct msg_node_register *m);
int msg_decode_node_register(const msgpack_object *o, struct msg_node_register *m,
			     struct mpr_err *e);
void msg_node_register_free(struct msg_node_register *m);

struct attempt_progress {
	struct loom_id id;
	double progress; /* -1 if the task never reported */
	int64_t rss_mb;
};
struct msg_node_heartbeat {
	int64_t seq;                 /* increases by one per heartbeat */
	struct res used;             /* resources of attempts it is running */
	int64_t mem_used_mb;         /* sampled memory of all attempts */
	double load1;                /* machine load average */
	int nattempts;
	struct attempt_progress *attempts; /* malloc'd */
	bool healthy;                /* the node health script's verdict (true when absent) */
	char health_reason[PROTO_REASON_MAX]; /* why not healthy, "" when healthy */
};
void msg_encode_node_heartbeat(struct mpw *w, uint64_t id, const struct msg_node_heartbeat *m);
int msg_decode_node_heartbeat(const msgpack_object *o, struct msg_node_heartbeat *m,
			      struct mpr_err *e);
void msg_node_heartbeat_free(struct msg_node_heartbeat *m);

struct msg_attempt_launch {
	struct loom_id id;      /* attempt id */
	int32_t ntasks;         /* LOOM_NUM_TASKS */
	char **argv;            /* NULL-terminated, nargv >= 1 */
	int nargv;
	char **env;             /* "KEY=VALUE", NULL-terminated */
	int nenv;
	struct res res;         /* what the attempt may use; memory is enforced */
	char *output_dir;       /* the job's output dir ("" = none); see docs/PROTOCOL.md */
	char *workdir;          /* working directory ("" = the attempt's own dir) */
	char user[PROTO_NAME_MAX]; /* submitting user, for the record */
	int64_t kill_grace_ms;  /* SIGTERM -> SIGKILL grace for this attempt */
};
void msg_encode_attempt_launch(struct mpw *w, uint64_t id, const struct msg_attempt_launch *m);
int msg_decode_attempt_launch(const msgpack_object *o, struct msg_attempt_launch *m,
			      struct mpr_err *e);
void msg_attempt_launch_free(struct msg_attempt_launch *m);

struct msg_attempt_kill {
	struct loom_id id;      /* attempt id */
	int64_t grace_ms;       /* SIGTERM, then SIGKILL after this long */
	char reason[PROTO_REASON_MAX];
};
void msg_encode_attempt_kill(struct mpw *w, uint64_t id, const struct msg_attempt_kill *m);
int msg_decode_attempt_kill(const msgpack_object *o, struct msg_attempt_kill *m,
			    struct mpr_err *e);

/* agent -> rmd: one attempt changed state (running, exited, killed, failed to launch). */
struct msg_attempt_status {
	struct attempt_report r;
};
void msg_encode_attempt_status(struct mpw *w, uint64_t id, const struct msg_attempt_status *m);
int msg_decode_attempt_status(const msgpack_object *o, struct msg_attempt_status *m,
			      struct mpr_err *e);

/* rmd -> agent: this attempt's output is the task's (commit=true) or is not (false). */
struct msg_attempt_commit {
	struct loom_id id;
	bool commit;
};
void msg_encode_attempt_commit(struct mpw *w, uint64_t id, const struct msg_attempt_commit *m);
int msg_decode_attempt_commit(const msgpack_object *o, struct msg_attempt_commit *m,
			      struct mpr_err *e);

/* agent -> rmd: the commit (or discard) of an attempt's output was done, or failed. */
struct msg_attempt_committed {
	struct loom_id id;
	bool commit;            /* echoes the request */
	bool ok;
	/* With ok=false: the partition was already in place, committed by an earlier attempt
	 * of the task whose answer never reached rmd (it crashed, or the node was lost). */
	bool already;
	char reason[PROTO_REASON_MAX];
};
void msg_encode_attempt_committed(struct mpw *w, uint64_t id,
				  const struct msg_attempt_committed *m);
int msg_decode_attempt_committed(const msgpack_object *o, struct msg_attempt_committed *m,
				 struct mpr_err *e);

/* rmd -> agent: read an attempt's log; the agent answers LOG_DATA with the same "id". */
struct msg_log_read {
	struct loom_id id;      /* attempt id */
	char stream[8];         /* "stdout" or "stderr" */
	int64_t max_bytes;      /* the last max_bytes of the file */
};
void msg_encode_log_read(struct mpw *w, uint64_t id, const struct msg_log_read *m);
int msg_decode_log_read(const msgpack_object *o, struct msg_log_read *m, struct mpr_err *e);

struct msg_log_data {
	struct loom_id id;
	bool ok;
	const char *data;       /* borrowed from the decoded object */
	size_t len;
	int64_t size;           /* whole file size */
	char reason[PROTO_REASON_MAX];
};
void msg_encode_log_data(struct mpw *w, uint64_t id, const struct msg_log_data *m);
int msg_decode_log_data(const msgpack_object *o, struct msg_log_data *m, struct mpr_err *e);

/* ---- clients <-> rmd -------------------------------------------------------------- */

/* A job's speculative execution: on or off for this job, or the cluster's setting. */
enum spec_mode { SPECULATE_DEFAULT, SPECULATE_ON, SPECULATE_OFF, SPECULATE_MODE_MAX };
extern const char *const spec_mode_names[SPECULATE_MODE_MAX]; /* "default", "on", "off" */

/* Per-job overrides of rmd's speculation parameters; 0 in a field takes the cluster's. */
struct job_speculation {
	int32_t mode;            /* enum spec_mode */
	int32_t slow_task_pct;   /* LATE: copy attempts slower than this percentile, 1..99 */
	int32_t slow_node_pct;   /* LATE: no copy on nodes slower than this percentile, 1..99 */
	int32_t cap_pct;         /* live copies, % of the cluster's slots, 1..100 */
	int32_t multiplier_pct;  /* Spark: runtime > this % of the median duration, 100..10000 */
	int32_t quantile_pct;    /* Spark: once this % of the tasks finished, 1..100 */
	int64_t min_runtime_ms;  /* no attempt is judged before it ran this long */
};

/* The nodes one task would rather run on (where its partition's data is). */
struct task_pref {
	char **nodes; /* node names; n of them (may be 0) */
	int n;
};

struct job_spec {
	char name[PROTO_NAME_MAX];  /* for people; defaults to argv[0]'s base name */
	char queue[PROTO_NAME_MAX]; /* "" = the default queue */
	char user[PROTO_NAME_MAX];
	char **argv;                /* NULL-terminated; nargv >= 1 */
	int nargv;
	char **env;                 /* "KEY=VALUE" */
	int nenv;
	int32_t ntasks;             /* partitions, >= 1 */
	struct res res;             /* per task */
	int32_t max_attempts;       /* per task, >= 1 */
	int32_t priority;           /* higher first within a queue */
	char *output_dir;           /* absolute path or "" */
	char *workdir;              /* absolute path or "" */
	int nafter;
	uint64_t after[PROTO_MAX_DEPS]; /* job ids that must succeed before this starts */
	struct job_speculation speculation;
	char **require_labels;      /* NULL-terminated (may be NULL when none): a node must have */
	int nrequire_labels;        /* ... every one of these labels */
	char **exclude_labels;      /* ... and none of these */
	int nexclude_labels;
	bool gang;                  /* all tasks start together or none does */
	int64_t time_limit_ms;      /* per attempt; 0 = none. Past it the attempt is killed */
	struct task_pref *prefer;   /* prefer[i]: task i's preferred nodes (data locality) */
	int32_t nprefer;            /* <= ntasks; tasks past it prefer nothing */
	char framework[PROTO_NAME_MAX]; /* the framework that owns it; "" = the built-in runner */
};
/* Decoding: only argv is required. Absent fields get ntasks 1, max_attempts 0 (cluster
 * default), priority 0, res all zero, name from argv[0], gang false, time_limit_ms 0,
 * prefer NULL (nprefer 0); env, output_dir and workdir are never NULL afterwards. */
void msg_encode_job_submit(struct mpw *w, uint64_t id, const struct job_spec *s);
int msg_decode_job_submit(const msgpack_object *o, struct job_spec *s, struct mpr_err *e);
void job_spec_free(struct job_spec *s);
/* Deep copy (dst is overwritten). */
void job_spec_copy(struct job_spec *dst, const struct job_spec *src);

/* job_info, job_kill, logs_get name one id; job_list and node_list take filters. */
struct msg_id_request {
	struct loom_id id;      /* job id, or (logs_get) a task or attempt id */
	char stream[8];         /* logs_get: "stdout" or "stderr" */
	int64_t max_bytes;      /* logs_get */
	char reason[PROTO_REASON_MAX]; /* job_kill: why, for the record */
};
void msg_encode_id_request(struct mpw *w, int type, uint64_t id, const struct msg_id_request *m);
int msg_decode_id_request(const msgpack_object *o, struct msg_id_request *m, struct mpr_err *e);

/* node_drain / node_undrain (administration): one node by name. */
struct msg_node_drain {
	char node[PROTO_NAME_MAX];
	int64_t timeout_ms;     /* node_drain: kill what still runs after this; -1 = rmd's default */
	char reason[PROTO_REASON_MAX]; /* for the record; "" = "drained with rmctl" */
};
void msg_encode_node_drain(struct mpw *w, int type, uint64_t id, const struct msg_node_drain *m);
int msg_decode_node_drain(const msgpack_object *o, struct msg_node_drain *m, struct mpr_err *e);

/* events_subscribe: the last `backlog` kept events are sent first, then a "snapshot"
 * marker event, then every new event as it happens (see docs/PROTOCOL.md). */
struct msg_events_subscribe {
	int64_t backlog;        /* 0 .. PROTO_MAX_EVENT_BACKLOG */
};
#define PROTO_MAX_EVENT_BACKLOG 100000
void msg_encode_events_subscribe(struct mpw *w, uint64_t id,
				 const struct msg_events_subscribe *m);
int msg_decode_events_subscribe(const msgpack_object *o, struct msg_events_subscribe *m,
				struct mpr_err *e);

/* rmd -> subscriber: one cluster event (pushed, request id 0). */
struct msg_event {
	uint64_t seq;           /* increasing; a gap means events were dropped */
	int64_t time_us;
	char kind[32];          /* job_submitted, job_state, node_state, attempt_placed, ... */
	char object[64];        /* job-4, job-4.t2.a1, or a node name */
	char node[PROTO_NAME_MAX];
	char from[16], to[16];  /* state names, "" when not a transition */
	char text[PROTO_REASON_MAX];
};
void msg_encode_event(struct mpw *w, const struct msg_event *m);
int msg_decode_event(const msgpack_object *o, struct msg_event *m, struct mpr_err *e);

struct msg_list_request {
	char state[32];         /* "" = all; else a state name, e.g. "RUNNING" */
	char queue[PROTO_NAME_MAX]; /* "" = all */
	char user[PROTO_NAME_MAX];  /* "" = all */
	int64_t limit;          /* 0 = no limit */
	char name[PROTO_NAME_MAX];  /* node_list: "" = all; else that one node, and the reply
				     * carries its live attempts ("attempts") */
};
void msg_encode_list_request(struct mpw *w, int type, uint64_t id,
			     const struct msg_list_request *m);
int msg_decode_list_request(const msgpack_object *o, struct msg_list_request *m,
			    struct mpr_err *e);

/* ---- frameworks <-> rmd (proto-fw.c; docs/PROTOCOL.md "Frameworks") ----------------- */

#define PROTO_MAX_CONTAINERS 100000 /* one container_request's count */

/* framework_register: who the framework is and where its containers are charged. */
struct msg_fw_register {
	char name[PROTO_NAME_MAX];  /* 1..127 characters, unique among connected frameworks */
	char queue[PROTO_NAME_MAX]; /* "" = the default queue */
	char user[PROTO_NAME_MAX];
};
void msg_encode_fw_register(struct mpw *w, uint64_t id, const struct msg_fw_register *m);
int msg_decode_fw_register(const msgpack_object *o, struct msg_fw_register *m,
			   struct mpr_err *e);

/* A live container as the register reply lists it. */
struct fw_container {
	struct loom_id id;           /* the attempt: job-12.t3.a1 */
	struct loom_id request;      /* its request job: job-12 */
	char node[PROTO_NAME_MAX];
	char host[PROTO_NAME_MAX];
	char state[16];              /* "ALLOCATED", "STARTING" or "RUNNING" */
	struct res res;
};

/* The reply to framework_register. */
struct msg_fw_registered {
	char name[PROTO_NAME_MAX];
	bool resumed;                /* it was known: its containers and requests follow */
	int ncontainers;
	struct fw_container *containers; /* malloc'd */
	int nrequests;
	struct loom_id *requests;    /* unfinished request jobs, malloc'd */
};
void msg_encode_fw_registered(struct mpw *w, uint64_t id, const struct msg_fw_registered *m);
int msg_decode_fw_registered(const msgpack_object *o, struct msg_fw_registered *m,
			     struct mpr_err *e);
void msg_fw_registered_free(struct msg_fw_registered *m);

/* container_request: count containers of res each (one request job). */
struct msg_container_request {
	int32_t count;               /* 1..PROTO_MAX_CONTAINERS */
	struct res res;
	bool gang;
	int32_t priority;            /* -1000..1000 */
	int64_t time_limit_ms;       /* 0 = none, else from launch on */
	char **require_labels;       /* NULL-terminated, nrequire_labels of them */
	int nrequire_labels;
	char **exclude_labels;
	int nexclude_labels;
	char **prefer;               /* node names, <= PROTO_MAX_PREFER, for every container */
	int nprefer;
	char name[PROTO_NAME_MAX];   /* for people; "" = the framework's name */
};
void msg_encode_container_request(struct mpw *w, uint64_t id,
				  const struct msg_container_request *m);
int msg_decode_container_request(const msgpack_object *o, struct msg_container_request *m,
				 struct mpr_err *e);
void msg_container_request_free(struct msg_container_request *m);

/* container_launch: runs argv in an ALLOCATED container. */
struct msg_container_launch {
	struct loom_id container;    /* an attempt id */
	char **argv;                 /* NULL-terminated, nargv >= 1 */
	int nargv;
	char **env;                  /* "KEY=VALUE", NULL-terminated */
	int nenv;
	char *workdir;               /* absolute path or "" (the container's own directory) */
};
void msg_encode_container_launch(struct mpw *w, uint64_t id,
				 const struct msg_container_launch *m);
int msg_decode_container_launch(const msgpack_object *o, struct msg_container_launch *m,
				struct mpr_err *e);
void msg_container_launch_free(struct msg_container_launch *m);

/* container_release: one container ({container}) or a whole request ({request}). */
struct msg_container_release {
	struct loom_id target;       /* an attempt id, or a job id when whole */
	bool whole;                  /* the request job: every container and pending one */
};
void msg_encode_container_release(struct mpw *w, uint64_t id,
				  const struct msg_container_release *m);
int msg_decode_container_release(const msgpack_object *o, struct msg_container_release *m,
				 struct mpr_err *e);

/* The reply to container_request: {request: "job-12"}. */
void msg_encode_container_requested(struct mpw *w, uint64_t id, const struct loom_id *req);
int msg_decode_container_requested(const msgpack_object *o, struct loom_id *req,
				   struct mpr_err *e);

/* What happened to a container (container_event's "kind"). */
enum cev_fw_kind {
	CONT_ALLOCATED, CONT_RUNNING, CONT_EXITED, CONT_FAILED, CONT_RELEASED, CONT_LOST,
	CONT_PREEMPTING, CONT_PREEMPTED, CONT_KIND_MAX
};
extern const char *const container_event_names[CONT_KIND_MAX]; /* "allocated", ... */

/* rmd -> framework: container_event (pushed, request id 0). */
struct msg_container_event {
	int kind;                    /* enum cev_fw_kind */
	struct loom_id container;
	struct loom_id request;
	char node[PROTO_NAME_MAX];
	char host[PROTO_NAME_MAX];
	struct res res;
	int exit_code;               /* exited: the exit code (0 when signalled) */
	int signal;                  /* exited: the terminating signal, 0 if none */
	char reason[PROTO_REASON_MAX];
	int64_t grace_ms;            /* preempting: SIGTERM comes now, SIGKILL after this */
};
void msg_encode_container_event(struct mpw *w, const struct msg_container_event *m);
int msg_decode_container_event(const msgpack_object *o, struct msg_container_event *m,
			       struct mpr_err *e);

/* rmd -> framework: node_event (pushed, request id 0): a node was lost. */
struct msg_node_event {
	char node[PROTO_NAME_MAX];
	char state[16];              /* the node's state name, "LOST" */
	char reason[PROTO_REASON_MAX];
};
void msg_encode_node_event(struct mpw *w, const struct msg_node_event *m);
int msg_decode_node_event(const msgpack_object *o, struct msg_node_event *m,
			  struct mpr_err *e);

#endif

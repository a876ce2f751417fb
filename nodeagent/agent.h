/*
 * nodeagent internals: the agent's state and the prototypes of its files, sectioned by
 * file. The agent is one libevent loop; blocking file work (commit renames, recursive
 * removal, log reads, /proc scans) runs on one worker thread (common/worker.h).
 */
#ifndef LOOM_AGENT_H
#define LOOM_AGENT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "conf.h"
#include "id.h"
#include "proto.h"
#include "resource.h"
#include "worker.h"

struct event;
struct event_base;
struct peer;
struct rmconn;

#define AGENT_PROGRESS_FD 3           /* LOOM_PROGRESS_FD in every task */
#define AGENT_LOG_TAIL_BYTES 900      /* log_tail of a failed attempt: at most this ... */
#define AGENT_LOG_TAIL_LINES 10       /* ... and this many lines of stderr */
#define AGENT_LOG_READ_MAX (1 << 20)  /* LOG_READ returns at most 1 MiB */
#define AGENT_DONE_TTL_MS (3600 * 1000) /* a finished attempt rmd never settles is dropped */
#define AGENT_ORPHAN_TTL_MS (30 * 1000) /* ... sooner once rmd sent a kill for it */

/* ---- conf-agent.c --------------------------------------------------------------- */

struct agent_conf {
	char *rm;                  /* rmd's node port, host:port */
	char *name;                /* node name ("" = host name) */
	int64_t vcores_m;          /* 0 = detect */
	int64_t memory_mb;         /* 0 = detect */
	int64_t memory_reserve_mb; /* kept back from MemTotal when detecting */
	int64_t gpus;
	char **labels;             /* NULL-terminated, may be NULL */
	char *work_dir;
	int64_t mem_check_interval_ms;
	bool mem_enforce;
	int64_t kill_grace_ms;
	int64_t reconnect_min_ms;
	int64_t reconnect_max_ms;
	int64_t max_frame_mb;
	char *log_level;
	char *log_file;
	char *health_script;       /* "" = no health check (health.c) */
	int64_t health_interval_ms;
	int64_t health_timeout_ms;
	int64_t attempt_retention_ms; /* 0 = keep attempt directories forever (retention.c) */
};

extern const struct conf_entry agent_conf_table[];
extern const size_t agent_conf_count;

/* Defaults, then the file (if path is not NULL), then each "key=value" override. */
int agent_conf_load(struct agent_conf *c, const char *path, char **overrides, int nover,
		    char *err, size_t errlen);
/* Fills detected values (name, vcores, memory) and checks cross-key rules. */
int agent_conf_resolve(struct agent_conf *c, char *err, size_t errlen);
void agent_conf_free(struct agent_conf *c);
/* MemTotal in MiB from the text of /proc/meminfo; -1 if absent. */
int64_t meminfo_total_mb(const char *text);

/* ---- agent.c -------------------------------------------------------------------- */

TAILQ_HEAD(attempt_list, attempt);
struct agent_job;
LIST_HEAD(agent_job_list, agent_job);

struct agent {
	struct event_base *base;
	struct agent_conf conf;
	char host[PROTO_NAME_MAX];   /* this machine's host name, for NODE_REGISTER */
	char *attempts_dir;          /* <work_dir>/attempts */
	struct worker *worker;
	struct agent_job_list jobs;  /* submitted to the worker, done callback not yet run */
	struct rmconn *rm;
	struct attempt_list attempts;
	int nattempts;
	char **base_env;             /* the agent's own environment, inherited by tasks */
	int devnull_fd;              /* stdin of every task */
	struct event *sigchld_ev, *sigterm_ev, *sigint_ev, *cron_ev, *stop_ev;
	bool stopping;               /* SIGTERM/SIGINT seen: killing attempts, then exit */
	bool memscan_busy;           /* a /proc scan is on the worker */
	int64_t next_memscan_ms;
	int64_t next_sweep_ms;
	int64_t next_retention_ms;
	int64_t mem_used_mb;         /* sum of the last sampled RSS of all attempts */
	struct health *health;       /* the health check's state; NULL without a script */
};

typedef void (*job_cancel_fn)(void *arg); /* frees arg when the agent exits first */

/* Creates the loop, worker, signal and cron events (conf must be resolved). */
void agent_init(struct agent *ag);
/* Frees everything after the loop ended; live attempts are SIGKILLed. */
void agent_cleanup(struct agent *ag);
/* Runs work on the worker thread, then done on the loop; cancel frees arg at exit. */
void agent_submit(struct agent *ag, work_fn work, done_fn done, job_cancel_fn cancel,
		  void *arg);
/* While stopping: leaves the loop once no attempt runs and rmd's connection is closed. */
void agent_check_stopped(struct agent *ag);

/* ---- attempt.c ------------------------------------------------------------------ */

enum attempt_state {
	AS_STARTING,   /* forked; waiting to learn whether exec succeeded */
	AS_RUNNING,    /* exec succeeded; rmd was told (or will be, on registering) */
	AS_KILLING,    /* SIGTERM sent to the group; SIGKILL follows after the grace */
	AS_FINISHING,  /* main process reaped; reading the stderr tail on the worker */
	AS_DONE,       /* final report known; waiting for rmd to commit or discard */
	AS_COMMITTING, /* output commit or discard on the worker; forgotten after it */
	AS_MAX
};

struct progress {
	double value;   /* last valid fraction, -1 until the task reports one */
	char line[64];  /* the line being read; longer lines are junk and skipped */
	size_t len;
	bool skipping;  /* inside an over-long line: drop bytes until the newline */
};

struct attempt {
	TAILQ_ENTRY(attempt) link;
	struct agent *ag;
	struct loom_id id;
	char idstr[ID_BUFSZ];
	enum attempt_state state;
	int32_t ntasks;
	struct res res;
	char *output_dir;         /* the job's output dir, "" for none */
	char *dir;                /* <work_dir>/attempts/<id> */
	char *out_path;           /* LOOM_OUTPUT_DIR */
	char *argv0, *cwd;        /* for "cannot execute" reasons */
	int64_t kill_grace_ms;    /* from the launch; 0 = the agent's kill_grace */
	pid_t pid;                /* 0 when no process was started */
	bool reaped;
	int exec_fd;              /* read end of the exec-status pipe, -1 when closed */
	struct event *exec_ev;
	int prog_fd;              /* read end of the progress pipe, -1 when closed */
	struct event *prog_ev;
	struct progress progress;
	struct event *kill_ev;    /* SIGKILL after the grace */
	int kill_kind;            /* AR_KILLED or AR_LIMIT_KILLED once a kill started */
	bool sigkilled;           /* SIGKILL went to the whole group already */
	char kill_reason[PROTO_REASON_MAX];
	int64_t rss_mb;
	struct attempt_report rep; /* the report sent to rmd (final fields once DONE) */
	bool pending;             /* rep changed since rmd was last told */
	int64_t done_ms;          /* mono time it reached DONE */
	int64_t orphan_ms;        /* mono time rmd asked to kill it after it was DONE */
};

const char *attempt_state_name(enum attempt_state s);
bool attempt_transition_ok(enum attempt_state from, enum attempt_state to);
/* The one state setter: refuses illegal transitions, logs "old -> new (caller: why)". */
int attempt_set_state_at(struct attempt *a, enum attempt_state to, const char *reason,
			 const char *caller);
#define attempt_set_state(a, to, reason) attempt_set_state_at(a, to, reason, __func__)

/* A record in STARTING state, added to the agent's table. */
struct attempt *attempt_new(struct agent *ag, const struct msg_attempt_launch *m);
struct attempt *attempt_find(struct agent *ag, const struct loom_id *id);
struct attempt *attempt_find_pid(struct agent *ag, pid_t pid);
/* True while the attempt has (or may have) a process using resources. */
bool attempt_is_live(const struct attempt *a);
/* Exited with code 0 by itself: its output may be committed. */
bool attempt_succeeded(const struct attempt *a);
/* The report as rmd should see it now (progress and rss refreshed). */
void attempt_snapshot(const struct attempt *a, struct attempt_report *r);
/* Records the final report, moves to DONE and tells rmd (or queues it). */
void attempt_finish(struct attempt *a, int ar_state, const char *reason);
/* rmd now knows the final report: a failed attempt's output is discarded and forgotten. */
void attempt_reported(struct attempt *a);
/* Removes the record (its log directory stays on disk for LOG_READ). */
void attempt_forget(struct attempt *a, const char *why);
void attempt_free(struct attempt *a);
/* Discards finished attempts that rmd never settled (AGENT_DONE_TTL_MS, or
 * AGENT_ORPHAN_TTL_MS after rmd sent a kill for one). */
void attempt_sweep(struct agent *ag, int64_t now_ms);

/* ---- taskenv.c ------------------------------------------------------------------ */

/* The LOOM_* variables of one attempt ("KEY=VALUE"), NULL-terminated in v. */
struct loom_vars {
	char job[48], task[48], ntasks[48], attempt[48], attempt_id[80], progress_fd[32];
	char *output_dir; /* malloc'd */
	char *v[8];
};
void loom_vars_build(struct loom_vars *lv, const struct loom_id *id, int32_t ntasks,
		     const char *output_dir);
void loom_vars_free(struct loom_vars *lv);
/* base, then each layer: a "K=V" replaces an earlier K; entries without '=' are skipped.
 * Returns a NULL-terminated array of borrowed pointers; free the array only. */
char **env_merge(char *const *base, char *const *const *layers, int nlayers);

/* ---- paths.c -------------------------------------------------------------------- */

/* True for a canonical attempt id ("job-1.t0.a1"): safe as a path component. */
bool attempt_id_valid(const char *s);
/* <attempts_dir>/<id>[/<leaf>], or NULL when id is not a valid attempt id. */
char *attempt_path(const char *attempts_dir, const char *id, const char *leaf);
/* <output_dir>/_attempts/<id>, or the attempt directory itself when output_dir is "". */
char *attempt_output_path(const char *output_dir, const char *attempt_dir, const char *id);
/* mkdir -p; returns -1 with errno set. */
int mkdir_p(const char *path, mode_t mode);
/* mkdir that creates missing parents only when needed (one syscall when they exist). */
int mkdir_leaf(const char *path, mode_t mode);

/* ---- spawn.c -------------------------------------------------------------------- */

struct spawn_req {
	char *const *argv;  /* argv[0] is looked up in PATH */
	char *const *envp;
	const char *cwd;
	int stdin_fd, stdout_fd, stderr_fd, progress_fd; /* become 0, 1, 2 and 3 */
};
/* What the child reports on the status pipe when it cannot exec. */
struct spawn_err {
	int stage; /* SPAWN_STAGE_* */
	int err;   /* errno */
};
enum { SPAWN_STAGE_SETUP, SPAWN_STAGE_CHDIR, SPAWN_STAGE_EXEC };

/* Forks the task in its own session. *status_fd: non-blocking read end of the exec-status
 * pipe. Returns the pid, or -1 with errno when fork (or pipe) failed. */
pid_t spawn_task(const struct spawn_req *r, int *status_fd);
/* 0: exec succeeded (EOF); 1: failed, e filled; -1: not known yet. */
int spawn_result(int fd, struct spawn_err *e);
/* "cannot execute 'foo': No such file or directory" and friends. */
const char *spawn_reason(const struct spawn_err *e, const char *argv0, const char *cwd,
			 char *buf, size_t len);

/* ---- launch.c ------------------------------------------------------------------- */

/* Handles ATTEMPT_LAUNCH: creates the record and starts the process. */
void launch_attempt(struct agent *ag, const struct msg_attempt_launch *m);
/* Learns the exec outcome from the pipe (sync when the child was already reaped). */
void launch_exec_result(struct attempt *a);

/* ---- progress.c ----------------------------------------------------------------- */

void progress_init(struct progress *p);
/* Parses one line (without '\n'): a number from 0 to 1, surrounding blanks allowed. */
bool progress_parse_line(const char *s, size_t n, double *out);
/* Feeds bytes from the pipe; complete valid lines update p->value. */
void progress_feed(struct progress *p, const char *data, size_t n);
/* Watches fd (non-blocking read end) for the attempt's progress lines. */
void progress_watch(struct attempt *a, int fd);
/* Reads what is left in the pipe and closes it (the task exited). */
void progress_close(struct attempt *a);

/* ---- monitor.c ------------------------------------------------------------------ */

void monitor_sigchld(int fd, short what, void *arg);
/* One reaped child: finishes its attempt. */
void monitor_child_exited(struct agent *ag, pid_t pid, int status);
/* SIGTERM to the group now, SIGKILL after grace_ms; kind is AR_KILLED or AR_LIMIT_KILLED. */
void monitor_kill(struct attempt *a, int kind, const char *reason, int64_t grace_ms);
/* Starts a /proc scan on the worker when attempts are running and none is in flight. */
void monitor_mem_tick(struct agent *ag);
/* True when rss_mb is over a positive limit; reason then says "memory limit exceeded:
 * 612 MiB used > 512 MiB allowed". */
bool monitor_over_limit(int64_t rss_mb, int64_t limit_mb, char *reason, size_t len);

/* ---- procstat.c ----------------------------------------------------------------- */

struct proc_stat {
	pid_t pid, ppid, pgrp, session;
	int64_t rss_pages;
};
/* Parses the text of /proc/PID/stat; -1 when malformed. */
int procstat_parse(const char *buf, size_t len, struct proc_stat *out);
/* Adds st's RSS (kB) to the slot of the session or group it belongs to. */
void procstat_account(const struct proc_stat *st, const pid_t *leaders, int n,
		      int64_t *rss_kb, long page_kb);
/* Scans /proc once (worker thread): rss_kb[i] = RSS of session/group leaders[i]. */
void procstat_scan(const pid_t *leaders, int n, int64_t *rss_kb);

/* ---- commit.c ------------------------------------------------------------------- */

/* <output_dir>/part-NNNNN */
char *commit_part_path(const char *output_dir, int32_t task);
/* Atomic rename that refuses to replace dst; worker thread. Returns 0, -1 with err filled,
 * or -2 (err filled too) when dst exists: the partition is committed already. */
int commit_rename(const char *src, const char *dst, char *err, size_t errlen);
/* rm -rf without following symlinks; absent is success. Worker thread. */
int remove_tree(const char *path, char *err, size_t errlen);
/* Handles ATTEMPT_COMMIT (reqid is echoed in ATTEMPT_COMMITTED). */
void commit_request(struct agent *ag, uint64_t reqid, const struct msg_attempt_commit *m);
/* Discards a finished attempt's output on the worker (no reply to rmd), then forgets it. */
void commit_discard_and_forget(struct attempt *a);

/* ---- logread.c ------------------------------------------------------------------ */

/* Reads the last max bytes of path (malloc'd into *data); fills err when missing. */
int file_tail(const char *path, int64_t max, char **data, size_t *len, int64_t *size,
	      char *err, size_t errlen);
/* The last maxlines lines of buf into out (at most outsz - 1 bytes), control bytes
 * replaced by '?'. cut: buf starts mid-file, so its first line is partial and dropped. */
void log_tail_trim(const char *buf, size_t len, bool cut, int maxlines, char *out,
		   size_t outsz);
/* Handles LOG_READ (answered by LOG_DATA with the same request id). */
void logread_request(struct agent *ag, uint64_t reqid, const struct msg_log_read *m);
/* Reads a failed attempt's stderr tail on the worker, then finishes it. */
void logread_tail_then_finish(struct attempt *a, int ar_state, const char *reason);

/* ---- health.c ------------------------------------------------------------------- */

/* Prepares the health check (nothing when health_script is ""). */
void health_start(struct agent *ag);
/* Cron: starts a run when due, kills one past health_timeout. */
void health_tick(struct agent *ag, int64_t now_ms);

/* ---- retention.c ------------------------------------------------------------------ */

/* Now and then, removes old directories of attempts no longer tracked (on the worker). */
void retention_tick(struct agent *ag, int64_t now_ms);
/* Removes the attempt directories in dir, except keep (sorted), unchanged for more than
 * max_age_s seconds at now_s; returns how many. Blocking: worker thread or tests. */
int retention_sweep(const char *dir, char **keep, size_t nkeep, int64_t now_s,
		    int64_t max_age_s);
/* A reaped child: true when it was the health script (its exit is recorded). */
bool health_child_exited(struct agent *ag, pid_t pid, int status);
/* The last verdict into a heartbeat. */
void health_fill(const struct agent *ag, struct msg_node_heartbeat *m);
void health_free(struct agent *ag);
/* The verdict of one run: output (stdout and stderr), wait status, whether it timed out
 * or could not be executed (exec_err, else NULL). */
void health_verdict(const char *out, size_t len, int wstatus, bool timed_out,
		    const char *exec_err, bool *healthy, char *reason, size_t rlen);

/* ---- heartbeat.c ---------------------------------------------------------------- */

/* Fills m for heartbeat seq (m->attempts is malloc'd: msg_node_heartbeat_free). */
void heartbeat_build(struct agent *ag, int64_t seq, struct msg_node_heartbeat *m);

/* ---- rmconn.c ------------------------------------------------------------------- */

/* Parses conf.rm and starts connecting; -1 with err when the address is bad. */
int rmconn_start(struct agent *ag, char *err, size_t errlen);
/* Stops reconnecting; closes the connection once what is queued was written. */
void rmconn_stop(struct agent *ag);
void rmconn_free(struct agent *ag);
bool rmconn_registered(const struct agent *ag);
/* True while a connection exists (used while stopping). */
bool rmconn_active(const struct agent *ag);
/* Tells rmd the attempt's report now, or marks it pending for the next registration. */
void rmconn_report(struct attempt *a);
/* Sends one report outside the table (e.g. "unknown attempt"); false if not registered. */
bool rmconn_send_report(struct agent *ag, const struct attempt_report *r);
/* Sends ATTEMPT_COMMITTED / LOG_DATA if registered. */
void rmconn_send_committed(struct agent *ag, uint64_t reqid,
			   const struct msg_attempt_committed *m);
void rmconn_send_log_data(struct agent *ag, uint64_t reqid, uint64_t conn_gen,
			  const struct msg_log_data *m);
/* Identifies the current connection, so late answers for an old one are dropped. */
uint64_t rmconn_gen(const struct agent *ag);
void rmconn_on_reply(struct agent *ag, uint64_t id, const msgpack_object *o);
void rmconn_on_error(struct agent *ag, uint64_t id, const struct msg_error *m);

/* ---- msg-rm.c ------------------------------------------------------------------- */

/* peer on_msg callback for the connection to rmd: validates and dispatches. */
void msgrm_on_msg(struct peer *p, int type, uint64_t id, const msgpack_object *o, void *arg);

#endif

/*
 * loom.h: the public C API of libloom (libloom.so.1), the client library of the Loom
 * resource manager. The one installed header; `pkg-config --cflags --libs loom`.
 * Inside the Loom source tree, link the CMake target `loomapi` (the shared library).
 *
 * Two layers:
 *  - the client layer (blocking): connect to rmd, submit jobs, ask their status, wait for
 *    them, kill them, list them. Each call runs the connection's own event loop until
 *    rmd's reply (at most 30 s) and returns.
 *  - the framework layer: a framework registers with rmd (name, queue, user), asks for
 *    containers (resources, count, labels, preferred nodes, gang), is told of each
 *    allocation, launches one command per allocated container, releases containers and
 *    hears of their ends, of node losses and of preemption warnings. It is asynchronous,
 *    on the caller's libevent event_base (loom_fw_start), with a blocking convenience
 *    form for simple engines (loom_fw_open + loom_fw_next).
 *
 * Errors: every int-returning call returns LOOM_OK (0) or a negative enum loom_status
 * code; loom_error() / loom_fw_error() give the last error's text for people (rmd's own
 * message when rmd refused, e.g. "container: job-3.t0.a1 is not ALLOCATED").
 *
 * Memory: handles are opaque and owned by the caller until loom_close / loom_fw_free.
 * Strings and structs given to callbacks live only until the callback returns (copy what
 * you keep). Every string the library takes is copied before the call returns.
 *
 * Threads: a handle, and the event_base it lives on, belong to one thread; nothing here is
 * thread-safe. Different handles may be used from different threads (each blocking
 * handle has its own event_base). The library installs no signal handlers.
 */
#ifndef LOOM_PUBLIC_H
#define LOOM_PUBLIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LOOM_API __attribute__((visibility("default")))
#else
#define LOOM_API
#endif

#define LOOM_VERSION_MAJOR 1
#define LOOM_VERSION_MINOR 0

/* What a call returns. */
enum loom_status {
	LOOM_OK = 0,        /* done; rmd accepted */
	LOOM_EREPLY = -1,   /* rmd answered with an error: loom_error() has its message */
	LOOM_ECONN = -2,    /* no connection to rmd, or it was lost */
	LOOM_ETIMEOUT = -3, /* no answer in time */
	LOOM_EUSAGE = -4,   /* the call itself was wrong (bad argument, wrong kind of handle) */
};
/* A constant text for a status code ("rmd refused", "connection lost", ...). */
LOOM_API const char *loom_strerror(int status);

/* Resources of one task or container. vcores may be fractional (1/1000 precision). */
struct loom_res {
	double vcores;
	int64_t memory_mb;
	int64_t gpus;
};

/* ======================================================================================
 * Client layer (blocking; each call runs the handle's own event loop)
 * ==================================================================================== */

struct loom; /* a connection to rmd */

/*
 * Connects to rmd at addr ("HOST:PORT"; NULL: $LOOM_RM if set, else 127.0.0.1:7420) and
 * says HELLO as a client called name (NULL: "libloom"). Waits at most 5 s. On failure
 * returns NULL and writes why into err (if err is not NULL): "cannot connect to rmd at
 * 127.0.0.1:7420: Connection refused (is rmd running? set --rm or LOOM_RM)".
 */
LOOM_API struct loom *loom_connect(const char *addr, const char *name, char *err,
				   size_t errlen);
/* Closes and frees the connection (NULL is fine). */
LOOM_API void loom_close(struct loom *l);
/* The text of the last error on l ("" after a success). Valid until the next call on l. */
LOOM_API const char *loom_error(const struct loom *l);

/* A job to submit. Strings and arrays are copied; arrays are NULL-terminated. */
struct loom_job_req {
	const char *name;        /* for people; NULL: argv[0]'s base name */
	const char *queue;       /* leaf queue path, e.g. "root.prod"; NULL: rmd's default */
	char *const *argv;       /* the command, run without a shell; at least argv[0] */
	char *const *env;        /* extra "KEY=VALUE" strings, or NULL */
	int32_t ntasks;          /* tasks (partitions); 0 means 1 */
	struct loom_res res;     /* per task; zeros take rmd's defaults */
	int32_t max_attempts;    /* per task, 0 = the cluster's default */
	int32_t priority;        /* -1000 .. 1000, higher first */
	bool gang;               /* all tasks start together or none does */
	int64_t time_limit_ms;   /* per attempt, 0 = none */
	const char *output_dir;  /* absolute path every node sees, or NULL */
	const char *workdir;     /* absolute working directory, or NULL */
};
/*
 * Submits a job; writes its id ("job-12") into job_id (len >= 64 is enough). The user
 * is $USER (or the login name).
 */
LOOM_API int loom_submit(struct loom *l, const struct loom_job_req *r, char *job_id,
			 size_t len);

/* A job as rmd sees it. state: PENDING, RUNNING, SUCCEEDED, FAILED or KILLED. */
struct loom_job_status {
	char id[64], state[16], reason[1024];
	int32_t ntasks, tasks_done, tasks_running, tasks_pending, tasks_failed;
	double progress;          /* 0 .. 1 */
	char name[128], queue[128], user[128];
};
/* True for SUCCEEDED, FAILED and KILLED. */
LOOM_API bool loom_job_final(const struct loom_job_status *s);

/* Fills out with the job's status. LOOM_EREPLY when rmd knows no such job. */
LOOM_API int loom_status(struct loom *l, const char *job_id, struct loom_job_status *out);
/* Kills a job (its running tasks get SIGTERM, then SIGKILL). reason may be NULL. */
LOOM_API int loom_kill(struct loom *l, const char *job_id, const char *reason);
/*
 * Waits until the job is final (polling rmd), at most timeout_ms (< 0: no limit).
 * LOOM_OK with out filled (out may be NULL) when it ended whatever its state;
 * LOOM_ETIMEOUT (out holds the last status seen) when it did not end in time.
 */
LOOM_API int loom_wait(struct loom *l, const char *job_id, int64_t timeout_ms,
		       struct loom_job_status *out);
/*
 * Calls fn once per job (newest first), state_filter NULL or "" for all, else a state
 * name ("RUNNING"). The status passed to fn lives during the call only.
 */
LOOM_API int loom_list(struct loom *l, const char *state_filter,
		       void (*fn)(const struct loom_job_status *, void *), void *arg);

/* ======================================================================================
 * Framework layer (asynchronous, on the caller's event_base)
 * ==================================================================================== */

struct loom_fw; /* a registered framework */

/* A container: one placed task of one of the framework's requests. */
struct loom_container {
	char id[64];       /* "job-12.t3.a1": name it in loom_fw_launch / loom_fw_release */
	char request[64];  /* the request it belongs to, "job-12" */
	char node[128];    /* the node it is on */
	char host[256];    /* that node's host name */
	struct loom_res res;
};

/* What happened to a container. */
enum loom_cev {
	LOOM_CEV_ALLOCATED,  /* placed: resources held, nothing runs; launch or release it */
	LOOM_CEV_RUNNING,    /* its command started */
	LOOM_CEV_EXITED,     /* final: its command exited (exit_code, signal) */
	LOOM_CEV_FAILED,     /* final: could not launch (reason), or rmd refused a launch */
	LOOM_CEV_RELEASED,   /* final: released (by loom_fw_release or unregistering) */
	LOOM_CEV_LOST,       /* final: its node was lost */
	LOOM_CEV_PREEMPTING, /* warning: it will be killed for preemption after grace_ms */
	LOOM_CEV_PREEMPTED,  /* final: killed for preemption */
};
/* "allocated", "running", ... ("unknown" for other values). */
LOOM_API const char *loom_cev_name(enum loom_cev kind);

/* One container event. Exactly one final event (EXITED, FAILED, RELEASED, LOST or
 * PREEMPTED) is given per container. */
struct loom_container_event {
	enum loom_cev kind;
	struct loom_container c;
	int exit_code, signal;  /* EXITED: exit code, or the signal that ended it (0: none) */
	int64_t grace_ms;       /* PREEMPTING: time left before the kill */
	const char *reason;     /* for people, never NULL (may be ""); see loom_fw_next */
};

/*
 * The framework's callbacks (any may be NULL), called from the event_base's loop.
 *  registered: rmd accepted the registration. resumed is true when the same name came back
 *    within rmd's framework_grace (or after an rmd restart): live lists the containers
 *    that are still allocated or running (live[i] lives during the call).
 *  container: an event for one of the framework's containers.
 *  node_lost: a node was lost (its containers get their own LOST events too).
 *  closed: the framework's connection is gone (rmd refused the registration, the
 *    connection dropped, or loom_fw_stop completed). why is for people. No callback follows
 *    except that loom_fw_free must still be called. It is safe to call loom_fw_free inside
 *    any callback.
 */
struct loom_fw_cbs {
	void (*registered)(struct loom_fw *fw, bool resumed, const struct loom_container *live,
			   size_t nlive, void *arg);
	void (*container)(struct loom_fw *fw, const struct loom_container_event *ev, void *arg);
	void (*node_lost)(struct loom_fw *fw, const char *node, const char *reason, void *arg);
	void (*closed)(struct loom_fw *fw, const char *why, void *arg);
	void *arg;
};

struct loom_fw_opts {
	const char *addr;  /* NULL: $LOOM_RM, else 127.0.0.1:7420 */
	const char *name;  /* unique among live frameworks; NULL: "loom-<host>-<pid>-<random>" */
	const char *queue; /* NULL: rmd's default queue */
	const char *user;  /* NULL: $USER (or the login name) */
};

/*
 * Connects to rmd on base and registers (FRAMEWORK_REGISTER); cbs->registered or
 * cbs->closed follows. Returns NULL only when the options are wrong (bad address, name
 * too long): connection failures arrive through closed(). cbs is copied.
 */
LOOM_API struct loom_fw *loom_fw_start(struct event_base *base, const struct loom_fw_opts *o,
				       const struct loom_fw_cbs *cbs);
/* The framework's name (the generated one when opts.name was NULL). */
LOOM_API const char *loom_fw_name(const struct loom_fw *fw);
/* The text of the last error on fw (why a call failed, or why it closed). */
LOOM_API const char *loom_fw_error(const struct loom_fw *fw);

/* A request for count containers. Label and node lists are NULL-terminated (or NULL). */
struct loom_container_req {
	int32_t count;           /* 1 .. 100000 */
	struct loom_res res;     /* per container */
	bool gang;               /* all count are allocated together or none is */
	int32_t priority;        /* -1000 .. 1000 */
	int64_t time_limit_ms;   /* per container once launched; 0 = none */
	const char *const *require_labels; /* a node must have every one of these */
	const char *const *exclude_labels; /* ... and none of these */
	const char *const *prefer;         /* preferred nodes (<= 16), same for every one */
	const char *name;        /* for people (rmctl jobs); NULL: the framework's name */
};

/*
 * Asks for containers (CONTAINER_REQUEST). done (may be NULL) is called once with
 * rmd's answer: status LOOM_OK and the request id ("job-12"), or an error status and
 * request NULL (loom_fw_error says why). Allocations then arrive as LOOM_CEV_ALLOCATED
 * events. Returns LOOM_OK when sent, LOOM_ECONN when not registered (done not called).
 * On a handle from loom_fw_open the call waits for the answer (done is called before it
 * returns) and returns rmd's status.
 */
LOOM_API int loom_fw_request(struct loom_fw *fw, const struct loom_container_req *r,
			     void (*done)(struct loom_fw *fw, int status, const char *request,
					  void *arg),
			     void *arg);
/*
 * Launches argv (NULL-terminated, run without a shell) in an ALLOCATED container, with
 * extra environment env ("KEY=VALUE", NULL-terminated, or NULL) and working directory
 * workdir (NULL: the container's own directory). The agent sets LOOM_JOB_ID (the request),
 * LOOM_TASK_INDEX, LOOM_ATTEMPT_ID (the container), LOOM_NUM_TASKS as for any task. RUNNING then EXITED
 * (or FAILED) events follow. Asynchronous handles: returns LOOM_OK when sent; if rmd
 * refuses, a LOOM_CEV_FAILED event for the container carries rmd's reason. Blocking
 * handles (loom_fw_open): waits and returns rmd's status.
 */
LOOM_API int loom_fw_launch(struct loom_fw *fw, const char *container, char *const *argv,
			    char *const *env, const char *workdir);
/* Releases one container ("job-12.t3.a1", killed if running) or a whole request
 * ("job-12": its containers and its tasks not yet allocated). RELEASED events follow.
 * Returns as loom_fw_launch does. */
LOOM_API int loom_fw_release(struct loom_fw *fw, const char *container_or_request);
/*
 * Unregisters (everything is released, the requests end) and closes the connection:
 * closed("unregistered") follows. Blocking handles: waits for rmd's answer.
 */
LOOM_API int loom_fw_stop(struct loom_fw *fw);
/* Closes (without unregistering: rmd keeps the containers for its framework_grace) and
 * frees. No callback is called afterwards. NULL is fine. Safe inside callbacks. For a
 * handle of loom_fw_start, the connection's last memory is freed on a later turn of the
 * caller's base: before event_base_free, run event_base_loop(base, EVLOOP_NONBLOCK) once. */
LOOM_API void loom_fw_free(struct loom_fw *fw);

/* ---- blocking convenience ---------------------------------------------------------- */

/*
 * Connects and registers with an own event_base, waiting for rmd's answer (at most 30 s).
 * NULL on failure with why in err. Free with loom_fw_free.
 */
LOOM_API struct loom_fw *loom_fw_open(const struct loom_fw_opts *o, char *err,
				      size_t errlen);
/* After loom_fw_open: whether the registration resumed an earlier one, and its live
 * containers (*live valid until loom_fw_free; NULL allowed). */
LOOM_API bool loom_fw_resumed(const struct loom_fw *fw, const struct loom_container **live,
			      size_t *nlive);
/*
 * Runs the loop until one container event arrives (events are queued in arrival order)
 * or timeout_ms passes (< 0: no limit). Returns 1 with *ev filled, 0 on timeout, or a
 * negative status (LOOM_ECONN when the connection is gone: loom_fw_error says why).
 * ev->reason stays valid until the next loom_fw_next or loom_fw_free. Node losses are
 * not reported separately here (each container there gets its LOST event).
 */
LOOM_API int loom_fw_next(struct loom_fw *fw, struct loom_container_event *ev,
			  int64_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif

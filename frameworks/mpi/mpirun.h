/*
 * loom-mpirun: runs an Open MPI job in Loom containers. This header is the state shared by
 * its files: the options (main.c), the framework side that asks rmd for a gang of
 * containers (alloc.c), the local mpirun child and its hostfile (launch.c), and the relay
 * that turns mpirun's remote launches of orted into container launches (relay.c).
 * Built on the public libloom API (loom.h) only, as an engine outside the tree would be.
 */
#ifndef LOOM_MPIRUN_H
#define LOOM_MPIRUN_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include <event2/event.h>

#include "loom.h"
#include "relay-proto.h"


struct lmr_opts {
	int n;                  /* MPI processes = containers */
	struct loom_res res;    /* per container */
	int64_t time_limit_ms;
	const char *addr, *queue, *name, *mpirun;
	const char *prefer[17]; /* NULL-terminated */
	int nprefer;
	const char *labels[17];
	int nlabels;
	const char **mca;       /* --mca KEY VALUE pairs for mpirun, flattened */
	int nmca;
	bool verbose;
	char **prog;            /* the MPI program and its arguments (NULL-terminated) */
};

/*
 * The hostfile names a node NODE as NODE LMR_HOST_SUFFIX. Why: Open MPI starts the ranks of
 * a host it finds local (a name that resolves to this machine, e.g. the node loom-mpirun
 * itself runs on) under mpirun directly, outside any container; a name in the reserved
 * .invalid domain never resolves, so every node goes through the rsh agent.
 */
#define LMR_HOST_SUFFIX ".loom.invalid"

/* One node of the allocation: one orted runs there, in its first container. */
struct lmr_node {
	char name[128], host[256];
	char container[64];     /* where orted runs */
	int slots;              /* containers on that node = MPI processes it may take */
	bool launched, ended;
};

struct lmr_sess;

struct lmr {
	struct event_base *base;
	struct lmr_opts o;
	struct loom_fw *fw;
	char request[64];
	struct loom_container *conts; /* allocated so far */
	int ncont;
	struct lmr_node *nodes;
	int nnodes;
	char dir[PATH_MAX];           /* private temp dir: hostfile, relay socket */
	struct evconnlistener *lis;
	struct lmr_sess *sessions;
	pid_t child;                  /* mpirun, 0 when not running */
	bool started;       /* all N allocated, mpirun launched */
	bool stopping;      /* lmr_finish called: exit_code is fixed */
	bool unregistering; /* loom_fw_stop sent */
	bool fw_closed;     /* the framework connection is gone */
	int exit_code;
	struct event *sigs[3], *quit, *drain;
};

/* main.c */
void lmr_log(const struct lmr *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lmr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *lmr_calloc(size_t n, size_t size);
/* Ends the run with exit code code: stops mpirun if it runs, then unregisters. */
void lmr_finish(struct lmr *m, int code);

/* alloc.c */
int lmr_fw_start(struct lmr *m);
/* Called once mpirun has exited: unregister when no orted container still runs. */
void lmr_fw_done(struct lmr *m);

/* launch.c */
int lmr_make_dir(struct lmr *m);
int lmr_launch_mpirun(struct lmr *m);
void lmr_reap(struct lmr *m);
void lmr_cleanup_dir(struct lmr *m);

/* relay.c */
int lmr_relay_listen(struct lmr *m);
/* A final event for container id: tell the rsh agent waiting on it how it ended. */
void lmr_relay_ended(struct lmr *m, const char *container, const char *reply);
void lmr_relay_free(struct lmr *m);
struct lmr_node *lmr_node_of(struct lmr *m, const char *name);

#endif

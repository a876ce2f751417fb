/*
 * rmtop: a live terminal view of a Loom cluster (ncurses). Internal header, sectioned by
 * file. One libevent loop runs everything: the connection to rmd (libloom's async API),
 * the event subscription, re-fetches, the keyboard (stdin as an event) and resizes.
 *
 * Data flow: rmd pushes EVENT messages; each marks what it touches dirty (jobs, nodes,
 * the summary, the open detail); a short timer then re-fetches only the dirty parts,
 * so a burst of events costs one request per part, and nothing polls the whole state.
 */
#ifndef LOOM_RMTOP_H
#define LOOM_RMTOP_H

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "loom-conn.h"
#include "proto.h"

/* ---- model.c: what rmtop knows, parsed from rmd's views -------------------------- */

struct top_job {
	char id[24], name[64], queue[64], user[32], state[16];
	char reason[192];
	int64_t ntasks, done, running, pending, failed;
	int64_t spec_launched, spec_won, spec_wasted; /* speculative copies */
	double progress;
	int64_t submit_us, start_us, end_us;
	int64_t time_limit_ms;   /* 0 = none (the queue's "auto" order looks at it) */
	struct res res;
};

struct top_node {
	char name[64], host[64], state[16], labels[96], reason[192];
	struct res cap, used;
	int64_t attempts, hb_age_ms;
};

/* One queue of the tree, in rmd's order: depth-first from the root. */
struct top_queue {
	char path[128], name[32], policy[16], state[12], order[8];
	int depth;
	bool leaf;
	double guarantee, maximum, share;  /* fractions of the cluster */
	double guar_by[3], max_by[3];      /* vcores, memory, gpus */
	double starving_s;                 /* below its guarantee with work waiting; 0 = not */
	struct res used, demand;
	int64_t jobs_running, jobs_pending, tasks_running, tasks_pending, users;
	int64_t preempted, max_running_jobs, user_max_running_jobs;
};

#define TOP_STATES 8
struct top_summary {
	bool have;
	int nnode_states;
	char node_state[TOP_STATES][16];
	int64_t node_count[TOP_STATES];
	struct res cap, used, demand;
	int64_t jobs_running, jobs_pending, tasks_pending, nodes;
};

/* The autoscaler (AUTOSCALE_INFO): each pool, and each pool node with why it is kept. */
struct top_pool {
	char name[32];
	int64_t min, max, running, starting, draining, releasing;
	int64_t pending_tasks, pending_nodes, decision_age_ms, hook_failures;
	int64_t fetched_ms;  /* mono_ms() when decision_age_ms was read */
	char decision[256], hook[256];
};

struct top_asnode {
	char name[64], pool[32], state[16];
	char why[192];      /* why it is not being released; "" when it is (draining) */
};

#define TOP_EVENTS_KEPT 2000

struct top_model {
	struct top_summary sum;
	struct top_queue *queues;
	size_t nqueues;
	struct top_job *jobs;
	size_t njobs;
	struct top_node *nodes;
	size_t nnodes;
	bool as_have;               /* rmd answered AUTOSCALE_INFO (an error: false) */
	struct top_pool *pools;
	size_t npools;
	struct top_asnode *asnodes;
	size_t nasnodes;
	struct msg_event *events;   /* ring of the last TOP_EVENTS_KEPT */
	size_t ev_head, nevents;
	uint64_t gen;               /* bumped on every change (views re-sort then) */
};

void model_init(struct top_model *m);
void model_free(struct top_model *m);
/* Replace the parts from a reply (cluster_info, job_list, node_list). */
void model_set_cluster(struct top_model *m, const msgpack_object *reply);
void model_set_jobs(struct top_model *m, const msgpack_object *reply);
void model_set_nodes(struct top_model *m, const msgpack_object *reply);
void model_set_autoscale(struct top_model *m, const msgpack_object *reply);
/* Forgets the autoscaler (rmd answered AUTOSCALE_INFO with an error). */
void model_clear_autoscale(struct top_model *m);
/* The pool node named name, or NULL when it is in no pool. */
const struct top_asnode *model_asnode(const struct top_model *m, const char *name);
/* The summary's autoscaler line, fitted to width columns ("autoscale: local 2/0..4
 * (+1 starting) last: grow 1 (3 tasks waiting) 4s ago"); NULL when there are no pools. */
const char *model_autoscale_line(const struct top_model *m, int width, char *buf, size_t len);
void model_add_event(struct top_model *m, const struct msg_event *ev);
/* The i-th kept event, oldest first. */
const struct msg_event *model_event(const struct top_model *m, size_t i);
int64_t model_node_count(const struct top_model *m, const char *state);
const struct top_job *model_find_job(const struct top_model *m, const char *id);
/* Why job j is not running, in plain words from the model (rmd's reason, whether any
 * RUNNING node could ever hold one task, whether one has room now); NULL when it is not
 * waiting (no pending tasks). */
const char *model_job_why(const struct top_model *m, const struct top_job *j, char *buf,
			  size_t len);

/* A live attempt on the node whose detail is open (from node_list's "attempts"). */
struct top_natt {
	char id[48], job[24], state[16];
	double progress;
	int64_t start_us;
	bool copy;   /* a speculative copy */
};

/* ---- keys.c: the key table --------------------------------------------------------- */

enum top_action {
	ACT_NONE,
	ACT_QUIT, ACT_HELP, ACT_VIEW_QUEUES, ACT_VIEW_JOBS, ACT_VIEW_NODES, ACT_VIEW_EVENTS,
	ACT_NEXT_VIEW, ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_HOME, ACT_END,
	ACT_ENTER, ACT_BACK, ACT_FILTER, ACT_SORT, ACT_KILL, ACT_DRAIN, ACT_REFRESH,
	ACT_MAX
};

/* Views, as bits so a key row can name the views it works in. */
enum { V_QUEUES = 1, V_JOBS = 2, V_NODES = 4, V_EVENTS = 8, V_DETAIL = 16, V_ALL = 31 };

struct key_binding {
	int key;            /* a character or a curses KEY_* code */
	const char *label;  /* as the help screen shows it */
	enum top_action action;
	unsigned views;     /* V_* where it applies */
	const char *help;
};
extern const struct key_binding key_table[];
extern const size_t key_table_n;
/* The action of key in view (a V_* bit), ACT_NONE when it has none there. */
enum top_action keys_action(int key, unsigned view);

/* ---- rmtop.c / conn.c: the program ---------------------------------------------- */

enum { F_CLUSTER = 1, F_JOBS = 2, F_NODES = 4, F_DETAIL = 8, F_AUTOSCALE = 16, F_ALL = 31 };

struct view;
struct top {
	struct event_base *base;
	const char *addr;
	bool once;
	struct loom_conn *c;
	bool ready, subscribed, ever_connected;
	bool as_unsupported;        /* this rmd does not know AUTOSCALE_INFO: stop asking */
	char conn_msg[256];         /* "connected", "lost ...; reconnecting in 2s" */
	char status[256];           /* the last action's outcome */
	unsigned dirty, inflight, fetched;
	int64_t backoff_ms;
	struct event *ev_fetch, *ev_reconnect, *ev_stdin, *ev_winch, *ev_tick;
	struct top_model m;

	/* The screen. */
	struct view *views[4];
	int cur;                    /* index into views */
	bool help, detail;
	char detail_id[64];         /* job id or node name */
	bool detail_is_node;
	/* A node's detail: its live attempts, from one node_list request naming the node
	 * (its reply's "attempts"), asked again on each attempt event there. */
	struct top_natt *natt;
	size_t nnatt, nd_capatt;
	bool nd_scanned;            /* a reply for this node came */
	char **dlines;              /* the detail, rendered */
	size_t ndlines;
	int dtop;
	/* A prompt on the last line: a filter being typed, or a yes/no question. */
	enum { P_NONE, P_FILTER, P_CONFIRM } prompt;
	char pbuf[128];
	char question[256];
	enum top_action pending;    /* what "y" confirms */
	char target[64];
	bool quit;
	int exit_code;
};

/* conn.c */
void conn_start(struct top *t);
void conn_stop(struct top *t);
/* Asks for parts (F_*) to be fetched again soon (coalesced). */
void fetch_mark(struct top *t, unsigned parts);
void conn_kill_job(struct top *t, const char *job);
void conn_drain_node(struct top *t, const char *node);
/* Forgets the node detail's attempts (a new node detail, or leaving it). */
void node_detail_reset(struct top *t);

/* once.c: the plain-text snapshot of --once. */
void once_print(const struct top *t, FILE *out);

/* ---- view.c and view-*.c: the screen --------------------------------------------- */

/* Result bits of a view's key handler (htop's HandlerResult). */
enum { R_HANDLED = 1, R_REDRAW = 2 };

struct view_ops {
	const char *name;
	unsigned bit;                      /* V_* */
	size_t (*nrows)(struct top *t, struct view *v);
	/* Refills v->idx (filter and sort) from the model. */
	void (*select)(struct top *t, struct view *v);
	void (*header)(struct top *t, struct view *v, char *buf, size_t len);
	void (*row)(struct top *t, struct view *v, size_t i, char *buf, size_t len, int *attr);
	/* The id of row i for actions (a job id, a node name), or NULL. */
	const char *(*row_id)(struct top *t, struct view *v, size_t i);
	const char *const *sorts;          /* names of the sort orders, NULL-terminated */
	bool follow;                       /* keeps the last row in view (the event log) */
	/* Optional: a plain-words line about row i (why a job waits), shown under the list
	 * for the selected row; NULL when there is nothing to say. */
	const char *(*why)(struct top *t, struct view *v, size_t i, char *buf, size_t len);
};

struct view {
	const struct view_ops *ops;
	size_t *idx, nidx, capidx;         /* model indexes, filtered and sorted */
	size_t sel, top;
	int sort;
	char filter[64];
	uint64_t gen;                      /* model generation idx was built from */
	int width;                         /* columns to lay rows out in; 0 = unlimited */
};

extern const struct view_ops view_queues_ops, view_jobs_ops, view_nodes_ops, view_events_ops;

void ui_init(struct top *t);
void ui_free(struct top *t);
void ui_draw(struct top *t);
void ui_key(struct top *t, int ch);
/* Rebuilds the detail lines (after a fetch of the job, or of the nodes). */
void detail_render_job(struct top *t, const msgpack_object *job);
void detail_render_node(struct top *t);
void detail_clear(struct top *t);
/* Case-insensitive substring test used by every view's filter. */
bool text_match(const char *hay, const char *needle);
void view_idx_push(struct view *v, size_t i);

#endif

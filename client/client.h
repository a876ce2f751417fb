/*
 * Internal header of the command-line clients (rmsubmit, rmctl), sectioned by file. Code
 * here is for client programs only; what every program needs lives in common/.
 */
#ifndef LOOM_CLIENT_CLI_H
#define LOOM_CLIENT_CLI_H

#include <getopt.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "loom-conn.h"
#include "proto.h"

/* Exit codes shared by rmsubmit and rmctl. */
enum {
	EXIT_OK = 0,     /* done (rmsubmit --wait: the job SUCCEEDED) */
	EXIT_FAIL = 1,   /* rmd refused or did not find it; the job FAILED or was KILLED */
	EXIT_USAGE = 2,  /* bad command line, option value or job file */
	EXIT_NOCONN = 3, /* rmd cannot be reached, or the connection was lost */
};

#define FMT_BUFSZ 48

/* ---- format.c: human forms of durations, sizes, progress ------------------------- */

char *fmt_dur(int64_t ms, char *buf, size_t len);     /* "850ms"->"0s", "12s", "3m05s", "2h10m" */
char *fmt_age(int64_t now_us, int64_t then_us, char *buf, size_t len); /* "-" if then <= 0 */
char *fmt_elapsed(int64_t ms, char *buf, size_t len); /* "12.3s", then as fmt_dur */
char *fmt_mem(int64_t mb, char *buf, size_t len);     /* "512M", "1.5G", "16G" */
char *fmt_vcores(int64_t m, char *buf, size_t len);   /* "2", "0.5", "0.125" */
char *fmt_bar(double frac, int width, char *buf, size_t len); /* "[#####.....]" */
/* argv as a shell would need it typed: words with specials in single quotes. */
char *fmt_argv(char *const *argv, int n, char *buf, size_t len);

/* What one line of rmsubmit --wait shows. */
struct job_progress {
	const char *id;
	const char *state;
	int64_t ntasks, done, running, failed;
	double progress;    /* 0..1 from rmd; < 0 when unknown (done/ntasks is used) */
	int64_t elapsed_ms; /* since submission */
};
/* "job-7 RUNNING [#####.....] 52%  tasks 8/16 done, 4 running, 0 failed  12.3s" */
char *fmt_progress_line(const struct job_progress *p, char *buf, size_t len);
/* Columns of the terminal on fd, or 0 when fd is not a terminal. */
int term_width(int fd);

/* ---- table.c: aligned columns for people ----------------------------------------- */

struct table;
struct table *table_new(const char *const *headers, int ncols);
void table_row(struct table *t);                      /* starts the next row */
void table_cell(struct table *t, const char *s);      /* NULL or "" shows "-" */
void table_cellf(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free text printed under the current row as-is (e.g. an indented log tail). */
void table_note(struct table *t, const char *text);
/* Prints with two spaces between columns. width > 0 truncates the last column so that
 * rows fit (for terminals); 0 prints everything. */
void table_print(const struct table *t, FILE *out, int width);
void table_free(struct table *t);

/* ---- view.c: reading rmd's views defensively -------------------------------------- */

/* The string under key, or "-" when it is missing, empty or not a string. */
const char *view_str(const msgpack_object *o, const char *key, char *buf, size_t len);
bool view_int(const msgpack_object *o, const char *key, int64_t *out);
bool view_double(const msgpack_object *o, const char *key, double *out);
bool view_res(const msgpack_object *o, const char *key, struct res *out);
/* The array under key, or NULL. */
const msgpack_object_array *view_array(const msgpack_object *o, const char *key);
/* The map under key, or NULL. */
const msgpack_object *view_map(const msgpack_object *o, const char *key);
/* A string array joined with sep, "-" when missing or empty. */
char *view_strlist(const msgpack_object *o, const char *key, const char *sep, char *buf,
		   size_t len);
/* rmd's ERROR for people: "message", or "field: message" for a bad request whose
 * message does not name the field already. */
char *error_text(const struct msg_error *e, char *buf, size_t len);
/* Writes a reply as pretty JSON, without its "t" and "id" (for --json). */
void print_json(const msgpack_object *reply, FILE *out);

/* ---- job-tasks.c: the task table of rmctl job ------------------------------------ */

/* One row per task (its latest attempt), failed attempts with their log tails below. */
void job_print_tasks(const msgpack_object *job, FILE *out, int width);

/* ---- cmd-queues.c: the queue table of rmctl queues -------------------------------- */

/* One row per queue of a queue_list reply, indented by depth, then the default queue. */
void queues_print(const msgpack_object *reply, FILE *out, int width);

/* ---- jobspec.c: building a job_spec piece by piece --------------------------------- */

void spec_init(struct job_spec *s);                   /* the defaults of rmsubmit */
int spec_set_name(char *dst, size_t size, const char *what, const char *v, char *err,
		  size_t errlen);
void spec_set_argv(struct job_spec *s, char *const *argv, int n);
void spec_set_shell(struct job_spec *s, const char *cmd); /* /bin/sh -c cmd */
/* Adds "K=V", replacing an earlier value of K. */
int spec_add_env(struct job_spec *s, const char *kv, char *err, size_t errlen);
int spec_add_after(struct job_spec *s, const char *job, char *err, size_t errlen);
/* Adds a node label the job requires (exclude false) or excludes; duplicates are ignored,
 * a label on both lists is an error. */
int spec_add_label(struct job_spec *s, bool exclude, const char *label, char *err,
		   size_t errlen);
/* *dst = path made absolute against base (a directory; NULL = the current one). */
int spec_set_path(char **dst, const char *base, const char *path, const char *what,
		  char *err, size_t errlen);
/* Checks everything rmd would check, with messages for people. */
int spec_check(const struct job_spec *s, char *err, size_t errlen);

/* ---- jobspec-sched.c: time limit and preferred nodes ------------------------------- */

/* "90s", "10m", "2h", "1d", or Slurm's "MM", "MM:SS", "HH:MM:SS", "D-HH[:MM[:SS]]";
 * more than 0 and at most PROTO_MAX_TIME_LIMIT_MS. */
int spec_parse_time_limit(const char *v, int64_t *ms, char *err, size_t errlen);
/* Adds node to task's preferred nodes (duplicates are ignored). */
int spec_add_prefer(struct job_spec *s, int32_t task, const char *node, char *err,
		    size_t errlen);
/* Makes task's entry exist (with no node yet), for a job file's empty list. */
int spec_prefer_task(struct job_spec *s, int32_t task, char *err, size_t errlen);
/* "TASK=NODE[,NODE...]", as --prefer takes it. */
int spec_parse_prefer(struct job_spec *s, const char *arg, char *err, size_t errlen);
void spec_clear_prefer(struct job_spec *s);
/* What spec_check adds for these fields: prefer only names tasks the job has. */
int spec_check_sched(const struct job_spec *s, char *err, size_t errlen);

/* ---- jobfile.c: the libconfig job file --------------------------------------------- */

/* Loads path over s. Errors: "job.cfg:7: unknown key 'tsks' (known: ...)". */
int jobfile_load(const char *path, struct job_spec *s, char *err, size_t errlen);

/* ---- submit-args.c: rmsubmit's command line ----------------------------------------- */

struct submit_opts {
	struct job_spec spec;
	const char *rm; /* --rm, or NULL */
	bool wait, json, help;
};
extern const char submit_usage[];
/* Fills o from argv (file values first, flags over them). Returns 0, or -1 with err. */
int submit_parse(int argc, char **argv, struct submit_opts *o, char *err, size_t errlen);
void submit_opts_free(struct submit_opts *o);

/* ---- submit-wait.c / rmsubmit.c ------------------------------------------------------ */

#define WAIT_POLL_MS 150        /* JOB_INFO polling, until rmd has an event stream */
#define WAIT_RECONNECT_MS 30000 /* how long --wait tries to get back to a restarted rmd */
/* Polls the job until it ends, showing progress on stderr; returns the exit code. *c may
 * be replaced by a new connection to addr when rmd restarts meanwhile. */
int submit_wait(struct loom_conn **c, const char *addr, const char *job, bool json);
int rmsubmit_main(int argc, char **argv);

/* ---- rmctl.c: the verb table ------------------------------------------------------------ */

struct rmctl {
	const char *addr;
	bool json;
	struct loom_conn *conn; /* connected on first use */
};

struct cmd_args {
	const char *opt[128]; /* value of option c ("" for flags), NULL if not given */
	int argc;             /* positional arguments */
	char **argv;
};

struct cmd_entry {
	const char *name;
	const char *usage;   /* arguments, after the name */
	const char *summary;
	const char *opts;    /* getopt short options */
	const struct option *longopts;
	int min_args, max_args;
	int (*exec)(struct rmctl *ctx, const struct cmd_args *a); /* returns the exit code */
};

extern const struct cmd_entry cmd_jobs_entry, cmd_job_entry, cmd_kill_entry,
	cmd_nodes_entry, cmd_drain_entry, cmd_undrain_entry, cmd_logs_entry, cmd_wait_entry, cmd_status_entry, cmd_help_entry,
	cmd_autoscale_entry, cmd_queues_entry;
extern const struct cmd_entry *const cmd_table[];

const struct cmd_entry *cmd_find(const char *name);
/* Options and positional arguments of one verb; -1 with err on a usage error. */
int cmd_parse(const struct cmd_entry *e, int argc, char **argv, struct cmd_args *a, char *err,
	      size_t errlen);
/* "usage: rmctl jobs [--state S] ..." and its summary. */
void cmd_usage(const struct cmd_entry *e, FILE *out);
/* The global usage with every verb. */
void rmctl_usage(FILE *out);
/* One request, with errors reported to the user; returns EXIT_OK, EXIT_FAIL or
 * EXIT_NOCONN. reply must be destroyed in every case. */
/* Connects on first use; EXIT_OK or EXIT_NOCONN (the reason is printed). */
int rmctl_connect(struct rmctl *ctx);
int rmctl_call(struct rmctl *ctx, int type, loom_build_fn build, const void *arg,
	       msgpack_unpacked *reply);
/* The payload of a REPLY: the view under key, or NULL with a message. */
const msgpack_object *rmctl_payload(const msgpack_unpacked *reply, const char *key);
int rmctl_main(int argc, char **argv);

#endif

/*
 * A small worker thread for blocking work (fsync, reading /proc, renames and file reads)
 * so that it never runs on the event loop. Jobs run in order on the worker; each job's
 * done callback then runs on the loop thread.
 */
#ifndef LOOM_WORKER_H
#define LOOM_WORKER_H

struct event_base;
struct worker;

typedef void (*work_fn)(void *arg); /* on the worker thread; must not touch loop state */
typedef void (*done_fn)(void *arg); /* on the loop thread, after work_fn returned */

struct worker *worker_new(struct event_base *base, const char *name);
void worker_submit(struct worker *w, work_fn work, done_fn done, void *arg);
/* Jobs queued but not yet done. */
int worker_pending(const struct worker *w);
/* Finishes queued jobs (their done callbacks are not called), joins and frees. */
void worker_free(struct worker *w);

#endif

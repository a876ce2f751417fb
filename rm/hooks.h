/*
 * Running hook executables from rmd's loop without ever blocking it: fork/exec in its own
 * process group, the input written to a pipe on its stdin, its stdout read through a
 * non-blocking pipe that the loop watches, a timeout (SIGTERM to the group, SIGKILL after
 * HOOK_KILL_GRACE_MS) and bounded retries with doubling backoff (1s, 2s, 4s ... 30s).
 * The child's stderr is rmd's (its log).
 */
#ifndef LOOM_RM_HOOKS_H
#define LOOM_RM_HOOKS_H

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#define HOOK_KILL_GRACE_MS 2000
#define HOOK_OUT_MAX (64 * 1024)

struct hook_run;

/*
 * Called after every run: final is false when a retry follows. ok when the hook exited
 * 0 in time; out is its stdout (NUL-terminated, at most HOOK_OUT_MAX bytes); result says
 * what happened for people ("exit 0 after 0.4s", "timed out after 30s: killed").
 */
typedef void (*hook_done_fn)(void *arg, bool final, bool ok, const char *out,
			     const char *result);

/* Starts argv[0] with argv (copied) and input on stdin. Never fails: a hook that cannot be
 * started reports a failed run through fn. */
struct hook_run *hook_start(struct event_base *base, char *const *argv, const char *input,
			    int64_t timeout_ms, int32_t retries, hook_done_fn fn, void *arg);
/* Kills a running hook (SIGKILL to its group), reaps it and frees r; fn is not called. */
void hook_cancel(struct hook_run *r);

#endif

/*
 * Frameworks in rmd: the registry of frameworks (by name; a connection while connected,
 * a disconnect time while not), what they are told (container and node events), and
 * what happens when one goes away (framework_grace, then everything of it is released).
 * A framework's requests are ordinary jobs whose spec.framework is its name; the
 * registry holds no job list of its own (the jobs are found by that name).
 */
#ifndef LOOM_RM_FRAMEWORK_H
#define LOOM_RM_FRAMEWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "rm.h"

struct framework {
	char name[PROTO_NAME_MAX];
	char queue[PROTO_NAME_MAX];
	char user[PROTO_NAME_MAX];
	struct peer *peer;      /* NULL while disconnected */
	int64_t gone_ms;        /* mono ms it disconnected (or recovery ended); 0: connected */
	bool reply_held;        /* registered while rmd recovered: answered when recovery ends */
	uint64_t reply_id;      /* ... to this request */
	struct framework *next;
};

void framework_start(struct rmd *rmd);
void framework_stop(struct rmd *rmd);
struct framework *framework_find(struct rmd *rmd, const char *name);
/* A new entry for name (not yet in the registry), disconnected. */
struct framework *framework_add(struct rmd *rmd, const char *name);
/* Releases every container and pending request of fw and drops it from the registry. */
void framework_remove(struct rmd *rmd, struct framework *fw, const char *reason);
/* Its connection closed: the grace starts. */
void framework_disconnected(struct rmd *rmd, struct framework *fw, const char *why);
/* Cron: frameworks gone for framework_grace lose everything. */
void framework_tick(struct rmd *rmd);
/* Recovery ended: frameworks with unfinished jobs that have not registered again get
 * their grace from now. */
void framework_recovered(struct rmd *rmd);
/* True when fw has an unfinished request job. */
bool framework_has_jobs(struct rmd *rmd, const struct framework *fw);

/* Pushes (to the owner of a's job, when connected). */
void framework_allocated(struct rmd *rmd, struct rm_attempt *a);
void framework_preempting(struct rmd *rmd, struct rm_attempt *a, int64_t grace_ms,
			  const char *reason);
/* Fills e with a's identity (container, request, node, host, res). */
void framework_event_fill(const struct rm_attempt *a, int kind, struct msg_container_event *e);

/* ---- msg-framework.c -------------------------------------------------------------- */

/* Answers fw's registration (request id) with the resync when resumed. */
void framework_send_registered(struct rmd *rmd, struct framework *fw, uint64_t id,
			       bool resumed);

void msg_framework_register(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_container_request(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_container_launch(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_container_release(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);
void msg_framework_unregister(struct peer *p, uint64_t id, const msgpack_object *obj,
			      void *ctx);

#endif

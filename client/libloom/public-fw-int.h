/* The framework handle (struct loom_fw), shared by public-fw.c (the asynchronous core)
 * and public-fw-blocking.c (loom_fw_open / loom_fw_next). Not installed. */
#ifndef LOOM_PUBLIC_FW_INT_H
#define LOOM_PUBLIC_FW_INT_H

#include "public-int.h"

/* A container event kept for loom_fw_next, with its own copy of the reason. */
struct fw_queued {
	struct loom_container_event ev;
	char reason[PROTO_REASON_MAX];
	struct fw_queued *next;
};

/* One request in flight on an asynchronous handle (freed with the handle if unanswered). */
struct fw_pending {
	struct loom_fw *fw;
	int type;
	char target[64];  /* the container of a launch, the target of a release */
	void (*done)(struct loom_fw *, int, const char *, void *);
	void *arg;
	struct fw_pending *next;
};

struct loom_fw {
	struct event_base *base;
	struct loom_conn *conn;         /* NULL once stopped */
	struct loom_fw_cbs cbs;
	struct msg_fw_register reg;     /* name, queue, user as sent */
	char error[PROTO_REASON_MAX + 256];
	bool registered, closed;
	struct fw_pending *pending;

	/* Never freed inside its own callbacks: busy counts them, doomed defers the free. */
	int busy;
	bool doomed;

	/* blocking form (loom_fw_open): own loop, events queued for loom_fw_next */
	struct event_base *own_base;
	struct fw_queued *head, *tail;
	struct fw_queued *current;      /* the event loom_fw_next returned last */
	bool resumed;
	struct loom_container *live;
	size_t nlive;
};

/* Creates the handle and starts connecting; NULL (err filled) for bad options. */
struct loom_fw *fw_create(struct event_base *base, const struct loom_fw_opts *o,
			  const struct loom_fw_cbs *cbs, char *err, size_t errlen);
/* Sends a request built from msg; blocking handles wait for the reply. */
int fw_send(struct loom_fw *fw, int type, loom_build_fn build, const void *msg,
	    const char *target, void (*done)(struct loom_fw *, int, const char *, void *),
	    void *arg);
/* A live container of the register reply in the public form. */
void fw_container_out(const struct fw_container *in, struct loom_container *out);
/* Converts a protocol container event to the public form (reason borrowed from m). */
void fw_event_out(const struct msg_container_event *m, struct loom_container_event *ev);

#endif

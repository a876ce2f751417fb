/*
 * Inside the queue-tree loader (conf-queues.c, conf-queue-keys.c): the state of one load,
 * its error formatter, and the reader of one queue's keys. Callers use conf-queues.h.
 */
#ifndef LOOM_RM_CONF_QUEUE_KEYS_H
#define LOOM_RM_CONF_QUEUE_KEYS_H

#include <libconfig.h>
#include <stddef.h>

#include "conf-queues.h"

/* What one load carries along: the file's name (for messages) and the error buffer. */
struct qload {
	const char *file;
	struct queue_tree *t;
	size_t nqueues;
	char *err;
	size_t errlen;
};

/* "file:line: queue PATH: ..." into the error buffer (qpath NULL: no queue); returns -1. */
int qload_bad(struct qload *x, const config_setting_t *s, const char *qpath, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));

/* Reads the keys of queue group g into c (defaults first) and checks them together. */
int queue_keys(struct qload *x, const config_setting_t *g, const char *qpath,
	       struct queue_conf *c);

#endif

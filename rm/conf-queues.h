/*
 * Reading the queue tree from rmd.conf's `queues` group (conf-queues.c). rmd loads it at
 * start and on `rmctl queues reload`; rmsim reads the same group to replay traces through
 * the same queues. A file without `queues` gives the tree of one leaf, "default".
 *
 *   queues = {
 *     default = "batch";          # the leaf for jobs that name none
 *     prod = {
 *       guaranteed = 60;          # % of the parent's, every resource, or per resource:
 *                                 #   guaranteed = { vcores = 60; memory = 50; gpus = 100; };
 *       maximum = 100;            # same forms
 *       weight = 2.0;
 *       max_running_jobs = 0;     # 0 = no limit
 *       user_max_running_jobs = 0;
 *       user_max_share = 100;     # % of the queue's maximum one user may hold
 *       state = "RUNNING";        # or "STOPPED": refuses new jobs, finishes the rest
 *       preemptable = true;
 *       order = "auto";           # "fifo", "loom", or "auto" (loom once jobs have --time)
 *       queues = { etl = { guaranteed = 70; }; adhoc = { guaranteed = 30; }; };
 *     };
 *     batch = { guaranteed = 40; };
 *   };
 */
#ifndef LOOM_RM_CONF_QUEUES_H
#define LOOM_RM_CONF_QUEUES_H

#include <stddef.h>

#include "queue.h"

/*
 * Reads the queues of the libconfig file at path into t (initialised here; derived with
 * queue_tree_derive). Returns 0, or -1 with err naming file:line and the setting when
 * anything is wrong: then t is freed and nothing else changed.
 */
int conf_queues_load(const char *path, struct queue_tree *t, char *err, size_t errlen);

#endif

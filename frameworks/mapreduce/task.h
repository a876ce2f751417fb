/*
 * loom-mr-task: the runner that loom-mapreduce launches in each container. It feeds a map
 * split into the user's map command and partitions what it prints, or sorts one reduce
 * partition of every committed map output into the user's reduce command.
 */
#ifndef LOOM_MR_TASK_H
#define LOOM_MR_TASK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum { TASK_EXIT_IO = 1, TASK_EXIT_USAGE = 2, TASK_EXIT_CMD = 3 };

/* One byte range of one input file: the lines that start in [off, off + len). */
struct task_seg {
	const char *path;
	uint64_t off, len;
};

struct task_args {
	int64_t index;          /* this map's or reduce's number */
	int64_t maps, reduces;  /* M and R */
	const char *out;        /* map: attempt directory; reduce: attempt output file */
	const char *shuffle;    /* reduce: <workdir>/shuffle holding the committed map-NNNNN */
	struct task_seg *segs;  /* map: its split */
	size_t nsegs, segcap;
	const char *cmd;        /* the user's command, run by /bin/sh -c */
};

int task_map(const struct task_args *a);
int task_reduce(const struct task_args *a);

/* Writes the lines of seg to fd (Hadoop's LineRecordReader rule); 0, or -1 on a read
 * error. A reader that goes away (EPIPE) is not an error: the command chose to stop. */
int task_feed(const struct task_seg *seg, int fd);

/* Starts /bin/sh -c cmd with stdin/stdout on the given descriptors (closed in the child
 * afterwards); other descriptors in close_fds (-1 ends) are closed in the child. */
pid_t task_spawn_sh(const char *cmd, int in, int out, const int *close_fds);
/* Sets LOOM_MR_PHASE, LOOM_MR_INDEX and k=v for the user's command. */
void task_env(const char *phase, int64_t index, const char *k, int64_t v);
/* Waits for pid; 0 when it exited 0, else -1 after a message naming what. */
int task_wait(pid_t pid, const char *what);

#endif

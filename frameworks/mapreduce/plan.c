/*
 * loom-mapreduce: the plan. The inputs are seen as one byte stream cut into M ranges of
 * equal size (within one byte); a range that crosses a file boundary becomes one segment
 * per file. The runner aligns each segment to lines, so no line is read twice or lost.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mr.h"
#include "util.h"

/* Adds to t the parts of the global range [lo, hi) that fall in the file at [base, +size). */
static void add_segs(struct mr_task *t, const char *path, uint64_t base, uint64_t size,
		     uint64_t lo, uint64_t hi, size_t *cap)
{
	uint64_t a = lo > base ? lo : base, b = hi < base + size ? hi : base + size;

	if (a >= b)
		return;
	t->segs = mr_grow(t->segs, cap, t->nsegs + 1, sizeof *t->segs);
	t->segs[t->nsegs++] = (struct mr_seg){ path, a - base, b - a };
}

static void init_tasks(struct mr_task *v, int64_t n, enum mr_kind kind, enum mr_tstate st)
{
	for (int64_t i = 0; i < n; i++)
		v[i] = (struct mr_task){ .kind = kind, .index = (int)i, .state = st };
}

void plan_splits(struct mr_job *j)
{
	uint64_t *sizes = mr_calloc(j->o.ninputs, sizeof *sizes), total = 0, m = (uint64_t)j->o.maps;
	struct stat st;

	for (size_t f = 0; f < j->o.ninputs; f++) {
		if (stat(j->o.inputs[f], &st) < 0)
			mr_die(2, "--input %s: %s", j->o.inputs[f], strerror(errno));
		if (!S_ISREG(st.st_mode))
			mr_die(2, "--input %s: not a regular file", j->o.inputs[f]);
		sizes[f] = (uint64_t)st.st_size;
		total += sizes[f];
	}
	j->maps = mr_calloc((size_t)j->o.maps, sizeof *j->maps);
	j->reduces = mr_calloc((size_t)j->o.reduces, sizeof *j->reduces);
	init_tasks(j->maps, j->o.maps, MR_MAP, T_ACTIVE);
	init_tasks(j->reduces, j->o.reduces, MR_REDUCE, T_WAITING);
	for (uint64_t i = 0; i < m; i++) {
		/* split sizes differ by at most one byte, as loom-revsum's */
		uint64_t lo = i * (total / m) + (i < total % m ? i : total % m);
		uint64_t hi = lo + total / m + (i < total % m), base = 0;
		size_t cap = 0;
		for (size_t f = 0; f < j->o.ninputs; base += sizes[f], f++)
			add_segs(&j->maps[i], j->o.inputs[f], base, sizes[f], lo, hi, &cap);
	}
	free(sizes);
}

void strv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

char *plan_attempt_path(const struct mr_job *j, const struct mr_attempt *a)
{
	const struct mr_task *t = a->task;

	if (t->kind == MR_MAP)
		return mr_asprintf("%s/_attempts/map-%05d.%s", j->shuffle, t->index, a->container);
	return mr_asprintf("%s/_attempts/part-%05d.%s", j->o.output, t->index, a->container);
}

char *plan_final_path(const struct mr_job *j, const struct mr_task *t)
{
	if (t->kind == MR_MAP)
		return mr_asprintf("%s/map-%05d", j->shuffle, t->index);
	return mr_asprintf("%s/part-%05d", j->o.output, t->index);
}

static void push(char ***v, size_t *n, size_t *cap, char *s)
{
	*v = mr_grow(*v, cap, *n + 2, sizeof **v);
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

char **plan_argv(const struct mr_job *j, const struct mr_attempt *a)
{
	const struct mr_task *t = a->task;
	bool map = t->kind == MR_MAP;
	char **v = NULL;
	size_t n = 0, cap = 0;

	push(&v, &n, &cap, mr_strdup(j->o.task_bin));
	push(&v, &n, &cap, mr_strdup(map ? "map" : "reduce"));
	push(&v, &n, &cap, mr_strdup("--index"));
	push(&v, &n, &cap, mr_asprintf("%d", t->index));
	push(&v, &n, &cap, mr_strdup(map ? "--reduces" : "--maps"));
	push(&v, &n, &cap, mr_asprintf("%" PRId64, map ? j->o.reduces : j->o.maps));
	push(&v, &n, &cap, mr_strdup("--out"));
	push(&v, &n, &cap, plan_attempt_path(j, a));
	if (!map) {
		push(&v, &n, &cap, mr_strdup("--shuffle"));
		push(&v, &n, &cap, mr_strdup(j->shuffle));
	}
	for (size_t i = 0; map && i < t->nsegs; i++) {
		push(&v, &n, &cap, mr_strdup("--split"));
		push(&v, &n, &cap, mr_asprintf("%" PRIu64, t->segs[i].off));
		push(&v, &n, &cap, mr_asprintf("%" PRIu64, t->segs[i].len));
		push(&v, &n, &cap, mr_strdup(t->segs[i].path));
	}
	push(&v, &n, &cap, mr_strdup("--"));
	push(&v, &n, &cap, mr_strdup(map ? j->o.map_cmd : j->o.reduce_cmd));
	return v;
}

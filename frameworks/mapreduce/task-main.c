/*
 * loom-mr-task: the runner loom-mapreduce launches in each container.
 *
 *   loom-mr-task map --index M --reduces R --out ATTEMPT_DIR
 *                    [--split OFFSET LENGTH FILE]... -- COMMAND
 *   loom-mr-task reduce --index R --maps M --shuffle WORKDIR/shuffle --out ATTEMPT_FILE
 *                    -- COMMAND
 *
 * COMMAND runs under /bin/sh -c. Exit codes: 0 ok, 1 I/O error, 2 usage, 3 the command
 * failed. See README.md for the whole contract.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "task.h"
#include "util.h"

/* One flag: how many values it takes and what it fills. */
struct flag {
	const char *name;
	int (*set)(struct task_args *a, char **v);
	int nvals;
};

static int set_i64(char *v, int64_t *out)
{
	return mr_parse_i64(v, out) < 0 || *out < 0 ? -1 : 0;
}

static int f_index(struct task_args *a, char **v) { return set_i64(v[0], &a->index); }
static int f_maps(struct task_args *a, char **v) { return set_i64(v[0], &a->maps); }
static int f_reduces(struct task_args *a, char **v) { return set_i64(v[0], &a->reduces); }
static int f_out(struct task_args *a, char **v) { a->out = v[0]; return 0; }
static int f_shuffle(struct task_args *a, char **v) { a->shuffle = v[0]; return 0; }

static int f_split(struct task_args *a, char **v)
{
	struct task_seg s = { .path = v[2] };

	if (mr_parse_u64(v[0], &s.off) < 0 || mr_parse_u64(v[1], &s.len) < 0)
		return -1;
	a->segs = mr_grow(a->segs, &a->segcap, a->nsegs + 1, sizeof *a->segs);
	a->segs[a->nsegs++] = s;
	return 0;
}

static const struct flag flags[] = {
	{ "--index", f_index, 1 },     { "--maps", f_maps, 1 },
	{ "--reduces", f_reduces, 1 }, { "--out", f_out, 1 },
	{ "--shuffle", f_shuffle, 1 }, { "--split", f_split, 3 },
};

static _Noreturn void usage(const char *why)
{
	mr_die(TASK_EXIT_USAGE, "%s\nusage: loom-mr-task map --index M --reduces R --out DIR "
	       "[--split OFFSET LENGTH FILE]... -- COMMAND\n"
	       "       loom-mr-task reduce --index R --maps M --shuffle DIR --out FILE -- COMMAND",
	       why);
}

static void parse(int argc, char **argv, struct task_args *a)
{
	int i = 2;

	while (i < argc && strcmp(argv[i], "--") != 0) {
		const struct flag *f = NULL;
		for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
			if (strcmp(argv[i], flags[k].name) == 0)
				f = &flags[k];
		if (f == NULL)
			usage(mr_asprintf("unknown option '%s'", argv[i]));
		if (i + f->nvals >= argc || f->set(a, argv + i + 1) < 0)
			usage(mr_asprintf("bad or missing value for %s", argv[i]));
		i += 1 + f->nvals;
	}
	if (i + 2 != argc)
		usage("expected '-- COMMAND' (one argument) at the end");
	a->cmd = argv[i + 1];
	if (a->out == NULL || a->index < 0)
		usage("--out and --index are required");
}

static int run_map(const struct task_args *a)
{
	if (a->reduces < 1)
		usage("map needs --reduces >= 1");
	return task_map(a);
}

static int run_reduce(const struct task_args *a)
{
	if (a->maps < 1 || a->shuffle == NULL)
		usage("reduce needs --maps >= 1 and --shuffle");
	return task_reduce(a);
}

static const struct verb {
	const char *name;
	int (*run)(const struct task_args *a);
} verbs[] = { { "map", run_map }, { "reduce", run_reduce } };

int main(int argc, char **argv)
{
	struct task_args a = { .index = -1 };

	mr_prog = "loom-mr-task";
	if (argc < 2)
		usage("no verb");
	for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++) {
		if (strcmp(argv[1], verbs[k].name) != 0)
			continue;
		parse(argc, argv, &a);
		int rc = verbs[k].run(&a);
		free(a.segs);
		return rc;
	}
	usage(mr_asprintf("unknown verb '%s'", argv[1]));
}

/*
 * rmctl queues [reload]: the queue tree as a table (queue_list), one row per queue,
 * indented by depth, with its guaranteed and maximum share, what it holds now and its
 * jobs; `rmctl queues reload` has rmd read its queues from rmd.conf again.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client.h"

/* "40" for 0.4, "12.5" for 0.125; "-" when rmd did not send it. */
static void pct_cell(struct table *t, const msgpack_object *q, const char *key)
{
	double v;

	if (!view_double(q, key, &v) || !isfinite(v) || v < 0)
		table_cell(t, NULL);
	else if (fabs(v * 100 - round(v * 100)) < 0.05)
		table_cellf(t, "%.0f", v * 100);
	else
		table_cellf(t, "%.1f", v * 100);
}

static void int_cell(struct table *t, const msgpack_object *q, const char *key)
{
	int64_t v;

	if (view_int(q, key, &v))
		table_cellf(t, "%lld", (long long)v);
	else
		table_cell(t, NULL);
}

/* USERS of a leaf: how many users hold something or run jobs in it; "-" for inner ones. */
static void users_cell(struct table *t, const msgpack_object *q)
{
	const msgpack_object *leaf = mpr_get(q, "leaf");
	const msgpack_object_array *u = view_array(q, "users");

	if (leaf != NULL && leaf->type == MSGPACK_OBJECT_BOOLEAN && !leaf->via.boolean)
		table_cell(t, NULL);
	else
		table_cellf(t, "%u", u != NULL ? u->size : 0);
}

static void queue_row(struct table *t, const msgpack_object *q)
{
	char name[PROTO_NAME_MAX], b[PROTO_NAME_MAX + 64];
	int64_t depth = 0;
	double starving = 0;

	view_int(q, "depth", &depth);
	if (depth < 0 || depth > 32)
		depth = 0;
	view_str(q, "name", name, sizeof name);
	table_row(t);
	table_cellf(t, "%*s%s", (int)depth * 2, "", name);
	table_cell(t, view_str(q, "state", b, sizeof b));
	pct_cell(t, q, "guarantee");
	pct_cell(t, q, "maximum");
	pct_cell(t, q, "share");
	int_cell(t, q, "jobs_running");
	int_cell(t, q, "jobs_pending");
	int_cell(t, q, "preempted");
	users_cell(t, q);
	if (view_double(q, "starving_s", &starving) && starving > 0) {
		snprintf(b, sizeof b, "%*s  below its guarantee with pending work for %.0fs",
			 (int)depth * 2, "", starving);
		table_note(t, b);
	}
}

void queues_print(const msgpack_object *reply, FILE *out, int width)
{
	static const char *const hdr[] = { "QUEUE",   "STATE",   "GUAR%",     "MAX%", "USED%",
					   "RUNNING", "PENDING", "PREEMPTED", "USERS" };
	const msgpack_object_array *qs = view_array(reply, "queues");
	const msgpack_object *pre = mpr_get(reply, "preemption");
	struct table *t = table_new(hdr, 9);
	char def[PROTO_NAME_MAX];

	for (uint32_t i = 0; qs != NULL && i < qs->size; i++)
		queue_row(t, &qs->ptr[i]);
	table_print(t, out, width);
	table_free(t);
	fprintf(out, "\ndefault queue: %s, preemption: %s\n",
		view_str(reply, "default", def, sizeof def),
		pre == NULL || pre->type != MSGPACK_OBJECT_BOOLEAN ? "-"
		: pre->via.boolean ? "on" : "off");
}

static int queues_list(struct rmctl *ctx)
{
	msgpack_unpacked reply;
	int rc = rmctl_call(ctx, MSG_QUEUE_LIST, NULL, NULL, &reply);

	if (rc == EXIT_OK && ctx->json)
		print_json(&reply.data, stdout);
	else if (rc == EXIT_OK && rmctl_payload(&reply, "queues") == NULL)
		rc = EXIT_FAIL;
	else if (rc == EXIT_OK)
		queues_print(&reply.data, stdout, term_width(1));
	msgpack_unpacked_destroy(&reply);
	return rc;
}

static int queues_reload(struct rmctl *ctx)
{
	msgpack_unpacked reply;
	struct loom_queue_reload r;
	struct mpr_err e;
	int rc = rmctl_call(ctx, MSG_QUEUE_RELOAD, NULL, NULL, &reply);

	if (rc == EXIT_OK && ctx->json) {
		print_json(&reply.data, stdout);
	} else if (rc == EXIT_OK && loom_queue_reload_decode(&reply.data, &r, &e) < 0) {
		fprintf(stderr, "rmctl: rmd's reply to queue_reload: %s: %s\n", e.field, e.msg);
		rc = EXIT_FAIL;
	} else if (rc == EXIT_OK) {
		printf("queues reloaded: %lld queues, default %s\n", (long long)r.queues,
		       r.default_leaf);
	}
	msgpack_unpacked_destroy(&reply);
	return rc;
}

/* The subcommands: none lists, "reload" reloads. */
static const struct {
	const char *name;
	int (*run)(struct rmctl *ctx);
} subcommands[] = {
	{ "list", queues_list },
	{ "reload", queues_reload },
};

static int cmd_queues_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	const char *sub = a->argc > 0 ? a->argv[0] : "list";

	if (a->opt['j'] != NULL)
		ctx->json = true;
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		if (strcmp(subcommands[i].name, sub) == 0)
			return subcommands[i].run(ctx);
	fprintf(stderr, "rmctl queues: unknown subcommand '%s' (list or reload)\n", sub);
	cmd_usage(&cmd_queues_entry, stderr);
	return EXIT_USAGE;
}

static const struct option queues_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_queues_entry = {
	.name = "queues",
	.usage = "[list | reload] [--json]",
	.summary = "the queue tree with shares, use and jobs; reload: rmd reads its queues "
		   "again (admin)",
	.opts = "",
	.longopts = queues_longopts,
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_queues_exec,
};

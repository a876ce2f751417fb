/* rmctl nodes: the node table, with usage against capacity and heartbeat ages; with a
 * node's name, that node and its live attempts. */
#include <stdio.h>
#include <unistd.h>

#include "client.h"
#include "timeutil.h"

/* "used/total" of one resource component, through fmt (fmt_vcores, fmt_mem or NULL). */
static void usage_cell(struct table *t, bool have_used, bool have_cap, int64_t used,
		       int64_t cap, char *(*fmt)(int64_t, char *, size_t))
{
	char u[FMT_BUFSZ], c[FMT_BUFSZ];

	if (!have_cap) {
		table_cell(t, NULL);
		return;
	}
	if (fmt == NULL) {
		snprintf(u, sizeof u, "%lld", (long long)used);
		snprintf(c, sizeof c, "%lld", (long long)cap);
	} else {
		fmt(used, u, sizeof u);
		fmt(cap, c, sizeof c);
	}
	table_cellf(t, "%s/%s", have_used ? u : "-", c);
}

static void node_row(struct table *t, const msgpack_object *n)
{
	char b[PROTO_REASON_MAX];
	struct res cap, used;
	bool hc = view_res(n, "capacity", &cap), hu = view_res(n, "used", &used);
	int64_t v;

	table_row(t);
	table_cell(t, view_str(n, "name", b, sizeof b));
	table_cell(t, view_str(n, "state", b, sizeof b));
	table_cell(t, view_str(n, "host", b, sizeof b));
	usage_cell(t, hu, hc, used.vcores_m, cap.vcores_m, fmt_vcores);
	usage_cell(t, hu, hc, used.mem_mb, cap.mem_mb, fmt_mem);
	usage_cell(t, hu, hc, used.gpus, cap.gpus, NULL);
	if (view_int(n, "attempts", &v))
		table_cellf(t, "%lld", (long long)v);
	else
		table_cell(t, NULL);
	table_cell(t, view_int(n, "heartbeat_age_ms", &v) ? fmt_elapsed(v, b, sizeof b) : NULL);
	table_cell(t, view_strlist(n, "labels", ",", b, sizeof b));
	table_cell(t, view_str(n, "reason", b, sizeof b));
}

/* The "attempts" of a node_list naming one node (docs/PROTOCOL.md). */
static void print_attempts(const msgpack_object *atts)
{
	static const char *const hdr[] = { "ATTEMPT", "JOB", "TASK", "STATE", "PROGRESS",
					   "STARTED" };
	struct table *t = table_new(hdr, 6);
	int64_t now = wall_us(), v;
	char b[64];
	double p;

	for (uint32_t i = 0; i < atts->via.array.size; i++) {
		const msgpack_object *a = &atts->via.array.ptr[i];
		table_row(t);
		table_cell(t, view_str(a, "id", b, sizeof b));
		table_cell(t, view_str(a, "job", b, sizeof b));
		if (view_int(a, "task", &v))
			table_cellf(t, "%lld", (long long)v);
		else
			table_cell(t, NULL);
		table_cell(t, view_str(a, "state", b, sizeof b));
		if (view_double(a, "progress", &p))
			table_cellf(t, "%.0f%%", p * 100);
		else
			table_cell(t, NULL);
		table_cell(t, view_int(a, "start_us", &v) ? fmt_age(now, v, b, sizeof b) : NULL);
	}
	printf("\n%u live attempt%s\n", atts->via.array.size,
	       atts->via.array.size == 1 ? "" : "s");
	if (atts->via.array.size > 0)
		table_print(t, stdout, term_width(STDOUT_FILENO));
	table_free(t);
}

static int cmd_nodes_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	static const char *const hdr[] = { "NODE",   "STATE", "HOST",     "VCORES", "MEMORY",
					   "GPUS",   "ATTEMPTS", "HEARTBEAT", "LABELS", "REASON" };
	struct msg_list_request req = { .limit = 0 };
	msgpack_unpacked reply;
	const msgpack_object *nodes, *atts;

	if (a->argc == 1)
		snprintf(req.name, sizeof req.name, "%s", a->argv[0]);
	int rc = rmctl_call(ctx, MSG_NODE_LIST, loom_build_list_request, &req, &reply);

	if (rc == EXIT_OK && ctx->json) {
		print_json(&reply.data, stdout);
	} else if (rc == EXIT_OK && (nodes = rmctl_payload(&reply, "nodes")) != NULL &&
		   nodes->type == MSGPACK_OBJECT_ARRAY && a->argc == 1 &&
		   nodes->via.array.size == 0) {
		fprintf(stderr, "rmctl: nodes: no node named '%s'\n", a->argv[0]);
		rc = EXIT_FAIL;
	} else if (rc == EXIT_OK && nodes != NULL && nodes->type == MSGPACK_OBJECT_ARRAY) {
		struct table *t = table_new(hdr, 10);
		for (uint32_t i = 0; i < nodes->via.array.size; i++)
			node_row(t, &nodes->via.array.ptr[i]);
		table_print(t, stdout, term_width(STDOUT_FILENO));
		table_free(t);
		if (a->argc == 1 && (atts = rmctl_payload(&reply, "attempts")) != NULL &&
		    atts->type == MSGPACK_OBJECT_ARRAY)
			print_attempts(atts);
	} else if (rc == EXIT_OK) {
		rc = EXIT_FAIL;
	}
	msgpack_unpacked_destroy(&reply);
	return rc;
}

const struct cmd_entry cmd_nodes_entry = {
	.name = "nodes",
	.usage = "[NODE]",
	.summary = "list nodes: state, usage/capacity, heartbeat, labels; NODE: its attempts",
	.opts = "",
	.longopts = NULL,
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_nodes_exec,
};

/* rmctl nodes: the node table, with usage against capacity and heartbeat ages. */
#include <stdio.h>
#include <unistd.h>

#include "client.h"

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

static int cmd_nodes_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	static const char *const hdr[] = { "NODE",   "STATE", "HOST",     "VCORES", "MEMORY",
					   "GPUS",   "ATTEMPTS", "HEARTBEAT", "LABELS", "REASON" };
	struct msg_list_request req = { .limit = 0 };
	msgpack_unpacked reply;
	const msgpack_object *nodes;
	int rc = rmctl_call(ctx, MSG_NODE_LIST, loom_build_list_request, &req, &reply);

	if (rc == EXIT_OK && ctx->json) {
		print_json(&reply.data, stdout);
	} else if (rc == EXIT_OK && (nodes = rmctl_payload(&reply, "nodes")) != NULL &&
		   nodes->type == MSGPACK_OBJECT_ARRAY) {
		struct table *t = table_new(hdr, 10);
		for (uint32_t i = 0; i < nodes->via.array.size; i++)
			node_row(t, &nodes->via.array.ptr[i]);
		table_print(t, stdout, term_width(STDOUT_FILENO));
		table_free(t);
	} else if (rc == EXIT_OK) {
		rc = EXIT_FAIL;
	}
	msgpack_unpacked_destroy(&reply);
	return rc;
}

const struct cmd_entry cmd_nodes_entry = {
	.name = "nodes",
	.usage = "",
	.summary = "list nodes: state, usage/capacity, heartbeat, labels",
	.opts = "",
	.longopts = NULL,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_nodes_exec,
};

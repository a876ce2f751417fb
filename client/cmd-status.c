/* rmctl status: the cluster in a few lines (cluster_info). */
#include <stdio.h>

#include "client.h"

static void line(const char *name, const char *value)
{
	printf("%-11s%s\n", name, value);
}

/* "2.5/12 used" of one resource component. */
static void res_line(const char *name, bool have, int64_t used, int64_t cap,
		     char *(*fmt)(int64_t, char *, size_t))
{
	char u[FMT_BUFSZ], c[FMT_BUFSZ], b[2 * FMT_BUFSZ + 8];

	if (!have) {
		line(name, "-");
		return;
	}
	snprintf(b, sizeof b, "%s/%s used", fmt(used, u, sizeof u), fmt(cap, c, sizeof c));
	line(name, b);
}

static char *count(int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", (long long)v);
	return buf;
}

/* An integer field of the view as text, "-" when rmd did not send it. */
static char *field_num(const msgpack_object *ci, const char *key, char *buf, size_t len)
{
	int64_t v;

	if (!view_int(ci, key, &v))
		snprintf(buf, len, "-");
	else
		count(v, buf, len);
	return buf;
}

static void print_status(const msgpack_object *ci)
{
	char b[256], x[FMT_BUFSZ], y[FMT_BUFSZ];
	struct res cap, used;
	bool have = view_res(ci, "capacity", &cap) && view_res(ci, "used", &used);

	line("protocol:", field_num(ci, "version", b, sizeof b));
	snprintf(b, sizeof b, "%s (%s running)", field_num(ci, "nodes", x, sizeof x),
		 field_num(ci, "nodes_running", y, sizeof y));
	line("nodes:", b);
	res_line("vcores:", have, used.vcores_m, cap.vcores_m, fmt_vcores);
	res_line("memory:", have, used.mem_mb, cap.mem_mb, fmt_mem);
	res_line("gpus:", have, used.gpus, cap.gpus, count);
	snprintf(b, sizeof b, "%s running, %s pending", field_num(ci, "jobs_running", x, sizeof x),
		 field_num(ci, "jobs_pending", y, sizeof y));
	line("jobs:", b);
}

static int cmd_status_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	msgpack_unpacked reply;
	int rc = rmctl_call(ctx, MSG_CLUSTER_INFO, NULL, NULL, &reply);

	if (rc == EXIT_OK && ctx->json)
		print_json(&reply.data, stdout);
	else if (rc == EXIT_OK)
		print_status(&reply.data);
	msgpack_unpacked_destroy(&reply);
	return rc;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "",
	.summary = "cluster summary: nodes, capacity and use, jobs",
	.opts = "",
	.longopts = NULL,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_status_exec,
};

/*
 * rmctl drain NODE [--timeout DURATION] [--reason TEXT]: the node takes no new work, its
 * running attempts may finish for the timeout (rmd's drain_timeout by default), then the
 * rest are moved elsewhere and the node is DECOMMISSIONED. rmctl undrain NODE puts a
 * DRAINING node back to work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static void build_drain(struct mpw *w, int type, uint64_t id, const void *arg)
{
	msg_encode_node_drain(w, type, id, arg);
}

/* "90s", "10m", "1h", "500ms", or a bare number of seconds; -1 when malformed. */
static int64_t parse_duration_ms(const char *s)
{
	static const struct { const char *suffix; int64_t mult; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || v < 0 || v > 365LL * 24 * 3600)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(end, units[i].suffix) == 0)
			return (int64_t)v * units[i].mult;
	return -1;
}

/* Sends type for the node in a->argv[0]; prints "node-1 DRAINING" or the JSON reply. */
static int drain_call(struct rmctl *ctx, int type, const struct msg_node_drain *req)
{
	msgpack_unpacked reply;
	char node[PROTO_NAME_MAX], state[32];
	int rc = rmctl_call(ctx, type, build_drain, req, &reply);

	if (rc == EXIT_OK && ctx->json)
		print_json(&reply.data, stdout);
	else if (rc == EXIT_OK)
		printf("%s %s\n", view_str(&reply.data, "node", node, sizeof node),
		       view_str(&reply.data, "state", state, sizeof state));
	msgpack_unpacked_destroy(&reply);
	return rc;
}

/* The request for a->argv[0]; -1 (usage printed) for a bad name. */
static int drain_request(const char *verb, const struct cmd_args *a, struct msg_node_drain *req)
{
	memset(req, 0, sizeof *req);
	req->timeout_ms = -1;
	if (strlen(a->argv[0]) >= sizeof req->node || a->argv[0][0] == '\0') {
		fprintf(stderr, "rmctl %s: '%s' is not a node name\n", verb, a->argv[0]);
		return -1;
	}
	snprintf(req->node, sizeof req->node, "%s", a->argv[0]);
	return 0;
}

static int cmd_drain_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	struct msg_node_drain req;

	if (drain_request("drain", a, &req) < 0)
		return EXIT_USAGE;
	if (a->opt['t'] != NULL && (req.timeout_ms = parse_duration_ms(a->opt['t'])) < 0) {
		fprintf(stderr, "rmctl drain: --timeout '%s' is not a duration (e.g. 90s, 10m)\n",
			a->opt['t']);
		return EXIT_USAGE;
	}
	snprintf(req.reason, sizeof req.reason, "%s",
		 a->opt['r'] != NULL ? a->opt['r'] : "drained with rmctl");
	return drain_call(ctx, MSG_NODE_DRAIN, &req);
}

static int cmd_undrain_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	struct msg_node_drain req;

	if (drain_request("undrain", a, &req) < 0)
		return EXIT_USAGE;
	return drain_call(ctx, MSG_NODE_UNDRAIN, &req);
}

static const struct option drain_longopts[] = {
	{ "timeout", required_argument, NULL, 't' },
	{ "reason", required_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_drain_entry = {
	.name = "drain",
	.usage = "NODE [--timeout DURATION] [--reason TEXT]",
	.summary = "no new work on NODE; running attempts finish (moved after the timeout), "
		   "then it is decommissioned",
	.opts = "t:r:",
	.longopts = drain_longopts,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_drain_exec,
};

const struct cmd_entry cmd_undrain_entry = {
	.name = "undrain",
	.usage = "NODE",
	.summary = "a DRAINING node takes new work again",
	.opts = "",
	.longopts = NULL,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_undrain_exec,
};

/* rmctl autoscale: each node pool (size, demand, last decision, last hook result) and, for
 * every node of a pool that is not being released, why not. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

/* The value of key in map o, or NULL. */
static const msgpack_object *field(const msgpack_object *o, const char *key)
{
	if (o->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
		    memcmp(k->via.str.ptr, key, k->via.str.size) == 0)
			return &o->via.map.ptr[i].val;
	}
	return NULL;
}

static int64_t num(const msgpack_object *o, const char *key)
{
	int64_t v = 0;
	view_int(o, key, &v);
	return v;
}

static void print_pool(const msgpack_object *p, struct table *nodes)
{
	char b[PROTO_REASON_MAX], name[PROTO_NAME_MAX], age[FMT_BUFSZ];
	struct res r;
	const msgpack_object *ns = field(p, "nodes");
	int64_t ms = num(p, "last_decision_age_ms");

	view_str(p, "name", name, sizeof name);
	printf("pool %s: min %lld, max %lld", name, (long long)num(p, "min"),
	       (long long)num(p, "max"));
	if (view_res(p, "node", &r)) {
		char v[FMT_BUFSZ], m[FMT_BUFSZ];
		printf("; node: %s vcores, %s memory, %lld gpus", fmt_vcores(r.vcores_m, v, sizeof v),
		       fmt_mem(r.mem_mb, m, sizeof m), (long long)r.gpus);
	}
	printf("\n  nodes:         %lld running, %lld starting, %lld draining, %lld releasing\n",
	       (long long)num(p, "running"), (long long)num(p, "starting"),
	       (long long)num(p, "draining"), (long long)num(p, "releasing"));
	printf("  pending:       %lld tasks, needing %lld nodes\n",
	       (long long)num(p, "pending_tasks"), (long long)num(p, "pending_nodes"));
	printf("  last decision: %s", view_str(p, "last_decision", b, sizeof b));
	printf(ms >= 0 ? " (%s ago)\n" : "\n", fmt_elapsed(ms, age, sizeof age));
	printf("  last hook:     %s (%lld failed runs)\n", view_str(p, "last_hook_result", b, sizeof b),
	       (long long)num(p, "hook_failures"));
	for (uint32_t i = 0; ns != NULL && ns->type == MSGPACK_OBJECT_ARRAY && i < ns->via.array.size;
	     i++) {
		const msgpack_object *n = &ns->via.array.ptr[i];
		table_row(nodes);
		table_cell(nodes, name);
		table_cell(nodes, view_str(n, "name", b, sizeof b));
		table_cell(nodes, view_str(n, "state", b, sizeof b));
		table_cell(nodes, view_str(n, "not_released", b, sizeof b));
	}
}

static int cmd_autoscale_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	static const char *const hdr[] = { "POOL", "NODE", "STATE", "WHY NOT RELEASED" };
	msgpack_unpacked reply;
	const msgpack_object *pools;
	int rc = rmctl_call(ctx, MSG_AUTOSCALE_INFO, NULL, NULL, &reply);

	if (rc == EXIT_OK && ctx->json) {
		print_json(&reply.data, stdout);
	} else if (rc == EXIT_OK && (pools = rmctl_payload(&reply, "pools")) != NULL &&
		   pools->type == MSGPACK_OBJECT_ARRAY) {
		struct table *t = table_new(hdr, 4);
		if (pools->via.array.size == 0)
			printf("autoscaling is off: rmd.conf names no pools\n");
		for (uint32_t i = 0; i < pools->via.array.size; i++)
			print_pool(&pools->via.array.ptr[i], t);
		if (pools->via.array.size > 0) {
			printf("\n");
			table_print(t, stdout, term_width(STDOUT_FILENO));
		}
		table_free(t);
	} else if (rc == EXIT_OK) {
		rc = EXIT_FAIL;
	}
	msgpack_unpacked_destroy(&reply);
	return rc;
}

const struct cmd_entry cmd_autoscale_entry = {
	.name = "autoscale",
	.usage = "",
	.summary = "autoscaling: pools, demand, last decision and hook result, nodes kept and why",
	.opts = "",
	.longopts = NULL,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_autoscale_exec,
};

/* Administration queries: the node list and the cluster's totals. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rm.h"
#include "timeutil.h"
#include "xmalloc.h"

/* NODE_STATE_MAX for "" (any), -1 for an unknown name. */
static int node_state_filter(const char *name)
{
	if (name[0] == '\0')
		return NODE_STATE_MAX;
	for (int s = 0; s < NODE_STATE_MAX; s++)
		if (strcasecmp(name, node_state_names[s]) == 0)
			return s;
	return -1;
}

void msg_node_list(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct msg_list_request m;
	struct mpr_err e;
	int state;

	if (msg_decode_list_request(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if ((state = node_state_filter(m.state)) < 0) {
		peer_send_error(p, id, ERR_BAD_REQUEST, "state",
				"state: '%s' is not a node state (NEW, RUNNING, UNHEALTHY, "
				"DRAINING, DECOMMISSIONED, LOST)", m.state);
		return;
	}
	size_t n = 0, cap = 0;
	const struct rm_node **sel = NULL;
	for (size_t i = 0; i < rmd->cl.nnodes; i++) {
		const struct rm_node *node = rmd->cl.nodes[i];
		if (m.limit > 0 && n >= (size_t)m.limit)
			break;
		if (state != NODE_STATE_MAX && (int)node->state != state)
			continue;
		sel = xgrow(sel, &cap, n + 1, sizeof(*sel));
		sel[n++] = node;
	}
	int64_t now = mono_ms();
	struct mpw *w = reply_begin(rmd, id, 1);
	mpw_key(w, "nodes");
	mpw_array(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		view_node(w, sel[i], now);
	reply_send(rmd, p);
	free(sel);
}

void msg_cluster_info(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct res cap, used;
	int64_t running = 0;

	memset(&cap, 0, sizeof(cap));
	memset(&used, 0, sizeof(used));
	for (size_t i = 0; i < rmd->cl.nnodes; i++) {
		const struct rm_node *n = rmd->cl.nodes[i];
		if (!node_member(n))
			continue;
		res_add(&cap, &n->capacity);
		res_add(&used, &n->used);
		running += n->state == NODE_RUNNING;
	}
	struct mpw *w = reply_begin(rmd, id, 7);
	mpw_kint(w, "version", LOOM_PROTO_VERSION);
	mpw_kint(w, "nodes", (int64_t)rmd->cl.nnodes);
	mpw_kint(w, "nodes_running", running);
	mpw_kres(w, "capacity", &cap);
	mpw_kres(w, "used", &used);
	mpw_kint(w, "jobs_pending", rmd->cl.njob_state[JOB_PENDING]);
	mpw_kint(w, "jobs_running", rmd->cl.njob_state[JOB_RUNNING]);
	reply_send(rmd, p);
}

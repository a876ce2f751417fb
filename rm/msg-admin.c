/* Administration queries: the node list and the cluster's totals (views in views-list.c). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rm.h"
#include "timeutil.h"
#include "xmalloc.h"

void reply_list(struct rmd *rmd, struct peer *p, uint64_t id, const msgpack_object *obj,
		list_view_fn view)
{
	struct msg_list_request m;
	struct mpr_err e;
	char err[256];

	if (msg_decode_list_request(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	/* {jobs} or {nodes}; a node_list naming one node adds that node's "attempts". */
	struct mpw *w = reply_begin(rmd, id, m.name[0] != '\0' ? 2 : 1);
	if (view(w, &rmd->cl, &m, err, sizeof(err)) < 0) {
		peer_send_error(p, id, ERR_BAD_REQUEST, "state", "%s", err);
		return;
	}
	reply_send(rmd, p);
}

void msg_node_list(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	reply_list(ctx, p, id, obj, views_node_list);
}

void msg_cluster_info(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct mpw *w = reply_begin(rmd, id, VIEWS_CLUSTER_FIELDS);

	views_cluster(w, rmd);
	reply_send(rmd, p);
}

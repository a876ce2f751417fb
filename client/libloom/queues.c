/*
 * The queue requests: queue_list (the tree with shares and usage) and queue_reload (read
 * the queues from rmd.conf again). Neither carries fields beyond "t" and "id".
 */
#include <string.h>

#include "loom-conn.h"

/* Sends a request of just "t" and "id" on an asynchronous connection. */
static uint64_t request_bare(struct loom_conn *c, int type, loom_reply_fn cb, void *arg)
{
	struct mpw w;
	uint64_t id;

	mpw_init(&w);
	mpw_msg(&w, type, loom_next_id(c), 0);
	id = loom_request(c, &w, cb, arg);
	mpw_free(&w);
	return id;
}

uint64_t loom_queue_list(struct loom_conn *c, loom_reply_fn cb, void *arg)
{
	return request_bare(c, MSG_QUEUE_LIST, cb, arg);
}

uint64_t loom_queue_reload(struct loom_conn *c, loom_reply_fn cb, void *arg)
{
	return request_bare(c, MSG_QUEUE_RELOAD, cb, arg);
}

int loom_queue_list_call(struct loom_conn *c, msgpack_unpacked *reply_out,
			 struct msg_error *err_out)
{
	return loom_call(c, MSG_QUEUE_LIST, NULL, NULL, reply_out, err_out);
}

int loom_queue_reload_call(struct loom_conn *c, msgpack_unpacked *reply_out,
			   struct msg_error *err_out)
{
	return loom_call(c, MSG_QUEUE_RELOAD, NULL, NULL, reply_out, err_out);
}

int loom_queue_reload_decode(const msgpack_object *reply, struct loom_queue_reload *out,
			     struct mpr_err *e)
{
	struct loom_queue_reload r;

	memset(&r, 0, sizeof r);
	if (mpr_int(reply, "queues", true, 0, INT32_MAX, &r.queues, e) < 0 ||
	    mpr_int(reply, "leaves", false, 0, INT32_MAX, &r.leaves, e) < 0 ||
	    mpr_str(reply, "default", true, r.default_leaf, sizeof r.default_leaf, e) < 0)
		return -1;
	*out = r;
	return 0;
}

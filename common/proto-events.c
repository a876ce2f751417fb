/* The event stream's messages: events_subscribe (a request) and event (pushed by rmd). */
#include <stdint.h>

#include "proto.h"

void msg_encode_events_subscribe(struct mpw *w, uint64_t id,
				 const struct msg_events_subscribe *m)
{
	mpw_msg(w, MSG_EVENTS_SUBSCRIBE, id, 1);
	mpw_kint(w, "backlog", m->backlog);
}

int msg_decode_events_subscribe(const msgpack_object *o, struct msg_events_subscribe *m,
				struct mpr_err *e)
{
	struct msg_events_subscribe r = { 0 };

	if (mpr_int(o, "backlog", false, 0, PROTO_MAX_EVENT_BACKLOG, &r.backlog, e) < 0)
		return -1;
	*m = r;
	return 0;
}

void msg_encode_event(struct mpw *w, const struct msg_event *m)
{
	mpw_msg(w, MSG_EVENT, 0, 8);
	mpw_kuint(w, "seq", m->seq);
	mpw_kint(w, "time_us", m->time_us);
	mpw_kstr(w, "kind", m->kind);
	mpw_kstr(w, "object", m->object);
	mpw_kstr(w, "node", m->node);
	mpw_kstr(w, "from", m->from);
	mpw_kstr(w, "to", m->to);
	mpw_kstr(w, "text", m->text);
}

int msg_decode_event(const msgpack_object *o, struct msg_event *m, struct mpr_err *e)
{
	struct msg_event r = { 0 };

	if (mpr_uint(o, "seq", true, UINT64_MAX, &r.seq, e) < 0 ||
	    mpr_int(o, "time_us", false, 0, INT64_MAX, &r.time_us, e) < 0 ||
	    mpr_str(o, "kind", true, r.kind, sizeof r.kind, e) < 0 ||
	    mpr_str(o, "object", false, r.object, sizeof r.object, e) < 0 ||
	    mpr_str(o, "node", false, r.node, sizeof r.node, e) < 0 ||
	    mpr_str(o, "from", false, r.from, sizeof r.from, e) < 0 ||
	    mpr_str(o, "to", false, r.to, sizeof r.to, e) < 0 ||
	    mpr_str(o, "text", false, r.text, sizeof r.text, e) < 0)
		return -1;
	*m = r;
	return 0;
}

/* The message table walker: look the type up, enforce who may send it, call the handler. */
#include "dispatch.h"

#include "peer.h"
#include "proto.h"

void dispatch(const struct dispatch_entry *table, size_t n, struct peer *p, int type,
	      uint64_t id, const msgpack_object *obj, void *ctx)
{
	const struct dispatch_entry *row = NULL;

	for (size_t i = 0; i < n && row == NULL; i++)
		if (table[i].type == type)
			row = &table[i];
	if (row == NULL) {
		peer_send_error(p, id, ERR_UNKNOWN_TYPE, "t", "no handler for message type %d (%s)",
				type, msg_type_name(type));
		return;
	}
	int role = peer_role(p);
	if (row->roles != 0 && role == ROLE_NONE) {
		peer_send_error(p, id, ERR_NEED_HELLO, "t", "%s before hello",
				msg_type_name(type));
		return;
	}
	if (row->roles != 0 && (row->roles & role) == 0) {
		peer_send_error(p, id, ERR_NOT_ALLOWED, "t", "a %s may not send %s",
				role_name(role), msg_type_name(type));
		return;
	}
	row->fn(p, id, obj, ctx);
}

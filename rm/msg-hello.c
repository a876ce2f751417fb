/* HELLO: the first message on every connection. It checks the protocol version and that
 * the role suits the port, then fixes the connection's role. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rm.h"

void msg_hello(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct conn *c = peer_data(p);
	struct msg_hello m;
	struct mpr_err e;

	if (msg_decode_hello(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if (m.version != LOOM_PROTO_VERSION) {
		peer_send_error(p, id, ERR_VERSION, "version",
				"protocol version %lld is not supported (rmd speaks %d)",
				(long long)m.version, LOOM_PROTO_VERSION);
		return;
	}
	if (peer_role(p) != ROLE_NONE) {
		peer_send_error(p, id, ERR_CONFLICT, "", "hello was already received");
		return;
	}
	if (c->port == PORT_NODE && m.role != ROLE_NODE) {
		peer_send_error(p, id, ERR_NOT_ALLOWED, "role",
				"the node port only accepts role node (clients use the client port)");
		return;
	}
	if (c->port == PORT_CLIENT && m.role == ROLE_NODE) {
		peer_send_error(p, id, ERR_NOT_ALLOWED, "role",
				"node agents must connect to the node port");
		return;
	}
	/*
	 * Authentication goes here: once security is on, HELLO answers with a challenge on
	 * the shared cluster key and the role is set only after a valid response.
	 */
	peer_set_role(p, m.role);
	snprintf(c->name, sizeof(c->name), "%s", m.name[0] ? m.name : role_name(m.role));
	log_debug("net", "%s: hello from %s '%s'", peer_desc(p), role_name(m.role), c->name);
	struct mpw *w = reply_begin(c->rmd, id, 2);
	mpw_kint(w, "version", LOOM_PROTO_VERSION);
	mpw_kstr(w, "server", "rmd");
	reply_send(c->rmd, p);
}

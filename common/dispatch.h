/*
 * One table maps message type to handler and policy (which roles may send it). The
 * dispatcher enforces the policy once, before calling the handler, and answers unknown or
 * forbidden messages with an ERROR naming the type.
 */
#ifndef LOOM_DISPATCH_H
#define LOOM_DISPATCH_H

#include <msgpack.h>
#include <stdint.h>

struct peer;

typedef void (*dispatch_fn)(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx);

struct dispatch_entry {
	int type;      /* MSG_* */
	int roles;     /* bitmask of ROLE_*; 0 = anyone, even before HELLO */
	dispatch_fn fn;
};

/*
 * Finds the row for type and calls it, or replies ERROR: ERR_UNKNOWN_TYPE when no row
 * matches, ERR_NEED_HELLO when the peer has no role yet and the row needs one,
 * ERR_NOT_ALLOWED when the peer's role is not in the row's mask.
 */
void dispatch(const struct dispatch_entry *table, size_t n, struct peer *p, int type,
	      uint64_t id, const msgpack_object *obj, void *ctx);

#endif

/* The framework messages (400-406): each message's valid fields with one of them replaced
 * (missing, wrong type, out of range, too long) is refused, naming that field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "proto_test_util.h"

enum kind { K_END, K_INT, K_STR, K_BOOL, K_STRV, K_RES, K_OMIT };
struct kv {
	const char *key;
	enum kind k;
	int64_t i;
	const char *s; /* K_STRV: comma-separated, "" = empty array */
};

static void put(struct mpw *w, const struct kv *f)
{
	mpw_key(w, f->key);
	switch (f->k) {
	case K_INT: mpw_int(w, f->i); break;
	case K_STR: mpw_str(w, f->s); break;
	case K_BOOL: mpw_bool(w, f->i != 0); break;
	case K_RES: {
		struct res r = { .vcores_m = f->i, .mem_mb = f->i };
		mpw_res(w, &r);
		break;
	}
	default: { /* K_STRV */
		uint32_t n = f->s[0] ? 1 : 0;
		for (const char *p = f->s; *p; p++)
			n += *p == ',';
		mpw_array(w, n);
		for (const char *p = f->s; n > 0; n--) {
			const char *c = strchr(p, ',');
			size_t len = c ? (size_t)(c - p) : strlen(p);
			mpw_strn(w, p, len);
			p += len + (c != NULL);
		}
	}
	}
}

/* Encodes base with the fields of over replacing (or adding) theirs. */
static void build(struct mpw *w, int type, const struct kv *base, const struct kv *over)
{
	uint32_t n = 0;
	const struct kv *f;

	for (f = base; f->k != K_END; f++) {
		const struct kv *o = over;
		while (o->k != K_END && strcmp(o->key, f->key) != 0)
			o++;
		n += o->k == K_END || o->k != K_OMIT;
	}
	for (const struct kv *o = over; o->k != K_END; o++) {
		for (f = base; f->k != K_END && strcmp(o->key, f->key) != 0; f++)
			;
		n += f->k == K_END && o->k != K_OMIT;
	}
	mpw_msg(w, type, 1, n);
	for (f = base; f->k != K_END; f++) {
		const struct kv *o = over;
		while (o->k != K_END && strcmp(o->key, f->key) != 0)
			o++;
		if (o->k == K_END)
			put(w, f);
		else if (o->k != K_OMIT)
			put(w, o);
	}
	for (const struct kv *o = over; o->k != K_END; o++) {
		for (f = base; f->k != K_END && strcmp(o->key, f->key) != 0; f++)
			;
		if (f->k == K_END && o->k != K_OMIT)
			put(w, o);
	}
}

static const struct kv reg_base[] = { { "name", K_STR, 0, "fw" }, { "queue", K_STR, 0, "" },
				      { "user", K_STR, 0, "u" }, { NULL, K_END, 0, NULL } };
static const struct kv req_base[] = {
	{ "count", K_INT, 3, NULL },        { "res", K_RES, 100, NULL },
	{ "gang", K_BOOL, 0, NULL },        { "priority", K_INT, 0, NULL },
	{ "time_limit_ms", K_INT, 0, NULL }, { "require_labels", K_STRV, 0, "" },
	{ "exclude_labels", K_STRV, 0, "" }, { "prefer", K_STRV, 0, "" },
	{ "name", K_STR, 0, "" },           { NULL, K_END, 0, NULL } };
static const struct kv launch_base[] = {
	{ "container", K_STR, 0, "job-1.t0.a1" }, { "argv", K_STRV, 0, "sh" },
	{ "env", K_STRV, 0, "A=1" },            { "workdir", K_STR, 0, "" },
	{ NULL, K_END, 0, NULL } };
static const struct kv rel_base[] = { { "container", K_STR, 0, "job-1.t0.a1" },
				      { NULL, K_END, 0, NULL } };
static const struct kv ev_base[] = {
	{ "kind", K_STR, 0, "allocated" }, { "container", K_STR, 0, "job-1.t0.a1" },
	{ "request", K_STR, 0, "job-1" },  { "node", K_STR, 0, "n1" },
	{ "exit_code", K_INT, 0, NULL },   { "grace_ms", K_INT, 0, NULL },
	{ NULL, K_END, 0, NULL } };
static const struct kv nev_base[] = { { "node", K_STR, 0, "n1" }, { "state", K_STR, 0, "LOST" },
				      { NULL, K_END, 0, NULL } };

#define X50 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define LONG200 X50 X50 X50 X50

struct bad_case {
	int type;
	const struct kv *base;
	struct kv over[3];
	const char *field; /* the error's field starts with this */
};

#define O(...) { __VA_ARGS__, { NULL, K_END, 0, NULL } }
static const struct bad_case bad_cases[] = {
	{ MSG_FRAMEWORK_REGISTER, reg_base, O({ "name", K_OMIT, 0, NULL }), "name" },
	{ MSG_FRAMEWORK_REGISTER, reg_base, O({ "name", K_STR, 0, "" }), "name" },
	{ MSG_FRAMEWORK_REGISTER, reg_base, O({ "name", K_STR, 0, LONG200 }), "name" },
	{ MSG_FRAMEWORK_REGISTER, reg_base, O({ "name", K_INT, 3, NULL }), "name" },
	{ MSG_FRAMEWORK_REGISTER, reg_base, O({ "queue", K_INT, 1, NULL }), "queue" },
	{ MSG_FRAMEWORK_REGISTER, reg_base, O({ "user", K_STR, 0, LONG200 }), "user" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "count", K_OMIT, 0, NULL }), "count" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "count", K_INT, 0, NULL }), "count" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "count", K_INT, 100001, NULL }), "count" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "count", K_STR, 0, "3" }), "count" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "res", K_OMIT, 0, NULL }), "res" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "res", K_RES, 0, NULL }), "res" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "res", K_INT, 1, NULL }), "res" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "gang", K_STR, 0, "yes" }), "gang" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "priority", K_INT, 5000, NULL }), "priority" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "time_limit_ms", K_INT, -1, NULL }),
	  "time_limit_ms" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "require_labels", K_STRV, 0, "a," }),
	  "require_labels" },
	{ MSG_CONTAINER_REQUEST, req_base,
	  O({ "require_labels", K_STRV, 0, "a" }, { "exclude_labels", K_STRV, 0, "a" }),
	  "exclude_labels" },
	{ MSG_CONTAINER_REQUEST, req_base,
	  O({ "prefer", K_STRV, 0, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17" }), "prefer" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "prefer", K_STRV, 0, "n1,n1" }), "prefer" },
	{ MSG_CONTAINER_REQUEST, req_base, O({ "name", K_INT, 1, NULL }), "name" },
	{ MSG_CONTAINER_LAUNCH, launch_base, O({ "container", K_OMIT, 0, NULL }), "container" },
	{ MSG_CONTAINER_LAUNCH, launch_base, O({ "container", K_STR, 0, "job-1" }), "container" },
	{ MSG_CONTAINER_LAUNCH, launch_base, O({ "container", K_STR, 0, "bogus" }), "container" },
	{ MSG_CONTAINER_LAUNCH, launch_base, O({ "argv", K_OMIT, 0, NULL }), "argv" },
	{ MSG_CONTAINER_LAUNCH, launch_base, O({ "argv", K_STRV, 0, "" }), "argv" },
	{ MSG_CONTAINER_LAUNCH, launch_base, O({ "env", K_STRV, 0, "noequals" }), "env" },
	{ MSG_CONTAINER_LAUNCH, launch_base, O({ "workdir", K_STR, 0, "relative" }), "workdir" },
	{ MSG_CONTAINER_RELEASE, rel_base, O({ "container", K_OMIT, 0, NULL }), "container" },
	{ MSG_CONTAINER_RELEASE, rel_base, O({ "container", K_STR, 0, "job-1" }), "container" },
	{ MSG_CONTAINER_RELEASE, rel_base, O({ "request", K_STR, 0, "job-1" }), "request" },
	{ MSG_CONTAINER_RELEASE, rel_base,
	  O({ "container", K_OMIT, 0, NULL }, { "request", K_STR, 0, "job-1.t0" }), "request" },
	{ MSG_CONTAINER_EVENT, ev_base, O({ "kind", K_STR, 0, "exploded" }), "kind" },
	{ MSG_CONTAINER_EVENT, ev_base, O({ "container", K_OMIT, 0, NULL }), "container" },
	{ MSG_CONTAINER_EVENT, ev_base, O({ "request", K_STR, 0, "job-1.t0.a1" }), "request" },
	{ MSG_CONTAINER_EVENT, ev_base, O({ "exit_code", K_INT, 1000, NULL }), "exit_code" },
	{ MSG_CONTAINER_EVENT, ev_base, O({ "grace_ms", K_INT, -1, NULL }), "grace_ms" },
	{ MSG_NODE_EVENT, nev_base, O({ "node", K_STR, 0, "" }), "node" },
	{ MSG_NODE_EVENT, nev_base, O({ "state", K_OMIT, 0, NULL }), "state" },
};

/* Decodes o as type; returns the decoder's result and frees what it allocated. */
static int decode(int type, const msgpack_object *o, struct mpr_err *e)
{
	union {
		struct msg_fw_register reg;
		struct msg_container_request req;
		struct msg_container_launch launch;
		struct msg_container_release rel;
		struct msg_container_event ev;
		struct msg_node_event nev;
	} m;
	int rc;

	switch (type) {
	case MSG_FRAMEWORK_REGISTER: return msg_decode_fw_register(o, &m.reg, e);
	case MSG_CONTAINER_REQUEST:
		if ((rc = msg_decode_container_request(o, &m.req, e)) == 0)
			msg_container_request_free(&m.req);
		return rc;
	case MSG_CONTAINER_LAUNCH:
		if ((rc = msg_decode_container_launch(o, &m.launch, e)) == 0)
			msg_container_launch_free(&m.launch);
		return rc;
	case MSG_CONTAINER_RELEASE: return msg_decode_container_release(o, &m.rel, e);
	case MSG_CONTAINER_EVENT: return msg_decode_container_event(o, &m.ev, e);
	default: return msg_decode_node_event(o, &m.nev, e);
	}
}

static void test_malformed(void **state)
{
	static const struct kv none[] = { { NULL, K_END, 0, NULL } };
	const struct kv *bases[] = { reg_base, req_base, launch_base, rel_base, ev_base, nev_base };
	const int types[] = { MSG_FRAMEWORK_REGISTER, MSG_CONTAINER_REQUEST, MSG_CONTAINER_LAUNCH,
			      MSG_CONTAINER_RELEASE, MSG_CONTAINER_EVENT, MSG_NODE_EVENT };
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) { /* the bases pass */
		mpw_reset(&w);
		build(&w, types[i], bases[i], none);
		assert_int_equal(decode(types[i], unpack_any(&w, &u, types[i]), &e), 0);
		msgpack_unpacked_destroy(&u);
	}
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		mpw_reset(&w);
		build(&w, c->type, c->base, c->over);
		memset(&e, 0, sizeof(e));
		int rc = decode(c->type, unpack_any(&w, &u, c->type), &e);
		if (rc != -1 || strncmp(e.field, c->field, strlen(c->field)) != 0)
			fail_msg("case %zu (%s, %s): rc %d, field '%s' (%s)", i,
				 msg_type_name(c->type), c->field, rc, e.field, e.msg);
		msgpack_unpacked_destroy(&u);
	}
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

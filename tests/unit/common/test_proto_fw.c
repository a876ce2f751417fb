/* The framework messages (400-406): round trips, and every malformed field refused by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

static const msgpack_object *unpack(const struct mpw *w, msgpack_unpacked *u, int type)
{
	struct mpr_err e;
	uint64_t id;
	int t;

	msgpack_unpacked_init(u);
	assert_int_equal(mpr_unpack(u, mpw_data(w), mpw_len(w), &e), 0);
	assert_int_equal(msg_envelope(&u->data, &t, &id, &e), 0);
	assert_int_equal(t, type);
	return &u->data;
}

static void test_names(void **state)
{
	assert_string_equal(msg_type_name(MSG_FRAMEWORK_REGISTER), "framework_register");
	assert_string_equal(msg_type_name(MSG_CONTAINER_REQUEST), "container_request");
	assert_string_equal(msg_type_name(MSG_CONTAINER_LAUNCH), "container_launch");
	assert_string_equal(msg_type_name(MSG_CONTAINER_RELEASE), "container_release");
	assert_string_equal(msg_type_name(MSG_FRAMEWORK_UNREGISTER), "framework_unregister");
	assert_string_equal(msg_type_name(MSG_CONTAINER_EVENT), "container_event");
	assert_string_equal(msg_type_name(MSG_NODE_EVENT), "node_event");
	assert_int_equal(MSG_FRAMEWORK_REGISTER, 400);
	assert_int_equal(MSG_NODE_EVENT, 406);
}

static void test_register(void **state)
{
	struct msg_fw_register in = { .name = "mr-host-1", .queue = "root.batch", .user = "ann" };
	struct msg_fw_register out;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	msg_encode_fw_register(&w, 3, &in);
	assert_int_equal(msg_decode_fw_register(unpack(&w, &u, MSG_FRAMEWORK_REGISTER), &out, &e),
			 0);
	assert_string_equal(out.name, "mr-host-1");
	assert_string_equal(out.queue, "root.batch");
	assert_string_equal(out.user, "ann");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_registered(void **state)
{
	struct fw_container c[2] = {
		{ .id = id_attempt(12, 3, 1), .request = id_job(12), .node = "n1", .host = "h1",
		  .state = "RUNNING", .res = { .vcores_m = 1000, .mem_mb = 64 } },
		{ .id = id_attempt(12, 4, 1), .request = id_job(12), .node = "n2",
		  .state = "ALLOCATED" },
	};
	struct loom_id reqs[1] = { id_job(12) };
	struct msg_fw_registered in = { .name = "fw", .resumed = true, .ncontainers = 2,
					.containers = c, .nrequests = 1, .requests = reqs }, out;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	msg_encode_fw_registered(&w, 3, &in);
	assert_int_equal(msg_decode_fw_registered(unpack(&w, &u, MSG_REPLY), &out, &e), 0);
	assert_true(out.resumed);
	assert_int_equal(out.ncontainers, 2);
	assert_int_equal(out.containers[0].id.task, 3);
	assert_string_equal(out.containers[0].state, "RUNNING");
	assert_string_equal(out.containers[0].host, "h1");
	assert_int_equal(out.containers[0].res.mem_mb, 64);
	assert_string_equal(out.containers[1].state, "ALLOCATED");
	assert_int_equal(out.nrequests, 1);
	assert_int_equal(out.requests[0].job, 12);
	msg_fw_registered_free(&out);
	msgpack_unpacked_destroy(&u);

	snprintf(c[1].state, sizeof(c[1].state), "DONE"); /* not a live state */
	mpw_reset(&w);
	msg_encode_fw_registered(&w, 3, &in);
	assert_int_equal(msg_decode_fw_registered(unpack(&w, &u, MSG_REPLY), &out, &e), -1);
	assert_string_equal(e.field, "containers[1].state");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_request(void **state)
{
	char *req[] = { "ssd", NULL }, *pref[] = { "n1", "n2", NULL };
	struct msg_container_request in = {
		.count = 3, .res = { .vcores_m = 2000, .mem_mb = 512 }, .gang = true,
		.priority = 5, .time_limit_ms = 60000, .require_labels = req,
		.nrequire_labels = 1, .prefer = pref, .nprefer = 2, .name = "maps" }, out;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct loom_id rid = id_job(12), rout;

	mpw_init(&w);
	msg_encode_container_request(&w, 4, &in);
	assert_int_equal(msg_decode_container_request(unpack(&w, &u, MSG_CONTAINER_REQUEST), &out,
						      &e), 0);
	assert_int_equal(out.count, 3);
	assert_int_equal(out.res.vcores_m, 2000);
	assert_true(out.gang);
	assert_int_equal(out.priority, 5);
	assert_int_equal(out.time_limit_ms, 60000);
	assert_int_equal(out.nrequire_labels, 1);
	assert_string_equal(out.require_labels[0], "ssd");
	assert_int_equal(out.nexclude_labels, 0);
	assert_int_equal(out.nprefer, 2);
	assert_string_equal(out.prefer[1], "n2");
	assert_string_equal(out.name, "maps");
	msg_container_request_free(&out);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	msg_encode_container_requested(&w, 4, &rid);
	assert_int_equal(msg_decode_container_requested(unpack(&w, &u, MSG_REPLY), &rout, &e), 0);
	assert_int_equal(rout.job, 12);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_launch_release(void **state)
{
	char *argv[] = { "sh", "-c", "", NULL }, *env[] = { "A=1", NULL };
	struct msg_container_launch in = { .container = id_attempt(12, 3, 1), .argv = argv,
					   .nargv = 3, .env = env, .nenv = 1, .workdir = "/tmp" };
	struct msg_container_launch out;
	struct msg_container_release rin = { .target = id_job(12), .whole = true }, rout;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	msg_encode_container_launch(&w, 5, &in);
	assert_int_equal(msg_decode_container_launch(unpack(&w, &u, MSG_CONTAINER_LAUNCH), &out,
						     &e), 0);
	assert_int_equal(out.container.attempt, 1);
	assert_int_equal(out.nargv, 3);
	assert_string_equal(out.argv[2], ""); /* empty arguments are arguments */
	assert_string_equal(out.env[0], "A=1");
	assert_string_equal(out.workdir, "/tmp");
	msg_container_launch_free(&out);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	msg_encode_container_release(&w, 6, &rin);
	assert_int_equal(msg_decode_container_release(unpack(&w, &u, MSG_CONTAINER_RELEASE),
						      &rout, &e), 0);
	assert_true(rout.whole);
	assert_int_equal(rout.target.job, 12);
	msgpack_unpacked_destroy(&u);
	rin = (struct msg_container_release){ .target = id_attempt(12, 0, 2) };
	mpw_reset(&w);
	msg_encode_container_release(&w, 6, &rin);
	assert_int_equal(msg_decode_container_release(unpack(&w, &u, MSG_CONTAINER_RELEASE),
						      &rout, &e), 0);
	assert_false(rout.whole);
	assert_int_equal(rout.target.attempt, 2);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_events(void **state)
{
	struct msg_container_event in = { .kind = CONT_EXITED, .container = id_attempt(12, 3, 1),
					  .request = id_job(12), .node = "n1", .host = "h",
					  .res = { .vcores_m = 1000 }, .exit_code = 3,
					  .signal = 0, .reason = "exit code 3" }, out;
	struct msg_node_event nin = { .node = "n2", .state = "LOST", .reason = "gone" }, nout;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	for (int k = 0; k < CONT_KIND_MAX; k++) {
		in.kind = k;
		in.grace_ms = k == CONT_PREEMPTING ? 10000 : 0;
		mpw_reset(&w);
		msg_encode_container_event(&w, &in);
		assert_int_equal(msg_decode_container_event(unpack(&w, &u, MSG_CONTAINER_EVENT),
							    &out, &e), 0);
		assert_int_equal(out.kind, k);
		assert_int_equal(out.exit_code, 3);
		assert_int_equal(out.grace_ms, in.grace_ms);
		assert_string_equal(out.reason, "exit code 3");
		assert_int_equal(out.request.job, 12);
		msgpack_unpacked_destroy(&u);
	}
	mpw_reset(&w);
	msg_encode_node_event(&w, &nin);
	assert_int_equal(msg_decode_node_event(unpack(&w, &u, MSG_NODE_EVENT), &nout, &e), 0);
	assert_string_equal(nout.node, "n2");
	assert_string_equal(nout.state, "LOST");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* ---- malformed fields: each message's valid fields, one of them replaced ----------- */

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
		assert_int_equal(decode(types[i], unpack(&w, &u, types[i]), &e), 0);
		msgpack_unpacked_destroy(&u);
	}
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		mpw_reset(&w);
		build(&w, c->type, c->base, c->over);
		memset(&e, 0, sizeof(e));
		int rc = decode(c->type, unpack(&w, &u, c->type), &e);
		if (rc != -1 || strncmp(e.field, c->field, strlen(c->field)) != 0)
			fail_msg("case %zu (%s, %s): rc %d, field '%s' (%s)", i,
				 msg_type_name(c->type), c->field, rc, e.field, e.msg);
		msgpack_unpacked_destroy(&u);
	}
	mpw_free(&w);
}

/* job_spec's framework survives the codec (and so the WAL, which stores job_submit maps). */
static void test_spec_framework(void **state)
{
	char *argv[] = { "<container>", NULL };
	struct job_spec in = { .argv = argv, .nargv = 1, .ntasks = 2, .max_attempts = 1,
			       .framework = "mr-1" }, out, copy;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	msg_encode_job_submit(&w, 1, &in);
	assert_int_equal(msg_decode_job_submit(unpack(&w, &u, MSG_JOB_SUBMIT), &out, &e), 0);
	assert_string_equal(out.framework, "mr-1");
	job_spec_copy(&copy, &out);
	assert_string_equal(copy.framework, "mr-1");
	job_spec_free(&copy);
	job_spec_free(&out);
	msgpack_unpacked_destroy(&u);

	in.framework[0] = '\0'; /* absent or "": the built-in runner */
	mpw_reset(&w);
	msg_encode_job_submit(&w, 1, &in);
	assert_int_equal(msg_decode_job_submit(unpack(&w, &u, MSG_JOB_SUBMIT), &out, &e), 0);
	assert_string_equal(out.framework, "");
	job_spec_free(&out);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),       cmocka_unit_test(test_register),
		cmocka_unit_test(test_registered),  cmocka_unit_test(test_request),
		cmocka_unit_test(test_launch_release), cmocka_unit_test(test_events),
		cmocka_unit_test(test_malformed),   cmocka_unit_test(test_spec_framework),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

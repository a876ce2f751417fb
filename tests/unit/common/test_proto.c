/*
 * Protocol codec: every message round-trips; every decoder names the field it rejects
 * (wrong type, missing, out of range, too long); garbage and random mutations of valid
 * messages never crash a decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* ---- helpers ---------------------------------------------------------------------- */

/* Unpacks w's bytes into u and checks the envelope. */
static msgpack_object *unpack(const struct mpw *w, msgpack_unpacked *u, int type, uint64_t id)
{
	struct mpr_err e;
	int t;
	uint64_t rid;

	msgpack_unpacked_init(u);
	assert_int_equal(mpr_unpack(u, mpw_data(w), mpw_len(w), &e), 0);
	assert_int_equal(msg_envelope(&u->data, &t, &rid, &e), 0);
	assert_int_equal(t, type);
	assert_int_equal(rid, id);
	return &u->data;
}

/* The value at a dotted path ("res.mem_mb") inside a decoded map, for mutating it. */
static msgpack_object *at(msgpack_object *o, const char *path)
{
	char key[64];
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	memcpy(key, path, n);
	key[n] = '\0';
	msgpack_object *v = (msgpack_object *)mpr_get(o, key);
	assert_non_null(v);
	return dot ? at(v, dot + 1) : v;
}

/* Makes a key disappear by renaming it. */
static void drop(msgpack_object *o, const char *key)
{
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		msgpack_object *k = &o->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
		    memcmp(k->via.str.ptr, key, k->via.str.size) == 0) {
			k->via.str.ptr = "zz_dropped";
			k->via.str.size = 10;
			return;
		}
	}
	fail_msg("no key %s", key);
}

static msgpack_object o_int(int64_t v)
{
	msgpack_object o;
	if (v >= 0) {
		o.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		o.via.u64 = (uint64_t)v;
	} else {
		o.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
		o.via.i64 = v;
	}
	return o;
}

static msgpack_object o_str(const char *s)
{
	msgpack_object o = { .type = MSGPACK_OBJECT_STR };
	o.via.str.ptr = s;
	o.via.str.size = (uint32_t)strlen(s);
	return o;
}

static msgpack_object o_bool(bool b)
{
	msgpack_object o = { .type = MSGPACK_OBJECT_BOOLEAN, .via.boolean = b };
	return o;
}

static msgpack_object o_double(double d)
{
	msgpack_object o = { .type = MSGPACK_OBJECT_FLOAT64, .via.f64 = d };
	return o;
}

static char *long_string(size_t n)
{
	char *s = malloc(n + 1);
	memset(s, 'x', n);
	s[n] = '\0';
	return s;
}

static void assert_res_equal(const struct res *a, const struct res *b)
{
	assert_int_equal(a->vcores_m, b->vcores_m);
	assert_int_equal(a->mem_mb, b->mem_mb);
	assert_int_equal(a->gpus, b->gpus);
	assert_int_equal(a->ncustom, b->ncustom);
	for (int i = 0; i < a->ncustom; i++) {
		assert_string_equal(a->custom[i].name, b->custom[i].name);
		assert_int_equal(a->custom[i].count, b->custom[i].count);
	}
}

static void assert_id_equal(const struct loom_id *a, const struct loom_id *b)
{
	assert_int_equal(a->job, b->job);
	assert_int_equal(a->task, b->task);
	assert_int_equal(a->attempt, b->attempt);
}

static struct res sample_res(void)
{
	struct res r = { .vcores_m = 1500, .mem_mb = 2048, .gpus = 1, .ncustom = 1 };
	strcpy(r.custom[0].name, "fpga");
	r.custom[0].count = 2;
	return r;
}

static char *sample_argv[] = { "/usr/bin/wc", "-l", "", NULL };
static char *sample_env[] = { "A=1", "B=", NULL };
static char *sample_req[] = { "ssd", "rack1", NULL };
static char *sample_excl[] = { "flaky", NULL };

static void sample_spec(struct job_spec *s)
{
	memset(s, 0, sizeof *s);
	strcpy(s->name, "count");
	strcpy(s->queue, "research");
	strcpy(s->user, "alice");
	s->argv = sample_argv;
	s->nargv = 3;
	s->env = sample_env;
	s->nenv = 2;
	s->ntasks = 10;
	s->res = sample_res();
	s->max_attempts = 3;
	s->priority = -5;
	s->output_dir = "/data/out";
	s->workdir = "";
	s->nafter = 2;
	s->after[0] = 3;
	s->after[1] = 7;
	s->speculation = (struct job_speculation){ SPECULATE_OFF, 20, 30, 15, 200, 60, 2500 };
	s->require_labels = sample_req;
	s->nrequire_labels = 2;
	s->exclude_labels = sample_excl;
	s->nexclude_labels = 1;
}

static void sample_report(struct attempt_report *r, int n)
{
	memset(r, 0, sizeof *r);
	r->id = id_attempt(42, n, 1);
	r->state = AR_EXITED;
	r->exit_code = 3;
	r->signal = 0;
	r->progress = 0.25;
	r->start_us = 1700000000000000LL;
	r->end_us = 1700000000500000LL;
	r->rss_mb = 77;
	strcpy(r->reason, "exited 3");
	strcpy(r->log_tail, "oops\nline 2\n");
}

static void assert_report_equal(const struct attempt_report *a, const struct attempt_report *b)
{
	assert_id_equal(&a->id, &b->id);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->exit_code, b->exit_code);
	assert_int_equal(a->signal, b->signal);
	assert_true(a->progress == b->progress);
	assert_int_equal(a->start_us, b->start_us);
	assert_int_equal(a->end_us, b->end_us);
	assert_int_equal(a->rss_mb, b->rss_mb);
	assert_string_equal(a->reason, b->reason);
	assert_string_equal(a->log_tail, b->log_tail);
}

/* ---- encoders of valid samples, one per message ------------------------------------ */

static void enc_error(struct mpw *w)
{
	msg_encode_error(w, 9, ERR_BAD_REQUEST, "res.mem_mb", "must be >= 0");
}

static void enc_hello(struct mpw *w)
{
	struct msg_hello h = { .role = ROLE_NODE, .version = LOOM_PROTO_VERSION };
	strcpy(h.name, "node-1");
	msg_encode_hello(w, 1, &h);
}

static struct attempt_report reports[2];

static void enc_register(struct mpw *w)
{
	static struct msg_node_register m;
	memset(&m, 0, sizeof m);
	strcpy(m.name, "node-1");
	strcpy(m.host, "127.0.0.1");
	m.capacity = sample_res();
	m.nlabels = 2;
	strcpy(m.labels[0], "ssd");
	strcpy(m.labels[1], "gpu");
	sample_report(&reports[0], 0);
	sample_report(&reports[1], 1);
	reports[1].state = AR_RUNNING;
	m.nattempts = 2;
	m.attempts = reports;
	msg_encode_node_register(w, 2, &m);
}

static struct attempt_progress progress[2] = {
	{ .id = { 5, 0, 1 }, .progress = 0.5, .rss_mb = 10 },
	{ .id = { 5, 1, 2 }, .progress = -1, .rss_mb = 0 },
};

static void enc_heartbeat(struct mpw *w)
{
	struct msg_node_heartbeat m = { .seq = 17, .mem_used_mb = 900, .load1 = 1.25,
					.nattempts = 2, .attempts = progress, .healthy = false,
					.health_reason = "ERROR disk /data full" };
	m.used = sample_res();
	msg_encode_node_heartbeat(w, 0, &m);
}

static void enc_launch(struct mpw *w)
{
	struct msg_attempt_launch m = { .id = { 42, 7, 2 }, .ntasks = 10, .argv = sample_argv,
					.nargv = 3, .env = sample_env, .nenv = 2,
					.output_dir = "/data/out", .workdir = "/tmp",
					.kill_grace_ms = 5000 };
	m.res = sample_res();
	strcpy(m.user, "alice");
	msg_encode_attempt_launch(w, 3, &m);
}

static void enc_kill(struct mpw *w)
{
	struct msg_attempt_kill m = { .id = { 42, 7, 2 }, .grace_ms = 2000 };
	strcpy(m.reason, "job killed");
	msg_encode_attempt_kill(w, 4, &m);
}

static void enc_status(struct mpw *w)
{
	struct msg_attempt_status m;
	sample_report(&m.r, 7);
	msg_encode_attempt_status(w, 5, &m);
}

static void enc_commit(struct mpw *w)
{
	struct msg_attempt_commit m = { .id = { 42, 7, 2 }, .commit = true };
	msg_encode_attempt_commit(w, 6, &m);
}

static void enc_committed(struct mpw *w)
{
	struct msg_attempt_committed m = { .id = { 42, 7, 2 }, .commit = true, .ok = false,
					   .already = true };
	strcpy(m.reason, "part-00007 exists");
	msg_encode_attempt_committed(w, 7, &m);
}

static void enc_log_read(struct mpw *w)
{
	struct msg_log_read m = { .id = { 42, 7, 2 }, .stream = "stderr", .max_bytes = 4096 };
	msg_encode_log_read(w, 8, &m);
}

static void enc_log_data(struct mpw *w)
{
	struct msg_log_data m = { .id = { 42, 7, 2 }, .ok = true, .data = "a\0b\xff", .len = 4,
				  .size = 123456 };
	msg_encode_log_data(w, 8, &m);
}

static void enc_submit(struct mpw *w)
{
	struct job_spec s;
	sample_spec(&s);
	msg_encode_job_submit(w, 10, &s);
}

static void enc_job_kill(struct mpw *w)
{
	struct msg_id_request m = { .id = { 42, -1, -1 } };
	strcpy(m.reason, "by hand");
	msg_encode_id_request(w, MSG_JOB_KILL, 11, &m);
}

static void enc_logs_get(struct mpw *w)
{
	struct msg_id_request m = { .id = { 42, 3, -1 }, .stream = "stderr", .max_bytes = 100 };
	msg_encode_id_request(w, MSG_LOGS_GET, 12, &m);
}

static void enc_list(struct mpw *w)
{
	struct msg_list_request m = { .state = "RUNNING", .queue = "research", .limit = 20 };
	msg_encode_list_request(w, MSG_JOB_LIST, 13, &m);
}

/* ---- decoders behind one signature, freeing what they allocate --------------------- */

static int dec_error(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_error m;
	return msg_decode_error(o, &m, e);
}

static int dec_hello(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_hello m;
	return msg_decode_hello(o, &m, e);
}

static int dec_register(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_node_register m;
	int rc = msg_decode_node_register(o, &m, e);
	if (rc == 0)
		msg_node_register_free(&m);
	return rc;
}

static int dec_heartbeat(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_node_heartbeat m;
	int rc = msg_decode_node_heartbeat(o, &m, e);
	if (rc == 0)
		msg_node_heartbeat_free(&m);
	return rc;
}

static int dec_launch(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_attempt_launch m;
	int rc = msg_decode_attempt_launch(o, &m, e);
	if (rc == 0)
		msg_attempt_launch_free(&m);
	return rc;
}

static int dec_kill(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_attempt_kill m;
	return msg_decode_attempt_kill(o, &m, e);
}

static int dec_status(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_attempt_status m;
	return msg_decode_attempt_status(o, &m, e);
}

static int dec_commit(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_attempt_commit m;
	return msg_decode_attempt_commit(o, &m, e);
}

static int dec_committed(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_attempt_committed m;
	return msg_decode_attempt_committed(o, &m, e);
}

static int dec_log_read(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_log_read m;
	return msg_decode_log_read(o, &m, e);
}

static int dec_log_data(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_log_data m;
	return msg_decode_log_data(o, &m, e);
}

static int dec_submit(const msgpack_object *o, struct mpr_err *e)
{
	struct job_spec s;
	int rc = msg_decode_job_submit(o, &s, e);
	if (rc == 0)
		job_spec_free(&s);
	return rc;
}

static int dec_id(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_id_request m;
	return msg_decode_id_request(o, &m, e);
}

static void enc_node_drain(struct mpw *w)
{
	struct msg_node_drain m = { .node = "node-2", .timeout_ms = 30000, .reason = "reboot" };
	msg_encode_node_drain(w, MSG_NODE_DRAIN, 12, &m);
}

static int dec_node_drain(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_node_drain m;
	return msg_decode_node_drain(o, &m, e);
}

static int dec_list(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_list_request m;
	return msg_decode_list_request(o, &m, e);
}

struct codec {
	const char *name;
	void (*enc)(struct mpw *);
	int (*dec)(const msgpack_object *, struct mpr_err *);
};

static const struct codec codecs[] = {
	{ "error", enc_error, dec_error },
	{ "hello", enc_hello, dec_hello },
	{ "node_register", enc_register, dec_register },
	{ "node_heartbeat", enc_heartbeat, dec_heartbeat },
	{ "attempt_launch", enc_launch, dec_launch },
	{ "attempt_kill", enc_kill, dec_kill },
	{ "attempt_status", enc_status, dec_status },
	{ "attempt_commit", enc_commit, dec_commit },
	{ "attempt_committed", enc_committed, dec_committed },
	{ "log_read", enc_log_read, dec_log_read },
	{ "log_data", enc_log_data, dec_log_data },
	{ "job_submit", enc_submit, dec_submit },
	{ "job_kill", enc_job_kill, dec_id },
	{ "logs_get", enc_logs_get, dec_id },
	{ "job_list", enc_list, dec_list },
	{ "node_drain", enc_node_drain, dec_node_drain },
};
#define NCODECS (sizeof codecs / sizeof codecs[0])

/* ---- round trips ------------------------------------------------------------------ */

static void test_names(void **state)
{
#define MSG(id, name, wire)                                      \
	assert_string_equal(msg_type_name(MSG_##name), wire);    \
	assert_true(msg_type_known(id));
#include "msgtypes.def"
#undef MSG
	assert_string_equal(msg_type_name(999), "unknown");
	assert_false(msg_type_known(0));
	assert_int_equal(role_parse("node"), ROLE_NODE);
	assert_int_equal(role_parse("framework"), ROLE_FRAMEWORK);
	assert_int_equal(role_parse("admin"), -1);
	assert_string_equal(role_name(ROLE_CLIENT), "client");
	assert_string_equal(err_code_name(ERR_TOO_BIG), "too_big");
	assert_string_equal(err_code_name(99), "unknown");
	assert_string_equal(attempt_report_state_name(AR_LIMIT_KILLED), "limit_killed");
}

static void test_rt_error_hello(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_error er;
	struct msg_hello h;

	mpw_init(&w);
	enc_error(&w);
	assert_int_equal(msg_decode_error(unpack(&w, &u, MSG_ERROR, 9), &er, &e), 0);
	assert_int_equal(er.code, ERR_BAD_REQUEST);
	assert_string_equal(er.field, "res.mem_mb");
	assert_string_equal(er.message, "must be >= 0");
	msgpack_unpacked_destroy(&u);
	mpw_reset(&w);
	enc_hello(&w);
	assert_int_equal(msg_decode_hello(unpack(&w, &u, MSG_HELLO, 1), &h, &e), 0);
	assert_int_equal(h.role, ROLE_NODE);
	assert_int_equal(h.version, LOOM_PROTO_VERSION);
	assert_string_equal(h.name, "node-1");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rt_node(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_node_register r;
	struct msg_node_heartbeat hb;

	mpw_init(&w);
	enc_register(&w);
	assert_int_equal(msg_decode_node_register(unpack(&w, &u, MSG_NODE_REGISTER, 2), &r, &e), 0);
	assert_string_equal(r.name, "node-1");
	assert_string_equal(r.host, "127.0.0.1");
	struct res want = sample_res();
	assert_res_equal(&r.capacity, &want);
	assert_int_equal(r.nlabels, 2);
	assert_string_equal(r.labels[1], "gpu");
	assert_int_equal(r.nattempts, 2);
	assert_report_equal(&r.attempts[0], &reports[0]);
	assert_report_equal(&r.attempts[1], &reports[1]);
	msg_node_register_free(&r);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_heartbeat(&w);
	assert_int_equal(msg_decode_node_heartbeat(unpack(&w, &u, MSG_NODE_HEARTBEAT, 0), &hb, &e),
			 0);
	assert_int_equal(hb.seq, 17);
	assert_res_equal(&hb.used, &want);
	assert_int_equal(hb.mem_used_mb, 900);
	assert_true(hb.load1 == 1.25);
	assert_int_equal(hb.nattempts, 2);
	assert_false(hb.healthy);
	assert_string_equal(hb.health_reason, "ERROR disk /data full");
	for (int i = 0; i < 2; i++) {
		assert_id_equal(&hb.attempts[i].id, &progress[i].id);
		assert_true(hb.attempts[i].progress == progress[i].progress);
		assert_int_equal(hb.attempts[i].rss_mb, progress[i].rss_mb);
	}
	msg_node_heartbeat_free(&hb);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* node_drain round trip; a heartbeat without health fields means healthy. */
static void test_rt_node_drain(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_node_drain d;
	struct msg_node_heartbeat hb;

	mpw_init(&w);
	enc_node_drain(&w);
	assert_int_equal(msg_decode_node_drain(unpack(&w, &u, MSG_NODE_DRAIN, 12), &d, &e), 0);
	assert_string_equal(d.node, "node-2");
	assert_int_equal(d.timeout_ms, 30000);
	assert_string_equal(d.reason, "reboot");
	msgpack_unpacked_destroy(&u);
	mpw_reset(&w);
	mpw_msg(&w, MSG_NODE_DRAIN, 13, 1);
	mpw_kstr(&w, "node", "node-3");
	assert_int_equal(msg_decode_node_drain(unpack(&w, &u, MSG_NODE_DRAIN, 13), &d, &e), 0);
	assert_int_equal(d.timeout_ms, -1);
	assert_string_equal(d.reason, "");
	msgpack_unpacked_destroy(&u);
	mpw_reset(&w);
	mpw_msg(&w, MSG_NODE_HEARTBEAT, 0, 1);
	mpw_kint(&w, "seq", 3);
	assert_int_equal(msg_decode_node_heartbeat(unpack(&w, &u, MSG_NODE_HEARTBEAT, 0), &hb, &e),
			 0);
	assert_true(hb.healthy);
	assert_string_equal(hb.health_reason, "");
	msg_node_heartbeat_free(&hb);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rt_launch_kill(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_attempt_launch l;
	struct msg_attempt_kill k;
	struct loom_id aid = { 42, 7, 2 };

	mpw_init(&w);
	enc_launch(&w);
	assert_int_equal(msg_decode_attempt_launch(unpack(&w, &u, MSG_ATTEMPT_LAUNCH, 3), &l, &e),
			 0);
	assert_id_equal(&l.id, &aid);
	assert_int_equal(l.ntasks, 10);
	assert_int_equal(l.nargv, 3);
	assert_string_equal(l.argv[0], "/usr/bin/wc");
	assert_string_equal(l.argv[2], "");
	assert_null(l.argv[3]);
	assert_int_equal(l.nenv, 2);
	assert_string_equal(l.env[1], "B=");
	assert_null(l.env[2]);
	struct res want = sample_res();
	assert_res_equal(&l.res, &want);
	assert_string_equal(l.output_dir, "/data/out");
	assert_string_equal(l.workdir, "/tmp");
	assert_string_equal(l.user, "alice");
	assert_int_equal(l.kill_grace_ms, 5000);
	msg_attempt_launch_free(&l);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_kill(&w);
	assert_int_equal(msg_decode_attempt_kill(unpack(&w, &u, MSG_ATTEMPT_KILL, 4), &k, &e), 0);
	assert_id_equal(&k.id, &aid);
	assert_int_equal(k.grace_ms, 2000);
	assert_string_equal(k.reason, "job killed");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rt_status_commit(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_attempt_status s;
	struct msg_attempt_commit c;
	struct msg_attempt_committed cd;
	struct attempt_report want;
	struct loom_id aid = { 42, 7, 2 };

	mpw_init(&w);
	enc_status(&w);
	assert_int_equal(msg_decode_attempt_status(unpack(&w, &u, MSG_ATTEMPT_STATUS, 5), &s, &e),
			 0);
	sample_report(&want, 7);
	assert_report_equal(&s.r, &want);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_commit(&w);
	assert_int_equal(msg_decode_attempt_commit(unpack(&w, &u, MSG_ATTEMPT_COMMIT, 6), &c, &e),
			 0);
	assert_id_equal(&c.id, &aid);
	assert_true(c.commit);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_committed(&w);
	assert_int_equal(msg_decode_attempt_committed(unpack(&w, &u, MSG_ATTEMPT_COMMITTED, 7),
						      &cd, &e), 0);
	assert_id_equal(&cd.id, &aid);
	assert_true(cd.commit);
	assert_false(cd.ok);
	assert_true(cd.already);
	assert_string_equal(cd.reason, "part-00007 exists");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rt_logs(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_log_read r;
	struct msg_log_data d;
	struct loom_id aid = { 42, 7, 2 };

	mpw_init(&w);
	enc_log_read(&w);
	assert_int_equal(msg_decode_log_read(unpack(&w, &u, MSG_LOG_READ, 8), &r, &e), 0);
	assert_id_equal(&r.id, &aid);
	assert_string_equal(r.stream, "stderr");
	assert_int_equal(r.max_bytes, 4096);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_log_data(&w);
	assert_int_equal(msg_decode_log_data(unpack(&w, &u, MSG_LOG_DATA, 8), &d, &e), 0);
	assert_id_equal(&d.id, &aid);
	assert_true(d.ok);
	assert_int_equal(d.len, 4);
	assert_memory_equal(d.data, "a\0b\xff", 4);
	assert_int_equal(d.size, 123456);
	assert_string_equal(d.reason, "");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void assert_spec_equal(const struct job_spec *a, const struct job_spec *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->queue, b->queue);
	assert_string_equal(a->user, b->user);
	assert_int_equal(a->nargv, b->nargv);
	for (int i = 0; i < a->nargv; i++)
		assert_string_equal(a->argv[i], b->argv[i]);
	assert_int_equal(a->nenv, b->nenv);
	for (int i = 0; i < a->nenv; i++)
		assert_string_equal(a->env[i], b->env[i]);
	assert_int_equal(a->ntasks, b->ntasks);
	assert_res_equal(&a->res, &b->res);
	assert_int_equal(a->max_attempts, b->max_attempts);
	assert_int_equal(a->priority, b->priority);
	assert_string_equal(a->output_dir, b->output_dir);
	assert_string_equal(a->workdir, b->workdir);
	assert_int_equal(a->nafter, b->nafter);
	for (int i = 0; i < a->nafter; i++)
		assert_int_equal(a->after[i], b->after[i]);
	assert_int_equal(a->speculation.mode, b->speculation.mode);
	assert_int_equal(a->speculation.slow_task_pct, b->speculation.slow_task_pct);
	assert_int_equal(a->speculation.slow_node_pct, b->speculation.slow_node_pct);
	assert_int_equal(a->speculation.cap_pct, b->speculation.cap_pct);
	assert_int_equal(a->speculation.multiplier_pct, b->speculation.multiplier_pct);
	assert_int_equal(a->speculation.quantile_pct, b->speculation.quantile_pct);
	assert_int_equal(a->speculation.min_runtime_ms, b->speculation.min_runtime_ms);
	assert_int_equal(a->nrequire_labels, b->nrequire_labels);
	for (int i = 0; i < a->nrequire_labels; i++)
		assert_string_equal(a->require_labels[i], b->require_labels[i]);
	assert_int_equal(a->nexclude_labels, b->nexclude_labels);
	for (int i = 0; i < a->nexclude_labels; i++)
		assert_string_equal(a->exclude_labels[i], b->exclude_labels[i]);
}

static void test_rt_job_submit(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct job_spec s, want, copy;

	mpw_init(&w);
	enc_submit(&w);
	assert_int_equal(msg_decode_job_submit(unpack(&w, &u, MSG_JOB_SUBMIT, 10), &s, &e), 0);
	sample_spec(&want);
	assert_spec_equal(&s, &want);
	assert_null(s.argv[s.nargv]);
	assert_null(s.require_labels[s.nrequire_labels]);
	job_spec_copy(&copy, &s);
	job_spec_free(&s);
	assert_spec_equal(&copy, &want);
	job_spec_free(&copy);
	assert_null(copy.argv);
	msgpack_unpacked_destroy(&u);

	/* Defaults: only argv given; the name comes from argv[0]. */
	mpw_reset(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 1);
	char *argv[] = { "/bin/sleep", "1" };
	mpw_kstrv(&w, "argv", argv, 2);
	assert_int_equal(msg_decode_job_submit(unpack(&w, &u, MSG_JOB_SUBMIT, 1), &s, &e), 0);
	assert_string_equal(s.name, "sleep");
	assert_int_equal(s.ntasks, 1);
	assert_int_equal(s.max_attempts, 0);
	assert_string_equal(s.output_dir, "");
	assert_string_equal(s.workdir, "");
	assert_int_equal(s.nenv, 0);
	assert_non_null(s.env);
	assert_int_equal(s.nafter, 0);
	assert_int_equal(s.speculation.mode, SPECULATE_DEFAULT);
	assert_int_equal(s.speculation.multiplier_pct, 0);
	assert_int_equal(s.nrequire_labels, 0);
	assert_int_equal(s.nexclude_labels, 0);
	job_spec_free(&s);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rt_requests(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_id_request r;
	struct msg_list_request l;
	struct loom_id job = { 42, -1, -1 }, task = { 42, 3, -1 };

	mpw_init(&w);
	enc_job_kill(&w);
	assert_int_equal(msg_decode_id_request(unpack(&w, &u, MSG_JOB_KILL, 11), &r, &e), 0);
	assert_id_equal(&r.id, &job);
	assert_string_equal(r.reason, "by hand");
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	struct msg_id_request info = { .id = job };
	msg_encode_id_request(&w, MSG_JOB_INFO, 14, &info);
	assert_int_equal(msg_decode_id_request(unpack(&w, &u, MSG_JOB_INFO, 14), &r, &e), 0);
	assert_id_equal(&r.id, &job);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_logs_get(&w);
	assert_int_equal(msg_decode_id_request(unpack(&w, &u, MSG_LOGS_GET, 12), &r, &e), 0);
	assert_id_equal(&r.id, &task);
	assert_string_equal(r.stream, "stderr");
	assert_int_equal(r.max_bytes, 100);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_list(&w);
	assert_int_equal(msg_decode_list_request(unpack(&w, &u, MSG_JOB_LIST, 13), &l, &e), 0);
	assert_string_equal(l.state, "RUNNING");
	assert_string_equal(l.queue, "research");
	assert_string_equal(l.user, "");
	assert_int_equal(l.limit, 20);
	msgpack_unpacked_destroy(&u);

	/* All filters are optional. */
	mpw_reset(&w);
	mpw_msg(&w, MSG_NODE_LIST, 15, 0);
	assert_int_equal(msg_decode_list_request(unpack(&w, &u, MSG_NODE_LIST, 15), &l, &e), 0);
	assert_string_equal(l.state, "");
	assert_int_equal(l.limit, 0);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* ---- rejections ------------------------------------------------------------------- */

enum mut { M_DROP, M_SET };

struct reject {
	const char *codec;  /* name in codecs[] */
	const char *path;   /* field to change */
	enum mut how;
	msgpack_object val; /* for M_SET */
	const char *field;  /* what the error must name */
};

static char *too_long_name, *too_long_reason;

/* Finds the codec by name, encodes it, applies one mutation and expects the given field. */
static void check_reject(const struct reject *r)
{
	const struct codec *c = NULL;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e = { "", "" };
	struct mpr_err e0;
	int t;
	uint64_t id;

	for (size_t i = 0; i < NCODECS; i++)
		if (strcmp(codecs[i].name, r->codec) == 0)
			c = &codecs[i];
	assert_non_null(c);
	mpw_init(&w);
	c->enc(&w);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), &e0), 0);
	assert_int_equal(msg_envelope(&u.data, &t, &id, &e0), 0);
	assert_int_equal(c->dec(&u.data, &e0), 0); /* the sample itself is fine */
	const char *dot = strrchr(r->path, '.');
	if (r->how == M_DROP) {
		char parent[64];
		if (dot != NULL) {
			snprintf(parent, sizeof parent, "%.*s", (int)(dot - r->path), r->path);
			drop(at(&u.data, parent), dot + 1);
		} else {
			drop(&u.data, r->path);
		}
	} else {
		*at(&u.data, r->path) = r->val;
	}
	if (c->dec(&u.data, &e) != -1)
		fail_msg("%s: %s accepted", r->codec, r->path);
	if (strcmp(e.field, r->field) != 0)
		fail_msg("%s: %s: field '%s' (%s), want '%s'", r->codec, r->path, e.field, e.msg,
			 r->field);
	assert_true(e.msg[0] != '\0');
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rejects(void **state)
{
	too_long_name = long_string(PROTO_NAME_MAX);
	too_long_reason = long_string(PROTO_REASON_MAX);
	const struct reject cases[] = {
		{ "error", "code", M_SET, o_str("x"), "code" },
		{ "error", "code", M_DROP, { 0 }, "code" },
		{ "hello", "role", M_SET, o_str("admin"), "role" },
		{ "hello", "role", M_DROP, { 0 }, "role" },
		{ "hello", "version", M_SET, o_int(-1), "version" },
		{ "hello", "name", M_SET, o_str(too_long_name), "name" },
		{ "node_register", "name", M_SET, o_str(""), "name" },
		{ "node_register", "capacity", M_DROP, { 0 }, "capacity" },
		{ "node_register", "capacity.mem_mb", M_SET, o_int(-1), "capacity.mem_mb" },
		{ "node_register", "capacity.custom.fpga", M_SET, o_str("2"),
		  "capacity.custom.fpga" },
		{ "node_register", "labels", M_SET, o_int(3), "labels" },
		{ "node_register", "attempts", M_SET, o_str("x"), "attempts" },
		{ "node_register", "host", M_SET, o_int(1), "host" },
		{ "node_heartbeat", "seq", M_SET, o_int(-1), "seq" },
		{ "node_heartbeat", "seq", M_DROP, { 0 }, "seq" },
		{ "node_heartbeat", "load1", M_SET, o_str("high"), "load1" },
		{ "node_heartbeat", "used.gpus", M_SET, o_double(1.5), "used.gpus" },
		{ "node_heartbeat", "healthy", M_SET, o_int(1), "healthy" },
		{ "node_heartbeat", "health_reason", M_SET, o_str(too_long_reason),
		  "health_reason" },
		{ "node_drain", "node", M_SET, o_str(""), "node" },
		{ "node_drain", "node", M_DROP, { 0 }, "node" },
		{ "node_drain", "timeout_ms", M_SET, o_int(-2), "timeout_ms" },
		{ "node_drain", "reason", M_SET, o_str(too_long_reason), "reason" },
		{ "attempt_launch", "attempt", M_SET, o_str("job-42.t7"), "attempt" },
		{ "attempt_launch", "attempt", M_SET, o_str("nonsense"), "attempt" },
		{ "attempt_launch", "attempt", M_DROP, { 0 }, "attempt" },
		{ "attempt_launch", "ntasks", M_SET, o_int(0), "ntasks" },
		{ "attempt_launch", "ntasks", M_SET, o_int(PROTO_MAX_TASKS + 1), "ntasks" },
		{ "attempt_launch", "argv", M_DROP, { 0 }, "argv" },
		{ "attempt_launch", "res.vcores_m", M_SET, o_int(-1000), "res.vcores_m" },
		{ "attempt_launch", "res.mem_mb", M_SET, o_int(-1), "res.mem_mb" },
		{ "attempt_launch", "output_dir", M_SET, o_str("relative/dir"), "output_dir" },
		{ "attempt_launch", "workdir", M_SET, o_str("tmp"), "workdir" },
		{ "attempt_launch", "kill_grace_ms", M_SET, o_int(-5), "kill_grace_ms" },
		{ "attempt_launch", "user", M_SET, o_str(too_long_name), "user" },
		{ "attempt_kill", "grace_ms", M_SET, o_str("soon"), "grace_ms" },
		{ "attempt_kill", "reason", M_SET, o_str(too_long_reason), "reason" },
		{ "attempt_status", "state", M_SET, o_int(6), "state" },
		{ "attempt_status", "state", M_SET, o_int(0), "state" },
		{ "attempt_status", "progress", M_SET, o_double(1.5), "progress" },
		{ "attempt_status", "exit_code", M_SET, o_int(256), "exit_code" },
		{ "attempt_status", "attempt", M_SET, o_str("job-0.t1.a1"), "attempt" },
		{ "attempt_status", "log_tail", M_SET, o_str(too_long_reason), "log_tail" },
		{ "attempt_commit", "commit", M_SET, o_int(1), "commit" },
		{ "attempt_commit", "commit", M_DROP, { 0 }, "commit" },
		{ "attempt_committed", "ok", M_DROP, { 0 }, "ok" },
		{ "log_read", "stream", M_SET, o_str("stdin"), "stream" },
		{ "log_read", "max_bytes", M_SET, o_int(PROTO_MAX_LOG_BYTES + 1), "max_bytes" },
		{ "log_data", "data", M_SET, o_int(4), "data" },
		{ "log_data", "size", M_SET, o_int(-4), "size" },
		{ "job_submit", "argv", M_DROP, { 0 }, "argv" },
		{ "job_submit", "argv", M_SET, o_str("/bin/ls"), "argv" },
		{ "job_submit", "ntasks", M_SET, o_int(0), "ntasks" },
		{ "job_submit", "ntasks", M_SET, o_str("10"), "ntasks" },
		{ "job_submit", "max_attempts", M_SET, o_int(101), "max_attempts" },
		{ "job_submit", "max_attempts", M_SET, o_int(-1), "max_attempts" },
		{ "job_submit", "priority", M_SET, o_int(1001), "priority" },
		{ "job_submit", "priority", M_SET, o_int(-1001), "priority" },
		{ "job_submit", "res.mem_mb", M_SET, o_int(-1), "res.mem_mb" },
		{ "job_submit", "res", M_SET, o_int(3), "res" },
		{ "job_submit", "output_dir", M_SET, o_str("out"), "output_dir" },
		{ "job_submit", "workdir", M_SET, o_bool(true), "workdir" },
		{ "job_submit", "name", M_SET, o_str(too_long_name), "name" },
		{ "job_submit", "queue", M_SET, o_int(0), "queue" },
		{ "job_submit", "after", M_SET, o_str("job-3"), "after" },
		{ "job_submit", "speculation", M_SET, o_str("maybe"), "speculation" },
		{ "job_submit", "speculation", M_SET, o_bool(true), "speculation" },
		{ "job_submit", "spec_multiplier_pct", M_SET, o_int(50), "spec_multiplier_pct" },
		{ "job_submit", "spec_slow_task_pct", M_SET, o_int(100), "spec_slow_task_pct" },
		{ "job_submit", "spec_min_runtime_ms", M_SET, o_int(-1), "spec_min_runtime_ms" },
		{ "job_submit", "require_labels", M_SET, o_str("ssd"), "require_labels" },
		{ "job_submit", "exclude_labels", M_SET, o_int(1), "exclude_labels" },
		{ "job_kill", "target", M_SET, o_str("job-42.t1"), "target" },
		{ "job_kill", "target", M_DROP, { 0 }, "target" },
		{ "job_kill", "reason", M_SET, o_int(1), "reason" },
		{ "logs_get", "target", M_SET, o_str("job-42"), "target" },
		{ "logs_get", "max_bytes", M_SET, o_int(-1), "max_bytes" },
		{ "job_list", "limit", M_SET, o_int(-1), "limit" },
		{ "job_list", "state", M_SET, o_str("A-STATE-NAME-THAT-IS-FAR-TOO-LONG"), "state" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_reject(&cases[i]);
	free(too_long_name);
	free(too_long_reason);
}

/* Decodes a message built by hand with mpw and expects field to be named. */
static void expect_field(struct mpw *w, int (*dec)(const msgpack_object *, struct mpr_err *),
			 const char *field)
{
	msgpack_unpacked u;
	struct mpr_err e = { "", "" };
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(w), mpw_len(w), &e), 0);
	assert_int_equal(dec(&u.data, &e), -1);
	assert_string_equal(e.field, field);
	msgpack_unpacked_destroy(&u);
	mpw_reset(w);
}

/* Arrays and nested entries: the failing element is named with its index. */
static void test_rejects_nested(void **state)
{
	struct mpw w;
	char *argv_empty0[] = { "", "x" };
	char *argv_ok[] = { "/bin/true" };
	char *env_bad[] = { "A=1", "=novalue" };
	char *env_nokey[] = { "JUSTKEY" };

	mpw_init(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 1);
	mpw_kstrv(&w, "argv", argv_empty0, 2);
	expect_field(&w, dec_submit, "argv");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 1);
	mpw_kstrv(&w, "argv", NULL, 0);
	expect_field(&w, dec_submit, "argv");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_kstrv(&w, "env", env_bad, 2);
	expect_field(&w, dec_submit, "env[1]");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_kstrv(&w, "env", env_nokey, 1);
	expect_field(&w, dec_submit, "env[0]");
	/* argv element of the wrong type */
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 1);
	mpw_key(&w, "argv");
	mpw_array(&w, 2);
	mpw_str(&w, "/bin/ls");
	mpw_int(&w, 5);
	expect_field(&w, dec_submit, "argv[1]");
	/* after: not a job id */
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	char *after[] = { "job-3", "job-3.t1" };
	mpw_kstrv(&w, "after", after, 2);
	expect_field(&w, dec_submit, "after[1]");
	/* too many after entries */
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_key(&w, "after");
	mpw_array(&w, PROTO_MAX_DEPS + 1);
	for (int i = 0; i <= PROTO_MAX_DEPS; i++)
		mpw_str(&w, "job-1");
	expect_field(&w, dec_submit, "after");
	/* labels: an empty one, one too long, too many, one both required and excluded */
	char *lab_empty[] = { "ssd", "" };
	char lab_long[PROTO_LABEL_MAX + 1];
	memset(lab_long, 'x', PROTO_LABEL_MAX);
	lab_long[PROTO_LABEL_MAX] = '\0';
	char *lab_toolong[] = { lab_long };
	char *lab_ssd[] = { "ssd" };
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_kstrv(&w, "require_labels", lab_empty, 2);
	expect_field(&w, dec_submit, "require_labels[1]");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_kstrv(&w, "exclude_labels", lab_toolong, 1);
	expect_field(&w, dec_submit, "exclude_labels[0]");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_key(&w, "require_labels");
	mpw_array(&w, PROTO_MAX_LABELS + 1);
	for (int i = 0; i <= PROTO_MAX_LABELS; i++)
		mpw_str(&w, "ssd");
	expect_field(&w, dec_submit, "require_labels");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 3);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_kstrv(&w, "require_labels", lab_ssd, 1);
	mpw_kstrv(&w, "exclude_labels", lab_ssd, 1);
	expect_field(&w, dec_submit, "exclude_labels");
	/* a custom resource with a bad name */
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_key(&w, "res");
	mpw_map(&w, 1);
	mpw_key(&w, "custom");
	mpw_map(&w, 1);
	mpw_kint(&w, "", 1);
	expect_field(&w, dec_submit, "res.custom");
	/* heartbeat entry 1 has a task id where an attempt id belongs */
	mpw_msg(&w, MSG_NODE_HEARTBEAT, 0, 2);
	mpw_kint(&w, "seq", 1);
	mpw_key(&w, "attempts");
	mpw_array(&w, 2);
	struct loom_id a = id_attempt(1, 0, 1), t = id_task(1, 0);
	mpw_map(&w, 1);
	mpw_kid(&w, "attempt", &a);
	mpw_map(&w, 1);
	mpw_kid(&w, "attempt", &t);
	expect_field(&w, dec_heartbeat, "attempts[1].attempt");
	/* register: report 0 has no state */
	mpw_msg(&w, MSG_NODE_REGISTER, 0, 4);
	mpw_kstr(&w, "name", "n");
	mpw_kstr(&w, "host", "h");
	struct res r = { 0 };
	mpw_kres(&w, "capacity", &r);
	mpw_key(&w, "attempts");
	mpw_array(&w, 1);
	mpw_map(&w, 1);
	mpw_kid(&w, "attempt", &a);
	expect_field(&w, dec_register, "attempts[0].state");
	/* register: a label too long */
	char *labels[] = { "ok",
			   "a-label-that-goes-on-and-on-and-on-well-past-sixty-four-bytes-total" };
	mpw_msg(&w, MSG_NODE_REGISTER, 0, 4);
	mpw_kstr(&w, "name", "n");
	mpw_kstr(&w, "host", "h");
	mpw_kres(&w, "capacity", &r);
	mpw_kstrv(&w, "labels", labels, 2);
	expect_field(&w, dec_register, "labels[1]");
	/* strings with NUL bytes are refused */
	mpw_msg(&w, MSG_HELLO, 0, 3);
	mpw_kstr(&w, "role", "client");
	mpw_kint(&w, "version", 1);
	mpw_key(&w, "name");
	mpw_strn(&w, "a\0b", 3);
	expect_field(&w, dec_hello, "name");
	mpw_free(&w);
}

/* A decoder's output is untouched when it fails. */
static void test_no_half_fill(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct job_spec s;
	char *argv[] = { "/bin/true" };

	memset(&s, 0xab, sizeof s);
	mpw_init(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 3);
	mpw_kstrv(&w, "argv", argv, 1);
	mpw_kstr(&w, "output_dir", "/ok");
	mpw_kstr(&w, "workdir", "bad");
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), &e), 0);
	assert_int_equal(msg_decode_job_submit(&u.data, &s, &e), -1);
	assert_string_equal(e.field, "workdir");
	for (size_t i = 0; i < sizeof s; i++)
		assert_int_equal(((unsigned char *)&s)[i], 0xab);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* The error reads as the reply a person would get. */
static void test_error_text(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct job_spec s;
	char *argv[] = { "/bin/true" };
	struct res r = { .mem_mb = -1 };

	mpw_init(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv, 1);
	mpw_kres(&w, "res", &r);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), &e), 0);
	assert_int_equal(msg_decode_job_submit(&u.data, &s, &e), -1);
	assert_string_equal(e.field, "res.mem_mb");
	assert_string_equal(e.msg, "must be >= 0");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* ---- garbage and fuzzing ---------------------------------------------------------- */

static void expect_unpack_fails(const char *buf, size_t len)
{
	msgpack_unpacked u;
	struct mpr_err e;
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, buf, len, &e), -1);
	msgpack_unpacked_destroy(&u);
}

static void test_garbage(void **state)
{
	msgpack_unpacked u;
	struct mpr_err e;
	int t;
	uint64_t id;

	expect_unpack_fails("\xc1", 1);                    /* never used */
	expect_unpack_fails("\x81\xa1t", 3);               /* truncated map */
	expect_unpack_fails("\x80\x80", 2);                /* trailing bytes */
	expect_unpack_fails("\xdd\xff\xff\xff\xff\x00", 6); /* array claiming 4G entries */
	expect_unpack_fails("\xdf\x10\x00\x00\x00\xc0\xc0", 7);
	expect_unpack_fails("\xdb\x00\x00\x10\x00" "abc", 8); /* str longer than the bytes */
	expect_unpack_fails("", 0);
	/* well-formed msgpack that is not a message */
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, "\x93\x01\x02\x03", 4, &e), 0);
	assert_int_equal(msg_envelope(&u.data, &t, &id, &e), -1);
	msgpack_unpacked_destroy(&u);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, "\x81\xa1t\xa1x", 5, &e), 0); /* t is a string */
	assert_int_equal(msg_envelope(&u.data, &t, &id, &e), -1);
	assert_string_equal(e.field, "t");
	msgpack_unpacked_destroy(&u);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, "\x81\xa1t\x05", 4, &e), 0); /* no id: 0 */
	assert_int_equal(msg_envelope(&u.data, &t, &id, &e), 0);
	assert_int_equal(t, 5);
	assert_int_equal(id, 0);
	msgpack_unpacked_destroy(&u);
}

/* Runs the decoder that a type selects, as a daemon would. */
static void decode_any(const msgpack_object *o, int type)
{
	struct mpr_err e;
	for (size_t i = 0; i < NCODECS; i++)
		codecs[i].dec(o, &e); /* every decoder must survive every input */
	(void)type;
}

static void test_fuzz(void **state)
{
	unsigned seed = 12345;
	struct mpw w;

	mpw_init(&w);
	for (size_t c = 0; c < NCODECS; c++) {
		mpw_reset(&w);
		codecs[c].enc(&w);
		size_t len = mpw_len(&w);
		char *buf = malloc(len);
		for (int iter = 0; iter < 300; iter++) {
			memcpy(buf, mpw_data(&w), len);
			int nmut = 1 + rand_r(&seed) % 4;
			for (int m = 0; m < nmut; m++)
				buf[rand_r(&seed) % len] = (char)(rand_r(&seed) & 0xff);
			size_t use = (rand_r(&seed) % 8 == 0) ? (size_t)rand_r(&seed) % len : len;
			msgpack_unpacked u;
			struct mpr_err e;
			int t;
			uint64_t id;
			msgpack_unpacked_init(&u);
			if (mpr_unpack(&u, buf, use, &e) == 0 &&
			    msg_envelope(&u.data, &t, &id, &e) == 0)
				decode_any(&u.data, t);
			msgpack_unpacked_destroy(&u);
		}
		free(buf);
	}
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_rt_error_hello),
		cmocka_unit_test(test_rt_node),
		cmocka_unit_test(test_rt_node_drain),
		cmocka_unit_test(test_rt_launch_kill),
		cmocka_unit_test(test_rt_status_commit),
		cmocka_unit_test(test_rt_logs),
		cmocka_unit_test(test_rt_job_submit),
		cmocka_unit_test(test_rt_requests),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_rejects_nested),
		cmocka_unit_test(test_no_half_fill),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

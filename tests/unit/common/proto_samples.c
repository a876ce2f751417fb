/* One valid sample of each message of proto.h, its encoder and its decoder, listed in
 * codecs[] for the tests that walk every message (rejections, fuzzing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_samples.h"
#include "proto_test_util.h"

struct res sample_res(void)
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

void sample_spec(struct job_spec *s)
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

void sample_report(struct attempt_report *r, int n)
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

/* ---- encoders of valid samples, one per message ------------------------------------ */

void enc_error(struct mpw *w)
{
	msg_encode_error(w, 9, ERR_BAD_REQUEST, "res.mem_mb", "must be >= 0");
}

void enc_hello(struct mpw *w)
{
	struct msg_hello h = { .role = ROLE_NODE, .version = LOOM_PROTO_VERSION };
	strcpy(h.name, "node-1");
	msg_encode_hello(w, 1, &h);
}

struct attempt_report reports[2];

void enc_register(struct mpw *w)
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

struct attempt_progress progress[2] = {
	{ .id = { 5, 0, 1 }, .progress = 0.5, .rss_mb = 10 },
	{ .id = { 5, 1, 2 }, .progress = -1, .rss_mb = 0 },
};

void enc_heartbeat(struct mpw *w)
{
	struct msg_node_heartbeat m = { .seq = 17, .mem_used_mb = 900, .load1 = 1.25,
					.nattempts = 2, .attempts = progress, .healthy = false,
					.health_reason = "ERROR disk /data full" };
	m.used = sample_res();
	msg_encode_node_heartbeat(w, 0, &m);
}

void enc_launch(struct mpw *w)
{
	struct msg_attempt_launch m = { .id = { 42, 7, 2 }, .ntasks = 10, .argv = sample_argv,
					.nargv = 3, .env = sample_env, .nenv = 2,
					.output_dir = "/data/out", .workdir = "/tmp",
					.kill_grace_ms = 5000 };
	m.res = sample_res();
	strcpy(m.user, "alice");
	msg_encode_attempt_launch(w, 3, &m);
}

void enc_kill(struct mpw *w)
{
	struct msg_attempt_kill m = { .id = { 42, 7, 2 }, .grace_ms = 2000 };
	strcpy(m.reason, "job killed");
	msg_encode_attempt_kill(w, 4, &m);
}

void enc_status(struct mpw *w)
{
	struct msg_attempt_status m;
	sample_report(&m.r, 7);
	msg_encode_attempt_status(w, 5, &m);
}

void enc_commit(struct mpw *w)
{
	struct msg_attempt_commit m = { .id = { 42, 7, 2 }, .commit = true };
	msg_encode_attempt_commit(w, 6, &m);
}

void enc_committed(struct mpw *w)
{
	struct msg_attempt_committed m = { .id = { 42, 7, 2 }, .commit = true, .ok = false,
					   .already = true };
	strcpy(m.reason, "part-00007 exists");
	msg_encode_attempt_committed(w, 7, &m);
}

void enc_log_read(struct mpw *w)
{
	struct msg_log_read m = { .id = { 42, 7, 2 }, .stream = "stderr", .max_bytes = 4096 };
	msg_encode_log_read(w, 8, &m);
}

void enc_log_data(struct mpw *w)
{
	struct msg_log_data m = { .id = { 42, 7, 2 }, .ok = true, .data = "a\0b\xff", .len = 4,
				  .size = 123456 };
	msg_encode_log_data(w, 8, &m);
}

void enc_submit(struct mpw *w)
{
	struct job_spec s;
	sample_spec(&s);
	msg_encode_job_submit(w, 10, &s);
}

void enc_job_kill(struct mpw *w)
{
	struct msg_id_request m = { .id = { 42, -1, -1 } };
	strcpy(m.reason, "by hand");
	msg_encode_id_request(w, MSG_JOB_KILL, 11, &m);
}

void enc_logs_get(struct mpw *w)
{
	struct msg_id_request m = { .id = { 42, 3, -1 }, .stream = "stderr", .max_bytes = 100 };
	msg_encode_id_request(w, MSG_LOGS_GET, 12, &m);
}

void enc_list(struct mpw *w)
{
	struct msg_list_request m = { .state = "RUNNING", .queue = "research", .limit = 20 };
	msg_encode_list_request(w, MSG_JOB_LIST, 13, &m);
}

/* ---- decoders behind one signature, freeing what they allocate --------------------- */

int dec_error(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_error m;
	return msg_decode_error(o, &m, e);
}

int dec_hello(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_hello m;
	return msg_decode_hello(o, &m, e);
}

int dec_register(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_node_register m;
	int rc = msg_decode_node_register(o, &m, e);
	if (rc == 0)
		msg_node_register_free(&m);
	return rc;
}

int dec_heartbeat(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_node_heartbeat m;
	int rc = msg_decode_node_heartbeat(o, &m, e);
	if (rc == 0)
		msg_node_heartbeat_free(&m);
	return rc;
}

int dec_launch(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_attempt_launch m;
	int rc = msg_decode_attempt_launch(o, &m, e);
	if (rc == 0)
		msg_attempt_launch_free(&m);
	return rc;
}

int dec_kill(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_attempt_kill m;
	return msg_decode_attempt_kill(o, &m, e);
}

int dec_status(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_attempt_status m;
	return msg_decode_attempt_status(o, &m, e);
}

int dec_commit(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_attempt_commit m;
	return msg_decode_attempt_commit(o, &m, e);
}

int dec_committed(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_attempt_committed m;
	return msg_decode_attempt_committed(o, &m, e);
}

int dec_log_read(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_log_read m;
	return msg_decode_log_read(o, &m, e);
}

int dec_log_data(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_log_data m;
	return msg_decode_log_data(o, &m, e);
}

int dec_submit(const msgpack_object *o, struct mpr_err *e)
{
	struct job_spec s;
	int rc = msg_decode_job_submit(o, &s, e);
	if (rc == 0)
		job_spec_free(&s);
	return rc;
}

int dec_id(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_id_request m;
	return msg_decode_id_request(o, &m, e);
}

void enc_node_drain(struct mpw *w)
{
	struct msg_node_drain m = { .node = "node-2", .timeout_ms = 30000, .reason = "reboot" };
	msg_encode_node_drain(w, MSG_NODE_DRAIN, 12, &m);
}

int dec_node_drain(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_node_drain m;
	return msg_decode_node_drain(o, &m, e);
}

int dec_list(const msgpack_object *o, struct mpr_err *e)
{
	struct msg_list_request m;
	return msg_decode_list_request(o, &m, e);
}

const struct codec codecs[] = {
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
const size_t ncodecs = sizeof codecs / sizeof codecs[0];

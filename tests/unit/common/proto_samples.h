/* Sample messages of the test_proto_* programs (proto_samples.c). */
#ifndef LOOM_PROTO_SAMPLES_H
#define LOOM_PROTO_SAMPLES_H

#include "proto.h"

struct res sample_res(void);
/* A job_spec using every field; its strings are static, so it is never freed. */
void sample_spec(struct job_spec *s);
/* The report of attempt job-42.t<n>.a1, exited 3. */
void sample_report(struct attempt_report *r, int n);

/* What enc_register and enc_heartbeat sent, for comparing the decoded copies. */
extern struct attempt_report reports[2];
extern struct attempt_progress progress[2];

/* Encoders of the valid samples, one per message. */
void enc_error(struct mpw *w);
void enc_hello(struct mpw *w);
void enc_register(struct mpw *w);
void enc_heartbeat(struct mpw *w);
void enc_launch(struct mpw *w);
void enc_kill(struct mpw *w);
void enc_status(struct mpw *w);
void enc_commit(struct mpw *w);
void enc_committed(struct mpw *w);
void enc_log_read(struct mpw *w);
void enc_log_data(struct mpw *w);
void enc_submit(struct mpw *w);
void enc_job_kill(struct mpw *w);
void enc_logs_get(struct mpw *w);
void enc_list(struct mpw *w);
void enc_node_drain(struct mpw *w);

/* Decoders behind one signature, freeing what they allocate. */
int dec_error(const msgpack_object *o, struct mpr_err *e);
int dec_hello(const msgpack_object *o, struct mpr_err *e);
int dec_register(const msgpack_object *o, struct mpr_err *e);
int dec_heartbeat(const msgpack_object *o, struct mpr_err *e);
int dec_launch(const msgpack_object *o, struct mpr_err *e);
int dec_kill(const msgpack_object *o, struct mpr_err *e);
int dec_status(const msgpack_object *o, struct mpr_err *e);
int dec_commit(const msgpack_object *o, struct mpr_err *e);
int dec_committed(const msgpack_object *o, struct mpr_err *e);
int dec_log_read(const msgpack_object *o, struct mpr_err *e);
int dec_log_data(const msgpack_object *o, struct mpr_err *e);
int dec_submit(const msgpack_object *o, struct mpr_err *e);
int dec_id(const msgpack_object *o, struct mpr_err *e);
int dec_node_drain(const msgpack_object *o, struct mpr_err *e);
int dec_list(const msgpack_object *o, struct mpr_err *e);

/* Every message: its name, the encoder of its sample, its decoder. */
struct codec {
	const char *name;
	void (*enc)(struct mpw *);
	int (*dec)(const msgpack_object *, struct mpr_err *);
};
extern const struct codec codecs[];
extern const size_t ncodecs;

#endif

/*
 * Messages from rmd: one table maps each type to its handler. Every handler decodes with
 * the strict decoders of common/proto.h first, and a message that does not decode is
 * answered with an ERROR naming the field; nothing is acted on half-decoded.
 */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "dispatch.h"
#include "log.h"
#include "peer.h"
#include "timeutil.h"

static void bad_request(struct peer *p, uint64_t id, int type, const struct mpr_err *e)
{
	log_warn("msg", "bad %s from rmd: %s %s", msg_type_name(type), e->field, e->msg);
	peer_send_error(p, id, ERR_BAD_REQUEST, e->field, "%s", e->msg);
}

static void h_reply(struct peer *p, uint64_t id, const msgpack_object *o, void *ctx)
{
	rmconn_on_reply(ctx, id, o);
}

static void h_error(struct peer *p, uint64_t id, const msgpack_object *o, void *ctx)
{
	struct msg_error m;
	struct mpr_err e;

	/* Never answer an ERROR with an ERROR: two confused ends would ping-pong forever. */
	if (msg_decode_error(o, &m, &e) < 0) {
		log_warn("msg", "malformed error from rmd: %s %s", e.field, e.msg);
		return;
	}
	rmconn_on_error(ctx, id, &m);
}

static void h_launch(struct peer *p, uint64_t id, const msgpack_object *o, void *ctx)
{
	struct msg_attempt_launch m;
	struct mpr_err e;

	if (msg_decode_attempt_launch(o, &m, &e) < 0) {
		bad_request(p, id, MSG_ATTEMPT_LAUNCH, &e);
		return;
	}
	launch_attempt(ctx, &m);
	msg_attempt_launch_free(&m);
}

/* Closes rmd's books on an attempt this agent does not have. */
static void report_unknown(struct agent *ag, const struct loom_id *id)
{
	struct attempt_report r = { .id = *id, .state = AR_KILLED, .progress = -1 };

	snprintf(r.reason, sizeof r.reason, "unknown attempt");
	rmconn_send_report(ag, &r);
}

static void h_kill(struct peer *p, uint64_t id, const msgpack_object *o, void *ctx)
{
	struct agent *ag = ctx;
	struct msg_attempt_kill m;
	struct mpr_err e;

	if (msg_decode_attempt_kill(o, &m, &e) < 0) {
		bad_request(p, id, MSG_ATTEMPT_KILL, &e);
		return;
	}
	struct attempt *a = attempt_find(ag, &m.id);
	if (a == NULL) {
		report_unknown(ag, &m.id);
		return;
	}
	if (!attempt_is_live(a)) {
		/* Its final report is sent or on its way. A DONE one may still be committed (the
		 * kill may have crossed our report); if not, the sweep discards it. */
		if (a->state == AS_DONE && a->orphan_ms == 0) {
			log_info("msg", "%s: kill after it finished; its output is discarded in "
					"%d s unless rmd commits it", a->idstr,
				 AGENT_ORPHAN_TTL_MS / 1000);
			a->orphan_ms = mono_ms();
		}
		return;
	}
	int64_t grace = m.grace_ms > 0 ? m.grace_ms
			: a->kill_grace_ms > 0 ? a->kill_grace_ms : ag->conf.kill_grace_ms;
	monitor_kill(a, AR_KILLED, m.reason[0] ? m.reason : "killed on request", grace);
}

static void h_commit(struct peer *p, uint64_t id, const msgpack_object *o, void *ctx)
{
	struct msg_attempt_commit m;
	struct mpr_err e;

	if (msg_decode_attempt_commit(o, &m, &e) < 0) {
		bad_request(p, id, MSG_ATTEMPT_COMMIT, &e);
		return;
	}
	commit_request(ctx, id, &m);
}

static void h_log_read(struct peer *p, uint64_t id, const msgpack_object *o, void *ctx)
{
	struct msg_log_read m;
	struct mpr_err e;

	if (msg_decode_log_read(o, &m, &e) < 0) {
		bad_request(p, id, MSG_LOG_READ, &e);
		return;
	}
	logread_request(ctx, id, &m);
}

/* Everything comes from rmd, the only peer, so no row restricts the sender's role. */
static const struct dispatch_entry rm_table[] = {
	{ MSG_REPLY, 0, h_reply },
	{ MSG_ERROR, 0, h_error },
	{ MSG_ATTEMPT_LAUNCH, 0, h_launch },
	{ MSG_ATTEMPT_KILL, 0, h_kill },
	{ MSG_ATTEMPT_COMMIT, 0, h_commit },
	{ MSG_LOG_READ, 0, h_log_read },
};

void msgrm_on_msg(struct peer *p, int type, uint64_t id, const msgpack_object *o, void *arg)
{
	dispatch(rm_table, sizeof rm_table / sizeof rm_table[0], p, type, id, o, arg);
}

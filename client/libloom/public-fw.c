/*
 * The public framework layer, asynchronous core (include/loom.h): a framework connection
 * on the caller's event_base that registers, sends container requests, launches and
 * releases, and turns rmd's pushed container_event / node_event into callbacks. The
 * messages are proto.h's typed forms (common/proto-fw.c), so the wire has one encoder.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "public-fw-int.h"
#include "timeutil.h"
#include "xmalloc.h"

/* ---- lifetime ---------------------------------------------------------------------- */

static void fw_hold(struct loom_fw *fw)
{
	fw->busy++;
}

static void fw_destroy(struct loom_fw *fw)
{
	while (fw->pending != NULL) {
		struct fw_pending *p = fw->pending;
		fw->pending = p->next;
		free(p);
	}
	while (fw->head != NULL) {
		struct fw_queued *q = fw->head;
		fw->head = q->next;
		free(q);
	}
	free(fw->current);
	free(fw->live);
	free(fw);
}

/* Returns false when fw was freed meanwhile (the caller must not touch it any more). */
static bool fw_release(struct loom_fw *fw)
{
	if (--fw->busy > 0 || !fw->doomed)
		return !fw->doomed;
	fw_destroy(fw);
	return false;
}

/* Fails the requests still waiting for an answer, then forgets them. */
static void fw_fail_pending(struct loom_fw *fw)
{
	while (fw->pending != NULL && !fw->doomed) {
		struct fw_pending *p = fw->pending;
		fw->pending = p->next;
		if (p->done != NULL)
			p->done(fw, LOOM_ECONN, NULL, p->arg);
		free(p);
	}
}

/* The one place a framework ends: the connection goes, then closed(why). */
static void fw_close(struct loom_fw *fw, const char *why)
{
	if (fw->closed)
		return;
	fw->closed = true;
	snprintf(fw->error, sizeof fw->error, "%s", why);
	if (fw->conn != NULL) {
		loom_conn_free(fw->conn); /* safe inside its callbacks */
		fw->conn = NULL;
	}
	fw_hold(fw);
	fw_fail_pending(fw);
	if (!fw->doomed && fw->cbs.closed != NULL)
		fw->cbs.closed(fw, fw->error, fw->cbs.arg);
	fw_release(fw);
}

/* ---- registration ------------------------------------------------------------------ */

static void registered(struct loom_fw *fw, const struct msg_fw_registered *m)
{
	fw->registered = true;
	fw->resumed = m->resumed;
	fw->nlive = (size_t)m->ncontainers;
	fw->live = xcalloc(fw->nlive + 1, sizeof *fw->live);
	for (size_t i = 0; i < fw->nlive; i++)
		fw_container_out(&m->containers[i], &fw->live[i]);
	if (fw->cbs.registered != NULL) {
		fw_hold(fw);
		fw->cbs.registered(fw, fw->resumed, fw->live, fw->nlive, fw->cbs.arg);
		fw_release(fw);
	}
}

static void reg_done(struct loom_conn *c, int status, const msgpack_object *reply,
		     const struct msg_error *err, void *arg)
{
	struct loom_fw *fw = arg;
	struct msg_fw_registered m;
	struct mpr_err e;
	char why[PROTO_REASON_MAX + 128], text[PROTO_REASON_MAX];

	if (fw->doomed || fw->closed)
		return;
	if (status != LOOM_OK) {
		pub_error_text(err, text, sizeof text);
		snprintf(why, sizeof why, "%s%s", status == LOOM_EREPLY ?
			 "rmd refused the registration: " : "", text);
		fw_close(fw, why);
		return;
	}
	if (msg_decode_fw_registered(reply, &m, &e) < 0) {
		snprintf(why, sizeof why, "bad framework_register reply: %s: %s", e.field, e.msg);
		fw_close(fw, why);
		return;
	}
	registered(fw, &m);
	msg_fw_registered_free(&m);
}

static void build_register(struct mpw *w, int type, uint64_t id, const void *arg)
{
	msg_encode_fw_register(w, id, arg);
}

static void on_ready(struct loom_conn *c, void *arg)
{
	struct loom_fw *fw = arg;
	struct mpw w;

	mpw_init(&w);
	build_register(&w, MSG_FRAMEWORK_REGISTER, loom_next_id(c), &fw->reg);
	loom_request(c, &w, reg_done, fw); /* a failure arrives through on_close */
	mpw_free(&w);
}

static void on_close(struct loom_conn *c, const char *why, void *arg)
{
	fw_close(arg, why);
}

/* ---- pushed events ----------------------------------------------------------------- */

static void deliver(struct loom_fw *fw, const struct loom_container_event *ev)
{
	if (fw->cbs.container == NULL)
		return;
	fw_hold(fw);
	fw->cbs.container(fw, ev, fw->cbs.arg);
	fw_release(fw);
}

static void on_event(struct loom_conn *c, int type, const msgpack_object *obj, void *arg)
{
	struct loom_fw *fw = arg;
	struct msg_container_event ce;
	struct msg_node_event ne;
	struct loom_container_event ev;
	struct mpr_err e;

	if (fw->doomed || fw->closed)
		return;
	if (type == MSG_CONTAINER_EVENT && msg_decode_container_event(obj, &ce, &e) == 0) {
		fw_event_out(&ce, &ev);
		deliver(fw, &ev);
	} else if (type == MSG_NODE_EVENT && msg_decode_node_event(obj, &ne, &e) == 0 &&
		   fw->cbs.node_lost != NULL) {
		fw_hold(fw);
		fw->cbs.node_lost(fw, ne.node, ne.reason, fw->cbs.arg);
		fw_release(fw);
	}
}

/* ---- requests ---------------------------------------------------------------------- */

static struct fw_pending *pending_take(struct loom_fw *fw, struct fw_pending *p)
{
	for (struct fw_pending **pp = &fw->pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			return p;
		}
	return NULL;
}

/* A refused launch becomes the container's FAILED event (its one final event). */
static void launch_refused(struct loom_fw *fw, const char *container)
{
	struct loom_container_event ev = { .kind = LOOM_CEV_FAILED, .reason = fw->error };
	char *dot;

	pub_copy(ev.c.id, sizeof ev.c.id, container);
	pub_copy(ev.c.request, sizeof ev.c.request, container);
	if ((dot = strchr(ev.c.request, '.')) != NULL)
		*dot = '\0';
	deliver(fw, &ev);
}

/* The answer to one request of an asynchronous handle. */
static void reply_done(struct loom_conn *c, int status, const msgpack_object *reply,
		       const struct msg_error *err, void *arg)
{
	struct fw_pending *p = arg;
	struct loom_fw *fw = p->fw;
	struct loom_id req;
	struct mpr_err e;
	char id[ID_BUFSZ] = "";

	if (fw->doomed || pending_take(fw, p) == NULL)
		return;
	if (status != LOOM_OK)
		pub_error_text(err, fw->error, sizeof fw->error);
	else if (p->type == MSG_CONTAINER_REQUEST) {
		if (msg_decode_container_requested(reply, &req, &e) == 0)
			id_format(&req, id, sizeof id);
		else
			status = LOOM_ECONN;
	}
	fw_hold(fw);
	if (p->done != NULL)
		p->done(fw, status, status == LOOM_OK ? id : NULL, p->arg);
	else if (status != LOOM_OK && p->type == MSG_CONTAINER_LAUNCH && !fw->doomed)
		launch_refused(fw, p->target);
	if (p->type == MSG_FRAMEWORK_UNREGISTER && !fw->doomed)
		fw_close(fw, "unregistered");
	free(p);
	fw_release(fw);
}

/* Blocking handles: the request goes through loom_call on the handle's own loop. */
static int send_blocking(struct loom_fw *fw, int type, loom_build_fn build, const void *msg,
			 void (*done)(struct loom_fw *, int, const char *, void *), void *arg)
{
	msgpack_unpacked reply;
	struct msg_error err;
	struct loom_id req;
	struct mpr_err e;
	char id[ID_BUFSZ] = "";
	int st = loom_call(fw->conn, type, build, msg, &reply, &err);

	if (st != LOOM_OK)
		pub_error_text(&err, fw->error, sizeof fw->error);
	else if (type == MSG_CONTAINER_REQUEST) {
		if (msg_decode_container_requested(&reply.data, &req, &e) == 0) {
			id_format(&req, id, sizeof id);
		} else {
			snprintf(fw->error, sizeof fw->error, "bad reply: %s: %s", e.field, e.msg);
			st = LOOM_ECONN;
		}
	}
	msgpack_unpacked_destroy(&reply);
	fw_hold(fw);
	if (done != NULL)
		done(fw, st, st == LOOM_OK ? id : NULL, arg);
	if (!fw_release(fw))
		return st;
	if (type == MSG_FRAMEWORK_UNREGISTER)
		fw_close(fw, "unregistered");
	return st;
}

int fw_send(struct loom_fw *fw, int type, loom_build_fn build, const void *msg,
	    const char *target, void (*done)(struct loom_fw *, int, const char *, void *),
	    void *arg)
{
	struct mpw w;

	if (fw->closed || fw->conn == NULL || !fw->registered) {
		if (!fw->closed)
			snprintf(fw->error, sizeof fw->error, "not registered with rmd yet");
		return LOOM_ECONN;
	}
	if (fw->own_base != NULL)
		return send_blocking(fw, type, build, msg, done, arg);
	struct fw_pending *p = xcalloc(1, sizeof *p);
	*p = (struct fw_pending){ .fw = fw, .type = type, .done = done, .arg = arg };
	pub_copy(p->target, sizeof p->target, target);
	mpw_init(&w);
	uint64_t id = loom_next_id(fw->conn);
	if (build != NULL)
		build(&w, type, id, msg);
	else
		mpw_msg(&w, type, id, 0);
	if (loom_request(fw->conn, &w, reply_done, p) == 0) {
		mpw_free(&w);
		free(p);
		snprintf(fw->error, sizeof fw->error, "not connected to rmd");
		return LOOM_ECONN;
	}
	mpw_free(&w);
	p->next = fw->pending;
	fw->pending = p;
	return LOOM_OK;
}

/* ---- creation ------------------------------------------------------------------------ */

static int check_len(const char *what, const char *v, size_t max, char *err, size_t errlen)
{
	if (v != NULL && strlen(v) >= max) {
		snprintf(err, errlen, "%s is longer than %zu bytes", what, max - 1);
		return -1;
	}
	return 0;
}

/* "loom-<host>-<pid>-<random>": unique enough among the frameworks of one cluster. */
static void default_name(char *buf, size_t len)
{
	char host[64] = "host";
	unsigned r = (unsigned)(mono_us() ^ ((uint64_t)getpid() * 2654435761u));

	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	snprintf(buf, len, "loom-%s-%d-%04x", host, (int)getpid(), r & 0xffff);
}

struct loom_fw *fw_create(struct event_base *base, const struct loom_fw_opts *o,
			  const struct loom_fw_cbs *cbs, char *err, size_t errlen)
{
	static const struct loom_fw_opts none;
	struct loom_fw *fw;

	o = o != NULL ? o : &none;
	if (base == NULL) {
		snprintf(err, errlen, "no event_base");
		return NULL;
	}
	if (check_len("framework name", o->name, PROTO_NAME_MAX, err, errlen) < 0 ||
	    check_len("queue", o->queue, PROTO_NAME_MAX, err, errlen) < 0 ||
	    check_len("user", o->user, PROTO_NAME_MAX, err, errlen) < 0)
		return NULL;
	if (o->name != NULL && o->name[0] == '\0') {
		snprintf(err, errlen, "framework name is empty");
		return NULL;
	}
	fw = xcalloc(1, sizeof *fw);
	fw->base = base;
	if (cbs != NULL)
		fw->cbs = *cbs;
	if (o->name != NULL)
		pub_copy(fw->reg.name, sizeof fw->reg.name, o->name);
	else
		default_name(fw->reg.name, sizeof fw->reg.name);
	pub_copy(fw->reg.queue, sizeof fw->reg.queue, o->queue);
	if (o->user != NULL)
		pub_copy(fw->reg.user, sizeof fw->reg.user, o->user);
	else
		pub_user(fw->reg.user, sizeof fw->reg.user);

	struct loom_conn_opts co = { .name = fw->reg.name, .role = ROLE_FRAMEWORK };
	struct loom_conn_cbs cc = { on_ready, on_close, on_event, fw };
	fw->conn = loom_conn_new(base, loom_addr_choose(o->addr), &co, &cc, err, errlen);
	if (fw->conn == NULL) {
		free(fw);
		return NULL;
	}
	return fw;
}

struct loom_fw *loom_fw_start(struct event_base *base, const struct loom_fw_opts *o,
			      const struct loom_fw_cbs *cbs)
{
	char err[256];

	return fw_create(base, o, cbs, err, sizeof err);
}

const char *loom_fw_name(const struct loom_fw *fw)
{
	return fw->reg.name;
}

const char *loom_fw_error(const struct loom_fw *fw)
{
	return fw->error;
}

void loom_fw_free(struct loom_fw *fw)
{
	if (fw == NULL || fw->doomed)
		return;
	fw->doomed = true;
	if (fw->conn != NULL) {
		loom_conn_free(fw->conn);
		fw->conn = NULL;
	}
	if (fw->own_base != NULL) {
		/* The peer frees itself on a later loop turn: give it that turn. */
		event_base_loop(fw->own_base, EVLOOP_NONBLOCK);
		event_base_loop(fw->own_base, EVLOOP_NONBLOCK);
		event_base_free(fw->own_base);
		fw->own_base = NULL;
	}
	if (fw->busy == 0)
		fw_destroy(fw);
}

/*
 * fwprobe: speaks the framework protocol (docs/PROTOCOL.md "Frameworks") to a real rmd
 * over libloom's internal connection, step by step as its arguments say, and prints one
 * line per reply and pushed event, for test_framework.sh.
 *
 *   fwprobe ADDR NAME STEP...
 *   register                 prints "registered resumed=0|1 containers=N requests=M",
 *                            then "live <container> <state> <node>" per live container
 *   request COUNT VCORES MB  prints "request job-N"
 *   wait KIND N SECS         until N events of KIND (allocated, exited, ...) arrived
 *   launch I SHELLCMD        runs sh -c SHELLCMD in the I-th allocated container
 *   release I | release-request
 *   exec SHELLCMD            runs it ({nodeI} becomes the I-th container's node)
 *   sleep MS | unregister
 * Events print as "event <kind> <container> <node> exit=<code> signal=<sig> <reason>" and
 * "node_event <node> <state>". Any error reply prints "error <code> <field> <message>"
 * and exits 1. Leaving without unregister drops the connection (the grace starts).
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loom-conn.h"

#define MAXC 64

static struct {
	struct event_base *base;
	struct loom_conn *c;
	bool ready, closed, done;
	int status;
	char ids[MAXC][ID_BUFSZ], nodes[MAXC][PROTO_NAME_MAX];
	int nc;
	int counts[CONT_KIND_MAX];
	int node_events;
	struct loom_id request;
} P;

static void on_ready(struct loom_conn *c, void *arg)
{
	P.ready = true;
}

static void on_close(struct loom_conn *c, const char *why, void *arg)
{
	printf("closed %s\n", why);
	P.closed = true;
}

static void on_event(struct loom_conn *c, int type, const msgpack_object *obj, void *arg)
{
	struct mpr_err e;
	char id[ID_BUFSZ];

	if (type == MSG_NODE_EVENT) {
		struct msg_node_event n;
		if (msg_decode_node_event(obj, &n, &e) == 0)
			printf("node_event %s %s\n", n.node, n.state);
		P.node_events++;
		return;
	}
	struct msg_container_event ev;
	if (type != MSG_CONTAINER_EVENT || msg_decode_container_event(obj, &ev, &e) < 0) {
		printf("bad_event %d %s %s\n", type, e.field, e.msg);
		return;
	}
	id_format(&ev.container, id, sizeof(id));
	printf("event %s %s %s exit=%d signal=%d %s\n", container_event_names[ev.kind], id,
	       ev.node, ev.exit_code, ev.signal, ev.reason);
	P.counts[ev.kind]++;
	if (ev.kind == CONT_ALLOCATED && P.nc < MAXC) {
		snprintf(P.ids[P.nc], sizeof(P.ids[0]), "%s", id);
		snprintf(P.nodes[P.nc++], sizeof(P.nodes[0]), "%s", ev.node);
	}
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
}

/* Runs the loop until *flag or secs pass; false on timeout or close. */
static bool run_until(bool *flag, double secs)
{
	struct timeval tv = { 0, 50000 };
	struct event *t = event_new(P.base, -1, EV_PERSIST, tick, NULL);
	int rounds = (int)(secs * 20);

	event_add(t, &tv);
	while (!*flag && !P.closed && rounds-- > 0)
		event_base_loop(P.base, EVLOOP_ONCE);
	event_free(t);
	return *flag;
}

static void on_reply(struct loom_conn *c, int status, const msgpack_object *reply,
		     const struct msg_error *err, void *arg)
{
	int type = *(int *)arg;
	struct mpr_err e;

	P.done = true;
	P.status = status;
	if (status != LOOM_OK) {
		printf("error %d %s %s\n", err->code, err->field, err->message);
		return;
	}
	if (type == MSG_FRAMEWORK_REGISTER) {
		struct msg_fw_registered r;
		char id[ID_BUFSZ];
		if (msg_decode_fw_registered(reply, &r, &e) < 0) {
			printf("bad_reply %s %s\n", e.field, e.msg);
			P.status = -1;
			return;
		}
		printf("registered resumed=%d containers=%d requests=%d\n", r.resumed,
		       r.ncontainers, r.nrequests);
		for (int i = 0; i < r.ncontainers; i++)
			printf("live %s %s %s\n", id_format(&r.containers[i].id, id, sizeof(id)),
			       r.containers[i].state, r.containers[i].node);
		msg_fw_registered_free(&r);
	} else if (type == MSG_CONTAINER_REQUEST) {
		char id[ID_BUFSZ];
		if (msg_decode_container_requested(reply, &P.request, &e) == 0)
			printf("request %s\n", id_format(&P.request, id, sizeof(id)));
	} else {
		printf("ok\n");
	}
}

/* Sends w (built with id) and waits for the reply; exits on an error. */
static void call(struct mpw *w, int type)
{
	static int t;

	t = type;
	P.done = false;
	if (loom_request(P.c, w, on_reply, &t) == 0 || !run_until(&P.done, 30) ||
	    P.status != LOOM_OK) {
		printf("failed %s\n", msg_type_name(type));
		exit(1);
	}
}

static int idx(const char *s)
{
	int i = atoi(s);

	if (i < 0 || i >= P.nc) {
		printf("failed no container %d\n", i);
		exit(1);
	}
	return i;
}

static void step_wait(const char *kind, int n, double secs)
{
	int k = 0;
	bool ok = false;

	while (k < CONT_KIND_MAX && strcmp(container_event_names[k], kind) != 0)
		k++;
	for (double waited = 0; waited < secs && !ok && !P.closed; waited += 0.1) {
		ok = k < CONT_KIND_MAX ? P.counts[k] >= n : P.node_events >= n;
		if (!ok) {
			bool never = false;
			run_until(&never, 0.1);
		}
	}
	if (!ok) {
		printf("failed waiting for %d %s\n", n, kind);
		exit(1);
	}
}

/* exec: {nodeI} is the I-th container's node. */
static void step_exec(const char *cmd)
{
	char buf[4096], *o = buf;

	for (const char *s = cmd; *s && o < buf + sizeof(buf) - PROTO_NAME_MAX - 1;) {
		if (strncmp(s, "{node", 5) == 0 && strchr(s, '}') != NULL) {
			int i = idx(s + 5);
			o += sprintf(o, "%s", P.nodes[i]);
			s = strchr(s, '}') + 1;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	if (system(buf) != 0)
		printf("exec failed: %s\n", buf);
}

/* ---- the steps: each sends one request (or waits, or runs a command) ------------- */

static const char *fw_name;

static void do_register(char **a, struct mpw *w)
{
	struct msg_fw_register m = { 0 };

	snprintf(m.name, sizeof(m.name), "%s", fw_name);
	snprintf(m.user, sizeof(m.user), "probe");
	msg_encode_fw_register(w, loom_next_id(P.c), &m);
	call(w, MSG_FRAMEWORK_REGISTER);
}

static void do_request(char **a, struct mpw *w)
{
	struct msg_container_request m = { .count = atoi(a[1]) };

	m.res.vcores_m = atoi(a[2]) * 1000;
	m.res.mem_mb = atoi(a[3]);
	msg_encode_container_request(w, loom_next_id(P.c), &m);
	call(w, MSG_CONTAINER_REQUEST);
}

static void do_wait(char **a, struct mpw *w)
{
	step_wait(a[1], atoi(a[2]), atof(a[3]));
}

static void do_launch(char **a, struct mpw *w)
{
	char *av[] = { "sh", "-c", a[2], NULL };
	struct msg_container_launch m = { .argv = av, .nargv = 3 };

	id_parse(P.ids[idx(a[1])], &m.container);
	msg_encode_container_launch(w, loom_next_id(P.c), &m);
	call(w, MSG_CONTAINER_LAUNCH);
}

static void do_release(char **a, struct mpw *w)
{
	struct msg_container_release m = { .whole = false };

	id_parse(P.ids[idx(a[1])], &m.target);
	msg_encode_container_release(w, loom_next_id(P.c), &m);
	call(w, MSG_CONTAINER_RELEASE);
}

static void do_release_request(char **a, struct mpw *w)
{
	struct msg_container_release m = { .target = P.request, .whole = true };

	msg_encode_container_release(w, loom_next_id(P.c), &m);
	call(w, MSG_CONTAINER_RELEASE);
}

static void do_unregister(char **a, struct mpw *w)
{
	mpw_msg(w, MSG_FRAMEWORK_UNREGISTER, loom_next_id(P.c), 0);
	call(w, MSG_FRAMEWORK_UNREGISTER);
}

static void do_exec(char **a, struct mpw *w)
{
	step_exec(a[1]);
}

static void do_sleep(char **a, struct mpw *w)
{
	bool never = false;

	run_until(&never, atof(a[1]) / 1000);
}

static const struct step {
	const char *name;
	int nargs;
	void (*fn)(char **args, struct mpw *w);
} steps[] = {
	{ "register", 0, do_register },     { "request", 3, do_request },
	{ "wait", 3, do_wait },             { "launch", 2, do_launch },
	{ "release", 1, do_release },       { "release-request", 0, do_release_request },
	{ "unregister", 0, do_unregister }, { "exec", 1, do_exec },
	{ "sleep", 1, do_sleep },
};

/* Runs the step at argv[0] (n strings left); returns how many strings it took. */
static int step(char **argv, int n)
{
	struct mpw w;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (strcmp(steps[i].name, argv[0]) != 0)
			continue;
		if (n <= steps[i].nargs) {
			printf("failed %s needs %d argument(s)\n", argv[0], steps[i].nargs);
			exit(2);
		}
		mpw_init(&w);
		steps[i].fn(argv, &w);
		mpw_free(&w);
		return 1 + steps[i].nargs;
	}
	printf("failed unknown step %s\n", argv[0]);
	exit(2);
}

int main(int argc, char **argv)
{
	struct loom_conn_opts o = { .name = "fwprobe", .role = ROLE_FRAMEWORK };
	struct loom_conn_cbs cbs = { on_ready, on_close, on_event, NULL };
	char err[256];

	if (argc < 3) {
		fprintf(stderr, "usage: fwprobe ADDR NAME STEP...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	P.base = event_base_new();
	P.c = loom_conn_new(P.base, argv[1], &o, &cbs, err, sizeof(err));
	if (P.c == NULL || !run_until(&P.ready, 5)) {
		printf("failed connect %s\n", P.c == NULL ? err : loom_close_reason(P.c));
		return 1;
	}
	fw_name = argv[2];
	for (int i = 3; i < argc;)
		i += step(&argv[i], argc - i);
	loom_conn_free(P.c);
	for (int i = 0; i < 3; i++) /* the connection's memory goes on a zero-delay timer */
		event_base_loop(P.base, EVLOOP_NONBLOCK);
	event_base_free(P.base);
	return 0;
}

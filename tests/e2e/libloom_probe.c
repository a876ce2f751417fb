/*
 * libloom_probe: checks the public libloom API (include/loom.h) against a real rmd named
 * by $LOOM_RM: the client calls (submit, status, wait, kill, list, errors), the
 * asynchronous framework layer (register, a refused duplicate name, request, allocated,
 * launch, exited with its code, release, a refused launch, unregister) and the blocking
 * one (open, next, launch errors, resume after a disconnect); `lost NODE` checks the
 * container and node events of a lost node. Prints one line per failed check and exits 1
 * if any failed. Run by test_libloom.sh.
 */
#include <loom.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			failures++;                                                        \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);                        \
			printf(__VA_ARGS__);                                               \
			printf("\n");                                                      \
		}                                                                          \
	} while (0)

static struct loom_res small = { .vcores = 0.1, .memory_mb = 32 };

/* ---- client calls ------------------------------------------------------------------ */

struct seen { const char *want[3]; int found; };

static void on_job(const struct loom_job_status *s, void *arg)
{
	struct seen *seen = arg;

	for (int i = 0; i < 3; i++)
		if (strcmp(s->id, seen->want[i]) == 0)
			seen->found++;
}

static void submit_wait(struct loom *l, char *const *argv, const char *want, char *id)
{
	struct loom_job_req r = { .argv = argv, .ntasks = 2, .res = small, .max_attempts = 1 };
	struct loom_job_status s;
	int st = loom_submit(l, &r, id, 64);

	CHECK(st == LOOM_OK && strncmp(id, "job-", 4) == 0, "submit: %d %s", st, loom_error(l));
	st = loom_wait(l, id, 30000, &s);
	CHECK(st == LOOM_OK && strcmp(s.state, want) == 0, "wait %s: %d %s state %s", id, st,
	      loom_error(l), s.state);
	CHECK(s.ntasks == 2 && strcmp(s.id, id) == 0, "status of %s: ntasks %d", id, s.ntasks);
}

static void client_checks(void)
{
	char *ok[] = { "sh", "-c", "exit 0", NULL }, *bad[] = { "sh", "-c", "exit 3", NULL };
	char *slow[] = { "sleep", "60", NULL };
	char ids[3][64], err[512];
	struct loom_job_req r = { .argv = slow, .res = small };
	struct loom_job_status s;
	struct loom *l = loom_connect("127.0.0.1:1", "probe", err, sizeof err);

	CHECK(l == NULL && strstr(err, "cannot connect") != NULL, "bad address: %s", err);
	l = loom_connect(NULL, "probe", err, sizeof err);
	if (l == NULL) {
		CHECK(0, "connect: %s", err);
		return;
	}
	submit_wait(l, ok, "SUCCEEDED", ids[0]);
	submit_wait(l, bad, "FAILED", ids[1]);
	CHECK(loom_submit(l, &r, ids[2], sizeof ids[2]) == LOOM_OK, "submit: %s", loom_error(l));
	CHECK(loom_wait(l, ids[2], 300, &s) == LOOM_ETIMEOUT, "a sleeping job did not time out");
	CHECK(loom_kill(l, ids[2], "probe") == LOOM_OK, "kill: %s", loom_error(l));
	CHECK(loom_wait(l, ids[2], 30000, &s) == LOOM_OK && strcmp(s.state, "KILLED") == 0,
	      "killed job is %s", s.state);

	struct seen seen = { { ids[0], ids[1], ids[2] }, 0 };
	CHECK(loom_list(l, NULL, on_job, &seen) == LOOM_OK && seen.found == 3,
	      "list found %d of 3: %s", seen.found, loom_error(l));
	seen.found = 0;
	CHECK(loom_list(l, "FAILED", on_job, &seen) == LOOM_OK && seen.found == 1,
	      "list FAILED found %d", seen.found);
	CHECK(loom_status(l, "job-999999", &s) == LOOM_EREPLY && loom_error(l)[0] != '\0',
	      "status of an unknown job");
	CHECK(loom_status(l, "nonsense", &s) == LOOM_EUSAGE, "status of a bad id");
	r.argv = NULL;
	CHECK(loom_submit(l, &r, ids[2], sizeof ids[2]) == LOOM_EUSAGE, "submit without argv");
	loom_close(l);
}

/* ---- asynchronous framework layer --------------------------------------------------- */

#define BOGUS "job-999999.t0.a1"

struct probe {
	struct event_base *base;
	struct loom_fw *fw, *dup;
	char request[64], dup_why[512];
	int allocated, exited7, released, refused, unexpected;
	bool registered, closed, timed_out;
};

static void dup_closed(struct loom_fw *fw, const char *why, void *arg)
{
	struct probe *p = arg;
	snprintf(p->dup_why, sizeof p->dup_why, "%s", why);
}

static void req_done(struct loom_fw *fw, int status, const char *request, void *arg)
{
	struct probe *p = arg;

	CHECK(status == LOOM_OK && strncmp(request, "job-", 4) == 0, "request: %d %s", status,
	      loom_fw_error(fw));
	if (request != NULL)
		snprintf(p->request, sizeof p->request, "%s", request);
}

static void on_registered(struct loom_fw *fw, bool resumed, const struct loom_container *live,
			  size_t nlive, void *arg)
{
	struct probe *p = arg;
	struct loom_container_req r = { .count = 2, .res = small, .name = "probe-async" };
	struct loom_fw_opts same = { .name = "probe-async" };
	struct loom_fw_cbs dcbs = { .closed = dup_closed, .arg = p };

	p->registered = true;
	CHECK(!resumed && nlive == 0, "a new framework resumed");
	CHECK(loom_fw_request(fw, &r, req_done, p) == LOOM_OK, "request: %s", loom_fw_error(fw));
	p->dup = loom_fw_start(p->base, &same, &dcbs);
}

static void on_container(struct loom_fw *fw, const struct loom_container_event *ev, void *arg)
{
	struct probe *p = arg;
	char *argv[] = { "sh", "-c", "exit 7", NULL };

	if (ev->kind == LOOM_CEV_ALLOCATED && ++p->allocated == 1) {
		CHECK(loom_fw_launch(fw, ev->c.id, argv, NULL, NULL) == LOOM_OK, "launch");
		CHECK(loom_fw_launch(fw, BOGUS, argv, NULL, NULL) == LOOM_OK, "launch bogus");
	} else if (ev->kind == LOOM_CEV_ALLOCATED) {
		CHECK(ev->c.node[0] != '\0' && ev->c.res.memory_mb == 32, "allocated %s", ev->c.id);
		CHECK(loom_fw_release(fw, ev->c.id) == LOOM_OK, "release");
	} else if (ev->kind == LOOM_CEV_EXITED) {
		p->exited7 += ev->exit_code == 7;
		CHECK(ev->exit_code == 7, "%s exited %d", ev->c.id, ev->exit_code);
	} else if (ev->kind == LOOM_CEV_RELEASED) {
		p->released++;
	} else if (ev->kind == LOOM_CEV_FAILED && strcmp(ev->c.id, BOGUS) == 0) {
		p->refused++;
		CHECK(ev->reason[0] != '\0', "a refused launch without a reason");
	} else if (ev->kind != LOOM_CEV_RUNNING) {
		p->unexpected++;
		CHECK(0, "unexpected %s for %s: %s", loom_cev_name(ev->kind), ev->c.id, ev->reason);
	}
	if (p->exited7 == 1 && p->released == 1 && p->refused == 1)
		CHECK(loom_fw_stop(fw) == LOOM_OK, "stop: %s", loom_fw_error(fw));
}

static void on_closed(struct loom_fw *fw, const char *why, void *arg)
{
	struct probe *p = arg;

	p->closed = true;
	CHECK(strcmp(why, "unregistered") == 0, "closed: %s", why);
	event_base_loopbreak(p->base);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	p->timed_out = true;
	event_base_loopbreak(p->base);
}

static void fw_async_checks(void)
{
	struct probe p = { .base = event_base_new() };
	struct loom_fw_opts o = { .name = "probe-async" };
	struct loom_fw_cbs cbs = { on_registered, on_container, NULL, on_closed, &p };
	struct timeval tv = { 30, 0 };
	struct event *timer = evtimer_new(p.base, on_timeout, &p);

	evtimer_add(timer, &tv);
	p.fw = loom_fw_start(p.base, &o, &cbs);
	CHECK(p.fw != NULL, "loom_fw_start");
	if (p.fw != NULL)
		event_base_dispatch(p.base);
	CHECK(!p.timed_out, "framework flow timed out: allocated %d exited %d released %d "
	      "refused %d", p.allocated, p.exited7, p.released, p.refused);
	CHECK(p.registered && p.closed, "registered %d closed %d", p.registered, p.closed);
	CHECK(strstr(p.dup_why, "connected already") != NULL, "duplicate name: '%s'", p.dup_why);
	loom_fw_free(p.fw);
	loom_fw_free(p.dup);
	event_base_loop(p.base, EVLOOP_NONBLOCK); /* the connections' memory goes */
	event_free(timer);
	event_base_free(p.base);
}

/* ---- blocking framework layer -------------------------------------------------------- */

static void save_id(struct loom_fw *fw, int status, const char *request, void *arg)
{
	snprintf(arg, 64, "%s", status == LOOM_OK ? request : "");
}

/* The next event that is not RUNNING, within 30 s. */
static int next_event(struct loom_fw *fw, struct loom_container_event *ev)
{
	int rc;

	while ((rc = loom_fw_next(fw, ev, 30000)) == 1 && ev->kind == LOOM_CEV_RUNNING)
		;
	return rc;
}

static struct loom_fw *open_and_allocate(const char *name, char *request,
					 struct loom_container_event *ev)
{
	struct loom_fw_opts o = { .name = name };
	struct loom_container_req r = { .count = 1, .res = small };
	char err[512];
	struct loom_fw *fw = loom_fw_open(&o, err, sizeof err);

	CHECK(fw != NULL, "loom_fw_open: %s", err);
	if (fw == NULL)
		return NULL;
	CHECK(loom_fw_next(fw, ev, 0) == 0, "an event before any request");
	CHECK(loom_fw_request(fw, &r, save_id, request) == LOOM_OK && request[0] != '\0',
	      "blocking request: %s", loom_fw_error(fw));
	CHECK(next_event(fw, ev) == 1 && ev->kind == LOOM_CEV_ALLOCATED &&
	      strcmp(ev->c.request, request) == 0, "no allocation: %s", loom_fw_error(fw));
	return fw;
}

static void fw_blocking_checks(void)
{
	char *ok[] = { "true", NULL }, request[64] = "", err[512];
	struct loom_container_event ev;
	const struct loom_container *live;
	size_t nlive = 0;
	struct loom_fw_opts o = { .name = "probe-blocking" };
	struct loom_fw *fw = open_and_allocate("probe-blocking", request, &ev);

	if (fw == NULL)
		return;
	struct loom_container_req huge = { .count = 1, .res = { .vcores = 1000 } };
	CHECK(loom_fw_request(fw, &huge, NULL, NULL) == LOOM_EREPLY &&
	      strstr(loom_fw_error(fw), "larger than any node") != NULL, "huge request: %s",
	      loom_fw_error(fw));
	CHECK(loom_fw_launch(fw, "nonsense", ok, NULL, NULL) == LOOM_EUSAGE, "bad id launch");
	CHECK(loom_fw_launch(fw, ev.c.id, ok, NULL, NULL) == LOOM_OK, "launch: %s",
	      loom_fw_error(fw));
	CHECK(loom_fw_launch(fw, ev.c.id, ok, NULL, NULL) == LOOM_EREPLY, "second launch");
	CHECK(next_event(fw, &ev) == 1 && ev.kind == LOOM_CEV_EXITED && ev.exit_code == 0,
	      "no exit event: %s", loom_fw_error(fw));
	loom_fw_free(fw); /* no unregister: rmd keeps it for framework_grace */

	fw = open_and_allocate("probe-resume", request, &ev);
	if (fw == NULL)
		return;
	loom_fw_free(fw);
	o.name = "probe-resume";
	fw = loom_fw_open(&o, err, sizeof err);
	CHECK(fw != NULL, "reopen: %s", err);
	if (fw == NULL)
		return;
	CHECK(loom_fw_resumed(fw, &live, &nlive) && nlive == 1 &&
	      strcmp(live[0].request, request) == 0, "resume: %zu live", nlive);
	CHECK(loom_fw_release(fw, request) == LOOM_OK, "release: %s", loom_fw_error(fw));
	CHECK(next_event(fw, &ev) == 1 && ev.kind == LOOM_CEV_RELEASED, "no released event");
	CHECK(loom_fw_stop(fw) == LOOM_OK, "stop: %s", loom_fw_error(fw));
	CHECK(loom_fw_next(fw, &ev, 100) == LOOM_ECONN, "next after stop");
	loom_fw_free(fw);
}

/* ---- a lost node (lost NODE: the script kills NODE's agent once "running" is printed) --- */

struct lostp {
	struct event_base *base;
	const char *node;
	int running, lost;
	bool node_lost, timed_out;
};

static void lost_check_done(struct loom_fw *fw, struct lostp *p)
{
	if (p->lost == 1 && p->node_lost)
		CHECK(loom_fw_stop(fw) == LOOM_OK, "stop: %s", loom_fw_error(fw));
}

static void lost_registered(struct loom_fw *fw, bool resumed, const struct loom_container *l,
			    size_t n, void *arg)
{
	/* A whole node each (4 vcores), so that every node holds one container. */
	struct loom_container_req r = { .count = 3, .res = { .vcores = 4, .memory_mb = 32 } };

	CHECK(loom_fw_request(fw, &r, NULL, NULL) == LOOM_OK, "request: %s", loom_fw_error(fw));
}

static void lost_container(struct loom_fw *fw, const struct loom_container_event *ev, void *arg)
{
	struct lostp *p = arg;
	char *argv[] = { "sleep", "300", NULL };

	if (ev->kind == LOOM_CEV_ALLOCATED)
		CHECK(loom_fw_launch(fw, ev->c.id, argv, NULL, NULL) == LOOM_OK, "launch");
	else if (ev->kind == LOOM_CEV_RUNNING) {
		if (++p->running == 3)
			printf("running\n"), fflush(stdout);
	} else if (ev->kind == LOOM_CEV_LOST) {
		CHECK(strcmp(ev->c.node, p->node) == 0, "%s lost on %s", ev->c.id, ev->c.node);
		p->lost++;
		lost_check_done(fw, p);
	} else
		CHECK(0, "unexpected %s for %s: %s", loom_cev_name(ev->kind), ev->c.id, ev->reason);
}

static void lost_node(struct loom_fw *fw, const char *node, const char *reason, void *arg)
{
	struct lostp *p = arg;

	CHECK(strcmp(node, p->node) == 0 && reason[0] != '\0', "node_lost %s: %s", node, reason);
	p->node_lost = true;
	lost_check_done(fw, p);
}

static void lost_closed(struct loom_fw *fw, const char *why, void *arg)
{
	event_base_loopbreak(((struct lostp *)arg)->base);
}

static void lost_timeout(evutil_socket_t fd, short what, void *arg)
{
	((struct lostp *)arg)->timed_out = true;
	event_base_loopbreak(((struct lostp *)arg)->base);
}

static void lost_checks(const char *node)
{
	struct lostp p = { .base = event_base_new(), .node = node };
	struct loom_fw_opts o = { .name = "probe-lost" };
	struct loom_fw_cbs cbs = { lost_registered, lost_container, lost_node, lost_closed, &p };
	struct timeval tv = { 60, 0 };
	struct event *timer = evtimer_new(p.base, lost_timeout, &p);
	struct loom_fw *fw = loom_fw_start(p.base, &o, &cbs);

	evtimer_add(timer, &tv);
	event_base_dispatch(p.base);
	CHECK(!p.timed_out, "lost flow timed out: running %d lost %d node_lost %d", p.running,
	      p.lost, p.node_lost);
	loom_fw_free(fw);
	event_base_loop(p.base, EVLOOP_NONBLOCK);
	event_free(timer);
	event_base_free(p.base);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : "all";

	if (strcmp(only, "lost") == 0 && argc == 3)
		lost_checks(argv[2]);

	if (strcmp(only, "all") == 0 || strcmp(only, "client") == 0)
		client_checks();
	if (strcmp(only, "all") == 0 || strcmp(only, "framework") == 0) {
		fw_async_checks();
		fw_blocking_checks();
	}
	printf("%s: %d failed checks\n", failures ? "FAIL" : "ok", failures);
	return failures ? 1 : 0;
}

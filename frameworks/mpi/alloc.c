/*
 * loom-mpirun's framework side: registers with rmd, asks for N containers as one gang
 * (the same all-or-nothing placement `rmsubmit --gang` gets), collects the allocations,
 * starts mpirun once all N are there, and turns each container's end into the answer the
 * waiting rsh agent relays to mpirun.
 */
#include <stdio.h>
#include <string.h>

#include "mpirun.h"

static void on_requested(struct loom_fw *fw, int status, const char *request, void *arg)
{
	struct lmr *m = arg;

	if (status != LOOM_OK) {
		lmr_err("rmd refused the container request: %s", loom_fw_error(fw));
		lmr_finish(m, 1);
		return;
	}
	snprintf(m->request, sizeof m->request, "%s", request);
	lmr_log(m, "request %s: a gang of %d containers (%g vcores, %lld MB each); waiting "
		"for all of them", request, m->o.n, m->o.res.vcores,
		(long long)m->o.res.memory_mb);
}

static void on_registered(struct loom_fw *fw, bool resumed, const struct loom_container *live,
			  size_t nlive, void *arg)
{
	struct lmr *m = arg;
	struct loom_container_req r = {
		.count = m->o.n, .res = m->o.res, .gang = true,
		.time_limit_ms = m->o.time_limit_ms,
		.require_labels = m->o.nlabels ? m->o.labels : NULL,
		.prefer = m->o.nprefer ? m->o.prefer : NULL,
		.name = m->o.name,
	};

	lmr_log(m, "registered as framework %s", loom_fw_name(fw));
	if (loom_fw_request(fw, &r, on_requested, m) != LOOM_OK) {
		lmr_err("cannot ask for containers: %s", loom_fw_error(fw));
		lmr_finish(m, 1);
	}
}

/* Groups the containers by node: one orted per node, one slot per container. */
static void build_nodes(struct lmr *m)
{
	m->nodes = lmr_calloc((size_t)m->ncont, sizeof *m->nodes);
	for (int i = 0; i < m->ncont; i++) {
		const struct loom_container *c = &m->conts[i];
		struct lmr_node *nd = lmr_node_of(m, c->node);

		if (!nd) {
			nd = &m->nodes[m->nnodes++];
			snprintf(nd->name, sizeof nd->name, "%s", c->node);
			snprintf(nd->host, sizeof nd->host, "%s", c->host);
			snprintf(nd->container, sizeof nd->container, "%s", c->id);
		}
		nd->slots++;
	}
}

static void on_allocated(struct lmr *m, const struct loom_container *c)
{
	if (m->started || m->stopping || m->ncont >= m->o.n) {
		loom_fw_release(m->fw, c->id); /* not ours to use (a late or extra one) */
		return;
	}
	m->conts[m->ncont++] = *c;
	lmr_log(m, "container %s allocated on %s (%d of %d)", c->id, c->node, m->ncont,
		m->o.n);
	if (m->ncont < m->o.n)
		return;
	build_nodes(m);
	m->started = true;
	if (lmr_relay_listen(m) < 0 || lmr_launch_mpirun(m) < 0)
		lmr_finish(m, 1);
}

/* The relay's answer for a final event: how the rsh agent should exit. */
static void final_reply(const struct loom_container_event *ev, char *buf, size_t len)
{
	if (ev->kind == LOOM_CEV_EXITED && ev->signal)
		snprintf(buf, len, "exit %d\n", 128 + ev->signal);
	else if (ev->kind == LOOM_CEV_EXITED)
		snprintf(buf, len, "exit %d\n", ev->exit_code);
	else
		snprintf(buf, len, "error container %s on %s %s%s%s\n", ev->c.id, ev->c.node,
			 loom_cev_name(ev->kind), *ev->reason ? ": " : "", ev->reason);
}

static void on_final(struct lmr *m, const struct loom_container_event *ev)
{
	struct lmr_node *nd = lmr_node_of(m, ev->c.node);
	char reply[1400];

	if (!m->started) {
		if (!m->stopping)
			lmr_err("container %s on %s %s before the MPI job could start%s%s",
				ev->c.id, ev->c.node, loom_cev_name(ev->kind),
				*ev->reason ? ": " : "", ev->reason);
		lmr_finish(m, 1);
		return;
	}
	if (!nd || strcmp(nd->container, ev->c.id) != 0)
		return; /* an extra slot's container: nothing ran there */
	nd->ended = true;
	final_reply(ev, reply, sizeof reply);
	lmr_log(m, "container %s on %s: %.*s", ev->c.id, ev->c.node,
		(int)strcspn(reply, "\n"), reply);
	lmr_relay_ended(m, ev->c.id, reply);
	if (m->child == 0)
		lmr_fw_done(m);
}

static void on_container(struct loom_fw *fw, const struct loom_container_event *ev, void *arg)
{
	struct lmr *m = arg;

	switch (ev->kind) {
	case LOOM_CEV_ALLOCATED:
		on_allocated(m, &ev->c);
		break;
	case LOOM_CEV_RUNNING:
		lmr_log(m, "orted runs in container %s on %s", ev->c.id, ev->c.node);
		break;
	case LOOM_CEV_PREEMPTING:
		lmr_err("container %s on %s will be preempted in %lld ms; the MPI job will "
			"fail then", ev->c.id, ev->c.node, (long long)ev->grace_ms);
		break;
	default:
		on_final(m, ev);
	}
}

static void on_node_lost(struct loom_fw *fw, const char *node, const char *reason, void *arg)
{
	if (lmr_node_of(arg, node))
		lmr_err("node %s of this job was lost: %s", node, reason);
}

static void on_closed(struct loom_fw *fw, const char *why, void *arg)
{
	struct lmr *m = arg;

	m->fw_closed = true;
	if (m->unregistering) {
		lmr_log(m, "unregistered");
		event_base_loopexit(m->base, NULL);
		return;
	}
	lmr_err("connection to rmd closed: %s", why);
	lmr_finish(m, 1);
}

int lmr_fw_start(struct lmr *m)
{
	const struct loom_fw_opts o = { .addr = m->o.addr, .name = m->o.name,
					.queue = m->o.queue };
	const struct loom_fw_cbs cbs = { .registered = on_registered,
		.container = on_container, .node_lost = on_node_lost, .closed = on_closed,
		.arg = m };

	m->conts = lmr_calloc((size_t)m->o.n, sizeof *m->conts);
	m->fw = loom_fw_start(m->base, &o, &cbs);
	if (!m->fw) {
		lmr_err("cannot start the framework: bad --rm address or --name");
		return -1;
	}
	return 0;
}

/* How long the orteds may take to exit by themselves once mpirun is done. */
static const struct timeval drain_wait = { 5, 0 };

static void on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	lmr_log(arg, "orted still running 5 s after mpirun ended; releasing");
	lmr_finish(arg, 0);
}

void lmr_fw_done(struct lmr *m)
{
	for (int i = 0; i < m->nnodes; i++) {
		if (!m->nodes[i].launched || m->nodes[i].ended)
			continue;
		if (!m->drain) {
			m->drain = evtimer_new(m->base, on_drain_timeout, m);
			evtimer_add(m->drain, &drain_wait);
		}
		return;
	}
	lmr_finish(m, m->exit_code);
}

/* The framework layer's conversions from proto.h's typed messages to the public structs
 * of include/loom.h: container event kinds, containers and container events. */
#include <string.h>

#include "public-fw-int.h"

static const enum loom_cev cev_of[CONT_KIND_MAX] = {
	[CONT_ALLOCATED] = LOOM_CEV_ALLOCATED,   [CONT_RUNNING] = LOOM_CEV_RUNNING,
	[CONT_EXITED] = LOOM_CEV_EXITED,         [CONT_FAILED] = LOOM_CEV_FAILED,
	[CONT_RELEASED] = LOOM_CEV_RELEASED,     [CONT_LOST] = LOOM_CEV_LOST,
	[CONT_PREEMPTING] = LOOM_CEV_PREEMPTING, [CONT_PREEMPTED] = LOOM_CEV_PREEMPTED,
};

const char *loom_cev_name(enum loom_cev kind)
{
	for (int k = 0; k < CONT_KIND_MAX; k++)
		if (cev_of[k] == kind)
			return container_event_names[k];
	return "unknown";
}

void fw_container_out(const struct fw_container *in, struct loom_container *out)
{
	memset(out, 0, sizeof *out);
	id_format(&in->id, out->id, sizeof out->id);
	id_format(&in->request, out->request, sizeof out->request);
	pub_copy(out->node, sizeof out->node, in->node);
	pub_copy(out->host, sizeof out->host, in->host);
	pub_res_out(&in->res, &out->res);
}

void fw_event_out(const struct msg_container_event *m, struct loom_container_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = m->kind >= 0 && m->kind < CONT_KIND_MAX ? cev_of[m->kind] : LOOM_CEV_FAILED;
	id_format(&m->container, ev->c.id, sizeof ev->c.id);
	id_format(&m->request, ev->c.request, sizeof ev->c.request);
	pub_copy(ev->c.node, sizeof ev->c.node, m->node);
	pub_copy(ev->c.host, sizeof ev->c.host, m->host);
	pub_res_out(&m->res, &ev->c.res);
	ev->exit_code = m->exit_code;
	ev->signal = m->signal;
	ev->grace_ms = m->grace_ms;
	ev->reason = m->reason;
}

/*
 * The framework layer's calls (include/loom.h): container requests, launches, releases
 * and unregistering, each one typed message of proto.h sent through fw_send.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "public-fw-int.h"

static void build_request(struct mpw *w, int type, uint64_t id, const void *m)
{
	msg_encode_container_request(w, id, m);
}

static void build_launch(struct mpw *w, int type, uint64_t id, const void *m)
{
	msg_encode_container_launch(w, id, m);
}

static void build_release(struct mpw *w, int type, uint64_t id, const void *m)
{
	msg_encode_container_release(w, id, m);
}

static int usage(struct loom_fw *fw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage(struct loom_fw *fw, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fw->error, sizeof fw->error, fmt, ap);
	va_end(ap);
	return LOOM_EUSAGE;
}

int loom_fw_request(struct loom_fw *fw, const struct loom_container_req *r,
		    void (*done)(struct loom_fw *, int, const char *, void *), void *arg)
{
	struct msg_container_request m = { 0 };

	if (fw == NULL || r == NULL)
		return LOOM_EUSAGE;
	if (r->count < 1 || r->count > PROTO_MAX_CONTAINERS)
		return usage(fw, "count: must be 1 .. 100000, not %d", r->count);
	m.count = r->count;
	pub_res_in(&r->res, &m.res);
	m.gang = r->gang;
	m.priority = r->priority;
	m.time_limit_ms = r->time_limit_ms;
	/* The encoder only reads the vectors: borrowing the caller's is safe. */
	m.require_labels = (char **)r->require_labels;
	m.nrequire_labels = pub_strv_len(r->require_labels);
	m.exclude_labels = (char **)r->exclude_labels;
	m.nexclude_labels = pub_strv_len(r->exclude_labels);
	m.prefer = (char **)r->prefer;
	m.nprefer = pub_strv_len(r->prefer);
	if (r->name != NULL && strlen(r->name) >= sizeof m.name)
		return usage(fw, "name: longer than 127 bytes: %s", r->name);
	pub_copy(m.name, sizeof m.name, r->name);
	return fw_send(fw, MSG_CONTAINER_REQUEST, build_request, &m, NULL, done, arg);
}

int loom_fw_launch(struct loom_fw *fw, const char *container, char *const *argv,
		   char *const *env, const char *workdir)
{
	struct msg_container_launch m = { 0 };

	if (fw == NULL)
		return LOOM_EUSAGE;
	if (container == NULL || id_parse(container, &m.container) < 0 ||
	    !id_is_attempt(&m.container))
		return usage(fw, "not a container id: '%s'", container ? container : "(null)");
	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
		return usage(fw, "argv: the container needs a command");
	m.argv = (char **)argv;
	m.nargv = pub_strv_len((const char *const *)argv);
	m.env = (char **)env;
	m.nenv = pub_strv_len((const char *const *)env);
	m.workdir = (char *)(workdir != NULL ? workdir : "");
	return fw_send(fw, MSG_CONTAINER_LAUNCH, build_launch, &m, container, NULL, NULL);
}

int loom_fw_release(struct loom_fw *fw, const char *target)
{
	struct msg_container_release m = { 0 };

	if (fw == NULL)
		return LOOM_EUSAGE;
	if (target == NULL || id_parse(target, &m.target) < 0 || id_is_task(&m.target))
		return usage(fw, "not a container or request id: '%s'", target ? target : "(null)");
	m.whole = id_is_job(&m.target);
	return fw_send(fw, MSG_CONTAINER_RELEASE, build_release, &m, target, NULL, NULL);
}

int loom_fw_stop(struct loom_fw *fw)
{
	if (fw == NULL)
		return LOOM_EUSAGE;
	return fw_send(fw, MSG_FRAMEWORK_UNREGISTER, NULL, NULL, NULL, NULL, NULL);
}

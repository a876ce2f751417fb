/*
 * The framework layer's blocking form (include/loom.h): loom_fw_open registers on an own
 * event_base and waits for the answer; loom_fw_next runs that loop until a container event
 * is queued. The other calls wait for their replies (fw_send sees own_base).
 */
#include <stdio.h>
#include <string.h>

#include "loom-int.h"
#include "public-fw-int.h"
#include "timeutil.h"
#include "xmalloc.h"

#define OPEN_TIMEOUT_MS 30000

static void enqueue(struct loom_fw *fw, const struct loom_container_event *ev, void *arg)
{
	struct fw_queued *q = xcalloc(1, sizeof *q);

	q->ev = *ev;
	pub_copy(q->reason, sizeof q->reason, ev->reason);
	q->ev.reason = q->reason;
	if (fw->tail != NULL)
		fw->tail->next = q;
	else
		fw->head = q;
	fw->tail = q;
}

static void timer_fired(evutil_socket_t fd, short what, void *arg)
{
	*(bool *)arg = true;
}

/* Runs the own loop until until(fw) holds or timeout_ms passes (< 0: no limit).
 * Returns false on timeout. */
static bool run_until(struct loom_fw *fw, bool (*until)(const struct loom_fw *),
		      int64_t timeout_ms)
{
	bool fired = false;
	struct event *timer = NULL;

	if (timeout_ms >= 0) {
		struct timeval tv = tv_from_ms(timeout_ms);
		timer = evtimer_new(fw->own_base, timer_fired, &fired);
		evtimer_add(timer, &tv);
	}
	while (!until(fw) && !fired)
		event_base_loop(fw->own_base, EVLOOP_ONCE);
	if (timer != NULL)
		event_free(timer);
	return until(fw);
}

static bool answered(const struct loom_fw *fw)
{
	return fw->registered || fw->closed;
}

static bool has_event(const struct loom_fw *fw)
{
	return fw->head != NULL || fw->closed;
}

struct loom_fw *loom_fw_open(const struct loom_fw_opts *o, char *err, size_t errlen)
{
	struct loom_fw_cbs cbs = { .container = enqueue };
	char why[sizeof ((struct loom_fw *)0)->error];
	struct event_base *base = event_base_new();
	struct loom_fw *fw;

	if (base == NULL) {
		pub_copy(why, sizeof why, "cannot create an event loop");
		goto fail;
	}
	fw = fw_create(base, o, &cbs, why, sizeof why);
	if (fw == NULL)
		goto fail;
	fw->own_base = base;
	fw->conn->own_base = base; /* lets loom_call run requests on it */
	if (!run_until(fw, answered, OPEN_TIMEOUT_MS))
		snprintf(why, sizeof why, "no answer from rmd to framework_register within 30s");
	else if (fw->closed)
		pub_copy(why, sizeof why, fw->error);
	else
		return fw;
	loom_fw_free(fw); /* frees base too */
	base = NULL;
fail:
	if (base != NULL)
		event_base_free(base);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return NULL;
}

bool loom_fw_resumed(const struct loom_fw *fw, const struct loom_container **live,
		     size_t *nlive)
{
	if (live != NULL)
		*live = fw->live;
	if (nlive != NULL)
		*nlive = fw->nlive;
	return fw->resumed;
}

int loom_fw_next(struct loom_fw *fw, struct loom_container_event *ev, int64_t timeout_ms)
{
	if (fw == NULL || ev == NULL || fw->own_base == NULL)
		return LOOM_EUSAGE;
	free(fw->current);
	fw->current = NULL;
	if (fw->head == NULL && !fw->closed) {
		if (timeout_ms == 0)
			event_base_loop(fw->own_base, EVLOOP_NONBLOCK);
		else
			run_until(fw, has_event, timeout_ms);
	}
	if (fw->head != NULL) {
		fw->current = fw->head;
		fw->head = fw->head->next;
		if (fw->head == NULL)
			fw->tail = NULL;
		*ev = fw->current->ev;
		return 1;
	}
	return fw->closed ? LOOM_ECONN : 0;
}

/*
 * loom-mapreduce: coming back after the connection to rmd dropped (rmd restarted, or the
 * network). rmd keeps a framework's containers for its framework_grace (30 s by default)
 * and tells a framework that registers again under the same name which containers still
 * live. Events sent while we were away are lost, so the engine trusts only that list:
 * an attempt still live is kept (its exit will be reported), anything else is ended
 * without counting against --max-attempts and asked for again. Nothing is committed on a
 * guess: an attempt that may have succeeded while we were away is simply run again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr.h"
#include "util.h"

#define RETRY_EVERY_MS 1000
#define GIVE_UP_AFTER_MS 25000  /* within rmd's default framework_grace of 30 s */

static void try_register(evutil_socket_t fd, short what, void *arg)
{
	struct mr_job *j = arg;

	j->fw = loom_fw_start(j->base, &j->fo, &j->cbs);
	if (j->fw == NULL)
		job_finish(j, 1, "cannot register again (bad options)");
}

void resume_after_close(struct mr_job *j, const char *reason)
{
	struct timeval tv = { 0, RETRY_EVERY_MS * 1000 };
	int64_t now = mr_now_ms();
	char why[1024];

	snprintf(why, sizeof why, "%s", reason); /* the handle that owns reason goes now */
	loom_fw_free(j->fw); /* safe inside its callback; nothing is called afterwards */
	j->fw = NULL;
	if (j->started && j->gone_ms == 0) {
		j->gone_ms = now;
		job_log(j, "the connection to rmd is gone (%s); registering again", why);
	}
	if (!j->started || now - j->gone_ms > GIVE_UP_AFTER_MS) {
		char *msg = j->started ? mr_asprintf("could not register again within %d s: %s",
						     GIVE_UP_AFTER_MS / 1000, why) :
					 mr_asprintf("cannot register with rmd: %s", why);
		job_finish(j, 1, msg);
		free(msg);
		return;
	}
	if (j->retry == NULL)
		j->retry = evtimer_new(j->base, try_register, j);
	evtimer_add(j->retry, &tv);
}

static const struct loom_container *find_live(const struct loom_container *live, size_t n,
					      const char *container, const char *request)
{
	for (size_t i = 0; i < n; i++)
		if ((container && strcmp(live[i].id, container) == 0) ||
		    (request && strcmp(live[i].request, request) == 0))
			return &live[i];
	return NULL;
}

/* Keeps, adopts or ends each attempt of t that existed before the reconnect. */
static void reconcile_task(struct mr_job *j, struct mr_task *t, const struct loom_container *live,
			   size_t nlive, bool *used)
{
	size_t n0 = t->natt;
	char tn[32];

	for (size_t k = 0; k < n0; k++) {
		struct mr_attempt *a = t->att[k];
		const struct loom_container *c = NULL;
		if (a->state == A_ENDED || a->cancelled)
			continue;
		if (a->state == A_LAUNCHED)
			c = find_live(live, nlive, a->container, NULL);
		else if (a->request[0] != '\0')
			c = find_live(live, nlive, NULL, a->request);
		if (c != NULL && !used[c - live]) {
			used[c - live] = true;
			if (a->state == A_REQUESTED)
				attempt_allocated(j, c->request, c->id, c->node);
			continue;
		}
		if (a->state == A_REQUESTED && a->request[0] != '\0')
			loom_fw_release(j->fw, a->request);
		a->state = A_ENDED;
		job_log(j, "%s attempt %d %s: ended while the engine was away; run again",
			task_name(t, tn, sizeof tn), a->num, a->container[0] ? a->container : "");
	}
	if (t->state == T_ACTIVE && task_live(t) == 0)
		attempt_request(j, t, false);
}

void resume_reconcile(struct mr_job *j, const struct loom_container *live, size_t nlive)
{
	struct mr_task *sets[2] = { j->maps, j->reduces };
	int64_t counts[2] = { j->o.maps, j->o.reduces };
	bool *used = mr_calloc(nlive + 1, sizeof *used);

	j->nearly = 0; /* their containers are in live (released below) or gone */
	for (int s = 0; s < 2; s++)
		for (int64_t i = 0; i < counts[s]; i++)
			reconcile_task(j, &sets[s][i], live, nlive, used);
	for (size_t i = 0; i < nlive; i++)
		if (!used[i])
			loom_fw_release(j->fw, live[i].id);
	free(used);
	job_report(j, true);
}

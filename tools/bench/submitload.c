/*
 * loom-bench-submit: submits N one-task jobs to rmd as fast as it answers, keeping up to
 * W submissions in flight on one connection (libloom's asynchronous layer), and prints
 * the throughput. rmd answers a submission only once its log record is durable, so with
 * wal_fsync on this measures the log's group commit.
 *
 *   loom-bench-submit --rm 127.0.0.1:PORT --jobs 100000 --window 256
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loom-conn.h"
#include "timeutil.h"

struct load {
	struct loom_conn *c;
	struct job_spec spec;
	struct mpw w;
	long total, sent, done, failed, window;
};

static void submit_more(struct load *ld);

static void on_reply(struct loom_conn *c, int status, const msgpack_object *reply,
		     const struct msg_error *err, void *arg)
{
	struct load *ld = arg;

	ld->done++;
	if (status != LOOM_OK && ld->failed++ == 0)
		fprintf(stderr, "submit failed: %s\n", err ? err->message : "?");
	if (ld->done == ld->total)
		event_base_loopbreak(loom_base(c));
	else
		submit_more(ld);
}

static void submit_more(struct load *ld)
{
	while (ld->sent < ld->total && ld->sent - ld->done < ld->window) {
		mpw_reset(&ld->w);
		loom_build_job_submit(&ld->w, MSG_JOB_SUBMIT, loom_next_id(ld->c), &ld->spec);
		if (loom_request(ld->c, &ld->w, on_reply, ld) == 0) {
			fprintf(stderr, "connection lost\n");
			exit(1);
		}
		ld->sent++;
	}
}

int main(int argc, char **argv)
{
	static char *cmd[] = { "true", NULL };
	struct load ld = { .total = 10000, .window = 256 };
	const char *addr = NULL;
	char err[512];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rm") == 0)
			addr = argv[i + 1];
		else if (strcmp(argv[i], "--jobs") == 0)
			ld.total = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--window") == 0)
			ld.window = atol(argv[i + 1]);
	}
	ld.c = loom_connect_blocking(loom_addr_choose(addr), "bench-submit", err, sizeof(err));
	if (ld.c == NULL || ld.total < 1 || ld.window < 1) {
		fprintf(stderr, "loom-bench-submit: %s\n", ld.c == NULL ? err : "bad arguments");
		return 2;
	}
	ld.spec.argv = cmd;
	ld.spec.nargv = 1;
	ld.spec.ntasks = 1;
	ld.spec.res.mem_mb = 16;
	ld.spec.res.vcores_m = 1;
	snprintf(ld.spec.name, sizeof(ld.spec.name), "bench");
	mpw_init(&ld.w);
	int64_t t0 = mono_us();
	submit_more(&ld);
	event_base_dispatch(loom_base(ld.c));
	double s = (double)(mono_us() - t0) / 1e6;
	printf("submitted=%ld failed=%ld seconds=%.3f jobs_per_s=%.0f window=%ld\n", ld.done,
	       ld.failed, s, (double)ld.done / s, ld.window);
	mpw_free(&ld.w);
	loom_conn_close(ld.c);
	return ld.failed > 0;
}

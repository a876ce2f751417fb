/*
 * hello-framework: the smallest Loom framework, on libloom's blocking framework calls.
 * It registers, asks for N containers, launches `echo hello from ...` in each as it is
 * allocated, waits for every container's end, prints one line per container and
 * unregisters. Exits 1 if anything failed.
 *
 *   cc hello-framework.c $(pkg-config --cflags --libs loom) -o hello-framework
 *   LOOM_RM=127.0.0.1:7420 ./hello-framework 3
 */
#include <loom.h>
#include <stdio.h>
#include <stdlib.h>

#define EVENT_TIMEOUT_MS 60000

/* Runs the greeting in an allocated container; a refused launch gives the container back. */
static int launch(struct loom_fw *fw, const struct loom_container *c)
{
	char *argv[] = { "/bin/sh", "-c",
			 "echo \"hello from $LOOM_ATTEMPT_ID (task $LOOM_TASK_INDEX of "
			 "$LOOM_NUM_TASKS) on $(hostname)\"",
			 NULL };

	if (loom_fw_launch(fw, c->id, argv, NULL, NULL) == LOOM_OK)
		return 0;
	fprintf(stderr, "hello-framework: cannot launch in %s: %s\n", c->id, loom_fw_error(fw));
	loom_fw_release(fw, c->id);
	return -1;
}

/* Handles one event; returns 1 when the container ended well, -1 when it ended badly,
 * 0 when it has not ended. */
static int on_event(struct loom_fw *fw, const struct loom_container_event *ev)
{
	switch (ev->kind) {
	case LOOM_CEV_ALLOCATED:
		return launch(fw, &ev->c);
	case LOOM_CEV_RUNNING:
	case LOOM_CEV_PREEMPTING:
		return 0;
	case LOOM_CEV_EXITED:
		printf("%s on %s: exited %d%s\n", ev->c.id, ev->c.node, ev->exit_code,
		       ev->signal != 0 ? " (signalled)" : "");
		return ev->exit_code == 0 && ev->signal == 0 ? 1 : -1;
	default:
		printf("%s on %s: %s: %s\n", ev->c.id, ev->c.node, loom_cev_name(ev->kind),
		       ev->reason);
		return -1;
	}
}

int main(int argc, char **argv)
{
	struct loom_fw_opts opts = { .queue = getenv("LOOM_QUEUE") };
	struct loom_container_req req = { .res = { .vcores = 0.5, .memory_mb = 64 } };
	struct loom_container_event ev;
	struct loom_fw *fw;
	char err[1024];
	int ended = 0, failed = 0, rc;

	req.count = argc > 1 ? atoi(argv[1]) : 3;
	if (argc > 2 || req.count < 1 || req.count > 1000) {
		fprintf(stderr, "usage: hello-framework [CONTAINERS (1..1000, default 3)]\n");
		return 2;
	}
	fw = loom_fw_open(&opts, err, sizeof err);
	if (fw == NULL) {
		fprintf(stderr, "hello-framework: %s\n", err);
		return 1;
	}
	printf("registered as %s\n", loom_fw_name(fw));
	if (loom_fw_request(fw, &req, NULL, NULL) != LOOM_OK) {
		fprintf(stderr, "hello-framework: request refused: %s\n", loom_fw_error(fw));
		loom_fw_free(fw);
		return 1;
	}
	while (ended < req.count) {
		rc = loom_fw_next(fw, &ev, EVENT_TIMEOUT_MS);
		if (rc <= 0) {
			fprintf(stderr, "hello-framework: %s\n",
				rc == 0 ? "no event for 60s" : loom_fw_error(fw));
			failed++;
			break;
		}
		rc = on_event(fw, &ev);
		ended += rc != 0;
		failed += rc < 0;
	}
	printf("%d containers, %d failed\n", ended, failed);
	if (loom_fw_stop(fw) != LOOM_OK)
		fprintf(stderr, "hello-framework: unregister: %s\n", loom_fw_error(fw));
	loom_fw_free(fw);
	return failed == 0 ? 0 : 1;
}

/* rmctl wait ID: follows a job until it ends, as rmsubmit --wait does, and exits with it. */
#include <stdio.h>

#include "client.h"

static int cmd_wait_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	struct loom_id id;
	char job[ID_BUFSZ];

	if (id_parse(a->argv[0], &id) < 0 || !id_is_job(&id)) {
		fprintf(stderr, "rmctl wait: '%s' is not a job id (e.g. job-7)\n", a->argv[0]);
		return EXIT_USAGE;
	}
	int rc = rmctl_connect(ctx);
	if (rc != EXIT_OK)
		return rc;
	return submit_wait(&ctx->conn, ctx->addr, id_format(&id, job, sizeof job), ctx->json);
}

const struct cmd_entry cmd_wait_entry = {
	.name = "wait",
	.usage = "ID",
	.summary = "follow a job until it ends; exit 0 if it succeeded, 1 if not",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_wait_exec,
};

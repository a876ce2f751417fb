/* rmctl kill ID [--reason TEXT]: asks rmd to kill a job and says what became of it. */
#include <stdio.h>

#include "client.h"

static int cmd_kill_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	struct msg_id_request req = { .max_bytes = 0 };
	msgpack_unpacked reply;
	char job[ID_BUFSZ], state[32];
	int rc;

	if (id_parse(a->argv[0], &req.id) < 0 || !id_is_job(&req.id)) {
		fprintf(stderr, "rmctl kill: '%s' is not a job id (e.g. job-7)\n", a->argv[0]);
		return EXIT_USAGE;
	}
	snprintf(req.reason, sizeof req.reason, "%s",
		 a->opt['r'] != NULL ? a->opt['r'] : "killed with rmctl");
	rc = rmctl_call(ctx, MSG_JOB_KILL, loom_build_id_request, &req, &reply);
	if (rc == EXIT_OK && ctx->json)
		print_json(&reply.data, stdout);
	else if (rc == EXIT_OK)
		printf("%s %s\n", view_str(&reply.data, "job", job, sizeof job)[0] == '-'
					  ? id_format(&req.id, job, sizeof job)
					  : job,
		       view_str(&reply.data, "state", state, sizeof state));
	msgpack_unpacked_destroy(&reply);
	return rc;
}

static const struct option kill_longopts[] = {
	{ "reason", required_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_kill_entry = {
	.name = "kill",
	.usage = "ID [--reason TEXT]",
	.summary = "kill a job (its running attempts are stopped)",
	.opts = "r:",
	.longopts = kill_longopts,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_kill_exec,
};

/*
 * rmctl logs ID.tN[.aM]: an attempt's stdout (or --stderr) written to stdout byte for byte,
 * fetched by rmd from the node that ran it. A task id means its latest attempt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "frame.h"

#define LOGS_DEFAULT_BYTES (1024 * 1024)
/* What one reply frame can carry, with room for the other fields. */
#define LOGS_MAX_BYTES ((long long)FRAME_MAX_DEFAULT - 64 * 1024)

static int parse_bytes(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || *end != '\0' || v < 1 || v > LOGS_MAX_BYTES) {
		fprintf(stderr, "rmctl logs: --bytes must be 1..%lld, not '%s'\n", LOGS_MAX_BYTES,
			s);
		return -1;
	}
	*out = v;
	return 0;
}

/* The log itself; a note on a terminal's stderr when only its end was fetched. */
static int write_log(const msgpack_object *r)
{
	const char *data = NULL;
	size_t len = 0;
	int64_t size = 0;
	struct mpr_err e;
	char at[ID_BUFSZ], stream[16];

	if (mpr_bin(r, "data", true, SIZE_MAX, &data, &len, &e) < 0) {
		fprintf(stderr, "rmctl: rmd's reply has no log data (%s: %s)\n", e.field, e.msg);
		return EXIT_FAIL;
	}
	if (len > 0 && fwrite(data, 1, len, stdout) != len && errno != EPIPE) {
		fprintf(stderr, "rmctl logs: writing the log: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	if (view_int(r, "size", &size) && size > (int64_t)len && isatty(STDERR_FILENO))
		fprintf(stderr, "rmctl: the last %zu of %lld bytes of %s %s (--bytes for more)\n",
			len, (long long)size, view_str(r, "attempt", at, sizeof at),
			view_str(r, "stream", stream, sizeof stream));
	return EXIT_OK;
}

static int cmd_logs_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	struct msg_id_request req = { .max_bytes = LOGS_DEFAULT_BYTES };
	msgpack_unpacked reply;
	int rc;

	if (id_parse(a->argv[0], &req.id) < 0 || id_is_job(&req.id)) {
		fprintf(stderr, "rmctl logs: '%s' is not a task or attempt id (e.g. job-7.t3 or "
				"job-7.t3.a1)\n", a->argv[0]);
		return EXIT_USAGE;
	}
	if (a->opt['b'] != NULL && parse_bytes(a->opt['b'], &req.max_bytes) < 0)
		return EXIT_USAGE;
	snprintf(req.stream, sizeof req.stream, "%s", a->opt['e'] != NULL ? "stderr" : "stdout");
	rc = rmctl_call(ctx, MSG_LOGS_GET, loom_build_id_request, &req, &reply);
	if (rc == EXIT_OK && ctx->json)
		print_json(&reply.data, stdout);
	else if (rc == EXIT_OK)
		rc = write_log(&reply.data);
	msgpack_unpacked_destroy(&reply);
	return rc;
}

static const struct option logs_longopts[] = {
	{ "stderr", no_argument, NULL, 'e' },
	{ "bytes", required_argument, NULL, 'b' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.usage = "ID.tN[.aM] [--stderr] [--bytes N]",
	.summary = "print an attempt's stdout (or stderr); a task id means its latest attempt",
	.opts = "eb:",
	.longopts = logs_longopts,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_logs_exec,
};

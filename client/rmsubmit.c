/*
 * rmsubmit: submits one job and prints its id (so that scripts can capture it); with
 * --wait, follows it to the end and exits 0 only if it succeeded.
 */
#include <signal.h>
#include <stdio.h>

#include "client.h"
#include "log.h"

/* Sends the spec; prints the id or rmd's refusal. Returns the exit code. */
static int submit(struct loom_conn **c, const char *addr, const struct submit_opts *o)
{
	msgpack_unpacked reply;
	struct msg_error e;
	char job[ID_BUFSZ], why[PROTO_REASON_MAX + 64];
	int rc = EXIT_OK;

	int st = loom_call(*c, MSG_JOB_SUBMIT, loom_build_job_submit, &o->spec, &reply, &e);
	if (st == LOOM_EREPLY) {
		fprintf(stderr, "rmsubmit: rejected: %s\n", error_text(&e, why, sizeof why));
		rc = EXIT_FAIL;
	} else if (st != LOOM_OK) {
		fprintf(stderr, "rmsubmit: %s\n", e.message);
		rc = EXIT_NOCONN;
	} else if (view_str(&reply.data, "job", job, sizeof job)[0] == '-') {
		fprintf(stderr, "rmsubmit: rmd accepted the job but sent no job id\n");
		rc = EXIT_FAIL;
	} else if (o->json && !o->wait) {
		print_json(&reply.data, stdout);
	} else {
		if (!o->json) {
			printf("%s\n", job);
			fflush(stdout); /* the id first, even while --wait goes on */
		}
		if (o->wait)
			rc = submit_wait(c, addr, job, o->json);
	}
	msgpack_unpacked_destroy(&reply);
	return rc;
}

int rmsubmit_main(int argc, char **argv)
{
	struct submit_opts o;
	struct loom_conn *c;
	char err[1024], host[PROTO_NAME_MAX];
	int port, rc;

	signal(SIGPIPE, SIG_IGN); /* a closed socket or pipe is an error, not a death */
	log_open("rmsubmit", LL_WARN, NULL); /* common/ code's warnings name this program */
	if (submit_parse(argc, argv, &o, err, sizeof err) < 0) {
		fprintf(stderr, "rmsubmit: %s\nTry 'rmsubmit --help' for more information.\n", err);
		submit_opts_free(&o);
		return EXIT_USAGE;
	}
	if (o.help) {
		fputs(submit_usage, stdout);
		submit_opts_free(&o);
		return EXIT_OK;
	}
	const char *addr = loom_addr_choose(o.rm);
	if (loom_addr_parse(addr, host, sizeof host, &port, err, sizeof err) < 0) {
		fprintf(stderr, "rmsubmit: %s\n", err);
		submit_opts_free(&o);
		return EXIT_USAGE;
	}
	c = loom_connect_blocking(addr, "rmsubmit", err, sizeof err);
	if (c == NULL) {
		fprintf(stderr, "rmsubmit: %s\n", err);
		submit_opts_free(&o);
		return EXIT_NOCONN;
	}
	rc = submit(&c, addr, &o);
	loom_conn_close(c);
	submit_opts_free(&o);
	return rc;
}

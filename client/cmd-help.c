/* rmctl help [COMMAND]: every verb, or one verb's usage. Needs no rmd. */
#include <stdio.h>

#include "client.h"

static int cmd_help_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	const struct cmd_entry *e;

	if (a->argc == 0) {
		rmctl_usage(stdout);
		return EXIT_OK;
	}
	if ((e = cmd_find(a->argv[0])) == NULL) {
		fprintf(stderr, "rmctl: unknown command '%s'\n", a->argv[0]);
		rmctl_usage(stderr);
		return EXIT_USAGE;
	}
	cmd_usage(e, stdout);
	return EXIT_OK;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "show this list, or one command's usage",
	.opts = "",
	.longopts = NULL,
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_help_exec,
};

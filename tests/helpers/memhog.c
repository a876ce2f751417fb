/*
 * loom-test-memhog MB [SECONDS]: allocates and touches MB mebibytes, then sleeps, so the
 * end-to-end tests can watch the node agent enforce a task's memory limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: loom-test-memhog MB [SECONDS]\n");
		return 2;
	}
	long mb = atol(argv[1]);
	int secs = argc > 2 ? atoi(argv[2]) : 60;
	for (long i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);
		if (p == NULL)
			return 1;
		memset(p, (int)i, 1 << 20);
	}
	fprintf(stderr, "memhog: holding %ld MiB\n", mb);
	sleep((unsigned)secs);
	return 0;
}

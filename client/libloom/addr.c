/* Where rmd is: the --rm flag, else $LOOM_RM, else the default address. */
#include <stdio.h>
#include <stdlib.h>

#include "loom-conn.h"
#include "net.h"

const char *loom_addr_choose(const char *flag)
{
	const char *env = getenv("LOOM_RM");

	if (flag != NULL)
		return flag;
	if (env != NULL && env[0] != '\0')
		return env;
	return LOOM_DEFAULT_ADDR;
}

int loom_addr_parse(const char *addr, char *host, size_t hostlen, int *port, char *err,
		    size_t errlen)
{
	char why[160];

	if (net_parse_hostport(addr, host, hostlen, port, why, sizeof why) < 0) {
		snprintf(err, errlen, "bad rmd address: %s", why);
		return -1;
	}
	if (host[0] == '\0')
		snprintf(host, hostlen, "127.0.0.1");
	return 0;
}

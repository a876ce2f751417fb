/* Small helpers of the public API: status texts, resources, the user name, errors. */
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "public-int.h"

/* Indexed by -status. */
static const char *const status_texts[] = {
	"success", "rmd refused the request", "no connection to rmd",
	"no answer from rmd in time", "bad call",
};

const char *loom_strerror(int status)
{
	if (status > 0 || -status >= (int)(sizeof status_texts / sizeof status_texts[0]))
		return "unknown status";
	return status_texts[-status];
}

void pub_res_in(const struct loom_res *in, struct res *out)
{
	memset(out, 0, sizeof *out);
	out->vcores_m = in->vcores > 0 ? (int64_t)llround(in->vcores * 1000) : LOOM_DEFAULT_VCORES_M;
	out->mem_mb = in->memory_mb > 0 ? in->memory_mb : LOOM_DEFAULT_MEM_MB;
	out->gpus = in->gpus > 0 ? in->gpus : 0;
}

void pub_res_out(const struct res *in, struct loom_res *out)
{
	out->vcores = (double)in->vcores_m / 1000.0;
	out->memory_mb = in->mem_mb;
	out->gpus = in->gpus;
}

void pub_user(char *buf, size_t len)
{
	const char *env = getenv("USER");
	struct passwd *pw;

	if (env != NULL && env[0] != '\0' && strlen(env) < len) {
		snprintf(buf, len, "%s", env);
		return;
	}
	pw = getpwuid(getuid());
	if (pw != NULL && strlen(pw->pw_name) < len)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid%u", (unsigned)getuid());
}

int pub_strv_len(const char *const *v)
{
	int n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

void pub_error_text(const struct msg_error *e, char *buf, size_t len)
{
	if (e->field[0] != '\0' && strstr(e->message, e->field) == NULL)
		snprintf(buf, len, "%s: %s", e->field, e->message);
	else
		snprintf(buf, len, "%s", e->message);
}

void pub_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

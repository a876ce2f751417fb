/* Resource vector arithmetic and parsing. */
#include "resource.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct res_custom *custom_slot(struct res *r, const char *name, bool create)
{
	for (int i = 0; i < r->ncustom; i++)
		if (strcmp(r->custom[i].name, name) == 0)
			return &r->custom[i];
	if (!create || r->ncustom >= RES_MAX_CUSTOM)
		return NULL;
	struct res_custom *c = &r->custom[r->ncustom++];
	snprintf(c->name, sizeof c->name, "%s", name);
	c->count = 0;
	return c;
}

int64_t res_custom_get(const struct res *r, const char *name)
{
	for (int i = 0; i < r->ncustom; i++)
		if (strcmp(r->custom[i].name, name) == 0)
			return r->custom[i].count;
	return 0;
}

bool res_fits(const struct res *want, const struct res *avail)
{
	if (want->vcores_m > avail->vcores_m || want->mem_mb > avail->mem_mb ||
	    want->gpus > avail->gpus)
		return false;
	for (int i = 0; i < want->ncustom; i++)
		if (want->custom[i].count > res_custom_get(avail, want->custom[i].name))
			return false;
	return true;
}

static void res_combine(struct res *acc, const struct res *r, int sign)
{
	acc->vcores_m += sign * r->vcores_m;
	acc->mem_mb += sign * r->mem_mb;
	acc->gpus += sign * r->gpus;
	for (int i = 0; i < r->ncustom; i++) {
		struct res_custom *c = custom_slot(acc, r->custom[i].name, true);
		if (c != NULL)
			c->count += sign * r->custom[i].count;
	}
}

void res_add(struct res *acc, const struct res *r)
{
	res_combine(acc, r, 1);
}

void res_sub(struct res *acc, const struct res *r)
{
	res_combine(acc, r, -1);
}

void res_scale(struct res *r, int64_t k)
{
	r->vcores_m *= k;
	r->mem_mb *= k;
	r->gpus *= k;
	for (int i = 0; i < r->ncustom; i++)
		r->custom[i].count *= k;
}

bool res_is_zero(const struct res *r)
{
	if (r->vcores_m > 0 || r->mem_mb > 0 || r->gpus > 0)
		return false;
	for (int i = 0; i < r->ncustom; i++)
		if (r->custom[i].count > 0)
			return false;
	return true;
}

bool res_any_negative(const struct res *r)
{
	if (r->vcores_m < 0 || r->mem_mb < 0 || r->gpus < 0)
		return true;
	for (int i = 0; i < r->ncustom; i++)
		if (r->custom[i].count < 0)
			return true;
	return false;
}

static double share(int64_t use, int64_t total)
{
	return total > 0 ? (double)use / (double)total : 0.0;
}

double res_dominant_share(const struct res *use, const struct res *total)
{
	double d = fmax(share(use->vcores_m, total->vcores_m), share(use->mem_mb, total->mem_mb));
	d = fmax(d, share(use->gpus, total->gpus));
	for (int i = 0; i < use->ncustom; i++)
		d = fmax(d, share(use->custom[i].count,
				  res_custom_get(total, use->custom[i].name)));
	return d;
}

char *res_format(const struct res *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%g vcores, %lld MiB, %lld gpus", (double)r->vcores_m / 1000.0,
			 (long long)r->mem_mb, (long long)r->gpus);
	for (int i = 0; i < r->ncustom && n >= 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, ", %s=%lld", r->custom[i].name,
			      (long long)r->custom[i].count);
	return buf;
}

int res_parse_vcores(const char *s, int64_t *out_m, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 1e6) {
		snprintf(err, errlen, "vcores '%s' is not a positive number (e.g. 2 or 0.5)", s);
		return -1;
	}
	*out_m = (int64_t)llround(v * 1000.0);
	if (*out_m == 0) {
		snprintf(err, errlen, "vcores '%s' is below the smallest unit 0.001", s);
		return -1;
	}
	return 0;
}

int res_parse_mem(const char *s, int64_t *out_mb, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double mult = 1;
	if (errno == 0 && end != s) {
		switch (*end) {
		case '\0': case 'M': case 'm': mult = 1; break;
		case 'G': case 'g': mult = 1024; break;
		case 'T': case 't': mult = 1024.0 * 1024; break;
		case 'K': case 'k': mult = 1.0 / 1024; break;
		default: end = (char *)s; break;
		}
		if (*end != '\0' && (end[1] == '\0' || strcmp(end + 1, "iB") == 0 ||
				     strcmp(end + 1, "B") == 0))
			end = (char *)"";
	}
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || v * mult > 1e12) {
		snprintf(err, errlen, "memory '%s' is not a size (e.g. 512M, 4G; MiB by default)",
			 s);
		return -1;
	}
	*out_mb = (int64_t)ceil(v * mult);
	return 0;
}

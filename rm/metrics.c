/*
 * Prometheus text exposition format writers. The format: per family, "# HELP" and
 * "# TYPE" lines, then samples "name{label="value",...} number", one per line, "\n" line
 * ends. HELP text escapes backslash and newline; label values also the double quote.
 */
#include "metrics.h"

#include <event2/buffer.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends s with backslash, newline (and with quote, the double quote) escaped. */
static void escape(struct evbuffer *out, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*s == '\n')
			evbuffer_add(out, "\\n", 2);
		else if (*s == '"' && quote)
			evbuffer_add(out, "\\\"", 2);
		else
			evbuffer_add(out, s, 1);
	}
}

void prom_family(struct evbuffer *out, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(out, "# HELP %s ", name);
	escape(out, help, 0);
	evbuffer_add_printf(out, "\n# TYPE %s %s\n", name, type);
}

char *prom_value(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, "%sInf", v > 0 ? "+" : "-");
	else if (v == floor(v) && fabs(v) < 9e15)
		snprintf(buf, len, "%.0f", v);
	else if (snprintf(buf, len, "%.15g", v) > 0 && strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v); /* the shortest form that reads back the same */
	return buf;
}

void prom_sample(struct evbuffer *out, const char *name, const struct prom_label *labels,
		 size_t nlabels, double value)
{
	char v[64];

	evbuffer_add_printf(out, "%s", name);
	for (size_t i = 0; i < nlabels; i++) {
		evbuffer_add_printf(out, "%s%s=\"", i == 0 ? "{" : ",", labels[i].name);
		escape(out, labels[i].value, 1);
		evbuffer_add(out, "\"", 1);
	}
	evbuffer_add_printf(out, "%s %s\n", nlabels > 0 ? "}" : "", prom_value(value, v, sizeof(v)));
}

void prom_single(struct evbuffer *out, const char *name, const char *type, const char *help,
		 double value)
{
	prom_family(out, name, type, help);
	prom_sample(out, name, NULL, 0, value);
}

void prom_hist_init(struct prom_hist *h, const double *bounds, size_t n)
{
	memset(h, 0, sizeof(*h));
	h->nbounds = n < PROM_HIST_MAX ? n : PROM_HIST_MAX;
	memcpy(h->bounds, bounds, h->nbounds * sizeof(*bounds));
}

void prom_hist_observe(struct prom_hist *h, double v)
{
	size_t i = 0;

	while (i < h->nbounds && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->sum += v;
	h->count++;
}

void prom_hist_write(struct evbuffer *out, const char *name, const char *help,
		     const struct prom_hist *h)
{
	char key[128], le[64];
	uint64_t cum = 0;

	prom_family(out, name, "histogram", help);
	snprintf(key, sizeof(key), "%s_bucket", name);
	for (size_t i = 0; i <= h->nbounds; i++) {
		struct prom_label l = { "le", le };
		cum += h->counts[i];
		if (i < h->nbounds)
			prom_value(h->bounds[i], le, sizeof(le));
		else
			snprintf(le, sizeof(le), "+Inf");
		prom_sample(out, key, &l, 1, (double)cum);
	}
	snprintf(key, sizeof(key), "%s_sum", name);
	prom_sample(out, key, NULL, 0, h->sum);
	snprintf(key, sizeof(key), "%s_count", name);
	prom_sample(out, key, NULL, 0, (double)h->count);
}

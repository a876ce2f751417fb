/*
 * The Prometheus text exposition format (version 0.0.4), as small writers: a family's
 * HELP and TYPE lines, one sample with escaped labels, and a cumulative histogram. Pure
 * formatting into an evbuffer, so the unit tests check the text byte for byte.
 */
#ifndef LOOM_RM_METRICS_H
#define LOOM_RM_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_label {
	const char *name;
	const char *value;
};

/* "# HELP name help" (help escaped) and "# TYPE name type". */
void prom_family(struct evbuffer *out, const char *name, const char *type, const char *help);
/* name{l1="v1",...} value: label values escaped (\\, \", \n); NaN and infinities spelled
 * as Prometheus reads them. */
void prom_sample(struct evbuffer *out, const char *name, const struct prom_label *labels,
		 size_t nlabels, double value);
/* The family and one unlabelled sample. */
void prom_single(struct evbuffer *out, const char *name, const char *type, const char *help,
		 double value);
/* A number as Prometheus text: integers without a fraction, "+Inf", "NaN". */
char *prom_value(double v, char *buf, size_t len);

#define PROM_HIST_MAX 24
/* A histogram with fixed upper bounds (ascending); counts are per bucket, not cumulative. */
struct prom_hist {
	size_t nbounds;
	double bounds[PROM_HIST_MAX];
	uint64_t counts[PROM_HIST_MAX + 1]; /* the last one is +Inf */
	double sum;
	uint64_t count;
};
void prom_hist_init(struct prom_hist *h, const double *bounds, size_t n);
void prom_hist_observe(struct prom_hist *h, double v);
/* The family: cumulative name_bucket{le=...}, name_sum, name_count. */
void prom_hist_write(struct evbuffer *out, const char *name, const char *help,
		     const struct prom_hist *h);

#endif

/*
 * Standard Workload Format reader (SWF v2.2: 18 numeric fields a line, `;` headers),
 * with the job filter of the published tables (../shared/traces/README.md): run time
 * -1 becomes 10 s, jobs that then run 0 s are dropped, processors are the larger of
 * allocated and requested, an unknown requested time is the run time, and jobs are
 * sorted by job number. Reads .gz through zlib (plain files pass through gzread too).
 * The whole file is read into memory and parsed with a hand-rolled number scanner,
 * because strtod over 3.6 million fields dominates a sanitizer build's run time.
 */
#include "rmsim.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "xmalloc.h"

#define SWF_FIELDS 18

struct parse {
	const char *path;
	size_t line;
	char *err;
	size_t errlen;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(p->err, p->errlen, "%s:%zu: ", p->path, p->line);

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < p->errlen)
		vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

/* The whole (decompressed) file, NUL-terminated. */
static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *probe = fopen(path, "rb");
	size_t cap = 1 << 20, n = 0;
	char *buf;
	gzFile gz;
	int k;

	if (probe == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	fclose(probe);
	if ((gz = gzopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return NULL;
	}
	gzbuffer(gz, 1 << 17);
	buf = xmalloc(cap);
	while ((k = gzread(gz, buf + n, (unsigned)(cap - n - 1))) > 0) {
		n += (size_t)k;
		if (cap - n - 1 < (1 << 16))
			buf = xrealloc(buf, cap *= 2);
	}
	int zerr;
	const char *msg = gzerror(gz, &zerr); /* names the path already */
	if (k < 0 || zerr != Z_OK) {
		/* A truncated .gz ends gzread quietly; only gzerror tells. */
		if (zerr == Z_BUF_ERROR)
			snprintf(err, errlen, "%s: truncated gzip file", path);
		else
			snprintf(err, errlen, "%s", msg);
		gzclose(gz);
		free(buf);
		return NULL;
	}
	gzclose(gz);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Scans one number at *s (integers fast, anything else through strtod). */
static bool scan_num(const char **s, double *v)
{
	const char *p = *s, *q;
	bool neg = *p == '-';
	int64_t x = 0;

	q = p + (neg || *p == '+');
	if (*q >= '0' && *q <= '9') {
		while (*q >= '0' && *q <= '9' && x < INT64_MAX / 10 - 9)
			x = x * 10 + (*q++ - '0');
		if (*q == '\0' || *q == '\n' || is_space(*q)) {
			*v = neg ? -(double)x : (double)x;
			*s = q;
			return true;
		}
	}
	char *end;
	*v = strtod(p, &end);
	if (end == p || !(*end == '\0' || *end == '\n' || is_space(*end)) || !isfinite(*v))
		return false;
	*s = end;
	return true;
}

/* The length of the token at s, capped for messages. */
static int token_len(const char *s)
{
	size_t n = strcspn(s, " \t\r\n");
	return n > 24 ? 24 : (int)n;
}

/* A header value: the leading integer of "; Key: 338 (batch partition)". */
static int header(struct parse *p, const char *line, struct swf_trace *t)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "MaxNodes:", offsetof(struct swf_trace, max_nodes) },
		{ "MaxProcs:", offsetof(struct swf_trace, max_procs) },
		{ "MaxJobs:", offsetof(struct swf_trace, max_jobs) },
		{ "MaxRecords:", offsetof(struct swf_trace, max_records) },
		{ "UnixStartTime:", offsetof(struct swf_trace, unix_start) },
	};

	while (*line == ';' || is_space(*line))
		line++;
	if (strncmp(line, "Queue:", 6) == 0)
		t->nqueues++;
	if (strncmp(line, "Partition:", 10) == 0)
		t->npartitions++;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t kl = strlen(keys[i].key);
		char *end;
		if (strncmp(line, keys[i].key, kl) != 0)
			continue;
		long long v = strtoll(line + kl, &end, 10);
		if (end == line + kl || v < 0)
			return fail(p, "header %.*s has no number", (int)kl - 1, keys[i].key);
		*(int64_t *)((char *)t + keys[i].off) = v;
	}
	return 0;
}

static int64_t whole(double v)
{
	return (int64_t)llround(v);
}

/* One job line: 18 numbers; keeps the job unless it runs 0 s. */
static int job_line(struct parse *p, const char *s, struct swf_trace *t, size_t *cap)
{
	double f[SWF_FIELDS];
	int n = 0;

	for (;;) {
		while (is_space(*s))
			s++;
		if (*s == '\n' || *s == '\0')
			break;
		if (n == SWF_FIELDS)
			return fail(p, "more than %d fields", SWF_FIELDS);
		if (!scan_num(&s, &f[n]))
			return fail(p, "field %d is not a number: '%.*s'", n + 1, token_len(s), s);
		n++;
	}
	if (n < SWF_FIELDS)
		return fail(p, "%d fields, expected %d", n, SWF_FIELDS);
	t->nrecords++;

	struct swf_job j = { .id = whole(f[0]), .submit = whole(f[1]), .run = whole(f[3]) };
	if (j.run < 0)
		j.run = 10; /* unknown, mostly cancelled jobs */
	if (j.run == 0)
		return 0;
	j.procs = whole(fmax(f[4], f[7]));
	if (j.procs < 1)
		j.procs = 1;
	j.req = f[8] >= 0 ? whole(f[8]) : j.run;
	j.user = whole(f[11]);
	j.queue = whole(f[14]);
	j.line = p->line;
	t->jobs = xgrow(t->jobs, cap, t->njobs + 1, sizeof(*t->jobs));
	t->jobs[t->njobs++] = j;
	return 0;
}

static int cmp_job(const void *a, const void *b)
{
	const struct swf_job *x = a, *y = b;
	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->line > y->line) - (x->line < y->line); /* file order */
}

/* Sizes the machine from the header and each job's whole-node count. */
static int machine(struct parse *p, struct swf_trace *t)
{
	if (t->max_nodes <= 0)
		t->max_nodes = t->max_procs;
	if (t->max_nodes <= 0 || t->max_nodes > INT32_MAX) {
		p->line = 0;
		return fail(p, "no usable MaxNodes or MaxProcs header: cannot size the machine");
	}
	if (t->max_procs <= 0)
		t->max_procs = t->max_nodes;
	t->ppn = (double)t->max_procs / (double)t->max_nodes;
	for (size_t i = 0; i < t->njobs; i++) {
		struct swf_job *j = &t->jobs[i];
		double nodes = ceil((double)j->procs / t->ppn);
		p->line = j->line;
		if (nodes > (double)t->max_nodes)
			return fail(p, "job %lld needs %.0f nodes, the machine has %lld",
				    (long long)j->id, nodes, (long long)t->max_nodes);
		j->nodes = (int32_t)nodes;
	}
	return 0;
}

int swf_load(const char *path, struct swf_trace *t, char *err, size_t errlen)
{
	struct parse p = { path, 0, err, errlen };
	size_t len, cap = 0;
	char *buf = slurp(path, &len, err, errlen);
	int rc = 0;

	memset(t, 0, sizeof(*t));
	t->max_nodes = t->max_procs = t->max_jobs = t->max_records = t->unix_start = -1;
	if (buf == NULL)
		return -1;
	for (char *s = buf; rc == 0 && s < buf + len;) {
		char *nl = memchr(s, '\n', (size_t)(buf + len - s));
		const char *q = s;

		p.line++;
		while (is_space(*q))
			q++;
		if (*q == ';')
			rc = header(&p, q, t);
		else if (*q != '\n' && *q != '\0')
			rc = job_line(&p, q, t, &cap);
		s = nl != NULL ? nl + 1 : buf + len;
	}
	free(buf);
	if (rc == 0) {
		qsort(t->jobs, t->njobs, sizeof(*t->jobs), cmp_job);
		rc = machine(&p, t);
	}
	if (rc != 0)
		swf_free(t);
	return rc;
}

void swf_free(struct swf_trace *t)
{
	free(t->jobs);
	t->jobs = NULL;
	t->njobs = 0;
}

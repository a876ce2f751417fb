/*
 * A small CSV reader for the cloud traces: a header row names the columns, the caller
 * asks for the columns it needs by name, and every row must have as many fields as the
 * header. No quoting (none of the shared traces quote). Errors carry FILE:LINE.
 */
#include "rmsim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define CSV_MAX_COLS 64

int csv_fail(struct csv *c, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(c->err, c->errlen, "%s:%zu: ", c->path, c->line);

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < c->errlen)
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

/* Splits line (modified in place) at commas into c->field; returns the count or -1. */
static int split(struct csv *c, char *line)
{
	size_t n = strcspn(line, "\r\n");
	int nf = 0;

	line[n] = '\0';
	for (char *s = line;; s++) {
		if (nf == CSV_MAX_COLS)
			return csv_fail(c, "more than %d fields", CSV_MAX_COLS);
		c->field[nf++] = s;
		if ((s = strchr(s, ',')) == NULL)
			break;
		*s = '\0';
	}
	return nf;
}

int csv_open(struct csv *c, const char *path, const char *const *want, size_t nwant,
	     char *err, size_t errlen)
{
	int nf;

	*c = (struct csv){ .path = path, .err = err, .errlen = errlen };
	if ((c->f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	c->field = xcalloc(CSV_MAX_COLS, sizeof(*c->field));
	c->col = xcalloc(nwant, sizeof(*c->col));
	if (getline(&c->buf, &c->cap, c->f) < 0) {
		c->line = 1;
		return csv_fail(c, "empty file: no header row");
	}
	c->line = 1;
	if ((nf = split(c, c->buf)) < 0)
		return -1;
	c->ncols = nf;
	for (size_t i = 0; i < nwant; i++) {
		c->col[i] = -1;
		for (int k = 0; k < nf; k++)
			if (strcmp(c->field[k], want[i]) == 0)
				c->col[i] = k;
		if (c->col[i] < 0)
			return csv_fail(c, "header has no column '%s'", want[i]);
	}
	return 0;
}

int csv_next(struct csv *c)
{
	int nf;

	do {
		if (getline(&c->buf, &c->cap, c->f) < 0)
			return 0;
		c->line++;
	} while (c->buf[strspn(c->buf, " \t\r\n")] == '\0'); /* blank lines */
	if ((nf = split(c, c->buf)) < 0)
		return -1;
	if (nf != c->ncols)
		return csv_fail(c, "%d fields, the header has %d", nf, c->ncols);
	return 1;
}

const char *csv_str(const struct csv *c, size_t i)
{
	return c->field[c->col[i]];
}

int csv_int(struct csv *c, size_t i, const char *name, bool optional, int64_t *v)
{
	const char *s = csv_str(c, i);
	char *end;
	long long x;

	if (*s == '\0' && optional) {
		*v = -1;
		return 0;
	}
	errno = 0;
	x = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || x < 0)
		return csv_fail(c, "%s: '%.24s' is not a non-negative integer", name, s);
	*v = x;
	return 0;
}

void csv_close(struct csv *c)
{
	if (c->f != NULL)
		fclose(c->f);
	free(c->buf);
	free(c->field);
	free(c->col);
	*c = (struct csv){ 0 };
}

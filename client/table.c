/*
 * Aligned tables for people: every column as wide as its widest cell, two spaces apart,
 * the last column (a reason, usually) cut to the terminal's width when there is one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "xmalloc.h"

#define TABLE_GAP 2
#define TABLE_MIN_LAST 12 /* a cut last column still shows this much */

struct table {
	int ncols;
	char **headers;
	char **cells;  /* nrows * ncols, row-major */
	char **notes;  /* per row, NULL when none */
	size_t nrows;
	size_t cells_cap, notes_cap;
	int filled;    /* cells given in the current row */
};

/* A copy of s fit for one cell: control characters (newlines in reasons) become spaces. */
static char *cell_dup(const char *s)
{
	char *c = xstrdup(s == NULL || *s == '\0' ? "-" : s);

	for (char *p = c; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return c;
}

struct table *table_new(const char *const *headers, int ncols)
{
	struct table *t = xcalloc(1, sizeof *t);

	t->ncols = ncols;
	t->headers = xcalloc((size_t)ncols, sizeof *t->headers);
	for (int i = 0; i < ncols; i++)
		t->headers[i] = cell_dup(headers[i]);
	t->filled = ncols;
	return t;
}

void table_row(struct table *t)
{
	size_t want = t->nrows + 1;

	t->cells = xgrow(t->cells, &t->cells_cap, want * (size_t)t->ncols, sizeof *t->cells);
	t->notes = xgrow(t->notes, &t->notes_cap, want, sizeof *t->notes);
	memset(t->cells + t->nrows * (size_t)t->ncols, 0, (size_t)t->ncols * sizeof *t->cells);
	t->notes[t->nrows] = NULL;
	t->nrows = want;
	t->filled = 0;
}

void table_cell(struct table *t, const char *s)
{
	if (t->nrows == 0 || t->filled >= t->ncols)
		return; /* more cells than columns: a caller bug, not worth a crash */
	t->cells[(t->nrows - 1) * (size_t)t->ncols + (size_t)t->filled++] = cell_dup(s);
}

void table_cellf(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	table_cell(t, buf);
}

void table_note(struct table *t, const char *text)
{
	if (t->nrows == 0)
		return;
	char **n = &t->notes[t->nrows - 1];
	char *old = *n;
	*n = old == NULL ? xstrdup(text) : xasprintf("%s\n%s", old, text);
	free(old);
}

static const char *cell_at(const struct table *t, size_t row, int col)
{
	const char *c = t->cells[row * (size_t)t->ncols + (size_t)col];
	return c != NULL ? c : "-";
}

static void print_row(const struct table *t, char *const *cells, const size_t *w, FILE *out,
		      size_t last_max)
{
	for (int i = 0; i < t->ncols; i++) {
		const char *c = cells[i] != NULL ? cells[i] : "-";
		if (i < t->ncols - 1) {
			fprintf(out, "%-*s%*s", (int)w[i], c, TABLE_GAP, "");
			continue;
		}
		size_t n = strlen(c);
		if (last_max > 0 && n > last_max)
			fprintf(out, "%.*s...", (int)(last_max - 3), c);
		else
			fputs(c, out);
	}
	fputc('\n', out);
}

void table_print(const struct table *t, FILE *out, int width)
{
	size_t *w = xcalloc((size_t)t->ncols, sizeof *w);
	size_t used = 0, last_max = 0;

	for (int i = 0; i < t->ncols; i++) {
		w[i] = strlen(t->headers[i]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t n = strlen(cell_at(t, r, i));
			w[i] = n > w[i] ? n : w[i];
		}
		if (i < t->ncols - 1)
			used += w[i] + TABLE_GAP;
	}
	if (width > 0) {
		last_max = (size_t)width > used + TABLE_MIN_LAST ? (size_t)width - used
								: TABLE_MIN_LAST;
	}
	print_row(t, t->headers, w, out, last_max);
	for (size_t r = 0; r < t->nrows; r++) {
		print_row(t, t->cells + r * (size_t)t->ncols, w, out, last_max);
		if (t->notes[r] != NULL)
			fprintf(out, "%s\n", t->notes[r]);
	}
	free(w);
}

void table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < t->ncols; i++)
		free(t->headers[i]);
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	for (size_t i = 0; i < t->nrows; i++)
		free(t->notes[i]);
	free(t->headers);
	free(t->cells);
	free(t->notes);
	free(t);
}

/* Allocation that never returns NULL: running out of memory aborts with a message. */
#ifndef LOOM_XMALLOC_H
#define LOOM_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* Grows an array of n elements of size sz to at least want elements (doubling). */
void *xgrow(void *p, size_t *cap, size_t want, size_t sz);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

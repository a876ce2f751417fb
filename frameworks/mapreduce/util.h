/* loom-mapreduce: small helpers shared by the engine and its task runner. */
#ifndef LOOM_MR_UTIL_H
#define LOOM_MR_UTIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __GNUC__
#define MR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MR_PRINTF(f, a)
#endif

/* The program name used in messages ("loom-mapreduce", "loom-mr-task"). */
extern const char *mr_prog;

/* Prints "<prog>: message" to stderr and exits with code. */
_Noreturn void mr_die(int code, const char *fmt, ...) MR_PRINTF(2, 3);
/* Prints "<prog>: message" to stderr. */
void mr_warn(const char *fmt, ...) MR_PRINTF(1, 2);

/* Allocators that abort on failure, as the rest of Loom's xmalloc.h. */
void *mr_calloc(size_t n, size_t size);
void *mr_realloc(void *p, size_t size);
void *mr_grow(void *p, size_t *cap, size_t need, size_t size);
char *mr_strdup(const char *s);
char *mr_asprintf(const char *fmt, ...) MR_PRINTF(1, 2);

/* Monotonic milliseconds. */
int64_t mr_now_ms(void);

/* Strict decimal parsers; 0 on success, -1 on anything else. */
int mr_parse_i64(const char *s, int64_t *out);
int mr_parse_u64(const char *s, uint64_t *out);

/* Creates path and its missing parents (mode 0777 minus umask); -1 with errno. */
int mr_mkdir_p(const char *path);
/* Removes path recursively (not following symlinks); missing is fine. -1 with errno. */
int mr_rm_rf(const char *path);

#endif

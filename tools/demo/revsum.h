/* loom-revsum: helpers shared by its map/sum scanner and its reducer. */
#ifndef LOOM_REVSUM_H
#define LOOM_REVSUM_H

#include <stddef.h>
#include <stdint.h>

enum { EXIT_IO = 1, EXIT_USAGE = 2, EXIT_MALFORMED = 3 };

#ifdef __GNUC__
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* Prints "loom-revsum: <message>" to stderr and exits with code. */
_Noreturn void die(int code, const char *fmt, ...) PRINTF_LIKE(2, 3);
_Noreturn void usage(void);

/* Strict unsigned decimal (digits only); 0 on success, -1 otherwise. */
int parse_u64(const char *s, uint64_t *out);

/* Parses a decimal with at most 2 places in [p, q) into cents; returns NULL or a reason. */
const char *parse_revenue(const char *p, const char *q, int64_t *out);

/* Formats cents as units with exactly 2 decimals into buf and returns buf. */
const char *fmt_cents(int64_t c, char *buf, size_t len);

/* Adds c to *sum; -1 (and *sum unchanged) on int64 overflow. */
int add_cents(int64_t *sum, int64_t c);

/* Replaces dir/name with line via a temporary file and rename; dies on error. */
void write_atomic(const char *dir, const char *name, const char *line);

/* Reads a file that must hold exactly one '\n'-terminated line; strips the '\n'. */
void read_line_file(const char *path, char *buf, size_t len);

int cmd_map(const char *path);
int cmd_sum(const char *path);
int cmd_reduce(int argc, char **argv);

#endif

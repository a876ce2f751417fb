/*
 * One line per event: time, level, program, subsystem, message. Ids inside messages use
 * the one format of id.h (job-42.t7.a2).
 */
#ifndef LOOM_LOG_H
#define LOOM_LOG_H

#include <stdarg.h>

enum log_level { LL_ERROR, LL_WARN, LL_INFO, LL_DEBUG };

/* Sets the program name and threshold; path NULL or "-" logs to stderr. Returns -1 if the
 * file cannot be opened (stderr is kept then). */
int log_open(const char *prog, enum log_level level, const char *path);
void log_close(void);
/* Parses "error", "warn", "info", "debug"; returns -1 for anything else. */
int log_level_parse(const char *s);
enum log_level log_get_level(void);

void log_msg(enum log_level level, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level level, const char *subsys, const char *fmt, va_list ap);
/* For broken invariants and startup failures only: logs and exits 1. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define log_error(sub, ...) log_msg(LL_ERROR, sub, __VA_ARGS__)
#define log_warn(sub, ...) log_msg(LL_WARN, sub, __VA_ARGS__)
#define log_info(sub, ...) log_msg(LL_INFO, sub, __VA_ARGS__)
#define log_debug(sub, ...)                                   \
	do {                                                  \
		if (log_get_level() >= LL_DEBUG)              \
			log_msg(LL_DEBUG, sub, __VA_ARGS__);  \
	} while (0)

#endif

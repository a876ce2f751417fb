/* One line per event: time, level, program, subsystem, message. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };
static const char *log_prog = "loom";
static enum log_level log_threshold = LL_INFO;
static FILE *log_file;

int log_open(const char *prog, enum log_level level, const char *path)
{
	log_prog = prog;
	log_threshold = level;
	if (path == NULL || strcmp(path, "-") == 0)
		return 0;
	FILE *f = fopen(path, "a");
	if (f == NULL)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	log_close();
	log_file = f;
	return 0;
}

void log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

int log_level_parse(const char *s)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

enum log_level log_get_level(void)
{
	return log_threshold;
}

void log_vmsg(enum log_level level, const char *subsys, const char *fmt, va_list ap)
{
	if (level > log_threshold)
		return;
	FILE *out = log_file ? log_file : stderr;
	struct timeval tv;
	struct tm tm;
	char stamp[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	/* One fprintf per piece keeps this simple; the stream lock makes lines whole. */
	flockfile(out);
	fprintf(out, "%s.%03ldZ %-5s %s %s: ", stamp, (long)(tv.tv_usec / 1000),
		level_names[level], log_prog, subsys);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	funlockfile(out);
}

void log_msg(enum log_level level, const char *subsys, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, subsys, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LL_ERROR, "fatal", fmt, ap);
	va_end(ap);
	exit(1);
}

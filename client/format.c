/* Human forms of durations, ages, sizes and progress for the command-line clients. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "client.h"

char *fmt_dur(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd%02lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
	return buf;
}

char *fmt_age(int64_t now_us, int64_t then_us, char *buf, size_t len)
{
	if (then_us <= 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	return fmt_dur((now_us - then_us) / 1000, buf, len);
}

char *fmt_elapsed(int64_t ms, char *buf, size_t len)
{
	if (ms < 0)
		ms = 0;
	if (ms < 60000) /* tenths while the numbers still move fast */
		snprintf(buf, len, "%lld.%llds", (long long)(ms / 1000), (long long)(ms % 1000 / 100));
	else
		fmt_dur(ms, buf, len);
	return buf;
}

char *fmt_mem(int64_t mb, char *buf, size_t len)
{
	if (mb < 1024)
		snprintf(buf, len, "%lldM", (long long)mb);
	else if (mb < 1024 * 1024)
		snprintf(buf, len, mb % 1024 == 0 ? "%.0fG" : "%.1fG", (double)mb / 1024.0);
	else
		snprintf(buf, len, "%.1fT", (double)mb / (1024.0 * 1024.0));
	return buf;
}

char *fmt_vcores(int64_t m, char *buf, size_t len)
{
	if (m % 1000 == 0)
		snprintf(buf, len, "%lld", (long long)(m / 1000));
	else
		snprintf(buf, len, "%g", (double)m / 1000.0);
	return buf;
}

char *fmt_bar(double frac, int width, char *buf, size_t len)
{
	int fill;
	size_t n = 0;

	if (len < (size_t)width + 3)
		width = len > 3 ? (int)len - 3 : 0;
	frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
	fill = (int)(frac * width + 0.5);
	buf[n++] = '[';
	for (int i = 0; i < width; i++)
		buf[n++] = i < fill ? '#' : '.';
	buf[n++] = ']';
	buf[n] = '\0';
	return buf;
}

/* True when a shell would read word as it is. */
static bool shell_plain(const char *word)
{
	if (*word == '\0')
		return false;
	return strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_./=:,+@%") == strlen(word);
}

/* Appends n bytes of p to buf (size len, used *o), always leaving it terminated. */
static void put(char *buf, size_t len, size_t *o, const char *p, size_t n)
{
	while (n-- > 0 && *o + 1 < len)
		buf[(*o)++] = *p++;
	buf[*o] = '\0';
}

char *fmt_argv(char *const *argv, int n, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *w = argv[i];
		if (i > 0)
			put(buf, len, &o, " ", 1);
		if (shell_plain(w)) {
			put(buf, len, &o, w, strlen(w));
			continue;
		}
		put(buf, len, &o, "'", 1);
		for (; *w != '\0'; w++) {
			if (*w == '\'') /* close, an escaped quote, reopen */
				put(buf, len, &o, "'\\''", 4);
			else
				put(buf, len, &o, w, 1);
		}
		put(buf, len, &o, "'", 1);
	}
	return buf;
}

char *fmt_progress_line(const struct job_progress *p, char *buf, size_t len)
{
	char bar[16], el[FMT_BUFSZ];
	double frac = p->progress;

	if (frac < 0)
		frac = p->ntasks > 0 ? (double)p->done / (double)p->ntasks : 0;
	frac = frac > 1 ? 1 : frac;
	snprintf(buf, len, "%s %s %s %d%%  tasks %lld/%lld done, %lld running, %lld failed  %s",
		 p->id, p->state, fmt_bar(frac, 10, bar, sizeof bar), (int)(frac * 100),
		 (long long)p->done, (long long)p->ntasks, (long long)p->running,
		 (long long)p->failed, fmt_elapsed(p->elapsed_ms, el, sizeof el));
	return buf;
}

int term_width(int fd)
{
	struct winsize ws;

	if (!isatty(fd))
		return 0;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

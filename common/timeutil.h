/* Clocks and human-readable durations. Monotonic time for timeouts, wall time for records. */
#ifndef LOOM_TIMEUTIL_H
#define LOOM_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

int64_t mono_ms(void);
int64_t mono_us(void);
/* Microseconds since the Unix epoch. */
int64_t wall_us(void);
/* "850ms", "12.3s", "4m05s", "2h10m", "3d04h". */
char *fmt_duration_ms(int64_t ms, char *buf, size_t len);
/* "2026-11-27T01:02:03Z" from epoch microseconds. */
char *fmt_wall_us(int64_t us, char *buf, size_t len);
struct timeval tv_from_ms(int64_t ms);

#endif

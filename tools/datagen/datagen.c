/*
 * loom-datagen: writes a deterministic CSV of sales rows of a chosen size for the
 * revenue-sum demo, and records the exact expected revenue total beside it.
 *
 *   loom-datagen --out FILE --size SIZE[K|M|G] [--seed N] [--no-fsync]
 *
 * Prints "rows=N bytes=B total=T" and writes the same line to FILE.expected.
 * Exit codes: 0 ok, 1 I/O error, 2 bad arguments.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER "date,region,product,quantity_made,quantity_sold,unit_price,unit_cost,revenue\n"
#define OUTBUF_SIZE (8u << 20)
#define MAX_ROW 256             /* far above the longest row this generator can produce */
#define FIRST_YEAR 2021
#define NYEARS 5
#define MAX_DAYS (NYEARS * 366)

struct product {
	const char *name;
	uint32_t base_cents;
};

static const char *const regions[] = {
	"north", "south", "east", "west", "central", "northeast", "southwest", "northwest",
};

static const struct product products[] = {
	{ "widget", 1299 },   { "gadget", 2499 },     { "sprocket", 349 },  { "gizmo", 8999 },
	{ "doohickey", 599 }, { "thingamajig", 14999 }, { "whatsit", 1999 }, { "contraption", 49999 },
	{ "flange", 199 },    { "bracket", 449 },     { "valve", 2799 },    { "gear", 899 },
	{ "bearing", 1249 },  { "spring", 99 },       { "lever", 679 },     { "pulley", 3599 },
};

#define NREGIONS (sizeof(regions) / sizeof(regions[0]))
#define NPRODUCTS (sizeof(products) / sizeof(products[0]))

/* "YYYY-MM-DD,"; 20 bytes leave room for any int, which keeps -Wformat-truncation quiet */
static char dates[MAX_DAYS][20];
static unsigned ndates;
/* "region,product," per pair, padded so each row copies a fixed 32 bytes and advances by len */
static char labels[NREGIONS][NPRODUCTS][32];
static uint8_t label_len[NREGIONS][NPRODUCTS];

/* The temporary file is removed if we are interrupted, so no half file is left behind. */
static char tmp_path[4096];

static void on_signal(int sig)
{
	if (tmp_path[0])
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

#ifdef __GNUC__
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static _Noreturn void usage_error(const char *fmt, ...) PRINTF_LIKE(1, 2);

static _Noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("loom-datagen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: loom-datagen --out FILE --size SIZE[K|M|G] [--seed N] [--no-fsync]\n",
	      stderr);
	exit(2);
}

/* splitmix64: tiny, fast, and fully determined by the seed on every platform. */
static inline uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A value in [0, n) from 32 random bits; the bias for our small n is negligible. */
static inline uint32_t pick(uint64_t r, uint32_t n)
{
	return (uint32_t)(((r & 0xffffffffu) * n) >> 32);
}

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Appends the decimal form of v and returns the new end; digits go straight to place. */
static inline char *put_u64(char *p, uint64_t v)
{
	uint64_t pow = 10;
	int n = 1;

	while (n < 20 && v >= pow) {
		n++;
		pow *= 10;
	}
	char *end = p + n;
	for (p = end; v >= 100; v /= 100) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (v % 100), 2);
	}
	if (v >= 10)
		memcpy(p - 2, digit_pairs + 2 * v, 2);
	else
		p[-1] = (char)('0' + v);
	return end;
}

/* Appends cents as units with exactly two decimals (1299 -> "12.99"). */
static inline char *put_cents(char *p, uint64_t cents)
{
	p = put_u64(p, cents / 100);
	*p++ = '.';
	memcpy(p, digit_pairs + 2 * (cents % 100), 2);
	return p + 2;
}

static inline char *put_str(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

/* Formats the dates and the region/product labels once, so rows only copy them. */
static void build_tables(void)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	for (int y = FIRST_YEAR; y < FIRST_YEAR + NYEARS; y++) {
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		for (int m = 0; m < 12; m++)
			for (int d = 1; d <= mdays[m] + (m == 1 && leap); d++)
				snprintf(dates[ndates++], sizeof(dates[0]), "%04d-%02d-%02d,", y, m + 1, d);
	}
	for (size_t r = 0; r < NREGIONS; r++)
		for (size_t i = 0; i < NPRODUCTS; i++)
			label_len[r][i] = (uint8_t)snprintf(labels[r][i], sizeof(labels[r][i]), "%s,%s,",
							    regions[r], products[i].name);
}

/* Writes one row at p, adds its revenue in cents to *rev, and returns the new end. */
static inline char *gen_row(char *p, uint64_t *state, uint64_t *rev)
{
	uint64_t r1 = next_rand(state), r2 = next_rand(state);
	unsigned reg = pick(r1, NREGIONS), prod = pick(r1 >> 32, NPRODUCTS);
	uint64_t base = products[prod].base_cents;
	/* price varies 80%..120% of the product's base, cost 40%..89% of the price */
	uint64_t price = base * (80 + pick(r2, 41)) / 100;
	uint64_t cost = price * (40 + pick(r2 >> 32, 50)) / 100;
	uint64_t r3 = next_rand(state);
	uint64_t made = 1 + pick(r3, 1000);
	uint64_t sold = pick(r3 >> 32, (uint32_t)made + 1);

	if (price == 0)
		price = 1;
	if (cost == 0)
		cost = 1;
	*rev = sold * price;
	p = put_str(p, dates[pick(next_rand(state), ndates)], 11);
	memcpy(p, labels[reg][prod], 32);
	p += label_len[reg][prod];
	p = put_u64(p, made);
	*p++ = ',';
	p = put_u64(p, sold);
	*p++ = ',';
	p = put_cents(p, price);
	*p++ = ',';
	p = put_cents(p, cost);
	*p++ = ',';
	p = put_cents(p, *rev);
	*p++ = '\n';
	return p;
}

/* Writes all of buf, retrying short writes; returns -1 with errno set on failure. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Parses SIZE with an optional K/M/G (1024-based) suffix; 0 on bad input. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned shift = 0;
	uint64_t v;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end != '\0' || v > (UINT64_MAX >> 1) >> shift)
		return 0;
	return v << shift;
}

static uint64_t parse_seed(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno)
		usage_error("bad --seed '%s': expected a non-negative integer", s);
	return v;
}

/* Writes the small FILE.expected atomically, as the data file itself is written. */
static int write_expected(const char *out, const char *line)
{
	char path[4200], tmp[4300];
	int fd;

	snprintf(path, sizeof(path), "%s.expected", out);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	if (write_all(fd, line, strlen(line)) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		int saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

static void io_fail(const char *what, const char *path)
{
	fprintf(stderr, "loom-datagen: %s %s: %s\n", what, path, strerror(errno));
	if (tmp_path[0])
		unlink(tmp_path);
	exit(1);
}

/*
 * Generates rows until the next one would not fit in size bytes, so the file never
 * exceeds SIZE and falls short of it by less than one row.
 */
static void generate(int fd, uint64_t size, uint64_t seed, uint64_t *rows, uint64_t *bytes,
		     uint64_t *total)
{
	char *buf = malloc(OUTBUF_SIZE), *p;
	uint64_t state = seed, written = sizeof(HEADER) - 1, rev;

	if (!buf) {
		fputs("loom-datagen: out of memory\n", stderr);
		exit(1);
	}
	p = put_str(buf, HEADER, sizeof(HEADER) - 1);
	*rows = *total = 0;
	for (;;) {
		char *row = p;
		p = gen_row(p, &state, &rev);
		if (written + (uint64_t)(p - row) > size) {
			p = row;
			break;
		}
		written += (uint64_t)(p - row);
		(*rows)++;
		if (*total > UINT64_MAX - rev) {
			errno = EOVERFLOW;
			io_fail("revenue total overflows 64 bits in", tmp_path);
		}
		*total += rev;
		if (p - buf > (ptrdiff_t)(OUTBUF_SIZE - MAX_ROW)) {
			if (write_all(fd, buf, (size_t)(p - buf)) < 0)
				io_fail("cannot write", tmp_path);
			p = buf;
		}
	}
	if (write_all(fd, buf, (size_t)(p - buf)) < 0)
		io_fail("cannot write", tmp_path);
	free(buf);
	*bytes = written;
}

struct options {
	const char *out;
	uint64_t size, seed;
	int sync_data;
};

static void parse_args(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .size = 256ULL << 20, .seed = 1, .sync_data = 1 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			puts("usage: loom-datagen --out FILE --size SIZE[K|M|G] [--seed N] [--no-fsync]");
			exit(0);
		}
		if (strcmp(a, "--no-fsync") == 0) {
			o->sync_data = 0;
			continue;
		}
		if (strcmp(a, "--out") && strcmp(a, "--size") && strcmp(a, "--seed"))
			usage_error("unknown argument '%s'", a);
		if (i + 1 >= argc)
			usage_error("%s needs a value", a);
		if (strcmp(a, "--out") == 0)
			o->out = argv[++i];
		else if (strcmp(a, "--size") == 0 && (o->size = parse_size(argv[++i])) == 0)
			usage_error("bad --size '%s': expected a positive integer with optional K, M or G",
				    argv[i]);
		else if (strcmp(a, "--seed") == 0)
			o->seed = parse_seed(argv[++i]);
	}
	if (!o->out || !*o->out)
		usage_error("%s", "--out FILE is required");
	if (strlen(o->out) > 4000)
		usage_error("--out path too long: '%.60s...'", o->out);
	if (o->size < sizeof(HEADER) - 1) {
		char min[32];
		snprintf(min, sizeof(min), "%zu", sizeof(HEADER) - 1);
		usage_error("--size too small: must be at least %s bytes (the header)", min);
	}
}

int main(int argc, char **argv)
{
	struct options o;
	uint64_t rows, bytes, total;
	char line[128], expected[4200];
	int fd;

	parse_args(argc, argv, &o);
	build_tables();
	snprintf(tmp_path, sizeof(tmp_path), "%s.tmp.%ld", o.out, (long)getpid());
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		tmp_path[0] = '\0';
		io_fail("cannot create", o.out);
	}
	generate(fd, o.size, o.seed, &rows, &bytes, &total);
	/*
	 * fsync before rename, so after a crash the name holds the old file or the whole new one.
	 * --no-fsync skips the wait for the disk when the data is scratch and speed matters more.
	 */
	if ((o.sync_data && fsync(fd) < 0) || close(fd) < 0)
		io_fail("cannot write", tmp_path);
	/* a crash between the two renames then leaves no .expected rather than a stale one */
	snprintf(expected, sizeof(expected), "%s.expected", o.out);
	if (unlink(expected) < 0 && errno != ENOENT)
		io_fail("cannot remove old", expected);
	if (rename(tmp_path, o.out) < 0)
		io_fail("cannot rename to", o.out);
	tmp_path[0] = '\0';

	snprintf(line, sizeof(line), "rows=%" PRIu64 " bytes=%" PRIu64 " total=%" PRIu64 ".%02u\n",
		 rows, bytes, total / 100, (unsigned)(total % 100));
	if (write_expected(o.out, line) < 0)
		io_fail("cannot write", expected);
	fputs(line, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}

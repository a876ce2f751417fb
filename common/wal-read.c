/*
 * Reading a record log (see wal.h): every record is checked before its payload is handed
 * on, and the first bad one ends the log. A bad tail is kept aside in <path>.cut-<offset>
 * before it is cut, so that a person can look at what was dropped.
 */
#include "wal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "xmalloc.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The CRC covers type and length (header bytes 4..11) and then the payload. */
static uint32_t record_crc(const uint8_t *hdr, const void *data, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, hdr + 4, 8);
	if (len > 0)
		c = crc32(c, data, (uInt)len);
	return (uint32_t)c;
}

void wal_header(uint8_t hdr[WAL_HDR], uint32_t type, const void *data, size_t len)
{
	put32(hdr, WAL_MAGIC);
	put32(hdr + 4, type);
	put32(hdr + 8, (uint32_t)len);
	put32(hdr + 12, record_crc(hdr, data, len));
}

/* Reads the whole file into memory (logs are read once, at start). */
static int slurp(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	*buf = NULL;
	*len = 0;
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	*buf = xmalloc((size_t)st.st_size + 1);
	while (*len < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + *len, (size_t)st.st_size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: read: %s", path, n < 0 ? strerror(errno) : "short");
			close(fd);
			free(*buf);
			*buf = NULL;
			return -1;
		}
		*len += (size_t)n;
	}
	close(fd);
	return 0;
}

/* Checks the record at off; returns its payload length, or -1 with why filled. */
static long check_record(const char *buf, size_t len, size_t off, char *why, size_t whylen)
{
	const uint8_t *h = (const uint8_t *)buf + off;
	size_t left = len - off;

	if (left < WAL_HDR) {
		snprintf(why, whylen, "torn record header (%zu of %d bytes)", left, WAL_HDR);
		return -1;
	}
	if (get32(h) != WAL_MAGIC) {
		snprintf(why, whylen, "bad magic 0x%08x", get32(h));
		return -1;
	}
	uint32_t plen = get32(h + 8);
	if (plen > WAL_MAX_RECORD) {
		snprintf(why, whylen, "record length %u over the limit", plen);
		return -1;
	}
	if (left - WAL_HDR < plen) {
		snprintf(why, whylen, "torn record (%zu of %u payload bytes)", left - WAL_HDR, plen);
		return -1;
	}
	if (record_crc(h, h + WAL_HDR, plen) != get32(h + 12)) {
		snprintf(why, whylen, "CRC mismatch");
		return -1;
	}
	return (long)plen;
}

/* Writes the cut bytes to <path>.cut-<offset>, then cuts the file and fsyncs it. */
static int cut_tail(const char *path, const char *tail, const struct wal_scan *sc, char *err,
		    size_t errlen)
{
	char *keep = xasprintf("%s.cut-%llu", path, (unsigned long long)sc->good_bytes);
	int fd = open(keep, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc = -1;

	if (fd < 0 || write(fd, tail, sc->cut_bytes) != (ssize_t)sc->cut_bytes)
		log_warn("wal", "cannot keep the cut tail in %s: %s", keep, strerror(errno));
	if (fd >= 0)
		close(fd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)sc->good_bytes) < 0 || fsync(fd) < 0)
		snprintf(err, errlen, "%s: cannot cut the tail: %s", path, strerror(errno));
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
	free(keep);
	return rc;
}

int wal_read(const char *path, bool repair, wal_record_fn fn, void *arg, struct wal_scan *sc,
	     char *err, size_t errlen)
{
	char *buf, why[96];
	size_t len, off = 0;
	int rc = 0;

	memset(sc, 0, sizeof(*sc));
	if (slurp(path, &buf, &len, err, errlen) < 0)
		return -1;
	while (off < len) {
		long plen = check_record(buf, len, off, why, sizeof(why));
		if (plen < 0) {
			sc->cut_bytes = len - off;
			snprintf(sc->why, sizeof(sc->why), "%s at offset %zu (record %llu)", why, off,
				 (unsigned long long)sc->records + 1);
			break;
		}
		const uint8_t *h = (const uint8_t *)buf + off;
		if (fn != NULL && fn(arg, get32(h + 4), buf + off + WAL_HDR, (size_t)plen, err,
				     errlen) < 0) {
			rc = -1;
			break;
		}
		sc->records++;
		off += WAL_HDR + (size_t)plen;
		sc->good_bytes = off;
	}
	if (rc == 0 && sc->cut_bytes > 0 && repair)
		rc = cut_tail(path, buf + off, sc, err, errlen);
	free(buf);
	return rc;
}

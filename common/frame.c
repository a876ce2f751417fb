/* Length-prefixed framing over evbuffers: a 4-byte big-endian length, then the body. */
#include "frame.h"

#include <event2/buffer.h>
#include <string.h>

#include "xmalloc.h"

void frame_header(uint8_t hdr[FRAME_HDR_LEN], uint32_t len)
{
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}

enum frame_status frame_pull(struct evbuffer *in, size_t max, char **body, size_t *len)
{
	uint8_t hdr[FRAME_HDR_LEN];
	size_t have = evbuffer_get_length(in);

	if (have < FRAME_HDR_LEN)
		return FRAME_NEED_MORE;
	evbuffer_copyout(in, hdr, FRAME_HDR_LEN);
	size_t n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (n == 0)
		return FRAME_EMPTY;
	if (n > max) {
		/* Refused on the header alone, so an attacker cannot make us buffer it. */
		*len = n;
		return FRAME_TOO_BIG;
	}
	if (have - FRAME_HDR_LEN < n)
		return FRAME_NEED_MORE;
	evbuffer_drain(in, FRAME_HDR_LEN);
	char *b = xmalloc(n);
	evbuffer_remove(in, b, n);
	*body = b;
	*len = n;
	return FRAME_READY;
}

int frame_push(struct evbuffer *out, const void *body, size_t len)
{
	uint8_t hdr[FRAME_HDR_LEN];

	if (len == 0 || len > UINT32_MAX)
		return -1;
	frame_header(hdr, (uint32_t)len);
	if (evbuffer_add(out, hdr, FRAME_HDR_LEN) < 0)
		return -1;
	return evbuffer_add(out, body, len);
}

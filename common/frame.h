/*
 * Framing: a 4-byte big-endian length followed by one msgpack map of that many bytes.
 * A frame whose announced length exceeds the limit is refused before anything is buffered.
 */
#ifndef LOOM_FRAME_H
#define LOOM_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define FRAME_HDR_LEN 4
#define FRAME_MAX_DEFAULT (16u * 1024 * 1024)

enum frame_status {
	FRAME_READY,     /* *body and *len hold one frame, removed from the buffer */
	FRAME_NEED_MORE, /* not a whole frame yet */
	FRAME_TOO_BIG,   /* announced length > max (in *len); the caller must close */
	FRAME_EMPTY,     /* announced length 0: never valid, the caller must close */
};

/* Takes one frame out of in if a whole one is there. *body is malloc'd (caller frees). */
enum frame_status frame_pull(struct evbuffer *in, size_t max, char **body, size_t *len);
/* Appends header and body to out. */
int frame_push(struct evbuffer *out, const void *body, size_t len);
/* Writes the 4-byte header for len into hdr. */
void frame_header(uint8_t hdr[FRAME_HDR_LEN], uint32_t len);

#endif

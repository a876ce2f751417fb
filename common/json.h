/*
 * JSON text from a decoded msgpack object, for `--json` output and the HTTP API. Strings
 * are escaped per RFC 8259; binary becomes a string when it is valid UTF-8, else base64.
 */
#ifndef LOOM_JSON_H
#define LOOM_JSON_H

#include <msgpack.h>
#include <stdbool.h>

struct evbuffer;

void json_write(struct evbuffer *out, const msgpack_object *o, bool pretty);
void json_write_string(struct evbuffer *out, const char *s, size_t len);

#endif

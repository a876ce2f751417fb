/*
 * Helpers shared by the proto*.c decoders (not part of the public protocol API): the
 * checks that both a job spec and an attempt launch make on commands and paths.
 */
#ifndef LOOM_PROTO_UTIL_H
#define LOOM_PROTO_UTIL_H

#include <msgpack.h>
#include <stdbool.h>

#include "mpr.h"

/* argv: 1..PROTO_MAX_ARGV strings, argv[0] non-empty. */
int proto_argv(const msgpack_object *o, char ***argv, int *n, struct mpr_err *e);
/* env: up to PROTO_MAX_ENV "KEY=VALUE" strings with a non-empty key; optional. */
int proto_env(const msgpack_object *o, char ***env, int *n, struct mpr_err *e);
/* An optional absolute path (or ""); *out is always set (to "" when absent). */
int proto_path(const msgpack_object *o, const char *key, char **out, struct mpr_err *e);
/* The wire name of a log stream is "stdout" or "stderr"; default "stdout" when absent. */
int proto_stream(const msgpack_object *o, const char *key, char out[8], struct mpr_err *e);

#endif

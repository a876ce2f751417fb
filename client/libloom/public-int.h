/* Shared by the files of the public API (public-*.c): conversions between the public
 * structs of include/loom.h and the protocol's typed forms. Not installed. */
#ifndef LOOM_PUBLIC_INT_H
#define LOOM_PUBLIC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "loom-conn.h"

#define LOOM_DEFAULT_VCORES_M 1000 /* a zero in loom_res takes these, as rmsubmit does */
#define LOOM_DEFAULT_MEM_MB 512

/* loom_res -> res, zeros replaced by the defaults above. */
void pub_res_in(const struct loom_res *in, struct res *out);
/* res -> loom_res. */
void pub_res_out(const struct res *in, struct loom_res *out);
/* The user to act as: $USER, else the login name, else "uid<N>". */
void pub_user(char *buf, size_t len);
/* Length of a NULL-terminated string vector (NULL counts 0). */
int pub_strv_len(const char *const *v);
/* rmd's error for people: "field: message" when the field adds something. */
void pub_error_text(const struct msg_error *e, char *buf, size_t len);
/* Copies src into dst[len] (snprintf, cut to fit); NULL copies "". */
void pub_copy(char *dst, size_t len, const char *src);

#endif

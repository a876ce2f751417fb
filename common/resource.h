/*
 * Resource vectors: vcores (in thousandths, so a task may ask for half a core), memory in
 * MiB, gpus, and a few named custom counts. All arithmetic on vectors goes through here.
 */
#ifndef LOOM_RESOURCE_H
#define LOOM_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RES_MAX_CUSTOM 4
#define RES_NAME_MAX 32
#define RES_BUFSZ 160

struct res_custom {
	char name[RES_NAME_MAX];
	int64_t count;
};

struct res {
	int64_t vcores_m; /* thousandths of a vcore */
	int64_t mem_mb;
	int64_t gpus;
	int ncustom;
	struct res_custom custom[RES_MAX_CUSTOM];
};

/* True when every component of want is available in avail. */
bool res_fits(const struct res *want, const struct res *avail);
/* acc += r; a custom name not yet in acc is appended (ignored past RES_MAX_CUSTOM). */
void res_add(struct res *acc, const struct res *r);
/* acc -= r, component-wise. */
void res_sub(struct res *acc, const struct res *r);
/* r = r * k (every component; e.g. the demand of k tasks). */
void res_scale(struct res *r, int64_t k);
/* True when no component is positive. */
bool res_is_zero(const struct res *r);
/* True when any component is negative. */
bool res_any_negative(const struct res *r);
/* Largest of use_i / total_i over the components with total_i > 0 (DRF's dominant share). */
double res_dominant_share(const struct res *use, const struct res *total);
/* Count of a custom resource by name (0 when absent). */
int64_t res_custom_get(const struct res *r, const char *name);
/* "2 vcores, 4096 MiB, 1 gpu, fpga=2" for people. */
char *res_format(const struct res *r, char *buf, size_t len);

/* "4" or "0.5" -> thousandths; returns -1 and fills err on bad input. */
int res_parse_vcores(const char *s, int64_t *out_m, char *err, size_t errlen);
/* "512", "512M", "4G", "1T" (MiB when no suffix) -> MiB; returns -1 and fills err. */
int res_parse_mem(const char *s, int64_t *out_mb, char *err, size_t errlen);

#endif

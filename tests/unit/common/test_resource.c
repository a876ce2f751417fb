/* Resource vectors: fits, add/sub with custom names, dominant share, parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "resource.h"

static struct res mk(int64_t v, int64_t m, int64_t g)
{
	struct res r = { .vcores_m = v, .mem_mb = m, .gpus = g };
	return r;
}

static void add_custom(struct res *r, const char *name, int64_t n)
{
	strcpy(r->custom[r->ncustom].name, name);
	r->custom[r->ncustom++].count = n;
}

static void test_fits(void **state)
{
	struct res want = mk(1000, 512, 0), avail = mk(2000, 1024, 0);
	assert_true(res_fits(&want, &avail));
	want.mem_mb = 2048;
	assert_false(res_fits(&want, &avail));
	want = mk(1000, 512, 0);
	add_custom(&want, "fpga", 1);
	assert_false(res_fits(&want, &avail)); /* avail has no fpga */
	add_custom(&avail, "fpga", 2);
	assert_true(res_fits(&want, &avail));
}

static void test_add_sub(void **state)
{
	struct res acc = mk(0, 0, 0), r = mk(500, 100, 1);
	add_custom(&r, "lic", 3);
	res_add(&acc, &r);
	res_add(&acc, &r);
	assert_int_equal(acc.vcores_m, 1000);
	assert_int_equal(acc.mem_mb, 200);
	assert_int_equal(acc.gpus, 2);
	assert_int_equal(res_custom_get(&acc, "lic"), 6);
	res_sub(&acc, &r);
	res_sub(&acc, &r);
	assert_true(res_is_zero(&acc));
	assert_false(res_any_negative(&acc));
	res_sub(&acc, &r);
	assert_true(res_any_negative(&acc));
}

static void test_share(void **state)
{
	struct res use = mk(1000, 4096, 0), total = mk(4000, 8192, 0);
	assert_true(res_dominant_share(&use, &total) == 0.5);
	struct res zero = mk(0, 0, 0);
	assert_true(res_dominant_share(&use, &zero) == 0.0);
}

static void test_parse(void **state)
{
	char err[128];
	int64_t v;
	assert_int_equal(res_parse_vcores("0.5", &v, err, sizeof err), 0);
	assert_int_equal(v, 500);
	assert_int_equal(res_parse_vcores("4", &v, err, sizeof err), 0);
	assert_int_equal(v, 4000);
	assert_int_equal(res_parse_vcores("0", &v, err, sizeof err), -1);
	assert_int_equal(res_parse_vcores("abc", &v, err, sizeof err), -1);
	assert_int_equal(res_parse_mem("512", &v, err, sizeof err), 0);
	assert_int_equal(v, 512);
	assert_int_equal(res_parse_mem("4G", &v, err, sizeof err), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(res_parse_mem("1T", &v, err, sizeof err), 0);
	assert_int_equal(v, 1024 * 1024);
	assert_int_equal(res_parse_mem("2GiB", &v, err, sizeof err), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(res_parse_mem("12Q", &v, err, sizeof err), -1);
	assert_int_equal(res_parse_mem("-1", &v, err, sizeof err), -1);
}

static void test_format(void **state)
{
	char buf[RES_BUFSZ];
	struct res r = mk(1500, 2048, 1);
	add_custom(&r, "fpga", 2);
	res_format(&r, buf, sizeof buf);
	assert_non_null(strstr(buf, "1.5 vcores"));
	assert_non_null(strstr(buf, "2048 MiB"));
	assert_non_null(strstr(buf, "fpga=2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits),  cmocka_unit_test(test_add_sub),
		cmocka_unit_test(test_share), cmocka_unit_test(test_parse),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Address parsing and listening sockets; the dispatch table's policy checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "net.h"

static void test_hostport(void **state)
{
	char host[64], err[128];
	int port;

	assert_int_equal(net_parse_hostport("127.0.0.1:7420", host, sizeof host, &port, err,
					    sizeof err), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 7420);
	assert_int_equal(net_parse_hostport("localhost:1", host, sizeof host, &port, err,
					    sizeof err), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(net_parse_hostport("[::1]:7421", host, sizeof host, &port, err,
					    sizeof err), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 7421);
	assert_int_equal(net_parse_hostport(":7420", host, sizeof host, &port, err, sizeof err), 0);
	assert_string_equal(host, "");
	assert_int_equal(net_parse_hostport("7420", host, sizeof host, &port, err, sizeof err), 0);
	assert_string_equal(host, "");
	assert_int_equal(port, 7420);
	const char *bad[] = { "", "host", "host:", "host:x", "host:70000", "::1:80", "[::1]80",
			      "h:-1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(net_parse_hostport(bad[i], host, sizeof host, &port, err,
						    sizeof err), -1);
	assert_int_equal(net_parse_hostport("averyveryverylonghostname:1", host, 8, &port, err,
					    sizeof err), -1);
	assert_non_null(strstr(err, "averyvery"));
}

static void test_listen(void **state)
{
	char err[128];
	int fd = net_listen("127.0.0.1", 0, err, sizeof err);
	assert_true(fd >= 0);
	int port = net_local_port(fd);
	assert_true(port > 0);
	/* the same port again is taken */
	assert_int_equal(net_listen("127.0.0.1", port, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot listen"));
	close(fd);
	assert_int_equal(net_local_port(-1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_listen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

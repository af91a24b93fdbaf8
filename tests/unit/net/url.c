#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/url.h"

static void parses_the_forms_we_meet(void **state)
{
	struct tn_url u;
	char auth[300];

	assert_int_equal(tn_url_parse(&u, "http://10.99.0.1:8080"), 0);
	assert_false(u.tls);
	assert_string_equal(u.host, "10.99.0.1");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.path, "/");
	tn_url_authority(&u, auth, sizeof(auth));
	assert_string_equal(auth, "10.99.0.1:8080");

	assert_int_equal(tn_url_parse(&u, "https://hs.example.com/machine/ping-response?id=ab"), 0);
	assert_true(u.tls);
	assert_int_equal(u.port, 443);
	assert_string_equal(u.path, "/machine/ping-response?id=ab");
	tn_url_authority(&u, auth, sizeof(auth));
	assert_string_equal(auth, "hs.example.com");

	assert_int_equal(tn_url_parse(&u, "https://[fd7a::1]:8443/"), 0);
	assert_string_equal(u.host, "fd7a::1");
	tn_url_authority(&u, auth, sizeof(auth));
	assert_string_equal(auth, "[fd7a::1]:8443");
}

static void refuses_the_rest(void **state)
{
	static const char *const bad[] = {
		"", "ftp://x", "http://", "http://:80", "http://x:0", "http://x:65536", "http://x:8a",
		"http://[::1", "http://x?q", "http://x#f", "http://user@x/", "x.example.com", "http:/x",
		"http://x:80abc",
	};
	struct tn_url u;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tn_url_parse(&u, bad[i]), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_the_forms_we_meet),
		cmocka_unit_test(refuses_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Finding nodes in a status: names, IPs, MagicDNS suffixes, punycode. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/peers.h"
#include "cli/punycode.h"
#include "fixture.h"

static void dns_names(void **state)
{
	char out[256];
	static const char *const cases[][3] = {
		{ "n2.tailnet.test.", "tailnet.test", "n2" },
		{ "n2.tailnet.test", "tailnet.test.", "n2" },
		{ "n2.tailnet.test.", ".tailnet.test.", "n2" },
		{ "n2.other.test.", "tailnet.test", "n2.other.test" },
		{ "xtailnet.test.", "tailnet.test", "xtailnet.test" },
		{ "tailnet.test.", "tailnet.test", "tailnet.test" },
		{ "n2.tailnet.test.", "", "n2.tailnet.test" },
		{ "n2.tailnet.test.", ".", "n2.tailnet.test" },
		{ "", "tailnet.test", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tn_cli_dns_trim_suffix(cases[i][0], cases[i][1], out, sizeof(out));
		assert_string_equal(out, cases[i][2]);
	}
	static const char *const host[][2] = {
		{ "My_Host.local", "my-host" }, { "--a b@c--", "a-b-c" }, { "x.lan", "x" },
		{ "box.localdomain", "box" }, { "\xc3\xa9t\xc3\xa9", "t" }, { "", "" },
	};
	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
		tn_cli_sanitize_hostname(host[i][0], out, sizeof(out));
		assert_string_equal(out, host[i][1]);
	}
}

static void punycode(void **state)
{
	char out[256];

	assert_int_equal(tn_cli_idna_to_unicode("xn--bcher-kva", out, sizeof(out)), 0);
	assert_string_equal(out, "b\xc3\xbc" "cher");
	assert_int_equal(tn_cli_idna_to_unicode("xn--mnchen-3ya.xn--p1ai", out, sizeof(out)), 0);
	assert_string_equal(out, "m\xc3\xbc" "nchen.\xd1\x80\xd1\x84");
	assert_int_equal(tn_cli_idna_to_unicode("plain.example", out, sizeof(out)), 0);
	assert_string_equal(out, "plain.example");
	/* RFC 3492 7.1 (A): Arabic (Egyptian). */
	assert_int_equal(tn_cli_idna_to_unicode("xn--egbpdaj6bu4bxfgehfvwxn", out, sizeof(out)), 0);
	assert_string_equal(out, "\xd9\x84\xd9\x8a\xd9\x87\xd9\x85\xd8\xa7\xd8\xa8\xd8\xaa\xd9\x83\xd9\x84"
				 "\xd9\x85\xd9\x88\xd8\xb4\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\x9f");
	static const char *const bad[] = { "xn--99999999999", "xn--a-\xff", "xn--bcher-kv", "xn--zz!" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tn_cli_idna_to_unicode(bad[i], out, sizeof(out)), -EINVAL);
	assert_int_equal(tn_cli_idna_to_unicode("xn--bcher-kva", out, 4), -EINVAL);
}

static void nodes_by_name_and_ip(void **state)
{
	json_t *st = fixture_json("status-running.json");
	char ip[64], err[256], name[256];
	bool self;

	assert_int_equal(tn_cli_ip_from_arg(st, "N2", ip, sizeof(ip), &self, err, sizeof(err)), 0);
	assert_string_equal(ip, "100.64.0.1");
	assert_false(self);
	assert_int_equal(tn_cli_ip_from_arg(st, "n2.tailnet.test.", ip, sizeof(ip), &self, err, sizeof(err)), 0);
	assert_string_equal(ip, "100.64.0.1");
	assert_int_equal(tn_cli_ip_from_arg(st, "n1", ip, sizeof(ip), &self, err, sizeof(err)), 0);
	assert_string_equal(ip, "100.64.0.2");
	assert_true(self);
	assert_int_equal(tn_cli_ip_from_arg(st, "fd7a:115c:a1e0::9", ip, sizeof(ip), &self, err, sizeof(err)), 0);
	assert_string_equal(ip, "fd7a:115c:a1e0::9");
	assert_int_equal(tn_cli_ip_from_arg(st, "nosuch.invalid", ip, sizeof(ip), &self, err, sizeof(err)), -ENOENT);
	assert_memory_equal(err, "error looking up IP of \"nosuch.invalid\": ", 40);

	const json_t *n = tn_cli_node_with_ip(st, "fd7a:115c:a1e0::1");
	assert_non_null(n);
	assert_string_equal(tn_cli_json_str(n, "HostName"), "n2");
	n = tn_cli_node_with_ip(st, "100.64.0.2");
	assert_non_null(n);
	assert_string_equal(tn_cli_json_str(n, "HostName"), "n1");
	assert_null(tn_cli_node_with_ip(st, "100.64.0.77"));
	assert_null(tn_cli_node_with_ip(st, "bogus"));

	tn_cli_node_display_name(st, n, name, sizeof(name));
	assert_string_equal(name, "n1");
	json_t *odd = json_pack("{s:s,s:s}", "DNSName", "", "HostName", "Bob's Laptop");
	tn_cli_node_display_name(st, odd, name, sizeof(name));
	assert_string_equal(name, "(\"bobs-laptop\")");
	json_decref(odd);
	json_decref(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dns_names),
		cmocka_unit_test(punycode),
		cmocka_unit_test(nodes_by_name_and_ip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

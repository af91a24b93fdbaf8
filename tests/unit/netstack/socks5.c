/* SOCKS5 messages (src/netstack/socks5.c): greetings, RFC 1929
 * credentials, requests of each address type, UDP headers, replies; every
 * prefix of a valid message asks for more, and malformed ones say why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "netstack/socks5.h"

static void greeting(void **state)
{
	static const uint8_t both[] = { 5, 3, 0x80, 2, 0 };
	static const uint8_t none_only[] = { 5, 1, 0 };
	static const uint8_t neither[] = { 5, 2, 1, 0x80 };
	static const uint8_t socks4[] = { 4, 1, 0, 80 };
	static const uint8_t zero_methods[] = { 5, 0 };
	bool none, pw;

	(void)state;
	assert_int_equal(tn_socks5_parse_greeting(both, sizeof(both), &none, &pw), 5);
	assert_true(none);
	assert_true(pw);
	for (size_t i = 0; i < sizeof(both); i++)
		assert_int_equal(tn_socks5_parse_greeting(both, i, &none, &pw), 0);
	assert_int_equal(tn_socks5_parse_greeting(none_only, 3, &none, &pw), 3);
	assert_true(none);
	assert_false(pw);
	assert_int_equal(tn_socks5_parse_greeting(neither, 4, &none, &pw), 4);
	assert_false(none);
	assert_false(pw);
	assert_int_equal(tn_socks5_parse_greeting(zero_methods, 2, &none, &pw), 2);
	assert_false(none || pw);
	/* The version is refused at the first byte. */
	assert_int_equal(tn_socks5_parse_greeting(socks4, 1, &none, &pw), -EPROTO);
}

static void auth(void **state)
{
	static const uint8_t ok[] = { 1, 5, 'a', 'l', 'i', 'c', 'e', 3, 'p', 'w', '!' };
	static const uint8_t empty_pw[] = { 1, 1, 'u', 0 };
	static const uint8_t nul[] = { 1, 2, 'a', 0, 1, 'x' };
	static const uint8_t v2[] = { 2, 1, 'u', 1, 'p' };
	char user[256], pass[256];

	(void)state;
	assert_int_equal(tn_socks5_parse_auth(ok, sizeof(ok), user, pass), (int)sizeof(ok));
	assert_string_equal(user, "alice");
	assert_string_equal(pass, "pw!");
	for (size_t i = 0; i < sizeof(ok); i++)
		assert_int_equal(tn_socks5_parse_auth(ok, i, user, pass), 0);
	assert_int_equal(tn_socks5_parse_auth(empty_pw, sizeof(empty_pw), user, pass), 4);
	assert_string_equal(user, "u");
	assert_string_equal(pass, "");
	assert_int_equal(tn_socks5_parse_auth(nul, sizeof(nul), user, pass), -EBADMSG);
	assert_int_equal(tn_socks5_parse_auth(v2, sizeof(v2), user, pass), -EPROTO);
}

static void request_types(void **state)
{
	static const uint8_t v4[] = { 5, 1, 0, 1, 100, 64, 0, 7, 0x1f, 0x90 };
	static const uint8_t v6[] = { 5, 3, 0, 4, 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0, 0, 0,
				      0, 0, 0, 0, 0, 0, 0, 1, 0, 53 };
	static const uint8_t name[] = { 5, 1, 0, 3, 2, 'n', '1', 0, 80, 'x', 'y' };
	struct tn_socks5_addr a;
	uint8_t cmd;
	char host[64];

	(void)state;
	assert_int_equal(tn_socks5_parse_request(v4, sizeof(v4), &cmd, &a), 10);
	assert_int_equal(cmd, TN_SOCKS5_CMD_CONNECT);
	assert_int_equal(a.atyp, TN_SOCKS5_ATYP_IPV4);
	assert_int_equal(a.port, 8080);
	tn_socks5_addr_host(&a, host, sizeof(host));
	assert_string_equal(host, "100.64.0.7");
	for (size_t i = 0; i < sizeof(v4); i++)
		assert_int_equal(tn_socks5_parse_request(v4, i, &cmd, &a), 0);

	assert_int_equal(tn_socks5_parse_request(v6, sizeof(v6), &cmd, &a), 22);
	assert_int_equal(cmd, TN_SOCKS5_CMD_UDP_ASSOCIATE);
	assert_int_equal(a.port, 53);
	tn_socks5_addr_host(&a, host, sizeof(host));
	assert_string_equal(host, "fd7a:115c:a1e0::1");

	/* Bytes after the request (early data) are not taken. */
	assert_int_equal(tn_socks5_parse_request(name, sizeof(name), &cmd, &a), 9);
	assert_int_equal(a.atyp, TN_SOCKS5_ATYP_DOMAIN);
	assert_string_equal(a.host, "n1");
	assert_int_equal(a.port, 80);
	for (size_t i = 0; i < 9; i++)
		assert_int_equal(tn_socks5_parse_request(name, i, &cmd, &a), 0);
}

static void request_malformed(void **state)
{
	static const uint8_t v4_version[] = { 4, 1, 0, 1, 1, 2, 3, 4, 0, 80 };
	static const uint8_t rsv[] = { 5, 1, 1, 1, 1, 2, 3, 4, 0, 80 };
	static const uint8_t atyp[] = { 5, 1, 0, 9, 1, 2, 3, 4, 0, 80 };
	static const uint8_t empty[] = { 5, 1, 0, 3, 0, 0, 80 };
	static const uint8_t space[] = { 5, 1, 0, 3, 3, 'a', ' ', 'b', 0, 80 };
	static const uint8_t at[] = { 5, 1, 0, 3, 3, 'a', '@', 'b', 0, 80 };
	static const uint8_t ctl[] = { 5, 1, 0, 3, 2, 'a', 0x0a, 0, 80 };
	static const uint8_t bind[] = { 5, 2, 0, 1, 1, 2, 3, 4, 0, 80 };
	struct tn_socks5_addr a;
	uint8_t cmd;

	(void)state;
	assert_int_equal(tn_socks5_parse_request(v4_version, 10, &cmd, &a), -EPROTO);
	assert_int_equal(tn_socks5_parse_request(rsv, 10, &cmd, &a), -EBADMSG);
	assert_int_equal(tn_socks5_parse_request(atyp, 10, &cmd, &a), -EAFNOSUPPORT);
	assert_int_equal(tn_socks5_parse_request(atyp, 4, &cmd, &a), -EAFNOSUPPORT);
	assert_int_equal(tn_socks5_parse_request(empty, 7, &cmd, &a), -EBADMSG);
	assert_int_equal(tn_socks5_parse_request(space, 10, &cmd, &a), -EBADMSG);
	assert_int_equal(tn_socks5_parse_request(at, 10, &cmd, &a), -EBADMSG);
	assert_int_equal(tn_socks5_parse_request(ctl, 9, &cmd, &a), -EBADMSG);
	/* An unsupported command parses: the caller answers 7. */
	assert_int_equal(tn_socks5_parse_request(bind, 10, &cmd, &a), 10);
	assert_int_equal(cmd, TN_SOCKS5_CMD_BIND);
}

static void udp_header(void **state)
{
	static const uint8_t dg[] = { 0, 0, 0, 1, 10, 0, 0, 1, 0x30, 0x39, 'h', 'i' };
	static const uint8_t frag[] = { 0, 0, 1, 1, 10, 0, 0, 1, 0x30, 0x39, 'h' };
	static const uint8_t rsv[] = { 0, 1, 0, 1, 10, 0, 0, 1, 0x30, 0x39 };
	static const uint8_t cut[] = { 0, 0, 0, 4, 1, 2, 3 };
	static const uint8_t name[] = { 0, 0, 0, 3, 4, 'h', 'o', 's', 't', 0, 53 };
	struct tn_socks5_addr a, b;
	uint8_t out[TN_SOCKS5_UDP_HEADER_MAX];
	int n;

	(void)state;
	assert_int_equal(tn_socks5_parse_udp(dg, sizeof(dg), &a), 10);
	assert_int_equal(a.port, 12345);
	assert_int_equal(tn_socks5_parse_udp(frag, sizeof(frag), &a), -EOPNOTSUPP);
	assert_int_equal(tn_socks5_parse_udp(rsv, sizeof(rsv), &a), -EBADMSG);
	assert_int_equal(tn_socks5_parse_udp(cut, sizeof(cut), &a), -EBADMSG);
	assert_int_equal(tn_socks5_parse_udp(dg, 3, &a), -EBADMSG);
	/* A header we build parses back to the same address. */
	assert_int_equal(tn_socks5_parse_udp(name, sizeof(name), &a), (int)sizeof(name));
	n = tn_socks5_build_udp_header(out, sizeof(out), &a);
	assert_int_equal(n, (int)sizeof(name));
	assert_memory_equal(out, name, sizeof(name));
	assert_int_equal(tn_socks5_parse_udp(out, (size_t)n, &b), n);
	assert_string_equal(b.host, "host");
	assert_int_equal(tn_socks5_build_udp_header(out, 5, &a), -ENOSPC);
	a.atyp = 7;
	assert_int_equal(tn_socks5_build_udp_header(out, sizeof(out), &a), -EINVAL);
}

static void replies(void **state)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(1080) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	uint8_t out[TN_SOCKS5_REPLY_MAX];
	static const uint8_t want4[] = { 5, 0, 0, 1, 100, 64, 0, 2, 0x04, 0x38 };
	static const uint8_t fail[] = { 5, 5, 0, 1, 0, 0, 0, 0, 0, 0 };

	(void)state;
	inet_pton(AF_INET, "100.64.0.2", &s4.sin_addr);
	inet_pton(AF_INET6, "fd7a:115c:a1e0::2", &s6.sin6_addr);
	assert_int_equal(tn_socks5_build_reply(out, sizeof(out), 0, (struct sockaddr *)&s4), 10);
	assert_memory_equal(out, want4, 10);
	assert_int_equal(tn_socks5_build_reply(out, sizeof(out), 0, (struct sockaddr *)&s6), 22);
	assert_int_equal(out[3], TN_SOCKS5_ATYP_IPV6);
	assert_memory_equal(out + 4, &s6.sin6_addr, 16);
	assert_int_equal(out[20] << 8 | out[21], 443);
	assert_int_equal(tn_socks5_build_reply(out, sizeof(out), TN_SOCKS5_REFUSED, NULL), 10);
	assert_memory_equal(out, fail, 10);
	assert_int_equal(tn_socks5_build_reply(out, 9, 0, NULL), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(greeting),
		cmocka_unit_test(auth),
		cmocka_unit_test(request_types),
		cmocka_unit_test(request_malformed),
		cmocka_unit_test(udp_header),
		cmocka_unit_test(replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* ICMP echo for ping --icmp: requests carry valid IPv4 header, ICMP and
 * ICMPv6 (pseudo-header) checksums and our id/seq; replies are recognised
 * by type, family and id; requests, other ICMP and short or fragmented
 * packets are not replies. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "ipn/icmpping.h"
#include "net/checksum.h"

static const uint8_t a4[4] = { 100, 64, 0, 2 }, b4[4] = { 100, 64, 0, 1 };
static const uint8_t a6[16] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0, [15] = 2 };
static const uint8_t b6[16] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0, [15] = 1 };

/* The peer's answer: swap addresses, type 0/129, fix the checksums the
 * way a real stack would. */
static void to_reply(uint8_t *p, size_t n, int family)
{
	uint8_t tmp[16];

	if (family == AF_INET) {
		memcpy(tmp, p + 12, 4);
		memcpy(p + 12, p + 16, 4);
		memcpy(p + 16, tmp, 4);
		p[20] = 0;
		p[22] = p[23] = 0;
		uint16_t s = (uint16_t)~tn_csum_fold(tn_csum_add(0, p + 20, n - 20));
		p[22] = (uint8_t)(s >> 8);
		p[23] = (uint8_t)s;
	} else {
		memcpy(tmp, p + 8, 16);
		memcpy(p + 8, p + 24, 16);
		memcpy(p + 24, tmp, 16);
		p[40] = 129;
	}
}

static void v4_request_and_reply(void **state)
{
	uint8_t p[TN_ICMP_ECHO_MAX], src[16];
	uint16_t id, seq;
	int family;
	size_t n = tn_icmp_echo_build(p, sizeof(p), AF_INET, a4, b4, 0xbeef, 7);

	assert_true(n > 28);
	assert_int_equal(p[0], 0x45);
	assert_int_equal(p[9], IPPROTO_ICMP);
	assert_int_equal(tn_csum_fold(tn_csum_add(0, p, 20)), 0xffff);        /* IP header */
	assert_int_equal(tn_csum_fold(tn_csum_add(0, p + 20, n - 20)), 0xffff); /* ICMP */
	assert_int_equal(p[20], 8);
	/* A request is not a reply. */
	assert_false(tn_icmp_echo_reply_parse(p, n, &family, src, &id, &seq));
	to_reply(p, n, AF_INET);
	assert_true(tn_icmp_echo_reply_parse(p, n, &family, src, &id, &seq));
	assert_int_equal(family, AF_INET);
	assert_memory_equal(src, b4, 4);
	assert_int_equal(id, 0xbeef);
	assert_int_equal(seq, 7);
	/* Truncated, or a fragment: not ours. */
	assert_false(tn_icmp_echo_reply_parse(p, 27, &family, src, &id, &seq));
	p[6] = 0x20; /* more fragments */
	assert_false(tn_icmp_echo_reply_parse(p, n, &family, src, &id, &seq));
}

static void v6_request_and_reply(void **state)
{
	uint8_t p[TN_ICMP_ECHO_MAX], src[16];
	uint16_t id, seq;
	int family;
	size_t n = tn_icmp_echo_build(p, sizeof(p), AF_INET6, a6, b6, 0x1234, 1);

	assert_true(n > 48);
	assert_int_equal(p[0] >> 4, 6);
	assert_int_equal(p[6], IPPROTO_ICMPV6);
	assert_int_equal(p[40], 128);
	assert_int_equal(tn_csum_fold(tn_csum_add(tn_csum_pseudo(a6, b6, 16, IPPROTO_ICMPV6,
								  (uint32_t)(n - 40)),
						  p + 40, n - 40)),
			 0xffff);
	assert_false(tn_icmp_echo_reply_parse(p, n, &family, src, &id, &seq));
	to_reply(p, n, AF_INET6);
	assert_true(tn_icmp_echo_reply_parse(p, n, &family, src, &id, &seq));
	assert_int_equal(family, AF_INET6);
	assert_memory_equal(src, b6, 16);
	assert_int_equal(id, 0x1234);
	/* Other ICMPv6 (a neighbour solicitation) is not a reply. */
	p[40] = 135;
	assert_false(tn_icmp_echo_reply_parse(p, n, &family, src, &id, &seq));
}

static void too_small_buffer(void **state)
{
	uint8_t p[20];

	assert_int_equal(tn_icmp_echo_build(p, sizeof(p), AF_INET, a4, b4, 1, 1), 0);
	assert_int_equal(tn_icmp_echo_build(p, sizeof(p), 99, a4, b4, 1, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v4_request_and_reply),
		cmocka_unit_test(v6_request_and_reply),
		cmocka_unit_test(too_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Header decoding for the filter (src/filter/packet.c): fields, Go's
 * fragment and short-header rules, and malformed input of every length
 * (each parse reads an exact-size heap copy, so ASan sees overreads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testpkt.h"

static void parse_exact(struct tn_packet *p, const uint8_t *b, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, b, len);
	tn_packet_parse(p, copy, len);
	free(copy);
}

static struct tn_addr128 addr(const char *text)
{
	uint8_t b[16];

	if (strchr(text, ':')) {
		assert_int_equal(inet_pton(AF_INET6, text, b), 1);
		return tn_addr128_from_bytes(6, b);
	}
	assert_int_equal(inet_pton(AF_INET, text, b), 1);
	return tn_addr128_from_bytes(4, b);
}

static void fields(void **state)
{
	uint8_t b[PKT_MAX];
	struct tn_packet p;
	size_t len;

	len = mkpkt(b, TN_IPPROTO_TCP, "100.64.0.1", "100.64.0.2", 40000, 443, TN_TCP_SYN);
	parse_exact(&p, b, len);
	assert_int_equal(p.version, 4);
	assert_int_equal(p.proto, TN_IPPROTO_TCP);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 443);
	assert_int_equal(p.tcp_flags, TN_TCP_SYN);
	assert_true(tn_packet_is_tcp_syn(&p));
	assert_int_equal(p.src.lo, 0x64400001);
	assert_int_equal(p.src.hi, 0);
	assert_int_equal(p.dst.lo, 0x64400002);
	assert_int_equal(p.len, len);

	len = mkpkt(b, TN_IPPROTO_UDP, "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2", 53, 5353, 0);
	parse_exact(&p, b, len);
	assert_int_equal(p.version, 6);
	assert_int_equal(p.proto, TN_IPPROTO_UDP);
	assert_int_equal(p.sport, 53);
	assert_int_equal(p.dport, 5353);
	assert_int_equal(p.src.hi, 0xfd7a115ca1e00000ULL);
	assert_int_equal(p.src.lo, 1);
	assert_false(tn_packet_is_tcp_syn(&p));

	len = mkpkt(b, TN_IPPROTO_ICMP, "100.64.0.1", "100.64.0.2", 0, 0, 0);
	parse_exact(&p, b, len);
	assert_true(p.icmp_full);
	assert_true(tn_packet_is_echo_reply(&p));
	assert_false(tn_packet_is_icmp_error(&p));
	assert_int_equal(p.sport, 0);
	len = mkpkt(b, TN_IPPROTO_ICMPV6, "fd00::1", "fd00::2", 0, 0, 2);
	parse_exact(&p, b, len);
	assert_true(tn_packet_is_icmp_error(&p));
	assert_false(tn_packet_is_echo_reply(&p));
	/* SYN+ACK is no SYN to the filter. */
	len = mkpkt(b, TN_IPPROTO_TCP, "fd00::1", "fd00::2", 1, 2, TN_TCP_SYN | TN_TCP_ACK);
	parse_exact(&p, b, len);
	assert_false(tn_packet_is_tcp_syn(&p));
}

/* Every truncation of valid packets: short ones are not IP, longer ones
 * lack what their header claims; all are unknown. */
static void truncated(void **state)
{
	static const struct {
		uint8_t proto;
		const char *src, *dst;
	} kinds[] = {
		{ TN_IPPROTO_TCP, "1.2.3.4", "5.6.7.8" },
		{ TN_IPPROTO_UDP, "1.2.3.4", "5.6.7.8" },
		{ TN_IPPROTO_ICMP, "1.2.3.4", "5.6.7.8" },
		{ TN_IPPROTO_SCTP, "1.2.3.4", "5.6.7.8" },
		{ TN_IPPROTO_TCP, "2001::1", "2001::2" },
		{ TN_IPPROTO_ICMPV6, "2001::1", "2001::2" },
		{ TN_IPPROTO_TSMP, "2001::1", "2001::2" },
	};
	uint8_t b[PKT_MAX];
	struct tn_packet p;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t len = mkpkt(b, kinds[k].proto, kinds[k].src, kinds[k].dst, 1, 2, 0);
		size_t hl = b[0] >> 4 == 4 ? 20 : 40;

		for (size_t n = 0; n < len; n++) {
			parse_exact(&p, b, n);
			assert_int_equal(p.proto, TN_IPPROTO_UNKNOWN);
			assert_int_equal(p.version, n < hl ? 0 : b[0] >> 4);
			assert_int_equal(p.len, n);
		}
		parse_exact(&p, b, len);
		assert_int_equal(p.proto, kinds[k].proto);
	}
}

static void set_len4(uint8_t *b, size_t total)
{
	b[2] = (uint8_t)(total >> 8);
	b[3] = (uint8_t)total;
}

static void ipv4_header(void **state)
{
	uint8_t b[PKT_MAX], o[PKT_MAX];
	struct tn_packet p;
	size_t len = mkpkt(b, TN_IPPROTO_TCP, "1.2.3.4", "5.6.7.8", 7, 9, TN_TCP_SYN);

	/* Padding after the IP length is ignored. */
	parse_exact(&p, b, len + 10);
	assert_int_equal(p.proto, TN_IPPROTO_TCP);
	assert_int_equal(p.dport, 9);
	/* The transport header must fit in the IP length, not just the buffer. */
	set_len4(b, 39);
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, TN_IPPROTO_UNKNOWN);
	set_len4(b, len);
	/* Header length below 20 or beyond the packet. */
	b[0] = 0x44;
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, TN_IPPROTO_UNKNOWN);
	b[0] = 0x4f;
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, TN_IPPROTO_UNKNOWN);
	b[0] = 0x45;
	/* Options: ports after a 24-byte header. */
	memcpy(o, b, 20);
	o[0] = 0x46;
	memset(o + 20, 1, 4);
	memcpy(o + 24, b + 20, 20);
	set_len4(o, 44);
	parse_exact(&p, o, 44);
	assert_int_equal(p.proto, TN_IPPROTO_TCP);
	assert_int_equal(p.sport, 7);
	assert_int_equal(p.dport, 9);
	assert_int_equal(p.tcp_flags, TN_TCP_SYN);
	/* Not IPv4 or IPv6. */
	b[0] = 0x55;
	parse_exact(&p, b, len);
	assert_int_equal(p.version, 0);
	assert_int_equal(p.proto, TN_IPPROTO_UNKNOWN);
}

static void fragments(void **state)
{
	uint8_t b[PKT_MAX];
	struct tn_packet p;
	size_t len = mkpkt(b, TN_IPPROTO_UDP, "1.2.3.4", "5.6.7.8", 7, 9, 0);

	/* A first fragment (more fragments, offset 0) is a packet. */
	b[6] = 0x20;
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, TN_IPPROTO_UDP);
	assert_int_equal(p.dport, 9);
	/* Later ones have no header: fragments, unless they start early. */
	for (unsigned off = 1; off < 0x2000; off += off < 20 ? 1 : 997) {
		b[6] = (uint8_t)(0x20 | off >> 8);
		b[7] = (uint8_t)off;
		parse_exact(&p, b, len);
		assert_int_equal(p.proto, off < 10 ? TN_IPPROTO_UNKNOWN : TN_IPPROTO_FRAGMENT);
		assert_int_equal(p.dport, 0);
		b[6] &= 0x1f;   /* the last fragment: the same */
		parse_exact(&p, b, len);
		assert_int_equal(p.proto, off < 10 ? TN_IPPROTO_UNKNOWN : TN_IPPROTO_FRAGMENT);
	}
	/* TSMP is never fragmented. */
	len = mkpkt(b, TN_IPPROTO_TSMP, "1.2.3.4", "5.6.7.8", 0, 0, 0);
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, TN_IPPROTO_TSMP);
	b[6] = 0x20;
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, TN_IPPROTO_UNKNOWN);
	/* The internal fragment number is never genuine. */
	len = mkpkt(b, TN_IPPROTO_FRAGMENT, "1.2.3.4", "5.6.7.8", 0, 0, 0);
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, TN_IPPROTO_UNKNOWN);
	len = mkpkt(b, TN_IPPROTO_FRAGMENT, "2001::1", "2001::2", 0, 0, 0);
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, TN_IPPROTO_UNKNOWN);
	/* IPv6: the fragment header (44) is just a protocol; hop-by-hop (0)
	 * is unknown. */
	len = mkpkt(b, TN_IPPROTO_FRAGMENT_HDR, "2001::1", "2001::2", 0, 0, 0);
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, 44);
	b[6] = 0;
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, TN_IPPROTO_UNKNOWN);
}

static void short_transport_headers(void **state)
{
	static const struct {
		uint8_t proto;
		const char *src;
		size_t min;     /* shortest accepted transport length */
	} t[] = {
		{ TN_IPPROTO_TCP, "1.2.3.4", 20 }, { TN_IPPROTO_UDP, "1.2.3.4", 8 },
		{ TN_IPPROTO_SCTP, "1.2.3.4", 12 }, { TN_IPPROTO_ICMP, "1.2.3.4", 4 },
		{ TN_IPPROTO_IGMP, "1.2.3.4", 8 }, { TN_IPPROTO_TSMP, "1.2.3.4", 7 },
		{ 47, "1.2.3.4", 0 },
		{ TN_IPPROTO_TCP, "2001::1", 20 }, { TN_IPPROTO_UDP, "2001::1", 8 },
		{ TN_IPPROTO_SCTP, "2001::1", 12 }, { TN_IPPROTO_ICMPV6, "2001::1", 4 },
		{ TN_IPPROTO_IGMP, "2001::1", 0 }, { TN_IPPROTO_TSMP, "2001::1", 7 },
		{ TN_IPPROTO_ICMP, "2001::1", 0 },
	};
	uint8_t b[PKT_MAX];
	struct tn_packet p;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool v6 = strchr(t[i].src, ':');
		const char *dst = v6 ? "2001::2" : "5.6.7.8";
		size_t hl = v6 ? 40 : 20;

		for (size_t l4 = 0; l4 <= 24; l4++) {
			mkpkt(b, t[i].proto, t[i].src, dst, 1, 2, 0);
			if (v6) {
				b[4] = 0;
				b[5] = (uint8_t)l4;
			} else {
				set_len4(b, hl + l4);
			}
			parse_exact(&p, b, hl + l4);
			assert_int_equal(p.proto, l4 < t[i].min ? TN_IPPROTO_UNKNOWN : t[i].proto);
			if (p.proto == TN_IPPROTO_ICMP || p.proto == TN_IPPROTO_ICMPV6)
				assert_int_equal(p.icmp_full, l4 >= 8 && t[i].min == 4);
		}
	}
}

static void ipv6_length(void **state)
{
	uint8_t b[PKT_MAX];
	struct tn_packet p;
	size_t len = mkpkt(b, TN_IPPROTO_UDP, "2001::1", "2001::2", 1, 2, 0);

	b[5]++;   /* claims one byte more than there is */
	parse_exact(&p, b, len);
	assert_int_equal(p.version, 6);
	assert_int_equal(p.proto, TN_IPPROTO_UNKNOWN);
	b[5] -= 2;
	parse_exact(&p, b, len);
	assert_int_equal(p.proto, TN_IPPROTO_UDP);
}

static void address_classes(void **state)
{
	static const struct {
		const char *a;
		bool mc, ll;
	} t[] = {
		{ "224.0.0.1", true, false }, { "239.255.255.255", true, false },
		{ "240.0.0.1", false, false }, { "223.255.255.255", false, false },
		{ "169.254.0.1", false, true }, { "169.253.255.255", false, false },
		{ "169.255.0.0", false, false }, { "ff02::1", true, false },
		{ "fe80::1", false, true }, { "febf:ffff::1", false, true },
		{ "fec0::1", false, false }, { "::ffff:224.1.1.1", true, false },
		{ "::ffff:169.254.9.9", false, true }, { "::224.1.1.1", false, false },
		{ "100.64.0.1", false, false }, { "fd7a:115c:a1e0::1", false, false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int v = strchr(t[i].a, ':') ? 6 : 4;
		struct tn_addr128 a = addr(t[i].a);
		uint8_t back[16], orig[16];

		assert_int_equal(tn_addr128_is_multicast(v, a), t[i].mc);
		assert_int_equal(tn_addr128_is_link_local_unicast(v, a), t[i].ll);
		tn_addr128_to_bytes(v, a, back);
		assert_int_equal(inet_pton(v == 4 ? AF_INET : AF_INET6, t[i].a, orig), 1);
		assert_memory_equal(back, orig, v == 4 ? 4 : 16);
	}
	assert_true(tn_addr128_cmp(addr("1.2.3.4"), addr("1.2.3.5")) < 0);
	assert_true(tn_addr128_cmp(addr("2001::1:0"), addr("2001::ffff")) > 0);
	assert_true(tn_addr128_cmp(addr("8000::"), addr("7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields),
		cmocka_unit_test(truncated),
		cmocka_unit_test(ipv4_header),
		cmocka_unit_test(fragments),
		cmocka_unit_test(short_transport_headers),
		cmocka_unit_test(ipv6_length),
		cmocka_unit_test(address_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

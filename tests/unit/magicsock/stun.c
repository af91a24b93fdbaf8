/* src/magicsock/stun.c: the binding request, STUN recognition and the
 * binding response parser.
 *
 * Vectors:
 *  - RFC 5769 ("Test Vectors for STUN") section 2.1 (sample request), 2.2
 *    (sample IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853) and 2.3
 *    (sample IPv6 response: [2001:db8:1234:5678:11:2233:4455:6677]:32853),
 *    verbatim.  Their FINGERPRINT values and their MESSAGE-INTEGRITY
 *    (HMAC-SHA1, password "VOkJxbRl1RmTxUk/WvJxBt") were recomputed when
 *    they were typed in, so the bytes are the RFC's.
 *  - The request for txid 01..0c, derived by hand from tailscale v1.98.10
 *    net/stun/stun.go Request (its CRC-32 computed separately with zlib),
 *    and identical to what Go's stun.Request returns.
 *  - Go's stun.Response (the derper/netcheck server side) for txid 01..0c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "magicsock/stun.h"
#include "../vec.h"

static const char rfc5769_txid_hex[] = "b7e7a701bc34d686fa87dfae";

/* RFC 5769 2.1: a binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED,
 * USERNAME, MESSAGE-INTEGRITY and FINGERPRINT. */
static const char rfc5769_request_hex[] =
	"000100582112a442b7e7a701bc34d686fa87dfae"
	"802200105354554e207465737420636c69656e74"
	"002400046e0001ff"
	"80290008932ff9b151263b36"
	"000600096576746a3a68367659202020"
	"000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
	"80280004e57a3bcf";

/* RFC 5769 2.2. */
static const char rfc5769_ipv4_hex[] =
	"0101003c2112a442b7e7a701bc34d686fa87dfae" /* header: success, 60, cookie, txid */
	"8022000b7465737420766563746f7220"         /* SOFTWARE "test vector" + 1 pad */
	"002000080001a147e112a643"                 /* XOR-MAPPED-ADDRESS */
	"000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7" /* MESSAGE-INTEGRITY */
	"80280004c07d4c96";                        /* FINGERPRINT */

/* RFC 5769 2.3. */
static const char rfc5769_ipv6_hex[] =
	"010100482112a442b7e7a701bc34d686fa87dfae"
	"8022000b7465737420766563746f7220"
	"002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
	"00080014a382954e4be67bf11784c97c8292c275bfe3ed41"
	"80280004c8fb0b4c";

static const char txid_hex[] = "0102030405060708090a0b0c";

/* stun.Request(01..0c), 40 bytes. */
static const char request_hex[] =
	"0001"                     /* binding request */
	"0014"                     /* 20 bytes of attributes */
	"2112a442"                 /* magic cookie */
	"0102030405060708090a0b0c" /* transaction id */
	"8022" "0008"              /* SOFTWARE, 8 bytes */
	"7461696c6e6f6465"         /* "tailnode" */
	"8028" "0004"              /* FINGERPRINT, 4 bytes */
	"b32c370f";                /* crc32(bytes 0..32) ^ 0x5354554e */

/* stun.Response(01..0c, 203.0.113.9:41641) and ([2001:db8::1]:41641). */
static const char go_response_v4_hex[] =
	"0101000c2112a4420102030405060708090a0b0c"
	"00200008" "0001" "83bb" /* 41641 ^ 0x2112 */
	"ea12d54b";              /* cb007109 ^ 2112a442 */
static const char go_response_v6_hex[] =
	"010100182112a4420102030405060708090a0b0c"
	"00200014" "0002" "83bb"
	"0113a9fa0102030405060708090a0b0d"; /* 2001:db8::1 ^ cookie || txid */

static int parse_hex(struct tn_stun_response *r, const char *hex)
{
	size_t n;
	uint8_t *p = unhex_alloc(hex, &n);
	int ret = tn_stun_parse_response(r, p, n);

	free(p);
	return ret;
}

static void check_ap(const struct tn_tailcfg_addrport *ap, int family, const char *addr_hex,
		     uint16_t port)
{
	uint8_t want[16] = { 0 };

	assert_int_equal(ap->family, family);
	assert_int_equal(ap->port, port);
	unhex(want, addr_hex);
	assert_memory_equal(ap->addr, want, 16);
}

static void assert_zeroed(const struct tn_stun_response *r)
{
	struct tn_stun_response zero;

	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(r, &zero, sizeof(zero));
}

/* A success response with the given attributes (hex, already padded). */
static uint8_t *response(size_t *len, const char *txid, const char *attrs_hex)
{
	size_t alen = strlen(attrs_hex) / 2;
	uint8_t *p = malloc(20 + alen);

	assert_non_null(p);
	p[0] = 0x01;
	p[1] = 0x01;
	p[2] = (uint8_t)(alen >> 8);
	p[3] = (uint8_t)alen;
	memcpy(p + 4, "\x21\x12\xa4\x42", 4);
	unhex(p + 8, txid);
	if (alen)
		unhex(p + 20, attrs_hex);
	*len = 20 + alen;
	return p;
}

static int parse_attrs(struct tn_stun_response *r, const char *attrs_hex)
{
	size_t n;
	uint8_t *p = response(&n, txid_hex, attrs_hex);
	int ret = tn_stun_parse_response(r, p, n);

	free(p);
	return ret;
}

static void request_bytes(void **state)
{
	uint8_t txid[12], out[TN_STUN_REQUEST_LEN + 1], want[TN_STUN_REQUEST_LEN];

	assert_int_equal(TN_STUN_REQUEST_LEN, 40);
	unhex(txid, txid_hex);
	assert_int_equal(unhex(want, request_hex), TN_STUN_REQUEST_LEN);
	out[TN_STUN_REQUEST_LEN] = 0xee;
	tn_stun_request(out, txid);
	assert_memory_equal(out, want, TN_STUN_REQUEST_LEN);
	assert_int_equal(out[TN_STUN_REQUEST_LEN], 0xee); /* nothing past 40 */

	/* What derper's ParseBindingRequest wants: a STUN binding request
	 * whose last attribute is a correct FINGERPRINT. */
	assert_true(tn_stun_is(out, TN_STUN_REQUEST_LEN));
	assert_true(tn_stun_is_binding(out, TN_STUN_REQUEST_LEN));
	for (int i = 0; i < 100; i++) {
		uint32_t fp;

		for (int j = 0; j < 12; j++)
			txid[j] = (uint8_t)(i * 31 + j * 7);
		tn_stun_request(out, txid);
		assert_memory_equal(out + 8, txid, 12);
		fp = (uint32_t)out[36] << 24 | (uint32_t)out[37] << 16 | (uint32_t)out[38] << 8 | out[39];
		assert_int_equal(fp, tn_stun_fingerprint(out, 32));
	}
	/* A request is not a response. */
	struct tn_stun_response r;
	assert_int_equal(tn_stun_parse_response(&r, out, TN_STUN_REQUEST_LEN), -EBADMSG);
}

static void fingerprint_crc32(void **state)
{
	size_t n;
	uint8_t *p;

	/* The CRC-32 check value: crc32("123456789") = 0xcbf43926. */
	assert_int_equal(tn_stun_fingerprint((const uint8_t *)"123456789", 9),
			 0xcbf43926u ^ 0x5354554eu);
	assert_int_equal(tn_stun_fingerprint(NULL, 0), 0x00000000u ^ 0x5354554eu);

	p = unhex_alloc(rfc5769_request_hex, &n);
	assert_int_equal(n, 108);
	assert_int_equal(tn_stun_fingerprint(p, n - 8), 0xe57a3bcfu);
	free(p);
	p = unhex_alloc(rfc5769_ipv4_hex, &n);
	assert_int_equal(n, 80);
	assert_int_equal(tn_stun_fingerprint(p, n - 8), 0xc07d4c96u);
	free(p);
	p = unhex_alloc(rfc5769_ipv6_hex, &n);
	assert_int_equal(n, 92);
	assert_int_equal(tn_stun_fingerprint(p, n - 8), 0xc8fb0b4cu);
	free(p);
}

static void rfc5769_ipv4_response(void **state)
{
	struct tn_stun_response r;
	uint8_t txid[12];

	unhex(txid, rfc5769_txid_hex);
	assert_int_equal(parse_hex(&r, rfc5769_ipv4_hex), 0);
	assert_memory_equal(r.txid, txid, 12);
	check_ap(&r.addr, AF_INET, "c0000201", 32853); /* 192.0.2.1:32853 */
	assert_true(r.xor_mapped);
	assert_true(r.fingerprint);
	assert_true(tn_stun_response_for(&r, txid));
}

static void rfc5769_ipv6_response(void **state)
{
	struct tn_stun_response r;
	uint8_t txid[12];

	unhex(txid, rfc5769_txid_hex);
	assert_int_equal(parse_hex(&r, rfc5769_ipv6_hex), 0);
	assert_memory_equal(r.txid, txid, 12);
	/* [2001:db8:1234:5678:11:2233:4455:6677]:32853 */
	check_ap(&r.addr, AF_INET6, "20010db8123456780011223344556677", 32853);
	assert_true(r.xor_mapped);
	assert_true(r.fingerprint);
}

static void go_responses(void **state)
{
	struct tn_stun_response r;

	assert_int_equal(parse_hex(&r, go_response_v4_hex), 0);
	check_ap(&r.addr, AF_INET, "cb007109", 41641); /* 203.0.113.9 */
	assert_true(r.xor_mapped);
	assert_false(r.fingerprint);
	assert_int_equal(parse_hex(&r, go_response_v6_hex), 0);
	check_ap(&r.addr, AF_INET6, "20010db8000000000000000000000001", 41641);
}

static void classification(void **state)
{
	size_t n;
	uint8_t *p, pkt[64];

	p = unhex_alloc(rfc5769_request_hex, &n);
	assert_true(tn_stun_is(p, n));
	assert_true(tn_stun_is_binding(p, n));
	free(p);
	p = unhex_alloc(rfc5769_ipv4_hex, &n);
	assert_true(tn_stun_is(p, n));
	assert_true(tn_stun_is_binding(p, n));
	/* Only the 20-byte header is looked at. */
	for (size_t len = 0; len < 20; len++)
		assert_false(tn_stun_is(p, len));
	assert_true(tn_stun_is(p, 20));
	/* The two top bits must be zero; the cookie must match. */
	p[0] |= 0x40;
	assert_false(tn_stun_is(p, n));
	p[0] = 0x81;
	assert_false(tn_stun_is(p, n));
	p[0] = 0x01;
	for (int i = 4; i < 8; i++) {
		p[i] ^= 0x10;
		assert_false(tn_stun_is(p, n));
		p[i] ^= 0x10;
	}
	/* A binding error response (01 11) is STUN and a binding. */
	p[1] = 0x11;
	assert_true(tn_stun_is(p, n));
	assert_false(tn_stun_is_binding(p, n));
	free(p);

	/* WireGuard: type 1..4 and three zero bytes; byte 1 is 0. */
	memset(pkt, 0, sizeof(pkt));
	for (int t = 1; t <= 4; t++) {
		pkt[0] = (uint8_t)t;
		memcpy(pkt + 4, "\x21\x12\xa4\x42", 4); /* even with a cookie in the index */
		assert_false(tn_stun_is_binding(pkt, sizeof(pkt)));
	}
	/* Disco: "TS" first, 0x54 has a top bit clear but byte 1 is 0x53, and
	 * bytes 4..7 are the magic's end and the key: never the cookie here. */
	memcpy(pkt, "\x54\x53\xf0\x9f\x92\xac", 6);
	assert_false(tn_stun_is(pkt, sizeof(pkt)));
	assert_false(tn_stun_is_binding(pkt, sizeof(pkt)));
}

static void mapped_address_fallback(void **state)
{
	struct tn_stun_response r;

	/* MAPPED-ADDRESS alone: 198.51.100.7:3478, not XORed. */
	assert_int_equal(parse_attrs(&r, "00010008" "0001" "0d96" "c6336407"), 0);
	check_ap(&r.addr, AF_INET, "c6336407", 3478);
	assert_false(r.xor_mapped);
	/* IPv6 MAPPED-ADDRESS, v4-mapped: unmapped as Go does. */
	assert_int_equal(parse_attrs(&r, "00010014" "0002" "0d96"
				     "00000000000000000000ffffc6336407"),
			 0);
	check_ap(&r.addr, AF_INET, "c6336407", 3478);
	/* XOR-MAPPED-ADDRESS wins over MAPPED-ADDRESS, before or after it:
	 * 203.0.113.9:41641 as in go_response_v4. */
	assert_int_equal(parse_attrs(&r, "00010008" "0001" "0d96" "c6336407"
				     "00200008" "0001" "83bb" "ea12d54b"),
			 0);
	check_ap(&r.addr, AF_INET, "cb007109", 41641);
	assert_true(r.xor_mapped);
	assert_int_equal(parse_attrs(&r, "00200008" "0001" "83bb" "ea12d54b"
				     "00010008" "0001" "0d96" "c6336407"),
			 0);
	check_ap(&r.addr, AF_INET, "cb007109", 41641);
	/* 0x8020, the attribute number servers use by mistake. */
	assert_int_equal(parse_attrs(&r, "80200008" "0001" "83bb" "ea12d54b"), 0);
	check_ap(&r.addr, AF_INET, "cb007109", 41641);
	assert_true(r.xor_mapped);
	/* The last of several counts; unknown attributes are skipped. */
	assert_int_equal(parse_attrs(&r, "00200008" "0001" "83bb" "ea12d54b"
				     "7777000161000000"
				     "00200008" "0001" "83bb" "ea12d54a"),
			 0);
	check_ap(&r.addr, AF_INET, "cb007108", 41641);
	/* An XOR-MAPPED IPv6 v4-mapped address comes out as IPv4:
	 * ::ffff:203.0.113.9 ^ (cookie || 01..0c). */
	assert_int_equal(parse_attrs(&r, "00200014" "0002" "83bb"
				     "2112a442010203040506f8f7c20a7a05"),
			 0);
	check_ap(&r.addr, AF_INET, "cb007109", 41641);
	/* The reserved first byte of the value is not looked at; address
	 * bytes past the family's length are ignored (as Go does). */
	assert_int_equal(parse_attrs(&r, "0020000c" "ff01" "83bb" "ea12d54b" "deadbeef"), 0);
	check_ap(&r.addr, AF_INET, "cb007109", 41641);
}

static void txid_matters(void **state)
{
	struct tn_stun_response r;
	uint8_t txid[12], other[12];
	size_t n;
	uint8_t *p;

	unhex(txid, txid_hex);
	memcpy(other, txid, 12);
	other[11] ^= 1;
	p = unhex_alloc(go_response_v6_hex, &n);
	assert_int_equal(tn_stun_parse_response(&r, p, n), 0);
	assert_true(tn_stun_response_for(&r, txid));
	assert_false(tn_stun_response_for(&r, other));
	/* For IPv6 the address is XORed with the txid: another txid gives
	 * another address, which is why only a response to a request in
	 * flight may be believed. */
	p[19] ^= 1;
	assert_int_equal(tn_stun_parse_response(&r, p, n), 0);
	assert_true(tn_stun_response_for(&r, other));
	check_ap(&r.addr, AF_INET6, "20010db8000000000000000000000000", 41641);
	free(p);
}

static void fingerprint_checked(void **state)
{
	struct tn_stun_response r;
	size_t n;
	uint8_t *p;

	p = unhex_alloc(rfc5769_ipv4_hex, &n);
	/* Every bit the CRC covers, and the CRC itself. */
	for (size_t i = 0; i < n; i++) {
		if (i == 2 || i == 3 || i == n - 8 || i == n - 7)
			continue; /* the length and the FINGERPRINT type: below */
		p[i] ^= 0x04;
		assert_int_equal(tn_stun_parse_response(&r, p, n), -EBADMSG);
		assert_zeroed(&r);
		p[i] ^= 0x04;
	}
	assert_int_equal(tn_stun_parse_response(&r, p, n), 0);
	assert_true(r.fingerprint);
	/* With its type changed, the FINGERPRINT is an unknown attribute,
	 * skipped like any other: the response stands without one. */
	p[n - 7] ^= 0x04;
	assert_int_equal(tn_stun_parse_response(&r, p, n), 0);
	assert_false(r.fingerprint);
	check_ap(&r.addr, AF_INET, "c0000201", 32853);
	p[n - 7] ^= 0x04;
	/* A length 4 short drops the FINGERPRINT's value: malformed. */
	p[3] -= 4;
	assert_int_equal(tn_stun_parse_response(&r, p, n), -EBADMSG);
	free(p);

	/* A FINGERPRINT of another length is malformed. */
	assert_int_equal(parse_attrs(&r, "00200008" "0001" "83bb" "ea12d54b"
				     "80280005" "0000000000000000"),
			 -EBADMSG);
	assert_int_equal(parse_attrs(&r, "00200008" "0001" "83bb" "ea12d54b" "80280000"), -EBADMSG);
}

static void malformed_refused(void **state)
{
	struct tn_stun_response r;
	size_t n;
	uint8_t *p, *c;

	/* Every truncation of both RFC responses. */
	for (int v = 0; v < 2; v++) {
		p = unhex_alloc(v ? rfc5769_ipv6_hex : rfc5769_ipv4_hex, &n);
		for (size_t len = 0; len < n; len++) {
			c = malloc(len ? len : 1);
			assert_non_null(c);
			memcpy(c, p, len);
			assert_int_equal(tn_stun_parse_response(&r, c, len), -EBADMSG);
			assert_zeroed(&r);
			free(c);
		}
		/* Bytes past the header's length are ignored. */
		c = malloc(n + 7);
		assert_non_null(c);
		memcpy(c, p, n);
		memset(c + n, 0xa5, 7);
		assert_int_equal(tn_stun_parse_response(&r, c, n + 7), 0);
		assert_int_equal(r.addr.port, 32853);
		/* A length that cuts the last attribute short. */
		c[3] -= 4;
		assert_int_equal(tn_stun_parse_response(&r, c, n + 7), -EBADMSG);
		free(c);
		free(p);
	}

	/* Not success responses: a request (00 01), an error response
	 * (01 11), an indication (00 11). */
	assert_int_equal(parse_hex(&r, rfc5769_request_hex), -EBADMSG);
	p = unhex_alloc(go_response_v4_hex, &n);
	p[0] = 0x00;
	assert_int_equal(tn_stun_parse_response(&r, p, n), -EBADMSG);
	p[0] = 0x01;
	p[1] = 0x11;
	assert_int_equal(tn_stun_parse_response(&r, p, n), -EBADMSG);
	p[0] = 0x00;
	assert_int_equal(tn_stun_parse_response(&r, p, n), -EBADMSG);
	p[0] = 0x01;
	p[1] = 0x01;
	assert_int_equal(tn_stun_parse_response(&r, p, n), 0);
	free(p);

	/* No address at all. */
	assert_int_equal(parse_attrs(&r, ""), -EBADMSG);
	assert_int_equal(parse_attrs(&r, "8022000474657374"), -EBADMSG);
	/* An attribute header cut short; a value past the end; missing
	 * padding (Go wants the padded length present too). */
	assert_int_equal(parse_attrs(&r, "00200008" "0001" "83bb" "ea12d54b" "0020"), -EBADMSG);
	assert_int_equal(parse_attrs(&r, "0020000c" "0001" "83bb" "ea12d54b"), -EBADMSG);
	assert_int_equal(parse_attrs(&r, "00200008" "0001" "83bb" "ea12d54b" "80220001" "74"),
			 -EBADMSG);
	/* Bad address values: unknown family, too short for the family,
	 * under 4 bytes; in either attribute. */
	assert_int_equal(parse_attrs(&r, "00200008" "0003" "83bb" "ea12d54b"), -EBADMSG);
	assert_int_equal(parse_attrs(&r, "00200008" "0002" "83bb" "ea12d54b"), -EBADMSG);
	assert_int_equal(parse_attrs(&r, "00200003" "000183" "00"), -EBADMSG);
	assert_int_equal(parse_attrs(&r, "00200007" "0001" "83bb" "ea12d5" "00"), -EBADMSG);
	assert_int_equal(parse_attrs(&r, "00010008" "0000" "0d96" "c6336407"), -EBADMSG);
	assert_int_equal(parse_attrs(&r, "00010004" "0001" "0d96"), -EBADMSG);
	/* A bad MAPPED-ADDRESS fails the whole response even beside a good
	 * XOR-MAPPED-ADDRESS, as in Go. */
	assert_int_equal(parse_attrs(&r, "00200008" "0001" "83bb" "ea12d54b"
				     "00010008" "0009" "0d96" "c6336407"),
			 -EBADMSG);
	assert_zeroed(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_bytes),
		cmocka_unit_test(fingerprint_crc32),
		cmocka_unit_test(rfc5769_ipv4_response),
		cmocka_unit_test(rfc5769_ipv6_response),
		cmocka_unit_test(go_responses),
		cmocka_unit_test(classification),
		cmocka_unit_test(mapped_address_fallback),
		cmocka_unit_test(txid_matters),
		cmocka_unit_test(fingerprint_checked),
		cmocka_unit_test(malformed_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* src/dns/message.c: headers, names (compression, its loops and limits),
 * questions, records, whole messages, name text, the response builder.
 *
 * Vectors: two queries captured from dig 9.18 (bind9-dnsutils in
 * bookworm): "dig Example.COM A" (RD, AD, EDNS 1232 with a COOKIE option)
 * and "dig +noedns -x 100.64.0.2"; the compressed response is written by
 * hand after RFC 1035 4.1.4.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/message.h"
#include "../vec.h"

static const char dig_a_hex[] =
	"df9a01200001000000000001"                 /* id, RD|AD, 1 question, 1 additional */
	"074578616d706c6503434f4d00" "00010001"    /* Example.COM. A IN */
	"0000290" "4d000000000000c"                /* OPT, size 1232, ttl 0, rdlen 12 */
	"000a0008d5935ef4896f8043";                /* COOKIE */

static const char dig_ptr_hex[] =
	"fc5101200001000000000000"
	"013201300236340331303007696e2d61646472046172706100" "000c0001";

/* A response: www.example.com A, answer owned by a pointer to the
 * question, a CNAME whose target is "mail" + pointer to example.com. */
static const char compressed_hex[] =
	"12348180000100020000000"  "0"
	"03777777076578616d706c6503636f6d00" "00010001"   /* q at 12: www.example.com */
	"c00c" "0001" "0001" "0000012c" "0004" "c0000201"  /* A 192.0.2.1 */
	"c00c" "0005" "0001" "0000012c" "0007" "046d61696c" "c010"; /* CNAME mail.example.com */

static void header_needs_12_bytes(void **state)
{
	struct tn_dns_header h;
	uint8_t b[12] = { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 3, 0, 4 };

	for (size_t n = 0; n < 12; n++)
		assert_int_equal(tn_dns_header_read(&h, b, n), -EBADMSG);
	assert_int_equal(tn_dns_header_read(&h, b, 12), 0);
	assert_int_equal(h.id, 0x1234);
	assert_int_equal(h.flags, 0x8180);
	assert_int_equal(h.qdcount, 1);
	assert_int_equal(h.ancount, 2);
	assert_int_equal(h.nscount, 3);
	assert_int_equal(h.arcount, 4);
}

static void dig_query_parses(void **state)
{
	size_t len;
	uint8_t *q = unhex_alloc(dig_a_hex, &len);
	struct tn_dns_msg m;
	char text[TN_DNS_TEXT_MAX];

	assert_int_equal(tn_dns_msg_parse(&m, q, len), 0);
	assert_int_equal(m.h.id, 0xdf9a);
	assert_int_equal(m.h.flags, TN_DNS_RD | TN_DNS_AD);
	assert_true(m.has_question);
	assert_int_equal(m.q.type, TN_DNS_TYPE_A);
	assert_int_equal(m.q.qclass, TN_DNS_CLASS_IN);
	assert_true(m.has_opt);
	assert_int_equal(m.udp_size, 1232);
	assert_int_equal(m.edns_version, 0);
	assert_int_equal(q[m.opt_class_off] << 8 | q[m.opt_class_off + 1], 1232);
	assert_int_equal(m.end, len);
	assert_int_equal(tn_dns_name_to_text(&m.q.name, text, sizeof(text), false), 12);
	assert_string_equal(text, "Example.COM.");
	assert_int_equal(tn_dns_name_to_text(&m.q.name, text, sizeof(text), true), 12);
	assert_string_equal(text, "example.com.");
	free(q);

	q = unhex_alloc(dig_ptr_hex, &len);
	assert_int_equal(tn_dns_msg_parse(&m, q, len), 0);
	assert_false(m.has_opt);
	assert_int_equal(m.q.type, TN_DNS_TYPE_PTR);
	tn_dns_name_to_text(&m.q.name, text, sizeof(text), true);
	assert_string_equal(text, "2.0.64.100.in-addr.arpa.");
	free(q);
}

static void compression_followed(void **state)
{
	size_t len, off = 12;
	uint8_t *r = unhex_alloc(compressed_hex, &len);
	struct tn_dns_question q;
	struct tn_dns_rr rr;
	struct tn_dns_name target;
	char text[TN_DNS_TEXT_MAX];
	struct tn_dns_msg m;

	assert_int_equal(tn_dns_question_read(&q, r, len, &off), 0);
	assert_int_equal(tn_dns_rr_read(&rr, r, len, &off), 0);
	assert_true(tn_dns_name_equal_nocase(&rr.name, &q.name));
	assert_int_equal(rr.type, TN_DNS_TYPE_A);
	assert_int_equal(rr.ttl, 300);
	assert_int_equal(rr.rdata_len, 4);
	assert_memory_equal(r + rr.rdata_off, "\xc0\x00\x02\x01", 4);
	assert_int_equal(tn_dns_rr_read(&rr, r, len, &off), 0);
	assert_int_equal(rr.type, TN_DNS_TYPE_CNAME);
	assert_int_equal(off, len);
	/* The CNAME target: a label, then a pointer into the question. */
	off = rr.rdata_off;
	assert_int_equal(tn_dns_name_read(&target, r, len, &off), 0);
	assert_int_equal(off, rr.rdata_off + rr.rdata_len);
	tn_dns_name_to_text(&target, text, sizeof(text), false);
	assert_string_equal(text, "mail.example.com.");
	assert_int_equal(tn_dns_msg_parse(&m, r, len), 0);
	assert_int_equal(m.end, len);
	free(r);
}

/* Every way a pointer chain could loop or run forward is refused. */
static void compression_loops_refused(void **state)
{
	struct tn_dns_name n;
	uint8_t msg[64];
	size_t off;

	memset(msg, 0, sizeof(msg));
	/* A pointer to itself. */
	msg[20] = 0xc0;
	msg[21] = 20;
	off = 20;
	assert_int_equal(tn_dns_name_read(&n, msg, sizeof(msg), &off), -EBADMSG);
	assert_int_equal(off, 20);
	/* Two pointers pointing at each other. */
	msg[20] = 0xc0, msg[21] = 22, msg[22] = 0xc0, msg[23] = 20;
	off = 20;
	assert_int_equal(tn_dns_name_read(&n, msg, sizeof(msg), &off), -EBADMSG);
	off = 22;
	assert_int_equal(tn_dns_name_read(&n, msg, sizeof(msg), &off), -EBADMSG);
	/* A pointer forward. */
	msg[20] = 0xc0, msg[21] = 30, msg[30] = 0;
	off = 20;
	assert_int_equal(tn_dns_name_read(&n, msg, sizeof(msg), &off), -EBADMSG);
	/* A label, then a pointer back to that label: "a.a.a..." forever,
	 * each pointer behind itself but not behind the last target. */
	msg[10] = 1, msg[11] = 'a', msg[12] = 0xc0, msg[13] = 10;
	off = 40;
	msg[40] = 0xc0, msg[41] = 10;
	assert_int_equal(tn_dns_name_read(&n, msg, sizeof(msg), &off), -EBADMSG);
	off = 10;
	assert_int_equal(tn_dns_name_read(&n, msg, sizeof(msg), &off), -EBADMSG);
	/* A chain that goes strictly backwards is fine. */
	msg[2] = 0;                                /* root at 2 */
	msg[4] = 1, msg[5] = 'b', msg[6] = 0xc0, msg[7] = 2;
	msg[40] = 0xc0, msg[41] = 4;
	off = 40;
	assert_int_equal(tn_dns_name_read(&n, msg, sizeof(msg), &off), 0);
	assert_int_equal(off, 42);
	assert_int_equal(n.len, 3);
	assert_memory_equal(n.wire, "\x01" "b\x00", 3);
	/* A pointer cut off by the end. */
	msg[63] = 0xc0;
	off = 63;
	assert_int_equal(tn_dns_name_read(&n, msg, sizeof(msg), &off), -EBADMSG);
}

static void name_limits(void **state)
{
	uint8_t msg[600];
	struct tn_dns_name n;
	size_t off, o = 0;

	/* 127 one-byte labels + root = 255 bytes: the longest name. */
	for (int i = 0; i < 127; i++) {
		msg[o++] = 1;
		msg[o++] = 'x';
	}
	msg[o++] = 0;
	off = 0;
	assert_int_equal(tn_dns_name_read(&n, msg, o, &off), 0);
	assert_int_equal(n.len, 255);
	/* One more label is too long. */
	o = 0;
	for (int i = 0; i < 128; i++) {
		msg[o++] = 1;
		msg[o++] = 'x';
	}
	msg[o++] = 0;
	off = 0;
	assert_int_equal(tn_dns_name_read(&n, msg, o, &off), -EBADMSG);
	/* The same length reached through pointers: 4 × 63-byte labels. */
	memset(msg, 'y', sizeof(msg));
	msg[0] = 63;
	msg[64] = 0;                          /* name A: one label */
	msg[65] = 63;
	msg[129] = 0xc0, msg[130] = 0;        /* B: label + A */
	msg[131] = 63;
	msg[195] = 0xc0, msg[196] = 65;       /* C: label + B */
	msg[197] = 63;
	msg[261] = 0xc0, msg[262] = 131;      /* D: label + C = 257 bytes */
	off = 131;
	assert_int_equal(tn_dns_name_read(&n, msg, 263, &off), 0);
	assert_int_equal(n.len, 193);
	off = 197;
	assert_int_equal(tn_dns_name_read(&n, msg, 263, &off), -EBADMSG);
	/* Reserved label types. */
	msg[0] = 0x40;
	off = 0;
	assert_int_equal(tn_dns_name_read(&n, msg, 10, &off), -EBADMSG);
	msg[0] = 0x80;
	off = 0;
	assert_int_equal(tn_dns_name_read(&n, msg, 10, &off), -EBADMSG);
	/* A label running past the end. */
	msg[0] = 5;
	off = 0;
	assert_int_equal(tn_dns_name_read(&n, msg, 5, &off), -EBADMSG);
	/* No bytes at all. */
	off = 0;
	assert_int_equal(tn_dns_name_read(&n, msg, 0, &off), -EBADMSG);
}

/* Every prefix of a valid message fails cleanly (run under ASan). */
static void truncation_everywhere(void **state)
{
	const char *vecs[] = { dig_a_hex, dig_ptr_hex, compressed_hex };

	for (size_t v = 0; v < 3; v++) {
		size_t len;
		uint8_t *full = unhex_alloc(vecs[v], &len);
		struct tn_dns_msg m;

		for (size_t n = 0; n < len; n++) {
			uint8_t *cut = malloc(n ? n : 1);

			memcpy(cut, full, n);
			assert_int_equal(tn_dns_msg_parse(&m, cut, n), -EBADMSG);
			free(cut);
		}
		assert_int_equal(tn_dns_msg_parse(&m, full, len), 0);
		free(full);
	}
}

static void counts_must_be_honest(void **state)
{
	size_t len;
	uint8_t *q = unhex_alloc(dig_ptr_hex, &len);
	struct tn_dns_msg m;

	q[5] = 2;     /* two questions, one present */
	assert_int_equal(tn_dns_msg_parse(&m, q, len), -EBADMSG);
	q[5] = 1;
	q[7] = 1;     /* an answer that is not there */
	assert_int_equal(tn_dns_msg_parse(&m, q, len), -EBADMSG);
	q[7] = 0;
	q[5] = 0;     /* no question: the bytes after are just trailing */
	assert_int_equal(tn_dns_msg_parse(&m, q, len), 0);
	assert_false(m.has_question);
	assert_int_equal(m.end, 12);
	free(q);
}

static void opt_rules(void **state)
{
	size_t len;
	uint8_t *q = unhex_alloc(dig_a_hex, &len), *two;
	struct tn_dns_msg m;

	/* The OPT counted as an answer instead. */
	q[7] = 1, q[11] = 0;
	assert_int_equal(tn_dns_msg_parse(&m, q, len), -EBADMSG);
	q[7] = 0, q[11] = 1;
	/* Two OPT records. */
	two = malloc(len + 23);
	memcpy(two, q, len);
	memcpy(two + len, q + 29, 23);
	two[11] = 2;
	assert_int_equal(tn_dns_msg_parse(&m, two, len + 23), -EBADMSG);
	two[11] = 1;
	assert_int_equal(tn_dns_msg_parse(&m, two, len + 23), 0);
	free(two);
	free(q);
}

static void text_escapes(void **state)
{
	struct tn_dns_name n;
	char text[TN_DNS_TEXT_MAX];
	static const uint8_t wire[] = { 5, 'a', '.', 'B', '\\', ' ', 2, 0xff, 'Z', 0 };

	memcpy(n.wire, wire, sizeof(wire));
	n.len = sizeof(wire);
	assert_int_equal(tn_dns_name_to_text(&n, text, sizeof(text), true), 17);
	assert_string_equal(text, "a\\.b\\\\\\032.\\255z.");
	assert_int_equal(tn_dns_name_to_text(&n, text, 10, true), -ENOSPC);
	n.wire[0] = 0;
	n.len = 1;
	assert_int_equal(tn_dns_name_to_text(&n, text, sizeof(text), true), 1);
	assert_string_equal(text, ".");
}

static void from_text(void **state)
{
	struct tn_dns_name n;
	char big[300];

	assert_int_equal(tn_dns_name_from_text(&n, "n1.tailnet.test."), 0);
	assert_int_equal(n.len, 17);
	assert_memory_equal(n.wire, "\x02n1\x07tailnet\x04test\x00", 17);
	assert_int_equal(tn_dns_name_from_text(&n, "n1.tailnet.test"), 0);
	assert_int_equal(n.len, 17);
	assert_int_equal(tn_dns_name_from_text(&n, "."), 0);
	assert_int_equal(n.len, 1);
	assert_int_equal(tn_dns_name_from_text(&n, ""), 0);
	assert_int_equal(n.len, 1);
	assert_int_equal(tn_dns_name_from_text(&n, "a..b"), -EINVAL);
	assert_int_equal(tn_dns_name_from_text(&n, ".a"), -EINVAL);
	assert_int_equal(tn_dns_name_from_text(&n, ".."), -EINVAL);
	memset(big, 'x', 64);
	big[64] = 0;
	assert_int_equal(tn_dns_name_from_text(&n, big), -EINVAL);
	big[63] = 0;
	assert_int_equal(tn_dns_name_from_text(&n, big), 0);
	/* 4 × 63 + 3 dots = 255 text bytes: 257 wire bytes, too long. */
	for (int i = 0; i < 255; i++)
		big[i] = i % 64 == 63 ? '.' : 'x';
	big[255] = 0;
	assert_int_equal(tn_dns_name_from_text(&n, big), -EINVAL);
	big[253] = 0;    /* 4 labels, last of 61: 253 wire bytes */
	assert_int_equal(tn_dns_name_from_text(&n, big), 0);
	assert_int_equal(n.len, 255);
}

static void case_insensitive_equal(void **state)
{
	struct tn_dns_name a, b;

	tn_dns_name_from_text(&a, "N1.Tailnet.TEST");
	tn_dns_name_from_text(&b, "n1.tailnet.test");
	assert_true(tn_dns_name_equal_nocase(&a, &b));
	tn_dns_name_from_text(&b, "n2.tailnet.test");
	assert_false(tn_dns_name_equal_nocase(&a, &b));
	tn_dns_name_from_text(&b, "n1.tailnet.tes");
	assert_false(tn_dns_name_equal_nocase(&a, &b));
}

static void builder_round_trip(void **state)
{
	uint8_t buf[512];
	struct tn_dns_builder b;
	struct tn_dns_question q = { .type = TN_DNS_TYPE_A, .qclass = TN_DNS_CLASS_IN };
	struct tn_dns_msg m;
	struct tn_dns_rr rr;
	size_t off;
	int n;

	tn_dns_name_from_text(&q.name, "n1.tailnet.test");
	tn_dns_builder_init(&b, buf, sizeof(buf), 0xbeef, TN_DNS_QR | TN_DNS_AA | TN_DNS_RD | TN_DNS_RA);
	tn_dns_builder_question(&b, &q);
	tn_dns_builder_answer(&b, TN_DNS_TYPE_A, 600, (const uint8_t *)"\x64\x40\x00\x01", 4);
	tn_dns_builder_answer(&b, TN_DNS_TYPE_A, 600, (const uint8_t *)"\x64\x40\x00\x02", 4);
	n = tn_dns_builder_finish(&b);
	assert_int_equal(n, 12 + 17 + 4 + 2 * 16);
	assert_int_equal(tn_dns_msg_parse(&m, buf, (size_t)n), 0);
	assert_int_equal(m.h.id, 0xbeef);
	assert_int_equal(m.h.ancount, 2);
	off = m.end - 32;
	assert_int_equal(tn_dns_rr_read(&rr, buf, (size_t)n, &off), 0);
	assert_true(tn_dns_name_equal_nocase(&rr.name, &q.name));
	assert_int_equal(rr.ttl, 600);
	assert_memory_equal(buf + off - 16, "\xc0\x0c", 2);

	/* Too small a buffer: a sticky -EMSGSIZE. */
	tn_dns_builder_init(&b, buf, 40, 1, TN_DNS_QR);
	tn_dns_builder_question(&b, &q);
	tn_dns_builder_answer(&b, TN_DNS_TYPE_A, 600, (const uint8_t *)"\x64\x40\x00\x01", 4);
	assert_int_equal(tn_dns_builder_finish(&b), -EMSGSIZE);
	tn_dns_builder_init(&b, buf, 11, 1, TN_DNS_QR);
	assert_int_equal(tn_dns_builder_finish(&b), -EMSGSIZE);
	/* An answer needs a question to point at. */
	tn_dns_builder_init(&b, buf, sizeof(buf), 1, TN_DNS_QR);
	tn_dns_builder_answer(&b, TN_DNS_TYPE_A, 600, (const uint8_t *)"\x64\x40\x00\x01", 4);
	assert_int_equal(tn_dns_builder_finish(&b), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_needs_12_bytes),
		cmocka_unit_test(dig_query_parses),
		cmocka_unit_test(compression_followed),
		cmocka_unit_test(compression_loops_refused),
		cmocka_unit_test(name_limits),
		cmocka_unit_test(truncation_everywhere),
		cmocka_unit_test(counts_must_be_honest),
		cmocka_unit_test(opt_rules),
		cmocka_unit_test(text_escapes),
		cmocka_unit_test(from_text),
		cmocka_unit_test(case_insensitive_equal),
		cmocka_unit_test(builder_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

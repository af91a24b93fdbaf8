/* TSO segmentation and GRO coalescing: segments carry correct headers and
 * checksums (checked against an independent RFC 1071 sum), and joined
 * segments rebuild the original stream. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "net/checksum.h"
#include "net/offload.h"

/* Straight from RFC 1071: 16-bit big-endian words, end-around carry. */
static uint16_t rfc1071(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A TCP/IPv4 packet with `payload` bytes of a counting pattern from `seq`. */
static size_t tcp4(uint8_t *p, size_t payload, uint32_t seq, uint8_t flags)
{
	size_t len = 20 + 32 + payload;

	memset(p, 0, 52);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = 0x12; p[5] = 0x34;           /* id */
	p[6] = 0x40;                        /* DF */
	p[8] = 64;
	p[9] = 6;
	inet_pton(AF_INET, "100.64.0.1", p + 12);
	inet_pton(AF_INET, "100.64.0.2", p + 16);
	p[20] = 0x9c; p[21] = 0x40;         /* 40000 */
	p[22] = 0x00; p[23] = 0x50;         /* 80 */
	p[24] = (uint8_t)(seq >> 24); p[25] = (uint8_t)(seq >> 16);
	p[26] = (uint8_t)(seq >> 8); p[27] = (uint8_t)seq;
	p[28] = 0xaa; p[31] = 0x01;         /* ack */
	p[32] = 8 << 4;                     /* 32-byte TCP header */
	p[33] = flags;
	p[34] = 0xff; p[35] = 0xff;         /* window */
	p[40] = 1; p[41] = 1; p[42] = 8; p[43] = 10; /* NOP NOP TS */
	for (size_t i = 0; i < payload; i++)
		p[52 + i] = (uint8_t)(seq + i);
	return len;
}

static void check_tcp4(const uint8_t *p, size_t len)
{
	uint32_t pseudo = 0;
	uint8_t ph[12];

	assert_int_equal(be16(p + 2), len);
	assert_int_equal(rfc1071(p, 20, 0), 0); /* header checksum verifies */
	memcpy(ph, p + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = (uint8_t)((len - 20) >> 8);
	ph[11] = (uint8_t)(len - 20);
	for (int i = 0; i < 12; i += 2)
		pseudo += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	assert_int_equal(rfc1071(p + 20, len - 20, pseudo), 0);
	/* the payload continues the counting pattern at its sequence number */
	for (size_t i = 52; i < len; i++)
		assert_int_equal(p[i], (uint8_t)(be32(p + 24) + (i - 52)));
}

struct seen {
	uint8_t pkts[64][1500];
	size_t lens[64];
	int n;
};

static void collect(void *ctx, uint8_t *p, size_t len)
{
	struct seen *s = ctx;

	assert_true(s->n < 64 && len <= 1500);
	memcpy(s->pkts[s->n], p, len);
	s->lens[s->n++] = len;
}

static void tso_packet_cut_into_mtu_segments(void **state)
{
	static uint8_t big[65536], scratch[2048];
	static struct seen s;
	struct tn_vnet_hdr h = { .flags = TN_VNET_F_NEEDS_CSUM, .gso_type = TN_VNET_GSO_TCPV4,
				 .hdr_len = 52, .gso_size = 1228, .csum_start = 20, .csum_offset = 16 };
	size_t payload = 10000, len = tcp4(big, payload, 1000000, 0x18 /* ACK PSH */);

	memset(&s, 0, sizeof(s));
	assert_int_equal(tn_offload_segment(&h, big, len, scratch, sizeof(scratch), collect, &s), 9);
	for (int i = 0; i < s.n; i++) {
		size_t want = i < 8 ? 1228 : payload - 8 * 1228;

		assert_int_equal(s.lens[i], 52 + want);
		check_tcp4(s.pkts[i], s.lens[i]);
		assert_int_equal(be32(s.pkts[i] + 24), 1000000 + (uint32_t)i * 1228);
		assert_int_equal(be16(s.pkts[i] + 4), 0x1234 + i);        /* IP ids count up */
		assert_int_equal(s.pkts[i][33] & 0x08, i == s.n - 1 ? 0x08 : 0); /* PSH last only */
	}
}

static void partial_checksum_completed(void **state)
{
	static uint8_t pkt[200], scratch[2048];
	static struct seen s;
	struct tn_vnet_hdr h = { .flags = TN_VNET_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 16 };
	size_t len = tcp4(pkt, 100, 5, 0x10);

	memset(&s, 0, sizeof(s));
	pkt[10] = pkt[11] = 0;
	pkt[10] = (uint8_t)(rfc1071(pkt, 20, 0) >> 8);
	pkt[11] = (uint8_t)rfc1071(pkt, 20, 0);
	/* the kernel leaves the pseudo-header sum in the TCP checksum field */
	{
		uint64_t ps = tn_csum_pseudo(pkt + 12, pkt + 16, 4, 6, (uint32_t)(len - 20));
		uint16_t f = tn_csum_fold(ps);

		pkt[36] = (uint8_t)(f >> 8);
		pkt[37] = (uint8_t)f;
	}
	assert_int_equal(tn_offload_segment(&h, pkt, len, scratch, sizeof(scratch), collect, &s), 1);
	check_tcp4(s.pkts[0], s.lens[0]);
}

static void bad_gso_headers_rejected(void **state)
{
	static uint8_t pkt[200], scratch[2048];
	static struct seen s;
	struct tn_vnet_hdr h = { .gso_type = TN_VNET_GSO_TCPV6, .gso_size = 100 };
	size_t len = tcp4(pkt, 100, 5, 0x10);

	memset(&s, 0, sizeof(s));
	/* v4 packet, v6 GSO type */
	assert_true(tn_offload_segment(&h, pkt, len, scratch, sizeof(scratch), collect, &s) < 0);
	h.gso_type = TN_VNET_GSO_TCPV4;
	h.gso_size = 0;
	assert_true(tn_offload_segment(&h, pkt, len, scratch, sizeof(scratch), collect, &s) < 0);
	h.gso_size = 100;
	assert_true(tn_offload_segment(&h, pkt, 30, scratch, sizeof(scratch), collect, &s) < 0);
	h.gso_type = 3; /* UFO: not offered */
	assert_true(tn_offload_segment(&h, pkt, len, scratch, sizeof(scratch), collect, &s) < 0);
	h = (struct tn_vnet_hdr){ .flags = TN_VNET_F_NEEDS_CSUM, .csum_start = 190, .csum_offset = 16 };
	assert_true(tn_offload_segment(&h, pkt, len, scratch, sizeof(scratch), collect, &s) < 0);
	assert_int_equal(s.n, 0);
}

/* Reads back what tn_gro_flush wrote into a pipe: header, then packet. */
static size_t read_write(int fd, struct tn_vnet_hdr *h, uint8_t *buf, size_t cap)
{
	uint8_t tmp[70000];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	assert_true(n >= TN_VNET_HDR_LEN);
	memcpy(h, tmp, sizeof(*h));
	assert_true((size_t)n - TN_VNET_HDR_LEN <= cap);
	memcpy(buf, tmp + TN_VNET_HDR_LEN, (size_t)n - TN_VNET_HDR_LEN);
	return (size_t)n - TN_VNET_HDR_LEN;
}

static void gro_joins_consecutive_segments(void **state)
{
	static uint8_t pkts[10][1500], out[70000], scratch[2048];
	static struct seen s;
	struct tn_gro g;
	struct tn_vnet_hdr h;
	int fds[2];
	size_t len;

	/* one read per write, and writes larger than a pipe packet */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
	tn_gro_init(&g);
	for (int i = 0; i < 5; i++) {
		size_t l = tcp4(pkts[i], i < 4 ? 1000 : 300, 7000 + (uint32_t)i * 1000, i == 4 ? 0x18 : 0x10);

		tn_gro_add(&g, fds[1], pkts[i], l);
	}
	/* a different flow in between does not join */
	len = tcp4(pkts[5], 1000, 99, 0x10);
	pkts[5][23] = 81;
	tn_gro_add(&g, fds[1], pkts[5], len);
	assert_int_equal(tn_gro_flush(&g, fds[1]), 0);
	assert_int_equal(g.writes, 2);

	len = read_write(fds[0], &h, out, sizeof(out));
	assert_int_equal(len, 52 + 4300);
	assert_int_equal(h.gso_type, TN_VNET_GSO_TCPV4);
	assert_int_equal(h.gso_size, 1000);
	assert_int_equal(h.csum_start, 20);
	assert_int_equal(h.csum_offset, 16);
	assert_int_equal(be16(out + 2), len);
	assert_int_equal(rfc1071(out, 20, 0), 0);
	/* The kernel will finish the checksum: do it here, then cut it again
	 * and compare with what went in. */
	{
		uint16_t c = rfc1071(out + 20, len - 20, 0);
		struct tn_vnet_hdr seg = h;

		out[36] = (uint8_t)(c >> 8);
		out[37] = (uint8_t)c;
		(void)seg;
		memset(&s, 0, sizeof(s));
		seg.flags = 0;
		assert_int_equal(tn_offload_segment(&seg, out, len, scratch, sizeof(scratch), collect, &s), 5);
		for (int i = 0; i < 5; i++) {
			size_t want = i < 4 ? 1052 : 352;

			assert_int_equal(s.lens[i], want);
			check_tcp4(s.pkts[i], s.lens[i]);
		}
	}
	len = read_write(fds[0], &h, out, sizeof(out));
	assert_int_equal(h.gso_type, TN_VNET_GSO_NONE);
	assert_int_equal(len, 1052);
	close(fds[0]);
	close(fds[1]);
}

static void gro_keeps_gaps_and_non_tcp_apart(void **state)
{
	static uint8_t pkts[4][1500];
	struct tn_gro g;
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
	tn_gro_init(&g);
	tn_gro_add(&g, fds[1], pkts[0], tcp4(pkts[0], 1000, 0, 0x10));
	tn_gro_add(&g, fds[1], pkts[1], tcp4(pkts[1], 1000, 2000, 0x10)); /* gap */
	tn_gro_add(&g, fds[1], pkts[2], tcp4(pkts[2], 1000, 3000, 0x11)); /* FIN */
	tcp4(pkts[3], 100, 0, 0x10);
	pkts[3][9] = 17; /* UDP */
	tn_gro_add(&g, fds[1], pkts[3], 152);
	assert_int_equal(tn_gro_flush(&g, fds[1]), 0);
	assert_int_equal(g.writes, 4);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tso_packet_cut_into_mtu_segments),
		cmocka_unit_test(partial_checksum_completed),
		cmocka_unit_test(bad_gso_headers_rejected),
		cmocka_unit_test(gro_joins_consecutive_segments),
		cmocka_unit_test(gro_keeps_gaps_and_non_tcp_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

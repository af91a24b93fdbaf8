/* IP header decoding for the packet filter, after Go's net/packet
 * (decode4, decode6): see packet.h for the rules kept and the two places
 * where malformed input is refused more strictly. */
#include "filter/packet.h"

#include <string.h>

#define IP4_HDR_LEN 20
#define IP6_HDR_LEN 40
/* Minimum transport header sizes Go insists on before it trusts ports. */
#define ICMP_HDR_MIN 4
#define ICMP_HDR_FULL 8      /* type, code, checksum, id/seq or unused */
#define IGMP_HDR_LEN 8
#define TCP_HDR_LEN 20
#define UDP_HDR_LEN 8
#define SCTP_HDR_LEN 12
#define TSMP_MIN_LEN 7       /* the shortest TSMP message (a reject) */
/* A non-first fragment starting before byte 80 could overlap the largest
 * IPv4 header plus a basic TCP header (60 + 20): Go calls it junk. */
#define MIN_FRAG_OFFSET_BLOCKS ((60 + 20) / 8)

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

struct tn_addr128 tn_addr128_from_bytes(int version, const uint8_t *b)
{
	struct tn_addr128 a;

	if (version == 4) {
		a.hi = 0;
		a.lo = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
	} else {
		a.hi = be64(b);
		a.lo = be64(b + 8);
	}
	return a;
}

void tn_addr128_to_bytes(int version, struct tn_addr128 a, uint8_t *out)
{
	if (version == 4) {
		for (int i = 0; i < 4; i++)
			out[i] = (uint8_t)(a.lo >> (24 - 8 * i));
		return;
	}
	for (int i = 0; i < 8; i++) {
		out[i] = (uint8_t)(a.hi >> (56 - 8 * i));
		out[8 + i] = (uint8_t)(a.lo >> (56 - 8 * i));
	}
}

/* The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d), which
 * Go's netip unmaps before classifying. */
static bool unmap4(int version, struct tn_addr128 *a)
{
	if (version == 4)
		return true;
	if (a->hi == 0 && a->lo >> 32 == 0xffff) {
		a->lo &= 0xffffffffu;
		return true;
	}
	return false;
}

bool tn_addr128_is_multicast(int version, struct tn_addr128 a)
{
	if (unmap4(version, &a))
		return (a.lo >> 28) == 0xe;              /* 224.0.0.0/4 */
	return (a.hi >> 56) == 0xff;                     /* ff00::/8 */
}

bool tn_addr128_is_link_local_unicast(int version, struct tn_addr128 a)
{
	if (unmap4(version, &a))
		return (a.lo >> 16) == 0xa9fe;           /* 169.254.0.0/16 */
	return (a.hi >> 48 & 0xffc0) == 0xfe80;          /* fe80::/10 */
}

static void ports(struct tn_packet *p, const uint8_t *l4)
{
	p->sport = be16(l4);
	p->dport = be16(l4 + 2);
}

/* The transport header of a first (or only) fragment; l4len is what the
 * IP length leaves for it. */
static void transport(struct tn_packet *p, const uint8_t *l4, size_t l4len, bool more_frags)
{
	switch (p->proto) {
	case TN_IPPROTO_ICMP:
	case TN_IPPROTO_ICMPV6:
		if ((p->proto == TN_IPPROTO_ICMP) != (p->version == 4))
			return;             /* the other family's ICMP: any protocol */
		if (l4len < ICMP_HDR_MIN)
			break;
		if (l4len >= ICMP_HDR_FULL) {
			p->icmp_full = true;
			p->icmp_type = l4[0];
			p->icmp_code = l4[1];
		}
		return;
	case TN_IPPROTO_IGMP:
		if (p->version == 4 && l4len < IGMP_HDR_LEN)
			break;
		return;
	case TN_IPPROTO_TCP:
		if (l4len < TCP_HDR_LEN)
			break;
		ports(p, l4);
		p->tcp_flags = l4[13];
		return;
	case TN_IPPROTO_UDP:
		if (l4len < UDP_HDR_LEN)
			break;
		ports(p, l4);
		return;
	case TN_IPPROTO_SCTP:
		if (l4len < SCTP_HDR_LEN)
			break;
		ports(p, l4);
		return;
	case TN_IPPROTO_TSMP:
		/* TSMP is never fragmented (Go checks MF for IPv4 only). */
		if (more_frags || l4len < TSMP_MIN_LEN)
			break;
		return;
	case TN_IPPROTO_FRAGMENT:
		break;                  /* the internal value is never genuine */
	default:
		return;
	}
	p->proto = TN_IPPROTO_UNKNOWN;
}

static void parse4(struct tn_packet *p, const uint8_t *b, size_t len)
{
	size_t total, hlen;
	uint16_t frag;

	if (len < IP4_HDR_LEN)
		return;
	p->version = 4;
	p->proto = b[9];
	total = be16(b + 2);
	if (len < total) {
		p->proto = TN_IPPROTO_UNKNOWN;
		return;
	}
	p->src = tn_addr128_from_bytes(4, b + 12);
	p->dst = tn_addr128_from_bytes(4, b + 16);
	hlen = (size_t)(b[0] & 0x0f) * 4;
	if (hlen < IP4_HDR_LEN || hlen > total) {
		p->proto = TN_IPPROTO_UNKNOWN;
		return;
	}
	frag = be16(b + 6);
	if (frag & 0x1fff) {
		p->proto = (frag & 0x1fff) < MIN_FRAG_OFFSET_BLOCKS ? TN_IPPROTO_UNKNOWN
								    : TN_IPPROTO_FRAGMENT;
		return;
	}
	transport(p, b + hlen, total - hlen, frag & 0x2000);
}

static void parse6(struct tn_packet *p, const uint8_t *b, size_t len)
{
	size_t total;

	if (len < IP6_HDR_LEN)
		return;
	p->version = 6;
	p->proto = b[6];
	total = (size_t)be16(b + 4) + IP6_HDR_LEN;
	if (len < total) {
		p->proto = TN_IPPROTO_UNKNOWN;
		return;
	}
	p->src = tn_addr128_from_bytes(6, b + 8);
	p->dst = tn_addr128_from_bytes(6, b + 24);
	transport(p, b + IP6_HDR_LEN, total - IP6_HDR_LEN, false);
}

void tn_packet_parse(struct tn_packet *p, const uint8_t *buf, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->len = len;
	if (len < 1)
		return;
	if (buf[0] >> 4 == 4)
		parse4(p, buf, len);
	else if (buf[0] >> 4 == 6)
		parse6(p, buf, len);
}

bool tn_packet_is_echo_reply(const struct tn_packet *p)
{
	if (!p->icmp_full || p->icmp_code != 0)
		return false;
	return p->version == 4 ? p->icmp_type == 0 : p->icmp_type == 129;
}

bool tn_packet_is_icmp_error(const struct tn_packet *p)
{
	if (!p->icmp_full)
		return false;
	if (p->version == 4)       /* unreachable, time exceeded, parameter problem */
		return p->icmp_type == 3 || p->icmp_type == 11 || p->icmp_type == 12;
	/* unreachable, packet too big, time exceeded, parameter problem */
	return p->icmp_type >= 1 && p->icmp_type <= 4;
}

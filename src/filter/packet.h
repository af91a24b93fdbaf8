/* IP packet headers as the packet filter needs them: version, protocol,
 * addresses, ports, TCP flags and the ICMP type, read from (buf, len)
 * the way Go's net/packet Parsed.Decode reads them (protocol.md §11).
 *
 * Decoding follows Go's rules, so a verdict is the same as a Go peer's:
 * the IPv6 next header is the protocol (extension headers are not walked;
 * an IPv6 fragment header is protocol 44), a non-first IPv4 fragment is
 * TN_IPPROTO_FRAGMENT unless its offset is too small to be honest (less
 * than 80 bytes: a header could hide there) which makes it unknown, and a
 * transport header that does not fit makes the packet unknown.  Stricter
 * than Go on malformed input only: an IPv4 header length below 20 is
 * unknown, and the transport header must fit in the IP total length, not
 * merely in the buffer.  Unknown (protocol 0) packets are dropped by the
 * filter.
 *
 * Pure functions; any thread.
 */
#ifndef TN_FILTER_PACKET_H
#define TN_FILTER_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IANA protocol numbers the filter treats specially, and two of Go's
 * internal values: 0 (really IPv6 hop-by-hop, unsupported) for unknown or
 * malformed, 0xff (reserved by IANA) for a non-first fragment. */
enum {
	TN_IPPROTO_UNKNOWN = 0,
	TN_IPPROTO_ICMP = 1,
	TN_IPPROTO_IGMP = 2,
	TN_IPPROTO_TCP = 6,
	TN_IPPROTO_UDP = 17,
	TN_IPPROTO_FRAGMENT_HDR = 44,  /* IPv6 fragment header, a protocol to Go */
	TN_IPPROTO_ICMPV6 = 58,
	TN_IPPROTO_TSMP = 99,          /* Tailscale Message Protocol */
	TN_IPPROTO_SCTP = 132,
	TN_IPPROTO_FRAGMENT = 255,
};

#define TN_TCP_FIN 0x01
#define TN_TCP_SYN 0x02
#define TN_TCP_RST 0x04
#define TN_TCP_ACK 0x10

/* A 128-bit address value: IPv4 in the low 32 bits of lo (hi 0), IPv6 as
 * two big-endian halves, so that numeric order is address order. */
struct tn_addr128 {
	uint64_t hi, lo;
};

struct tn_packet {
	uint8_t version;        /* 4 or 6; 0 when not IP or too short */
	uint8_t proto;          /* TN_IPPROTO_* or any other protocol number */
	uint8_t tcp_flags;      /* TCP only */
	bool icmp_full;         /* ICMP with its 8-byte header: type/code valid */
	uint8_t icmp_type, icmp_code;
	uint16_t sport, dport;  /* TCP, UDP, SCTP; 0 otherwise */
	struct tn_addr128 src, dst;
	size_t len;             /* the buffer's length as given */
};

/* Decodes buf[0..len); never reads past len.  Always fills *p (proto
 * TN_IPPROTO_UNKNOWN for what the filter must drop). */
void tn_packet_parse(struct tn_packet *p, const uint8_t *buf, size_t len);

/* TCP with SYN and without ACK: the packet that opens a connection. */
static inline bool tn_packet_is_tcp_syn(const struct tn_packet *p)
{
	return p->proto == TN_IPPROTO_TCP &&
	       (p->tcp_flags & (TN_TCP_SYN | TN_TCP_ACK)) == TN_TCP_SYN;
}

/* ICMP(v6) echo reply (code 0), of the packet's own family. */
bool tn_packet_is_echo_reply(const struct tn_packet *p);
/* ICMP(v6) error: unreachable, time exceeded, parameter problem, and for
 * ICMPv6 packet too big. */
bool tn_packet_is_icmp_error(const struct tn_packet *p);

/* Destination classes the filter drops in both directions. */
bool tn_addr128_is_multicast(int version, struct tn_addr128 a);
bool tn_addr128_is_link_local_unicast(int version, struct tn_addr128 a);

/* Address bytes (network order, 4 or 16) as a value, and back. */
struct tn_addr128 tn_addr128_from_bytes(int version, const uint8_t *b);
void tn_addr128_to_bytes(int version, struct tn_addr128 a, uint8_t *out);

static inline int tn_addr128_cmp(struct tn_addr128 a, struct tn_addr128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static inline bool tn_addr128_le(struct tn_addr128 a, struct tn_addr128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo);
}

#endif

/* ICMP echo for `ping --icmp` (LocalAPI ping type ICMP): the request the
 * engine sends from our tailnet address into the tunnel, and recognising
 * the peer's echo reply before it would reach the host.  Pure functions
 * over (buf, len).  Any thread. */
#ifndef TN_IPN_ICMPPING_H
#define TN_IPN_ICMPPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for a request: IPv6 header, ICMPv6 header and the payload. */
#define TN_ICMP_ECHO_MAX (40 + 8 + 16)

/* Writes an echo request src -> dst (4 or 16 bytes by family) with id and
 * seq into out; returns its length, or 0 if cap is too small or the
 * family unknown. */
size_t tn_icmp_echo_build(uint8_t *out, size_t cap, int family, const uint8_t *src,
			  const uint8_t *dst, uint16_t id, uint16_t seq);

/* True if pkt is an echo reply (ICMPv4 type 0 or ICMPv6 129) with a valid
 * header; *family, src (the replier, 16 bytes), *id and *seq are set. */
bool tn_icmp_echo_reply_parse(const uint8_t *pkt, size_t len, int *family, uint8_t src[16],
			      uint16_t *id, uint16_t *seq);

#endif

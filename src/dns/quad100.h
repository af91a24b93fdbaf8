/* Quad-100: the MagicDNS service at 100.100.100.100 and
 * fd7a:115c:a1e0::53, port 53 over UDP, as seen from the host's packets.
 *
 * The engine hands over every IP packet to a quad-100 address (test with
 * tn_dns_is_quad100, cheap enough for the packet path).  UDP to port 53
 * is answered: the reply comes back as a whole IP/UDP packet from the
 * address the query went to, through the deliver callback — at once for
 * local answers, later (from a socket callback) for forwarded ones.
 * Anything else to quad-100 (TCP, other ports, fragments, malformed
 * headers) is dropped and counted; the host's own kernel sent it, so its
 * UDP checksum (partial with TUN offloads) is not checked.
 *
 * Configuration follows the netmap (tn_dns_quad100_set_netmap) and the
 * accept-dns preference.  In TUN mode (ifname given) with accept-dns on,
 * the host's DNS is pointed at quad-100 as Go's OS configurators do
 * (osconfig.h) once the netmap's DNS config asks for it, and put back
 * when accept-dns goes off or at tn_dns_quad100_free.  In userspace mode
 * the OS is never touched.
 *
 * Ownership: the caller owns the service; the netmap is borrowed for the
 * call, opts->os (with its strings and hooks) for the service's life.  Event-loop thread only.
 */
#ifndef TN_DNS_QUAD100_H
#define TN_DNS_QUAD100_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "control/netmap.h"
#include "dns/osconfig.h"
#include "event/loop.h"

/* An IP packet for the host (ownership stays with the caller). */
typedef void (*tn_dns_deliver_fn)(void *ctx, uint8_t *pkt, size_t len);

struct tn_dns_quad100_options {
	const char *ifname;                  /* TUN; NULL: userspace networking */
	const struct tn_dns_os_options *os;  /* NULL: the real system */
	/* Local answers are delivered from the loop (a zero-delay timer),
	 * not from inside tn_dns_quad100_packet: for a caller (lwIP) that
	 * cannot take a packet back while it is sending one. */
	bool defer_replies;
};

/* Deferred replies waiting at most (more are dropped and counted). */
#define TN_DNS_QUAD100_MAX_DEFERRED 64

struct tn_dns_stats {
	uint64_t queries;      /* DNS queries received */
	uint64_t answered;     /* replies sent (local and forwarded) */
	uint64_t forwarded;    /* queries sent upstream */
	uint64_t dropped;      /* not DNS over UDP/53, malformed, or no reply */
	uint64_t fwd_timeouts;
};

struct tn_dns_quad100;

struct tn_dns_quad100 *tn_dns_quad100_new(struct tn_loop *loop,
					  const struct tn_dns_quad100_options *opts,
					  tn_dns_deliver_fn deliver, void *ctx);
/* Restores the OS configuration and frees.  NULL is a no-op. */
void tn_dns_quad100_free(struct tn_dns_quad100 *q);

/* One IP packet addressed to quad-100 (see tn_dns_is_quad100). */
void tn_dns_quad100_packet(struct tn_dns_quad100 *q, const uint8_t *pkt, size_t len);

/* Rebuilds the configuration from nm.  0 or -ENOMEM (the old one stays). */
int tn_dns_quad100_set_netmap(struct tn_dns_quad100 *q, const struct tn_netmap *nm);
/* The accept-dns preference (off until set). */
int tn_dns_quad100_set_accept_dns(struct tn_dns_quad100 *q, bool accept_dns);

void tn_dns_quad100_stats(const struct tn_dns_quad100 *q, struct tn_dns_stats *out);

/* The packet's destination is 100.100.100.100 or fd7a:115c:a1e0::53. */
static inline bool tn_dns_is_quad100(const uint8_t *p, size_t len)
{
	static const uint8_t v6[16] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0x53 };

	if (len >= 20 && (p[0] >> 4) == 4)
		return p[16] == 100 && p[17] == 100 && p[18] == 100 && p[19] == 100;
	return len >= 40 && (p[0] >> 4) == 6 && !memcmp(p + 24, v6, 16);
}

#endif

/* The MagicDNS resolver: what quad-100 does with one query, as Go's
 * net/dns/resolver (tsdns.go respond/resolveLocal, forwarder.go's
 * choices) decides it:
 *
 *  - A malformed query (a response, no question) gets FORMERR; fewer
 *    than 12 bytes are dropped (there is no ID to answer).
 *  - Names in the hosts table (peers, self, ExtraRecords) are answered:
 *    A/AAAA with the first address of that family (NOERROR and no answer
 *    when there is none, and for other types), NOTIMP for NS, SOA, AXFR
 *    and HINFO.  A "dns-subdomain-resolve" host also answers for names
 *    under it.  "*.onion" is NXDOMAIN; magicdns.localhost-tailscale-daemon.
 *    is quad-100 itself; 4via6 names ("10-1-2-3-via-7") give their
 *    fd7a:115c:a1e0:b1a::/64 address.
 *  - PTR for the tailnet ranges (and quad-100) from the same table.
 *  - Other names inside a local domain (the MagicDNS zones) are NXDOMAIN.
 *  - Everything else is forwarded along the most specific route; no route
 *    (or one without usable resolvers) is SERVFAIL; DNS-SD browsing
 *    names (b._dns-sd._udp...) are NXDOMAIN rather than forwarded.
 *
 * Local answers have TTL 600, AA set, RA = RD, no EDNS; TC is set when
 * the answer exceeds what the client takes over UDP (512, or its EDNS
 * size; Go honours only an OPT record without options, we honour any).
 *
 * Pure functions on a borrowed tn_dns_resolver_config; any thread.
 */
#ifndef TN_DNS_RESOLVER_H
#define TN_DNS_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "dns/config.h"

#define TN_DNS_TTL 600
/* The most a forwarded response may be (Go's maxResponseBytes). */
#define TN_DNS_MAX_RESPONSE 4095
/* RFC 1035 4.2.1: UDP without EDNS. */
#define TN_DNS_UDP_DEFAULT 512

enum tn_dns_action {
	TN_DNS_DROP = 0,
	TN_DNS_REPLY,      /* out[0..len) is the response */
	TN_DNS_FORWARD,    /* send the query along route */
};

struct tn_dns_decision {
	enum tn_dns_action action;
	size_t len;
	const struct tn_dns_route *route;
	size_t max_udp;    /* the client's UDP size limit */
};

/* Decides about query[0..len); out (cap >= 512) receives a reply.
 * Returns 0 (d filled) or -EMSGSIZE when out is too small. */
int tn_dns_resolve(const struct tn_dns_resolver_config *rc, const uint8_t *query, size_t len,
		   uint8_t *out, size_t cap, struct tn_dns_decision *d);

/* The SERVFAIL Go sends when forwarding failed (AA, the question).
 * Returns its length, or -EBADMSG when query is not a query. */
int tn_dns_servfail(const uint8_t *query, size_t len, uint8_t *out, size_t cap);

/* The client's UDP limit for query[0..len): 512 or its EDNS size. */
size_t tn_dns_udp_limit(const uint8_t *query, size_t len);
/* Sets TC when len > max (Go's checkResponseSizeAndSetTC). */
void tn_dns_set_tc_if_over(uint8_t *msg, size_t len, size_t max);
/* Lowers an EDNS payload size above max to max (Go's clampEDNSSize). */
void tn_dns_clamp_edns(uint8_t *msg, size_t len, uint16_t max);

#endif

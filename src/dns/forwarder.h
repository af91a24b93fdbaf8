/* Forwarding queries to upstream resolvers over UDP, on the event loop
 * (Go's net/dns/resolver forwarder.go, UDP part).
 *
 * A query goes to every usable resolver of its route at once, each from
 * its own connected socket (a fresh random source port per query and
 * resolver, as Go's sendUDP does).  The first good response wins and
 * the others are dropped.  SERVFAIL and REFUSED count as failures of
 * that resolver; when all have failed the client gets the first
 * upstream SERVFAIL (or, if every one refused, the first REFUSED), or a
 * SERVFAIL of our own after a transport error.  A query unanswered after
 * TN_DNS_FWD_TIMEOUT_NS is dropped without a reply, as Go's is.
 *
 * Unlike Go, a datagram with the wrong ID or question is ignored
 * (counted) instead of failing the resolver: only the resolver can send
 * to a connected socket, and a stray datagram should not cost the answer.
 * Go also races TCP after 2 s and retries truncated answers over TCP for
 * TCP clients; we serve UDP clients only, which take a TC answer as is.
 *
 * Responses larger than TN_DNS_MAX_RESPONSE are cut there with TC set;
 * TC is also set when a response exceeds the client's UDP limit; EDNS
 * sizes are clamped to TN_DNS_MAX_RESPONSE both ways.  Resolvers at the
 * quad-100 addresses are never used (that would loop).
 *
 * Ownership: the caller owns the forwarder; queries and upstream
 * addresses are copied.  Event-loop thread only.
 */
#ifndef TN_DNS_FORWARDER_H
#define TN_DNS_FORWARDER_H

#include <stddef.h>
#include <stdint.h>

#include "dns/config.h"
#include "event/loop.h"

/* Go's dnsQueryTimeout: an upper bound on one query's resources; the
 * client retries long before. */
#define TN_DNS_FWD_TIMEOUT_NS (10ull * 1000 * 1000 * 1000)
/* Queries in flight; more are dropped (a client flooding quad-100 must
 * not exhaust our file descriptors). */
#define TN_DNS_FWD_MAX_PENDING 256
/* Resolvers one query goes to. */
#define TN_DNS_FWD_MAX_UPSTREAMS 8

/* Who asked: what the reply packet needs.  Opaque to the forwarder. */
struct tn_dns_client {
	uint8_t family;            /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];  /* the query's addresses */
	uint16_t sport, dport;
};

/* The answer for client: resp[0..len), or resp NULL when the query
 * failed and the caller should send tn_dns_servfail(query). */
typedef void (*tn_dns_fwd_done_fn)(void *ctx, const struct tn_dns_client *client,
				   const uint8_t *query, size_t qlen, const uint8_t *resp,
				   size_t len);

struct tn_dns_fwd_stats {
	uint64_t queries, answered, failed, timeouts, dropped_full, stray;
};

struct tn_dns_forwarder;

struct tn_dns_forwarder *tn_dns_forwarder_new(struct tn_loop *loop, tn_dns_fwd_done_fn done,
					      void *ctx);
/* Cancels every query in flight (no callbacks).  NULL is a no-op. */
void tn_dns_forwarder_free(struct tn_dns_forwarder *f);

/* Starts query[0..len) to the route's resolvers; done runs later (from
 * a socket or timer callback), at most once.  max_udp is the client's
 * UDP limit.  0, or -EBUSY (too many in flight), -EINVAL (no usable
 * resolver), -ENOMEM; nothing was started then. */
int tn_dns_forwarder_query(struct tn_dns_forwarder *f, const uint8_t *query, size_t len,
			   size_t max_udp, const struct tn_dns_route *route,
			   const struct tn_dns_client *client);

const struct tn_dns_fwd_stats *tn_dns_forwarder_stats(const struct tn_dns_forwarder *f);

#endif

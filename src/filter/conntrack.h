/* Connection tracking for the packet filter: the UDP and SCTP flows this
 * node started, so that their replies are let in although no rule allows
 * them (Go's filter keeps the same flows in an LRU cache of 512 tuples).
 *
 * A bounded table: a fixed number of flows allocated up front, the least
 * recently used one replaced when it is full, and an idle timeout per flow
 * (Go's filter has none; ours are tailscaled's netstack UDP idle timeouts,
 * 2 minutes and 30 s for DNS).  A flow is refreshed by packets in either
 * direction.  Times come from the caller (tn_clock_now, virtual in tests).
 * No allocation after tn_conntrack_new.
 *
 * Not thread-safe: the thread that runs the engine's data path owns it.
 */
#ifndef TN_FILTER_CONNTRACK_H
#define TN_FILTER_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter/packet.h"
#include "util/clock.h"

/* Go's filter lruMax. */
#define TN_CONNTRACK_DEFAULT_FLOWS 512
/* tailscaled's netstack closes an idle forwarded UDP flow after 2 minutes,
 * a DNS one (remote port 53) after 30 s. */
#define TN_CONNTRACK_UDP_TIMEOUT (120 * TN_NSEC_PER_SEC)
#define TN_CONNTRACK_DNS_TIMEOUT (30 * TN_NSEC_PER_SEC)

struct tn_conntrack;

/* A table of max_flows flows (at least 1); NULL on ENOMEM. */
struct tn_conntrack *tn_conntrack_new(size_t max_flows);
void tn_conntrack_free(struct tn_conntrack *ct);

/* An outbound UDP/SCTP packet (others are ignored): its reply is expected. */
void tn_conntrack_note(struct tn_conntrack *ct, const struct tn_packet *p, uint64_t now);
/* Whether an inbound UDP/SCTP packet answers a flow we started (and is
 * not expired); a hit refreshes the flow. */
bool tn_conntrack_lookup(struct tn_conntrack *ct, const struct tn_packet *p, uint64_t now);
/* Forgets every flow. */
void tn_conntrack_flush(struct tn_conntrack *ct);
/* Flows held (expired ones are reclaimed lazily, so they may count). */
size_t tn_conntrack_count(const struct tn_conntrack *ct);

#endif

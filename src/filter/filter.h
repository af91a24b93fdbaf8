/* The packet filter: the netmap's FilterRules compiled into a matcher,
 * and the verdict on each packet (protocol.md §11; Go's wgengine/filter).
 *
 * Inbound (from a peer, before the host sees it), in Go's order:
 *   - too short, unknown/malformed, multicast or link-local destination
 *     (169.254.169.254 excepted): drop; a non-first fragment: accept;
 *   - a destination that is not ours (self addresses, served routes): drop;
 *   - ICMP echo replies and errors: accept; other ICMP: accept if any rule
 *     lets the source reach that destination on any port or protocol;
 *   - TCP without SYN (or with SYN+ACK): accept (a new connection needs a
 *     SYN); a SYN: accept if a rule matches;
 *   - UDP/SCTP: accept a reply to a flow we started (conntrack), else if a
 *     rule matches;
 *   - TSMP: accept; other protocols: accept if a rule covers all ports.
 * A rule matches when the protocol is in IPProto (empty: TCP, UDP, ICMP,
 * ICMPv6), the source in SrcIPs ("*", IP, CIDR, range A-B, or "cap:NAME":
 * the addresses of nodes whose CapMap has NAME), and the destination
 * address and port in one DstPorts entry.  No rules: everything new is
 * dropped.  Shields up: as if there were no rules; replies still pass.
 *
 * Rules are compiled per address family: DstPorts entries that cannot
 * reach a local address are pruned, entries with the same protocols,
 * destination and ports share one merged source set, a port index finds
 * the entries for a destination port, and source sets are range arrays
 * searched by binary search (docs/filter.md).  Invalid entries (bad IP text, host
 * bits in a CIDR, "cap:" in DstPorts) are skipped as Go skips them; a rule
 * with the legacy SrcBits/Bits makes Go refuse the whole list, and then
 * nothing is allowed.  CapGrant is not network access and is ignored.
 *
 * Outbound (from the host): the same drops of malformed, multicast and
 * link-local packets; UDP/SCTP flows are noted in the conntrack table.
 *
 * A compiled filter is immutable and may be read by several threads; the
 * conntrack table belongs to its caller (see conntrack.h).  Compile on the
 * control thread; tn_filter_run_* allocate nothing.
 */
#ifndef TN_FILTER_FILTER_H
#define TN_FILTER_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/tailcfg.h"
#include "filter/conntrack.h"
#include "filter/packet.h"

struct tn_filter;

/* What a filter is compiled from; all borrowed for the call. */
struct tn_filter_config {
	const struct tn_tailcfg_filter_rule *const *rules;   /* in order */
	size_t n_rules;
	/* Destinations that are ours: the self node's addresses, routes we
	 * serve. */
	const struct tn_tailcfg_prefix *local;
	size_t n_local;
	/* The nodes "cap:NAME" sources are looked up in (self may be NULL). */
	const struct tn_tailcfg_node *self;
	struct tn_tailcfg_node *const *peers;
	size_t n_peers;
};

#define TN_FILTER_DIGEST_LEN 32

enum tn_filter_verdict {
	TN_FILTER_DROP = 0,
	TN_FILTER_ACCEPT = 1,
};

/* Why: for counters, logs and tests. */
enum tn_filter_reason {
	TN_FILTER_EMPTY,            /* accept: zero-length (a keepalive) */
	TN_FILTER_TOO_SHORT,        /* drop: under 20 bytes */
	TN_FILTER_MALFORMED,        /* drop: not IP, truncated, bad header */
	TN_FILTER_MULTICAST,        /* drop */
	TN_FILTER_LINK_LOCAL,       /* drop */
	TN_FILTER_FRAGMENT,         /* accept: non-first fragment */
	TN_FILTER_NOT_LOCAL,        /* drop: destination not ours */
	TN_FILTER_ICMP_RESPONSE,    /* accept: echo reply or error */
	TN_FILTER_ICMP_OK,          /* accept */
	TN_FILTER_TCP_NON_SYN,      /* accept */
	TN_FILTER_TCP_OK,           /* accept: SYN allowed by a rule */
	TN_FILTER_CONNTRACK,        /* accept: reply to our UDP/SCTP flow */
	TN_FILTER_UDP_OK,           /* accept: UDP/SCTP allowed by a rule */
	TN_FILTER_TSMP,             /* accept */
	TN_FILTER_OTHER_OK,         /* accept: other protocol, all ports */
	TN_FILTER_NO_RULE,          /* drop: no rule matched (or shields up) */
	TN_FILTER_OUTBOUND,         /* accept: outbound */
	TN_FILTER_REASON_COUNT
};

/* Flags of tn_filter_run_in. */
#define TN_FILTER_SHIELDS_UP 0x1u

/* Compiles cfg.  0 with *out set, or -ENOMEM / -E2BIG (over 2^32 entries).
 * Entries that were skipped are described in warn[0..warnlen) (the first
 * one and how many; "" when none) for the caller to log once. */
int tn_filter_new(struct tn_filter **out, const struct tn_filter_config *cfg, char *warn,
		  size_t warnlen);
void tn_filter_free(struct tn_filter *f);

/* A digest of everything compilation reads from cfg, for cheap change
 * detection: the same digest compiles to the same filter.  0 or -ENOMEM. */
int tn_filter_config_digest(const struct tn_filter_config *cfg,
			    uint8_t out[TN_FILTER_DIGEST_LEN]);
/* The digest of the config f was compiled from. */
const uint8_t *tn_filter_digest(const struct tn_filter *f);

/* Sizes after compilation: rules given, source/destination groups, ranges. */
struct tn_filter_info {
	size_t rules, groups, ranges, skipped;
	bool denies_all;            /* legacy rules refused: nothing allowed */
};
void tn_filter_info(const struct tn_filter *f, struct tn_filter_info *out);

/* The verdict on a packet from a peer.  f NULL means no filter yet: no
 * local addresses, nothing allowed.  ct may be NULL (no replies known).
 * why (optional) receives the reason. */
enum tn_filter_verdict tn_filter_run_in(const struct tn_filter *f, struct tn_conntrack *ct,
					const uint8_t *pkt, size_t len, unsigned flags,
					enum tn_filter_reason *why);
/* The same on a packet already parsed. */
enum tn_filter_verdict tn_filter_check_in(const struct tn_filter *f, struct tn_conntrack *ct,
					  const struct tn_packet *p, unsigned flags,
					  enum tn_filter_reason *why);

/* The verdict on a packet from the host to a peer; notes UDP/SCTP flows
 * in ct (which may be NULL). */
enum tn_filter_verdict tn_filter_run_out(struct tn_conntrack *ct, const uint8_t *pkt, size_t len,
					 enum tn_filter_reason *why);

const char *tn_filter_reason_name(enum tn_filter_reason r);

#endif

/* The compiled form of a packet filter, shared by its compiler
 * (filter_compile.c) and its matcher (filter.c).  Internal to src/filter. */
#ifndef TN_FILTER_FILTER_INTERNAL_H
#define TN_FILTER_FILTER_INTERNAL_H

#include "filter/filter.h"
#include "filter/ipset.h"

/* One (protocols, destination range, port range) with the union of the
 * sources of every rule entry that has it.  Sources are slices of the
 * family's range pool: src holds all (addresses and capability holders),
 * plain the addresses alone (Go's other-protocol check ignores
 * capabilities); they are the same slice when no capability is involved. */
struct tn_filter_group {
	uint64_t proto[4];          /* bitmap of IP protocol numbers */
	struct tn_addr128 dlo, dhi;
	uint16_t pfirst, plast;
	uint32_t src, n_src;
	uint32_t plain, n_plain;
};

/* For ICMP: a destination range and every address source that may reach
 * it on any port or protocol. */
struct tn_filter_reach {
	struct tn_addr128 dlo, dhi;
	uint32_t src, n_src;
};

/* Which groups may match a destination port.  The port space is cut at
 * every group's first and last+1 port into segments; each segment lists
 * the groups covering all of it.  A group spanning more than
 * TN_FILTER_BROAD_SEGMENTS segments (all ports, wide ranges) is listed
 * once in broad instead, and checked for every port: so the index stays
 * within that many entries per group whatever the ranges overlap. */
#define TN_FILTER_BROAD_SEGMENTS 32

struct tn_filter_portindex {
	uint16_t *start;            /* segment k: start[k] .. start[k+1]-1 */
	uint32_t *off;              /* segment k's groups: ids[off[k]..off[k+1]) */
	uint32_t *ids;
	size_t n_seg;
	uint32_t *broad;
	size_t n_broad;
	uint32_t *all_ports;        /* groups for ports 0-65535 */
	size_t n_all_ports;
};

/* Builds ix over groups[0..n).  0 or -ENOMEM. */
int tn_filter_portindex_build(struct tn_filter_portindex *ix, const struct tn_filter_group *groups,
			      size_t n);
void tn_filter_portindex_free(struct tn_filter_portindex *ix);

struct tn_filter_family {
	struct tn_ipset_range *local;     /* normalized */
	size_t n_local;
	struct tn_ipset_range *pool;
	size_t n_pool;
	struct tn_filter_group *groups;
	size_t n_groups;
	struct tn_filter_portindex ports;
	struct tn_filter_reach *reach;
	size_t n_reach;
	/* ICMP: capability holders named by a rule with a destination in this
	 * family may reach any local address (Go's matchIPsOnly). */
	uint32_t cap_src, n_cap_src;
};

struct tn_filter {
	struct tn_filter_family fam[2];   /* [0] IPv4, [1] IPv6 */
	uint8_t digest[TN_FILTER_DIGEST_LEN];
	size_t n_rules, n_skipped;
	bool denies_all;
};

static inline bool tn_filter_proto_has(const uint64_t proto[4], uint8_t p)
{
	return proto[p >> 6] >> (p & 63) & 1;
}

#endif

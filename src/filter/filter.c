/* The packet filter's verdicts (see filter.h): Go's Filter.pre, runIn4/6,
 * runOut and the three match kinds of match.go, over the compiled form of
 * filter_compile.c. */
#include "filter/filter_internal.h"

#include "util/clock.h"

/* 169.254.169.254: the cloud metadata/DNS address Go lets through the
 * link-local drop. */
#define METADATA_ADDR4 0xa9fea9feu

static const char *const reason_names[TN_FILTER_REASON_COUNT] = {
	[TN_FILTER_EMPTY] = "empty",
	[TN_FILTER_TOO_SHORT] = "too short",
	[TN_FILTER_MALFORMED] = "malformed or unknown protocol",
	[TN_FILTER_MULTICAST] = "multicast",
	[TN_FILTER_LINK_LOCAL] = "link-local unicast",
	[TN_FILTER_FRAGMENT] = "fragment",
	[TN_FILTER_NOT_LOCAL] = "destination not allowed",
	[TN_FILTER_ICMP_RESPONSE] = "icmp response ok",
	[TN_FILTER_ICMP_OK] = "icmp ok",
	[TN_FILTER_TCP_NON_SYN] = "tcp non-syn",
	[TN_FILTER_TCP_OK] = "tcp ok",
	[TN_FILTER_CONNTRACK] = "cached",
	[TN_FILTER_UDP_OK] = "ok",
	[TN_FILTER_TSMP] = "tsmp ok",
	[TN_FILTER_OTHER_OK] = "other-portless ok",
	[TN_FILTER_NO_RULE] = "no rules matched",
	[TN_FILTER_OUTBOUND] = "ok out",
};

const char *tn_filter_reason_name(enum tn_filter_reason r)
{
	return (unsigned)r < TN_FILTER_REASON_COUNT ? reason_names[r] : "?";
}

static bool in_range(struct tn_addr128 a, struct tn_addr128 lo, struct tn_addr128 hi)
{
	return tn_addr128_le(lo, a) && tn_addr128_le(a, hi);
}

static bool group_matches(const struct tn_filter_family *ff, const struct tn_filter_group *g,
			  const struct tn_packet *p)
{
	return tn_filter_proto_has(g->proto, p->proto) && in_range(p->dst, g->dlo, g->dhi) &&
	       tn_ipset_contains(ff->pool + g->src, g->n_src, p->src);
}

/* Go's matches.match: protocol, source, destination and port. */
static bool match(const struct tn_filter_family *ff, const struct tn_packet *p)
{
	const struct tn_filter_portindex *ix = &ff->ports;
	size_t lo = 0, hi = ix->n_seg;

	/* The segment of the port: the last one starting at or before it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->start[mid] <= p->dport)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo) {
		/* Its groups cover it entirely: no port check. */
		for (uint32_t i = ix->off[lo - 1]; i < ix->off[lo]; i++)
			if (group_matches(ff, &ff->groups[ix->ids[i]], p))
				return true;
	}
	for (size_t i = 0; i < ix->n_broad; i++) {
		const struct tn_filter_group *g = &ff->groups[ix->broad[i]];

		if (p->dport >= g->pfirst && p->dport <= g->plast && group_matches(ff, g, p))
			return true;
	}
	return false;
}

/* Go's matchIPsOnly, for ICMP: any rule from the source to the
 * destination, whatever its ports and protocols; or a capability rule. */
static bool match_ips_only(const struct tn_filter_family *ff, const struct tn_packet *p)
{
	for (size_t i = 0; i < ff->n_reach; i++) {
		const struct tn_filter_reach *r = &ff->reach[i];

		if (in_range(p->dst, r->dlo, r->dhi) &&
		    tn_ipset_contains(ff->pool + r->src, r->n_src, p->src))
			return true;
	}
	return tn_ipset_contains(ff->pool + ff->cap_src, ff->n_cap_src, p->src);
}

/* Go's matchProtoAndIPsOnlyIfAllPorts, for protocols without ports. */
static bool match_all_ports(const struct tn_filter_family *ff, const struct tn_packet *p)
{
	for (size_t i = 0; i < ff->ports.n_all_ports; i++) {
		const struct tn_filter_group *g = &ff->groups[ff->ports.all_ports[i]];

		if (tn_filter_proto_has(g->proto, p->proto) && in_range(p->dst, g->dlo, g->dhi) &&
		    tn_ipset_contains(ff->pool + g->plain, g->n_plain, p->src))
			return true;
	}
	return false;
}

static enum tn_filter_verdict verdict(enum tn_filter_reason r, enum tn_filter_reason *why)
{
	if (why)
		*why = r;
	switch (r) {
	case TN_FILTER_EMPTY:
	case TN_FILTER_FRAGMENT:
	case TN_FILTER_ICMP_RESPONSE:
	case TN_FILTER_ICMP_OK:
	case TN_FILTER_TCP_NON_SYN:
	case TN_FILTER_TCP_OK:
	case TN_FILTER_CONNTRACK:
	case TN_FILTER_UDP_OK:
	case TN_FILTER_TSMP:
	case TN_FILTER_OTHER_OK:
	case TN_FILTER_OUTBOUND:
		return TN_FILTER_ACCEPT;
	default:
		return TN_FILTER_DROP;
	}
}

/* Go's Filter.pre, the same in both directions; TN_FILTER_REASON_COUNT
 * when it has no verdict. */
static enum tn_filter_reason pre(const struct tn_packet *p)
{
	if (p->len == 0)
		return TN_FILTER_EMPTY;
	if (p->len < 20)
		return TN_FILTER_TOO_SHORT;
	if (p->proto == TN_IPPROTO_UNKNOWN)
		return TN_FILTER_MALFORMED;
	if (tn_addr128_is_multicast(p->version, p->dst))
		return TN_FILTER_MULTICAST;
	if (tn_addr128_is_link_local_unicast(p->version, p->dst) &&
	    !(p->version == 4 && p->dst.lo == METADATA_ADDR4))
		return TN_FILTER_LINK_LOCAL;
	if (p->proto == TN_IPPROTO_FRAGMENT)
		return TN_FILTER_FRAGMENT;
	return TN_FILTER_REASON_COUNT;
}

enum tn_filter_verdict tn_filter_check_in(const struct tn_filter *f, struct tn_conntrack *ct,
					  const struct tn_packet *p, unsigned flags,
					  enum tn_filter_reason *why)
{
	enum tn_filter_reason r = pre(p);
	const struct tn_filter_family *ff;
	bool rules = !(flags & TN_FILTER_SHIELDS_UP);

	if (r != TN_FILTER_REASON_COUNT)
		return verdict(r, why);
	ff = f ? &f->fam[p->version == 6] : NULL;
	/* A peer may only send to our addresses and the routes we serve. */
	if (!ff || !tn_ipset_contains(ff->local, ff->n_local, p->dst))
		return verdict(TN_FILTER_NOT_LOCAL, why);
	switch (p->proto) {
	case TN_IPPROTO_ICMP:
	case TN_IPPROTO_ICMPV6:
		if ((p->proto == TN_IPPROTO_ICMP) != (p->version == 4))
			break;          /* the other family's ICMP: any protocol */
		if (tn_packet_is_echo_reply(p) || tn_packet_is_icmp_error(p))
			return verdict(TN_FILTER_ICMP_RESPONSE, why);
		if (rules && match_ips_only(ff, p))
			return verdict(TN_FILTER_ICMP_OK, why);
		return verdict(TN_FILTER_NO_RULE, why);
	case TN_IPPROTO_TCP:
		/* Only a SYN opens a connection; the rest belongs to one the
		 * host accepted or started. */
		if (!tn_packet_is_tcp_syn(p))
			return verdict(TN_FILTER_TCP_NON_SYN, why);
		if (rules && match(ff, p))
			return verdict(TN_FILTER_TCP_OK, why);
		return verdict(TN_FILTER_NO_RULE, why);
	case TN_IPPROTO_UDP:
	case TN_IPPROTO_SCTP:
		if (ct && tn_conntrack_lookup(ct, p, tn_clock_now()))
			return verdict(TN_FILTER_CONNTRACK, why);
		if (rules && match(ff, p))
			return verdict(TN_FILTER_UDP_OK, why);
		return verdict(TN_FILTER_NO_RULE, why);
	case TN_IPPROTO_TSMP:
		return verdict(TN_FILTER_TSMP, why);
	default:
		break;
	}
	if (rules && match_all_ports(ff, p))
		return verdict(TN_FILTER_OTHER_OK, why);
	return verdict(TN_FILTER_NO_RULE, why);
}

enum tn_filter_verdict tn_filter_run_in(const struct tn_filter *f, struct tn_conntrack *ct,
					const uint8_t *pkt, size_t len, unsigned flags,
					enum tn_filter_reason *why)
{
	struct tn_packet p;

	tn_packet_parse(&p, pkt, len);
	return tn_filter_check_in(f, ct, &p, flags, why);
}

enum tn_filter_verdict tn_filter_run_out(struct tn_conntrack *ct, const uint8_t *pkt, size_t len,
					 enum tn_filter_reason *why)
{
	struct tn_packet p;
	enum tn_filter_reason r;

	tn_packet_parse(&p, pkt, len);
	r = pre(&p);
	if (r != TN_FILTER_REASON_COUNT)
		return verdict(r, why);
	if (ct && (p.proto == TN_IPPROTO_UDP || p.proto == TN_IPPROTO_SCTP))
		tn_conntrack_note(ct, &p, tn_clock_now());
	return verdict(TN_FILTER_OUTBOUND, why);
}

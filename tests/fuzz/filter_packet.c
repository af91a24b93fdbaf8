/* IP packets through the filter's header parser and verdicts
 * (src/filter/packet.c, filter.c, conntrack.c).
 *
 * The input is a sequence of records: one flag byte (bit 0: outbound),
 * a length byte, then that many packet bytes (a record longer than the
 * input takes what is left).  Inbound packets are judged with and without
 * shields up.  Each packet is parsed from an
 * exact-size heap copy (ASan sees any read past it) and run inbound or
 * outbound through one filter and one small conntrack table that live for
 * the whole run, on the virtual clock (1 s per record).
 *
 * Whatever the bytes: no crash; the parse is self-consistent (no
 * protocol without a version, ports only for TCP/UDP/SCTP, ICMP fields
 * only for the family's ICMP); a verdict agrees with its reason; shields
 * up never accept what the filter drops; and a UDP packet we send makes
 * its exact reply acceptable right after.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/tailcfg.h"
#include "filter/filter.h"
#include "util/clock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tn_filter *filter;
static struct tn_conntrack *ct;

static bool accepting(enum tn_filter_reason r)
{
	switch (r) {
	case TN_FILTER_EMPTY: case TN_FILTER_FRAGMENT: case TN_FILTER_ICMP_RESPONSE:
	case TN_FILTER_ICMP_OK: case TN_FILTER_TCP_NON_SYN: case TN_FILTER_TCP_OK:
	case TN_FILTER_CONNTRACK: case TN_FILTER_UDP_OK: case TN_FILTER_TSMP:
	case TN_FILTER_OTHER_OK: case TN_FILTER_OUTBOUND:
		return true;
	default:
		return false;
	}
}

static void setup(void)
{
	static const char rules[] =
		"[{\"SrcIPs\":[\"100.64.0.0/10\",\"fd7a:115c:a1e0::/48\"],\"DstPorts\":["
		"{\"IP\":\"*\",\"Ports\":{\"First\":22,\"Last\":22}},{\"IP\":\"*\",\"Ports\":{\"First\":80,\"Last\":443}}]},"
		"{\"SrcIPs\":[\"*\"],\"IPProto\":[47,132],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]}]";
	static const char *const locals[] = { "0.0.0.0/0", "::/0" };
	struct tn_tailcfg_filter_rule *r;
	const struct tn_tailcfg_filter_rule *ptrs[2];
	struct tn_tailcfg_prefix local[2];
	struct tn_filter_config cfg = { 0 };
	char err[TN_TAILCFG_ERR_MAX];
	json_t *v = json_loads(rules, 0, NULL);
	size_t n;

	if (!v || tn_tailcfg_filter_rules_parse(&r, &n, v, err, sizeof(err)) || n != 2)
		abort();
	json_decref(v);
	for (size_t i = 0; i < 2; i++) {
		ptrs[i] = &r[i];
		if (tn_tailcfg_prefix_parse(&local[i], locals[i], strlen(locals[i])))
			abort();
	}
	cfg.rules = ptrs;
	cfg.n_rules = 2;
	cfg.local = local;
	cfg.n_local = 2;
	if (tn_filter_new(&filter, &cfg, NULL, 0) || !(ct = tn_conntrack_new(64)))
		abort();
	tn_tailcfg_filter_rules_free(r, n);
	tn_clock_set_virtual(true, 1);
}

static void check_parse(const struct tn_packet *p, size_t len)
{
	bool ported = p->proto == TN_IPPROTO_TCP || p->proto == TN_IPPROTO_UDP ||
		      p->proto == TN_IPPROTO_SCTP;

	if (p->len != len || (p->version != 0 && p->version != 4 && p->version != 6))
		__builtin_trap();
	if (p->version == 0 && p->proto != TN_IPPROTO_UNKNOWN)
		__builtin_trap();
	if (!ported && (p->sport || p->dport))
		__builtin_trap();
	if (p->icmp_full && p->proto != (p->version == 4 ? TN_IPPROTO_ICMP : TN_IPPROTO_ICMPV6))
		__builtin_trap();
	if (p->tcp_flags && p->proto != TN_IPPROTO_TCP)
		__builtin_trap();
	if (p->version == 4 && (p->src.hi || p->dst.hi || p->src.lo >> 32 || p->dst.lo >> 32))
		__builtin_trap();
}

/* The reply to an outbound packet: addresses and ports swapped. */
static void reverse(uint8_t *b, size_t len)
{
	size_t off = b[0] >> 4 == 4 ? 12 : 8, alen = b[0] >> 4 == 4 ? 4 : 16;
	size_t l4 = b[0] >> 4 == 4 ? (size_t)(b[0] & 0x0f) * 4 : 40;
	uint8_t t[16];

	memcpy(t, b + off, alen);
	memmove(b + off, b + off + alen, alen);
	memcpy(b + off + alen, t, alen);
	if (l4 + 4 <= len) {
		memcpy(t, b + l4, 2);
		memmove(b + l4, b + l4 + 2, 2);
		memcpy(b + l4 + 2, t, 2);
	}
}

static void one(uint8_t flags, const uint8_t *pkt, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum tn_filter_reason why, why_s;
	enum tn_filter_verdict v, vs;
	struct tn_packet p;

	if (!copy)
		return;
	memcpy(copy, pkt, len);
	tn_packet_parse(&p, copy, len);
	check_parse(&p, len);
	if (flags & 1) {
		v = tn_filter_run_out(ct, copy, len, &why);
		if ((v == TN_FILTER_ACCEPT) != accepting(why))
			__builtin_trap();
		if (v == TN_FILTER_ACCEPT && p.proto == TN_IPPROTO_UDP) {
			reverse(copy, len);
			v = tn_filter_run_in(filter, ct, copy, len, 0, &why);
			if (v != TN_FILTER_ACCEPT &&
			    !(why == TN_FILTER_MULTICAST || why == TN_FILTER_LINK_LOCAL))
				__builtin_trap();
		}
	} else {
		v = tn_filter_run_in(filter, ct, copy, len, 0, &why);
		vs = tn_filter_run_in(filter, ct, copy, len, TN_FILTER_SHIELDS_UP, &why_s);
		if ((v == TN_FILTER_ACCEPT) != accepting(why) ||
		    (vs == TN_FILTER_ACCEPT) != accepting(why_s) ||
		    (vs == TN_FILTER_ACCEPT && v != TN_FILTER_ACCEPT))
			__builtin_trap();
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0;

	if (!filter)
		setup();
	while (i + 2 <= size) {
		uint8_t flags = data[i];
		size_t len = data[i + 1];

		i += 2;
		if (len > size - i)
			len = size - i;
		one(flags, data + i, len);
		i += len;
		tn_clock_advance(TN_NSEC_PER_SEC);
	}
	return 0;
}

/* The packet filter's verdicts: tables of packets and the verdict a Go
 * peer gives them under the same rules (the cases of tailscale's
 * wgengine/filter tests, re-derived with our own rules and addresses),
 * plus the pre-checks, ICMP, other protocols, capabilities, shields up,
 * invalid and legacy rules, grouping at scale and the config digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "testpkt.h"

#define A TN_FILTER_ACCEPT
#define D TN_FILTER_DROP

struct tcase {
	enum tn_filter_verdict want;
	uint8_t proto;
	const char *src, *dst;
	uint16_t dport;
	uint8_t flags;                 /* TCP flags or ICMP type */
	enum tn_filter_reason why;
};

static void run_table(const struct tn_filter *f, struct tn_conntrack *ct, unsigned fl,
		      const struct tcase *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum tn_filter_reason why = TN_FILTER_REASON_COUNT;
		enum tn_filter_verdict got = run_in(f, ct, fl, t[i].proto, t[i].src, t[i].dst,
						    40000, t[i].dport, t[i].flags, &why);

		if (got != t[i].want || why != t[i].why)
			fail_msg("case %zu: proto %u %s -> %s:%u: got %s (%s), want %s (%s)", i,
				 t[i].proto, t[i].src, t[i].dst, t[i].dport,
				 got == A ? "accept" : "drop", tn_filter_reason_name(why),
				 t[i].want == A ? "accept" : "drop", tn_filter_reason_name(t[i].why));
	}
}

#define SYN TN_TCP_SYN
#define TCP TN_IPPROTO_TCP
#define UDP TN_IPPROTO_UDP
#define SCTP TN_IPPROTO_SCTP
#define ICMP TN_IPPROTO_ICMP
#define ICMP6 TN_IPPROTO_ICMPV6

/* Ports, sources, destinations and protocols of TCP and UDP rules. */
static void ports_sources_destinations(void **state)
{
	static const char rules[] = "["
		"{\"SrcIPs\":[\"100.64.0.1\",\"100.64.0.2\"],\"DstPorts\":["
		" {\"IP\":\"100.100.1.1\",\"Ports\":{\"First\":22,\"Last\":22}},"
		" {\"IP\":\"100.100.2.2\",\"Ports\":{\"First\":80,\"Last\":81}}]},"
		"{\"SrcIPs\":[\"100.64.9.1\"],\"IPProto\":[132],\"DstPorts\":["
		" {\"IP\":\"100.100.1.1\",\"Ports\":{\"First\":22,\"Last\":22}}]},"
		"{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"100.100.3.3\",\"Ports\":{\"First\":0,\"Last\":65535}}]},"
		"{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"100.90.0.0/16\",\"Ports\":{\"First\":443,\"Last\":443}},"
		" {\"IP\":\"fd00:443::/32\",\"Ports\":{\"First\":443,\"Last\":443}}]},"
		"{\"SrcIPs\":[\"fd7a::1\",\"fd7a::2\"],\"DstPorts\":["
		" {\"IP\":\"fd00::1\",\"Ports\":{\"First\":22,\"Last\":22}},"
		" {\"IP\":\"fd00::2\",\"Ports\":{\"First\":22,\"Last\":22}}]},"
		"{\"SrcIPs\":[\"100.64.5.0-100.64.5.9\"],\"IPProto\":[17],\"DstPorts\":["
		" {\"IP\":\"100.100.1.0-100.100.1.255\",\"Ports\":{\"First\":5000,\"Last\":5010}}]},"
		"{\"SrcIPs\":[\"100.64.0.1\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":8080,\"Last\":8080}}]}"
		"]";
	static const char *const locals[] = {
		"100.100.1.0/24", "100.100.2.2", "100.100.3.3", "100.90.0.0/16", "fd00::/16", NULL,
	};
	static const struct tcase t[] = {
		/* a port and a port range of one rule */
		{ A, TCP, "100.64.0.1", "100.100.1.1", 22, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "100.64.0.1", "100.100.1.1", 21, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.0.1", "100.100.1.1", 23, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.0.1", "100.100.1.1", 0, SYN, TN_FILTER_NO_RULE },
		{ A, TCP, "100.64.0.2", "100.100.1.1", 22, SYN, TN_FILTER_TCP_OK },
		{ A, TCP, "100.64.0.2", "100.100.2.2", 80, SYN, TN_FILTER_TCP_OK },
		{ A, TCP, "100.64.0.2", "100.100.2.2", 81, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "100.64.0.2", "100.100.2.2", 82, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.0.2", "100.100.2.2", 22, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.0.2", "100.100.1.1", 80, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.0.3", "100.100.1.1", 22, SYN, TN_FILTER_NO_RULE },
		/* the default protocols do not include SCTP; an SCTP rule does */
		{ A, UDP, "100.64.0.1", "100.100.1.1", 22, 0, TN_FILTER_UDP_OK },
		{ D, SCTP, "100.64.0.1", "100.100.1.1", 22, 0, TN_FILTER_NO_RULE },
		{ A, SCTP, "100.64.9.1", "100.100.1.1", 22, 0, TN_FILTER_UDP_OK },
		{ D, TCP, "100.64.9.1", "100.100.1.1", 22, SYN, TN_FILTER_NO_RULE },
		{ D, UDP, "100.64.9.1", "100.100.1.1", 22, 0, TN_FILTER_NO_RULE },
		/* "*" to all ports of one address */
		{ A, TCP, "8.8.8.8", "100.100.3.3", 1, SYN, TN_FILTER_TCP_OK },
		{ A, TCP, "100.64.0.77", "100.100.3.3", 0, SYN, TN_FILTER_TCP_OK },
		{ A, UDP, "100.64.0.77", "100.100.3.3", 65535, 0, TN_FILTER_UDP_OK },
		/* "*" to a CIDR at one port, both families */
		{ A, TCP, "1.2.3.4", "100.90.7.7", 443, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "1.2.3.4", "100.90.7.7", 444, SYN, TN_FILTER_NO_RULE },
		{ A, TCP, "2001:db8::9", "fd00:443::5", 443, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "2001:db8::9", "fd00:444::5", 443, SYN, TN_FILTER_NO_RULE },
		/* IPv6 sources and destinations */
		{ A, TCP, "fd7a::1", "fd00::1", 22, SYN, TN_FILTER_TCP_OK },
		{ A, TCP, "fd7a::2", "fd00::2", 22, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "fd7a::1", "fd00::3", 22, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "fd7a::3", "fd00::1", 22, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "fd7a::1", "fd00::1", 23, SYN, TN_FILTER_NO_RULE },
		/* an IPv4 rule says nothing about the IPv4-mapped IPv6 source */
		{ D, TCP, "::ffff:100.64.0.1", "fd00::1", 22, SYN, TN_FILTER_NO_RULE },
		/* ranges as sources and destinations, UDP only */
		{ A, UDP, "100.64.5.0", "100.100.1.0", 5000, 0, TN_FILTER_UDP_OK },
		{ A, UDP, "100.64.5.9", "100.100.1.255", 5010, 0, TN_FILTER_UDP_OK },
		{ D, UDP, "100.64.5.10", "100.100.1.9", 5005, 0, TN_FILTER_NO_RULE },
		{ D, UDP, "100.64.4.255", "100.100.1.9", 5005, 0, TN_FILTER_NO_RULE },
		{ D, UDP, "100.64.5.5", "100.100.1.9", 5011, 0, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.5.5", "100.100.1.9", 5005, SYN, TN_FILTER_NO_RULE },
		/* a destination "*" reaches only what is local */
		{ A, TCP, "100.64.0.1", "100.100.1.200", 8080, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "fd7a::1", "fd00::99", 8080, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.0.1", "100.101.0.1", 8080, SYN, TN_FILTER_NOT_LOCAL },
		{ D, TCP, "fd7a::1", "fd01::1", 8080, SYN, TN_FILTER_NOT_LOCAL },
		{ D, TCP, "8.8.8.8", "16.32.48.64", 443, SYN, TN_FILTER_NOT_LOCAL },
	};
	struct tn_filter *f = compile(rules, locals);
	struct tn_filter_info info;

	tn_filter_info(f, &info);
	assert_int_equal(info.rules, 7);
	assert_int_equal(info.skipped, 0);
	assert_false(info.denies_all);
	run_table(f, NULL, 0, t, sizeof(t) / sizeof(t[0]));
	tn_filter_free(f);
}

/* ICMP: replies and errors always; requests when any rule lets the
 * source reach the destination, whatever its ports and protocols. */
static void icmp(void **state)
{
	static const char rules[] = "["
		"{\"SrcIPs\":[\"100.64.0.1\",\"fd7a::1\"],\"IPProto\":[6],\"DstPorts\":["
		" {\"IP\":\"100.100.1.1\",\"Ports\":{\"First\":22,\"Last\":22}},"
		" {\"IP\":\"fd00::1\",\"Ports\":{\"First\":22,\"Last\":22}}]},"
		"{\"SrcIPs\":[\"100.64.0.7\"],\"IPProto\":[300],\"DstPorts\":["
		" {\"IP\":\"100.100.1.1\",\"Ports\":{\"First\":1,\"Last\":1}}]}"
		"]";
	static const char *const locals[] = { "100.100.1.0/24", "fd00::/16", NULL };
	static const struct tcase t[] = {
		{ A, ICMP, "100.64.0.1", "100.100.1.1", 0, 8, TN_FILTER_ICMP_OK },
		{ D, ICMP, "100.64.0.1", "100.100.1.2", 0, 8, TN_FILTER_NO_RULE },
		{ D, ICMP, "100.64.0.2", "100.100.1.1", 0, 8, TN_FILTER_NO_RULE },
		/* a rule whose protocols are all invalid still opens ICMP */
		{ A, ICMP, "100.64.0.7", "100.100.1.1", 0, 8, TN_FILTER_ICMP_OK },
		{ D, TCP, "100.64.0.7", "100.100.1.1", 1, SYN, TN_FILTER_NO_RULE },
		/* echo reply (0), unreachable (3), time exceeded (11), parameter
		 * problem (12): from anyone */
		{ A, ICMP, "100.64.0.2", "100.100.1.2", 0, 0, TN_FILTER_ICMP_RESPONSE },
		{ A, ICMP, "100.64.0.2", "100.100.1.2", 0, 3, TN_FILTER_ICMP_RESPONSE },
		{ A, ICMP, "100.64.0.2", "100.100.1.2", 0, 11, TN_FILTER_ICMP_RESPONSE },
		{ A, ICMP, "100.64.0.2", "100.100.1.2", 0, 12, TN_FILTER_ICMP_RESPONSE },
		{ D, ICMP, "100.64.0.2", "100.100.1.2", 0, 5, TN_FILTER_NO_RULE },
		{ D, ICMP, "100.64.0.2", "100.100.1.2", 0, 13, TN_FILTER_NO_RULE },
		/* but only to local addresses */
		{ D, ICMP, "100.64.0.2", "100.101.0.1", 0, 0, TN_FILTER_NOT_LOCAL },
		/* ICMPv6: echo request 128, reply 129, errors 1-4 */
		{ A, ICMP6, "fd7a::1", "fd00::1", 0, 128, TN_FILTER_ICMP_OK },
		{ D, ICMP6, "fd7a::2", "fd00::1", 0, 128, TN_FILTER_NO_RULE },
		{ A, ICMP6, "fd7a::2", "fd00::1", 0, 129, TN_FILTER_ICMP_RESPONSE },
		{ A, ICMP6, "fd7a::2", "fd00::1", 0, 1, TN_FILTER_ICMP_RESPONSE },
		{ A, ICMP6, "fd7a::2", "fd00::1", 0, 2, TN_FILTER_ICMP_RESPONSE },
		{ A, ICMP6, "fd7a::2", "fd00::1", 0, 4, TN_FILTER_ICMP_RESPONSE },
		{ D, ICMP6, "fd7a::2", "fd00::1", 0, 135, TN_FILTER_NO_RULE },
		/* ICMPv4 inside IPv6 (and v6 in v4) is just another protocol */
		{ D, ICMP, "fd7a::1", "fd00::1", 0, 0, TN_FILTER_NO_RULE },
		{ D, ICMP6, "100.64.0.2", "100.100.1.1", 0, 129, TN_FILTER_NO_RULE },
	};
	struct tn_filter *f = compile(rules, locals);
	uint8_t b[PKT_MAX];
	size_t len;

	run_table(f, NULL, 0, t, sizeof(t) / sizeof(t[0]));
	/* An echo reply with a non-zero code is not a reply. */
	len = mkpkt(b, ICMP, "100.64.0.2", "100.100.1.1", 0, 0, 0);
	b[21] = 1;
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, NULL), D);
	/* A 4-byte ICMP header is valid, but too short to be a reply. */
	len = mkpkt(b, ICMP, "100.64.0.2", "100.100.1.1", 0, 0, 0) - 4;
	b[3] = (uint8_t)len;
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, NULL), D);
	len = mkpkt(b, ICMP, "100.64.0.1", "100.100.1.1", 0, 0, 8) - 4;
	b[3] = (uint8_t)len;
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, NULL), A);
	tn_filter_free(f);
}

/* Protocols without ports pass only a rule for all ports; TSMP always. */
static void other_protocols(void **state)
{
	static const char rules[] = "["
		"{\"SrcIPs\":[\"*\"],\"IPProto\":[116],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]},"
		"{\"SrcIPs\":[\"*\"],\"IPProto\":[47],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65534}}]},"
		"{\"SrcIPs\":[\"*\"],\"IPProto\":[44],\"DstPorts\":[{\"IP\":\"fd00::1\",\"Ports\":{\"First\":0,\"Last\":65535}}]},"
		"{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"100.100.1.2\",\"Ports\":{\"First\":0,\"Last\":65535}},"
		" {\"IP\":\"fd00::2\",\"Ports\":{\"First\":0,\"Last\":65535}}]}"
		"]";
	static const char *const locals[] = { "100.100.1.1", "fd00::1", "100.100.1.2", "fd00::2", NULL };
	static const struct tcase t[] = {
		{ A, 116, "1.2.3.4", "100.100.1.1", 0, 0, TN_FILTER_OTHER_OK },
		{ A, 116, "2001::1", "fd00::1", 0, 0, TN_FILTER_OTHER_OK },
		{ D, 127, "1.2.3.4", "100.100.1.1", 0, 0, TN_FILTER_NO_RULE },
		{ D, 127, "2001::1", "fd00::1", 0, 0, TN_FILTER_NO_RULE },
		{ D, 47, "1.2.3.4", "100.100.1.1", 0, 0, TN_FILTER_NO_RULE },
		/* the IPv6 fragment header is a protocol to Go, too */
		{ A, 44, "2001::1", "fd00::1", 0, 0, TN_FILTER_OTHER_OK },
		{ A, TN_IPPROTO_TSMP, "1.2.3.4", "100.100.1.1", 0, 0, TN_FILTER_TSMP },
		{ A, TN_IPPROTO_TSMP, "2001::1", "fd00::1", 0, 0, TN_FILTER_TSMP },
		{ D, TN_IPPROTO_TSMP, "1.2.3.4", "100.100.9.9", 0, 0, TN_FILTER_NOT_LOCAL },
		/* a rule for 116 is not one for TCP */
		{ D, TCP, "1.2.3.4", "100.100.1.1", 80, SYN, TN_FILTER_NO_RULE },
		/* the default protocols include both ICMPs: the other family's
		 * ICMP is a portless protocol an all-ports rule lets in */
		{ A, ICMP6, "1.2.3.4", "100.100.1.2", 0, 128, TN_FILTER_OTHER_OK },
		{ A, ICMP, "2001::1", "fd00::2", 0, 8, TN_FILTER_OTHER_OK },
		{ D, ICMP6, "1.2.3.4", "100.100.1.1", 0, 128, TN_FILTER_NO_RULE },
		{ D, 127, "1.2.3.4", "100.100.1.2", 0, 0, TN_FILTER_NO_RULE },
	};
	struct tn_filter *f = compile(rules, locals);

	run_table(f, NULL, 0, t, sizeof(t) / sizeof(t[0]));
	tn_filter_free(f);
}

/* Only a SYN (without ACK) opens a TCP connection. */
static void tcp_without_syn(void **state)
{
	static const char *const locals[] = { "100.100.1.1", "fd00::1", NULL };
	static const struct tcase t[] = {
		{ A, TCP, "1.2.3.4", "100.100.1.1", 80, TN_TCP_ACK, TN_FILTER_TCP_NON_SYN },
		{ A, TCP, "1.2.3.4", "100.100.1.1", 80, SYN | TN_TCP_ACK, TN_FILTER_TCP_NON_SYN },
		{ A, TCP, "1.2.3.4", "100.100.1.1", 80, TN_TCP_RST, TN_FILTER_TCP_NON_SYN },
		{ A, TCP, "1.2.3.4", "100.100.1.1", 80, TN_TCP_FIN | TN_TCP_ACK, TN_FILTER_TCP_NON_SYN },
		{ A, TCP, "1.2.3.4", "100.100.1.1", 80, 0, TN_FILTER_TCP_NON_SYN },
		{ D, TCP, "1.2.3.4", "100.100.1.1", 80, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "1.2.3.4", "100.100.1.1", 80, SYN | TN_TCP_FIN, TN_FILTER_NO_RULE },
		{ A, TCP, "2001::1", "fd00::1", 80, TN_TCP_ACK, TN_FILTER_TCP_NON_SYN },
		{ D, TCP, "2001::1", "fd00::1", 80, SYN, TN_FILTER_NO_RULE },
		/* not to someone else's address, though */
		{ D, TCP, "1.2.3.4", "100.100.1.2", 80, TN_TCP_ACK, TN_FILTER_NOT_LOCAL },
	};
	struct tn_filter *f = compile("[]", locals);

	run_table(f, NULL, 0, t, sizeof(t) / sizeof(t[0]));
	tn_filter_free(f);
}

static void set_addr(struct tn_tailcfg_prefix *p, const char *text)
{
	test_prefixes(p, &text, 1);
}

/* "cap:NAME" sources: the single addresses of nodes with NAME in their
 * CapMap; ICMP from them reaches every local address. */
static void capability_sources(void **state)
{
	static const char rules[] = "["
		"{\"SrcIPs\":[\"cap:ssh-ok\",\"cap:\"],\"DstPorts\":[{\"IP\":\"100.100.1.1\",\"Ports\":{\"First\":22,\"Last\":22}},"
		" {\"IP\":\"fd00::1\",\"Ports\":{\"First\":22,\"Last\":22}}]},"
		"{\"SrcIPs\":[\"cap:people-in-8.8.8.0/24\"],\"IPProto\":[116],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]}"
		"]";
	static const char *const locals[] = { "100.100.1.0/24", "fd00::/16", NULL };
	char *caps_a[] = { "other", "ssh-ok", "zz" }, *caps_c[] = { "people-in-8.8.8.0/24" };
	struct tn_tailcfg_prefix pa[3], pb[1], pc[1];
	struct tn_tailcfg_node a = { 0 }, b = { 0 }, c = { 0 };
	struct tn_tailcfg_node *peers[] = { &a, &b, &c };
	struct tn_filter *f;
	static const struct tcase t[] = {
		{ A, TCP, "100.64.20.1", "100.100.1.1", 22, SYN, TN_FILTER_TCP_OK },
		{ A, TCP, "fd7a::20:1", "fd00::1", 22, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "100.64.20.1", "100.100.1.1", 23, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.20.2", "100.100.1.1", 22, SYN, TN_FILTER_NO_RULE },
		/* a prefix of a node is no single address: not the node */
		{ D, TCP, "10.1.0.5", "100.100.1.1", 22, SYN, TN_FILTER_NO_RULE },
		/* ICMP: a capability rule opens every local destination */
		{ A, ICMP, "100.64.20.1", "100.100.1.77", 0, 8, TN_FILTER_ICMP_OK },
		{ D, ICMP, "100.64.20.2", "100.100.1.77", 0, 8, TN_FILTER_NO_RULE },
		/* other protocols: Go ignores capabilities there */
		{ D, 116, "100.64.20.3", "100.100.1.1", 0, 0, TN_FILTER_NO_RULE },
	};

	a.cap_map = caps_a;
	a.n_cap_map = 3;
	a.addresses = pa;
	a.n_addresses = 3;
	set_addr(&pa[0], "100.64.20.1/32");
	set_addr(&pa[1], "fd7a::20:1/128");
	set_addr(&pa[2], "10.1.0.0/16");
	b.addresses = pb;
	b.n_addresses = 1;
	set_addr(&pb[0], "100.64.20.2/32");
	c.cap_map = caps_c;
	c.n_cap_map = 1;
	c.addresses = pc;
	c.n_addresses = 1;
	set_addr(&pc[0], "100.64.20.3/32");
	f = compile_with(rules, locals, NULL, peers, 3, NULL, 0);
	run_table(f, NULL, 0, t, sizeof(t) / sizeof(t[0]));
	/* The second rule is for protocol 116 only: a TCP SYN is no match. */
	assert_int_equal(run_in(f, NULL, 0, TCP, "100.64.20.3", "100.100.1.1", 1, 0, SYN, NULL), D);
	tn_filter_free(f);

	/* The same holder as the self node. */
	f = compile_with(rules, locals, &a, NULL, 0, NULL, 0);
	run_table(f, NULL, 0, t, 1);
	tn_filter_free(f);
}

/* Go's pre-checks, in both directions. */
static void pre_checks(void **state)
{
	static const char rules[] = "[{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]}]";
	static const char *const locals[] = { "0.0.0.0/0", "::/0", NULL };
	struct tn_filter *f = compile(rules, locals);
	enum tn_filter_reason why;
	uint8_t b[PKT_MAX];
	size_t len;

	assert_int_equal(tn_filter_run_in(f, NULL, b, 0, 0, &why), A);
	assert_int_equal(why, TN_FILTER_EMPTY);
	len = mkpkt(b, UDP, "1.2.3.4", "100.100.1.1", 53, 53, 0);
	assert_int_equal(tn_filter_run_in(f, NULL, b, 19, 0, &why), D);
	assert_int_equal(why, TN_FILTER_TOO_SHORT);
	/* Protocol 0 (IPv6 hop-by-hop, unsupported): junk. */
	b[9] = 0;
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), D);
	assert_int_equal(why, TN_FILTER_MALFORMED);
	/* Not IP at all. */
	len = mkpkt(b, UDP, "1.2.3.4", "100.100.1.1", 53, 53, 0);
	b[0] = 0x55;
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), D);
	assert_int_equal(why, TN_FILTER_MALFORMED);
	/* Multicast and link-local destinations, in and out. */
	len = mkpkt(b, UDP, "1.2.3.4", "224.0.0.251", 5353, 5353, 0);
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), D);
	assert_int_equal(why, TN_FILTER_MULTICAST);
	assert_int_equal(tn_filter_run_out(NULL, b, len, &why), D);
	assert_int_equal(why, TN_FILTER_MULTICAST);
	len = mkpkt(b, UDP, "fe80::1", "ff02::fb", 5353, 5353, 0);
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), D);
	assert_int_equal(why, TN_FILTER_MULTICAST);
	len = mkpkt(b, UDP, "2001::1", "::ffff:239.1.1.1", 5353, 5353, 0);
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), D);
	assert_int_equal(why, TN_FILTER_MULTICAST);
	len = mkpkt(b, TCP, "1.2.3.4", "169.254.1.1", 1, 80, SYN);
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), D);
	assert_int_equal(why, TN_FILTER_LINK_LOCAL);
	assert_int_equal(tn_filter_run_out(NULL, b, len, &why), D);
	len = mkpkt(b, TCP, "2001::1", "fe80::1", 1, 80, SYN);
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), D);
	assert_int_equal(why, TN_FILTER_LINK_LOCAL);
	len = mkpkt(b, TCP, "2001::1", "febf::1", 1, 80, SYN);
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), D);
	len = mkpkt(b, TCP, "2001::1", "fec0::1", 1, 80, SYN);
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), A);
	/* 169.254.169.254 passes the link-local check. */
	len = mkpkt(b, TCP, "1.2.3.4", "169.254.169.254", 1, 80, SYN);
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), A);
	assert_int_equal(why, TN_FILTER_TCP_OK);
	assert_int_equal(tn_filter_run_out(NULL, b, len, &why), A);
	assert_int_equal(why, TN_FILTER_OUTBOUND);
	/* A later fragment passes; one that starts before byte 80 is junk. */
	len = mkpkt(b, UDP, "1.2.3.4", "100.100.1.1", 53, 53, 0);
	b[6] = 0x00;
	b[7] = 10;
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), A);
	assert_int_equal(why, TN_FILTER_FRAGMENT);
	b[7] = 9;
	assert_int_equal(tn_filter_run_in(f, NULL, b, len, 0, &why), D);
	assert_int_equal(why, TN_FILTER_MALFORMED);
	tn_filter_free(f);

	/* Fragments pass even with no filter at all (Go's allow-none). */
	b[7] = 10;
	assert_int_equal(tn_filter_run_in(NULL, NULL, b, len, 0, &why), A);
	len = mkpkt(b, TCP, "1.2.3.4", "100.100.1.1", 1, 80, TN_TCP_ACK);
	assert_int_equal(tn_filter_run_in(NULL, NULL, b, len, 0, &why), D);
	assert_int_equal(why, TN_FILTER_NOT_LOCAL);
}

/* No rules, invalid entries, legacy rules. */
static void empty_invalid_and_legacy(void **state)
{
	static const char *const locals[] = { "100.100.1.1", NULL };
	static const char invalid[] = "["
		"{\"SrcIPs\":[\"100.64.0.1\",\"not-an-ip\",\"100.64.0.0/8\",\"100.64.0.9-100.64.0.3\","
		"  \"100.64.0.1-fd00::1\",\"1.2.3.4-5-6\"],"
		" \"DstPorts\":[{\"IP\":\"cap:x\",\"Ports\":{\"First\":1,\"Last\":1}},"
		"  {\"IP\":\"100.100.1.1/24\",\"Ports\":{\"First\":2,\"Last\":2}},"
		"  {\"IP\":\"100.100.1.1\",\"Ports\":{\"First\":3,\"Last\":3}}]},"
		"{\"SrcIPs\":[\"100.64.0.2\"]},"
		"{\"SrcIPs\":[],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]},"
		"{\"SrcIPs\":[\"100.64.0.3\"],\"DstPorts\":[{\"IP\":\"100.100.1.1\"}]},"
		"{\"SrcIPs\":[\"100.64.0.4\"],\"CapGrant\":[{\"Dsts\":[\"100.100.1.1/32\"],\"Caps\":[\"https://tailscale.com/cap/x\"]}]}"
		"]";
	static const struct tcase t[] = {
		{ A, TCP, "100.64.0.1", "100.100.1.1", 3, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "100.64.0.1", "100.100.1.1", 2, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.0.1", "100.100.1.1", 1, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.0.5", "100.100.1.1", 3, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "100.64.0.2", "100.100.1.1", 3, SYN, TN_FILTER_NO_RULE },
		/* a missing Ports object is port 0 only */
		{ A, TCP, "100.64.0.3", "100.100.1.1", 0, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "100.64.0.3", "100.100.1.1", 1, SYN, TN_FILTER_NO_RULE },
		/* CapGrant is no network access */
		{ D, TCP, "100.64.0.4", "100.100.1.1", 1, SYN, TN_FILTER_NO_RULE },
		{ D, ICMP, "100.64.0.4", "100.100.1.1", 0, 8, TN_FILTER_NO_RULE },
	};
	struct tn_filter_info info;
	struct tn_filter *f;
	char warn[160];

	f = compile_with("[]", locals, NULL, NULL, 0, warn, sizeof(warn));
	assert_string_equal(warn, "");
	assert_int_equal(run_in(f, NULL, 0, TCP, "100.64.0.1", "100.100.1.1", 1, 80, SYN, NULL), D);
	assert_int_equal(run_in(f, NULL, 0, ICMP, "100.64.0.1", "100.100.1.1", 0, 0, 8, NULL), D);
	tn_filter_free(f);

	f = compile_with(invalid, locals, NULL, NULL, 0, warn, sizeof(warn));
	tn_filter_info(f, &info);
	assert_int_equal(info.skipped, 7);
	assert_string_equal(warn, "rule 0: SrcIPs 1: invalid not-an-ip (and 6 more skipped)");
	run_table(f, NULL, 0, t, sizeof(t) / sizeof(t[0]));
	tn_filter_free(f);

	/* One rule with the legacy SrcBits: Go refuses the whole list. */
	f = compile_with("[{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]},"
			 " {\"SrcIPs\":[\"100.64.0.1\"],\"SrcBits\":[32],\"DstPorts\":[{\"IP\":\"*\"}]}]",
			 locals, NULL, NULL, 0, warn, sizeof(warn));
	tn_filter_info(f, &info);
	assert_true(info.denies_all);
	assert_non_null(strstr(warn, "SrcBits"));
	assert_int_equal(run_in(f, NULL, 0, TCP, "100.64.0.1", "100.100.1.1", 1, 80, SYN, NULL), D);
	assert_int_equal(run_in(f, NULL, 0, TCP, "100.64.0.1", "100.100.1.1", 1, 80, TN_TCP_ACK, NULL), A);
	tn_filter_free(f);
}

/* Address set syntax: CIDRs, ranges, "*", IPv4-mapped IPv6, zones. */
static void address_sets(void **state)
{
	static const char rules[] = "["
		"{\"SrcIPs\":[\"8.8.8.0/24\",\"1.0.0.0-2.1.2.3\",\"::ffff:9.9.9.9\",\"fe80::1%eth0-fe80::9%eth0\","
		"  \"fe80::a%a-fe80::b%b\",\"fd7a::5%z\",\"10.0.0.0/0\"],"
		" \"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":1,\"Last\":1}}]},"
		"{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":2,\"Last\":2}}]}"
		"]";
	static const char *const locals[] = { "100.100.1.1", "fd00::1", NULL };
	static const struct tcase t[] = {
		{ A, TCP, "8.8.8.0", "100.100.1.1", 1, SYN, TN_FILTER_TCP_OK },
		{ A, TCP, "8.8.8.255", "100.100.1.1", 1, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "8.8.9.0", "100.100.1.1", 1, SYN, TN_FILTER_NO_RULE },
		{ A, TCP, "1.0.0.0", "100.100.1.1", 1, SYN, TN_FILTER_TCP_OK },
		{ A, TCP, "1.200.3.4", "100.100.1.1", 1, SYN, TN_FILTER_TCP_OK },
		{ A, TCP, "2.1.2.3", "100.100.1.1", 1, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "2.1.2.4", "100.100.1.1", 1, SYN, TN_FILTER_NO_RULE },
		{ D, TCP, "0.255.255.255", "100.100.1.1", 1, SYN, TN_FILTER_NO_RULE },
		/* IPv4-mapped is IPv6 */
		{ A, TCP, "::ffff:9.9.9.9", "fd00::1", 1, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "9.9.9.9", "100.100.1.1", 1, SYN, TN_FILTER_NO_RULE },
		/* zones are dropped, but a range needs the same zone at both ends */
		{ A, TCP, "fe80::5", "fd00::1", 1, SYN, TN_FILTER_TCP_OK },
		{ D, TCP, "fe80::a", "fd00::1", 1, SYN, TN_FILTER_NO_RULE },
		{ A, TCP, "fd7a::5", "fd00::1", 1, SYN, TN_FILTER_TCP_OK },
		/* "10.0.0.0/0" has host bits: skipped, not "everything" */
		{ D, TCP, "11.0.0.1", "100.100.1.1", 1, SYN, TN_FILTER_NO_RULE },
		/* "*" is both families */
		{ A, TCP, "11.0.0.1", "100.100.1.1", 2, SYN, TN_FILTER_TCP_OK },
		{ A, TCP, "2001::1", "fd00::1", 2, SYN, TN_FILTER_TCP_OK },
	};
	struct tn_filter_info info;
	struct tn_filter *f = compile(rules, locals);

	tn_filter_info(f, &info);
	assert_int_equal(info.skipped, 2);
	run_table(f, NULL, 0, t, sizeof(t) / sizeof(t[0]));
	tn_filter_free(f);
}

/* Shields up: no new inbound flow, whatever the rules; replies pass. */
static void shields_up(void **state)
{
	static const char rules[] = "[{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]},"
		"{\"SrcIPs\":[\"*\"],\"IPProto\":[116],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]}]";
	static const char *const locals[] = { "100.100.1.1", "fd00::1", NULL };
	static const struct tcase t[] = {
		{ D, TCP, "100.64.0.1", "100.100.1.1", 22, SYN, TN_FILTER_NO_RULE },
		{ D, UDP, "100.64.0.1", "100.100.1.1", 53, 0, TN_FILTER_NO_RULE },
		{ D, ICMP, "100.64.0.1", "100.100.1.1", 0, 8, TN_FILTER_NO_RULE },
		{ D, ICMP6, "fd7a::1", "fd00::1", 0, 128, TN_FILTER_NO_RULE },
		{ D, 116, "100.64.0.1", "100.100.1.1", 0, 0, TN_FILTER_NO_RULE },
		{ A, TCP, "100.64.0.1", "100.100.1.1", 22, TN_TCP_ACK, TN_FILTER_TCP_NON_SYN },
		{ A, ICMP, "100.64.0.1", "100.100.1.1", 0, 0, TN_FILTER_ICMP_RESPONSE },
		{ A, TN_IPPROTO_TSMP, "100.64.0.1", "100.100.1.1", 0, 0, TN_FILTER_TSMP },
		{ D, TCP, "100.64.0.1", "100.100.1.2", 22, TN_TCP_ACK, TN_FILTER_NOT_LOCAL },
	};
	struct tn_filter *f = compile(rules, locals);
	struct tn_conntrack *ct = tn_conntrack_new(8);
	uint8_t b[PKT_MAX];
	size_t len;

	assert_non_null(ct);
	/* The rules allow all this... */
	assert_int_equal(run_in(f, ct, 0, TCP, "100.64.0.1", "100.100.1.1", 1, 22, SYN, NULL), A);
	assert_int_equal(run_in(f, ct, 0, 116, "100.64.0.1", "100.100.1.1", 0, 0, 0, NULL), A);
	/* ...shields up do not. */
	run_table(f, ct, TN_FILTER_SHIELDS_UP, t, sizeof(t) / sizeof(t[0]));
	/* A reply to our own UDP flow still passes. */
	len = mkpkt(b, UDP, "100.100.1.1", "100.64.0.1", 5000, 53, 0);
	assert_int_equal(tn_filter_run_out(ct, b, len, NULL), A);
	assert_int_equal(run_in(f, ct, TN_FILTER_SHIELDS_UP, UDP, "100.64.0.1", "100.100.1.1", 53,
				5000, 0, NULL), A);
	assert_int_equal(run_in(f, ct, TN_FILTER_SHIELDS_UP, UDP, "100.64.0.1", "100.100.1.1", 53,
				5001, 0, NULL), D);
	tn_conntrack_free(ct);
	tn_filter_free(f);
}

/* Many rules: single ports found by search, merged sources, pruned
 * destinations; each allowed pair passes and the crossed pairs do not. */
static void many_rules(void **state)
{
	enum { N = 3000 };
	static const char *const locals[] = { "100.100.1.1", "fd00::1", NULL };
	size_t cap = (size_t)N * 400 + 64, len = 0;
	char *json = malloc(cap);
	struct tn_filter_info info;
	struct tn_filter *f;
	char src[64];

	assert_non_null(json);
	len += (size_t)snprintf(json + len, cap - len, "[");
	for (int i = 0; i < N; i++) {
		/* source i may reach port 10000+i on us; and port 20000+(i%3)
		 * (shared ports: merged sources); and someone else's address
		 * (pruned) on port 30000. */
		len += (size_t)snprintf(json + len, cap - len,
			"%s{\"SrcIPs\":[\"100.65.%d.%d\",\"fd7a::%x\"],\"DstPorts\":["
			"{\"IP\":\"100.100.1.1\",\"Ports\":{\"First\":%d,\"Last\":%d}},"
			"{\"IP\":\"fd00::1\",\"Ports\":{\"First\":%d,\"Last\":%d}},"
			"{\"IP\":\"100.100.1.1\",\"Ports\":{\"First\":%d,\"Last\":%d}},"
			"{\"IP\":\"100.100.2.%d\",\"Ports\":{\"First\":30000,\"Last\":30000}}]}",
			i ? "," : "", i / 256, i % 256, i + 1, 10000 + i, 10000 + i, 10000 + i,
			10000 + i, 20000 + i % 3, 20000 + i % 3 + (i % 3 == 2), i % 256);
	}
	assert_true(len + 2 <= cap);
	snprintf(json + len, cap - len, "]");
	f = compile(json, locals);
	tn_filter_info(f, &info);
	assert_int_equal(info.rules, N);
	/* 2 x N single-port groups, 2 shared, 1 range, nothing for 30000 */
	assert_int_equal(info.groups, 2 * N + 3);
	for (int i = 0; i < N; i++) {
		int j = (i * 7 + 1) % N;

		snprintf(src, sizeof(src), "100.65.%d.%d", i / 256, i % 256);
		assert_int_equal(run_in(f, NULL, 0, TCP, src, "100.100.1.1", 1, 10000 + i, SYN, NULL), A);
		assert_int_equal(run_in(f, NULL, 0, TCP, src, "100.100.1.1", 1, 20000 + i % 3, SYN, NULL), A);
		assert_int_equal(run_in(f, NULL, 0, TCP, src, "100.100.1.1", 1, 20000 + (i + 1) % 3,
					SYN, NULL), (i + 1) % 3 == 2 && i % 3 == 2 ? A : D);
		if (j != i)
			assert_int_equal(run_in(f, NULL, 0, TCP, src, "100.100.1.1", 1, 10000 + j, SYN,
						NULL), D);
		assert_int_equal(run_in(f, NULL, 0, TCP, src, "100.100.1.1", 1, 30000, SYN, NULL), D);
		snprintf(src, sizeof(src), "fd7a::%x", i + 1);
		assert_int_equal(run_in(f, NULL, 0, TCP, src, "fd00::1", 1, 10000 + i, SYN, NULL), A);
		if (j != i)
			assert_int_equal(run_in(f, NULL, 0, TCP, src, "fd00::1", 1, 10000 + j, SYN, NULL), D);
	}
	/* Port 20003 belongs to the range 20002-20003 only. */
	assert_int_equal(run_in(f, NULL, 0, TCP, "100.65.0.2", "100.100.1.1", 1, 20003, SYN, NULL), A);
	assert_int_equal(run_in(f, NULL, 0, TCP, "100.65.0.1", "100.100.1.1", 1, 20003, SYN, NULL), D);
	tn_filter_free(f);
	free(json);
}

/* Overlapping port ranges of every width (the port index: segments,
 * broad groups) against a brute-force reading of the same rules. */
static void overlapping_port_ranges(void **state)
{
	enum { N = 400, SRCS = 12 };
	static const char *const locals[] = { "100.100.1.1", NULL };
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	struct { unsigned src, first, last; } r[N];
	size_t cap = (size_t)N * 200, len = 0;
	char *json = malloc(cap), src[32];
	struct tn_filter *f;

	assert_non_null(json);
	len += (size_t)snprintf(json, cap, "[");
	for (int i = 0; i < N; i++) {
		unsigned w;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		w = (unsigned[]){ 1, 2, 10, 300, 5000, 40000, 65536 }[x % 7];
		r[i].src = (unsigned)(x >> 8) % SRCS;
		r[i].first = w == 65536 ? 0 : (unsigned)(x >> 20) % (65537 - w);
		r[i].last = r[i].first + w - 1;
		len += (size_t)snprintf(json + len, cap - len,
			"%s{\"SrcIPs\":[\"100.64.0.%u\"],\"IPProto\":[6],\"DstPorts\":[{\"IP\":\"100.100.1.1\","
			"\"Ports\":{\"First\":%u,\"Last\":%u}}]}", i ? "," : "", r[i].src, r[i].first, r[i].last);
		assert_true(len < cap);
	}
	snprintf(json + len, cap - len, "]");
	f = compile(json, locals);
	for (unsigned s = 0; s < SRCS; s++) {
		snprintf(src, sizeof(src), "100.64.0.%u", s);
		/* every rule's edges, and a stride through the port space */
		for (unsigned k = 0; k < 4 * N + 740; k++) {
			unsigned port = k < 4 * N ? (unsigned[]){ r[k / 4].first - 1, r[k / 4].first,
				r[k / 4].last, r[k / 4].last + 1 }[k % 4] : (k - 4 * N) * 89;
			bool want = false;

			if (port > 65535)
				continue;

			for (int i = 0; i < N && !want; i++)
				want = r[i].src == s && port >= r[i].first && port <= r[i].last;
			assert_int_equal(run_in(f, NULL, 0, TCP, src, "100.100.1.1", 1, (uint16_t)port, SYN,
						NULL), want ? A : D);
			/* the rules are TCP only: a protocol without ports passes
			 * only an all-ports rule of its own protocol (none here) */
			assert_int_equal(run_in(f, NULL, 0, 47, src, "100.100.1.1", 0, 0, 0, NULL), D);
		}
	}
	tn_filter_free(f);
	free(json);
}

static void digest_of(const char *json, const char *const *locals, struct tn_tailcfg_node *const *peers,
		      size_t n_peers, uint8_t out[TN_FILTER_DIGEST_LEN])
{
	struct test_rules tr;
	struct tn_tailcfg_prefix local[4];
	struct tn_filter_config cfg = { 0 };
	size_t n = 0;

	while (locals[n])
		n++;
	test_prefixes(local, locals, n);
	test_rules_parse(&tr, json);
	cfg.rules = tr.ptrs;
	cfg.n_rules = tr.n;
	cfg.local = local;
	cfg.n_local = n;
	cfg.peers = peers;
	cfg.n_peers = n_peers;
	assert_int_equal(tn_filter_config_digest(&cfg, out), 0);
	test_rules_free(&tr);
}

/* The digest changes with every input compilation reads, and only then. */
static void config_digest(void **state)
{
	static const char *const l1[] = { "100.100.1.1", NULL }, *const l2[] = { "100.100.1.2", NULL };
	static const char r1[] = "[{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":1,\"Last\":2}}]}]";
	static const char r2[] = "[{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":1,\"Last\":3}}]}]";
	static const char r3[] = "[{\"SrcIPs\":[\"*\"],\"IPProto\":[6],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":1,\"Last\":2}}]}]";
	static const char r4[] = "[{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":1,\"Last\":2}}]},{\"SrcIPs\":[]}]";
	static const char rc[] = "[{\"SrcIPs\":[\"cap:x\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":1,\"Last\":2}}]}]";
	uint8_t d1[32], d2[32];
	char *caps[] = { "x" };
	struct tn_tailcfg_prefix pa = { 0 };
	struct tn_tailcfg_node a = { 0 };
	struct tn_tailcfg_node *peers[] = { &a };
	struct tn_filter *f;

	digest_of(r1, l1, NULL, 0, d1);
	digest_of(r1, l1, NULL, 0, d2);
	assert_memory_equal(d1, d2, 32);
	f = compile(r1, l1);
	assert_memory_equal(tn_filter_digest(f), d1, 32);
	tn_filter_free(f);
	digest_of(r2, l1, NULL, 0, d2);
	assert_memory_not_equal(d1, d2, 32);
	digest_of(r3, l1, NULL, 0, d2);
	assert_memory_not_equal(d1, d2, 32);
	digest_of(r4, l1, NULL, 0, d2);
	assert_memory_not_equal(d1, d2, 32);
	digest_of(r1, l2, NULL, 0, d2);
	assert_memory_not_equal(d1, d2, 32);
	/* Peers matter only through capabilities. */
	a.addresses = &pa;
	a.n_addresses = 1;
	set_addr(&pa, "100.64.0.9/32");
	digest_of(r1, l1, peers, 1, d2);
	assert_memory_equal(d1, d2, 32);
	digest_of(rc, l1, NULL, 0, d1);
	digest_of(rc, l1, peers, 1, d2);
	assert_memory_equal(d1, d2, 32);
	a.cap_map = caps;
	a.n_cap_map = 1;
	digest_of(rc, l1, peers, 1, d2);
	assert_memory_not_equal(d1, d2, 32);
	digest_of(rc, l1, peers, 1, d1);
	set_addr(&pa, "100.64.0.10/32");
	digest_of(rc, l1, peers, 1, d2);
	assert_memory_not_equal(d1, d2, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ports_sources_destinations),
		cmocka_unit_test(icmp),
		cmocka_unit_test(other_protocols),
		cmocka_unit_test(tcp_without_syn),
		cmocka_unit_test(capability_sources),
		cmocka_unit_test(pre_checks),
		cmocka_unit_test(empty_invalid_and_legacy),
		cmocka_unit_test(address_sets),
		cmocka_unit_test(shields_up),
		cmocka_unit_test(many_rules),
		cmocka_unit_test(overlapping_port_ranges),
		cmocka_unit_test(config_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

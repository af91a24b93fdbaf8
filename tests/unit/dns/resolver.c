/* src/dns/resolver.c over a headscale-like netmap: which names quad-100
 * answers and how (tsdns.go's rules), NXDOMAIN where Go gives it, the
 * forwarding decision and its route, the special names, malformed
 * queries, and the exact header flags of each kind of reply. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "netmap_fixture.h"

struct fx {
	struct tn_netmap *nm;
	struct tn_dns_config *cfg;
	struct tn_dns_compiled *cc;
};

static struct fx *fx_new(const char *json, bool accept_dns, enum tn_dns_os_kind kind,
			 const char *base_ns)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct tn_dns_os_config base = { 0 };
	struct tn_tailcfg_ip ip;

	f->nm = netmap_from(json);
	assert_non_null(f->cfg = tn_dns_config_new(f->nm));
	if (base_ns) {
		assert_int_equal(tn_tailcfg_ip_parse(&ip, base_ns, strlen(base_ns)), 0);
		base.nameservers = &ip;
		base.n_nameservers = 1;
	}
	assert_non_null(f->cc = tn_dns_compile(f->cfg, accept_dns, kind, base_ns ? &base : NULL));
	return f;
}

static void fx_free(struct fx *f)
{
	tn_dns_compiled_free(f->cc);
	tn_dns_config_free(f->cfg);
	tn_netmap_free(f->nm);
	free(f);
}

static int setup(void **state)
{
	*state = fx_new(MAP(SELF_NODE("\"100.64.0.1/32\",\"fd7a:115c:a1e0::1/128\"", ""),
			    DNS_CONFIG("")),
			true, TN_DNS_OS_DIRECT, "192.0.2.53");
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* Resolves name/type; the decision, and the reply taken apart. */
static struct tn_dns_decision ask(struct fx *f, const char *name, uint16_t type, struct answer *a)
{
	uint8_t q[600], out[1024];
	struct tn_dns_decision d;
	size_t len = make_query(q, name, type, 0);

	assert_int_equal(tn_dns_resolve(&f->cc->resolver, q, len, out, sizeof(out), &d), 0);
	if (d.action == TN_DNS_REPLY) {
		take_apart(out, d.len, a);
		assert_int_equal(a->m.h.id, 0x4242);
	}
	return d;
}

static void reply_rcode(struct fx *f, const char *name, uint16_t type, int rcode)
{
	struct answer a;

	assert_int_equal(ask(f, name, type, &a).action, TN_DNS_REPLY);
	assert_int_equal(a.rcode, rcode);
	assert_int_equal(a.n_answers, 0);
	/* The question comes back with every one of these. */
	assert_int_equal(a.m.h.qdcount, 1);
}

static void peer_names(void **state)
{
	struct fx *f = *state;
	struct answer a;

	ask(f, "n2.tailnet.test.", TN_DNS_TYPE_AAAA, &a);
	assert_addr(&a, "fd7a:115c:a1e0::3");
	ask(f, "t1.tailnet.test.", TN_DNS_TYPE_A, &a);
	assert_addr(&a, "100.64.0.1");
	/* Any case; the question is echoed as asked. */
	ask(f, "SUB.Tailnet.TEST", TN_DNS_TYPE_A, &a);
	assert_addr(&a, "100.64.0.4");
	assert_memory_equal(a.m.q.name.wire, "\x03SUB\x07Tailnet\x04TEST", 17);
	/* Flags: QR, AA, RD and RA, AD kept from dig's query. */
	assert_int_equal(a.m.h.flags, TN_DNS_QR | TN_DNS_AA | TN_DNS_RD | TN_DNS_RA | TN_DNS_AD);
	/* A peer with IPv4 gets no AAAA without magicdns-aaaa; one without
	 * IPv4 none for A: NOERROR, empty. */
	reply_rcode(f, "n1.tailnet.test", TN_DNS_TYPE_AAAA, TN_DNS_NOERROR);
	reply_rcode(f, "n2.tailnet.test", TN_DNS_TYPE_A, TN_DNS_NOERROR);
	/* Other types exist but are empty; NS/SOA are not implemented. */
	reply_rcode(f, "n1.tailnet.test", TN_DNS_TYPE_MX, TN_DNS_NOERROR);
	reply_rcode(f, "n1.tailnet.test", TN_DNS_TYPE_TXT, TN_DNS_NOERROR);
	reply_rcode(f, "n1.tailnet.test", TN_DNS_TYPE_NS, TN_DNS_NOTIMP);
	reply_rcode(f, "n1.tailnet.test", TN_DNS_TYPE_SOA, TN_DNS_NOTIMP);
	/* ANY: the first address. */
	ask(f, "n2.tailnet.test", TN_DNS_TYPE_ALL, &a);
	assert_addr(&a, "fd7a:115c:a1e0::3");
}

static void extra_records(void **state)
{
	struct fx *f = *state;
	struct answer a;

	ask(f, "grafana.tailnet.test", TN_DNS_TYPE_A, &a);
	assert_addr(&a, "100.64.0.99");
	ask(f, "db.tailnet.test", TN_DNS_TYPE_AAAA, &a);
	assert_addr(&a, "fd7a:115c:a1e0::99");
	/* An extra record for a peer's name adds to it: A gives the first. */
	ask(f, "n1.tailnet.test", TN_DNS_TYPE_A, &a);
	assert_addr(&a, "100.64.0.2");
	/* MX records are not served: the name does not exist. */
	reply_rcode(f, "mx.tailnet.test", TN_DNS_TYPE_A, TN_DNS_NXDOMAIN);
}

static void nxdomain_in_our_zones(void **state)
{
	struct fx *f = *state;
	struct answer a;

	reply_rcode(f, "nope.tailnet.test", TN_DNS_TYPE_A, TN_DNS_NXDOMAIN);
	reply_rcode(f, "tailnet.test", TN_DNS_TYPE_A, TN_DNS_NXDOMAIN);
	reply_rcode(f, "deep.nope.tailnet.test", TN_DNS_TYPE_AAAA, TN_DNS_NXDOMAIN);
	ask(f, "nope.tailnet.test", TN_DNS_TYPE_A, &a);
	assert_int_equal(a.m.h.flags,
			 TN_DNS_QR | TN_DNS_AA | TN_DNS_RD | TN_DNS_RA | TN_DNS_AD | TN_DNS_NXDOMAIN);
	/* .onion never leaves (RFC 7686). */
	reply_rcode(f, "facebookcorewwwi.onion", TN_DNS_TYPE_A, TN_DNS_NXDOMAIN);
}

static void subdomains_of_a_subdomain_host(void **state)
{
	struct fx *f = *state;
	struct answer a;

	ask(f, "x.sub.tailnet.test", TN_DNS_TYPE_A, &a);
	assert_addr(&a, "100.64.0.4");
	ask(f, "a.b.sub.tailnet.test", TN_DNS_TYPE_A, &a);
	assert_addr(&a, "100.64.0.4");
	/* n1 has no such capability. */
	reply_rcode(f, "x.n1.tailnet.test", TN_DNS_TYPE_A, TN_DNS_NXDOMAIN);
}

static void reverse_lookups(void **state)
{
	struct fx *f = *state;
	struct answer a;

	ask(f, "2.0.64.100.in-addr.arpa", TN_DNS_TYPE_PTR, &a);
	assert_int_equal(a.rcode, TN_DNS_NOERROR);
	assert_int_equal(a.n_answers, 1);
	assert_string_equal(a.ptr, "n1.tailnet.test.");
	assert_int_equal(a.ttl, TN_DNS_TTL);
	ask(f, "99.0.64.100.in-addr.arpa.", TN_DNS_TYPE_PTR, &a);
	assert_string_equal(a.ptr, "grafana.tailnet.test.");
	/* fd7a:115c:a1e0::3 nibble by nibble. */
	ask(f, "3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.e.1.a.c.5.1.1.a.7.d.f.ip6.arpa",
	    TN_DNS_TYPE_PTR, &a);
	assert_string_equal(a.ptr, "n2.tailnet.test.");
	/* The 4to6 form of 100.64.0.2: fd7a:115c:a1e0:ab12:4843:cd96:6240:2. */
	ask(f, "2.0.0.0.0.4.2.6.6.9.d.c.3.4.8.4.2.1.b.a.0.e.1.a.c.5.1.1.a.7.d.f.ip6.arpa",
	    TN_DNS_TYPE_PTR, &a);
	assert_string_equal(a.ptr, "n1.tailnet.test.");
	/* Quad-100 itself has a name, which has quad-100's addresses. */
	ask(f, "100.100.100.100.in-addr.arpa", TN_DNS_TYPE_PTR, &a);
	assert_string_equal(a.ptr, "magicdns.localhost-tailscale-daemon.");
	ask(f, "magicdns.localhost-tailscale-daemon", TN_DNS_TYPE_A, &a);
	assert_addr(&a, "100.100.100.100");
	ask(f, "magicdns.localhost-tailscale-daemon", TN_DNS_TYPE_AAAA, &a);
	assert_addr(&a, "fd7a:115c:a1e0::53");
	/* Unknown tailnet addresses are ours to deny... */
	reply_rcode(f, "9.9.64.100.in-addr.arpa", TN_DNS_TYPE_PTR, TN_DNS_NXDOMAIN);
	reply_rcode(f, "9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.e.1.a.c.5.1.1.a.7.d.f.ip6.arpa",
		    TN_DNS_TYPE_PTR, TN_DNS_NXDOMAIN);
	/* ...other ones and malformed names go upstream. */
	assert_int_equal(ask(f, "1.2.0.192.in-addr.arpa", TN_DNS_TYPE_PTR, &a).action, TN_DNS_FORWARD);
	assert_int_equal(ask(f, "64.100.in-addr.arpa", TN_DNS_TYPE_PTR, &a).action, TN_DNS_FORWARD);
	assert_int_equal(ask(f, "02.0.64.100.in-addr.arpa", TN_DNS_TYPE_PTR, &a).action,
			 TN_DNS_FORWARD);
	assert_int_equal(ask(f, "x.3.0.ip6.arpa", TN_DNS_TYPE_PTR, &a).action, TN_DNS_FORWARD);
}

static void via_names(void **state)
{
	struct fx *f = *state;
	struct answer a;

	ask(f, "10-1-2-3-via-7", TN_DNS_TYPE_AAAA, &a);
	assert_addr(&a, "fd7a:115c:a1e0:b1a:0:7:a01:203");
	ask(f, "10-1-2-3-via-0x10.foo.ts.net", TN_DNS_TYPE_AAAA, &a);
	assert_addr(&a, "fd7a:115c:a1e0:b1a:0:10:a01:203");
	ask(f, "via-7.10.1.2.3", TN_DNS_TYPE_AAAA, &a);
	assert_addr(&a, "fd7a:115c:a1e0:b1a:0:7:a01:203");
	ask(f, "10.1.2.3.via-010", TN_DNS_TYPE_AAAA, &a);
	assert_addr(&a, "fd7a:115c:a1e0:b1a:0:8:a01:203");
	/* The name exists, so A is an empty NOERROR. */
	reply_rcode(f, "10-1-2-3-via-7", TN_DNS_TYPE_A, TN_DNS_NOERROR);
	/* Not via names: a foreign domain, a bad site, a bad address. */
	assert_int_equal(ask(f, "10-1-2-3-via-7.example.com", TN_DNS_TYPE_AAAA, &a).action,
			 TN_DNS_FORWARD);
	assert_int_equal(ask(f, "10-1-2-3-via-x", TN_DNS_TYPE_AAAA, &a).action, TN_DNS_FORWARD);
	assert_int_equal(ask(f, "10-1-2-300-via-7", TN_DNS_TYPE_AAAA, &a).action, TN_DNS_FORWARD);
	assert_int_equal(ask(f, "10-1-2-3-via-4294967296", TN_DNS_TYPE_AAAA, &a).action,
			 TN_DNS_FORWARD);
}

static void forwarding_routes(void **state)
{
	struct fx *f = *state;
	struct answer a;
	struct tn_dns_decision d;

	/* Not ours: along "." to the OS's old nameserver (direct mode). */
	d = ask(f, "www.example.com", TN_DNS_TYPE_A, &a);
	assert_int_equal(d.action, TN_DNS_FORWARD);
	assert_string_equal(d.route->suffix, ".");
	assert_int_equal(d.route->n_ups, 1);
	assert_string_equal(d.route->ups[0].addr, "192.0.2.53");
	assert_int_equal(d.route->ups[0].ipport.port, 53);
	assert_int_equal(d.max_udp, 512);
	/* Split DNS: the most specific suffix wins. */
	d = ask(f, "host.corp.example", TN_DNS_TYPE_A, &a);
	assert_int_equal(d.action, TN_DNS_FORWARD);
	assert_string_equal(d.route->suffix, "corp.example.");
	assert_int_equal(d.route->n_ups, 2);
	assert_string_equal(d.route->ups[1].addr, "10.1.1.2:5353");
	assert_int_equal(d.route->ups[1].ipport.port, 5353);
	d = ask(f, "x.LAB.corp.example", TN_DNS_TYPE_A, &a);
	assert_string_equal(d.route->suffix, "lab.corp.example.");
	d = ask(f, "corp.example", TN_DNS_TYPE_MX, &a);
	assert_string_equal(d.route->suffix, "corp.example.");
	/* A suffix matches whole labels only. */
	d = ask(f, "xcorp.example", TN_DNS_TYPE_A, &a);
	assert_string_equal(d.route->suffix, ".");
	/* DNS-SD browsing is answered, not forwarded: NXDOMAIN, not AA. */
	ask(f, "b._dns-sd._udp.example.com", TN_DNS_TYPE_PTR, &a);
	assert_int_equal(a.m.h.flags,
			 TN_DNS_QR | TN_DNS_RD | TN_DNS_RA | TN_DNS_AD | TN_DNS_NXDOMAIN);
	ask(f, "lb._dns-sd._udp.corp.example", TN_DNS_TYPE_PTR, &a);
	assert_int_equal(a.rcode, TN_DNS_NXDOMAIN);
}

static void malformed_queries(void **state)
{
	struct fx *f = *state;
	uint8_t q[600], out[1024];
	struct tn_dns_decision d;
	struct answer a;
	size_t len = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 0);

	/* Under 12 bytes: nothing to answer to. */
	for (size_t n = 0; n < 12; n++) {
		assert_int_equal(tn_dns_resolve(&f->cc->resolver, q, n, out, sizeof(out), &d), 0);
		assert_int_equal(d.action, TN_DNS_DROP);
	}
	/* A header with a cut question, a response, no question: FORMERR
	 * without the question. */
	for (size_t n = 12; n < len; n++) {
		assert_int_equal(tn_dns_resolve(&f->cc->resolver, q, n, out, sizeof(out), &d), 0);
		assert_int_equal(d.action, TN_DNS_REPLY);
		take_apart(out, d.len, &a);
		assert_int_equal(a.rcode, TN_DNS_FORMERR);
		assert_int_equal(a.m.h.qdcount, 0);
	}
	q[2] |= 0x80;
	assert_int_equal(tn_dns_resolve(&f->cc->resolver, q, len, out, sizeof(out), &d), 0);
	take_apart(out, d.len, &a);
	assert_int_equal(a.rcode, TN_DNS_FORMERR);
	q[2] &= 0x7f;
	q[5] = 0;
	assert_int_equal(tn_dns_resolve(&f->cc->resolver, q, len, out, sizeof(out), &d), 0);
	take_apart(out, d.len, &a);
	assert_int_equal(a.rcode, TN_DNS_FORMERR);
	assert_int_equal(a.m.h.id, 0x4242);
	/* A compression loop in the question. */
	q[5] = 1;
	q[12] = 0xc0;
	q[13] = 12;
	assert_int_equal(tn_dns_resolve(&f->cc->resolver, q, len, out, sizeof(out), &d), 0);
	take_apart(out, d.len, &a);
	assert_int_equal(a.rcode, TN_DNS_FORMERR);
	/* Trailing garbage after a good question does not matter (Go reads
	 * the header and the first question only). */
	len = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 0);
	q[len] = 0xff;
	q[11] = 3;
	assert_int_equal(tn_dns_resolve(&f->cc->resolver, q, len + 1, out, sizeof(out), &d), 0);
	take_apart(out, d.len, &a);
	assert_addr(&a, "100.64.0.2");
	/* A binary label is fine and simply not ours. */
	len = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 0);
	q[13] = '.';
	assert_int_equal(tn_dns_resolve(&f->cc->resolver, q, len, out, sizeof(out), &d), 0);
	assert_int_equal(d.action, TN_DNS_REPLY);
	take_apart(out, d.len, &a);
	assert_int_equal(a.rcode, TN_DNS_NXDOMAIN);
}

static void accept_dns_off(void **state)
{
	struct fx *f = fx_new(MAP(SELF_NODE("\"100.64.0.1/32\",\"fd7a:115c:a1e0::1/128\"", ""),
				  DNS_CONFIG("")),
			      false, TN_DNS_OS_DIRECT, "192.0.2.53");
	struct answer a;

	/* Hosts are still answered... */
	ask(f, "n1.tailnet.test", TN_DNS_TYPE_A, &a);
	assert_addr(&a, "100.64.0.2");
	ask(f, "2.0.64.100.in-addr.arpa", TN_DNS_TYPE_PTR, &a);
	assert_string_equal(a.ptr, "n1.tailnet.test.");
	/* ...but nothing is ours to deny and there are no routes: SERVFAIL,
	 * as from Go with --accept-dns=false. */
	reply_rcode(f, "nope.tailnet.test", TN_DNS_TYPE_A, TN_DNS_SERVFAIL);
	reply_rcode(f, "www.example.com", TN_DNS_TYPE_A, TN_DNS_SERVFAIL);
	ask(f, "www.example.com", TN_DNS_TYPE_A, &a);
	assert_int_equal(a.m.h.flags, TN_DNS_QR | TN_DNS_AA | TN_DNS_RD | TN_DNS_AD | TN_DNS_SERVFAIL);
	assert_true(tn_dns_os_config_is_zero(&f->cc->os));
	fx_free(f);
}

static void magicdns_aaaa_and_v6_only(void **state)
{
	struct fx *f = fx_new(MAP(SELF_NODE("\"100.64.0.1/32\",\"fd7a:115c:a1e0::1/128\"",
					    "\"magicdns-aaaa\":[]"),
				  DNS_CONFIG("")),
			      true, TN_DNS_OS_DIRECT, NULL);
	struct answer a;

	ask(f, "n1.tailnet.test", TN_DNS_TYPE_AAAA, &a);
	assert_addr(&a, "fd7a:115c:a1e0::2");
	fx_free(f);
	/* An IPv6-only self sees only IPv6 addresses. */
	f = fx_new(MAP(SELF_NODE("\"fd7a:115c:a1e0::1/128\"", ""), DNS_CONFIG("")), true,
		   TN_DNS_OS_DIRECT, NULL);
	reply_rcode(f, "sub.tailnet.test", TN_DNS_TYPE_A, TN_DNS_NOERROR);
	ask(f, "n1.tailnet.test", TN_DNS_TYPE_AAAA, &a);
	assert_addr(&a, "fd7a:115c:a1e0::2");
	/* ExtraRecords are added unfiltered, as Go adds them. */
	ask(f, "n1.tailnet.test", TN_DNS_TYPE_A, &a);
	assert_addr(&a, "100.64.0.22");
	fx_free(f);
}

static void no_route_is_servfail(void **state)
{
	/* Split DNS through resolved: quad-100 has no "." route. */
	struct fx *f = fx_new(MAP(SELF_NODE("\"100.64.0.1/32\"", ""), DNS_CONFIG("")), true,
			      TN_DNS_OS_SPLIT, NULL);
	struct answer a;

	reply_rcode(f, "www.example.com", TN_DNS_TYPE_A, TN_DNS_SERVFAIL);
	assert_int_equal(ask(f, "x.corp.example", TN_DNS_TYPE_A, &a).action, TN_DNS_FORWARD);
	fx_free(f);
	/* A route whose resolvers we cannot use (DoH) is SERVFAIL too. */
	f = fx_new(MAP(SELF_NODE("\"100.64.0.1/32\"", ""),
		       "{\"Resolvers\":[{\"Addr\":\"https://dns.example/dns-query\"}]}"),
		   true, TN_DNS_OS_SPLIT, NULL);
	reply_rcode(f, "www.example.com", TN_DNS_TYPE_A, TN_DNS_SERVFAIL);
	fx_free(f);
}

static void expired_self_has_nothing(void **state)
{
	struct fx *f = fx_new("{\"Node\":{\"ID\":1,\"StableID\":\"1\",\"Name\":\"t1.tailnet.test.\","
			      "\"User\":1,\"Key\":" NODEKEY("01") ",\"DiscoKey\":" DISCOKEY("21") ","
			      "\"KeyExpiry\":\"2001-01-01T00:00:00Z\",\"Addresses\":[\"100.64.0.1/32\"]},"
			      "\"Peers\":" PEERS ",\"DNSConfig\":" DNS_CONFIG("") "}",
			      true, TN_DNS_OS_DIRECT, "192.0.2.53");

	reply_rcode(f, "n1.tailnet.test", TN_DNS_TYPE_A, TN_DNS_SERVFAIL);
	assert_true(tn_dns_os_config_is_zero(&f->cc->os));
	fx_free(f);
}

static void size_limits_and_edns(void **state)
{
	uint8_t q[600], r[700];
	size_t len = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 1232);

	assert_int_equal(tn_dns_udp_limit(q, len), 1232);
	assert_int_equal(tn_dns_udp_limit(q, len - 1), 512);    /* a cut OPT */
	len = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 100);
	assert_int_equal(tn_dns_udp_limit(q, len), 512);
	len = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 0);
	assert_int_equal(tn_dns_udp_limit(q, len), 512);
	/* TC only past the limit. */
	memset(r, 0, sizeof(r));
	tn_dns_set_tc_if_over(r, 512, 512);
	assert_int_equal(r[2], 0);
	tn_dns_set_tc_if_over(r, 513, 512);
	assert_int_equal(r[2], TN_DNS_TC >> 8);
	/* EDNS sizes above the maximum come down to it. */
	len = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 65000);
	tn_dns_clamp_edns(q, len, TN_DNS_MAX_RESPONSE);
	assert_int_equal(tn_dns_udp_limit(q, len), TN_DNS_MAX_RESPONSE);
	len = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 1232);
	tn_dns_clamp_edns(q, len, TN_DNS_MAX_RESPONSE);
	assert_int_equal(tn_dns_udp_limit(q, len), 1232);
}

static void servfail_shape(void **state)
{
	uint8_t q[600], out[600];
	struct answer a;
	size_t len = make_query(q, "www.example.com", TN_DNS_TYPE_AAAA, 1232);
	int n = tn_dns_servfail(q, len, out, sizeof(out));

	assert_true(n > 0);
	take_apart(out, (size_t)n, &a);
	assert_int_equal(a.m.h.flags, TN_DNS_QR | TN_DNS_AA | TN_DNS_RD | TN_DNS_AD | TN_DNS_SERVFAIL);
	assert_int_equal(a.m.h.qdcount, 1);
	assert_int_equal(a.m.q.type, TN_DNS_TYPE_AAAA);
	assert_false(a.m.has_opt);
	q[2] |= 0x80;
	assert_int_equal(tn_dns_servfail(q, len, out, sizeof(out)), -EBADMSG);
	assert_int_equal(tn_dns_servfail(q, 11, out, sizeof(out)), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(peer_names, setup, teardown),
		cmocka_unit_test_setup_teardown(extra_records, setup, teardown),
		cmocka_unit_test_setup_teardown(nxdomain_in_our_zones, setup, teardown),
		cmocka_unit_test_setup_teardown(subdomains_of_a_subdomain_host, setup, teardown),
		cmocka_unit_test_setup_teardown(reverse_lookups, setup, teardown),
		cmocka_unit_test_setup_teardown(via_names, setup, teardown),
		cmocka_unit_test_setup_teardown(forwarding_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_queries, setup, teardown),
		cmocka_unit_test(accept_dns_off),
		cmocka_unit_test(magicdns_aaaa_and_v6_only),
		cmocka_unit_test(no_route_is_servfail),
		cmocka_unit_test(expired_self_has_nothing),
		cmocka_unit_test(size_limits_and_edns),
		cmocka_unit_test(servfail_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

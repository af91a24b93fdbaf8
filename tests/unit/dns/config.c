/* src/dns/config.c: the netmap's DNS as Go's dnsConfigForNetmap and
 * compileConfig make it — hosts, routes, local domains, and what the OS
 * is told for each kind of OS configurator. */
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

static struct tn_tailcfg_ip ip(const char *s)
{
	struct tn_tailcfg_ip a;

	assert_int_equal(tn_tailcfg_ip_parse(&a, s, strlen(s)), 0);
	return a;
}

static struct fx compile(const char *json, bool accept, enum tn_dns_os_kind kind,
			 const struct tn_dns_os_config *base)
{
	struct fx f;

	f.nm = netmap_from(json);
	assert_non_null(f.cfg = tn_dns_config_new(f.nm));
	assert_non_null(f.cc = tn_dns_compile(f.cfg, accept, kind, base));
	return f;
}

static void release(struct fx *f)
{
	tn_dns_compiled_free(f->cc);
	tn_dns_config_free(f->cfg);
	tn_netmap_free(f->nm);
}

static void assert_ns(const struct tn_dns_os_config *o, const char *const *want, size_t n)
{
	assert_int_equal(o->n_nameservers, n);
	for (size_t i = 0; i < n; i++) {
		char buf[TN_TAILCFG_ADDRPORT_MAX];

		tn_tailcfg_ip_format(buf, &o->nameservers[i]);
		assert_string_equal(buf, want[i]);
	}
}

static void assert_strings(char **got, size_t n, const char *const *want, size_t nw)
{
	assert_int_equal(n, nw);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
}

static const char *const quad100[] = { "100.100.100.100", "fd7a:115c:a1e0::53" };
#define SELF46 SELF_NODE("\"100.64.0.1/32\",\"fd7a:115c:a1e0::1/128\"", "")

static void hosts_table(void **state)
{
	struct fx f = compile(MAP(SELF46, DNS_CONFIG("")), true, TN_DNS_OS_DIRECT, NULL);
	const struct tn_dns_config *c = f.cfg;
	static const char *const names[] = { "db.tailnet.test.", "grafana.tailnet.test.",
					     "n1.tailnet.test.", "n2.tailnet.test.",
					     "sub.tailnet.test.", "t1.tailnet.test." };

	/* Sorted, lower-case, the MX record left out. */
	assert_int_equal(c->n_hosts, 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(c->hosts[i].name, names[i]);
	/* n1: its IPv4 address (IPv6 dropped: it has IPv4), then the extra
	 * record's. */
	assert_int_equal(c->hosts[2].n_addrs, 2);
	assert_memory_equal(c->hosts[2].addrs[0].addr, "\x64\x40\x00\x02", 4);
	assert_memory_equal(c->hosts[2].addrs[1].addr, "\x64\x40\x00\x16", 4);
	/* Our own name too, both families (self filtering is by the node's
	 * own addresses: it has IPv4, so IPv6 goes). */
	assert_int_equal(c->hosts[5].n_addrs, 1);
	assert_int_equal(c->n_subdomain_hosts, 1);
	assert_string_equal(c->subdomain_hosts[0], "sub.tailnet.test.");
	assert_false(c->only_ipv6);
	/* The reverse table: one entry per address. */
	assert_int_equal(f.cc->resolver.n_rev, 7);
	release(&f);
}

static void routes_and_local_domains(void **state)
{
	struct tn_dns_os_config base = { 0 };
	struct tn_tailcfg_ip bns[3] = { ip("192.0.2.53"), ip("100.100.100.100"), ip("2001:db8::53") };
	char *bsearch_[] = { "lan.example.", "corp.example." };
	struct fx f;
	const struct tn_dns_resolver_config *r;
	static const char *const search[] = { "tailnet.test.", "corp.example.", "lan.example." };

	base.nameservers = bns;
	base.n_nameservers = 3;
	base.search = bsearch_;
	base.n_search = 2;
	f = compile(MAP(SELF46, DNS_CONFIG("")), true, TN_DNS_OS_DIRECT, &base);
	r = &f.cc->resolver;
	/* The MagicDNS zones are answered here: our domain and 65 reverse
	 * zones. */
	assert_int_equal(r->n_local_domains, 66);
	{
		bool tailnet = false, v6 = false, r64 = false, r127 = false;

		for (size_t i = 0; i < r->n_local_domains; i++) {
			tailnet |= !strcmp(r->local_domains[i], "tailnet.test.");
			v6 |= !strcmp(r->local_domains[i], "0.e.1.a.c.5.1.1.a.7.d.f.ip6.arpa.");
			r64 |= !strcmp(r->local_domains[i], "64.100.in-addr.arpa.");
			r127 |= !strcmp(r->local_domains[i], "127.100.in-addr.arpa.");
		}
		assert_true(tailnet && v6 && r64 && r127);
	}
	/* Forwarding: most labels first; "." from the old resolv.conf
	 * without our own address. */
	assert_int_equal(r->n_routes, 3);
	assert_string_equal(r->routes[0].suffix, "lab.corp.example.");
	assert_string_equal(r->routes[1].suffix, "corp.example.");
	assert_string_equal(r->routes[2].suffix, ".");
	assert_int_equal(r->routes[2].n_ups, 2);
	assert_string_equal(r->routes[2].ups[0].addr, "192.0.2.53");
	assert_string_equal(r->routes[2].ups[1].addr, "2001:db8::53");
	/* The OS: quad-100 on both families, our search domains then the old
	 * ones not already there, no match domains (resolv.conf has none). */
	assert_ns(&f.cc->os, quad100, 2);
	assert_strings(f.cc->os.search, f.cc->os.n_search, search, 3);
	assert_int_equal(f.cc->os.n_match, 0);
	release(&f);
}

static void split_dns_os(void **state)
{
	struct fx f = compile(MAP(SELF46, DNS_CONFIG("")), true, TN_DNS_OS_SPLIT, NULL);
	const struct tn_dns_os_config *o = &f.cc->os;

	assert_ns(o, quad100, 2);
	/* Every route is a match domain, sorted; no "." route at quad-100. */
	assert_int_equal(o->n_match, 68);
	assert_string_equal(o->match[0], "0.e.1.a.c.5.1.1.a.7.d.f.ip6.arpa.");
	assert_string_equal(o->match[o->n_match - 2], "lab.corp.example.");
	assert_string_equal(o->match[o->n_match - 1], "tailnet.test.");
	assert_int_equal(f.cc->resolver.n_routes, 2);
	release(&f);
	/* Userspace (no OS configurator): the same for quad-100. */
	f = compile(MAP(SELF46, DNS_CONFIG("")), true, TN_DNS_OS_NONE, NULL);
	assert_int_equal(f.cc->resolver.n_routes, 2);
	assert_int_equal(f.cc->os.n_match, 68);
	release(&f);
}

static void default_resolvers(void **state)
{
	struct tn_tailcfg_ip bns = ip("192.0.2.53");
	struct tn_dns_os_config base = { .nameservers = &bns, .n_nameservers = 1 };
	struct fx f = compile(MAP(SELF46, DNS_CONFIG(",\"Resolvers\":[{\"Addr\":\"9.9.9.9\"},"
						     "{\"Addr\":\"https://dns.example/q\"}]")),
			      true, TN_DNS_OS_DIRECT, &base);
	const struct tn_dns_resolver_config *r = &f.cc->resolver;

	/* Default resolvers beat the old resolv.conf for ".". */
	assert_int_equal(r->n_routes, 3);
	assert_string_equal(r->routes[2].suffix, ".");
	assert_int_equal(r->routes[2].n_ups, 2);
	assert_string_equal(r->routes[2].ups[0].addr, "9.9.9.9");
	assert_true(r->routes[2].ups[0].has_ipport);
	assert_false(r->routes[2].ups[1].has_ipport);
	assert_ns(&f.cc->os, quad100, 2);
	release(&f);

	/* Resolvers and nothing else (no hosts, no routes): the OS gets them
	 * directly and quad-100 is not involved. */
	f = compile("{\"DNSConfig\":{\"Resolvers\":[{\"Addr\":\"9.9.9.9\"},{\"Addr\":\"1.1.1.1\"}],"
		    "\"Domains\":[\"x.example\"]}}",
		    true, TN_DNS_OS_DIRECT, &base);
	{
		static const char *const want[] = { "9.9.9.9", "1.1.1.1" };
		static const char *const search[] = { "x.example." };

		assert_ns(&f.cc->os, want, 2);
		assert_strings(f.cc->os.search, f.cc->os.n_search, search, 1);
	}
	assert_int_equal(f.cc->resolver.n_routes, 0);
	release(&f);
	/* A resolver on another port needs quad-100 in between. */
	f = compile("{\"DNSConfig\":{\"Resolvers\":[{\"Addr\":\"9.9.9.9\"},{\"Addr\":\"1.1.1.1:5353\"}]}}",
		    true, TN_DNS_OS_DIRECT, &base);
	assert_ns(&f.cc->os, quad100, 2);
	assert_int_equal(f.cc->resolver.n_routes, 1);
	assert_int_equal(f.cc->resolver.routes[0].n_ups, 2);
	release(&f);
}

static void one_resolver_set_goes_to_resolved(void **state)
{
	static const char *dns = "{\"Routes\":{\"a.example\":[{\"Addr\":\"10.0.0.1\"}],"
				 "\"b.example\":[{\"Addr\":\"10.0.0.1\"}]}}";
	static const char *const want[] = { "10.0.0.1" };
	static const char *const match[] = { "a.example.", "b.example." };
	char json[4096];
	struct fx f;

	snprintf(json, sizeof(json), "{\"Node\":%s,\"DNSConfig\":%s}", SELF46, dns);
	f = compile(json, true, TN_DNS_OS_SPLIT, NULL);
	assert_ns(&f.cc->os, want, 1);
	assert_strings(f.cc->os.match, f.cc->os.n_match, match, 2);
	assert_int_equal(f.cc->resolver.n_routes, 0);
	release(&f);
	/* resolv.conf cannot: everything through quad-100. */
	f = compile(json, true, TN_DNS_OS_DIRECT, NULL);
	assert_ns(&f.cc->os, quad100, 2);
	assert_int_equal(f.cc->os.n_match, 0);
	assert_int_equal(f.cc->resolver.n_routes, 3);
	release(&f);
}

static void nothing_to_do(void **state)
{
	struct fx f = compile(MAP(SELF46, "{}"), true, TN_DNS_OS_DIRECT, NULL);

	assert_true(tn_dns_os_config_is_zero(&f.cc->os));
	assert_int_equal(f.cc->resolver.n_routes, 0);
	assert_int_equal(f.cc->resolver.n_local_domains, 0);
	/* Hosts are there all the same (Go fills them unconditionally). */
	assert_int_equal(f.cc->resolver.n_hosts, 4);
	release(&f);
	/* MagicDNS off, a search domain: Go's OS config is the search line
	 * alone. */
	f = compile(MAP(SELF46, "{\"Domains\":[\"tailnet.test\"]}"), true, TN_DNS_OS_DIRECT, NULL);
	assert_int_equal(f.cc->os.n_nameservers, 0);
	assert_int_equal(f.cc->os.n_search, 1);
	release(&f);
	/* No DNSConfig at all. */
	f = compile("{\"Node\":" SELF46 "}", true, TN_DNS_OS_DIRECT, NULL);
	assert_true(tn_dns_os_config_is_zero(&f.cc->os));
	assert_int_equal(f.cc->resolver.n_hosts, 1);
	release(&f);
}

static void service_addresses(void **state)
{
	static const char *const v6[] = { "fd7a:115c:a1e0::53" };
	static const char *const v4[] = { "100.100.100.100" };
	struct fx f = compile(MAP(SELF_NODE("\"fd7a:115c:a1e0::1/128\"", ""), DNS_CONFIG("")), true,
			      TN_DNS_OS_DIRECT, NULL);

	assert_true(f.cfg->only_ipv6);
	assert_ns(&f.cc->os, v6, 1);
	release(&f);
	f = compile(MAP(SELF_NODE("\"100.64.0.1/32\",\"fd7a:115c:a1e0::1/128\"",
				  "\"force-register-magicdns-ipv4-only\":[]"),
			DNS_CONFIG("")),
		    true, TN_DNS_OS_DIRECT, NULL);
	assert_ns(&f.cc->os, v4, 1);
	release(&f);
}

static void split_route_replaces_magic_zone(void **state)
{
	/* A split route for the tailnet's own domain takes it over (Go's
	 * map assignment: the later entry wins). */
	struct fx f = compile(MAP(SELF46, "{\"Proxied\":true,\"Routes\":{\"Tailnet.Test\":"
					  "[{\"Addr\":\"10.3.3.3\"}],\".\":[{\"Addr\":\"10.4.4.4\"}]}}"),
			      true, TN_DNS_OS_SPLIT, NULL);
	const struct tn_dns_resolver_config *r = &f.cc->resolver;

	assert_int_equal(r->n_local_domains, 65);
	assert_int_equal(r->n_routes, 2);
	assert_string_equal(r->routes[0].suffix, "tailnet.test.");
	assert_string_equal(r->routes[1].suffix, ".");
	assert_string_equal(r->routes[1].ups[0].addr, "10.4.4.4");
	release(&f);
}

static void names_and_suffixes(void **state)
{
	assert_int_equal(tn_dns_labels("."), 0);
	assert_int_equal(tn_dns_labels("a."), 1);
	assert_int_equal(tn_dns_labels("a.b.c."), 3);
	assert_int_equal(tn_dns_labels("a\\.b.c."), 2);
	assert_true(tn_dns_suffix_contains(".", "anything.example."));
	assert_true(tn_dns_suffix_contains("example.", "example."));
	assert_true(tn_dns_suffix_contains("example.", "a.example."));
	assert_false(tn_dns_suffix_contains("example.", "aexample."));
	assert_false(tn_dns_suffix_contains("a.example.", "example."));
	/* An escaped dot is not a label boundary. */
	assert_false(tn_dns_suffix_contains("example.", "a\\.example."));
	assert_true(tn_dns_suffix_contains("example.", "a\\\\.example."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hosts_table),
		cmocka_unit_test(routes_and_local_domains),
		cmocka_unit_test(split_dns_os),
		cmocka_unit_test(default_resolvers),
		cmocka_unit_test(one_resolver_set_goes_to_resolved),
		cmocka_unit_test(nothing_to_do),
		cmocka_unit_test(service_addresses),
		cmocka_unit_test(split_route_replaces_magic_zone),
		cmocka_unit_test(names_and_suffixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The filter against golden ACL outputs: the JSON files of
 * tests/unit/filter/data/, extracted from headscale v0.29.3's policy test
 * captures (see data/README.md).  Each file holds a policy, a topology, and per node the
 * FilterRules the control plane sent it plus Go's parse of those rules
 * (filter.Match).  For every node:
 *   - the rules compile with nothing skipped;
 *   - a differential check against Go's parse: packets at the edges of
 *     every source prefix, destination and port range of every Match
 *     (and just outside them) get the verdict a brute-force matcher over
 *     Go's Matches gives (the oracle below: Go's match and matchIPsOnly
 *     over the node's AllowedIPs as local destinations);
 * and then a table of cases written by hand from each policy's meaning.
 *
 *   unit-filter-headscale DATA_DIR
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>

#include "testpkt.h"

static const char *data_dir;

/* --- Go's parse as an oracle ---------------------------------------------- */

struct opfx {
	int version;
	uint8_t addr[16];
	unsigned bits;
};

struct odst {
	struct opfx net;
	uint16_t first, last;
};

struct omatch {
	int protos[8];
	size_t n_protos;
	struct opfx srcs[64];
	size_t n_srcs;
	struct odst dsts[16];
	size_t n_dsts;
};

struct onode {
	const char *name;
	json_t *rules;                 /* borrowed */
	struct opfx local[8];
	size_t n_local;
	struct omatch m[8];
	size_t n_m;
};

static void opfx_parse(struct opfx *p, const char *text)
{
	struct tn_tailcfg_prefix tp;

	assert_int_equal(tn_tailcfg_prefix_parse(&tp, text, strlen(text)), 0);
	p->version = tp.family == AF_INET ? 4 : 6;
	memcpy(p->addr, tp.addr, 16);
	p->bits = tp.bits;
}

/* Bit by bit, independently of src/filter/ipset.c. */
static bool opfx_contains(const struct opfx *p, int version, const uint8_t *a)
{
	if (p->version != version)
		return false;
	for (unsigned i = 0; i < p->bits; i++)
		if ((p->addr[i / 8] ^ a[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

static bool oracle_local(const struct onode *n, int v, const uint8_t *dst)
{
	for (size_t i = 0; i < n->n_local; i++)
		if (opfx_contains(&n->local[i], v, dst))
			return true;
	return false;
}

static bool src_in(const struct omatch *m, int v, const uint8_t *src)
{
	for (size_t i = 0; i < m->n_srcs; i++)
		if (opfx_contains(&m->srcs[i], v, src))
			return true;
	return false;
}

/* Go's matches.match (no capabilities in this data). */
static bool oracle_match(const struct onode *n, int proto, int v, const uint8_t *src,
			 const uint8_t *dst, uint16_t port)
{
	for (size_t i = 0; i < n->n_m; i++) {
		const struct omatch *m = &n->m[i];
		bool p = false;

		for (size_t j = 0; j < m->n_protos; j++)
			p |= m->protos[j] == proto;
		if (!p || !src_in(m, v, src))
			continue;
		for (size_t j = 0; j < m->n_dsts; j++)
			if (opfx_contains(&m->dsts[j].net, v, dst) && port >= m->dsts[j].first &&
			    port <= m->dsts[j].last)
				return true;
	}
	return false;
}

/* Go's matchIPsOnly. */
static bool oracle_ips_only(const struct onode *n, int v, const uint8_t *src, const uint8_t *dst)
{
	for (size_t i = 0; i < n->n_m; i++) {
		if (!src_in(&n->m[i], v, src))
			continue;
		for (size_t j = 0; j < n->m[i].n_dsts; j++)
			if (opfx_contains(&n->m[i].dsts[j].net, v, dst))
				return true;
	}
	return false;
}

static enum tn_filter_verdict oracle(const struct onode *n, uint8_t proto, int v,
				     const uint8_t *src, const uint8_t *dst, uint16_t port)
{
	if (!oracle_local(n, v, dst))
		return TN_FILTER_DROP;
	if (proto == (v == 4 ? TN_IPPROTO_ICMP : TN_IPPROTO_ICMPV6))
		return oracle_ips_only(n, v, src, dst) ? TN_FILTER_ACCEPT : TN_FILTER_DROP;
	return oracle_match(n, proto, v, src, dst, port) ? TN_FILTER_ACCEPT : TN_FILTER_DROP;
}

static void onode_load(struct onode *n, const char *name, json_t *jn)
{
	json_t *v, *m;
	size_t i, j;

	memset(n, 0, sizeof(*n));
	n->name = name;
	n->rules = json_object_get(jn, "packet_filter_rules");
	json_array_foreach(json_object_get(jn, "allowed_ips"), i, v) {
		assert_true(n->n_local < 8);
		opfx_parse(&n->local[n->n_local++], json_string_value(v));
	}
	json_array_foreach(json_object_get(jn, "packet_filter_matches"), i, m) {
		struct omatch *om = &n->m[n->n_m++];

		assert_true(n->n_m <= 8);
		assert_int_equal(json_array_size(json_object_get(m, "SrcCaps")), 0);
		json_array_foreach(json_object_get(m, "IPProto"), j, v) {
			assert_true(om->n_protos < 8);
			om->protos[om->n_protos++] = (int)json_integer_value(v);
		}
		json_array_foreach(json_object_get(m, "Srcs"), j, v) {
			assert_true(om->n_srcs < 64);
			opfx_parse(&om->srcs[om->n_srcs++], json_string_value(v));
		}
		json_array_foreach(json_object_get(m, "Dsts"), j, v) {
			struct odst *d = &om->dsts[om->n_dsts++];
			json_t *ports = json_object_get(v, "Ports");

			assert_true(om->n_dsts <= 16);
			opfx_parse(&d->net, json_string_value(json_object_get(v, "Net")));
			d->first = (uint16_t)json_integer_value(json_object_get(ports, "First"));
			d->last = (uint16_t)json_integer_value(json_object_get(ports, "Last"));
		}
	}
}

static struct tn_filter *compile_node(const struct onode *n)
{
	struct test_rules tr;
	struct tn_tailcfg_prefix local[8];
	struct tn_filter_config cfg = { 0 };
	struct tn_filter_info info;
	struct tn_filter *f;
	char err[TN_TAILCFG_ERR_MAX], warn[200];

	assert_int_equal(tn_tailcfg_filter_rules_parse(&tr.rules, &tr.n, n->rules, err,
						       sizeof(err)), 0);
	tr.ptrs = calloc(tr.n ? tr.n : 1, sizeof(*tr.ptrs));
	assert_non_null(tr.ptrs);
	for (size_t i = 0; i < tr.n; i++)
		tr.ptrs[i] = &tr.rules[i];
	for (size_t i = 0; i < n->n_local; i++) {
		local[i].family = n->local[i].version == 4 ? AF_INET : AF_INET6;
		local[i].bits = (uint8_t)n->local[i].bits;
		memcpy(local[i].addr, n->local[i].addr, 16);
	}
	cfg.rules = tr.ptrs;
	cfg.n_rules = tr.n;
	cfg.local = local;
	cfg.n_local = n->n_local;
	assert_int_equal(tn_filter_new(&f, &cfg, warn, sizeof(warn)), 0);
	tn_filter_info(f, &info);
	if (info.skipped)
		fail_msg("%s: %s", n->name, warn);
	test_rules_free(&tr);
	return f;
}

/* --- probes at the edges of Go's Matches ------------------------------------ */

static void addr_step(int v, const uint8_t *in, int delta, uint8_t *out)
{
	struct tn_addr128 a = tn_addr128_from_bytes(v, in);

	if (delta > 0) {
		if (++a.lo == 0)
			a.hi++;
	} else {
		if (a.lo-- == 0)
			a.hi--;
	}
	tn_addr128_to_bytes(v, a, out);
}

static void prefix_ends(const struct opfx *p, uint8_t first[16], uint8_t last[16])
{
	size_t n = p->version == 4 ? 4 : 16;

	for (size_t i = 0; i < n; i++) {
		unsigned keep = p->bits >= 8 * (i + 1) ? 8 : p->bits > 8 * i ? p->bits - 8 * i : 0;
		uint8_t mask = (uint8_t)(0xff00 >> keep);

		first[i] = p->addr[i] & mask;
		last[i] = (uint8_t)(p->addr[i] | ~mask);
	}
}

struct probe_stats {
	size_t probes, accepted;
};

static void probe(const struct tn_filter *f, const struct onode *n, uint8_t proto, int v,
		  const uint8_t *src, const uint8_t *dst, uint16_t port, struct probe_stats *st)
{
	uint8_t b[PKT_MAX];
	size_t len = mkpkt_raw(b, proto, v, src, dst, 33333, port,
			       proto == TN_IPPROTO_TCP ? TN_TCP_SYN : v == 4 ? 8 : 128);
	enum tn_filter_verdict want = oracle(n, proto, v, src, dst, port), got;
	enum tn_filter_reason why;

	got = tn_filter_run_in(f, NULL, b, len, 0, &why);
	st->probes++;
	st->accepted += got == TN_FILTER_ACCEPT;
	if (got != want) {
		char s[64], d[64];

		inet_ntop(v == 4 ? AF_INET : AF_INET6, src, s, sizeof(s));
		inet_ntop(v == 4 ? AF_INET : AF_INET6, dst, d, sizeof(d));
		fail_msg("%s: proto %u %s -> %s:%u: got %s (%s), Go's matches say %s", n->name, proto,
			 s, d, port, got ? "accept" : "drop", tn_filter_reason_name(why),
			 want ? "accept" : "drop");
	}
}

static void probe_node(const struct tn_filter *f, const struct onode *n, struct probe_stats *st)
{
	static const uint8_t protos[] = { TN_IPPROTO_TCP, TN_IPPROTO_UDP, TN_IPPROTO_SCTP, 0 };

	for (size_t i = 0; i < n->n_m; i++) {
		const struct omatch *m = &n->m[i];

		for (size_t j = 0; j < m->n_dsts; j++) {
			const struct odst *d = &m->dsts[j];
			int v = d->net.version;
			uint8_t dsts[2 + 8][16], srcs[4][16];
			size_t nd = 2;
			uint32_t ports[4] = { d->first, d->last, (uint32_t)d->first - 1,
					      (uint32_t)d->last + 1 };

			prefix_ends(&d->net, dsts[0], dsts[1]);
			for (size_t k = 0; k < n->n_local; k++)
				if (n->local[k].version == v)
					prefix_ends(&n->local[k], dsts[nd++], srcs[0]);
			for (size_t s = 0; s < m->n_srcs; s++) {
				if (m->srcs[s].version != v)
					continue;
				prefix_ends(&m->srcs[s], srcs[0], srcs[1]);
				addr_step(v, srcs[0], -1, srcs[2]);
				addr_step(v, srcs[1], +1, srcs[3]);
				for (size_t a = 0; a < 4; a++)
					for (size_t b = 0; b < nd; b++) {
						for (size_t p = 0; p < 4; p++) {
							if (ports[p] > 65535)
								continue;
							for (size_t q = 0; q < 3; q++)
								probe(f, n, protos[q], v, srcs[a], dsts[b],
								      (uint16_t)ports[p], st);
							if (m->n_protos != 4)
								for (size_t q = 0; q < m->n_protos; q++)
									if (m->protos[q] > 0 && m->protos[q] < 255 &&
									    m->protos[q] != TN_IPPROTO_TSMP)
										probe(f, n, (uint8_t)m->protos[q], v,
										      srcs[a], dsts[b],
										      (uint16_t)ports[p], st);
						}
						probe(f, n, v == 4 ? TN_IPPROTO_ICMP : TN_IPPROTO_ICMPV6, v,
						      srcs[a], dsts[b], 0, st);
					}
			}
		}
	}
}

/* Every node of the topology to each of our local prefixes: covers nodes
 * that have no Matches at all (nothing may pass) and CapGrant-only rules. */
static void probe_topology(const struct tn_filter *f, const struct onode *n, json_t *topo,
			   struct probe_stats *st)
{
	static const uint8_t protos[] = { TN_IPPROTO_TCP, TN_IPPROTO_UDP };
	static const uint16_t ports[] = { 22, 80, 443 };
	const char *key;
	json_t *peer;

	json_object_foreach(topo, key, peer) {
		for (int v = 4; v <= 6; v += 2) {
			const char *text = json_string_value(json_object_get(peer, v == 4 ? "ipv4" : "ipv6"));
			uint8_t src[16], dst[16], last[16];

			assert_int_equal(inet_pton(v == 4 ? AF_INET : AF_INET6, text, src), 1);
			for (size_t k = 0; k < n->n_local; k++) {
				if (n->local[k].version != v)
					continue;
				prefix_ends(&n->local[k], dst, last);
				for (size_t p = 0; p < 2; p++)
					for (size_t q = 0; q < 3; q++)
						probe(f, n, protos[p], v, src, dst, ports[q], st);
				probe(f, n, v == 4 ? TN_IPPROTO_ICMP : TN_IPPROTO_ICMPV6, v, src, dst, 0, st);
			}
		}
	}
}

static json_t *load(const char *name)
{
	char path[512];
	json_error_t jerr;
	json_t *v;

	snprintf(path, sizeof(path), "%s/%s.json", data_dir, name);
	if (!(v = json_load_file(path, 0, &jerr)))
		fail_msg("%s: %s", path, jerr.text);
	return v;
}

/* Every data file, every node: compiles cleanly, agrees with Go's parse. */
static void agrees_with_go(void **state)
{
	DIR *dir = opendir(data_dir);
	struct dirent *de;
	size_t files = 0;

	assert_non_null(dir);
	while ((de = readdir(dir))) {
		char name[256];
		const char *key;
		json_t *d, *jn;
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), de->d_name);
		d = load(name);
		assert_non_null(strstr(json_string_value(json_object_get(d, "source")), "headscale"));
		json_object_foreach(json_object_get(d, "nodes"), key, jn) {
			struct onode *n = malloc(sizeof(*n));
			struct probe_stats st = { 0 };
			struct tn_filter *f;

			assert_non_null(n);
			onode_load(n, key, jn);
			f = compile_node(n);
			probe_node(f, n, &st);
			probe_topology(f, n, json_object_get(d, "topology"), &st);
			/* Where Go has matches, some probes must pass. */
			assert_true(st.probes > 0);
			if (n->n_m && n->m[0].n_dsts)
				assert_true(st.accepted > 0 && st.accepted < st.probes);
			if (getenv("FILTER_TEST_VERBOSE"))
				printf("%s %s: %zu probes, %zu accepted\n", name, key, st.probes,
				       st.accepted);
			tn_filter_free(f);
			free(n);
		}
		json_decref(d);
		files++;
	}
	closedir(dir);
	assert_true(files >= 9);
}

/* --- cases written from each policy ------------------------------------------ */

/* An address: "@node" (its IPv4), "@node/6" (its IPv6), or a literal. */
static void resolve(json_t *topo, const char *ref, char *out, size_t len)
{
	json_t *n;
	char name[64];
	bool v6;

	if (ref[0] != '@') {
		snprintf(out, len, "%s", ref);
		return;
	}
	v6 = strstr(ref, "/6") != NULL;
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(ref + 1, "/"), ref + 1);
	n = json_object_get(topo, name);
	if (!n)
		fail_msg("no node %s", name);
	snprintf(out, len, "%s", json_string_value(json_object_get(n, v6 ? "ipv6" : "ipv4")));
}

struct hcase {
	const char *file, *node;
	uint8_t proto;
	const char *src, *dst;
	uint16_t port;
	enum tn_filter_verdict want;
};

#define A TN_FILTER_ACCEPT
#define D TN_FILTER_DROP
#define TCP TN_IPPROTO_TCP
#define UDP TN_IPPROTO_UDP
#define ICMP TN_IPPROTO_ICMP
#define ICMP6 TN_IPPROTO_ICMPV6

static const struct hcase cases[] = {
	/* autogroup:member -> *:*.  Members are the user-owned nodes
	 * (bulbasaur, ivysaur, venusaur); tagged nodes are not members. */
	{ "acl-a01", "beedrill", TCP, "@bulbasaur", "@beedrill", 22, A },
	{ "acl-a01", "beedrill", TCP, "@bulbasaur/6", "@beedrill/6", 22, A },
	{ "acl-a01", "beedrill", UDP, "@ivysaur", "@beedrill", 5000, A },
	{ "acl-a01", "beedrill", ICMP, "@venusaur", "@beedrill", 0, A },
	{ "acl-a01", "beedrill", TCP, "@kakuna", "@beedrill", 22, D },
	{ "acl-a01", "beedrill", TCP, "@weedle/6", "@beedrill/6", 443, D },
	{ "acl-a01", "beedrill", TCP, "8.8.8.8", "@beedrill", 22, D },
	{ "acl-a01", "bulbasaur", TCP, "@ivysaur", "@bulbasaur", 80, A },
	/* *:* includes the routes a router serves, and only those */
	{ "acl-a01", "squirtle", TCP, "@bulbasaur", "10.33.0.9", 80, A },
	{ "acl-a01", "squirtle", TCP, "@kakuna", "10.33.0.9", 80, D },
	{ "acl-a01", "squirtle", TCP, "@bulbasaur", "10.34.0.1", 80, D },
	/* * -> internal (10.0.0.0/8):22, subnet24:80, tag:server:443 */
	{ "acl-ah03", "beedrill", TCP, "@kakuna", "@beedrill", 443, A },
	{ "acl-ah03", "beedrill", TCP, "@kakuna", "@beedrill", 80, D },
	{ "acl-ah03", "beedrill", TCP, "@kakuna", "@beedrill", 22, D },
	{ "acl-ah03", "squirtle", TCP, "@kakuna", "10.33.1.1", 22, A },
	{ "acl-ah03", "squirtle", TCP, "@kakuna", "10.33.1.1", 80, D },
	{ "acl-ah03", "squirtle", TCP, "@kakuna", "@squirtle", 22, D },
	{ "acl-ah03", "bulbasaur", TCP, "@kakuna", "@bulbasaur", 80, D },
	/* * -> tag:server:80-443; "*" is the tailnet and its routes */
	{ "acl-p02", "beedrill", TCP, "@kakuna", "@beedrill", 80, A },
	{ "acl-p02", "beedrill", TCP, "@kakuna", "@beedrill", 443, A },
	{ "acl-p02", "beedrill", TCP, "@kakuna", "@beedrill", 79, D },
	{ "acl-p02", "beedrill", TCP, "@kakuna", "@beedrill", 444, D },
	{ "acl-p02", "beedrill", UDP, "@kakuna/6", "@beedrill/6", 100, A },
	{ "acl-p02", "beedrill", ICMP, "@kakuna", "@beedrill", 0, A },
	{ "acl-p02", "beedrill", TCP, "10.33.0.1", "@beedrill", 80, A },
	{ "acl-p02", "beedrill", TCP, "8.8.8.8", "@beedrill", 80, D },
	{ "acl-p02", "bulbasaur", TCP, "@kakuna", "@bulbasaur", 80, D },
	/* proto tcp: no UDP; ICMP follows any open port (Go's rule) */
	{ "acl-p04", "beedrill", TCP, "@ivysaur", "@beedrill", 22, A },
	{ "acl-p04", "beedrill", UDP, "@ivysaur", "@beedrill", 22, D },
	{ "acl-p04", "beedrill", TN_IPPROTO_SCTP, "@ivysaur", "@beedrill", 22, D },
	{ "acl-p04", "beedrill", TCP, "@ivysaur", "@beedrill", 23, D },
	{ "acl-p04", "beedrill", ICMP, "@ivysaur", "@beedrill", 0, A },
	/* proto udp */
	{ "acl-p05", "beedrill", UDP, "@ivysaur", "@beedrill", 53, A },
	{ "acl-p05", "beedrill", TCP, "@ivysaur", "@beedrill", 53, D },
	{ "acl-p05", "beedrill", UDP, "@ivysaur", "@beedrill", 54, D },
	/* proto 1 (ICMP) to all ports: ICMP only, and ICMPv6 by the same
	 * any-port rule */
	{ "acl-p06", "beedrill", ICMP, "@ivysaur", "@beedrill", 0, A },
	{ "acl-p06", "beedrill", ICMP6, "@ivysaur/6", "@beedrill/6", 0, A },
	{ "acl-p06", "beedrill", TCP, "@ivysaur", "@beedrill", 22, D },
	{ "acl-p06", "beedrill", UDP, "@ivysaur", "@beedrill", 53, D },
	/* an app grant alone (CapGrant) opens nothing */
	{ "grant-a6", "bulbasaur", TCP, "@bulbasaur", "@bulbasaur", 80, D },
	{ "grant-a6", "bulbasaur", ICMP, "@bulbasaur", "@bulbasaur", 0, D },
	{ "grant-a6", "bulbasaur", TCP, "@ivysaur", "@bulbasaur", 80, D },
	/* ip tcp:80, tcp:443 with an app grant beside it */
	{ "grant-f1", "beedrill", TCP, "@kakuna", "@beedrill", 80, A },
	{ "grant-f1", "beedrill", TCP, "@kakuna/6", "@beedrill/6", 443, A },
	{ "grant-f1", "beedrill", TCP, "@kakuna", "@beedrill", 81, D },
	{ "grant-f1", "beedrill", UDP, "@kakuna", "@beedrill", 80, D },
	/* * -> 10.33.0.0/16:*, served by two routers (caterpie: 10/8) */
	{ "routes-a3-explicit-subnet-filter-to-router", "squirtle", TCP, "@kakuna", "10.33.3.3", 9999, A },
	{ "routes-a3-explicit-subnet-filter-to-router", "squirtle", UDP, "@kakuna", "10.33.3.3", 9999, A },
	{ "routes-a3-explicit-subnet-filter-to-router", "squirtle", TCP, "@kakuna", "@squirtle", 9999, D },
	{ "routes-a3-explicit-subnet-filter-to-router", "caterpie", TCP, "@kakuna", "10.33.3.3", 22, A },
	{ "routes-a3-explicit-subnet-filter-to-router", "caterpie", TCP, "@kakuna", "10.34.0.1", 22, D },
	{ "routes-a3-explicit-subnet-filter-to-router", "caterpie", TCP, "192.168.1.5", "10.33.0.1", 22, A },
	{ "routes-a3-explicit-subnet-filter-to-router", "caterpie", TCP, "172.16.1.1", "10.33.0.1", 22, D },
};

static void policy_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hcase *c = &cases[i];
		json_t *d = load(c->file), *jn = json_object_get(json_object_get(d, "nodes"), c->node);
		struct onode *n = malloc(sizeof(*n));
		char src[64], dst[64];
		enum tn_filter_reason why;
		enum tn_filter_verdict got;
		struct tn_filter *f;

		assert_non_null(n);
		assert_non_null(jn);
		onode_load(n, c->node, jn);
		f = compile_node(n);
		resolve(json_object_get(d, "topology"), c->src, src, sizeof(src));
		resolve(json_object_get(d, "topology"), c->dst, dst, sizeof(dst));
		got = run_in(f, NULL, 0, c->proto, src, dst, 40000, c->port,
			     c->proto == TCP ? TN_TCP_SYN : c->proto == ICMP ? 8 : 128, &why);
		if (got != c->want)
			fail_msg("%s %s: proto %u %s -> %s:%u: got %s (%s)", c->file, c->node, c->proto,
				 src, dst, c->port, got ? "accept" : "drop", tn_filter_reason_name(why));
		tn_filter_free(f);
		free(n);
		json_decref(d);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(agrees_with_go),
		cmocka_unit_test(policy_cases),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
		return 2;
	}
	data_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}

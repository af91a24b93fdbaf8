/* FilterRule JSON compiled into a packet filter and packets matched
 * against it (src/filter/filter_compile.c, filter.c).
 *
 * The input is a JSON array of FilterRules, then a NUL, then packet
 * descriptions of 24 bytes each: byte 0 picks the family (bit 0), the
 * protocol (bits 1-3: TCP SYN, TCP ACK, UDP, SCTP, ICMP echo, ICMP reply,
 * TSMP, byte 23) and whether source and destination come from the
 * addresses the rules name (bits 4-5, so matches are found); the rest
 * give addresses and ports.  The rules compile for a node whose local
 * destinations are 100.64.0.0/10, 10.0.0.0/8 and fd7a:115c:a1e0::/48,
 * with two peers holding capabilities.
 *
 * Whatever the input: no crash, the digest of the config is the filter's,
 * a verdict is the same twice, shields up accept only what the filter
 * accepts anyway, and, when the rules use only "*", IPs, CIDRs and ranges,
 * every verdict equals the one of a naive matcher written here (each rule
 * in order, its strings parsed again, Go's matches.match and
 * matchIPsOnly): a differential check of the compiled, grouped form.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/tailcfg.h"
#include "filter/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RULES 64
#define MAX_PACKETS 64
#define DESC_LEN 24

/* --- a naive matcher -------------------------------------------------------- */

struct span {
	int version;
	uint8_t lo[16], hi[16];
};

static size_t alen(int v)
{
	return v == 4 ? 4 : 16;
}

static bool in_span(const struct span *s, int v, const uint8_t *a)
{
	return s->version == v && memcmp(s->lo, a, alen(v)) <= 0 && memcmp(a, s->hi, alen(v)) <= 0;
}

/* One SrcIPs/DstPorts string as up to two spans; 0 spans when invalid;
 * -1 when the naive matcher does not model it (capabilities, zones). */
static int spans_of(const char *s, struct span out[2])
{
	struct tn_tailcfg_prefix p;
	struct tn_tailcfg_ip a, b;
	const char *dash;
	int v;

	if (!strcmp(s, "*")) {
		memset(out, 0, 2 * sizeof(*out));
		out[0].version = 4;
		memset(out[0].hi, 0xff, 4);
		out[1].version = 6;
		memset(out[1].hi, 0xff, 16);
		return 2;
	}
	if (!strncmp(s, "cap:", 4) || strchr(s, '%'))
		return -1;
	if (strchr(s, '/')) {
		if (tn_tailcfg_prefix_parse(&p, s, strlen(s)))
			return 0;
		v = p.family == AF_INET ? 4 : 6;
		memset(&out[0], 0, sizeof(out[0]));
		out[0].version = v;
		for (unsigned i = 0; i < 8 * alen(v); i++) {
			uint8_t bit = (uint8_t)(0x80 >> (i % 8));

			if (i < p.bits) {
				out[0].lo[i / 8] |= p.addr[i / 8] & bit;
				out[0].hi[i / 8] |= p.addr[i / 8] & bit;
			} else {
				if (p.addr[i / 8] & bit)
					return 0;          /* host bits: invalid */
				out[0].hi[i / 8] |= bit;
			}
		}
		return 1;
	}
	dash = strchr(s, '-');
	if (dash && !strchr(dash + 1, '-')) {
		if (tn_tailcfg_ip_parse(&a, s, (size_t)(dash - s)) ||
		    tn_tailcfg_ip_parse(&b, dash + 1, strlen(dash + 1)) || a.family != b.family)
			return 0;
		v = a.family == AF_INET ? 4 : 6;
		if (memcmp(a.addr, b.addr, alen(v)) > 0)
			return 0;
		out[0].version = v;
		memcpy(out[0].lo, a.addr, 16);
		memcpy(out[0].hi, b.addr, 16);
		return 1;
	}
	if (tn_tailcfg_ip_parse(&a, s, strlen(s)))
		return 0;
	out[0].version = a.family == AF_INET ? 4 : 6;
	memcpy(out[0].lo, a.addr, 16);
	memcpy(out[0].hi, a.addr, 16);
	return 1;
}

static bool naive_src(const struct tn_tailcfg_filter_rule *r, int v, const uint8_t *src)
{
	struct span sp[2];

	for (size_t i = 0; i < r->n_src_ips; i++) {
		int n = spans_of(r->src_ips[i], sp);

		for (int k = 0; k < n; k++)
			if (in_span(&sp[k], v, src))
				return true;
	}
	return false;
}

static bool naive_proto(const struct tn_tailcfg_filter_rule *r, int proto)
{
	if (!r->n_ip_proto)
		return proto == 6 || proto == 17 || proto == 1 || proto == 58;
	for (size_t i = 0; i < r->n_ip_proto; i++)
		if (r->ip_proto[i] == proto)
			return true;
	return false;
}

/* ports < 0: any port (matchIPsOnly); all: only entries for all ports */
static bool naive_dst(const struct tn_tailcfg_filter_rule *r, int v, const uint8_t *dst, int port,
		      bool all)
{
	struct span sp[2];

	for (size_t i = 0; i < r->n_dst_ports; i++) {
		const struct tn_tailcfg_net_port_range *d = &r->dst_ports[i];
		int n = spans_of(d->ip, sp);

		if (all && (d->first != 0 || d->last != 65535))
			continue;
		if (port >= 0 && (port < d->first || port > d->last))
			continue;
		for (int k = 0; k < n; k++)
			if (in_span(&sp[k], v, dst))
				return true;
	}
	return false;
}

static const char *const local_text[] = { "100.64.0.0/10", "10.0.0.0/8", "fd7a:115c:a1e0::/48" };

static bool naive_local(int v, const uint8_t *dst)
{
	struct span sp[2];

	for (size_t i = 0; i < 3; i++)
		if (spans_of(local_text[i], sp) == 1 && in_span(&sp[0], v, dst))
			return true;
	return false;
}

static bool multicast_or_link_local(int v, const uint8_t *d)
{
	if (v == 4)
		return (d[0] & 0xf0) == 0xe0 ||
		       (d[0] == 169 && d[1] == 254 && !(d[2] == 169 && d[3] == 254));
	if (d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80))
		return true;
	/* IPv4-mapped: classified as IPv4 (169.254.169.254 is not excepted) */
	if (!memcmp(d, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))
		return (d[12] & 0xf0) == 0xe0 || (d[12] == 169 && d[13] == 254);
	return false;
}

static enum tn_filter_verdict naive(const struct tn_tailcfg_filter_rule *rules, size_t n, int v,
				    int proto, bool syn, uint8_t icmp_type, const uint8_t *src,
				    const uint8_t *dst, int port)
{
	int icmp = v == 4 ? 1 : 58;

	if (multicast_or_link_local(v, dst) || !naive_local(v, dst))
		return TN_FILTER_DROP;
	if (proto == icmp && (icmp_type == (v == 4 ? 0 : 129)))
		return TN_FILTER_ACCEPT;
	if ((proto == 6 && !syn) || proto == 99)
		return TN_FILTER_ACCEPT;
	for (size_t i = 0; i < n; i++) {
		const struct tn_tailcfg_filter_rule *r = &rules[i];

		if (!naive_src(r, v, src))
			continue;
		if (proto == icmp ? naive_dst(r, v, dst, -1, false)
		    : proto == 6 || proto == 17 || proto == 132
		    ? naive_proto(r, proto) && naive_dst(r, v, dst, port, false)
		    : naive_proto(r, proto) && naive_dst(r, v, dst, -1, true))
			return TN_FILTER_ACCEPT;
	}
	return TN_FILTER_DROP;
}

/* --- the target -------------------------------------------------------------- */

/* Addresses the rules name, to aim packets at. */
static size_t collect(const struct tn_tailcfg_filter_rule *rules, size_t n, int v, bool src,
		      uint8_t out[][16], size_t max)
{
	struct span sp[2];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t m = src ? rules[i].n_src_ips : rules[i].n_dst_ports;

		for (size_t j = 0; j < m && k < max; j++) {
			int c = spans_of(src ? rules[i].src_ips[j] : rules[i].dst_ports[j].ip, sp);

			for (int q = 0; q < c && k + 1 < max; q++)
				if (sp[q].version == v) {
					memcpy(out[k++], sp[q].lo, 16);
					memcpy(out[k++], sp[q].hi, 16);
				}
		}
	}
	return k;
}

static size_t build(uint8_t *b, int v, uint8_t proto, const uint8_t *src, const uint8_t *dst,
		    uint16_t sport, uint16_t dport, uint8_t x)
{
	size_t hl = v == 4 ? 20 : 40, l4 = 20;
	uint8_t *t = b + hl;

	memset(b, 0, 64);
	t[0] = (uint8_t)(sport >> 8);
	t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8);
	t[3] = (uint8_t)dport;
	t[12] = 0x50;
	t[13] = x;
	if (proto == 1 || proto == 58) {
		t[0] = x;
		t[1] = 0;
	}
	if (v == 4) {
		b[0] = 0x45;
		b[3] = (uint8_t)(hl + l4);
		b[9] = proto;
		memcpy(b + 12, src, 4);
		memcpy(b + 16, dst, 4);
	} else {
		b[0] = 0x60;
		b[5] = (uint8_t)l4;
		b[6] = proto;
		memcpy(b + 8, src, 16);
		memcpy(b + 24, dst, 16);
	}
	return hl + l4;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t jlen = nul ? (size_t)(nul - data) : size, n = 0;
	struct tn_tailcfg_filter_rule *rules = NULL;
	const struct tn_tailcfg_filter_rule *ptrs[MAX_RULES];
	struct tn_tailcfg_prefix local[3], pa[2], pb[1];
	char *caps_a[] = { "a", "ssh" }, *caps_b[] = { "b" };
	struct tn_tailcfg_node na = { 0 }, nb = { 0 };
	struct tn_tailcfg_node *peers[] = { &na, &nb };
	struct tn_filter_config cfg = { 0 };
	uint8_t digest[TN_FILTER_DIGEST_LEN];
	struct tn_filter *f = NULL;
	char err[TN_TAILCFG_ERR_MAX], warn[128];
	bool modeled = true;
	json_t *v;

	qsort(caps_a, 2, sizeof(*caps_a), cmp_str);
	if (!(v = json_loadb((const char *)data, jlen, 0, NULL)))
		return 0;
	if (tn_tailcfg_filter_rules_parse(&rules, &n, v, err, sizeof(err)) || n > MAX_RULES) {
		json_decref(v);
		tn_tailcfg_filter_rules_free(rules, n);
		return 0;
	}
	json_decref(v);
	for (size_t i = 0; i < n; i++) {
		ptrs[i] = &rules[i];
		for (size_t j = 0; j < rules[i].n_src_ips; j++)
			modeled &= strncmp(rules[i].src_ips[j], "cap:", 4) && !strchr(rules[i].src_ips[j], '%');
		for (size_t j = 0; j < rules[i].n_dst_ports; j++)
			modeled &= !strchr(rules[i].dst_ports[j].ip, '%');
		modeled &= !rules[i].legacy_bits;
	}
	for (size_t i = 0; i < 3; i++)
		if (tn_tailcfg_prefix_parse(&local[i], local_text[i], strlen(local_text[i])))
			abort();
	tn_tailcfg_prefix_parse(&pa[0], "100.64.9.1/32", 13);
	tn_tailcfg_prefix_parse(&pa[1], "fd7a:115c:a1e0::9:1/128", 23);
	tn_tailcfg_prefix_parse(&pb[0], "100.64.9.2/32", 13);
	na.addresses = pa;
	na.n_addresses = 2;
	na.cap_map = caps_a;
	na.n_cap_map = 2;
	nb.addresses = pb;
	nb.n_addresses = 1;
	nb.cap_map = caps_b;
	nb.n_cap_map = 1;
	cfg.rules = ptrs;
	cfg.n_rules = n;
	cfg.local = local;
	cfg.n_local = 3;
	cfg.peers = peers;
	cfg.n_peers = 2;
	if (tn_filter_new(&f, &cfg, warn, sizeof(warn)))
		goto out;
	if (tn_filter_config_digest(&cfg, digest) ||
	    memcmp(digest, tn_filter_digest(f), sizeof(digest)))
		__builtin_trap();
	if (nul) {
		const uint8_t *p = nul + 1, *end = data + size;
		static const uint8_t protos[8] = { 6, 6, 17, 132, 1, 1, 99, 0 };
		uint8_t addrs[2][64][16];

		for (int k = 0; k < MAX_PACKETS && end - p >= DESC_LEN; k++, p += DESC_LEN) {
			int ver = p[0] & 1 ? 6 : 4, sel = p[0] >> 1 & 7;
			uint8_t proto = sel == 7 ? p[23] : protos[sel], src[16] = { 0 }, dst[16] = { 0 };
			size_t ns = collect(rules, n, ver, true, addrs[0], 64);
			size_t nd = collect(rules, n, ver, false, addrs[1], 64);
			uint8_t x = sel == 0 ? 0x02 : sel == 1 ? 0x10 : sel == 4 ? (ver == 4 ? 8 : 128)
				  : sel == 5 ? (ver == 4 ? 0 : 129) : 0;
			uint16_t dport = (uint16_t)(p[21] << 8 | p[22]);
			uint8_t b[64];
			size_t len;
			enum tn_filter_verdict v1, v2, vs;

			memcpy(src, p + 1, alen(ver));
			memcpy(dst, p + 5, alen(ver));
			if (ver == 6)
				memcpy(src + 4, p + 9, 12);
			if ((p[0] & 0x10) && ns)
				memcpy(src, addrs[0][p[1] % ns], 16);
			if ((p[0] & 0x20) && nd)
				memcpy(dst, addrs[1][p[2] % nd], 16);
			if (proto == 1 || proto == 58)
				proto = ver == 4 ? 1 : 58;
			if (proto == 0 || proto == 255 || proto == 2)
				proto = 47;
			len = build(b, ver, proto, src, dst, 4242, dport, x);
			v1 = tn_filter_run_in(f, NULL, b, len, 0, NULL);
			v2 = tn_filter_run_in(f, NULL, b, len, 0, NULL);
			vs = tn_filter_run_in(f, NULL, b, len, TN_FILTER_SHIELDS_UP, NULL);
			if (v1 != v2 || (vs == TN_FILTER_ACCEPT && v1 != TN_FILTER_ACCEPT))
				__builtin_trap();
			if (modeled && v1 != naive(rules, n, ver, proto, x == 0x02, x, src, dst,
						   dport))
				__builtin_trap();
		}
	}
out:
	tn_filter_free(f);
	tn_tailcfg_filter_rules_free(rules, n);
	return 0;
}

/* Test helpers for the filter tests: packets built from address text, and
 * filters compiled from FilterRule JSON text.  Include after <cmocka.h>. */
#ifndef TN_TEST_FILTER_TESTPKT_H
#define TN_TEST_FILTER_TESTPKT_H

#include <arpa/inet.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/tailcfg.h"
#include "filter/filter.h"

#define PKT_MAX 128

/* An IPv4 or IPv6 packet (by the source text) of protocol proto with a
 * transport header: TCP (flags = TCP flags), UDP, SCTP, ICMP/ICMPv6
 * (flags = ICMP type, code 0), or 8 bytes of payload for any other
 * protocol.  Returns its length. */
static inline size_t mkpkt_raw(uint8_t *b, uint8_t proto, int version, const uint8_t *src,
			       const uint8_t *dst, uint16_t sport, uint16_t dport, uint8_t flags)
{
	bool v6 = version == 6;
	size_t hl = v6 ? 40 : 20, l4;
	uint8_t *t = b + hl;

	memset(b, 0, PKT_MAX);
	switch (proto) {
	case TN_IPPROTO_TCP:
		l4 = 20;
		t[12] = 5 << 4;
		t[13] = flags;
		break;
	case TN_IPPROTO_UDP:
		l4 = 12;
		t[4] = 0;
		t[5] = 12;
		break;
	case TN_IPPROTO_SCTP:
		l4 = 16;
		break;
	case TN_IPPROTO_ICMP:
	case TN_IPPROTO_ICMPV6:
		l4 = 8;
		t[0] = flags;
		break;
	default:
		l4 = 8;
		break;
	}
	if (proto == TN_IPPROTO_TCP || proto == TN_IPPROTO_UDP || proto == TN_IPPROTO_SCTP) {
		t[0] = (uint8_t)(sport >> 8);
		t[1] = (uint8_t)sport;
		t[2] = (uint8_t)(dport >> 8);
		t[3] = (uint8_t)dport;
	}
	if (v6) {
		b[0] = 0x60;
		b[4] = (uint8_t)(l4 >> 8);
		b[5] = (uint8_t)l4;
		b[6] = proto;
		b[7] = 64;
		memcpy(b + 8, src, 16);
		memcpy(b + 24, dst, 16);
	} else {
		b[0] = 0x45;
		b[2] = (uint8_t)((hl + l4) >> 8);
		b[3] = (uint8_t)(hl + l4);
		b[8] = 64;
		b[9] = proto;
		memcpy(b + 12, src, 4);
		memcpy(b + 16, dst, 4);
	}
	return hl + l4;
}

/* The same with addresses as text; the family is the source's. */
static inline size_t mkpkt(uint8_t *b, uint8_t proto, const char *src, const char *dst,
			   uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t s[16], d[16];
	int af = strchr(src, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, src, s) != 1 || inet_pton(af, dst, d) != 1)
		fail_msg("bad test addresses %s -> %s", src, dst);
	return mkpkt_raw(b, proto, af == AF_INET6 ? 6 : 4, s, d, sport, dport, flags);
}

/* Rules parsed from JSON text, kept with the pointer array a config
 * needs. */
struct test_rules {
	struct tn_tailcfg_filter_rule *rules;
	const struct tn_tailcfg_filter_rule **ptrs;
	size_t n;
};

static inline void test_rules_parse(struct test_rules *tr, const char *json)
{
	json_error_t jerr;
	json_t *v = json_loads(json, 0, &jerr);
	char err[TN_TAILCFG_ERR_MAX];

	if (!v)
		fail_msg("bad test JSON: %s: %s", jerr.text, json);
	assert_int_equal(tn_tailcfg_filter_rules_parse(&tr->rules, &tr->n, v, err, sizeof(err)), 0);
	json_decref(v);
	tr->ptrs = calloc(tr->n ? tr->n : 1, sizeof(*tr->ptrs));
	assert_non_null(tr->ptrs);
	for (size_t i = 0; i < tr->n; i++)
		tr->ptrs[i] = &tr->rules[i];
}

static inline void test_rules_free(struct test_rules *tr)
{
	tn_tailcfg_filter_rules_free(tr->rules, tr->n);
	free(tr->ptrs);
}

/* Prefixes from text, a bare IP meaning /32 or /128; n at most 16. */
static inline size_t test_prefixes(struct tn_tailcfg_prefix *out, const char *const *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = text[i];

		if (strchr(s, '/')) {
			assert_int_equal(tn_tailcfg_prefix_parse(&out[i], s, strlen(s)), 0);
		} else {
			struct tn_tailcfg_ip ip;

			assert_int_equal(tn_tailcfg_ip_parse(&ip, s, strlen(s)), 0);
			out[i].family = ip.family;
			out[i].bits = ip.family == AF_INET ? 32 : 128;
			memcpy(out[i].addr, ip.addr, 16);
		}
	}
	return n;
}

/* Compiles rules (JSON) for a node whose local destinations are locals
 * (NULL-terminated list of prefixes or IPs). */
static inline struct tn_filter *compile_with(const char *json, const char *const *locals,
					     const struct tn_tailcfg_node *self,
					     struct tn_tailcfg_node *const *peers, size_t n_peers,
					     char *warn, size_t warnlen)
{
	struct test_rules tr;
	struct tn_tailcfg_prefix local[16];
	struct tn_filter_config cfg = { 0 };
	struct tn_filter *f = NULL;
	size_t n = 0;

	while (locals && locals[n])
		n++;
	assert_true(n <= 16);
	test_prefixes(local, locals, n);
	test_rules_parse(&tr, json);
	cfg.rules = tr.ptrs;
	cfg.n_rules = tr.n;
	cfg.local = local;
	cfg.n_local = n;
	cfg.self = self;
	cfg.peers = peers;
	cfg.n_peers = n_peers;
	assert_int_equal(tn_filter_new(&f, &cfg, warn, warnlen), 0);
	assert_non_null(f);
	test_rules_free(&tr);
	return f;
}

static inline struct tn_filter *compile(const char *json, const char *const *locals)
{
	return compile_with(json, locals, NULL, NULL, 0, NULL, 0);
}

/* The verdict and reason on one packet, as "accept"/"drop" checks. */
static inline enum tn_filter_verdict run_in(const struct tn_filter *f, struct tn_conntrack *ct,
					    unsigned flags, uint8_t proto, const char *src,
					    const char *dst, uint16_t sport, uint16_t dport,
					    uint8_t pflags, enum tn_filter_reason *why)
{
	uint8_t b[PKT_MAX];
	size_t len = mkpkt(b, proto, src, dst, sport, dport, pflags);

	return tn_filter_run_in(f, ct, b, len, flags, why);
}

#endif

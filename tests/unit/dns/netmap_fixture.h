/* Test helper for tests/unit/dns: netmaps from MapResponse JSON as
 * headscale sends it, queries built the way dig sends them, and answers
 * taken apart.  Include after <cmocka.h>.
 */
#ifndef TN_TEST_DNS_NETMAP_FIXTURE_H
#define TN_TEST_DNS_NETMAP_FIXTURE_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/netmap.h"
#include "dns/config.h"
#include "dns/message.h"
#include "dns/resolver.h"

#define H4(x) x x x x
#define H32(x) H4(x) H4(x) H4(x) H4(x) H4(x) H4(x) H4(x) H4(x)
#define NODEKEY(b) "\"nodekey:" H32(b) "\""
#define DISCOKEY(b) "\"discokey:" H32(b) "\""
#define MKEY(b) "\"mkey:" H32(b) "\""

#define SELF_NODE(addrs, caps) \
	"{\"ID\":1,\"StableID\":\"1\",\"Name\":\"t1.tailnet.test.\",\"User\":1," \
	"\"Key\":" NODEKEY("01") ",\"Machine\":" MKEY("11") ",\"DiscoKey\":" DISCOKEY("21") "," \
	"\"Addresses\":[" addrs "],\"CapMap\":{" caps "},\"MachineAuthorized\":true}"

/* n1: IPv4 and IPv6; n2: IPv6 only; sub: answers for names below it. */
#define PEERS \
	"[{\"ID\":2,\"StableID\":\"2\",\"Name\":\"n1.tailnet.test.\",\"User\":1," \
	"\"Key\":" NODEKEY("02") ",\"DiscoKey\":" DISCOKEY("22") "," \
	"\"Addresses\":[\"100.64.0.2/32\",\"fd7a:115c:a1e0::2/128\"]}," \
	"{\"ID\":3,\"StableID\":\"3\",\"Name\":\"n2.tailnet.test.\",\"User\":1," \
	"\"Key\":" NODEKEY("03") ",\"DiscoKey\":" DISCOKEY("23") "," \
	"\"Addresses\":[\"fd7a:115c:a1e0::3/128\"]}," \
	"{\"ID\":4,\"StableID\":\"4\",\"Name\":\"Sub.tailnet.test.\",\"User\":1," \
	"\"Key\":" NODEKEY("04") ",\"DiscoKey\":" DISCOKEY("24") "," \
	"\"Addresses\":[\"100.64.0.4/32\"],\"CapMap\":{\"dns-subdomain-resolve\":[]}}]"

#define DNS_CONFIG(extra) \
	"{\"Proxied\":true,\"Domains\":[\"tailnet.test\",\"corp.example\"]," \
	"\"Routes\":{\"corp.example\":[{\"Addr\":\"10.1.1.1\"},{\"Addr\":\"10.1.1.2:5353\"}]," \
	"\"lab.corp.example\":[{\"Addr\":\"10.2.2.2\"}]}," \
	"\"ExtraRecords\":[{\"Name\":\"grafana.tailnet.test\",\"Type\":\"A\",\"Value\":\"100.64.0.99\"}," \
	"{\"Name\":\"db.tailnet.test.\",\"Value\":\"fd7a:115c:a1e0::99\"}," \
	"{\"Name\":\"n1.tailnet.test\",\"Type\":\"A\",\"Value\":\"100.64.0.22\"}," \
	"{\"Name\":\"mx.tailnet.test\",\"Type\":\"MX\",\"Value\":\"10 mail\"}]" extra "}"

#define MAP(self, dns) \
	"{\"Node\":" self ",\"Peers\":" PEERS ",\"DNSConfig\":" dns "}"

static inline struct tn_netmap *netmap_from(const char *json)
{
	struct tn_netmap *nm = tn_netmap_new();
	char err[256];

	assert_non_null(nm);
	if (tn_netmap_apply(nm, json, strlen(json), NULL, err, sizeof(err))) {
		fprintf(stderr, "netmap: %s\n", err);
		fail();
	}
	return nm;
}

/* A query for name/type with dig's flags (RD, AD), optionally EDNS. */
static inline size_t make_query(uint8_t *buf, const char *name, uint16_t type, uint16_t edns)
{
	struct tn_dns_builder b;
	struct tn_dns_question q = { .type = type, .qclass = TN_DNS_CLASS_IN };
	int n;

	assert_int_equal(tn_dns_name_from_text(&q.name, name), 0);
	tn_dns_builder_init(&b, buf, 600, 0x4242, TN_DNS_RD | TN_DNS_AD);
	tn_dns_builder_question(&b, &q);
	n = tn_dns_builder_finish(&b);
	assert_true(n > 0);
	if (edns) {
		static const uint8_t opt[11] = { 0, 0, 41, 0, 0, 0, 0, 0, 0, 0, 0 };

		memcpy(buf + n, opt, sizeof(opt));
		tn_dns_put16(buf + n + 3, edns);
		buf[11] = 1;
		n += 11;
	}
	return (size_t)n;
}

/* An answer taken apart: rcode, flags, the first answer's data. */
struct answer {
	struct tn_dns_msg m;
	int rcode;
	size_t n_answers;
	uint16_t type;
	uint32_t ttl;
	uint8_t rdata[256];
	size_t rdlen;
	char ptr[TN_DNS_TEXT_MAX];
};

static inline void take_apart(const uint8_t *resp, size_t len, struct answer *a)
{
	size_t off;

	memset(a, 0, sizeof(*a));
	assert_int_equal(tn_dns_msg_parse(&a->m, resp, len), 0);
	assert_true(a->m.h.flags & TN_DNS_QR);
	a->rcode = TN_DNS_RCODE(a->m.h.flags);
	a->n_answers = a->m.h.ancount;
	if (!a->n_answers)
		return;
	off = TN_DNS_HEADER_LEN;
	for (unsigned i = 0; i < a->m.h.qdcount; i++) {
		struct tn_dns_question q;

		assert_int_equal(tn_dns_question_read(&q, resp, len, &off), 0);
	}
	{
		struct tn_dns_rr rr;

		assert_int_equal(tn_dns_rr_read(&rr, resp, len, &off), 0);
		a->type = rr.type;
		a->ttl = rr.ttl;
		a->rdlen = rr.rdata_len;
		memcpy(a->rdata, resp + rr.rdata_off, rr.rdata_len < 256 ? rr.rdata_len : 256);
		if (rr.type == TN_DNS_TYPE_PTR) {
			struct tn_dns_name n;
			size_t o = rr.rdata_off;

			assert_int_equal(tn_dns_name_read(&n, resp, len, &o), 0);
			tn_dns_name_to_text(&n, a->ptr, sizeof(a->ptr), false);
		}
	}
}

static inline void assert_addr(const struct answer *a, const char *text)
{
	uint8_t want[16];
	int fam = strchr(text, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(fam, text, want), 1);
	assert_int_equal(a->rcode, TN_DNS_NOERROR);
	assert_int_equal(a->n_answers, 1);
	assert_int_equal(a->type, fam == AF_INET ? TN_DNS_TYPE_A : TN_DNS_TYPE_AAAA);
	assert_int_equal(a->rdlen, fam == AF_INET ? 4 : 16);
	assert_memory_equal(a->rdata, want, a->rdlen);
	assert_int_equal(a->ttl, TN_DNS_TTL);
}

#endif

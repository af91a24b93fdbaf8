/* Fuzz target for the DNS message codec and what quad-100 does with a
 * query (src/dns/message.c, resolver.c, quad100.c).
 *
 * The input, as an exact-size heap copy, is:
 *  - parsed as a whole message: on success the parse must report sane
 *    offsets, survive bytes appended after it unchanged, and its first
 *    question's name must turn into text;
 *  - answered as a query against a fixed MagicDNS config (peers, extra
 *    records, split routes, local zones): a reply must parse, carry the
 *    query's ID and QR, and fit the buffer; SERVFAIL, the UDP limit, the
 *    TC bit and the EDNS clamp run on it too;
 *  - handed to the quad-100 service as an IP packet, and wrapped in an
 *    IPv4/UDP packet to 100.100.100.100:53: every reply packet must be
 *    a whole IPv4 or IPv6 UDP packet with a DNS message that parses.
 * No resolver in the config is reachable: nothing is sent anywhere.
 *
 * The seed corpus (corpus/dns_message/) holds dig 9.18 queries (A with
 * EDNS and a cookie, PTR without EDNS), a compressed response, names
 * with pointer loops and forward pointers, over-long names, reserved
 * label types, a query in IPv4 and IPv6 packets, and an empty input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/netmap.h"
#include "dns/config.h"
#include "dns/message.h"
#include "dns/quad100.h"
#include "dns/resolver.h"
#include "event/loop.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NK(b) "\"nodekey:" b b b b b b b b b b b b b b b b b b b b b b b b b b b b b b b b "\""
static const char netmap_json[] =
	"{\"Node\":{\"ID\":1,\"StableID\":\"1\",\"Name\":\"t1.tailnet.test.\",\"User\":1,"
	"\"Key\":" NK("01") ",\"Addresses\":[\"100.64.0.1/32\",\"fd7a:115c:a1e0::1/128\"]},"
	"\"Peers\":[{\"ID\":2,\"StableID\":\"2\",\"Name\":\"n1.tailnet.test.\",\"User\":1,"
	"\"Key\":" NK("02") ",\"Addresses\":[\"100.64.0.2/32\",\"fd7a:115c:a1e0::2/128\"]},"
	"{\"ID\":3,\"StableID\":\"3\",\"Name\":\"sub.tailnet.test.\",\"User\":1,"
	"\"Key\":" NK("03") ",\"Addresses\":[\"100.64.0.3/32\"],"
	"\"CapMap\":{\"dns-subdomain-resolve\":[]}}],"
	"\"DNSConfig\":{\"Proxied\":true,\"Domains\":[\"tailnet.test\"],"
	"\"Routes\":{\"corp.example\":[{\"Addr\":\"https://doh.example/q\"}]},"
	"\"ExtraRecords\":[{\"Name\":\"x.tailnet.test\",\"Value\":\"100.64.0.9\"}]}}";

static struct tn_netmap *nm;
static struct tn_dns_config *cfg;
static struct tn_dns_compiled *cc;
static struct tn_loop *loop;
static struct tn_dns_quad100 *q100;

static void check_reply(void *ctx, uint8_t *pkt, size_t len)
{
	struct tn_dns_msg m;
	size_t ip;

	if (len >= 20 && pkt[0] == 0x45)
		ip = 20;
	else if (len >= 40 && (pkt[0] >> 4) == 6)
		ip = 40;
	else
		__builtin_trap();
	if (len < ip + 8 + TN_DNS_HEADER_LEN || tn_dns_get16(pkt + ip + 4) != len - ip ||
	    tn_dns_get16(pkt + ip) != 53 ||
	    tn_dns_msg_parse(&m, pkt + ip + 8, len - ip - 8) || !(m.h.flags & TN_DNS_QR))
		__builtin_trap();
}

static void init(void)
{
	char err[256];

	tn_log_set_level(TN_LOG_ERR);
	if (!(nm = tn_netmap_new()) ||
	    tn_netmap_apply(nm, netmap_json, sizeof(netmap_json) - 1, NULL, err, sizeof(err)) ||
	    !(cfg = tn_dns_config_new(nm)) ||
	    !(cc = tn_dns_compile(cfg, true, TN_DNS_OS_SPLIT, NULL)) || !(loop = tn_loop_new()) ||
	    !(q100 = tn_dns_quad100_new(loop, NULL, check_reply, NULL)) ||
	    tn_dns_quad100_set_accept_dns(q100, true) || tn_dns_quad100_set_netmap(q100, nm))
		abort();
}

static void whole_message(const uint8_t *buf, size_t size)
{
	struct tn_dns_msg m, m2;
	uint8_t *longer;
	char text[TN_DNS_TEXT_MAX];

	if (tn_dns_msg_parse(&m, buf, size))
		return;
	if (m.end > size || m.end < TN_DNS_HEADER_LEN || m.has_question != (m.h.qdcount > 0) ||
	    (m.has_opt && (m.opt_class_off + 2 > size || tn_dns_get16(buf + m.opt_class_off) != m.udp_size)))
		__builtin_trap();
	if (m.has_question &&
	    (m.q.name.len < 1 || m.q.name.len > TN_DNS_NAME_MAX ||
	     tn_dns_name_to_text(&m.q.name, text, sizeof(text), true) < 1))
		__builtin_trap();
	if (!(longer = malloc(size + 7)))
		abort();
	memcpy(longer, buf, size);
	memset(longer + size, 0xc0, 7);
	if (tn_dns_msg_parse(&m2, longer, size + 7) || memcmp(&m.h, &m2.h, sizeof(m.h)) ||
	    m.has_question != m2.has_question || m.has_opt != m2.has_opt ||
	    m.udp_size != m2.udp_size || m.edns_version != m2.edns_version ||
	    m.opt_class_off != m2.opt_class_off || m.end != m2.end ||
	    (m.has_question && (m.q.type != m2.q.type || m.q.qclass != m2.q.qclass ||
				m.q.name.len != m2.q.name.len ||
				memcmp(m.q.name.wire, m2.q.name.wire, m.q.name.len))))
		__builtin_trap();
	free(longer);
}

static void as_query(const uint8_t *buf, size_t size)
{
	uint8_t out[TN_DNS_MAX_RESPONSE + 1], *copy;
	struct tn_dns_decision d;
	struct tn_dns_msg m;
	int n;

	if (tn_dns_resolve(&cc->resolver, buf, size, out, sizeof(out), &d))
		__builtin_trap();
	if (d.action == TN_DNS_REPLY) {
		if (d.len > sizeof(out) || tn_dns_msg_parse(&m, out, d.len) ||
		    !(m.h.flags & TN_DNS_QR) || size < 2 || m.h.id != tn_dns_get16(buf))
			__builtin_trap();
	} else if (d.action == TN_DNS_FORWARD) {
		/* Only corp.example. has a route, and its resolver is DoH:
		 * never forwarded. */
		__builtin_trap();
	}
	if (d.action != TN_DNS_DROP && d.max_udp < TN_DNS_UDP_DEFAULT)
		__builtin_trap();
	n = tn_dns_servfail(buf, size, out, sizeof(out));
	if (n > 0 && (tn_dns_msg_parse(&m, out, (size_t)n) || TN_DNS_RCODE(m.h.flags) != TN_DNS_SERVFAIL))
		__builtin_trap();
	if (!(copy = malloc(size ? size : 1)))
		abort();
	memcpy(copy, buf, size);
	tn_dns_clamp_edns(copy, size, 1232);
	if (tn_dns_udp_limit(copy, size) > tn_dns_udp_limit(buf, size))
		__builtin_trap();
	tn_dns_set_tc_if_over(copy, size, 512);
	free(copy);
}

static void as_packets(const uint8_t *buf, size_t size)
{
	uint8_t *pkt;

	if (tn_dns_is_quad100(buf, size))
		tn_dns_quad100_packet(q100, buf, size);
	if (size > 65535 - 28 || !(pkt = malloc(size + 28)))
		return;
	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	tn_dns_put16(pkt + 2, (uint16_t)(size + 28));
	pkt[8] = 64;
	pkt[9] = 17;
	memcpy(pkt + 12, "\x64\x40\x00\x01\x64\x64\x64\x64", 8);
	tn_dns_put16(pkt + 20, 12345);
	tn_dns_put16(pkt + 22, 53);
	tn_dns_put16(pkt + 24, (uint16_t)(size + 8));
	memcpy(pkt + 28, buf, size);
	tn_dns_quad100_packet(q100, pkt, size + 28);
	free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	if (!q100)
		init();
	memcpy(buf, data, size);
	whole_message(buf, size);
	as_query(buf, size);
	as_packets(buf, size);
	free(buf);
	return 0;
}

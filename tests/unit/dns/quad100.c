/* src/dns/quad100.c: IPv4 and IPv6 query packets in, reply packets out
 * (addresses, ports, lengths and both checksums verified independently),
 * what is dropped, a forwarded query answered later from the loop, and
 * the OS configuration following the netmap and accept-dns on a
 * temporary resolv.conf (never in userspace mode). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns/quad100.h"
#include "event/loop.h"
#include "util/log.h"
#include "netmap_fixture.h"

struct fx {
	struct tn_loop *loop;
	struct tn_dns_quad100 *q;
	struct tn_netmap *nm;
	uint8_t out[8192];
	size_t out_len;
	int delivered;
};

static void deliver(void *ctx, uint8_t *pkt, size_t len)
{
	struct fx *x = ctx;

	assert_true(len <= sizeof(x->out));
	memcpy(x->out, pkt, len);
	x->out_len = len;
	x->delivered++;
}

static struct fx *fx_new(const char *json, const struct tn_dns_quad100_options *o)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x->loop = tn_loop_new());
	assert_non_null(x->q = tn_dns_quad100_new(x->loop, o, deliver, x));
	if (json) {
		x->nm = netmap_from(json);
		assert_int_equal(tn_dns_quad100_set_netmap(x->q, x->nm), 0);
	}
	return x;
}

static void fx_free(struct fx *x)
{
	tn_dns_quad100_free(x->q);
	tn_netmap_free(x->nm);
	tn_loop_free(x->loop);
	free(x);
}

/* RFC 1071, written out again here rather than taken from src/net. */
static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* An IP/UDP packet from src:sport to dst:53 carrying dns[0..len). */
static size_t packet(uint8_t *p, const char *src, const char *dst, uint16_t sport,
		     const uint8_t *dns, size_t len)
{
	bool v6 = strchr(src, ':');
	size_t ip = v6 ? 40 : 20;
	uint8_t *u = p + ip;

	memset(p, 0, ip + 8);
	if (v6) {
		p[0] = 0x60;
		tn_dns_put16(p + 4, (uint16_t)(8 + len));
		p[6] = 17;
		p[7] = 64;
		inet_pton(AF_INET6, src, p + 8);
		inet_pton(AF_INET6, dst, p + 24);
	} else {
		p[0] = 0x45;
		tn_dns_put16(p + 2, (uint16_t)(ip + 8 + len));
		p[8] = 64;
		p[9] = 17;
		inet_pton(AF_INET, src, p + 12);
		inet_pton(AF_INET, dst, p + 16);
		tn_dns_put16(p + 10, (uint16_t)~csum(p, 20, 0));
	}
	tn_dns_put16(u, sport);
	tn_dns_put16(u + 2, 53);
	tn_dns_put16(u + 4, (uint16_t)(8 + len));
	memcpy(u + 8, dns, len);
	return ip + 8 + len;
}

/* The reply is a well-formed IP/UDP packet back to the asker; returns
 * the DNS payload. */
static const uint8_t *check_reply(struct fx *x, const char *client, const char *service,
				  uint16_t cport, size_t *dns_len)
{
	bool v6 = strchr(client, ':');
	size_t ip = v6 ? 40 : 20, alen = v6 ? 16 : 4;
	uint8_t want_src[16], want_dst[16], pseudo[40];
	const uint8_t *p = x->out, *u = p + ip;
	size_t ulen;

	inet_pton(v6 ? AF_INET6 : AF_INET, service, want_src);
	inet_pton(v6 ? AF_INET6 : AF_INET, client, want_dst);
	assert_true(x->out_len > ip + 8);
	if (v6) {
		assert_int_equal(p[0] >> 4, 6);
		assert_int_equal(p[6], 17);
		assert_int_equal(tn_dns_get16(p + 4), x->out_len - 40);
		assert_memory_equal(p + 8, want_src, 16);
		assert_memory_equal(p + 24, want_dst, 16);
	} else {
		assert_int_equal(p[0], 0x45);
		assert_int_equal(p[9], 17);
		assert_int_equal(tn_dns_get16(p + 2), x->out_len);
		assert_memory_equal(p + 12, want_src, 4);
		assert_memory_equal(p + 16, want_dst, 4);
		assert_int_equal(csum(p, 20, 0), 0xffff);
	}
	assert_int_equal(tn_dns_get16(u), 53);
	assert_int_equal(tn_dns_get16(u + 2), cport);
	ulen = tn_dns_get16(u + 4);
	assert_int_equal(ulen, x->out_len - ip);
	/* UDP checksum over the pseudo-header: all ones when right. */
	memcpy(pseudo, want_src, alen);
	memcpy(pseudo + alen, want_dst, alen);
	assert_int_not_equal(tn_dns_get16(u + 6), 0);
	{
		uint32_t sum = csum(pseudo, 2 * alen, 0) + 17 + (uint32_t)ulen;

		assert_int_equal(csum(u, ulen, sum), 0xffff);
	}
	*dns_len = ulen - 8;
	return u + 8;
}

#define NETMAP MAP(SELF_NODE("\"100.64.0.1/32\",\"fd7a:115c:a1e0::1/128\"", ""), DNS_CONFIG(""))

static void answers_v4_and_v6(void **state)
{
	struct fx *x = fx_new(NETMAP, NULL);
	uint8_t q[600], pkt[700];
	struct answer a;
	const uint8_t *dns;
	size_t n, dlen;
	struct tn_dns_stats st;

	n = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 1232);
	n = packet(pkt, "100.64.0.1", "100.100.100.100", 40000, q, n);
	assert_true(tn_dns_is_quad100(pkt, n));
	tn_dns_quad100_packet(x->q, pkt, n);
	assert_int_equal(x->delivered, 1);
	dns = check_reply(x, "100.64.0.1", "100.100.100.100", 40000, &dlen);
	take_apart(dns, dlen, &a);
	assert_addr(&a, "100.64.0.2");

	n = make_query(q, "2.0.64.100.in-addr.arpa", TN_DNS_TYPE_PTR, 0);
	n = packet(pkt, "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::53", 5353, q, n);
	assert_true(tn_dns_is_quad100(pkt, n));
	tn_dns_quad100_packet(x->q, pkt, n);
	assert_int_equal(x->delivered, 2);
	dns = check_reply(x, "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::53", 5353, &dlen);
	take_apart(dns, dlen, &a);
	assert_string_equal(a.ptr, "n1.tailnet.test.");

	/* Before any netmap: SERVFAIL, not silence. */
	fx_free(x);
	x = fx_new(NULL, NULL);
	n = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 0);
	n = packet(pkt, "100.64.0.1", "100.100.100.100", 40000, q, n);
	tn_dns_quad100_packet(x->q, pkt, n);
	dns = check_reply(x, "100.64.0.1", "100.100.100.100", 40000, &dlen);
	take_apart(dns, dlen, &a);
	assert_int_equal(a.rcode, TN_DNS_SERVFAIL);
	tn_dns_quad100_stats(x->q, &st);
	assert_int_equal(st.queries, 1);
	assert_int_equal(st.answered, 1);
	fx_free(x);
}

static void not_for_us(void **state)
{
	struct fx *x = fx_new(NETMAP, NULL);
	uint8_t q[600], pkt[700], bad[700];
	size_t n, ql = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 0);
	struct tn_dns_stats st;

	n = packet(pkt, "100.64.0.1", "100.100.100.100", 40000, q, ql);
	/* The fast test: other destinations are not ours. */
	memcpy(bad, pkt, n);
	bad[19] = 101;
	assert_false(tn_dns_is_quad100(bad, n));
	assert_false(tn_dns_is_quad100(pkt, 19));
	n = packet(pkt, "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::54", 40000, q, ql);
	assert_false(tn_dns_is_quad100(pkt, n));
	assert_false(tn_dns_is_quad100(pkt, 39));

	/* Dropped: another port, TCP, a fragment, lengths that lie, IPv6
	 * with an extension header, a truncated packet. */
	n = packet(pkt, "100.64.0.1", "100.100.100.100", 40000, q, ql);
	memcpy(bad, pkt, n);
	tn_dns_put16(bad + 22, 54);
	tn_dns_quad100_packet(x->q, bad, n);
	memcpy(bad, pkt, n);
	bad[9] = 6;
	tn_dns_quad100_packet(x->q, bad, n);
	memcpy(bad, pkt, n);
	bad[6] = 0x20;                        /* MF */
	tn_dns_quad100_packet(x->q, bad, n);
	memcpy(bad, pkt, n);
	tn_dns_put16(bad + 6, 5);             /* offset 40 */
	tn_dns_quad100_packet(x->q, bad, n);
	memcpy(bad, pkt, n);
	tn_dns_put16(bad + 2, (uint16_t)(n + 1));
	tn_dns_quad100_packet(x->q, bad, n);
	memcpy(bad, pkt, n);
	tn_dns_put16(bad + 24, (uint16_t)(n - 20 + 1));   /* UDP length */
	tn_dns_quad100_packet(x->q, bad, n);
	memcpy(bad, pkt, n);
	tn_dns_put16(bad + 24, 7);
	tn_dns_quad100_packet(x->q, bad, n);
	memcpy(bad, pkt, n);
	bad[0] = 0x44;                        /* IHL 16 bytes */
	tn_dns_quad100_packet(x->q, bad, n);
	tn_dns_quad100_packet(x->q, pkt, 27);
	n = packet(pkt, "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::53", 40000, q, ql);
	memcpy(bad, pkt, n);
	bad[6] = 0;                           /* hop-by-hop options */
	tn_dns_quad100_packet(x->q, bad, n);
	tn_dns_quad100_packet(x->q, pkt, 47);
	assert_int_equal(x->delivered, 0);
	tn_dns_quad100_stats(x->q, &st);
	assert_int_equal(st.dropped, 11);
	assert_int_equal(st.queries, 0);

	/* Extra bytes after the IP packet are not part of it. */
	n = packet(pkt, "100.64.0.1", "100.100.100.100", 40000, q, ql);
	pkt[n] = 0xee;
	tn_dns_quad100_packet(x->q, pkt, n + 1);
	assert_int_equal(x->delivered, 1);
	fx_free(x);
}

static void forwarded_later(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, from;
	socklen_t l = sizeof(a);
	int up = socket(AF_INET, SOCK_DGRAM, 0);
	char json[8192], dns[256];
	struct fx *x;
	uint8_t q[600], pkt[700], got[600];
	size_t n;
	ssize_t k;
	struct answer ans;
	const uint8_t *d;
	size_t dlen;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(up, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(up, (struct sockaddr *)&a, &l), 0);
	snprintf(dns, sizeof(dns), "{\"Resolvers\":[{\"Addr\":\"127.0.0.1:%u\"}]}", ntohs(a.sin_port));
	snprintf(json, sizeof(json), "{\"Node\":%s,\"DNSConfig\":%s}",
		 SELF_NODE("\"100.64.0.1/32\"", ""), dns);
	x = fx_new(json, NULL);
	/* Without accept-dns there are no routes: SERVFAIL at once. */
	n = make_query(q, "www.example.com", TN_DNS_TYPE_A, 0);
	n = packet(pkt, "100.64.0.1", "100.100.100.100", 41000, q, n);
	tn_dns_quad100_packet(x->q, pkt, n);
	assert_int_equal(x->delivered, 1);
	d = check_reply(x, "100.64.0.1", "100.100.100.100", 41000, &dlen);
	take_apart(d, dlen, &ans);
	assert_int_equal(ans.rcode, TN_DNS_SERVFAIL);
	x->delivered = 0;
	assert_int_equal(tn_dns_quad100_set_accept_dns(x->q, true), 0);
	n = make_query(q, "www.example.com", TN_DNS_TYPE_A, 0);
	n = packet(pkt, "100.64.0.1", "100.100.100.100", 41000, q, n);
	tn_dns_quad100_packet(x->q, pkt, n);
	assert_int_equal(x->delivered, 0);
	l = sizeof(from);
	k = recvfrom(up, got, sizeof(got), 0, (struct sockaddr *)&from, &l);
	assert_true(k > 12);
	got[2] |= 0x80;
	got[3] = 0x80;
	got[7] = 1;
	memcpy(got + k, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x07", 16);
	assert_int_equal(sendto(up, got, (size_t)k + 16, 0, (struct sockaddr *)&from, l), k + 16);
	for (int i = 0; i < 200 && !x->delivered; i++)
		tn_loop_run_once(x->loop, 5);
	assert_int_equal(x->delivered, 1);
	d = check_reply(x, "100.64.0.1", "100.100.100.100", 41000, &dlen);
	take_apart(d, dlen, &ans);
	assert_int_equal(ans.n_answers, 1);
	assert_memory_equal(ans.rdata, "\xc0\x00\x02\x07", 4);
	assert_int_equal(ans.ttl, 60);
	fx_free(x);
	close(up);
}

static void deferred_replies(void **state)
{
	struct tn_dns_quad100_options o = { .defer_replies = true };
	struct fx *x = fx_new(NETMAP, &o);
	uint8_t q[600], pkt[700];
	struct answer a;
	const uint8_t *dns;
	size_t n, dlen;

	n = make_query(q, "n1.tailnet.test", TN_DNS_TYPE_A, 0);
	n = packet(pkt, "100.64.0.1", "100.100.100.100", 40000, q, n);
	tn_dns_quad100_packet(x->q, pkt, n);
	tn_dns_quad100_packet(x->q, pkt, n);
	assert_int_equal(x->delivered, 0);
	tn_loop_run_once(x->loop, 0);
	assert_int_equal(x->delivered, 2);
	dns = check_reply(x, "100.64.0.1", "100.100.100.100", 40000, &dlen);
	take_apart(dns, dlen, &a);
	assert_addr(&a, "100.64.0.2");
	/* A burst past the limit loses the excess; freeing with replies
	 * still queued loses nothing else. */
	for (int i = 0; i < TN_DNS_QUAD100_MAX_DEFERRED + 5; i++)
		tn_dns_quad100_packet(x->q, pkt, n);
	tn_loop_run_once(x->loop, 0);
	assert_int_equal(x->delivered, 2 + TN_DNS_QUAD100_MAX_DEFERRED);
	tn_dns_quad100_packet(x->q, pkt, n);
	fx_free(x);
}

/* --- the OS side ---------------------------------------------------------- */

struct osfx {
	char dir[64], resolv[96], backup[96], mountinfo[96];
	struct tn_dns_os_options os;
};

static const char orig[] = "nameserver 192.0.2.1\nsearch lan.example\n";

static char *slurp(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

static void put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static void os_setup(struct osfx *o)
{
	strcpy(o->dir, "/tmp/tn-dns-q100-XXXXXX");
	assert_non_null(mkdtemp(o->dir));
	snprintf(o->resolv, sizeof(o->resolv), "%s/resolv.conf", o->dir);
	snprintf(o->backup, sizeof(o->backup), "%s/backup.conf", o->dir);
	snprintf(o->mountinfo, sizeof(o->mountinfo), "%s/mountinfo", o->dir);
	put(o->mountinfo, "");
	put(o->resolv, orig);
	o->os = (struct tn_dns_os_options){ .resolv_conf = o->resolv, .backup = o->backup,
					    .mountinfo = o->mountinfo,
					    .mode = TN_DNS_OS_MODE_DIRECT };
}

static void os_teardown(struct osfx *o)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", o->dir);
	assert_int_equal(system(cmd), 0);
}

static void os_follows_accept_dns(void **state)
{
	struct osfx o;
	struct tn_dns_quad100_options qo = { .ifname = "tailnet0", .os = &o.os };
	struct fx *x;
	char *s;

	os_setup(&o);
	x = fx_new(NULL, &qo);
	/* Off by default: nothing touched, even with a netmap. */
	x->nm = netmap_from(NETMAP);
	assert_int_equal(tn_dns_quad100_set_netmap(x->q, x->nm), 0);
	assert_string_equal(slurp(o.resolv), orig);
	/* On: quad-100 in resolv.conf, our search domains first. */
	assert_int_equal(tn_dns_quad100_set_accept_dns(x->q, true), 0);
	s = slurp(o.resolv);
	assert_non_null(strstr(s, "generated by tailnetd"));
	assert_non_null(strstr(s, "\nnameserver 100.100.100.100\nnameserver fd7a:115c:a1e0::53\n"
				  "search tailnet.test corp.example lan.example\n"));
	/* A new netmap keeps it (the old nameserver is still the base). */
	assert_int_equal(tn_dns_quad100_set_netmap(x->q, x->nm), 0);
	assert_non_null(strstr(slurp(o.resolv), "search tailnet.test corp.example lan.example\n"));
	/* Off again: the original, byte for byte. */
	assert_int_equal(tn_dns_quad100_set_accept_dns(x->q, false), 0);
	assert_string_equal(slurp(o.resolv), orig);
	assert_null(slurp(o.backup));
	/* On, then freed: restored too. */
	assert_int_equal(tn_dns_quad100_set_accept_dns(x->q, true), 0);
	assert_non_null(strstr(slurp(o.resolv), "generated by tailnetd"));
	fx_free(x);
	assert_string_equal(slurp(o.resolv), orig);
	os_teardown(&o);
}

static void os_needs_a_dns_config(void **state)
{
	struct osfx o;
	struct tn_dns_quad100_options qo = { .ifname = "tailnet0", .os = &o.os };
	struct fx *x;

	os_setup(&o);
	x = fx_new(NULL, &qo);
	assert_int_equal(tn_dns_quad100_set_accept_dns(x->q, true), 0);
	assert_string_equal(slurp(o.resolv), orig);
	/* A netmap without DNSConfig changes nothing either. */
	x->nm = netmap_from("{\"Node\":" SELF_NODE("\"100.64.0.1/32\"", "") "}");
	assert_int_equal(tn_dns_quad100_set_netmap(x->q, x->nm), 0);
	assert_string_equal(slurp(o.resolv), orig);
	fx_free(x);
	assert_string_equal(slurp(o.resolv), orig);
	os_teardown(&o);
}

static void userspace_never_touches_the_os(void **state)
{
	struct osfx o;
	struct tn_dns_quad100_options qo = { .ifname = NULL, .os = &o.os };
	struct fx *x;

	os_setup(&o);
	x = fx_new(NETMAP, &qo);
	assert_int_equal(tn_dns_quad100_set_accept_dns(x->q, true), 0);
	assert_int_equal(tn_dns_quad100_set_netmap(x->q, x->nm), 0);
	assert_string_equal(slurp(o.resolv), orig);
	fx_free(x);
	assert_string_equal(slurp(o.resolv), orig);
	os_teardown(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answers_v4_and_v6),
		cmocka_unit_test(not_for_us),
		cmocka_unit_test(forwarded_later),
		cmocka_unit_test(deferred_replies),
		cmocka_unit_test(os_follows_accept_dns),
		cmocka_unit_test(os_needs_a_dns_config),
		cmocka_unit_test(userspace_never_touches_the_os),
	};

	tn_log_set_level(TN_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

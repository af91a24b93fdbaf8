/* src/dns/forwarder.c against resolvers played by UDP sockets on
 * 127.0.0.1, on a real event loop with the virtual clock: the first good
 * answer wins, SERVFAIL/REFUSED/ICMP failures and what the client then
 * gets, stray datagrams, truncation and TC, EDNS clamping, the timeout,
 * the in-flight limit. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns/forwarder.h"
#include "dns/message.h"
#include "dns/resolver.h"
#include "event/loop.h"
#include "util/clock.h"

struct up {
	int fd;
	uint16_t port;
	struct sockaddr_in peer;   /* where the last query came from */
	uint8_t q[5000];
	size_t qlen;
};

struct fx {
	struct tn_loop *loop;
	struct tn_dns_forwarder *f;
	struct up ups[3];
	struct tn_dns_upstream addrs[4];
	struct tn_dns_route route;
	int done_calls;
	bool got_null;
	uint8_t resp[5000];
	size_t resp_len;
	struct tn_dns_client client;
};

static void done(void *ctx, const struct tn_dns_client *client, const uint8_t *query, size_t qlen,
		 const uint8_t *resp, size_t len)
{
	struct fx *x = ctx;

	x->done_calls++;
	x->client = *client;
	x->got_null = resp == NULL;
	assert_true(qlen >= TN_DNS_HEADER_LEN);
	if (resp) {
		memcpy(x->resp, resp, len);
		x->resp_len = len;
	}
}

static void up_open(struct up *u)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t l = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) >= 0);
	assert_int_equal(bind(u->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(u->fd, (struct sockaddr *)&a, &l), 0);
	u->port = ntohs(a.sin_port);
}

static void set_upstream(struct tn_dns_upstream *a, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->addr = "127.0.0.1";
	a->has_ipport = true;
	a->ipport.family = AF_INET;
	a->ipport.port = port;
	inet_pton(AF_INET, "127.0.0.1", a->ipport.addr);
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	tn_clock_set_virtual(true, 1000);
	assert_non_null(x->loop = tn_loop_new());
	assert_non_null(x->f = tn_dns_forwarder_new(x->loop, done, x));
	for (int i = 0; i < 3; i++) {
		up_open(&x->ups[i]);
		set_upstream(&x->addrs[i], x->ups[i].port);
	}
	x->route = (struct tn_dns_route){ .suffix = ".", .ups = x->addrs, .n_ups = 1 };
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	tn_dns_forwarder_free(x->f);
	for (int i = 0; i < 3; i++)
		close(x->ups[i].fd);
	tn_loop_free(x->loop);
	tn_clock_set_virtual(false, 0);
	free(x);
	return 0;
}

static size_t query(uint8_t *buf, const char *name, uint16_t edns)
{
	struct tn_dns_builder b;
	struct tn_dns_question q = { .type = TN_DNS_TYPE_A, .qclass = TN_DNS_CLASS_IN };
	int n;

	tn_dns_name_from_text(&q.name, name);
	tn_dns_builder_init(&b, buf, 600, 0x7777, TN_DNS_RD);
	tn_dns_builder_question(&b, &q);
	n = tn_dns_builder_finish(&b);
	if (edns) {
		static const uint8_t opt[11] = { 0, 0, 41, 0, 0, 0, 0, 0, 0, 0, 0 };

		memcpy(buf + n, opt, 11);
		tn_dns_put16(buf + n + 3, edns);
		buf[11] = 1;
		n += 11;
	}
	return (size_t)n;
}

/* Runs the loop until the resolver has the query. */
static void await_query(struct fx *x, struct up *u)
{
	for (int i = 0; i < 200; i++) {
		socklen_t l = sizeof(u->peer);
		ssize_t n = recvfrom(u->fd, u->q, sizeof(u->q), 0, (struct sockaddr *)&u->peer, &l);

		if (n > 0) {
			u->qlen = (size_t)n;
			return;
		}
		tn_loop_run_once(x->loop, 5);
	}
	fail_msg("the resolver got no query");
}

static void run_until_done(struct fx *x, int calls)
{
	for (int i = 0; i < 200 && x->done_calls < calls; i++)
		tn_loop_run_once(x->loop, 5);
	assert_int_equal(x->done_calls, calls);
}

/* The resolver answers the query it got: rcode, extra bytes of padding
 * to make it big, optionally another ID or name. */
static void answer(struct up *u, int rcode, size_t pad, uint16_t id_xor, bool other_name)
{
	uint8_t r[6000];
	size_t n = u->qlen;

	memcpy(r, u->q, n);
	r[0] ^= (uint8_t)(id_xor >> 8);
	r[1] ^= (uint8_t)id_xor;
	r[2] |= 0x80;
	r[3] = (uint8_t)(0x80 | rcode);
	if (other_name)
		r[13] ^= 0x01;
	if (pad) {
		/* A TXT answer of pad bytes (in 255-byte strings). */
		size_t rd = 0;

		r[7] = 1;
		r[11] = 0;                       /* drop the echoed OPT */
		n = 12;
		while (u->q[n])
			n += u->q[n] + 1;
		n += 5;
		memcpy(r + n, "\xc0\x0c\x00\x10\x00\x01\x00\x00\x00\x3c", 10);
		for (size_t left = pad; left;) {
			size_t k = left > 255 ? 255 : left;

			r[n + 12 + rd] = (uint8_t)k;
			memset(r + n + 13 + rd, 'x', k);
			rd += k + 1;
			left -= k;
		}
		tn_dns_put16(r + n + 10, (uint16_t)rd);
		n += 12 + rd;
	}
	assert_int_equal(sendto(u->fd, r, n, 0, (struct sockaddr *)&u->peer, sizeof(u->peer)),
			 (ssize_t)n);
}

static void first_good_answer(void **state)
{
	struct fx *x = *state;
	uint8_t q[600];
	size_t len = query(q, "www.example.com", 0);
	struct tn_dns_client c = { .family = AF_INET, .sport = 4444, .dport = 53 };

	x->route.n_ups = 2;
	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 512, &x->route, &c), 0);
	await_query(x, &x->ups[0]);
	await_query(x, &x->ups[1]);
	/* The query goes out as it came. */
	assert_int_equal(x->ups[0].qlen, len);
	assert_memory_equal(x->ups[0].q, q, len);
	/* Each resolver sees its own source port. */
	assert_int_not_equal(x->ups[0].peer.sin_port, x->ups[1].peer.sin_port);
	/* One fails, the other answers: the answer wins. */
	answer(&x->ups[0], TN_DNS_SERVFAIL, 0, 0, false);
	answer(&x->ups[1], TN_DNS_NXDOMAIN, 0, 0, false);
	run_until_done(x, 1);
	assert_false(x->got_null);
	assert_int_equal(TN_DNS_RCODE(x->resp[3]), TN_DNS_NXDOMAIN);
	assert_int_equal(x->client.sport, 4444);
	assert_int_equal(tn_dns_forwarder_stats(x->f)->answered, 1);
	/* A late answer from the first is not delivered twice. */
	for (int i = 0; i < 10; i++)
		tn_loop_run_once(x->loop, 1);
	assert_int_equal(x->done_calls, 1);
}

static void all_failing(void **state)
{
	struct fx *x = *state;
	uint8_t q[600];
	size_t len = query(q, "www.example.com", 0);
	struct tn_dns_client c = { .family = AF_INET };

	/* All SERVFAIL: the first upstream's SERVFAIL goes through. */
	x->route.n_ups = 2;
	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 512, &x->route, &c), 0);
	await_query(x, &x->ups[0]);
	await_query(x, &x->ups[1]);
	answer(&x->ups[1], TN_DNS_SERVFAIL, 0, 0, false);
	for (int i = 0; i < 10; i++)    /* the SERVFAIL is the first failure */
		tn_loop_run_once(x->loop, 2);
	assert_int_equal(x->done_calls, 0);
	answer(&x->ups[0], TN_DNS_REFUSED, 0, 0, false);
	run_until_done(x, 1);
	assert_false(x->got_null);
	assert_int_equal(TN_DNS_RCODE(x->resp[3]), TN_DNS_SERVFAIL);
	/* All REFUSED: the REFUSED. */
	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 512, &x->route, &c), 0);
	await_query(x, &x->ups[0]);
	await_query(x, &x->ups[1]);
	answer(&x->ups[0], TN_DNS_REFUSED, 0, 0, false);
	answer(&x->ups[1], TN_DNS_REFUSED, 0, 0, false);
	run_until_done(x, 2);
	assert_false(x->got_null);
	assert_int_equal(TN_DNS_RCODE(x->resp[3]), TN_DNS_REFUSED);
	/* REFUSED then nobody listening (ICMP port unreachable): a
	 * transport error, so the caller's own SERVFAIL. */
	set_upstream(&x->addrs[3], x->ups[2].port);
	close(x->ups[2].fd);
	x->ups[2].fd = socket(AF_INET, SOCK_DGRAM, 0);
	x->addrs[1] = x->addrs[3];
	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 512, &x->route, &c), 0);
	await_query(x, &x->ups[0]);
	answer(&x->ups[0], TN_DNS_REFUSED, 0, 0, false);
	run_until_done(x, 3);
	assert_true(x->got_null);
	assert_int_equal(tn_dns_forwarder_stats(x->f)->failed, 1);
}

static void strays_ignored(void **state)
{
	struct fx *x = *state;
	uint8_t q[600];
	size_t len = query(q, "www.example.com", 0);
	struct tn_dns_client c = { .family = AF_INET };

	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 512, &x->route, &c), 0);
	await_query(x, &x->ups[0]);
	answer(&x->ups[0], TN_DNS_NOERROR, 0, 0x0101, false);   /* another ID */
	answer(&x->ups[0], TN_DNS_NOERROR, 0, 0, true);         /* another name */
	assert_int_equal(sendto(x->ups[0].fd, "junk", 4, 0, (struct sockaddr *)&x->ups[0].peer,
				sizeof(x->ups[0].peer)), 4);
	for (int i = 0; i < 10; i++)
		tn_loop_run_once(x->loop, 2);
	assert_int_equal(x->done_calls, 0);
	assert_int_equal(tn_dns_forwarder_stats(x->f)->stray, 3);
	answer(&x->ups[0], TN_DNS_NOERROR, 0, 0, false);
	run_until_done(x, 1);
	assert_int_equal(x->resp[0] << 8 | x->resp[1], 0x7777);
}

static void big_answers(void **state)
{
	struct fx *x = *state;
	uint8_t q[600];
	size_t len = query(q, "www.example.com", 1232);
	struct tn_dns_client c = { .family = AF_INET };
	struct tn_dns_msg m;

	/* 1000 bytes for a client taking 1232: as is. */
	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 1232, &x->route, &c), 0);
	await_query(x, &x->ups[0]);
	answer(&x->ups[0], TN_DNS_NOERROR, 1000, 0, false);
	run_until_done(x, 1);
	assert_int_equal(x->resp[2] & (TN_DNS_TC >> 8), 0);
	assert_int_equal(tn_dns_msg_parse(&m, x->resp, x->resp_len), 0);
	/* The same for a client taking 512: TC set, bytes kept (Go's
	 * checkResponseSizeAndSetTC). */
	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 512, &x->route, &c), 0);
	await_query(x, &x->ups[0]);
	answer(&x->ups[0], TN_DNS_NOERROR, 1000, 0, false);
	run_until_done(x, 2);
	assert_int_equal(x->resp[2] & (TN_DNS_TC >> 8), TN_DNS_TC >> 8);
	assert_true(x->resp_len > 1000);
	/* Past 4095 bytes: cut there, TC set. */
	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 4095, &x->route, &c), 0);
	await_query(x, &x->ups[0]);
	answer(&x->ups[0], TN_DNS_NOERROR, 4500, 0, false);
	run_until_done(x, 3);
	assert_int_equal(x->resp_len, TN_DNS_MAX_RESPONSE);
	assert_int_equal(x->resp[2] & (TN_DNS_TC >> 8), TN_DNS_TC >> 8);
}

static void edns_clamped_on_the_way_out(void **state)
{
	struct fx *x = *state;
	uint8_t q[600];
	size_t len = query(q, "www.example.com", 65000);
	struct tn_dns_client c = { .family = AF_INET };

	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 65000, &x->route, &c), 0);
	await_query(x, &x->ups[0]);
	assert_int_equal(tn_dns_udp_limit(x->ups[0].q, x->ups[0].qlen), TN_DNS_MAX_RESPONSE);
	/* The caller's copy is untouched. */
	assert_int_equal(tn_dns_udp_limit(q, len), 65000);
}

static void timeout_drops(void **state)
{
	struct fx *x = *state;
	uint8_t q[600];
	size_t len = query(q, "www.example.com", 0);
	struct tn_dns_client c = { .family = AF_INET };

	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 512, &x->route, &c), 0);
	await_query(x, &x->ups[0]);
	tn_clock_advance(TN_DNS_FWD_TIMEOUT_NS - 1);
	tn_loop_run_once(x->loop, 0);
	assert_int_equal(tn_dns_forwarder_stats(x->f)->timeouts, 0);
	tn_clock_advance(1);
	tn_loop_run_once(x->loop, 0);
	assert_int_equal(tn_dns_forwarder_stats(x->f)->timeouts, 1);
	/* Nothing is delivered, now or for a late answer. */
	answer(&x->ups[0], TN_DNS_NOERROR, 0, 0, false);
	for (int i = 0; i < 10; i++)
		tn_loop_run_once(x->loop, 1);
	assert_int_equal(x->done_calls, 0);
}

static void limits(void **state)
{
	struct fx *x = *state;
	uint8_t q[600];
	size_t len = query(q, "www.example.com", 0);
	struct tn_dns_client c = { .family = AF_INET };
	struct tn_dns_upstream bad[3];
	struct tn_dns_route r = { .suffix = ".", .ups = bad, .n_ups = 3 };

	/* No usable resolver: DoH, quad-100 itself. */
	memset(bad, 0, sizeof(bad));
	bad[0].addr = "https://dns.example/dns-query";
	set_upstream(&bad[1], 53);
	inet_pton(AF_INET, "100.100.100.100", bad[1].ipport.addr);
	set_upstream(&bad[2], 53);
	bad[2].ipport.family = AF_INET6;
	inet_pton(AF_INET6, "fd7a:115c:a1e0::53", bad[2].ipport.addr);
	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 512, &r, &c), -EINVAL);
	/* Not a query. */
	assert_int_equal(tn_dns_forwarder_query(x->f, q, 11, 512, &x->route, &c), -EINVAL);
	/* TN_DNS_FWD_MAX_PENDING in flight, then no more. */
	for (int i = 0; i < TN_DNS_FWD_MAX_PENDING; i++)
		assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 512, &x->route, &c), 0);
	assert_int_equal(tn_dns_forwarder_query(x->f, q, len, 512, &x->route, &c), -EBUSY);
	assert_int_equal(tn_dns_forwarder_stats(x->f)->dropped_full, 1);
	/* teardown frees them all without callbacks */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(first_good_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(all_failing, setup, teardown),
		cmocka_unit_test_setup_teardown(strays_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(big_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(edns_clamped_on_the_way_out, setup, teardown),
		cmocka_unit_test_setup_teardown(timeout_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

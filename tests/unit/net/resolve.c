/* Name resolution: /etc/hosts through c-ares, numeric names, and a DNS
 * server run by the test on 127.0.0.1 (A and AAAA answers, NXDOMAIN, and
 * silence) so answers and failures are deterministic; then tn_conn dials
 * by name: fallback across addresses, unknown names, resolution timeouts,
 * closing mid-lookup. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "net/resolve.h"
#include "stream_peer.h"
#include "util/clock.h"

#define MS TN_NSEC_PER_MSEC

/* --- a tiny authoritative DNS server ---------------------------------- */

struct rr {
	const char *name;
	int type;                 /* 1 (A) or 28 (AAAA) */
	const char *addr;
};

struct dns {
	struct tn_loop *loop;
	int fd;
	uint16_t port;
	bool silent;              /* read queries, never answer */
	const struct rr *rrs;
	size_t nrr;
	int queries;
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void dns_cb(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct dns *d = arg;
	uint8_t q[512], r[1024];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t n;

	(void)loop;
	(void)events;
	while ((n = recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from,
			     &flen)) > 0) {
		char name[256] = "";
		size_t off = 12, nl = 0, rl, an = 0;
		bool known = false;
		int qtype;

		d->queries++;
		if (d->silent || n < 17)
			continue;
		/* QNAME as lowercase dotted text. */
		while (off < (size_t)n && q[off]) {
			size_t l = q[off++];

			if (off + l > (size_t)n || nl + l + 2 > sizeof(name))
				break;
			if (nl)
				name[nl++] = '.';
			for (size_t i = 0; i < l; i++)
				name[nl++] = (char)tolower(q[off + i]);
			off += l;
		}
		name[nl] = '\0';
		off++;
		if (off + 4 > (size_t)n)
			continue;
		qtype = q[off] << 8 | q[off + 1];
		off += 4;
		memcpy(r, q, off);
		rl = off;
		for (size_t i = 0; i < d->nrr; i++) {
			uint8_t addr[16];
			size_t alen = d->rrs[i].type == 1 ? 4 : 16;

			if (strcmp(d->rrs[i].name, name) != 0)
				continue;
			known = true;
			if (d->rrs[i].type != qtype)
				continue;
			inet_pton(alen == 4 ? AF_INET : AF_INET6, d->rrs[i].addr, addr);
			put16(r + rl, 0xc00c);            /* name: the question's */
			put16(r + rl + 2, (unsigned)qtype);
			put16(r + rl + 4, 1);             /* IN */
			put16(r + rl + 6, 0);
			put16(r + rl + 8, 60);            /* TTL */
			put16(r + rl + 10, (unsigned)alen);
			memcpy(r + rl + 12, addr, alen);
			rl += 12 + alen;
			an++;
		}
		/* QR, opcode 0, RD copied, RA; NXDOMAIN for unknown names. */
		put16(r + 2, 0x8000 | (q[2] & 1) << 8 | 0x80 | (known ? 0 : 3));
		put16(r + 4, 1);
		put16(r + 6, (unsigned)an);
		put16(r + 8, 0);
		put16(r + 10, 0);
		sendto(fd, r, rl, 0, (struct sockaddr *)&from, flen);
		flen = sizeof(from);
	}
}

static const struct rr zone[] = {
	{ "dual.test", 1, "192.0.2.10" },
	{ "dual.test", 28, "2001:db8::10" },
	{ "two.test", 28, "::1" },
	{ "two.test", 1, "127.0.0.1" },
	{ "v4only.test", 1, "127.0.0.1" },
};

struct fixture {
	struct tn_loop *loop;
	struct dns dns;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char servers[64];

	if (!f || !(f->loop = tn_loop_new()))
		return -1;
	f->dns.loop = f->loop;
	f->dns.rrs = zone;
	f->dns.nrr = sizeof(zone) / sizeof(zone[0]);
	f->dns.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (f->dns.fd < 0 || bind(f->dns.fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(f->dns.fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	f->dns.port = ntohs(sin.sin_port);
	if (tn_loop_add_fd(f->loop, f->dns.fd, TN_EV_READ, dns_cb, &f->dns) < 0)
		return -1;
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", f->dns.port);
	if (tn_resolve_set_config(&(struct tn_resolve_config){
		    .servers = servers, .timeout_ms = 2000, .tries = 1 }) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tn_resolve_set_config(NULL);
	tn_loop_del_fd(f->loop, f->dns.fd);
	close(f->dns.fd);
	tn_loop_free(f->loop);
	free(f);
	return 0;
}

/* --- tn_resolve -------------------------------------------------------- */

struct answer {
	bool done;
	int calls;
	int err;
	char error[256];
	size_t count;
	struct sockaddr_storage addrs[8];
	struct tn_resolve *self;      /* cancel from inside the callback */
};

static void answer_cb(const struct tn_resolve_result *res, void *arg)
{
	struct answer *a = arg;

	a->calls++;
	a->done = true;
	a->err = res->err;
	snprintf(a->error, sizeof(a->error), "%s", res->error ? res->error : "");
	a->count = res->count < 8 ? res->count : 8;
	if (res->count)
		memcpy(a->addrs, res->addrs, a->count * sizeof(a->addrs[0]));
	tn_resolve_cancel(a->self);   /* harmless here */
}

static bool has_addr(const struct answer *a, const char *ip, uint16_t port)
{
	for (size_t i = 0; i < a->count; i++) {
		char buf[INET6_ADDRSTRLEN];
		const struct sockaddr_storage *ss = &a->addrs[i];

		if (ss->ss_family == AF_INET) {
			const struct sockaddr_in *in = (const void *)ss;

			inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
			if (!strcmp(buf, ip) && ntohs(in->sin_port) == port)
				return true;
		} else {
			const struct sockaddr_in6 *in6 = (const void *)ss;

			inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
			if (!strcmp(buf, ip) && ntohs(in6->sin6_port) == port)
				return true;
		}
	}
	return false;
}

/* With the system's configuration: c-ares reads /etc/hosts. */
static void localhost_from_hosts_file(void **state)
{
	struct fixture *f = *state;
	struct answer a = { 0 };
	struct tn_resolve *q;

	tn_resolve_set_config(NULL);
	assert_int_equal(tn_resolve_start(f->loop, "localhost", 80, answer_cb, &a, &q), 0);
	assert_false(a.done);                 /* never inside start */
	RUN_UNTIL(f->loop, a.done);
	assert_int_equal(a.err, 0);
	assert_true(has_addr(&a, "127.0.0.1", 80) || has_addr(&a, "::1", 80));
	assert_int_equal(f->dns.queries, 0);
}

static void numeric_names(void **state)
{
	struct fixture *f = *state;
	struct answer a = { 0 }, b = { 0 };
	struct tn_resolve *q;

	assert_int_equal(tn_resolve_start(f->loop, "192.0.2.7", 443, answer_cb, &a, &q), 0);
	assert_int_equal(tn_resolve_start(f->loop, "2001:db8::7", 443, answer_cb, &b, &q), 0);
	RUN_UNTIL(f->loop, a.done && b.done);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.count, 1);
	assert_true(has_addr(&a, "192.0.2.7", 443));
	assert_int_equal(b.count, 1);
	assert_true(has_addr(&b, "2001:db8::7", 443));
	assert_int_equal(f->dns.queries, 0);
}

static void a_and_aaaa(void **state)
{
	struct fixture *f = *state;
	struct answer a = { 0 };
	struct tn_resolve *q;

	assert_int_equal(tn_resolve_start(f->loop, "dual.test", 8443, answer_cb, &a, &q), 0);
	RUN_UNTIL(f->loop, a.done);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.count, 2);
	assert_true(has_addr(&a, "192.0.2.10", 8443));
	assert_true(has_addr(&a, "2001:db8::10", 8443));
	assert_int_equal(a.calls, 1);
	assert_true(f->dns.queries >= 2);
}

static void unknown_name(void **state)
{
	struct fixture *f = *state;
	struct answer a = { 0 };
	struct tn_resolve *q;

	assert_int_equal(tn_resolve_start(f->loop, "nosuch.test", 80, answer_cb, &a, &q), 0);
	RUN_UNTIL(f->loop, a.done);
	assert_int_equal(a.err, -ENOENT);
	assert_string_equal(a.error, "resolving nosuch.test: domain name not found");
	assert_int_equal(a.count, 0);
}

static void silent_server_times_out(void **state)
{
	struct fixture *f = *state;
	struct answer a = { 0 };
	struct tn_resolve *q;
	char servers[64];
	uint64_t t0 = mono_ms();

	f->dns.silent = true;
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", f->dns.port);
	tn_resolve_set_config(&(struct tn_resolve_config){
		.servers = servers, .timeout_ms = 100, .tries = 1 });
	assert_int_equal(tn_resolve_start(f->loop, "slow.test", 80, answer_cb, &a, &q), 0);
	RUN_UNTIL(f->loop, a.done);
	assert_int_equal(a.err, -ETIMEDOUT);
	assert_string_equal(a.error, "resolving slow.test: timeout while contacting DNS servers");
	assert_true(f->dns.queries >= 1);
	assert_true(mono_ms() - t0 < 3000);
}

static void cancel_before_answer(void **state)
{
	struct fixture *f = *state;
	struct answer a = { 0 }, b = { 0 };
	struct tn_resolve *q;

	f->dns.silent = true;
	assert_int_equal(tn_resolve_start(f->loop, "slow.test", 80, answer_cb, &a, &q), 0);
	RUN_UNTIL(f->loop, f->dns.queries >= 1);
	tn_resolve_cancel(q);                         /* sockets in the loop */
	assert_int_equal(tn_resolve_start(f->loop, "slow.test", 80, answer_cb, &b, &q), 0);
	tn_resolve_cancel(q);                         /* before the loop ran */
	tn_resolve_cancel(NULL);
	run_for(f->loop, 100);
	assert_int_equal(a.calls + b.calls, 0);

	f->dns.silent = false;
	a.self = NULL;
	assert_int_equal(tn_resolve_start(f->loop, "dual.test", 80, answer_cb, &a, &a.self), 0);
	RUN_UNTIL(f->loop, a.done);
	assert_int_equal(a.calls, 1);
}

/* --- tn_conn by name ---------------------------------------------------- */

/* ::1 comes first (RFC 6724 prefers it) and refuses (the server listens
 * on 127.0.0.1 only); the dial falls back to 127.0.0.1. */
static void dial_falls_back_to_next_address(void **state)
{
	struct fixture *f = *state;
	struct client cl = { 0 };
	struct peer p;
	char addr[64];

	assert_int_equal(peer_start(&p, f->loop, AF_INET, NULL, PEER_ECHO), 0);
	assert_int_equal(tn_conn_dial(f->loop, "two.test", p.port, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	assert_int_equal(tn_conn_write(cl.c, "hi", 2), 2);
	RUN_UNTIL(f->loop, cl.in_len == 2 || cl.final);
	assert_false(cl.final);
	assert_memory_equal(cl.in, "hi", 2);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", p.port);
	assert_string_equal(tn_conn_peer(cl.c), addr);
	client_free(&cl);
	peer_stop(&p);
}

/* All addresses fail: the first address's error is reported. */
static void dial_all_addresses_fail(void **state)
{
	struct fixture *f = *state;
	struct client cl = { 0 };
	uint16_t port;
	int fd = tcp_socket(AF_INET, -1, &port);
	char want[96];

	assert_true(fd >= 0);
	assert_int_equal(tn_conn_dial(f->loop, "v4only.test", port, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	RUN_UNTIL(f->loop, cl.final);
	snprintf(want, sizeof(want), "connect 127.0.0.1:%u: connection refused", port);
	assert_string_equal(cl.error, want);
	client_free(&cl);
	close(fd);
}

static void dial_unknown_name(void **state)
{
	struct fixture *f = *state;
	struct client cl = { 0 };

	assert_int_equal(tn_conn_dial(f->loop, "nosuch.test", 443, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	RUN_UNTIL(f->loop, cl.final);
	assert_int_equal(cl.n[TN_CONN_ERROR], 1);
	assert_int_equal(cl.error_code, -ENOENT);
	assert_string_equal(cl.error, "resolving nosuch.test: domain name not found");
	assert_string_equal(tn_conn_peer(cl.c), "");
	client_free(&cl);
}

/* The dial's timeout covers resolution (the lookup is abandoned). */
static void dial_times_out_while_resolving(void **state)
{
	struct fixture *f = *state;
	struct client cl = { 0 };

	f->dns.silent = true;
	assert_int_equal(tn_conn_dial(f->loop, "slow.test", 443, NULL, 200 * MS,
				      client_cb, &cl, &cl.c), 0);
	RUN_UNTIL(f->loop, cl.final);
	assert_int_equal(cl.error_code, -ETIMEDOUT);
	assert_string_equal(cl.error, "resolving slow.test: timed out after 0.2 s");
	client_free(&cl);
}

static void close_while_resolving(void **state)
{
	struct fixture *f = *state;
	struct client cl = { 0 };

	f->dns.silent = true;
	assert_int_equal(tn_conn_dial(f->loop, "slow.test", 443, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	RUN_UNTIL(f->loop, f->dns.queries >= 1);
	client_free(&cl);
	run_for(f->loop, 50);
	assert_int_equal(cl.n[TN_CONN_ERROR] + cl.n[TN_CONN_CONNECTED], 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(localhost_from_hosts_file),
		T(numeric_names),
		T(a_and_aaaa),
		T(unknown_name),
		T(silent_server_times_out),
		T(cancel_before_answer),
		T(dial_falls_back_to_next_address),
		T(dial_all_addresses_fail),
		T(dial_unknown_name),
		T(dial_times_out_while_resolving),
		T(close_while_resolving),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

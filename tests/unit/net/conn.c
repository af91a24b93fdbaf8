/* TCP streams: echo through a real loopback server on the same loop,
 * refused and timed-out dials, names, peer close and reset, closing from
 * inside callbacks, the output bound and WRITABLE, 1 MB both ways, and
 * handing unread bytes to a new owner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "stream_peer.h"
#include "util/clock.h"

#define MS TN_NSEC_PER_MSEC

static int setup(void **state)
{
	*state = tn_loop_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	tn_loop_free(*state);
	return 0;
}

static void tcp_echo_write_before_connect(void **state)
{
	struct tn_loop *loop = *state;
	struct client cl = { 0 };
	struct peer p;
	char addr[64];

	assert_int_equal(peer_start(&p, loop, AF_INET, NULL, PEER_ECHO), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	/* Nothing happens inside dial, and reading before CONNECTED waits. */
	assert_int_equal(cl.n[TN_CONN_CONNECTED], 0);
	assert_int_equal(tn_conn_read(cl.c, addr, sizeof(addr)), -EAGAIN);
	assert_string_equal(tn_conn_error(cl.c), "");
	/* Written before the connection exists: buffered, sent once up. */
	assert_int_equal(tn_conn_write(cl.c, "hello", 5), 5);
	assert_int_equal(tn_conn_pending_output(cl.c), 5);
	RUN_UNTIL(loop, cl.in_len == 5);
	assert_int_equal(cl.n[TN_CONN_CONNECTED], 1);
	assert_int_equal(cl.n[TN_CONN_WRITABLE], 1);     /* the buffer drained */
	assert_memory_equal(cl.in, "hello", 5);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", p.port);
	assert_string_equal(tn_conn_peer(cl.c), addr);
	assert_null(tn_conn_ssl(cl.c));

	/* Written while open and idle: goes straight out, no WRITABLE. */
	assert_int_equal(tn_conn_write(cl.c, " world", 6), 6);
	assert_int_equal(tn_conn_pending_output(cl.c), 0);
	RUN_UNTIL(loop, cl.in_len == 11);
	assert_memory_equal(cl.in, "hello world", 11);
	assert_int_equal(cl.n[TN_CONN_WRITABLE], 1);
	assert_int_equal(cl.n[TN_CONN_CONNECTED], 1);
	assert_false(cl.final);
	client_free(&cl);
	peer_stop(&p);
}

static void tcp_echo_ipv6_literal(void **state)
{
	struct tn_loop *loop = *state;
	struct client cl = { 0 };
	struct peer p;
	char addr[64];

	if (peer_start(&p, loop, AF_INET6, NULL, PEER_ECHO) != 0) {
		skip();      /* no IPv6 loopback here */
		return;
	}
	assert_int_equal(tn_conn_dial(loop, "[::1]", p.port, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	RUN_UNTIL(loop, cl.n[TN_CONN_CONNECTED] == 1);
	assert_int_equal(tn_conn_write(cl.c, "six", 3), 3);
	RUN_UNTIL(loop, cl.in_len == 3);
	assert_memory_equal(cl.in, "six", 3);
	snprintf(addr, sizeof(addr), "[::1]:%u", p.port);
	assert_string_equal(tn_conn_peer(cl.c), addr);
	client_free(&cl);
	peer_stop(&p);
}

/* A bound socket that never listens refuses connections. */
static void connect_refused(void **state)
{
	struct tn_loop *loop = *state;
	struct client cl = { 0 };
	uint16_t port;
	int fd = tcp_socket(AF_INET, -1, &port);
	char want[96];
	char buf[8];

	assert_true(fd >= 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", port, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	RUN_UNTIL(loop, cl.final);
	assert_int_equal(cl.n[TN_CONN_ERROR], 1);
	assert_int_equal(cl.n[TN_CONN_CONNECTED], 0);
	snprintf(want, sizeof(want), "connect 127.0.0.1:%u: connection refused", port);
	assert_string_equal(cl.error, want);
	assert_int_equal(cl.error_code, -ECONNREFUSED);
	/* The condition sticks, and nothing more is delivered. */
	assert_int_equal(tn_conn_read(cl.c, buf, sizeof(buf)), -ECONNREFUSED);
	assert_int_equal(tn_conn_write(cl.c, "x", 1), -ECONNREFUSED);
	run_for(loop, 50);
	assert_int_equal(cl.events_after_final, 0);
	client_free(&cl);
	close(fd);
}

/* A deterministic black hole without routing tricks: a listener whose
 * accept queue is full (backlog 0, one connection already queued, never
 * accepted) drops further SYNs, so the connect neither completes nor
 * fails and only our timeout ends it. */
static void connect_timeout(void **state)
{
	struct tn_loop *loop = *state;
	struct client cl = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint16_t port;
	int lfd = tcp_socket(AF_INET, 0, &port), filler;
	uint64_t t0;
	char want[96];

	assert_true(lfd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(filler, (struct sockaddr *)&sin, sizeof(sin)), 0);

	t0 = mono_ms();
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", port, NULL, 300 * MS,
				      client_cb, &cl, &cl.c), 0);
	RUN_UNTIL(loop, cl.final);
	assert_int_equal(cl.n[TN_CONN_ERROR], 1);
	assert_int_equal(cl.n[TN_CONN_CONNECTED], 0);
	assert_int_equal(cl.error_code, -ETIMEDOUT);
	snprintf(want, sizeof(want), "connect 127.0.0.1:%u: timed out after 0.3 s", port);
	assert_string_equal(cl.error, want);
	assert_true(mono_ms() - t0 >= 290);
	assert_true(mono_ms() - t0 < 3000);
	client_free(&cl);
	close(filler);
	close(lfd);
}

/* "localhost" goes through c-ares, which answers from /etc/hosts. */
static void dial_localhost_by_name(void **state)
{
	struct tn_loop *loop = *state;
	struct client cl = { 0 };
	struct peer p;
	char addr[64];

	assert_int_equal(peer_start(&p, loop, AF_INET, NULL, PEER_ECHO), 0);
	assert_int_equal(tn_conn_dial(loop, "localhost", p.port, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	assert_int_equal(tn_conn_write(cl.c, "ping", 4), 4);
	RUN_UNTIL(loop, cl.in_len == 4 || cl.final);
	assert_false(cl.final);
	assert_memory_equal(cl.in, "ping", 4);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", p.port);
	assert_string_equal(tn_conn_peer(cl.c), addr);
	client_free(&cl);
	peer_stop(&p);
}

static void peer_close_gives_closed_once(void **state)
{
	struct tn_loop *loop = *state;
	struct client cl = { 0 };
	struct peer p;
	char buf[8];

	assert_int_equal(peer_start(&p, loop, AF_INET, NULL, PEER_SCRIPT), 0);
	p.script = (const uint8_t *)"bye";
	p.script_len = 3;
	p.close_after_script = true;
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	RUN_UNTIL(loop, cl.final);
	assert_int_equal(cl.n[TN_CONN_CLOSED], 1);
	assert_int_equal(cl.n[TN_CONN_ERROR], 0);
	assert_int_equal(cl.in_len, 3);
	assert_memory_equal(cl.in, "bye", 3);
	assert_int_equal(cl.last_read, 0);
	assert_string_equal(cl.error, "connection closed by peer");
	assert_int_equal(cl.error_code, 0);
	assert_int_equal(tn_conn_read(cl.c, buf, sizeof(buf)), 0);
	assert_int_equal(tn_conn_write(cl.c, "x", 1), -EPIPE);
	run_for(loop, 50);
	assert_int_equal(cl.events_after_final, 0);
	client_free(&cl);
	peer_stop(&p);
}

static void peer_reset_gives_error(void **state)
{
	struct tn_loop *loop = *state;
	struct client cl = { 0 };
	struct peer p;

	assert_int_equal(peer_start(&p, loop, AF_INET, NULL, PEER_ECHO), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	assert_int_equal(tn_conn_write(cl.c, "x", 1), 1);
	RUN_UNTIL(loop, cl.in_len == 1);
	peer_conn_close(&p.conns[0], true);      /* SO_LINGER 0: RST */
	RUN_UNTIL(loop, cl.final);
	assert_int_equal(cl.n[TN_CONN_ERROR], 1);
	assert_int_equal(cl.error_code, -ECONNRESET);
	assert_non_null(strstr(cl.error, "read from 127.0.0.1:"));
	assert_non_null(strstr(cl.error, "connection reset by peer"));
	client_free(&cl);
	peer_stop(&p);
}

static void close_inside_callbacks(void **state)
{
	struct tn_loop *loop = *state;
	struct client a = { .close_on = TN_CONN_CONNECTED + 1 };
	struct client b = { .close_on = TN_CONN_READABLE + 1 };
	struct client e = { .close_on = TN_CONN_ERROR + 1 };
	struct client w = { .close_on = TN_CONN_WRITABLE + 1 };
	struct peer p;
	uint16_t rport;
	int rfd = tcp_socket(AF_INET, -1, &rport);

	assert_int_equal(peer_start(&p, loop, AF_INET, NULL, PEER_ECHO), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, NULL, 5000 * MS,
				      client_cb, &a, &a.c), 0);
	/* Pending output and unread bytes are dropped with the connection. */
	assert_int_equal(tn_conn_write(a.c, "abc", 3), 3);
	assert_int_equal(tn_conn_unread(a.c, "zz", 2), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, NULL, 5000 * MS,
				      client_cb, &b, &b.c), 0);
	assert_int_equal(tn_conn_write(b.c, "abc", 3), 3);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", rport, NULL, 5000 * MS,
				      client_cb, &e, &e.c), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, NULL, 5000 * MS,
				      client_cb, &w, &w.c), 0);
	assert_int_equal(tn_conn_write(w.c, "abc", 3), 3);
	RUN_UNTIL(loop, a.closed_in_cb && b.closed_in_cb && e.closed_in_cb &&
			w.closed_in_cb);
	assert_true(a.closed_in_cb && b.closed_in_cb && e.closed_in_cb && w.closed_in_cb);
	run_for(loop, 50);
	assert_int_equal(a.n[TN_CONN_CONNECTED], 1);
	assert_int_equal(a.n[TN_CONN_READABLE] + a.n[TN_CONN_WRITABLE], 0);
	assert_int_equal(b.n[TN_CONN_READABLE], 1);
	assert_int_equal(b.n[TN_CONN_CLOSED] + b.n[TN_CONN_ERROR], 0);
	assert_int_equal(e.n[TN_CONN_ERROR], 1);
	assert_int_equal(w.n[TN_CONN_WRITABLE], 1);
	client_free(&a);
	client_free(&b);
	client_free(&e);
	client_free(&w);
	peer_stop(&p);
	close(rfd);
}

static void never_called(struct tn_conn *c, enum tn_conn_event ev, void *arg)
{
	(void)c;
	(void)ev;
	(void)arg;
	fail();
}

/* Closing before the loop ran: no events, nothing leaked (ASan). */
static void close_before_start(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_conn *c1, *c2;

	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", 9, NULL, 0, never_called,
				      NULL, &c1), 0);
	assert_int_equal(tn_conn_dial(loop, "localhost", 9, NULL, 1000 * MS,
				      never_called, NULL, &c2), 0);
	tn_conn_close(c1);
	tn_conn_close(c2);
	tn_conn_close(NULL);
	run_for(loop, 50);
}

static void invalid_arguments(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts bad_pin = { .cert_pin = "sha256-raw:abcd" };
	struct tn_tls_opts bad_pin2 = { .cert_pin = "sha1:00" };
	struct tn_tls_opts bad_alpn = { .alpn = "h2,,http/1.1" };
	struct tn_conn *c = NULL;

	assert_int_equal(tn_conn_dial(loop, "", 1, NULL, 0, never_called, NULL, &c), -EINVAL);
	assert_int_equal(tn_conn_dial(loop, "x", 0, NULL, 0, never_called, NULL, &c), -EINVAL);
	assert_int_equal(tn_conn_dial(loop, "x", 1, NULL, 0, NULL, NULL, &c), -EINVAL);
	assert_int_equal(tn_conn_dial(loop, "x", 1, &bad_pin, 0, never_called, NULL, &c),
			 -EINVAL);
	assert_int_equal(tn_conn_dial(loop, "x", 1, &bad_pin2, 0, never_called, NULL, &c),
			 -EINVAL);
	assert_int_equal(tn_conn_dial(loop, "x", 1, &bad_alpn, 0, never_called, NULL, &c),
			 -EINVAL);
	assert_null(c);
	run_for(loop, 20);
}

/* Byte at absolute stream offset o; any shift, loss or repeat shows. */
static uint8_t at(uint64_t o)
{
	return (uint8_t)(o ^ (o >> 8) ^ (o >> 16) ^ (o >> 24));
}

struct drain {
	uint64_t got;
	bool bad;
};

static void drain_cb(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct drain *d = arg;
	uint8_t buf[65536];
	ssize_t n;

	(void)loop;
	(void)events;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != at(d->got + (uint64_t)i))
				d->bad = true;
		d->got += (uint64_t)n;
	}
}

/* A peer that does not read: writes are taken until the bound, then
 * -ENOBUFS; once the peer reads, WRITABLE says the backlog is gone. */
static void output_bound_and_writable(void **state)
{
	enum { CHUNK = 256 * 1024 };
	struct tn_loop *loop = *state;
	struct client cl = { 0 };
	struct drain d = { 0 };
	uint16_t port;
	int lfd = tcp_socket(AF_INET, 4, &port), sfd, i;
	uint8_t *chunk = malloc(CHUNK);
	uint64_t total = 0;
	size_t before;

	assert_true(lfd >= 0);
	assert_non_null(chunk);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", port, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	RUN_UNTIL(loop, cl.n[TN_CONN_CONNECTED] == 1);
	sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(sfd >= 0);
	for (i = 0; i < 400; i++) {
		ssize_t r;

		for (size_t j = 0; j < CHUNK; j++)
			chunk[j] = at(total + j);
		r = tn_conn_write(cl.c, chunk, CHUNK);
		if (r == -ENOBUFS)
			break;
		assert_int_equal(r, CHUNK);
		total += CHUNK;
		tn_loop_run_once(loop, 0);
	}
	assert_true(i < 400);
	before = tn_conn_pending_output(cl.c);
	assert_true(before > TN_CONN_MAX_OUTPUT - CHUNK);
	assert_true(before <= TN_CONN_MAX_OUTPUT);
	assert_int_equal(cl.n[TN_CONN_WRITABLE], 0);
	/* Nothing was taken by the refused write. */
	assert_int_equal(tn_conn_pending_output(cl.c), before);
	assert_int_equal(tn_conn_write(cl.c, chunk, TN_CONN_MAX_OUTPUT + 1), -ENOBUFS);

	assert_int_equal(tn_loop_add_fd(loop, sfd, TN_EV_READ, drain_cb, &d), 0);
	RUN_UNTIL(loop, cl.n[TN_CONN_WRITABLE] == 1 && d.got == total);
	assert_int_equal(cl.n[TN_CONN_WRITABLE], 1);
	assert_int_equal(tn_conn_pending_output(cl.c), 0);
	assert_true(d.got == total);
	assert_false(d.bad);
	tn_loop_del_fd(loop, sfd);
	close(sfd);
	close(lfd);
	free(chunk);
	client_free(&cl);
}

static void large_transfer_both_ways(void **state)
{
	enum { LEN = 1 << 20 };
	struct tn_loop *loop = *state;
	struct client cl = { 0 };
	struct peer p;
	uint8_t *data = malloc(LEN);

	assert_non_null(data);
	pattern(data, LEN, 7);
	assert_int_equal(peer_start(&p, loop, AF_INET, NULL, PEER_ECHO), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, NULL, 5000 * MS,
				      client_cb, &cl, &cl.c), 0);
	RUN_UNTIL(loop, cl.n[TN_CONN_CONNECTED] == 1);
	for (size_t off = 0; off < LEN; off += 100000) {
		size_t n = LEN - off < 100000 ? LEN - off : 100000;

		assert_int_equal(tn_conn_write(cl.c, data + off, n), (ssize_t)n);
	}
	RUN_UNTIL(loop, cl.in_len >= LEN || cl.final);
	assert_int_equal(cl.in_len, LEN);
	assert_memory_equal(cl.in, data, LEN);
	assert_int_equal(tn_conn_pending_output(cl.c), 0);
	free(data);
	client_free(&cl);
	peer_stop(&p);
}

/* The HTTP-upgrade pattern: the first owner reads a head plus the first
 * bytes of the next protocol, gives those back and hands over. */
struct upgrader {
	struct client *next;
	char head[256];
	size_t len;
	bool handed_over;
};

static void upgrader_cb(struct tn_conn *c, enum tn_conn_event ev, void *arg)
{
	struct upgrader *u = arg;
	ssize_t n;
	char *end;

	if (ev != TN_CONN_READABLE)
		return;
	while ((n = tn_conn_read(c, u->head + u->len, sizeof(u->head) - 1 - u->len)) > 0) {
		u->len += (size_t)n;
		u->head[u->len] = '\0';
		end = strstr(u->head, "\r\n\r\n");
		if (end) {
			size_t used = (size_t)(end + 4 - u->head);

			assert_int_equal(tn_conn_unread(c, u->head + used, u->len - used), 0);
			u->len = used;
			u->handed_over = true;
			tn_conn_set_cb(c, client_cb, u->next);
			return;
		}
	}
}

static void unread_and_hand_over(void **state)
{
	static const char script[] = "HTTP/1.1 101 Switching Protocols\r\n"
				     "Upgrade: tailscale-control-protocol\r\n\r\n"
				     "\x00\x01NOISE";
	struct tn_loop *loop = *state;
	struct client next = { 0 };
	struct upgrader u = { .next = &next };
	struct peer p;

	assert_int_equal(peer_start(&p, loop, AF_INET, NULL, PEER_SCRIPT), 0);
	p.script = (const uint8_t *)script;
	p.script_len = sizeof(script) - 1;
	p.close_after_script = true;
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, NULL, 5000 * MS,
				      upgrader_cb, &u, &next.c), 0);
	RUN_UNTIL(loop, next.final);
	assert_true(u.handed_over);
	assert_int_equal(u.len, sizeof(script) - 1 - 7);
	assert_int_equal(next.in_len, 7);
	assert_memory_equal(next.in, "\x00\x01NOISE", 7);
	assert_int_equal(next.n[TN_CONN_CLOSED], 1);
	client_free(&next);
	peer_stop(&p);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(tcp_echo_write_before_connect),
		T(tcp_echo_ipv6_literal),
		T(connect_refused),
		T(connect_timeout),
		T(dial_localhost_by_name),
		T(peer_close_gives_closed_once),
		T(peer_reset_gives_error),
		T(close_inside_callbacks),
		T(close_before_start),
		T(invalid_arguments),
		T(output_bound_and_writable),
		T(large_transfer_both_ways),
		T(unread_and_hand_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

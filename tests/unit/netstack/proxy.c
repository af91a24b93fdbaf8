/* The SOCKS5 and HTTP proxies end to end in the process (proxy.c,
 * socks5_conn.c, socks5_udp.c, httpproxy_conn.c, dial.c, bridge.c):
 * real listeners and clients; destinations are local servers (dialled
 * with sockets), our own tailnet address (taken to 127.0.0.1), and a
 * tailnet peer played by the test through lwIP's captured packets.
 * Malformed requests get their protocol's error and the listener keeps
 * serving; credentials are checked; both proxies share a port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#define SELF "100.64.0.2"
#define PEER "100.64.0.9"

struct fx {
	struct tn_loop *loop;
	struct tn_netstack *ns;
	struct capture cap;
	uint16_t socks, http;
	struct echo_server echo;
};

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static struct fx *fx_new(const char *socks, const char *http)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct tn_netstack_config cfg = { .output = capture_out, .ctx = &f->cap,
					  .socks5_listen = socks, .http_proxy_listen = http };
	struct tn_tailcfg_prefix a = { .family = AF_INET, .bits = 32 };
	struct sockaddr_storage ss;
	char err[160];

	f->loop = tn_loop_new();
	f->ns = tn_netstack_new(f->loop, &cfg, err, sizeof(err));
	assert_non_null(f->ns);
	inet_pton(AF_INET, SELF, a.addr);
	tn_netstack_set_addresses(f->ns, &a, 1);
	if (tn_netstack_proxy_addr(f->ns, 0, &ss) == 0)
		f->socks = port_of(&ss);
	if (tn_netstack_proxy_addr(f->ns, 1, &ss) == 0)
		f->http = port_of(&ss);
	assert_int_equal(echo_start(&f->echo), 0);
	return f;
}

static void fx_free(struct fx *f)
{
	echo_stop(&f->echo);
	tn_netstack_free(f->ns);
	tn_loop_free(f->loop);
	capture_clear(&f->cap);
	free(f);
}

static int setup(void **state)
{
	*state = fx_new("127.0.0.1:0", "127.0.0.1:0");
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* The next SYN (without ACK) lwIP sent, from *at on. */
static bool find_syn(struct fx *f, size_t *at, struct pkt *out)
{
	for (size_t i = *at; i < f->cap.n; i++)
		if (parse_pkt(f->cap.pkt[i], f->cap.len[i], out) && out->proto == 6 &&
		    (out->flags & (F_SYN | F_ACK)) == F_SYN) {
			*at = i + 1;
			return true;
		}
	return false;
}

/* The next TCP segment with data. */
static bool find_data(struct fx *f, size_t *at, struct pkt *out)
{
	for (size_t i = *at; i < f->cap.n; i++)
		if (parse_pkt(f->cap.pkt[i], f->cap.len[i], out) && out->proto == 6 &&
		    out->payload_len) {
			*at = i + 1;
			return true;
		}
	return false;
}

static int client(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Reads exactly n bytes (running the loop meanwhile); false on EOF. */
static bool recv_n(struct tn_loop *loop, int fd, void *buf, size_t n)
{
	size_t got = 0;
	uint64_t end = mono_ms() + WAIT_MS;

	while (got < n && mono_ms() < end) {
		ssize_t r = recv(fd, (char *)buf + got, n - got, MSG_DONTWAIT);

		if (r == 0)
			return false;
		if (r > 0)
			got += (size_t)r;
		else
			tn_loop_run_once(loop, 10);
	}
	return got == n;
}

/* Everything until EOF (or a reset); its length. */
static size_t recv_all(struct tn_loop *loop, int fd, char *buf, size_t cap)
{
	size_t got = 0;
	uint64_t end = mono_ms() + WAIT_MS;

	while (mono_ms() < end) {
		ssize_t r = recv(fd, buf + got, cap - 1 - got, MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno != EAGAIN))
			break;
		if (r > 0)
			got += (size_t)r;
		else
			tn_loop_run_once(loop, 10);
	}
	buf[got] = '\0';
	return got;
}

static void send_all(int fd, const void *buf, size_t n)
{
	assert_int_equal(send(fd, buf, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* len bytes through an echo path and back, both directions at once. */
static void echo_bulk(struct tn_loop *loop, int fd, size_t len)
{
	uint8_t *out = malloc(len), *in = malloc(len);
	size_t sent = 0, got = 0;
	uint64_t end = mono_ms() + 4 * WAIT_MS;

	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(i * 7 + i / 251);
	while (got < len && mono_ms() < end) {
		ssize_t r;

		if (sent < len && (r = send(fd, out + sent, len - sent > 65536 ? 65536 : len - sent,
					    MSG_DONTWAIT | MSG_NOSIGNAL)) > 0)
			sent += (size_t)r;
		if ((r = recv(fd, in + got, len - got, MSG_DONTWAIT)) > 0)
			got += (size_t)r;
		else
			tn_loop_run_once(loop, 1);
	}
	assert_int_equal(got, len);
	assert_memory_equal(in, out, len);
	free(out);
	free(in);
}

static void socks_hello(struct fx *f, int fd)
{
	uint8_t r[2];

	send_all(fd, "\x05\x01\x00", 3);
	assert_true(recv_n(f->loop, fd, r, 2));
	assert_memory_equal(r, "\x05\x00", 2);
}

/* CONNECT to an IPv4 address; the reply code, *bind filled. */
static int socks_connect4(struct fx *f, int fd, const char *ip, uint16_t port, const void *early,
			  size_t elen, struct sockaddr_in *bind)
{
	uint8_t req[64] = { 5, 1, 0, 1 }, r[10];

	inet_pton(AF_INET, ip, req + 4);
	req[8] = (uint8_t)(port >> 8);
	req[9] = (uint8_t)port;
	if (elen)
		memcpy(req + 10, early, elen);
	send_all(fd, req, 10 + elen);
	assert_true(recv_n(f->loop, fd, r, 10));
	assert_int_equal(r[0], 5);
	assert_int_equal(r[3], 1);
	if (bind) {
		bind->sin_family = AF_INET;
		memcpy(&bind->sin_addr, r + 4, 4);
		memcpy(&bind->sin_port, r + 8, 2);
	}
	return r[1];
}

static void socks_connect_system(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in bind;
	char buf[8];
	int fd = client(f->socks);

	socks_hello(f, fd);
	/* Early data right after the request reaches the destination. */
	assert_int_equal(socks_connect4(f, fd, "127.0.0.1", f->echo.port, "early", 5, &bind), 0);
	assert_int_equal(ntohl(bind.sin_addr.s_addr), INADDR_LOOPBACK);
	assert_true(recv_n(f->loop, fd, buf, 5));
	assert_memory_equal(buf, "early", 5);
	echo_bulk(f->loop, fd, 3 << 20);
	close(fd);

	/* Our own tailnet address is dialled as 127.0.0.1, by name too. */
	fd = client(f->socks);
	socks_hello(f, fd);
	assert_int_equal(socks_connect4(f, fd, SELF, f->echo.port, NULL, 0, NULL), 0);
	echo_bulk(f->loop, fd, 1000);
	close(fd);
}

/* A CONNECT to a peer address routed through lwIP, the peer played from
 * the captured packets: SYN out, SYN-ACK in, data both ways. */
static void socks_connect_tailnet(void **state)
{
	struct fx *f = *state;
	struct tn_tailcfg_prefix aips[] = { { .family = AF_INET, .bits = 32 } };
	struct tn_tailcfg_node peer = { .name = "n9.tailnet.test.", .allowed_ips = aips,
					.n_allowed_ips = 1, .addresses = aips, .n_addresses = 1 };
	struct tn_tailcfg_prefix self_a = { .family = AF_INET, .bits = 32 };
	struct tn_tailcfg_node self = { .name = "me.tailnet.test.", .addresses = &self_a,
					.n_addresses = 1 };
	struct tn_tailcfg_node *peers[] = { &peer };
	struct tn_netmap nm = { .self = &self, .peers = peers, .n_peers = 1 };
	uint8_t req[32] = { 5, 1, 0, 3, 2, 'n', '9', 0, 80 }, r[10], buf[2048];
	struct craft c = { .family = AF_INET, .src = PEER, .dst = SELF, .proto = 6, .sport = 80 };
	struct pkt p;
	size_t at = 0;
	int fd;

	inet_pton(AF_INET, PEER, aips[0].addr);
	inet_pton(AF_INET, SELF, self_a.addr);
	assert_int_equal(tn_netstack_set_netmap(f->ns, &nm), 0);

	/* A refused connection: RST answers the SYN, SOCKS answers 5. */
	fd = client(f->socks);
	socks_hello(f, fd);
	send_all(fd, req, 9);
	RUN_UNTIL(f->loop, find_syn(f, &at, &p));
	c.dport = p.sport;
	c.seq = 0;
	c.ack = p.seq + 1;
	c.flags = F_RST | F_ACK;
	tn_netstack_input(f->ns, buf, craft(buf, &c));
	assert_true(recv_n(f->loop, fd, r, 10));
	assert_int_equal(r[1], 5);
	close(fd);

	/* An accepted one. */
	fd = client(f->socks);
	socks_hello(f, fd);
	send_all(fd, req, 9);
	RUN_UNTIL(f->loop, find_syn(f, &at, &p));
	c.dport = p.sport;
	c.seq = 9000;
	c.ack = p.seq + 1;
	c.flags = F_SYN | F_ACK;
	c.mss_option = true;
	tn_netstack_input(f->ns, buf, craft(buf, &c));
	assert_true(recv_n(f->loop, fd, r, 10));
	assert_int_equal(r[1], 0);
	assert_memory_equal(r + 4, self_a.addr, 4);              /* bound to our address */
	assert_int_equal(r[8] << 8 | r[9], c.dport);
	send_all(fd, "abc", 3);
	RUN_UNTIL(f->loop, find_data(f, &at, &p));
	assert_int_equal(p.payload_len, 3);
	assert_memory_equal(p.payload, "abc", 3);
	c.mss_option = false;
	c.seq = 9001;
	c.ack = p.seq + 3;
	c.flags = F_ACK | F_PSH;
	c.payload = "xyz";
	c.payload_len = 3;
	tn_netstack_input(f->ns, buf, craft(buf, &c));
	assert_true(recv_n(f->loop, fd, r, 3));
	assert_memory_equal(r, "xyz", 3);
	close(fd);
}

static void socks_malformed(void **state)
{
	struct fx *f = *state;
	static const struct { const char *data; size_t len; size_t want_len; const char *want; } cases[] = {
		{ "\x04\x01\x00\x50\x7f\x00\x00\x01\x00", 9, 2, "\x05\xff" },
		{ "\x05\x01\x80", 3, 2, "\x05\xff" },
		{ "\x05\x01\x00\x05\x01\x00\x09\x01\x02\x03\x04\x00\x50", 13, 12,
		  "\x05\x00\x05\x08\x00\x01\x00\x00\x00\x00\x00\x00" },
		{ "\x05\x01\x00\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50", 13, 12,
		  "\x05\x00\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00" },
		{ "\x05\x01\x00\x06\x01\x00\x01\x7f\x00\x00\x01\x00\x50", 13, 12,
		  "\x05\x00\x05\x01\x00\x01\x00\x00\x00\x00\x00\x00" },
	};
	struct tn_netstack_stats st;
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = client(f->socks);

		send_all(fd, cases[i].data, cases[i].len);
		assert_int_equal(recv_all(f->loop, fd, buf, sizeof(buf)), cases[i].want_len);
		assert_memory_equal(buf, cases[i].want, cases[i].want_len);
		close(fd);
	}
	/* Offering no method we take is not malformed: 4 bad of 5. */
	tn_netstack_stats(f->ns, &st);
	assert_int_equal(st.proxy_bad, 4);
	/* The listener still serves. */
	int fd = client(f->socks);

	socks_hello(f, fd);
	assert_int_equal(socks_connect4(f, fd, "127.0.0.1", f->echo.port, NULL, 0, NULL), 0);
	echo_bulk(f->loop, fd, 10);
	close(fd);
	/* A connect to a closed port: 5, without counting a bad request. */
	fd = client(f->socks);
	socks_hello(f, fd);
	uint16_t closed = 0;
	close(listen_local(SOCK_STREAM, &closed));
	assert_int_equal(socks_connect4(f, fd, "127.0.0.1", closed, NULL, 0, NULL), 5);
	close(fd);
}

static void socks_udp_associate(void **state)
{
	struct fx *f = *state;
	uint16_t uport = 0;
	int u = listen_local(SOCK_DGRAM, &uport), fd = client(f->socks), c;
	uint8_t req[10] = { 5, 3, 0, 1, 0, 0, 0, 0, 0, 0 }, r[10], dg[64], back[64];
	struct sockaddr_in relay = { .sin_family = AF_INET }, from;
	socklen_t flen = sizeof(from);
	ssize_t n;

	socks_hello(f, fd);
	send_all(fd, req, 10);
	assert_true(recv_n(f->loop, fd, r, 10));
	assert_int_equal(r[1], 0);
	memcpy(&relay.sin_addr, r + 4, 4);
	memcpy(&relay.sin_port, r + 8, 2);
	c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* Header: RSV RSV FRAG ATYP 127.0.0.1 port, then the data. */
	memcpy(dg, "\x00\x00\x00\x01\x7f\x00\x00\x01", 8);
	dg[8] = (uint8_t)(uport >> 8);
	dg[9] = (uint8_t)uport;
	memcpy(dg + 10, "datagram", 8);
	assert_int_equal(sendto(c, dg, 18, 0, (struct sockaddr *)&relay, sizeof(relay)), 18);
	RUN_UNTIL(f->loop, readable(u));
	n = recvfrom(u, back, sizeof(back), 0, (struct sockaddr *)&from, &flen);
	assert_int_equal(n, 8);
	assert_memory_equal(back, "datagram", 8);
	assert_int_equal(sendto(u, "answer", 6, 0, (struct sockaddr *)&from, flen), 6);
	RUN_UNTIL(f->loop, readable(c));
	n = recv(c, back, sizeof(back), 0);
	assert_int_equal(n, 16);
	assert_memory_equal(back, dg, 10);             /* names its source */
	assert_memory_equal(back + 10, "answer", 6);
	/* A fragment is dropped. */
	dg[2] = 1;
	assert_int_equal(sendto(c, dg, 18, 0, (struct sockaddr *)&relay, sizeof(relay)), 18);
	run_for(f->loop, 100);
	assert_false(readable(u));
	/* The association ends with the TCP connection. */
	close(fd);
	run_for(f->loop, 100);
	dg[2] = 0;
	sendto(c, dg, 18, 0, (struct sockaddr *)&relay, sizeof(relay));
	run_for(f->loop, 100);
	assert_false(readable(u));
	close(c);
	close(u);
}

static void http_connect_and_forward(void **state)
{
	struct fx *f = *state;
	uint16_t hport = 0;
	int lfd = listen_local(SOCK_STREAM, &hport), fd, s;
	char req[256], buf[2048], want[256];
	size_t n;

	/* CONNECT: 200, then a tunnel. */
	fd = client(f->http);
	n = (size_t)snprintf(req, sizeof(req),
			     "CONNECT 127.0.0.1:%u HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\nearly",
			     f->echo.port, f->echo.port);
	send_all(fd, req, n);
	assert_true(recv_n(f->loop, fd, buf, 19 + 5));
	assert_memory_equal(buf, "HTTP/1.1 200 OK\r\n\r\nearly", 24);
	echo_bulk(f->loop, fd, 1 << 20);
	close(fd);

	/* Forwarding: the origin gets the request in origin form. */
	fd = client(f->http);
	n = (size_t)snprintf(req, sizeof(req),
			     "GET http://127.0.0.1:%u/p?q=1 HTTP/1.1\r\nHost: x\r\n"
			     "Proxy-Connection: keep-alive\r\nUser-Agent: t\r\n\r\n", hport);
	send_all(fd, req, n);
	RUN_UNTIL(f->loop, readable(lfd));
	s = accept(lfd, NULL, NULL);
	RUN_UNTIL(f->loop, readable(s));
	run_for(f->loop, 20);
	n = (size_t)recv(s, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n] = '\0';
	snprintf(want, sizeof(want),
		 "GET /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUser-Agent: t\r\nConnection: close\r\n\r\n",
		 hport);
	assert_string_equal(buf, want);
	send_all(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", 60);
	close(s);
	n = recv_all(f->loop, fd, buf, sizeof(buf));
	assert_int_equal(n, 60);
	assert_non_null(strstr(buf, "\r\n\r\nok"));
	close(fd);
	close(lfd);
}

static void http_errors(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
		"GET /relative HTTP/1.1\r\nHost: a\r\n\r\n",
		"CONNECT nohost HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET http://a/ HTTP/1.1\nHost: a\n\n",
		"GET http://a/ HTTP/1.1\r\n\r\n",                  /* no Host */
		"GET https://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
	};
	char buf[1024], req[128];
	uint16_t closed = 0;
	int fd;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fd = client(f->http);
		send_all(fd, bad[i], strlen(bad[i]));
		recv_all(f->loop, fd, buf, sizeof(buf));
		assert_memory_equal(buf, "HTTP/1.1 400 ", 13);
		close(fd);
	}
	/* An undiallable CONNECT: 500 with Tailscale-Connect-Error. */
	close(listen_local(SOCK_STREAM, &closed));
	fd = client(f->http);
	snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\nHost: a\r\n\r\n", closed);
	send_all(fd, req, strlen(req));
	recv_all(f->loop, fd, buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 500 ", 13);
	assert_non_null(strstr(buf, "Tailscale-Connect-Error: dial tcp 127.0.0.1:"));
	close(fd);
	/* A forward to it: 502. */
	fd = client(f->http);
	snprintf(req, sizeof(req), "GET http://127.0.0.1:%u/ HTTP/1.1\r\nHost: a\r\n\r\n", closed);
	send_all(fd, req, strlen(req));
	recv_all(f->loop, fd, buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 502 ", 13);
	close(fd);
}

static void socks_password(void **state)
{
	struct fx *f = fx_new("alice:pw@127.0.0.1:0", NULL);
	uint8_t r[2];
	int fd;

	(void)state;
	/* No-auth only: refused. */
	fd = client(f->socks);
	send_all(fd, "\x05\x01\x00", 3);
	assert_int_equal(recv_all(f->loop, fd, (char[8]){ 0 }, 8), 2);
	close(fd);
	/* Wrong password: status 1, closed. */
	fd = client(f->socks);
	send_all(fd, "\x05\x02\x00\x02", 4);
	assert_true(recv_n(f->loop, fd, r, 2));
	assert_memory_equal(r, "\x05\x02", 2);
	send_all(fd, "\x01\x05""alice\x02pX", 10);
	assert_true(recv_n(f->loop, fd, r, 2));
	assert_memory_equal(r, "\x01\x01", 2);
	assert_false(recv_n(f->loop, fd, r, 1));
	close(fd);
	/* A longer one that shares the prefix, and a different user. */
	fd = client(f->socks);
	send_all(fd, "\x05\x01\x02\x01\x05""alice\x03pwx", 14);
	assert_true(recv_n(f->loop, fd, r, 2));
	assert_true(recv_n(f->loop, fd, r, 2));
	assert_memory_equal(r, "\x01\x01", 2);
	close(fd);
	/* The right one, pipelined with the request. */
	fd = client(f->socks);
	send_all(fd, "\x05\x01\x02\x01\x05""alice\x02pw", 13);
	assert_true(recv_n(f->loop, fd, r, 2));
	assert_memory_equal(r, "\x05\x02", 2);
	assert_true(recv_n(f->loop, fd, r, 2));
	assert_memory_equal(r, "\x01\x00", 2);
	assert_int_equal(socks_connect4(f, fd, "127.0.0.1", f->echo.port, NULL, 0, NULL), 0);
	echo_bulk(f->loop, fd, 100);
	close(fd);
	fx_free(f);
}

static void shared_port(void **state)
{
	uint16_t port = 0;
	char spec[64], req[128], buf[64];
	struct fx *f;
	int fd;

	(void)state;
	close(listen_local(SOCK_STREAM, &port));
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", port);
	f = fx_new(spec, spec);
	assert_int_equal(f->socks, port);
	assert_int_equal(f->http, port);
	fd = client(port);
	socks_hello(f, fd);
	assert_int_equal(socks_connect4(f, fd, "127.0.0.1", f->echo.port, NULL, 0, NULL), 0);
	echo_bulk(f->loop, fd, 1000);
	close(fd);
	fd = client(port);
	snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\nHost: a\r\n\r\n", f->echo.port);
	send_all(fd, req, strlen(req));
	assert_true(recv_n(f->loop, fd, buf, 19));
	assert_memory_equal(buf, "HTTP/1.1 200 OK\r\n\r\n", 19);
	echo_bulk(f->loop, fd, 1000);
	close(fd);
	fx_free(f);
}

static void bad_listen_specs(void **state)
{
	struct tn_loop *loop = tn_loop_new();
	static const char *const bad[] = { "nohost", "127.0.0.1:99999", "example.com:80",
					   "u:secretpw@1.2.3:80", "127.0.0.1:" };
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tn_netstack_config cfg = { .output = capture_out, .socks5_listen = bad[i] };

		err[0] = '\0';
		assert_null(tn_netstack_new(loop, &cfg, err, sizeof(err)));
		assert_true(err[0] != '\0');
		assert_null(strstr(err, "secretpw"));
	}
	struct tn_netstack_config cfg = { .output = capture_out, .http_proxy_listen = "u:p@127.0.0.1:0" };

	assert_null(tn_netstack_new(loop, &cfg, err, sizeof(err)));
	tn_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(socks_connect_system, setup, teardown),
		cmocka_unit_test_setup_teardown(socks_connect_tailnet, setup, teardown),
		cmocka_unit_test_setup_teardown(socks_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(socks_udp_associate, setup, teardown),
		cmocka_unit_test_setup_teardown(http_connect_and_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(http_errors, setup, teardown),
		cmocka_unit_test(socks_password),
		cmocka_unit_test(shared_port),
		cmocka_unit_test(bad_listen_specs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

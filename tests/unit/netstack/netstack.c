/* The netstack at the packet level (src/netstack/netstack.c, forward.c,
 * bridge.c): a real lwIP stack fed with packets crafted as a peer sends
 * them, its output captured.  ICMP echo is answered (v4 and v6); TCP to a
 * port with a local listener is forwarded to 127.0.0.1 after the local
 * dial, data and FIN pass both ways; a closed port answers RST; UDP
 * flows reach 127.0.0.1 and the answers come back; malformed and foreign
 * packets are dropped and counted; a packet injected from inside our own
 * output (what MagicDNS does) is deferred, not fed into lwIP re-entrantly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#define PEER "100.64.0.9"
#define SELF "100.64.0.2"
#define PEER6 "fd7a:115c:a1e0::9"
#define SELF6 "fd7a:115c:a1e0::2"

struct fx {
	struct tn_loop *loop;
	struct tn_netstack *ns;
	struct capture cap;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct tn_netstack_config cfg = { .output = capture_out, .ctx = &f->cap };
	struct tn_tailcfg_prefix a[2] = { { .family = AF_INET, .bits = 32 },
					  { .family = AF_INET6, .bits = 128 } };
	char err[128];

	f->loop = tn_loop_new();
	f->ns = tn_netstack_new(f->loop, &cfg, err, sizeof(err));
	if (!f->ns) {
		fprintf(stderr, "netstack: %s\n", err);
		return -1;
	}
	inet_pton(AF_INET, SELF, a[0].addr);
	inet_pton(AF_INET6, SELF6, a[1].addr);
	tn_netstack_set_addresses(f->ns, a, 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tn_netstack_free(f->ns);
	tn_loop_free(f->loop);
	capture_clear(&f->cap);
	free(f);
	return 0;
}

static void feed(struct fx *f, const struct craft *c)
{
	uint8_t buf[2048];
	size_t n = craft(buf, c);

	tn_netstack_input(f->ns, buf, n);
}

/* The first captured packet from index *from that matches. */
static bool find(struct fx *f, size_t *from, uint8_t proto, uint8_t flags, struct pkt *out)
{
	for (size_t i = *from; i < f->cap.n; i++) {
		struct pkt p;

		if (!parse_pkt(f->cap.pkt[i], f->cap.len[i], &p) || p.proto != proto)
			continue;
		if (proto == 6 && (p.flags & flags) != flags)
			continue;
		*out = p;
		*from = i + 1;
		return true;
	}
	return false;
}

static void icmp_echo(void **state)
{
	struct fx *f = *state;
	struct craft c = { .family = AF_INET, .src = PEER, .dst = SELF, .proto = 1, .icmp_type = 8,
			   .icmp_id = 7, .icmp_seq = 1, .payload = "abc", .payload_len = 3 };
	struct pkt p;
	size_t at = 0;
	uint8_t peer[16];

	feed(f, &c);
	assert_true(find(f, &at, 1, 0, &p));
	assert_int_equal(p.icmp_type, 0);
	assert_true(p.csum_ok);
	inet_pton(AF_INET, PEER, peer);
	assert_memory_equal(p.dst, peer, 4);
	assert_int_equal(p.payload_len, 3);
	assert_memory_equal(p.payload, "abc", 3);

	c.family = AF_INET6;
	c.src = PEER6;
	c.dst = SELF6;
	c.proto = 58;
	c.icmp_type = 128;
	feed(f, &c);
	assert_true(find(f, &at, 58, 0, &p));
	assert_int_equal(p.icmp_type, 129);
	assert_true(p.csum_ok);
	assert_memory_equal(p.payload, "abc", 3);
}

static void tcp_forward(void **state)
{
	struct fx *f = *state;
	uint16_t port = 0;
	int lfd = listen_local(SOCK_STREAM, &port), c;
	struct craft syn = { .family = AF_INET, .src = PEER, .dst = SELF, .proto = 6,
			     .sport = 40000, .dport = port, .seq = 1000, .flags = F_SYN,
			     .mss_option = true };
	struct craft seg = syn;
	struct tn_netstack_stats st;
	struct pkt p;
	size_t at = 0;
	uint32_t iss;
	char buf[16];

	assert_true(lfd >= 0);
	feed(f, &syn);
	/* SYN-ACK only once 127.0.0.1:port has answered. */
	RUN_UNTIL(f->loop, find(f, &(size_t){ at }, 6, F_SYN | F_ACK, &p));
	assert_true(find(f, &at, 6, F_SYN | F_ACK, &p));
	assert_int_equal(p.ack, 1001);
	assert_int_equal(p.sport, port);
	assert_int_equal(p.dport, 40000);
	assert_true(p.csum_ok);
	iss = p.seq;
	/* A retransmitted SYN gets the SYN-ACK again, not a second dial. */
	feed(f, &syn);
	assert_true(find(f, &at, 6, F_SYN | F_ACK, &p));
	assert_int_equal(p.seq, iss);

	seg.mss_option = false;
	seg.seq = 1001;
	seg.ack = iss + 1;
	seg.flags = F_ACK;
	feed(f, &seg);
	c = accept(lfd, NULL, NULL);
	assert_true(c >= 0);
	seg.flags = F_ACK | F_PSH;
	seg.payload = "hello";
	seg.payload_len = 5;
	feed(f, &seg);
	RUN_UNTIL(f->loop, readable(c));
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);

	assert_int_equal(send(c, "world", 5, 0), 5);
	RUN_UNTIL(f->loop, find(f, &(size_t){ at }, 6, F_ACK, &p) && p.payload_len);
	while (find(f, &at, 6, F_ACK, &p) && !p.payload_len)
		;
	assert_int_equal(p.payload_len, 5);
	assert_memory_equal(p.payload, "world", 5);
	assert_int_equal(p.seq, iss + 1);
	assert_int_equal(p.ack, 1006);

	/* The peer's FIN becomes EOF on the local socket; its close our FIN. */
	seg.seq = 1006;
	seg.ack = iss + 6;
	seg.flags = F_FIN | F_ACK;
	seg.payload_len = 0;
	feed(f, &seg);
	RUN_UNTIL(f->loop, readable(c));
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 0);
	close(c);
	RUN_UNTIL(f->loop, find(f, &(size_t){ at }, 6, F_FIN, &p));
	assert_true(find(f, &at, 6, F_FIN, &p));
	assert_int_equal(p.seq, iss + 6);
	tn_netstack_stats(f->ns, &st);
	assert_int_equal(st.tcp_forwarded, 1);
	close(lfd);
}

static void tcp_forward_v6(void **state)
{
	struct fx *f = *state;
	uint16_t port = 0;
	int lfd = listen_local(SOCK_STREAM, &port);
	struct craft syn = { .family = AF_INET6, .src = PEER6, .dst = SELF6, .proto = 6,
			     .sport = 40001, .dport = port, .seq = 77, .flags = F_SYN,
			     .mss_option = true };
	struct pkt p;
	size_t at = 0;
	uint8_t self6[16];

	/* Go forwards its IPv6 address to 127.0.0.1 too. */
	feed(f, &syn);
	RUN_UNTIL(f->loop, find(f, &(size_t){ at }, 6, F_SYN | F_ACK, &p));
	assert_true(find(f, &at, 6, F_SYN | F_ACK, &p));
	assert_int_equal(p.family, AF_INET6);
	inet_pton(AF_INET6, SELF6, self6);
	assert_memory_equal(p.src, self6, 16);
	assert_int_equal(p.ack, 78);
	assert_true(p.csum_ok);
	close(lfd);
}

static void tcp_refused(void **state)
{
	struct fx *f = *state;
	uint16_t port = 0;
	int lfd = listen_local(SOCK_STREAM, &port);
	struct craft syn = { .family = AF_INET, .src = PEER, .dst = SELF, .proto = 6,
			     .sport = 40002, .seq = 5000, .flags = F_SYN, .mss_option = true };
	struct tn_netstack_stats st;
	struct pkt p;
	size_t at = 0;

	close(lfd);     /* nothing listens on port now */
	syn.dport = port;
	feed(f, &syn);
	RUN_UNTIL(f->loop, find(f, &(size_t){ at }, 6, F_RST, &p));
	assert_true(find(f, &at, 6, F_RST | F_ACK, &p));
	assert_int_equal(p.ack, 5001);
	assert_int_equal(p.sport, port);
	assert_int_equal(p.dport, 40002);
	assert_true(p.csum_ok);
	assert_false(find(f, &(size_t){ 0 }, 6, F_SYN | F_ACK, &p));
	tn_netstack_stats(f->ns, &st);
	assert_int_equal(st.tcp_refused, 1);
}

static void udp_forward(void **state)
{
	struct fx *f = *state;
	uint16_t port = 0;
	int u = listen_local(SOCK_DGRAM, &port);
	struct craft d = { .family = AF_INET, .src = PEER, .dst = SELF, .proto = 17,
			   .sport = 45454, .dport = port, .payload = "ping", .payload_len = 4 };
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	struct tn_netstack_stats st;
	struct pkt p;
	size_t at = 0;
	char buf[16];
	uint8_t peer[16];

	feed(f, &d);
	RUN_UNTIL(f->loop, readable(u));
	assert_int_equal(recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 4);
	assert_memory_equal(buf, "ping", 4);
	/* The peer's source port is kept when it is free, as in Go. */
	assert_int_equal(ntohs(from.sin_port), 45454);
	assert_int_equal(sendto(u, "pong", 4, 0, (struct sockaddr *)&from, flen), 4);
	RUN_UNTIL(f->loop, find(f, &(size_t){ at }, 17, 0, &p));
	assert_true(find(f, &at, 17, 0, &p));
	assert_int_equal(p.sport, port);
	assert_int_equal(p.dport, 45454);
	inet_pton(AF_INET, PEER, peer);
	assert_memory_equal(p.dst, peer, 4);
	assert_int_equal(p.payload_len, 4);
	assert_memory_equal(p.payload, "pong", 4);
	assert_true(p.csum_ok);
	/* The next datagram of the flow uses the same session. */
	feed(f, &d);
	RUN_UNTIL(f->loop, readable(u));
	assert_int_equal(recv(u, buf, sizeof(buf), 0), 4);
	tn_netstack_stats(f->ns, &st);
	assert_int_equal(st.udp_sessions, 1);
	close(u);
}

static void drops(void **state)
{
	struct fx *f = *state;
	struct craft c = { .family = AF_INET, .src = PEER, .dst = SELF, .proto = 1, .icmp_type = 8,
			   .payload = "x", .payload_len = 1 };
	struct tn_netstack_stats st;
	uint8_t buf[256];
	size_t n;

	n = craft(buf, &c);
	tn_netstack_input(f->ns, buf, 10);               /* truncated */
	tn_netstack_input(f->ns, buf, 0);
	buf[0] = 0x55;                                    /* IPv5 */
	tn_netstack_input(f->ns, buf, n);
	buf[0] = 0x45;
	buf[3] = (uint8_t)(n + 1);                        /* longer than it is */
	tn_netstack_input(f->ns, buf, n);
	buf[0] = 0x4f;                                    /* header past the end */
	tn_netstack_input(f->ns, buf, 40);
	c.dst = "100.64.0.3";                             /* not ours */
	n = craft(buf, &c);
	tn_netstack_input(f->ns, buf, n);
	c.dst = SELF;
	c.src = SELF;                                     /* spoofing us */
	n = craft(buf, &c);
	tn_netstack_input(f->ns, buf, n);
	c.src = "127.0.0.1";
	n = craft(buf, &c);
	tn_netstack_input(f->ns, buf, n);
	c.src = "224.0.0.1";
	n = craft(buf, &c);
	tn_netstack_input(f->ns, buf, n);
	run_for(f->loop, 50);
	tn_netstack_stats(f->ns, &st);
	assert_int_equal(st.drop_malformed, 5);
	assert_int_equal(st.drop_not_ours, 1);
	assert_int_equal(st.drop_source, 3);
	assert_int_equal(st.rx_packets, 0);
	assert_int_equal(f->cap.n, 0);
}

/* Answers our first output packet synchronously with a second echo
 * request, as MagicDNS answers from inside the engine's output. */
static void inject_once(void *arg, const uint8_t *pkt, size_t len)
{
	struct fx *f = arg;
	static const struct craft c = { .family = AF_INET, .src = PEER, .dst = SELF, .proto = 1,
					.icmp_type = 8, .icmp_id = 9, .icmp_seq = 2,
					.payload = "second", .payload_len = 6 };
	uint8_t buf[256];

	(void)pkt;
	(void)len;
	f->cap.hook = NULL;
	tn_netstack_input(f->ns, buf, craft(buf, &c));
}

static void reentrant_input_is_deferred(void **state)
{
	struct fx *f = *state;
	struct craft c = { .family = AF_INET, .src = PEER, .dst = SELF, .proto = 1, .icmp_type = 8,
			   .icmp_id = 9, .icmp_seq = 1, .payload = "first", .payload_len = 5 };
	struct pkt p;
	size_t at = 0;

	f->cap.hook = inject_once;
	f->cap.hook_arg = f;
	feed(f, &c);
	RUN_UNTIL(f->loop, f->cap.n == 2);
	assert_true(find(f, &at, 1, 0, &p));
	assert_memory_equal(p.payload, "first", 5);
	assert_true(find(f, &at, 1, 0, &p));
	assert_int_equal(p.payload_len, 6);
	assert_memory_equal(p.payload, "second", 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(icmp_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_forward_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(udp_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(drops, setup, teardown),
		cmocka_unit_test_setup_teardown(reentrant_input_is_deferred, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

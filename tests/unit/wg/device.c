/* Two WireGuard devices wired together in memory, on the virtual clock:
 * handshake, data both ways, the timers of the WireGuard paper, cookies
 * under load, and every kind of bad input dropped and counted. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto/x25519.h"
#include "event/loop.h"
#include "util/clock.h"
#include "wg/device.h"
#include "wg/peer.h" /* TN_WG_UNDER_LOAD_HANDSHAKES_PER_SEC */
#include "wg/timers.h"

#define MAX_Q 512

struct datagram {
	uint8_t buf[1600];
	size_t len;
	bool to_source;  /* a reply to a source, not to a peer */
};

struct node {
	struct tn_wg_device *dev;
	struct tn_wg_peer *peer; /* the other node */
	struct datagram out[MAX_Q];
	size_t nout;
	uint8_t delivered[1600];
	size_t delivered_len;
	unsigned ndelivered;
	struct tn_wg_endpoint addr;  /* how the other side sees us */
	uint8_t priv[32], pub[32];
};

struct bed {
	struct tn_loop *loop;
	struct node a, b;
};

static int path_send(void *ctx, struct tn_wg_peer *peer, const uint8_t *buf, size_t len)
{
	struct node *n = ctx;

	assert_true(len <= sizeof(n->out[0].buf));
	if (n->nout == MAX_Q)
		return -ENOBUFS;
	memcpy(n->out[n->nout].buf, buf, len);
	n->out[n->nout].len = len;
	n->out[n->nout].to_source = peer == NULL;
	n->nout++;
	return 0;
}

static int path_reply(void *ctx, const struct tn_wg_endpoint *to, const uint8_t *buf, size_t len)
{
	return path_send(ctx, NULL, buf, len);
}

static const struct tn_wg_path_ops path_ops = { .send = path_send, .reply = path_reply };

static void deliver(void *ctx, struct tn_wg_peer *peer, uint8_t *pkt, size_t len)
{
	struct node *n = ctx;

	memcpy(n->delivered, pkt, len);
	n->delivered_len = len;
	n->ndelivered++;
}

/* Moves everything `from` sent to `to`; returns how many. */
static size_t pump(struct node *from, struct node *to)
{
	size_t n = from->nout;

	from->nout = 0;
	for (size_t i = 0; i < n; i++) {
		/* Every other datagram misaligned, as a DERP frame leaves it. */
		size_t off = i % 2 ? 37 : 0;
		uint8_t *copy = malloc(from->out[i].len + off);

		memcpy(copy + off, from->out[i].buf, from->out[i].len);
		tn_wg_device_receive(to->dev, copy + off, from->out[i].len, &from->addr);
		free(copy);
	}
	return n;
}

static void pump_all(struct bed *t)
{
	while (pump(&t->a, &t->b) + pump(&t->b, &t->a))
		;
}

static void advance(struct bed *t, uint64_t ns)
{
	/* Step in 100 ms so every timer fires at its own time. */
	for (uint64_t done = 0; done < ns;) {
		uint64_t step = ns - done < 100 * TN_NSEC_PER_MSEC ? ns - done : 100 * TN_NSEC_PER_MSEC;

		tn_clock_advance(step);
		done += step;
		tn_loop_run_once(t->loop, 0);
	}
}

/* The same with both sides talking: what each sends arrives at once. */
static void advance_pumped(struct bed *t, uint64_t ns)
{
	for (uint64_t done = 0; done < ns; done += 100 * TN_NSEC_PER_MSEC) {
		tn_clock_advance(100 * TN_NSEC_PER_MSEC);
		tn_loop_run_once(t->loop, 0);
		pump_all(t);
	}
}

/* 10.0.0.1 <-> 10.0.0.2, each allowed 10.0.0.x/32. */
static void ipv4_packet(uint8_t *p, size_t len, const char *src, const char *dst)
{
	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	for (size_t i = 20; i < len; i++)
		p[i] = (uint8_t)i;
}

static void node_init(struct bed *t, struct node *n, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&n->addr.addr;

	memset(n, 0, sizeof(*n));
	assert_int_equal(tn_crypto_random(n->priv, 32), 0);
	tn_x25519_clamp(n->priv);
	assert_int_equal(tn_x25519_public(n->pub, n->priv), 0);
	n->dev = tn_wg_device_new(t->loop, &path_ops, n, deliver, n);
	assert_non_null(n->dev);
	assert_int_equal(tn_wg_device_set_private_key(n->dev, n->priv), 0);
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	inet_pton(AF_INET, "192.0.2.1", &in->sin_addr);
	n->addr.len = sizeof(*in);
}

static void connect_nodes(struct node *n, struct node *other, const char *other_ip)
{
	uint8_t a[4];

	assert_int_equal(tn_wg_peer_add(n->dev, other->pub, NULL, &n->peer), 0);
	inet_pton(AF_INET, other_ip, a);
	assert_int_equal(tn_wg_peer_add_allowed_ip(n->peer, AF_INET, a, 32), 0);
}

static int setup(void **state)
{
	struct bed *t = calloc(1, sizeof(*t));

	tn_clock_set_virtual(true, 1000 * TN_NSEC_PER_SEC);
	t->loop = tn_loop_new();
	node_init(t, &t->a, 1001);
	node_init(t, &t->b, 1002);
	connect_nodes(&t->a, &t->b, "10.0.0.2");
	connect_nodes(&t->b, &t->a, "10.0.0.1");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct bed *t = *state;

	tn_wg_device_free(t->a.dev);
	tn_wg_device_free(t->b.dev);
	tn_loop_free(t->loop);
	free(t);
	tn_clock_set_virtual(false, 0);
	return 0;
}

static void send_a_to_b(struct bed *t, size_t len)
{
	uint8_t p[1500];

	ipv4_packet(p, len, "10.0.0.1", "10.0.0.2");
	assert_int_equal(tn_wg_device_send(t->a.dev, p, len), 0);
}

static void send_b_to_a(struct bed *t, size_t len)
{
	uint8_t p[1500];

	ipv4_packet(p, len, "10.0.0.2", "10.0.0.1");
	assert_int_equal(tn_wg_device_send(t->b.dev, p, len), 0);
}

static void handshake_then_data_both_ways(void **state)
{
	struct bed *t = *state;
	uint8_t expect[1500];

	send_a_to_b(t, 100);               /* staged; initiation goes out */
	assert_int_equal(t->a.nout, 1);
	assert_int_equal(t->a.out[0].len, TN_WG_INITIATION_LEN);
	pump_all(t);
	assert_int_equal(t->b.ndelivered, 1);
	ipv4_packet(expect, 100, "10.0.0.1", "10.0.0.2");
	assert_int_equal(t->b.delivered_len, 100); /* padding trimmed by IP length */
	assert_memory_equal(t->b.delivered, expect, 100);

	send_b_to_a(t, 1280);
	pump_all(t);
	assert_int_equal(t->a.ndelivered, 1);
	assert_int_equal(t->a.delivered_len, 1280);
	assert_int_equal(tn_wg_device_stats(t->a.dev)->handshakes_sent, 1);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->handshakes_sent, 0);
	assert_true(tn_wg_peer_last_handshake(t->a.peer) > 0);
	/* B learned A's address from the authenticated initiation. */
	assert_int_equal(tn_wg_peer_endpoint(t->b.peer)->len, sizeof(struct sockaddr_in));
}

static void replayed_data_is_dropped(void **state)
{
	struct bed *t = *state;
	struct datagram d;

	send_a_to_b(t, 60);
	pump_all(t);
	send_a_to_b(t, 60);
	d = t->a.out[0];
	pump_all(t);
	assert_int_equal(t->b.ndelivered, 2);
	assert_true(tn_wg_device_receive(t->b.dev, d.buf, d.len, &t->a.addr) < 0);
	assert_int_equal(t->b.ndelivered, 2);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->drop_replay, 1);
}

static void replayed_initiation_is_dropped(void **state)
{
	struct bed *t = *state;
	struct datagram init;

	send_a_to_b(t, 60);
	init = t->a.out[0];
	pump_all(t);
	advance(t, TN_NSEC_PER_SEC);
	assert_true(tn_wg_device_receive(t->b.dev, init.buf, init.len, &t->a.addr) < 0);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->drop_handshake, 1);
	assert_int_equal(t->b.nout, 0); /* no response to a replay */
}

static void source_outside_allowed_ips_is_dropped(void **state)
{
	struct bed *t = *state;
	uint8_t p[100];

	send_a_to_b(t, 60);
	pump_all(t);
	/* A may send to 10.0.0.2, but claims a source B does not allow. */
	ipv4_packet(p, sizeof(p), "10.9.9.9", "10.0.0.2");
	assert_int_equal(tn_wg_device_send(t->a.dev, p, sizeof(p)), 0);
	pump_all(t);
	assert_int_equal(t->b.ndelivered, 1);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->drop_source, 1);
}

static void no_peer_for_destination(void **state)
{
	struct bed *t = *state;
	uint8_t p[60];

	ipv4_packet(p, sizeof(p), "10.0.0.1", "10.0.0.99");
	assert_int_equal(tn_wg_device_send(t->a.dev, p, sizeof(p)), -EHOSTUNREACH);
	assert_int_equal(tn_wg_device_stats(t->a.dev)->drop_no_peer, 1);
	assert_int_equal(t->a.nout, 0);
}

static void malformed_datagrams_are_counted(void **state)
{
	struct bed *t = *state;
	static const size_t sizes[] = { 0, 1, 3, 4, 31, 147, 149, 91, 93, 63, 65 };
	uint8_t buf[256];
	size_t malformed = 0, data_sized = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (uint8_t type = 0; type <= 5; type++) {
			memset(buf, 0xa5, sizeof(buf));
			memset(buf, 0, 4);
			buf[0] = type;
			assert_true(tn_wg_device_receive(t->b.dev, buf, sizes[i], &t->a.addr) < 0);
			/* Data is any length from 32 on: those fail on the index. */
			if (type == 4 && sizes[i] >= TN_WG_DATA_MIN_LEN)
				data_sized++;
			else
				malformed++;
		}
	}
	assert_int_equal(tn_wg_device_stats(t->b.dev)->drop_malformed, malformed);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->drop_unknown_index, data_sized);
	/* Right sizes, garbage content: a bad mac1, an unknown index. */
	memset(buf, 0x5a, sizeof(buf));
	memcpy(buf, (uint8_t[]){ 1, 0, 0, 0 }, 4);
	assert_true(tn_wg_device_receive(t->b.dev, buf, TN_WG_INITIATION_LEN, &t->a.addr) < 0);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->drop_mac, 1);
	memcpy(buf, (uint8_t[]){ 4, 0, 0, 0 }, 4);
	assert_true(tn_wg_device_receive(t->b.dev, buf, 100, &t->a.addr) < 0);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->drop_unknown_index, data_sized + 1);
	assert_int_equal(t->b.nout, 0);
	assert_int_equal(t->b.ndelivered, 0);
}

static void tampered_data_fails_authentication(void **state)
{
	struct bed *t = *state;

	send_a_to_b(t, 60);
	pump_all(t);
	send_a_to_b(t, 60);
	t->a.out[0].buf[30] ^= 1;
	pump(&t->a, &t->b);
	assert_int_equal(t->b.ndelivered, 1);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->drop_auth, 1);
}

static void retransmits_every_rekey_timeout_then_gives_up(void **state)
{
	struct bed *t = *state;
	uint64_t start = tn_clock_now(), last = start, elapsed;
	unsigned sent = 1;

	send_a_to_b(t, 60);
	assert_int_equal(t->a.nout, 1);
	t->a.nout = 0; /* B never hears any of it */
	/* A retry every REKEY_TIMEOUT plus up to 333 ms of jitter... */
	while ((elapsed = tn_clock_now() - start) < TN_WG_REKEY_ATTEMPT_TIME_NS + 30 * TN_NSEC_PER_SEC) {
		advance(t, 100 * TN_NSEC_PER_MSEC);
		if (!t->a.nout)
			continue;
		assert_int_equal(t->a.nout, 1);
		assert_int_equal(t->a.out[0].len, TN_WG_INITIATION_LEN);
		t->a.nout = 0;
		sent++;
		assert_true(tn_clock_now() - last >= TN_WG_REKEY_TIMEOUT_NS);
		assert_true(tn_clock_now() - last <= TN_WG_REKEY_TIMEOUT_NS + TN_WG_REKEY_JITTER_MAX_NS +
							100 * TN_NSEC_PER_MSEC);
		last = tn_clock_now();
	}
	/* ...for REKEY_ATTEMPT_TIME, then it gives up and drops what waited.
	 * Like the Linux module and wireguard-go, the retry counter must pass
	 * MAX_TIMER_HANDSHAKES (18) before giving up: 19 retries. */
	assert_int_equal(sent, 1 + TN_WG_MAX_TIMER_HANDSHAKES + 1);
	assert_int_equal(tn_wg_device_stats(t->a.dev)->handshakes_sent, sent);
	assert_int_equal(tn_wg_device_stats(t->a.dev)->drop_staged, 1);
	assert_true(last - start >= TN_WG_REKEY_ATTEMPT_TIME_NS);
}

static void keepalive_after_keepalive_timeout(void **state)
{
	struct bed *t = *state;

	send_a_to_b(t, 60);
	pump_all(t);
	/* B received data and sent nothing back: after 10 s a keepalive. */
	advance(t, TN_WG_KEEPALIVE_TIMEOUT_NS - 100 * TN_NSEC_PER_MSEC);
	assert_int_equal(t->b.nout, 0);
	advance(t, 200 * TN_NSEC_PER_MSEC);
	assert_int_equal(t->b.nout, 1);
	assert_int_equal(t->b.out[0].len, TN_WG_DATA_MIN_LEN);
	pump_all(t);
	assert_int_equal(t->a.ndelivered, 0); /* keepalives are not delivered */
}

static void unanswered_data_starts_new_handshake(void **state)
{
	struct bed *t = *state;
	uint64_t sent;

	send_a_to_b(t, 60);
	pump_all(t);
	advance_pumped(t, 20 * TN_NSEC_PER_SEC);
	sent = tn_wg_device_stats(t->a.dev)->handshakes_sent;
	send_a_to_b(t, 60);
	t->a.nout = 0; /* and so is this */
	/* KEEPALIVE_TIMEOUT + REKEY_TIMEOUT without hearing from B. */
	advance(t, TN_WG_KEEPALIVE_TIMEOUT_NS + TN_WG_REKEY_TIMEOUT_NS + 400 * TN_NSEC_PER_MSEC);
	assert_int_equal(tn_wg_device_stats(t->a.dev)->handshakes_sent, sent + 1);
}

static void initiator_rekeys_after_rekey_after_time(void **state)
{
	struct bed *t = *state;

	send_a_to_b(t, 60);
	pump_all(t);
	advance_pumped(t, TN_WG_REKEY_AFTER_TIME_NS - TN_NSEC_PER_SEC);
	send_a_to_b(t, 60);
	assert_int_equal(tn_wg_device_stats(t->a.dev)->handshakes_sent, 1);
	advance_pumped(t, 2 * TN_NSEC_PER_SEC);
	send_a_to_b(t, 60);       /* sent on the old key, then a new handshake */
	assert_int_equal(t->a.nout, 2);
	assert_int_equal(t->a.out[1].len, TN_WG_INITIATION_LEN);
	pump_all(t);
	assert_int_equal(tn_wg_device_stats(t->a.dev)->handshakes_sent, 2);
	send_a_to_b(t, 60);
	pump_all(t);
	assert_int_equal(t->b.ndelivered, 4);
}

static void session_rejected_after_reject_after_time(void **state)
{
	struct bed *t = *state;
	struct datagram old;

	send_a_to_b(t, 60);
	pump_all(t);
	send_a_to_b(t, 60);
	old = t->a.out[0];
	t->a.nout = 0;
	advance(t, TN_WG_REJECT_AFTER_TIME_NS);
	t->a.nout = t->b.nout = 0;
	assert_true(tn_wg_device_receive(t->b.dev, old.buf, old.len, &t->a.addr) < 0);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->drop_expired, 1);
	/* A may not send on it either: the packet is staged behind a handshake. */
	send_a_to_b(t, 60);
	assert_int_equal(t->a.nout, 1);
	assert_int_equal(t->a.out[0].len, TN_WG_INITIATION_LEN);
	pump_all(t);
	assert_int_equal(t->b.ndelivered, 2);
}

static void keys_zeroed_after_three_reject_after_times(void **state)
{
	struct bed *t = *state;
	uint64_t sent;

	send_a_to_b(t, 60);
	pump_all(t);
	advance(t, TN_WG_ZERO_KEYS_AFTER_NS + TN_NSEC_PER_SEC);
	t->a.nout = t->b.nout = 0;
	sent = tn_wg_device_stats(t->b.dev)->handshakes_sent;
	/* B (the responder) has no session left: sending needs a handshake. */
	send_b_to_a(t, 60);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->handshakes_sent, sent + 1);
}

static void persistent_keepalive(void **state)
{
	struct bed *t = *state;

	send_a_to_b(t, 60);
	pump_all(t);
	advance_pumped(t, 30 * TN_NSEC_PER_SEC);
	tn_wg_peer_set_persistent_keepalive(t->a.peer, 25);
	t->a.nout = 0;
	advance(t, 25 * TN_NSEC_PER_SEC + 100 * TN_NSEC_PER_MSEC);
	assert_int_equal(t->a.nout, 1);
	assert_int_equal(t->a.out[0].len, TN_WG_DATA_MIN_LEN);
}

/* Feeds B `n` copies of datagram d, dropping what B answers. */
static void storm(struct bed *t, const struct datagram *d, int n)
{
	for (int i = 0; i < n; i++) {
		struct datagram copy = *d;

		tn_wg_device_receive(t->b.dev, copy.buf, copy.len, &t->a.addr);
	}
}

static void cookie_reply_under_load(void **state)
{
	struct bed *t = *state;
	struct datagram init, cookie = { 0 };
	uint64_t accepted;

	send_a_to_b(t, 60);
	init = t->a.out[0];
	t->a.nout = 0;
	/* More than the under-load rate in one second: B stops trusting mac1
	 * alone and answers with cookie replies. */
	storm(t, &init, TN_WG_UNDER_LOAD_HANDSHAKES_PER_SEC + 10);
	assert_true(tn_wg_device_stats(t->b.dev)->cookies_sent >= 1);
	for (size_t i = 0; i < t->b.nout; i++)
		if (t->b.out[i].to_source)
			cookie = t->b.out[i];
	t->b.nout = 0;
	assert_int_equal(cookie.len, TN_WG_COOKIE_REPLY_LEN);
	assert_int_equal(tn_wg_device_receive(t->a.dev, cookie.buf, cookie.len, &t->b.addr), 0);
	assert_int_equal(tn_wg_device_stats(t->a.dev)->cookies_received, 1);

	/* A retries with mac2; B, under load again, accepts only that one. */
	advance(t, TN_WG_REKEY_TIMEOUT_NS + 400 * TN_NSEC_PER_MSEC);
	storm(t, &init, TN_WG_UNDER_LOAD_HANDSHAKES_PER_SEC + 10);
	t->b.nout = 0;
	accepted = tn_wg_device_stats(t->b.dev)->handshakes_received;
	assert_true(t->a.nout >= 1);
	assert_int_equal(t->a.out[t->a.nout - 1].len, TN_WG_INITIATION_LEN);
	t->a.out[0] = t->a.out[t->a.nout - 1];
	t->a.nout = 1;
	pump(&t->a, &t->b);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->handshakes_received, accepted + 1);
	pump_all(t);
	assert_int_equal(t->b.ndelivered, 1);
}

static void rekey_after_messages(void **state)
{
	struct bed *t = *state;

	send_a_to_b(t, 60);
	pump_all(t);
	advance_pumped(t, 6 * TN_NSEC_PER_SEC);
	/* The initiator renews a session that has sent REKEY_AFTER_MESSAGES. */
	t->a.peer->current->send_counter = TN_WG_REKEY_AFTER_MESSAGES;
	t->a.nout = 0;
	send_a_to_b(t, 60);
	assert_int_equal(t->a.nout, 2);
	assert_int_equal(t->a.out[1].len, TN_WG_INITIATION_LEN);
}

static void reject_after_messages(void **state)
{
	struct bed *t = *state;

	send_a_to_b(t, 60);
	pump_all(t);
	advance_pumped(t, 6 * TN_NSEC_PER_SEC);
	/* A used-up session sends nothing more: the packet waits for a new one. */
	t->a.peer->current->send_counter = TN_WG_REJECT_AFTER_MESSAGES;
	t->a.nout = 0;
	send_a_to_b(t, 60);
	assert_int_equal(t->a.nout, 1);
	assert_int_equal(t->a.out[0].len, TN_WG_INITIATION_LEN);
	pump_all(t);
	assert_int_equal(t->b.ndelivered, 2);
}

static void index_table_does_not_grow_with_handshakes(void **state)
{
	struct bed *t = *state;

	/* Found by fuzzing: tombstones used to make the table double forever. */
	for (int i = 0; i < 2000; i++) {
		tn_clock_advance(TN_WG_REKEY_TIMEOUT_NS + TN_NSEC_PER_MSEC);
		tn_wg_peer_initiate_handshake(t->a.peer);
		pump_all(t);
	}
	assert_int_equal(tn_wg_device_stats(t->a.dev)->handshakes_sent, 2000);
	assert_true(t->a.dev->index_live <= 3);
	assert_true(t->b.dev->index_live <= 3);
	assert_true(t->a.dev->index_cap <= 64);
	assert_true(t->b.dev->index_cap <= 64);
}

static void relayed_datagrams_must_come_from_the_named_peer(void **state)
{
	struct bed *t = *state;
	struct tn_wg_peer *other;
	uint8_t priv[32], pub[32];
	struct datagram d;

	assert_int_equal(tn_crypto_random(priv, 32), 0);
	assert_int_equal(tn_x25519_public(pub, priv), 0);
	assert_int_equal(tn_wg_peer_add(t->b.dev, pub, NULL, &other), 0);
	send_a_to_b(t, 60);
	d = t->a.out[0];
	t->a.nout = 0;
	/* An initiation from A that the relay says came from someone else. */
	assert_int_equal(tn_wg_device_receive_from_peer(t->b.dev, d.buf, d.len, other), -EPERM);
	assert_int_equal(tn_wg_device_stats(t->b.dev)->drop_relay_sender, 1);
	assert_int_equal(t->b.nout, 0);
	/* Named correctly, it is accepted, and so is the data after it. */
	assert_int_equal(tn_wg_device_receive_from_peer(t->b.dev, d.buf, d.len, t->b.peer), 0);
	pump(&t->b, &t->a);
	d = t->a.out[t->a.nout - 1];
	t->a.nout = 0;
	assert_int_equal(tn_wg_device_receive_from_peer(t->b.dev, d.buf, d.len, other), -EPERM);
	assert_int_equal(tn_wg_device_receive_from_peer(t->b.dev, d.buf, d.len, t->b.peer), 0);
	assert_int_equal(t->b.ndelivered, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(handshake_then_data_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(replayed_data_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(replayed_initiation_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(source_outside_allowed_ips_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(no_peer_for_destination, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_datagrams_are_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(tampered_data_fails_authentication, setup, teardown),
		cmocka_unit_test_setup_teardown(retransmits_every_rekey_timeout_then_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(keepalive_after_keepalive_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(unanswered_data_starts_new_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(initiator_rekeys_after_rekey_after_time, setup, teardown),
		cmocka_unit_test_setup_teardown(session_rejected_after_reject_after_time, setup, teardown),
		cmocka_unit_test_setup_teardown(keys_zeroed_after_three_reject_after_times, setup, teardown),
		cmocka_unit_test_setup_teardown(persistent_keepalive, setup, teardown),
		cmocka_unit_test_setup_teardown(cookie_reply_under_load, setup, teardown),
		cmocka_unit_test_setup_teardown(rekey_after_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(reject_after_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(index_table_does_not_grow_with_handshakes, setup, teardown),
		cmocka_unit_test_setup_teardown(relayed_datagrams_must_come_from_the_named_peer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

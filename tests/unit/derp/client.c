/* The DERP client against an in-process DERP server written here (a real
 * TLS server on the same loop speaking the server side of the protocol):
 * the upgrade request, the handshake checked from the server's side (the
 * ClientInfo box opens with the server key and our key), echo and relay
 * between two clients, ping/pong, NotePreferred re-sent after a reconnect,
 * PeerGone, 64 KiB packets, frames dribbled one byte per TLS record, node
 * fallback, certificate pins, non-101 answers, bad greetings, the handshake
 * timeout, the watchdog, the output bound and freeing from a callback.
 *
 * This checks that our framing is self-consistent; interop with Go's
 * derper is tests/integration/test_derp.py.  The virtual clock drives the
 * timers; sockets and TLS are real. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../net/stream_peer.h"
#include "control/tailcfg.h"
#include "crypto/box.h"
#include "crypto/keys.h"
#include "derp/client.h"
#include "derp/frame.h"
#include "util/clock.h"
#include "util/log.h"

#define HOST "derp.test"
#define MAX_CONNS 16
#define UPGRADED "HTTP/1.1 101 Switching Protocols\r\nUpgrade: DERP\r\n" \
		 "Connection: Upgrade\r\nDerp-Version: 2\r\n\r\n"

/* ---- the server ---- */

struct srv;

struct sconn {
	struct srv *s;
	int fd;
	SSL *ssl;
	bool handshaken, dead, paused, close_after_flush;
	int st;                      /* 0 HTTP, 1 ClientInfo, 2 steady */
	uint8_t *in, *out;
	size_t in_len, in_cap, out_off, out_len, out_cap;
	uint8_t client_pub[32];
};

struct srv {
	struct tn_loop *loop;
	int lfd;
	uint16_t port;
	SSL_CTX *ctx;
	uint8_t priv[32], pub[32];
	/* behaviour */
	int status;                  /* answer to GET /derp (101) */
	bool bad_magic;
	bool no_server_info;
	size_t chunk;                /* bytes per TLS record (0: all) */
	uint8_t gone_key[32];        /* sending here gives PeerGone(NotHere) */
	/* what was seen */
	struct sconn conns[MAX_CONNS];
	int nconns;
	int client_infos, bad_client_infos;
	char req[2048];
	char sni[256];
	uint8_t client_pub[32];
	int prefs[32], n_prefs;
	uint8_t pong[8];
	int pongs, send_packets;
};

static void sconn_close(struct sconn *sc)
{
	if (sc->dead)
		return;
	sc->dead = true;
	tn_loop_del_fd(sc->s->loop, sc->fd);
	SSL_free(sc->ssl);
	sc->ssl = NULL;
	close(sc->fd);
	free(sc->in);
	free(sc->out);
	sc->in = sc->out = NULL;
}

static void sconn_queue(struct sconn *sc, const void *p, size_t n)
{
	if (sc->out_len + n > sc->out_cap) {
		size_t cap = sc->out_cap ? sc->out_cap : 4096;

		while (cap < sc->out_len + n)
			cap *= 2;
		sc->out = realloc(sc->out, cap);
		assert_non_null(sc->out);
		sc->out_cap = cap;
	}
	memcpy(sc->out + sc->out_len, p, n);
	sc->out_len += n;
}

static void sconn_frame(struct sconn *sc, uint8_t type, const void *a, size_t alen,
			const void *b, size_t blen)
{
	uint8_t h[5] = { type, (uint8_t)((alen + blen) >> 24), (uint8_t)((alen + blen) >> 16),
			 (uint8_t)((alen + blen) >> 8), (uint8_t)(alen + blen) };

	sconn_queue(sc, h, 5);
	if (alen)
		sconn_queue(sc, a, alen);
	if (blen)
		sconn_queue(sc, b, blen);
}

static void sconn_flush(struct sconn *sc)
{
	while (!sc->dead && sc->out_off < sc->out_len) {
		size_t n = 0, want = sc->out_len - sc->out_off;

		if (sc->s->chunk && want > sc->s->chunk)
			want = sc->s->chunk;
		if (!SSL_write_ex(sc->ssl, sc->out + sc->out_off, want, &n)) {
			int e = SSL_get_error(sc->ssl, 0);

			ERR_clear_error();
			if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
				break;
			sconn_close(sc);
			return;
		}
		sc->out_off += n;
	}
	if (sc->dead)
		return;
	if (sc->out_off == sc->out_len) {
		sc->out_off = sc->out_len = 0;
		if (sc->close_after_flush) {
			SSL_shutdown(sc->ssl);
			ERR_clear_error();
			sconn_close(sc);
			return;
		}
	}
	tn_loop_mod_fd(sc->s->loop, sc->fd,
		       (sc->paused ? 0 : TN_EV_READ) | (sc->out_len ? TN_EV_WRITE : 0));
}

static struct sconn *find_client(struct srv *s, const uint8_t key[32])
{
	for (int i = 0; i < s->nconns; i++)
		if (!s->conns[i].dead && s->conns[i].st == 2 &&
		    memcmp(s->conns[i].client_pub, key, 32) == 0)
			return &s->conns[i];
	return NULL;
}

static void handle_frame(struct sconn *sc, uint8_t type, const uint8_t *p, size_t len)
{
	struct srv *s = sc->s;

	if (sc->st == 1) {
		uint8_t msg[256], box[64];
		static const char want[] = "{\"version\":2,\"CanAckPings\":true}";
		static const char info[] = "{\"version\":2}";

		/* ClientInfo: our key, then a box from that key to the server. */
		if (type != TN_DERP_FRAME_CLIENT_INFO || len < 32 + TN_BOX_OVERHEAD ||
		    len - 32 - TN_BOX_OVERHEAD >= sizeof(msg) ||
		    tn_box_open(msg, p + 32, len - 32, p, s->priv) < 0 ||
		    len - 32 - TN_BOX_OVERHEAD != strlen(want) ||
		    memcmp(msg, want, strlen(want)) != 0) {
			s->bad_client_infos++;
			sconn_close(sc);
			return;
		}
		memcpy(sc->client_pub, p, 32);
		memcpy(s->client_pub, p, 32);
		s->client_infos++;
		sc->st = 2;
		if (s->no_server_info)
			return;
		assert_int_equal(tn_box_seal(box, (const uint8_t *)info, strlen(info), p, s->priv), 0);
		sconn_frame(sc, TN_DERP_FRAME_SERVER_INFO, box, strlen(info) + TN_BOX_OVERHEAD, NULL, 0);
		return;
	}
	switch (type) {
	case TN_DERP_FRAME_SEND_PACKET: {
		struct sconn *to;

		assert_true(len >= 32);
		s->send_packets++;
		if (memcmp(p, s->gone_key, 32) == 0) {
			sconn_frame(sc, TN_DERP_FRAME_PEER_GONE, p, 32, "\x01", 1);
		} else if ((to = find_client(s, p))) {
			sconn_frame(to, TN_DERP_FRAME_RECV_PACKET, sc->client_pub, 32, p + 32, len - 32);
			if (to != sc)
				sconn_flush(to);
		} else {
			/* Echo, from the destination. */
			sconn_frame(sc, TN_DERP_FRAME_RECV_PACKET, p, 32, p + 32, len - 32);
		}
		break;
	}
	case TN_DERP_FRAME_NOTE_PREFERRED:
		assert_int_equal(len, 1);
		if (s->n_prefs < 32)
			s->prefs[s->n_prefs++] = p[0];
		break;
	case TN_DERP_FRAME_PONG:
		assert_int_equal(len, 8);
		memcpy(s->pong, p, 8);
		s->pongs++;
		break;
	default:
		fail_msg("unexpected frame 0x%02x from the client", type);
	}
}

static void process(struct sconn *sc)
{
	struct srv *s = sc->s;
	size_t off = 0;

	if (sc->st == 0) {
		char *end;
		uint8_t sk[40];

		if (sc->in_len < 4 || !(end = memmem(sc->in, sc->in_len, "\r\n\r\n", 4)))
			return;
		off = (size_t)((uint8_t *)end - sc->in) + 4;
		snprintf(s->req, sizeof(s->req), "%.*s", (int)off, (const char *)sc->in);
		if (s->status != 101) {
			char resp[256];
			int n = snprintf(resp, sizeof(resp),
					 "HTTP/1.1 %d Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
					 s->status);

			sconn_queue(sc, resp, (size_t)n);
			sc->close_after_flush = true;
			sc->in_len = 0;
			return;
		}
		/* The 101 and the ServerKey frame in one write: the client
		 * reads the first frame together with the head. */
		sconn_queue(sc, UPGRADED, strlen(UPGRADED));
		memcpy(sk, TN_DERP_MAGIC, 8);
		if (s->bad_magic)
			sk[0] = 'X';
		memcpy(sk + 8, s->pub, 32);
		sconn_frame(sc, TN_DERP_FRAME_SERVER_KEY, sk, sizeof(sk), NULL, 0);
		sc->st = 1;
	}
	while (!sc->dead && sc->in_len - off >= 5) {
		const uint8_t *h = sc->in + off;
		size_t len = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];

		if (sc->in_len - off - 5 < len)
			break;
		handle_frame(sc, h[0], h + 5, len);
		off += 5 + len;
	}
	if (sc->dead)
		return;
	memmove(sc->in, sc->in + off, sc->in_len - off);
	sc->in_len -= off;
}

static void sconn_cb(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct sconn *sc = arg;
	uint8_t buf[16384];

	if (!sc->handshaken) {
		int r = SSL_accept(sc->ssl);

		if (r != 1) {
			int e = SSL_get_error(sc->ssl, r);

			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				tn_loop_mod_fd(loop, sc->fd, e == SSL_ERROR_WANT_READ ? TN_EV_READ : TN_EV_WRITE);
				return;
			}
			sconn_close(sc);
			return;
		}
		sc->handshaken = true;
		{
			const char *sni = SSL_get_servername(sc->ssl, TLSEXT_NAMETYPE_host_name);

			snprintf(sc->s->sni, sizeof(sc->s->sni), "%s", sni ? sni : "");
		}
	}
	while (!sc->paused) {
		size_t n = 0;

		if (!SSL_read_ex(sc->ssl, buf, sizeof(buf), &n)) {
			int e = SSL_get_error(sc->ssl, 0);

			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				break;
			sconn_close(sc);
			return;
		}
		if (sc->in_len + n > sc->in_cap) {
			size_t cap = sc->in_cap ? sc->in_cap : 16384;

			while (cap < sc->in_len + n)
				cap *= 2;
			sc->in = realloc(sc->in, cap);
			assert_non_null(sc->in);
			sc->in_cap = cap;
		}
		memcpy(sc->in + sc->in_len, buf, n);
		sc->in_len += n;
		process(sc);
		if (sc->dead)
			return;
	}
	sconn_flush(sc);
}

static void srv_accept(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct srv *s = arg;
	struct sconn *sc;
	BIO *bio;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	assert_true(s->nconns < MAX_CONNS);
	sc = &s->conns[s->nconns++];
	memset(sc, 0, sizeof(*sc));
	sc->s = s;
	sc->fd = cfd;
	bio = peer_bio(cfd);
	sc->ssl = SSL_new(s->ctx);
	SSL_set_bio(sc->ssl, bio, bio);
	SSL_set_accept_state(sc->ssl);
	tn_loop_add_fd(loop, cfd, TN_EV_READ, sconn_cb, sc);
}

static struct sconn *srv_last(struct srv *s)
{
	for (int i = s->nconns - 1; i >= 0; i--)
		if (!s->conns[i].dead)
			return &s->conns[i];
	return NULL;
}

static int srv_live(struct srv *s)
{
	int n = 0;

	for (int i = 0; i < s->nconns; i++)
		n += !s->conns[i].dead;
	return n;
}

static void srv_stop(struct srv *s)
{
	for (int i = 0; i < s->nconns; i++)
		sconn_close(&s->conns[i]);
	if (s->lfd >= 0) {
		tn_loop_del_fd(s->loop, s->lfd);
		close(s->lfd);
		s->lfd = -1;
	}
}

/* ---- fixtures ---- */

struct fx {
	struct tn_loop *loop;
	struct cert cert;
	SSL_CTX *ctx;
	char pin[128];
	struct srv srv;
};

static struct fx *F;

static void srv_start(struct srv *s)
{
	memset(s, 0, sizeof(*s));
	s->loop = F->loop;
	s->ctx = F->ctx;
	s->status = 101;
	assert_int_equal(tn_key_generate_private(s->priv), 0);
	assert_int_equal(tn_key_public_from_private(s->pub, s->priv), 0);
	memset(s->gone_key, 0x66, 32);
	s->lfd = tcp_socket(AF_INET, 16, &s->port);
	assert_true(s->lfd >= 0);
	assert_int_equal(tn_loop_add_fd(F->loop, s->lfd, TN_EV_READ, srv_accept, s), 0);
}

static int setup(void **state)
{
	F = calloc(1, sizeof(*F));
	tn_log_set_level(getenv("TN_TEST_DEBUG") ? TN_LOG_DEBUG : TN_LOG_ERR);
	tn_clock_set_virtual(true, 1000 * TN_NSEC_PER_SEC);
	F->loop = tn_loop_new();
	F->cert = make_cert(HOST, "DNS:" HOST ",IP:127.0.0.1", false, NULL, 7, -3600, 86400);
	F->ctx = server_ctx(&F->cert, NULL);
	cert_pin(&F->cert, F->pin, sizeof(F->pin));
	srv_start(&F->srv);
	*state = F;
	return 0;
}

static int teardown(void **state)
{
	srv_stop(&F->srv);
	/* Let closed connections' deferred work run before the loop goes. */
	for (int i = 0; i < 5; i++)
		tn_loop_run_once(F->loop, 0);
	tn_loop_free(F->loop);
	SSL_CTX_free(F->ctx);
	cert_free(&F->cert);
	tn_clock_set_virtual(false, 0);
	free(F);
	return 0;
}

/* Runs the loop, moving the virtual clock 1 ms per round (so backoff and
 * deferred work progress), until cond or WAIT_MS of real time. */
#define RUN(cond)                                                      \
	do {                                                           \
		uint64_t end_ = mono_ms() + WAIT_MS;                   \
		while (!(cond) && mono_ms() < end_) {                  \
			tn_loop_run_once(F->loop, 2);                  \
			tn_clock_advance(TN_NSEC_PER_MSEC);            \
		}                                                      \
		assert_true(cond);                                     \
	} while (0)

static void settle(unsigned rounds)
{
	for (unsigned i = 0; i < rounds; i++) {
		tn_loop_run_once(F->loop, 2);
		tn_clock_advance(TN_NSEC_PER_MSEC);
	}
}

/* ---- the client side ---- */

struct tc {
	struct tn_derp_client *c;
	uint8_t priv[32], pub[32];
	int ups, downs;
	char err[400];
	int pkts;
	uint8_t src[32];
	uint8_t pkt[TN_DERP_MAX_PACKET];
	size_t pkt_len;
	int gones, gone_reason;
	uint8_t gone[32];
	bool free_on_packet, free_on_down;
};

static void on_packet(void *arg, const uint8_t src[32], uint8_t *pkt, size_t len)
{
	struct tc *t = arg;

	assert_true(len <= sizeof(t->pkt));
	memcpy(t->src, src, 32);
	memcpy(t->pkt, pkt, len);
	pkt[0] ^= 0xff; /* writable in place */
	t->pkt_len = len;
	t->pkts++;
	if (t->free_on_packet) {
		tn_derp_client_free(t->c);
		t->c = NULL;
	}
}

static void on_state(void *arg, bool up, const char *err)
{
	struct tc *t = arg;

	if (up) {
		assert_null(err);
		t->ups++;
		assert_true(tn_derp_client_connected(t->c));
	} else {
		assert_non_null(err);
		assert_true(err[0]);
		snprintf(t->err, sizeof(t->err), "%s", err);
		t->downs++;
		assert_false(tn_derp_client_connected(t->c));
		if (t->free_on_down) {
			tn_derp_client_free(t->c);
			t->c = NULL;
		}
	}
}

static void on_peer_gone(void *arg, const uint8_t key[32], int reason)
{
	struct tc *t = arg;

	memcpy(t->gone, key, 32);
	t->gone_reason = reason;
	t->gones++;
}

static const struct tn_derp_callbacks CBS = { on_packet, on_state, on_peer_gone };

static struct tn_tailcfg_derp_node node_at(const char *name, uint16_t port)
{
	struct tn_tailcfg_derp_node n = {
		.name = (char *)name,
		.region_id = 900,
		.host_name = (char *)HOST,
		.ipv4 = (char *)"127.0.0.1",
		.ipv6 = (char *)"none",
		.derp_port = port,
		.insecure_for_tests = true,
	};

	return n;
}

static void tc_start_region(struct tc *t, struct tn_tailcfg_derp_node *nodes, size_t n)
{
	struct tn_tailcfg_derp_region reg = { .id = 900, .region_id = 900, .code = (char *)"test",
					      .nodes = nodes, .n_nodes = n };

	assert_int_equal(tn_key_generate_private(t->priv), 0);
	assert_int_equal(tn_key_public_from_private(t->pub, t->priv), 0);
	t->c = tn_derp_client_new(F->loop, t->priv, &reg, &CBS, t);
	assert_non_null(t->c);
	assert_int_equal(tn_derp_client_region(t->c), 900);
}

static void tc_start(struct tc *t)
{
	struct tn_tailcfg_derp_node n = node_at("900a", F->srv.port);

	tc_start_region(t, &n, 1);
}

static void tc_free(struct tc *t)
{
	tn_derp_client_free(t->c);
	t->c = NULL;
}

static void pattern_fill(uint8_t *p, size_t len, uint32_t seed)
{
	pattern(p, len, seed);
}

/* ---- tests ---- */

static void connect_echo_ping_reconnect(void **state)
{
	struct srv *s = &F->srv;
	struct tc t = { 0 };
	struct tn_derp_stats st;
	uint8_t dst[32], pkt[1200], ping[8] = "p1ngdat4";
	struct sconn *sc;

	memset(dst, 0x42, sizeof(dst));
	memset(pkt, 0, sizeof(pkt));

	tc_start(&t);
	assert_false(tn_derp_client_connected(t.c));
	assert_int_equal(tn_derp_client_send(t.c, dst, pkt, 10), -ENOTCONN);
	RUN(t.ups == 1);
	assert_int_equal(t.downs, 0);
	assert_string_equal(tn_derp_client_node(t.c), "900a");

	/* The server's view of the upgrade and the handshake. */
	assert_non_null(strstr(s->req, "GET /derp HTTP/1.1\r\n"));
	assert_non_null(strstr(s->req, "\r\nHost: " HOST "\r\n"));
	assert_non_null(strstr(s->req, "\r\nUpgrade: DERP\r\n"));
	assert_non_null(strstr(s->req, "\r\nConnection: Upgrade\r\n"));
	assert_null(strstr(s->req, "Ideal-Node"));
	assert_string_equal(s->sni, HOST);
	assert_int_equal(s->client_infos, 1);
	assert_int_equal(s->bad_client_infos, 0);
	assert_memory_equal(s->client_pub, t.pub, 32);

	/* Echo: the packet comes back from the destination key. */
	memset(dst, 0x42, sizeof(dst));
	pattern_fill(pkt, sizeof(pkt), 1);
	assert_int_equal(tn_derp_client_send(t.c, dst, pkt, sizeof(pkt)), 0);
	RUN(t.pkts == 1);
	assert_memory_equal(t.src, dst, 32);
	assert_int_equal(t.pkt_len, sizeof(pkt));
	assert_memory_equal(t.pkt, pkt, sizeof(pkt));
	/* An empty packet too. */
	assert_int_equal(tn_derp_client_send(t.c, dst, NULL, 0), 0);
	RUN(t.pkts == 2);
	assert_int_equal(t.pkt_len, 0);

	/* Ping from the server: the pong echoes it. */
	sc = srv_last(s);
	sconn_frame(sc, TN_DERP_FRAME_PING, ping, 8, NULL, 0);
	sconn_frame(sc, TN_DERP_FRAME_KEEP_ALIVE, NULL, 0, NULL, 0);
	sconn_flush(sc);
	RUN(s->pongs == 1);
	assert_memory_equal(s->pong, ping, 8);

	/* NotePreferred: sent on change only. */
	tn_derp_client_note_preferred(t.c, true);
	tn_derp_client_note_preferred(t.c, true);
	RUN(s->n_prefs == 1);
	assert_int_equal(s->prefs[0], 1);

	/* The server drops us: we come back, and say "preferred" again. */
	sconn_close(sc);
	RUN(t.downs == 1);
	assert_non_null(strstr(t.err, "900a"));
	assert_int_equal(tn_derp_client_send(t.c, dst, pkt, 10), -ENOTCONN);
	RUN(t.ups == 2);
	assert_int_equal(s->client_infos, 2);
	RUN(s->n_prefs == 2);
	assert_int_equal(s->prefs[1], 1);
	assert_int_equal(tn_derp_client_send(t.c, dst, pkt, 100), 0);
	RUN(t.pkts == 3);
	assert_memory_equal(t.pkt, pkt, 100);
	tn_derp_client_note_preferred(t.c, false);
	RUN(s->n_prefs == 3);
	assert_int_equal(s->prefs[2], 0);

	tn_derp_client_stats(t.c, &st);
	assert_int_equal(st.packets_out, 3);
	assert_int_equal(st.bytes_out, sizeof(pkt) + 100);
	assert_int_equal(st.packets_in, 3);
	assert_int_equal(st.bytes_in, sizeof(pkt) + 100);
	assert_int_equal(st.drops_not_connected, 2);
	assert_int_equal(st.pings, 1);
	assert_int_equal(st.keepalives, 1);
	assert_int_equal(st.connects, 2);
	assert_int_equal(st.reconnects, 1);
	tc_free(&t);
	settle(5);
	assert_int_equal(srv_live(s), 0);
}

static void two_clients_relay(void **state)
{
	struct tc a = { 0 }, b = { 0 };
	uint8_t pkt[1400];
	struct tn_derp_stats st;

	tc_start(&a);
	tc_start(&b);
	RUN(a.ups == 1 && b.ups == 1);
	for (int i = 0; i < 20; i++) {
		pattern_fill(pkt, sizeof(pkt), (uint32_t)i);
		assert_int_equal(tn_derp_client_send(a.c, b.pub, pkt, sizeof(pkt) - (size_t)i), 0);
		RUN(b.pkts == i + 1);
		assert_memory_equal(b.src, a.pub, 32);
		assert_int_equal(b.pkt_len, sizeof(pkt) - (size_t)i);
		assert_memory_equal(b.pkt, pkt, b.pkt_len);
		assert_int_equal(tn_derp_client_send(b.c, a.pub, pkt, 64), 0);
		RUN(a.pkts == i + 1);
		assert_memory_equal(a.src, b.pub, 32);
	}
	/* Too big is refused and counted. */
	assert_int_equal(tn_derp_client_send(a.c, b.pub, pkt, TN_DERP_MAX_PACKET + 1), -EMSGSIZE);
	tn_derp_client_stats(a.c, &st);
	assert_int_equal(st.drops_oversize, 1);
	assert_int_equal(st.packets_out, 20);
	assert_int_equal(st.packets_in, 20);
	tc_free(&a);
	tc_free(&b);
}

/* 64 KiB packets span TLS records: reassembled in the reader's buffer. */
static void max_packets(void **state)
{
	struct tc t = { 0 };
	uint8_t *pkt = malloc(TN_DERP_MAX_PACKET), dst[32] = { 1 };

	tc_start(&t);
	RUN(t.ups == 1);
	for (int i = 0; i < 5; i++) {
		pattern_fill(pkt, TN_DERP_MAX_PACKET, (uint32_t)(100 + i));
		assert_int_equal(tn_derp_client_send(t.c, dst, pkt, TN_DERP_MAX_PACKET), 0);
	}
	RUN(t.pkts == 5);
	assert_int_equal(t.pkt_len, TN_DERP_MAX_PACKET);
	assert_memory_equal(t.pkt, pkt, TN_DERP_MAX_PACKET);
	free(pkt);
	tc_free(&t);
}

/* Every byte of the 101, the handshake and the packets in its own TLS
 * record. */
static void dribbled_bytes(void **state)
{
	struct tc t = { 0 };
	uint8_t pkt[300], dst[32] = { 2 };

	F->srv.chunk = 1;
	tc_start(&t);
	RUN(t.ups == 1);
	pattern_fill(pkt, sizeof(pkt), 5);
	assert_int_equal(tn_derp_client_send(t.c, dst, pkt, sizeof(pkt)), 0);
	assert_int_equal(tn_derp_client_send(t.c, dst, pkt, 10), 0);
	RUN(t.pkts == 2);
	assert_int_equal(t.pkt_len, 10);
	assert_memory_equal(t.pkt, pkt, 10);
	tc_free(&t);
}

static void peer_gone(void **state)
{
	struct tc t = { 0 };

	tc_start(&t);
	RUN(t.ups == 1);
	assert_int_equal(tn_derp_client_send(t.c, F->srv.gone_key, (const uint8_t *)"x", 1), 0);
	RUN(t.gones == 1);
	assert_memory_equal(t.gone, F->srv.gone_key, 32);
	assert_int_equal(t.gone_reason, TN_DERP_PEER_GONE_NOT_HERE);
	tc_free(&t);
}

/* Short frames are skipped, unknown ones ignored, Health remembered; the
 * connection stays up. */
static void odd_frames_skipped(void **state)
{
	struct tc t = { 0 };
	struct sconn *sc;
	struct tn_derp_stats st;
	uint8_t key[33] = { 3 };

	tc_start(&t);
	RUN(t.ups == 1);
	sc = srv_last(&F->srv);
	sconn_frame(sc, TN_DERP_FRAME_RECV_PACKET, key, 31, NULL, 0);
	sconn_frame(sc, TN_DERP_FRAME_PING, "short", 5, NULL, 0);
	sconn_frame(sc, TN_DERP_FRAME_PEER_GONE, key, 3, NULL, 0);
	sconn_frame(sc, 0x77, "future", 6, NULL, 0);
	sconn_frame(sc, TN_DERP_FRAME_PONG, "12345678", 8, NULL, 0);
	sconn_frame(sc, TN_DERP_FRAME_RESTARTING, "\0\0\0\1\0\0\0\2", 8, NULL, 0);
	sconn_frame(sc, TN_DERP_FRAME_HEALTH, "duplicate\nconnection", 20, NULL, 0);
	sconn_frame(sc, TN_DERP_FRAME_PEER_GONE, key, 32, NULL, 0); /* no reason byte */
	sconn_flush(sc);
	RUN(t.gones == 1);
	assert_int_equal(t.gone_reason, 0);
	assert_string_equal(tn_derp_client_health(t.c), "duplicate?connection");
	tn_derp_client_stats(t.c, &st);
	assert_int_equal(st.bad_frames, 3);
	assert_true(tn_derp_client_connected(t.c));
	sconn_frame(sc, TN_DERP_FRAME_HEALTH, NULL, 0, NULL, 0);
	sconn_frame(sc, TN_DERP_FRAME_RECV_PACKET, key, 32, "ok", 2);
	sconn_flush(sc);
	RUN(t.pkts == 1);
	assert_string_equal(tn_derp_client_health(t.c), "");
	assert_int_equal(t.downs, 0);
	tc_free(&t);
}

/* A frame over 1 MiB from the server breaks the connection. */
static void oversized_frame_reconnects(void **state)
{
	struct tc t = { 0 };
	struct sconn *sc;
	uint8_t h[5] = { TN_DERP_FRAME_RECV_PACKET, 0x00, 0x10, 0x00, 0x01 };

	tc_start(&t);
	RUN(t.ups == 1);
	sc = srv_last(&F->srv);
	sconn_queue(sc, h, 5);
	sconn_flush(sc);
	RUN(t.downs == 1);
	assert_non_null(strstr(t.err, "frame over 1048576 bytes"));
	RUN(t.ups == 2);
	tc_free(&t);
}

static void non_101_is_an_error_and_retried(void **state)
{
	struct tc t = { 0 };
	struct tn_derp_stats st;

	F->srv.status = 426;
	tc_start(&t);
	RUN(t.downs == 1);
	assert_non_null(strstr(t.err, "unexpected status 426 Nope"));
	RUN(t.downs == 2); /* retried after a backoff */
	F->srv.status = 101;
	RUN(t.ups == 1);
	tn_derp_client_stats(t.c, &st);
	assert_true(st.reconnects >= 2);
	tc_free(&t);
}

static void bad_magic(void **state)
{
	struct tc t = { 0 };

	F->srv.bad_magic = true;
	tc_start(&t);
	RUN(t.downs == 1);
	assert_non_null(strstr(t.err, "invalid server greeting"));
	assert_int_equal(F->srv.client_infos, 0);
	tc_free(&t);
}

static void handshake_timeout(void **state)
{
	struct tc t = { 0 };

	F->srv.no_server_info = true;
	tc_start(&t);
	RUN(F->srv.client_infos == 1);
	settle(20);
	assert_int_equal(t.downs, 0);
	tn_clock_advance(TN_DERP_CONNECT_TIMEOUT_NS);
	RUN(t.downs == 1);
	assert_non_null(strstr(t.err, "timed out after 10 s waiting for ServerInfo"));
	assert_int_equal(t.ups, 0);
	tc_free(&t);
}

static void watchdog(void **state)
{
	struct tc t = { 0 };
	struct sconn *sc;

	tc_start(&t);
	RUN(t.ups == 1);
	sc = srv_last(&F->srv);
	tn_clock_advance(100 * TN_NSEC_PER_SEC);
	settle(5);
	sconn_frame(sc, TN_DERP_FRAME_KEEP_ALIVE, NULL, 0, NULL, 0);
	sconn_flush(sc);
	settle(20);
	/* 100 s after the keepalive: still fine. */
	tn_clock_advance(100 * TN_NSEC_PER_SEC);
	settle(20);
	assert_int_equal(t.downs, 0);
	assert_true(tn_derp_client_connected(t.c));
	tn_clock_advance(21 * TN_NSEC_PER_SEC);
	RUN(t.downs == 1);
	assert_non_null(strstr(t.err, "nothing received from 900a for 120 s"));
	RUN(t.ups == 2);
	tc_free(&t);
}

/* STUN-only and unreachable nodes are passed over; the next one is used
 * at once; Ideal-Node names the first node. */
static void node_fallback(void **state)
{
	struct tc t = { 0 };
	uint16_t closed_port;
	int cfd = tcp_socket(AF_INET, -1, &closed_port); /* bound, not listening */
	struct tn_tailcfg_derp_node nodes[4];

	nodes[0] = node_at("900s", F->srv.port);
	nodes[0].stun_only = true;
	nodes[1] = node_at("900a", closed_port);
	nodes[2] = node_at("900b", F->srv.port);
	nodes[2].ipv4 = (char *)"none";     /* both families off: skipped */
	nodes[3] = node_at("900c", F->srv.port);
	tc_start_region(&t, nodes, 4);
	RUN(t.ups == 1);
	assert_int_equal(t.downs, 1);
	assert_non_null(strstr(t.err, "900a"));
	assert_string_equal(tn_derp_client_node(t.c), "900c");
	assert_non_null(strstr(F->srv.req, "\r\nIdeal-Node: 900s\r\n"));
	tc_free(&t);
	close(cfd);
}

/* A node without a host name is dialed and named by its address (no SNI
 * for an IP); one without addresses through DNS by its name. */
static void address_choices(void **state)
{
	struct tc t = { 0 }, u = { 0 };
	struct tn_tailcfg_derp_node n = node_at("900a", F->srv.port);

	n.host_name = (char *)"";
	tc_start_region(&t, &n, 1);
	RUN(t.ups == 1);
	assert_non_null(strstr(F->srv.req, "\r\nHost: 127.0.0.1\r\n"));
	assert_string_equal(F->srv.sni, "");
	tc_free(&t);

	n.host_name = (char *)"localhost";   /* c-ares answers from /etc/hosts */
	n.ipv4 = (char *)"";
	n.ipv6 = (char *)"none";
	tc_start_region(&u, &n, 1);
	RUN(u.ups == 1);
	assert_non_null(strstr(F->srv.req, "\r\nHost: localhost\r\n"));
	assert_string_equal(F->srv.sni, "localhost");
	tc_free(&u);
}

static void unusable_regions(void **state)
{
	struct tn_tailcfg_derp_node n = node_at("900s", 1);
	struct tn_tailcfg_derp_region reg = { .id = 900, .nodes = &n, .n_nodes = 1 };
	uint8_t priv[32];

	tn_key_generate_private(priv);
	n.stun_only = true;
	errno = 0;
	assert_null(tn_derp_client_new(F->loop, priv, &reg, &CBS, NULL));
	assert_int_equal(errno, EINVAL);
	n.stun_only = false;
	n.ipv4 = (char *)"none";
	assert_null(tn_derp_client_new(F->loop, priv, &reg, &CBS, NULL));
	assert_int_equal(errno, EINVAL);
	reg.n_nodes = 0;
	assert_null(tn_derp_client_new(F->loop, priv, &reg, &CBS, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(tn_derp_client_new(F->loop, NULL, &reg, &CBS, NULL));
	assert_int_equal(errno, EINVAL);
	tn_derp_client_free(NULL);
}

/* Without InsecureForTests the self-signed certificate is refused unless
 * CertName pins it. */
static void certificate_checks(void **state)
{
	struct tc t = { 0 }, u = { 0 }, v = { 0 };
	struct tn_tailcfg_derp_node n = node_at("900a", F->srv.port);
	char wrong[128];

	n.insecure_for_tests = false;
	tc_start_region(&t, &n, 1);
	RUN(t.downs == 1);
	assert_non_null(strstr(t.err, "certificate"));
	tc_free(&t);

	n.cert_name = F->pin;
	tc_start_region(&u, &n, 1);
	RUN(u.ups == 1);
	tc_free(&u);

	snprintf(wrong, sizeof(wrong), "%s", F->pin);
	wrong[strlen(wrong) - 1] = wrong[strlen(wrong) - 1] == '0' ? '1' : '0';
	n.cert_name = wrong;
	n.insecure_for_tests = true; /* a pin holds even so, as in Go */
	tc_start_region(&v, &n, 1);
	RUN(v.downs == 1);
	assert_int_equal(v.ups, 0);
	tc_free(&v);
}

/* The output bound: the server stops reading; sends fail with -ENOBUFS
 * once the backlog passes TN_DERP_MAX_BACKLOG, without breaking the
 * connection. */
static void backlog_bound(void **state)
{
	struct tc t = { 0 };
	struct sconn *sc;
	struct tn_derp_stats st;
	uint8_t *pkt = calloc(1, TN_DERP_MAX_PACKET), dst[32] = { 4 };
	int r = 0, sent = 0;

	tc_start(&t);
	RUN(t.ups == 1);
	sc = srv_last(&F->srv);
	sc->paused = true;
	tn_loop_mod_fd(F->loop, sc->fd, 0);
	for (int i = 0; i < 4000 && r == 0; i++) {
		r = tn_derp_client_send(t.c, dst, pkt, TN_DERP_MAX_PACKET);
		sent += r == 0;
		tn_loop_run_once(F->loop, 0);
	}
	assert_int_equal(r, -ENOBUFS);
	tn_derp_client_stats(t.c, &st);
	assert_int_equal(st.drops_backlog, 1);
	assert_int_equal(st.packets_out, sent);
	assert_true(tn_derp_client_connected(t.c));
	free(pkt);
	tc_free(&t);
}

static void free_inside_callbacks(void **state)
{
	struct tc a = { .free_on_packet = true }, b = { .free_on_down = true };
	uint8_t dst[32] = { 5 };

	tc_start(&a);
	tc_start(&b);
	RUN(a.ups == 1 && b.ups == 1);
	/* Two packets in one read: the second is never delivered. */
	assert_int_equal(tn_derp_client_send(a.c, dst, (const uint8_t *)"one", 3), 0);
	assert_int_equal(tn_derp_client_send(a.c, dst, (const uint8_t *)"two", 3), 0);
	RUN(a.pkts == 1 && a.c == NULL);
	sconn_close(find_client(&F->srv, b.pub));
	RUN(b.downs == 1 && b.c == NULL);
	settle(50);
	assert_int_equal(a.pkts, 1);
	assert_int_equal(b.downs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(connect_echo_ping_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(two_clients_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(max_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(dribbled_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(peer_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(odd_frames_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(oversized_frame_reconnects, setup, teardown),
		cmocka_unit_test_setup_teardown(non_101_is_an_error_and_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(handshake_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(watchdog, setup, teardown),
		cmocka_unit_test_setup_teardown(node_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(address_choices, setup, teardown),
		cmocka_unit_test_setup_teardown(unusable_regions, setup, teardown),
		cmocka_unit_test_setup_teardown(certificate_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(backlog_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(free_inside_callbacks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

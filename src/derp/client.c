/* The DERP client: node choice, the TLS dial and HTTP upgrade, the DERP
 * handshake, the steady state, the watchdog and reconnects.  See client.h;
 * the frames are frame.c. */
#include "derp/client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/tailcfg.h"
#include "crypto/box.h"
#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "derp/frame.h"
#include "event/loop.h"
#include "net/conn.h"
#include "net/http1.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/log.h"

#define MOD "derp"

/* What we tell the server about ourselves (Go's ClientInfo: "version" is
 * lower case, CanAckPings is not; meshKey and IsProber are left out). */
#define CLIENT_INFO_JSON "{\"version\":2,\"CanAckPings\":true}"
/* Reads per READABLE event: a busy connection yields to the rest of the
 * loop after this many (the event comes again, readiness is level). */
#define READS_PER_EVENT 16
/* One read: a TLS record's worth of plaintext. */
#define READ_CHUNK (16 * 1024)
/* The start of a non-101 reason phrase put in the error. */
#define REASON_MAX 64

/* One place to dial: a node of the region at one address. */
struct target {
	char *node;          /* the node's Name ("" if unnamed) */
	char *addr;          /* IP literal or host name to resolve */
	char *host;          /* Host header */
	char *sni;           /* TLS server name: the host name, NULL for none
				(then tn_conn sends none for an IP literal) */
	char *cert_name;     /* NULL, a name, or "sha256-raw:<hex>" */
	uint16_t port;
	bool insecure;
	bool last_of_node;   /* no other address of the same node follows */
};

enum phase {
	PH_BACKOFF,          /* waiting for the retry timer */
	PH_DIAL,             /* TCP + TLS */
	PH_HTTP,             /* request sent, waiting for the 101 */
	PH_SERVER_KEY,
	PH_SERVER_INFO,      /* ClientInfo sent */
	PH_CONNECTED,
};

static const char *const phase_names[] = {
	"waiting", "dialing", "waiting for the HTTP upgrade",
	"waiting for ServerKey", "waiting for ServerInfo", "connected",
};

struct tn_derp_client {
	struct tn_loop *loop;
	uint8_t priv[TN_KEY_LEN], pub[TN_KEY_LEN], server_pub[TN_KEY_LEN];
	char pub_short[TN_KEY_SHORT_MAX];
	int region;
	char *ideal_node;    /* Region.Nodes[0].Name, for Ideal-Node */
	struct target *targets;
	size_t n_targets, cur;

	struct tn_derp_callbacks cbs;
	void *arg;

	enum phase phase;
	struct tn_conn *conn;
	struct tn_http1_head head;
	struct tn_derp_reader rd;
	uint8_t *txbuf;      /* one SendPacket frame */

	bool dead;           /* failing: teardown is pending */
	bool dead_connected; /* the failed connection had been up */
	char dead_msg[320];
	bool preferred;
	unsigned failures;   /* consecutive failed rounds */
	uint64_t connected_at, last_rx;
	struct tn_timer *teardown, *retry, *deadline;

	struct tn_derp_stats st;
	char health[128];

	int depth;           /* callbacks of ours on the stack */
	bool freed;
};

static void start_attempt(struct tn_derp_client *c);

/* ---- helpers ---- */

static char *dupstr(const char *s)
{
	return strdup(s ? s : "");
}

static void release(struct tn_derp_client *c)
{
	tn_derp_reader_free(&c->rd);
	for (size_t i = 0; i < c->n_targets; i++) {
		free(c->targets[i].node);
		free(c->targets[i].addr);
		free(c->targets[i].host);
		free(c->targets[i].sni);
		free(c->targets[i].cert_name);
	}
	free(c->targets);
	free(c->ideal_node);
	free(c->txbuf);
	tn_crypto_wipe(c->priv, sizeof(c->priv));
	free(c);
}

/* Around every entry from the loop (a connection event or a timer): a
 * tn_derp_client_free from a user callback inside only marks the client,
 * and the memory goes when the outermost entry leaves. */
static void enter(struct tn_derp_client *c)
{
	c->depth++;
}

static void leave(struct tn_derp_client *c)
{
	if (--c->depth == 0 && c->freed)
		release(c);
}

static __attribute__((format(printf, 2, 3)))
void fail(struct tn_derp_client *c, const char *fmt, ...)
{
	va_list ap;

	if (c->dead || c->freed || c->phase == PH_BACKOFF)
		return;
	va_start(ap, fmt);
	vsnprintf(c->dead_msg, sizeof(c->dead_msg), fmt, ap);
	va_end(ap);
	c->dead = true;
	c->dead_connected = c->phase == PH_CONNECTED;
	/* The connection is not freed under its own callback: teardown runs
	 * from a zero-delay timer. */
	tn_timer_arm(c->teardown, 0, 0);
}

static const struct target *target(const struct tn_derp_client *c)
{
	return &c->targets[c->cur];
}

/* Whole frames only: a frame is written at once or not at all. */
static int write_frame(struct tn_derp_client *c, const void *p, size_t len)
{
	ssize_t n = tn_conn_write(c->conn, p, len);

	if (n == -ENOBUFS)
		return -ENOBUFS;
	if (n < 0) {
		fail(c, "write to %s: %s", target(c)->node,
		     tn_conn_error(c->conn)[0] ? tn_conn_error(c->conn) : strerror((int)-n));
		return (int)n;
	}
	return 0;
}

static void send_note_preferred(struct tn_derp_client *c)
{
	uint8_t f[TN_DERP_NOTE_PREFERRED_LEN];

	tn_derp_write_note_preferred(f, sizeof(f), c->preferred);
	write_frame(c, f, sizeof(f));
}

/* ---- teardown and retry ---- */

static void on_teardown(struct tn_timer *t, void *arg)
{
	struct tn_derp_client *c = arg;
	const struct target *tg = target(c);
	uint64_t delay;
	bool was_connected = c->dead_connected;

	enter(c);
	tn_conn_close(c->conn);
	c->conn = NULL;
	tn_timer_cancel(c->deadline);
	tn_derp_reader_free(&c->rd);
	tn_derp_reader_init(&c->rd);
	c->dead = false;
	c->phase = PH_BACKOFF;
	c->st.reconnects++;
	if (was_connected) {
		if (tn_clock_now() - c->connected_at >= TN_DERP_STABLE_NS)
			c->failures = 0;
		c->failures++;
		c->cur = 0;
		delay = tn_backoff_ns(c->failures, TN_DERP_BACKOFF_MAX_NS);
		tn_log_warn(MOD, "derp-%d: %s; reconnecting in %llu ms", c->region, c->dead_msg,
			    (unsigned long long)(delay / TN_NSEC_PER_MSEC));
	} else if (c->cur + 1 < c->n_targets) {
		c->cur++;
		delay = 0;
		tn_log_warn(MOD, "derp-%d: %s; trying %s%s", c->region, c->dead_msg,
			    tg->last_of_node ? "the next node " : "another address of ",
			    target(c)->node);
	} else {
		c->cur = 0;
		c->failures++;
		delay = tn_backoff_ns(c->failures, TN_DERP_BACKOFF_MAX_NS);
		tn_log_warn(MOD, "derp-%d: %s; retrying in %llu ms", c->region, c->dead_msg,
			    (unsigned long long)(delay / TN_NSEC_PER_MSEC));
	}
	tn_timer_arm(c->retry, delay, 0);
	if (c->cbs.on_state)
		c->cbs.on_state(c->arg, false, c->dead_msg);
	leave(c);
}

static void on_retry(struct tn_timer *t, void *arg)
{
	struct tn_derp_client *c = arg;

	enter(c);
	if (c->phase == PH_BACKOFF)
		start_attempt(c);
	leave(c);
}

static void on_deadline(struct tn_timer *t, void *arg)
{
	struct tn_derp_client *c = arg;
	uint64_t now = tn_clock_now();

	enter(c);
	if (c->phase == PH_CONNECTED) {
		/* The watchdog: due at last_rx + TN_DERP_WATCHDOG_NS. */
		if (now - c->last_rx >= TN_DERP_WATCHDOG_NS)
			fail(c, "nothing received from %s for %llu s", target(c)->node,
			     (unsigned long long)(TN_DERP_WATCHDOG_NS / TN_NSEC_PER_SEC));
		else
			tn_timer_arm(c->deadline, c->last_rx + TN_DERP_WATCHDOG_NS - now, 0);
	} else if (c->phase != PH_BACKOFF) {
		fail(c, "connect to %s (%s): timed out after %llu s %s", target(c)->node,
		     target(c)->addr, (unsigned long long)(TN_DERP_CONNECT_TIMEOUT_NS / TN_NSEC_PER_SEC),
		     phase_names[c->phase]);
	}
	leave(c);
}

/* ---- the handshake ---- */

static void send_client_info(struct tn_derp_client *c)
{
	static const char json[] = CLIENT_INFO_JSON;
	uint8_t sealed[sizeof(json) - 1 + TN_BOX_OVERHEAD];
	uint8_t f[TN_DERP_CLIENT_INFO_LEN(sizeof(sealed))];
	int r;

	r = tn_box_seal(sealed, (const uint8_t *)json, sizeof(json) - 1, c->server_pub, c->priv);
	if (r < 0) {
		fail(c, "%s: unusable server key", target(c)->node);
		return;
	}
	r = tn_derp_write_client_info(f, sizeof(f), c->pub, sealed, sizeof(sealed));
	if (r < 0 || write_frame(c, f, (size_t)r) < 0) {
		if (!c->dead)
			fail(c, "%s: cannot send ClientInfo", target(c)->node);
		return;
	}
	c->phase = PH_SERVER_INFO;
}

static void connected(struct tn_derp_client *c, const uint8_t *p, size_t len)
{
	struct tn_derp_server_info info;
	char skey[TN_KEY_SHORT_MAX];
	int r;

	r = tn_derp_parse_server_info(p, len, c->server_pub, c->priv, &info);
	if (r < 0) {
		fail(c, "%s: bad ServerInfo (%s)", target(c)->node,
		     r == -ENOMEM ? "out of memory" : "does not open with the server key");
		return;
	}
	c->phase = PH_CONNECTED;
	c->connected_at = tn_clock_now();
	c->st.connects++;
	c->health[0] = '\0';
	tn_timer_arm(c->deadline, TN_DERP_WATCHDOG_NS, 0);
	tn_key_short(skey, c->server_pub);
	tn_log_info(MOD, "derp-%d: connected to %s (%s) as %s, server key %s, version %d",
		    c->region, target(c)->node, tn_conn_peer(c->conn), c->pub_short, skey,
		    info.version);
	if (info.token_bucket_bytes_per_sec)
		tn_log_info(MOD, "derp-%d: server limits us to %lld bytes/s (burst %lld)", c->region,
			    (long long)info.token_bucket_bytes_per_sec,
			    (long long)info.token_bucket_bytes_burst);
	if (c->preferred)
		send_note_preferred(c);
	if (!c->dead && c->cbs.on_state)
		c->cbs.on_state(c->arg, true, NULL);
}

/* ---- frames ---- */

static void steady_frame(struct tn_derp_client *c, uint8_t type, uint8_t *p, size_t len)
{
	const uint8_t *key;
	uint8_t *pkt, ping[TN_DERP_PING_LEN], f[TN_DERP_PING_FRAME_LEN];
	size_t pkt_len;
	int reason;
	uint32_t in_ms, for_ms;
	char text[sizeof(c->health)];

	switch (type) {
	case TN_DERP_FRAME_RECV_PACKET:
		if (tn_derp_parse_recv_packet(p, len, &key, &pkt, &pkt_len) < 0)
			break;
		c->st.packets_in++;
		c->st.bytes_in += pkt_len;
		if (c->cbs.on_packet)
			c->cbs.on_packet(c->arg, key, pkt, pkt_len);
		return;
	case TN_DERP_FRAME_KEEP_ALIVE:
		c->st.keepalives++;
		return;
	case TN_DERP_FRAME_PING:
		if (tn_derp_parse_ping(p, len, ping) < 0)
			break;
		c->st.pings++;
		tn_derp_write_pong(f, sizeof(f), ping);
		write_frame(c, f, sizeof(f)); /* best effort, as Go */
		return;
	case TN_DERP_FRAME_PEER_GONE:
		if (tn_derp_parse_peer_gone(p, len, &key, &reason) < 0)
			break;
		c->st.peer_gone++;
		if (tn_log_get_level() >= TN_LOG_DEBUG) {
			char ks[TN_KEY_SHORT_MAX];

			tn_key_short(ks, key);
			tn_log_debug(MOD, "derp-%d: peer %s %s", c->region, ks,
				     reason == TN_DERP_PEER_GONE_NOT_HERE ? "not here" : "gone");
		}
		if (c->cbs.on_peer_gone)
			c->cbs.on_peer_gone(c->arg, key, reason);
		return;
	case TN_DERP_FRAME_HEALTH:
		tn_derp_parse_health(p, len, text, sizeof(text));
		if (strcmp(text, c->health) != 0) {
			if (text[0])
				tn_log_warn(MOD, "derp-%d: server reports a problem: %s", c->region, text);
			else
				tn_log_info(MOD, "derp-%d: server reports the problem gone", c->region);
		}
		memcpy(c->health, text, sizeof(text));
		return;
	case TN_DERP_FRAME_RESTARTING:
		if (tn_derp_parse_restarting(p, len, &in_ms, &for_ms) < 0)
			break;
		/* Advisory; like Go's magicsock we just reconnect when it goes. */
		tn_log_info(MOD, "derp-%d: server restarting (reconnect in %u ms, try for %u ms)",
			    c->region, in_ms, for_ms);
		return;
	default:
		/* Pong (we send no pings), a repeated ServerInfo, mesh frames and
		 * types from the future: skipped, as Go's client does. */
		tn_log_debug(MOD, "derp-%d: skipping %s frame (0x%02x, %zu bytes)", c->region,
			     tn_derp_frame_name(type), type, len);
		return;
	}
	c->st.bad_frames++;
	tn_log_debug(MOD, "derp-%d: dropping a short %s frame (%zu bytes)", c->region,
		     tn_derp_frame_name(type), len);
}

static int on_frame(void *arg, uint8_t type, uint8_t *p, size_t len)
{
	struct tn_derp_client *c = arg;
	int r;

	if (c->dead || c->freed)
		return -ECANCELED;
	switch (c->phase) {
	case PH_SERVER_KEY:
		if (type != TN_DERP_FRAME_SERVER_KEY) {
			fail(c, "%s: expected ServerKey, got %s (0x%02x)", target(c)->node,
			     tn_derp_frame_name(type), type);
			break;
		}
		r = tn_derp_parse_server_key(p, len, c->server_pub);
		if (r < 0) {
			fail(c, "%s: invalid server greeting (%s)", target(c)->node,
			     r == -EMSGSIZE ? "too long" : "bad magic or too short");
			break;
		}
		send_client_info(c);
		break;
	case PH_SERVER_INFO:
		if (type != TN_DERP_FRAME_SERVER_INFO) {
			fail(c, "%s: expected ServerInfo, got %s (0x%02x)", target(c)->node,
			     tn_derp_frame_name(type), type);
			break;
		}
		connected(c, p, len);
		break;
	case PH_CONNECTED:
		steady_frame(c, type, p, len);
		break;
	default:
		break;
	}
	return c->dead || c->freed ? -ECANCELED : 0;
}

/* ---- the connection ---- */

static void feed_frames(struct tn_derp_client *c, uint8_t *p, size_t len)
{
	int r = tn_derp_reader_feed(&c->rd, p, len, on_frame, c);

	if (r == -EMSGSIZE)
		fail(c, "%s: frame over %u bytes", target(c)->node, TN_DERP_MAX_FRAME);
	else if (r == -ENOMEM)
		fail(c, "%s: out of memory for a frame", target(c)->node);
}

static void http_bytes(struct tn_derp_client *c, uint8_t *p, size_t len)
{
	int r = tn_http1_head_feed(&c->head, p, len);

	if (r < 0) {
		fail(c, "GET /derp on %s: bad response: %s", target(c)->node, c->head.error);
		return;
	}
	if (r == 0)
		return;
	if (c->head.status != 101) {
		fail(c, "GET /derp on %s: unexpected status %d %.*s", target(c)->node,
		     c->head.status, REASON_MAX, c->head.reason);
		return;
	}
	c->phase = PH_SERVER_KEY;
	/* The bytes after the head are already the DERP stream. */
	if ((size_t)r < len)
		feed_frames(c, p + r, len - (size_t)r);
}

static void readable(struct tn_derp_client *c)
{
	uint8_t buf[READ_CHUNK];
	ssize_t n = -EAGAIN;

	for (int i = 0; i < READS_PER_EVENT && !c->dead && !c->freed; i++) {
		n = tn_conn_read(c->conn, buf, sizeof(buf));
		if (n <= 0)
			break;
		c->last_rx = tn_clock_now();
		if (c->phase == PH_HTTP)
			http_bytes(c, buf, (size_t)n);
		else
			feed_frames(c, buf, (size_t)n);
	}
	if (c->dead || c->freed)
		return;
	if (n == 0)
		fail(c, "%s closed the connection%s", target(c)->node,
		     c->phase == PH_CONNECTED ? "" : " during the handshake");
	else if (n < 0 && n != -EAGAIN)
		fail(c, "read from %s: %s", target(c)->node, tn_conn_error(c->conn));
}

static void send_request(struct tn_derp_client *c)
{
	const struct target *tg = target(c);
	struct tn_http1_header h[5] = {
		{ "Host", tg->host },
		{ "Upgrade", "DERP" },
		{ "Connection", "Upgrade" },
	};
	size_t n_h = 3;
	char req[1024];
	int n;

	/* Informational, for the server's statistics, as Go sends it. */
	if (c->ideal_node && c->ideal_node[0] && strcmp(c->ideal_node, tg->node) != 0)
		h[n_h++] = (struct tn_http1_header){ "Ideal-Node", c->ideal_node };
	n = tn_http1_request_build(req, sizeof(req), "GET", "/derp", h, n_h);
	if (n == -EINVAL && n_h > 3) /* a node name unfit for a header */
		n = tn_http1_request_build(req, sizeof(req), "GET", "/derp", h, 3);
	if (n < 0) {
		fail(c, "GET /derp on %s: cannot build the request (host name %s)", tg->node,
		     n == -EINVAL ? "not valid in a header" : "too long");
		return;
	}
	if (write_frame(c, req, (size_t)n) == 0)
		c->phase = PH_HTTP;
	else if (!c->dead)
		fail(c, "GET /derp on %s: cannot send the request", tg->node);
}

static void conn_event(struct tn_conn *conn, enum tn_conn_event ev, void *arg)
{
	struct tn_derp_client *c = arg;

	enter(c);
	if (c->dead || c->freed)
		goto out;
	switch (ev) {
	case TN_CONN_CONNECTED:
		send_request(c);
		break;
	case TN_CONN_READABLE:
		readable(c);
		break;
	case TN_CONN_WRITABLE:
		break;
	case TN_CONN_CLOSED:
		fail(c, "%s closed the connection%s", target(c)->node,
		     c->phase == PH_CONNECTED ? "" : " during the handshake");
		break;
	case TN_CONN_ERROR:
		fail(c, "%s: %s", target(c)->node, tn_conn_error(conn));
		break;
	}
out:
	leave(c);
}

static void start_attempt(struct tn_derp_client *c)
{
	const struct target *tg = target(c);
	struct tn_tls_opts tls = {
		.server_name = tg->sni,
		.insecure = tg->insecure,
	};
	uint64_t timeout = c->cur + 1 == c->n_targets ? TN_DERP_CONNECT_TIMEOUT_NS
						      : TN_DERP_NODE_DIAL_TIMEOUT_NS;
	int r;

	if (tg->cert_name) {
		if (strncmp(tg->cert_name, TN_TLS_PIN_PREFIX, strlen(TN_TLS_PIN_PREFIX)) == 0)
			tls.cert_pin = tg->cert_name;
		else
			tls.cert_name = tg->cert_name;
	}
	tn_http1_head_init(&c->head, TN_HTTP1_RESPONSE);
	tn_derp_reader_free(&c->rd);
	tn_derp_reader_init(&c->rd);
	c->phase = PH_DIAL;
	c->last_rx = tn_clock_now();
	tn_timer_arm(c->deadline, TN_DERP_CONNECT_TIMEOUT_NS, 0);
	tn_log_debug(MOD, "derp-%d: connecting to %s at %s port %u", c->region, tg->node, tg->addr,
		     tg->port);
	r = tn_conn_dial(c->loop, tg->addr, tg->port, &tls, timeout, conn_event, c, &c->conn);
	if (r < 0) {
		c->conn = NULL;
		fail(c, "connect to %s (%s): %s", tg->node, tg->addr,
		     r == -EINVAL ? "invalid address or CertName" : strerror(-r));
	}
}

/* ---- the region ---- */

static bool is_ip(int family, const char *s)
{
	uint8_t a[16];

	return s && inet_pton(family, s, a) == 1;
}

static int add_target(struct tn_derp_client *c, const struct tn_tailcfg_derp_node *n,
		      const char *addr)
{
	struct target *t = &c->targets[c->n_targets];
	const char *host = n->host_name && n->host_name[0] ? n->host_name : addr;
	char bracketed[64];

	memset(t, 0, sizeof(*t));
	if (!n->host_name || !n->host_name[0]) {
		if (strchr(addr, ':')) {
			snprintf(bracketed, sizeof(bracketed), "[%s]", addr);
			host = bracketed;
		}
	}
	t->node = dupstr(n->name);
	t->addr = dupstr(addr);
	t->host = dupstr(host);
	t->sni = n->host_name && n->host_name[0] ? strdup(n->host_name) : NULL;
	t->cert_name = n->cert_name && n->cert_name[0] ? strdup(n->cert_name) : NULL;
	t->port = n->derp_port > 0 && n->derp_port <= 65535 ? (uint16_t)n->derp_port : 443;
	t->insecure = n->insecure_for_tests;
	c->n_targets++;
	if (!t->node || !t->addr || !t->host || (n->host_name && n->host_name[0] && !t->sni) ||
	    (n->cert_name && n->cert_name[0] && !t->cert_name))
		return -ENOMEM;
	return 0;
}

static int build_targets(struct tn_derp_client *c, const struct tn_tailcfg_derp_region *reg)
{
	if (reg->n_nodes && !(c->targets = calloc(reg->n_nodes * 2, sizeof(*c->targets))))
		return -ENOMEM;
	for (size_t i = 0; i < reg->n_nodes; i++) {
		const struct tn_tailcfg_derp_node *n = &reg->nodes[i];
		const char *v4 = n->ipv4 ? n->ipv4 : "", *v6 = n->ipv6 ? n->ipv6 : "";
		size_t before = c->n_targets;
		int r = 0;

		if (n->stun_only)
			continue;
		if (is_ip(AF_INET, v4))
			r = add_target(c, n, v4);
		if (r == 0 && is_ip(AF_INET6, v6))
			r = add_target(c, n, v6);
		/* No literal: resolve the name if a family is left enabled. */
		if (r == 0 && c->n_targets == before && (!v4[0] || !v6[0]) && n->host_name &&
		    n->host_name[0])
			r = add_target(c, n, n->host_name);
		if (r < 0)
			return r;
		if (c->n_targets > before)
			c->targets[c->n_targets - 1].last_of_node = true;
	}
	return c->n_targets ? 0 : -EINVAL;
}

struct tn_derp_client *tn_derp_client_new(struct tn_loop *loop,
					  const uint8_t node_priv[32],
					  const struct tn_tailcfg_derp_region *region,
					  const struct tn_derp_callbacks *cbs,
					  void *arg)
{
	struct tn_derp_client *c;
	int r = -ENOMEM;

	if (!loop || !node_priv || !region) {
		errno = EINVAL;
		return NULL;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		errno = ENOMEM;
		return NULL;
	}
	c->loop = loop;
	c->region = region->id;
	if (cbs)
		c->cbs = *cbs;
	c->arg = arg;
	c->phase = PH_BACKOFF;
	memcpy(c->priv, node_priv, sizeof(c->priv));
	tn_derp_reader_init(&c->rd);
	if (tn_key_public_from_private(c->pub, c->priv) < 0) {
		r = -EINVAL;
		goto fail;
	}
	tn_key_short(c->pub_short, c->pub);
	if (region->n_nodes && region->nodes[0].name &&
	    !(c->ideal_node = strdup(region->nodes[0].name)))
		goto fail;
	/* -EINVAL: nothing to dial (the caller reports it; see client.h). */
	if ((r = build_targets(c, region)) < 0)
		goto fail;
	r = -ENOMEM;
	if (!(c->txbuf = malloc(TN_DERP_SEND_PACKET_LEN(TN_DERP_MAX_PACKET))) ||
	    !(c->teardown = tn_timer_new(loop, on_teardown, c)) ||
	    !(c->retry = tn_timer_new(loop, on_retry, c)) ||
	    !(c->deadline = tn_timer_new(loop, on_deadline, c)))
		goto fail;
	start_attempt(c);
	return c;
fail:
	tn_timer_free(c->teardown);
	tn_timer_free(c->retry);
	tn_timer_free(c->deadline);
	release(c);
	errno = -r;
	return NULL;
}

void tn_derp_client_free(struct tn_derp_client *c)
{
	if (!c || c->freed)
		return;
	c->freed = true;
	tn_conn_close(c->conn);
	c->conn = NULL;
	tn_timer_free(c->teardown);
	tn_timer_free(c->retry);
	tn_timer_free(c->deadline);
	c->teardown = c->retry = c->deadline = NULL;
	if (c->depth == 0)
		release(c);
}

/* ---- the API ---- */

bool tn_derp_client_connected(const struct tn_derp_client *c)
{
	return c->phase == PH_CONNECTED && !c->dead && !c->freed;
}

int tn_derp_client_send(struct tn_derp_client *c, const uint8_t dst[32],
			const uint8_t *pkt, size_t len)
{
	int r;

	if (len > TN_DERP_MAX_PACKET) {
		c->st.drops_oversize++;
		return -EMSGSIZE;
	}
	if (!tn_derp_client_connected(c)) {
		c->st.drops_not_connected++;
		return -ENOTCONN;
	}
	if (tn_conn_pending_output(c->conn) > TN_DERP_MAX_BACKLOG) {
		c->st.drops_backlog++;
		return -ENOBUFS;
	}
	r = tn_derp_write_send_packet(c->txbuf, TN_DERP_SEND_PACKET_LEN(TN_DERP_MAX_PACKET), dst,
				      pkt, len);
	if (r < 0)
		return r;
	r = write_frame(c, c->txbuf, (size_t)r);
	if (r == -ENOBUFS) {
		c->st.drops_backlog++;
		return -ENOBUFS;
	}
	if (r < 0) {
		c->st.drops_not_connected++;
		return -ENOTCONN;
	}
	c->st.packets_out++;
	c->st.bytes_out += len;
	return 0;
}

void tn_derp_client_note_preferred(struct tn_derp_client *c, bool preferred)
{
	if (c->preferred == preferred)
		return;
	c->preferred = preferred;
	if (tn_derp_client_connected(c))
		send_note_preferred(c);
}

int tn_derp_client_region(const struct tn_derp_client *c)
{
	return c->region;
}

const char *tn_derp_client_node(const struct tn_derp_client *c)
{
	return c->phase == PH_BACKOFF || !c->n_targets ? "" : target(c)->node;
}

const char *tn_derp_client_health(const struct tn_derp_client *c)
{
	return c->health;
}

void tn_derp_client_stats(const struct tn_derp_client *c, struct tn_derp_stats *out)
{
	*out = c->st;
}

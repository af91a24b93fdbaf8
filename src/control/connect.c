/* The control client's transport: GET /key for the server's Noise key, the
 * POST /ts2021 upgrade, the Noise handshake on the upgraded stream, and the
 * HTTP/2 session over its records.  See client.h. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/client_internal.h"
#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "util/base64.h"
#include "util/log.h"

static void connect_upgrade(struct tn_control *c);

void tn_control_close_session(struct tn_control *c)
{
	tn_timer_cancel(c->watchdog);
	if (c->h2) {
		struct tn_h2 *h2 = c->h2;

		c->h2 = NULL;   /* the streams' on_close see no session */
		tn_h2_free(h2);
	}
	c->register_stream = c->map_stream = 0;
	if (c->conn) {
		tn_conn_close(c->conn);
		c->conn = NULL;
	}
	if (c->codec_ready)
		tn_ts2021_codec_free(&c->codec);
	c->codec_ready = false;
	tn_noise_ik_wipe(&c->hs.ik);
	tn_control_buf_free(&c->rx);
	tn_control_buf_free(&c->register_body);
	tn_mapframe_free(&c->frames);
	tn_mapframe_init(&c->frames);
}

/* ---- GET /key ---- */

static int conn_send(struct tn_control *c, const void *p, size_t len)
{
	ssize_t n = tn_conn_write(c->conn, p, len);

	return n < 0 ? (int)n : 0;
}

static void key_done(struct tn_control *c)
{
	json_error_t jerr;
	json_t *j = json_loadb((const char *)c->rx.p, c->rx.len, 0, &jerr);
	const char *pub = j ? json_string_value(json_object_get(j, "publicKey")) : NULL;
	int r = pub ? tn_key_from_text(c->server_pub, TN_KEY_MACHINE_PUBLIC, pub, strlen(pub)) : -EINVAL;

	json_decref(j);
	if (c->head.status != 200 || r < 0) {
		tn_control_fail(c, "GET /key: %s", c->head.status != 200 ? "unexpected status"
			: "no usable publicKey in the answer");
		return;
	}
	c->have_server_pub = true;
	tn_conn_close(c->conn);
	c->conn = NULL;
	tn_control_buf_free(&c->rx);
	connect_upgrade(c);
}

static void key_readable(struct tn_control *c)
{
	uint8_t in[4096];
	ssize_t n;

	while (!c->dead && (n = tn_conn_read(c->conn, in, sizeof(in))) > 0) {
		const uint8_t *p = in, *data;
		size_t len = (size_t)n, consumed, dlen;
		int r;

		if (!c->head_done) {
			r = tn_http1_head_feed(&c->head, p, len);
			if (r < 0) {
				tn_control_fail(c, "GET /key: bad response: %s", c->head.error);
				return;
			}
			if (r == 0)
				continue;
			c->head_done = true;
			p += r;
			len -= (size_t)r;
			if (tn_http1_body_init(&c->body, tn_http1_body_kind(&c->head, false),
					       c->head.content_length, KEY_BODY_MAX) < 0) {
				tn_control_fail(c, "GET /key: %s", c->body.error);
				return;
			}
		}
		while (len && !tn_http1_body_done(&c->body)) {
			r = tn_http1_body_feed(&c->body, p, len, &consumed, &data, &dlen);
			if (r < 0) {
				tn_control_fail(c, "GET /key: %s", c->body.error);
				return;
			}
			if (dlen && tn_control_buf_append(&c->rx, data, dlen, KEY_BODY_MAX) < 0) {
				tn_control_fail(c, "GET /key: answer too large");
				return;
			}
			p += consumed;
			len -= consumed;
		}
		if (tn_http1_body_done(&c->body)) {
			key_done(c);
			return;
		}
	}
	if (c->dead)
		return;
	if (n == 0) {
		if (c->head_done && tn_http1_body_eof(&c->body) == 0)
			key_done(c);
		else
			tn_control_fail(c, "GET /key: connection closed early");
	} else if (n != -EAGAIN) {
		tn_control_fail(c, "GET /key: %s", tn_conn_error(c->conn));
	}
}

static void key_event(struct tn_conn *conn, enum tn_conn_event ev, void *arg)
{
	struct tn_control *c = arg;
	char req[1024], auth[300], target[64];

	if (c->dead)
		return;
	switch (ev) {
	case TN_CONN_CONNECTED: {
		struct tn_http1_header h[] = { { "Host", auth }, { "Accept", "application/json" },
					       { "Connection", "close" } };
		int n;

		tn_control_authority(c, auth, sizeof(auth));
		snprintf(target, sizeof(target), "/key?v=%d", TN_CAPABILITY_VERSION);
		n = tn_http1_request_build(req, sizeof(req), "GET", target, h, 3);
		if (n < 0 || conn_send(c, req, (size_t)n) < 0)
			tn_control_fail(c, "GET /key: cannot send the request");
		break;
	}
	case TN_CONN_READABLE:
		key_readable(c);
		break;
	case TN_CONN_WRITABLE:
		break;
	case TN_CONN_CLOSED:
	case TN_CONN_ERROR:
		tn_control_fail(c, "GET /key from %s: %s", c->url.host, tn_conn_error(conn));
		break;
	}
}

static int dial(struct tn_control *c, tn_conn_cb cb)
{
	struct tn_tls_opts tls = { .server_name = c->url.host, .ca_file = c->ca_file };
	int r;

	tn_http1_head_init(&c->head, TN_HTTP1_RESPONSE);
	c->head_done = false;
	memset(&c->body, 0, sizeof(c->body));
	r = tn_conn_dial(c->loop, c->url.host, c->url.port, c->url.tls ? &tls : NULL, DIAL_TIMEOUT_NS,
			 cb, c, &c->conn);
	if (r < 0) {
		c->conn = NULL;
		tn_control_fail(c, "connecting to %s:%u: %s", c->url.host, c->url.port, strerror(-r));
	}
	return r;
}

void tn_control_connect(struct tn_control *c)
{
	tn_control_set_state(c, c->state == TN_CONTROL_NEEDS_LOGIN ? c->state : TN_CONTROL_CONNECTING, NULL);
	if (c->have_server_pub) {
		connect_upgrade(c);
		return;
	}
	c->phase = PHASE_KEY;
	dial(c, key_event);
}

/* ---- POST /ts2021 and the Noise handshake ---- */

static int h2_write(void *ctx, const uint8_t *p, size_t len)
{
	struct tn_control *c = ctx;
	uint8_t out[4 * TN_TS2021_MAX_RECORD];

	while (len) {
		size_t n = len < 3 * TN_TS2021_MAX_PLAINTEXT ? len : 3 * TN_TS2021_MAX_PLAINTEXT;
		long w = tn_ts2021_seal(&c->codec, p, n, out, sizeof(out));
		int r;

		if (w < 0)
			return (int)w;
		if ((r = conn_send(c, out, (size_t)w)) < 0)
			return r;
		p += n;
		len -= n;
	}
	return 0;
}

static int on_plaintext(void *ctx, const uint8_t *p, size_t len)
{
	struct tn_control *c = ctx;
	int r;

	c->in_recv = true;
	r = tn_h2_recv(c->h2, p, len);
	c->in_recv = false;
	return r;
}

static void start_h2(struct tn_control *c)
{
	c->h2 = tn_h2_new(h2_write, c);
	if (!c->h2) {
		tn_control_fail(c, "HTTP/2: out of memory");
		return;
	}
	c->phase = PHASE_H2;
	c->failures = 0;
	tn_control_send_register(c);
}

/* Bytes after the 101: the server's Noise response, then records. */
static void handshake_bytes(struct tn_control *c, const uint8_t *p, size_t len)
{
	char err[160];
	size_t need;
	int r;

	if (c->phase == PHASE_HANDSHAKE) {
		if (tn_control_buf_append(&c->rx, p, len, 64 * 1024) < 0) {
			tn_control_fail(c, "ts2021: handshake response too large");
			return;
		}
		need = tn_ts2021_first_message_len(c->rx.p, c->rx.len);
		if (!need || c->rx.len < need)
			return;
		r = tn_ts2021_finish(&c->hs, c->rx.p, need, &c->codec, err, sizeof(err));
		if (r == -ECONNREFUSED) {
			tn_control_fail(c, "ts2021: the server refused the handshake: %s", err);
			return;
		}
		if (r < 0) {
			tn_control_fail(c, "ts2021: the server's handshake response does not authenticate");
			return;
		}
		c->codec_ready = true;
		start_h2(c);
		if (!c->h2)
			return;
		p = c->rx.p + need;
		len = c->rx.len - need;
		/* keep the rest: it is already in rx; feed it below */
		if (len && tn_ts2021_feed(&c->codec, p, len, on_plaintext, c) < 0) {
			tn_control_fail(c, "ts2021: bad record from the server");
			return;
		}
		tn_control_buf_free(&c->rx);
		if (c->h2 && tn_h2_flush(c->h2) < 0)
			tn_control_fail(c, "HTTP/2: cannot send");
		return;
	}
	if (tn_ts2021_feed(&c->codec, p, len, on_plaintext, c) < 0) {
		tn_control_fail(c, "ts2021: bad record from the server");
		return;
	}
	if (c->h2 && tn_h2_flush(c->h2) < 0)
		tn_control_fail(c, "HTTP/2: cannot send");
}

static void upgrade_readable(struct tn_control *c)
{
	uint8_t in[16384];
	ssize_t n;

	while (!c->dead && (n = tn_conn_read(c->conn, in, sizeof(in))) > 0) {
		const uint8_t *p = in;
		size_t len = (size_t)n;

		if (c->phase == PHASE_UPGRADE) {
			int r = tn_http1_head_feed(&c->head, p, len);

			if (r < 0) {
				tn_control_fail(c, "POST /ts2021: bad response: %s", c->head.error);
				return;
			}
			if (r == 0)
				continue;
			if (c->head.status != 101) {
				tn_control_fail(c, "POST /ts2021: status %d instead of 101 Switching Protocols",
				     c->head.status);
				return;
			}
			p += r;
			len -= (size_t)r;
			c->phase = PHASE_HANDSHAKE;
		}
		if (len)
			handshake_bytes(c, p, len);
	}
	if (c->dead)
		return;
	if (n == 0)
		tn_control_fail(c, "control connection closed by the server");
	else if (n != -EAGAIN)
		tn_control_fail(c, "control connection: %s", tn_conn_error(c->conn));
}

static void upgrade_event(struct tn_conn *conn, enum tn_conn_event ev, void *arg)
{
	struct tn_control *c = arg;

	if (c->dead)
		return;
	switch (ev) {
	case TN_CONN_CONNECTED: {
		uint8_t init[TN_TS2021_INITIATION_LEN];
		char b64[TN_B64_ENCODED_LEN(TN_TS2021_INITIATION_LEN) + 1], auth[300], req[2048];
		struct tn_http1_header h[] = { { "Host", auth },
					       { "Upgrade", "tailscale-control-protocol" },
					       { "Connection", "upgrade" },
					       { "X-Tailscale-Handshake", b64 } };
		int n;

		if (tn_ts2021_initiate(&c->hs, TN_CAPABILITY_VERSION, c->opt.machine_priv,
				       c->server_pub, NULL, init) < 0) {
			tn_control_fail(c, "ts2021: cannot make the handshake");
			return;
		}
		tn_b64_encode(b64, init, sizeof(init));
		tn_control_authority(c, auth, sizeof(auth));
		n = tn_http1_request_build(req, sizeof(req), "POST", "/ts2021", h, 4);
		if (n < 0 || conn_send(c, req, (size_t)n) < 0)
			tn_control_fail(c, "POST /ts2021: cannot send the request");
		break;
	}
	case TN_CONN_READABLE:
		upgrade_readable(c);
		break;
	case TN_CONN_WRITABLE:
		break;
	case TN_CONN_CLOSED:
		tn_control_fail(c, "control connection closed by the server");
		break;
	case TN_CONN_ERROR:
		tn_control_fail(c, "control connection to %s: %s", c->url.host, tn_conn_error(conn));
		break;
	}
}

static void connect_upgrade(struct tn_control *c)
{
	c->phase = PHASE_UPGRADE;
	dial(c, upgrade_event);
}


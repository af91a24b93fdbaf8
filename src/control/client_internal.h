/* Internal to the control client (client.c: protocol; connect.c:
 * transport).  The API is client.h. */
#ifndef TN_CONTROL_CLIENT_INTERNAL_H
#define TN_CONTROL_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/client.h"
#include "control/http2.h"
#include "control/mapframe.h"
#include "control/tailcfg.h"
#include "control/ts2021.h"
#include "net/conn.h"
#include "net/http1.h"
#include "net/url.h"
#include "util/clock.h"

#define DIAL_TIMEOUT_NS (15 * TN_NSEC_PER_SEC)
#define KEY_BODY_MAX (64 * 1024)          /* /key answers a few hundred bytes */
#define REGISTER_BODY_MAX (1024 * 1024)   /* headscale's own request cap */
#define URL_MAX 512

enum phase {
	PHASE_IDLE,
	PHASE_KEY,        /* GET /key */
	PHASE_UPGRADE,    /* POST /ts2021, waiting for 101 */
	PHASE_HANDSHAKE,  /* reading the server's Noise response */
	PHASE_H2,         /* HTTP/2 over ts2021 */
	PHASE_BACKOFF,
	PHASE_STOPPED,    /* an error the server gave us, or logged out */
};

struct buf {
	uint8_t *p;
	size_t len, cap;
};

/* PingRequests answered at once, at most (each a short HEAD). */
#define TN_CONTROL_MAX_PINGS 4
struct pinger;

struct tn_control {
	struct tn_loop *loop;
	struct tn_control_options opt;
	char *server_url, *ca_file, *hostname, *auth_key;
	struct tn_url url;        /* the server: url.path is always "/" */
	struct tn_control_callbacks cbs;
	void *arg;

	enum phase phase;
	enum tn_control_state state;
	struct tn_conn *conn;
	struct tn_http1_head head;
	bool head_done;
	struct tn_http1_body body;
	struct buf rx;            /* /key body, or bytes after the 101 */
	uint8_t server_pub[32];
	bool have_server_pub;
	struct tn_ts2021_handshake hs;
	struct tn_ts2021_codec codec;
	bool codec_ready;
	struct tn_h2 *h2;
	bool in_recv;             /* inside tn_h2_recv (via the codec) */

	/* register */
	int32_t register_stream;
	int register_status;
	struct buf register_body;
	char followup[URL_MAX];
	bool logout_requested, logging_out;
	uint8_t old_node_priv[32];
	bool have_old_node_key;

	/* map */
	int32_t map_stream;
	int map_status;
	struct tn_mapframe frames;
	struct tn_netmap *nm;
	struct tn_timer *watchdog, *retry;
	unsigned failures, reconnects;

	/* fail() and stop() run inside callbacks of the connection and of
	 * nghttp2, which must not be freed under them: they mark the session
	 * dead and a zero-delay timer tears it down from the loop. */
	struct tn_timer *teardown;
	bool dead;
	bool dead_stop;                 /* stop (not retry) after teardown */
	enum tn_control_state dead_state;
	char dead_msg[256];

	struct pinger *pingers[TN_CONTROL_MAX_PINGS];

	/* lite updates */
	struct tn_tailcfg_addrport *endpoints;
	enum tn_tailcfg_endpoint_type *endpoint_types;
	size_t n_endpoints;
};

/* client.c */
void tn_control_fail(struct tn_control *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tn_control_set_state(struct tn_control *c, enum tn_control_state st, const char *detail);
void tn_control_send_register(struct tn_control *c);
int tn_control_buf_append(struct buf *b, const void *p, size_t len, size_t limit);
void tn_control_buf_free(struct buf *b);
/* The Host / :authority value: host, with the port when not the default. */
void tn_control_authority(const struct tn_control *c, char *out, size_t len);

/* Sends what HTTP/2 has queued — unless we are inside tn_h2_recv, whose
 * callbacks must not re-enter nghttp2: connect.c flushes after it. */
int tn_control_flush(struct tn_control *c);

/* pinger.c */
void tn_control_answer_ping(struct tn_control *c, const struct tn_tailcfg_ping_request *rq);
void tn_control_pingers_free(struct tn_control *c);

/* connect.c: GET /key, the ts2021 upgrade and handshake, then HTTP/2;
 * registration starts when the session is up. */
void tn_control_connect(struct tn_control *c);
/* Closes the connection, the Noise codec and the HTTP/2 session. */
void tn_control_close_session(struct tn_control *c);

#endif

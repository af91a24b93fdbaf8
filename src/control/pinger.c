/* Answers the control server's PingRequest: an HTTP HEAD to the URL it
 * gave (headscale: <server_url>/machine/ping-response?id=...), over a
 * connection of its own, or over the Noise session when URLIsNoise.  Fire
 * and forget: the server measures the round trip; nothing waits here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/client_internal.h"
#include "util/log.h"

#define PING_TIMEOUT_NS (10 * TN_NSEC_PER_SEC)

struct pinger {
	struct tn_control *c;
	struct tn_conn *conn;
	char target[768];
	char authority[300];
	struct tn_http1_head head;
};

static void pinger_free(struct pinger *p)
{
	struct tn_control *c = p->c;

	for (unsigned i = 0; i < TN_CONTROL_MAX_PINGS; i++)
		if (c->pingers[i] == p)
			c->pingers[i] = NULL;
	tn_conn_close(p->conn);
	free(p);
}

static void pinger_event(struct tn_conn *conn, enum tn_conn_event ev, void *arg)
{
	struct pinger *p = arg;

	if (ev == TN_CONN_CONNECTED) {
		struct tn_http1_header h[] = { { "Host", p->authority }, { "Connection", "close" } };
		char req[1200];
		int n = tn_http1_request_build(req, sizeof(req), "HEAD", p->target, h, 2);

		if (n < 0 || tn_conn_write(conn, req, (size_t)n) < 0)
			pinger_free(p);
	} else if (ev == TN_CONN_READABLE) {
		uint8_t buf[2048];
		ssize_t n;

		while ((n = tn_conn_read(conn, buf, sizeof(buf))) > 0) {
			int r = tn_http1_head_feed(&p->head, buf, (size_t)n);

			if (r > 0)
				tn_log_debug("control", "ping request answered: %d", p->head.status);
			if (r != 0) {
				pinger_free(p);
				return;
			}
		}
		if (n != -EAGAIN)
			pinger_free(p);
	} else if (ev != TN_CONN_WRITABLE) {
		tn_log_debug("control", "ping request: %s", tn_conn_error(conn));
		pinger_free(p);
	}
}

static void noise_ping_close(void *arg, int error_code)
{
	if (error_code)
		tn_log_debug("control", "ping request over Noise failed (%d)", error_code);
}

void tn_control_answer_ping(struct tn_control *c, const struct tn_tailcfg_ping_request *rq)
{
	struct tn_tls_opts tls = { 0 };
	struct pinger *p;
	struct tn_url u;
	unsigned slot;

	if (rq->types[0]) {
		tn_log_debug("control", "ping request of types %s: not supported, ignored", rq->types);
		return;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return;
	if (tn_url_parse(&u, rq->url) < 0 || strlen(u.path) >= sizeof(p->target)) {
		tn_log_debug("control", "ping request with an unusable URL, ignored");
		free(p);
		return;
	}
	snprintf(p->target, sizeof(p->target), "%s", u.path);
	if (rq->url_is_noise) {
		static const struct tn_h2_request_cbs cbs = { NULL, NULL, noise_ping_close };
		char auth[300];

		free(p);
		if (!c->h2)
			return;
		tn_control_authority(c, auth, sizeof(auth));
		tn_h2_request(c->h2, "HEAD", auth, u.path, NULL, NULL, 0, &cbs, NULL);
		tn_control_flush(c);
		return;
	}
	for (slot = 0; slot < TN_CONTROL_MAX_PINGS && c->pingers[slot]; slot++)
		;
	if (slot == TN_CONTROL_MAX_PINGS) {
		tn_log_debug("control", "too many ping requests in flight, ignored");
		free(p);
		return;
	}
	p->c = c;
	tn_url_authority(&u, p->authority, sizeof(p->authority));
	tn_http1_head_init(&p->head, TN_HTTP1_RESPONSE);
	tls.server_name = u.host;
	tls.ca_file = c->ca_file;
	if (tn_conn_dial(c->loop, u.host, u.port, u.tls ? &tls : NULL, PING_TIMEOUT_NS,
			 pinger_event, p, &p->conn) < 0) {
		free(p);
		return;
	}
	c->pingers[slot] = p;
}

void tn_control_pingers_free(struct tn_control *c)
{
	for (unsigned i = 0; i < TN_CONTROL_MAX_PINGS; i++)
		if (c->pingers[i])
			pinger_free(c->pingers[i]);
}

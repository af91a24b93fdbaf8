/* One HTTP proxy client: its request head (net/http1.h), interpreted by
 * httpproxy.c, the dial, then the relay.  A malformed head is answered
 * with the parser's status (400, 431, 501, 505); a CONNECT that cannot be
 * dialled with 500 and Tailscale-Connect-Error, a forwarded request with
 * 502, as tailscaled's handler and Go's ReverseProxy do. */
#include "netstack/proxy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* An error response: head, a short body. */
#define ERROR_MAX 1024

static void fail(struct tn_ns_client *c, int status, const char *msg, const char *connect_error,
		 bool bad)
{
	char out[ERROR_MAX];
	int n = tn_httpproxy_error(out, sizeof(out), status, msg, connect_error);

	tn_ns_client_fail(c, out, n > 0 ? (size_t)n : 0, bad);
}

static void on_dialed(void *arg, int err, struct tn_ns_dialed *res)
{
	struct tn_ns_client *c = arg;
	struct tn_netstack *ns = c->ns;
	const void *to_fd = NULL;
	size_t to_fd_len = 0, peer_len;
	char *to_peer = NULL;
	int n;

	c->dial = NULL;
	if (err) {
		char msg[400];

		snprintf(msg, sizeof(msg), "dial tcp %s: %s", c->req.authority, strerror(-err));
		tn_log_debug("netstack", "HTTP proxy: %s", msg);
		if (c->req.connect)
			fail(c, 500, msg, msg, false);
		else
			fail(c, 502, "Bad Gateway", NULL, false);
		return;
	}
	if (c->req.connect) {
		to_fd = TN_HTTPPROXY_CONNECT_OK;
		to_fd_len = strlen(TN_HTTPPROXY_CONNECT_OK);
		to_peer = c->extra_len ? (char *)c->extra : NULL;
		peer_len = c->extra_len;
	} else {
		/* The rewritten head, then whatever followed the original. */
		if (!(to_peer = malloc(TN_HTTP1_HEAD_MAX + 1024 + c->extra_len)) ||
		    (n = tn_httpproxy_rewrite(c->head, &c->req, to_peer,
					      TN_HTTP1_HEAD_MAX + 1024)) < 0) {
			free(to_peer);
			fail(c, 502, "Bad Gateway", NULL, false);
			return;
		}
		if (c->extra_len)
			memcpy(to_peer + n, c->extra, c->extra_len);
		peer_len = (size_t)n + c->extra_len;
	}
	if (res->route == TN_NS_ROUTE_TAILNET) {
		if (tn_ns_bridge_pcb(ns, c->fd, res->pcb, to_fd, to_fd_len, to_peer, peer_len))
			res->pcb = NULL;
	} else {
		tn_ns_bridge_fds(ns, c->fd, res->fd, to_fd, to_fd_len, to_peer, peer_len);
		res->fd = -1;
	}
	if (!c->req.connect)
		free(to_peer);
	tn_ns_client_handoff(c);
}

void tn_ns_http_input(struct tn_ns_client *c, const uint8_t *data, size_t len)
{
	const char *why;
	int r, status;

	if (c->state != TN_NS_C_HEAD)
		return;
	if (!c->head) {
		if (!(c->head = malloc(sizeof(*c->head)))) {
			tn_ns_client_free(c);
			return;
		}
		tn_http1_head_init(c->head, TN_HTTP1_REQUEST);
	}
	r = tn_http1_head_feed(c->head, data, len);
	if (r == 0)
		return;
	if (r < 0) {
		fail(c, c->head->error_status ? c->head->error_status : 400, c->head->error, NULL, true);
		return;
	}
	if ((size_t)r < len) {
		if (!(c->extra = malloc(len - (size_t)r))) {
			tn_ns_client_free(c);
			return;
		}
		memcpy(c->extra, data + r, len - (size_t)r);
		c->extra_len = len - (size_t)r;
	}
	if ((status = tn_httpproxy_parse(c->head, &c->req, &why))) {
		fail(c, status, why, NULL, true);
		return;
	}
	c->state = TN_NS_C_DIALING;
	tn_ns_client_watch(c, 0);
	if (tn_ns_dial(c->ns, c->req.host, c->req.port, false, on_dialed, c, &c->dial) < 0)
		fail(c, 500, "out of memory", NULL, false);
}

/* The LocalAPI's handlers: tailscaled's /localapi/v0/ endpoints that the
 * CLIs and the tools listed in cli-and-localapi.md need, served from the
 * IPN backend. */
#include "localapi/handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipn/backend.h"
#include "util/log.h"

static json_t *body_json(struct tn_localapi_req *req)
{
	json_error_t je;
	json_t *j = json_loadb(req->body, req->body_len, 0, &je);

	if (!j)
		tn_localapi_reply_error(req, 400, "invalid JSON body: %s", je.text);
	return j;
}

static void h_status(void *ctx, struct tn_localapi_req *req)
{
	char v[16];
	bool peers = !(tn_localapi_query(req, "peers", v, sizeof(v)) && !strcmp(v, "false"));

	tn_localapi_reply_json(req, 200, tn_backend_status(ctx, peers));
}

static void h_prefs(void *ctx, struct tn_localapi_req *req)
{
	struct tn_backend *b = ctx;
	char err[512];
	json_t *j;

	if (!strcmp(req->method, "PATCH")) {
		if (!req->can_write) {
			tn_localapi_reply_error(req, 403, "prefs write access denied");
			return;
		}
		if (!(j = body_json(req)))
			return;
		if (tn_backend_edit_prefs(b, j, err, sizeof(err)) < 0) {
			json_decref(j);
			tn_localapi_reply_json(req, 400, json_pack("{ss}", "error", err));
			return;
		}
		json_decref(j);
	}
	tn_localapi_reply_json(req, 200, tn_prefs_to_json(tn_backend_prefs(b)));
}

static void h_check_prefs(void *ctx, struct tn_localapi_req *req)
{
	struct tn_prefs p;
	char err[512];
	json_t *j = body_json(req);
	int r;

	if (!j)
		return;
	if (tn_prefs_init_default(&p) < 0) {
		json_decref(j);
		tn_localapi_reply_error(req, 500, "out of memory");
		return;
	}
	r = tn_prefs_from_json(&p, j, NULL, err, sizeof(err));
	tn_prefs_clear(&p);
	json_decref(j);
	if (r < 0)
		tn_localapi_reply_json(req, 200, json_pack("{ss}", "error", err));
	else
		tn_localapi_reply_json(req, 200, json_object());
}

static void h_start(void *ctx, struct tn_localapi_req *req)
{
	char err[512];
	json_t *j = body_json(req);
	int r;

	if (!j)
		return;
	r = tn_backend_start(ctx, j, err, sizeof(err));
	json_decref(j);
	if (r < 0)
		tn_localapi_reply_error(req, 400, "%s", err);
	else
		tn_localapi_reply(req, 204, NULL, NULL, 0);
}

static void h_login_interactive(void *ctx, struct tn_localapi_req *req)
{
	tn_backend_login_interactive(ctx);
	tn_localapi_reply(req, 204, NULL, NULL, 0);
}

static void h_logout(void *ctx, struct tn_localapi_req *req)
{
	tn_backend_logout(ctx);
	tn_localapi_reply(req, 204, NULL, NULL, 0);
}

static void h_whois(void *ctx, struct tn_localapi_req *req)
{
	char addr[128];
	json_t *r;

	if (!tn_localapi_query(req, "addr", addr, sizeof(addr))) {
		tn_localapi_reply_error(req, 400, "missing 'addr' parameter");
		return;
	}
	if (!(r = tn_backend_whois(ctx, addr))) {
		tn_localapi_reply_error(req, 404, "no match for IP:port");
		return;
	}
	tn_localapi_reply_json(req, 200, r);
}

/* --- ping: answered when the pong comes ------------------------------------- */

struct pending_ping {
	struct tn_backend *b;
	struct tn_localapi_req *req;
	int handle;
};

static void ping_done(void *arg, json_t *result)
{
	struct pending_ping *pp = arg;

	tn_localapi_reply_json(pp->req, 200, result);
	free(pp);
}

static void ping_gone(struct tn_localapi_req *req)
{
	struct pending_ping *pp = req->arg;

	tn_backend_ping_cancel(pp->b, pp->handle);
	free(pp);
}

static void h_ping(void *ctx, struct tn_localapi_req *req)
{
	struct pending_ping *pp;
	char ip[64], type[32] = "", err[256];
	int h;

	if (!tn_localapi_query(req, "ip", ip, sizeof(ip)) || !*ip) {
		tn_localapi_reply_error(req, 400, "missing 'ip' parameter");
		return;
	}
	tn_localapi_query(req, "type", type, sizeof(type));
	if (!(pp = calloc(1, sizeof(*pp)))) {
		tn_localapi_reply_error(req, 500, "out of memory");
		return;
	}
	pp->b = ctx;
	pp->req = req;
	h = tn_backend_ping(ctx, ip, type, ping_done, pp, err, sizeof(err));
	if (h < 0) {
		free(pp);
		/* Go answers a ping it cannot send with a PingResult.Err. */
		tn_localapi_reply_json(req, 200,
				       json_pack("{ss ss sb}", "IP", ip, "Err", err, "IsLocalIP",
						 h == -EADDRINUSE));
		return;
	}
	pp->handle = h;
	req->arg = pp;
	req->on_gone = ping_gone;
}

/* --- watch-ipn-bus: a stream of Notify lines ----------------------------------- */

struct watch {
	struct tn_backend *b;
	struct tn_localapi_req *req;
	int id;
};

static void watch_line(void *arg, const char *line, size_t len)
{
	struct watch *w = arg;

	tn_localapi_stream_write(w->req, line, len);
}

static void watch_gone(struct tn_localapi_req *req)
{
	struct watch *w = req->arg;

	tn_backend_unwatch(w->b, w->id);
	free(w);
}

static void h_watch_ipn_bus(void *ctx, struct tn_localapi_req *req)
{
	char m[24] = "0";
	struct watch *w;
	int id;

	tn_localapi_query(req, "mask", m, sizeof(m));
	if (!(w = calloc(1, sizeof(*w)))) {
		tn_localapi_reply_error(req, 500, "out of memory");
		return;
	}
	w->b = ctx;
	w->req = req;
	if (tn_localapi_stream_begin(req, "application/json") < 0) {
		free(w);
		tn_localapi_reply_error(req, 500, "stream");
		return;
	}
	req->arg = w;
	req->on_gone = watch_gone;
	id = tn_backend_watch(ctx, (unsigned)strtoul(m, NULL, 10), watch_line, w);
	if (id < 0) {
		tn_localapi_stream_end(req);
		free(w);
		return;
	}
	w->id = id;
}

static void h_metrics(void *ctx, struct tn_localapi_req *req)
{
	char *text = tn_backend_metrics(ctx);

	if (!text) {
		tn_localapi_reply_error(req, 500, "out of memory");
		return;
	}
	tn_localapi_reply(req, 200, "text/plain; version=0.0.4", text, strlen(text));
	free(text);
}

/* Our extension (Go's CLI runs netcheck itself): the engine's last
 * netcheck report. */
static void h_netcheck(void *ctx, struct tn_localapi_req *req)
{
	json_t *r = tn_backend_netcheck(ctx);

	if (!r) {
		tn_localapi_reply_error(req, 503, "no netcheck report yet (not running?)");
		return;
	}
	tn_localapi_reply_json(req, 200, r);
}

static void h_derpmap(void *ctx, struct tn_localapi_req *req)
{
	json_t *r = tn_backend_derpmap(ctx);

	if (!r) {
		tn_localapi_reply_error(req, 503, "no DERP map yet (not running?)");
		return;
	}
	tn_localapi_reply_json(req, 200, r);
}

/* No serve config (Go's status asks for it, for Funnel): an empty one. */
static void h_serve_config(void *ctx, struct tn_localapi_req *req)
{
	tn_localapi_reply_json(req, 200, json_object());
}

static void h_check_ip_forwarding(void *ctx, struct tn_localapi_req *req)
{
	tn_localapi_reply_json(req, 200, json_pack("{sn}", "Warning"));
}

static const struct tn_localapi_route routes[] = {
	{ "status", "GET", false, h_status },
	{ "prefs", "GET,PATCH", false, h_prefs },
	{ "check-prefs", "POST", true, h_check_prefs },
	{ "start", "POST", true, h_start },
	{ "login-interactive", "POST", true, h_login_interactive },
	{ "logout", "POST", true, h_logout },
	{ "whois", "GET", false, h_whois },
	{ "ping", "POST", false, h_ping },
	{ "watch-ipn-bus", "GET", false, h_watch_ipn_bus },
	{ "netcheck", "GET", false, h_netcheck },
	{ "derpmap", "GET", false, h_derpmap },
	{ "serve-config", "GET", false, h_serve_config },
	{ "metrics", "GET", true, h_metrics },
	{ "usermetrics", "GET", false, h_metrics },
	{ "check-ip-forwarding", "GET", false, h_check_ip_forwarding },
	{ "check-udp-gro-forwarding", "GET", false, h_check_ip_forwarding },
};

const struct tn_localapi_route *tn_localapi_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

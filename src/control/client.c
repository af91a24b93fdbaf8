/* The control client's protocol: register (pre-auth, interactive, logout,
 * key rotation), the map stream, lite updates, watchdog and backoff; the
 * transport is connect.c.  See client.h. */
#include "control/client_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/http2.h"
#include "control/mapframe.h"
#include "control/netmap.h"
#include "control/tailcfg.h"
#include "control/ts2021.h"
#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "net/conn.h"
#include "net/http1.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/log.h"
#include "tn_config.h"

/* Hostinfo.IPNVersion: ours, recognisably not Go's. */
#define TN_IPN_VERSION TN_VERSION "-tailnetd"

static void send_map(struct tn_control *c);

/* ---- small helpers ---- */

int tn_control_buf_append(struct buf *b, const void *p, size_t len, size_t limit)
{
	if (b->len + len > limit)
		return -EMSGSIZE;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		uint8_t *n;

		while (cap < b->len + len)
			cap *= 2;
		if (!(n = realloc(b->p, cap)))
			return -ENOMEM;
		b->p = n;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	return 0;
}

void tn_control_buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void tn_control_set_state(struct tn_control *c, enum tn_control_state st, const char *detail)
{
	if (c->state == st && st != TN_CONTROL_NEEDS_LOGIN && st != TN_CONTROL_ERROR)
		return;
	c->state = st;
	if (c->cbs.on_state)
		c->cbs.on_state(c->arg, st, detail);
}

int tn_control_flush(struct tn_control *c)
{
	if (!c->h2 || c->in_recv)
		return 0;
	return tn_h2_flush(c->h2);
}

void tn_control_authority(const struct tn_control *c, char *out, size_t len)
{
	tn_url_authority(&c->url, out, len);
}

/* ---- teardown and retry ---- */

void tn_control_fail(struct tn_control *c, const char *fmt, ...)
{
	va_list ap;

	if (c->dead || c->phase == PHASE_STOPPED)
		return;
	va_start(ap, fmt);
	vsnprintf(c->dead_msg, sizeof(c->dead_msg), fmt, ap);
	va_end(ap);
	c->dead = true;
	c->dead_stop = false;
	tn_timer_arm(c->teardown, 0, 0);
}

/* The server said no: report it and stop until started again. */
static void stop(struct tn_control *c, enum tn_control_state st, const char *detail)
{
	c->dead = true;
	c->dead_stop = true;
	c->dead_state = st;
	snprintf(c->dead_msg, sizeof(c->dead_msg), "%s", detail ? detail : "");
	tn_timer_arm(c->teardown, 0, 0);
}

static void on_teardown(struct tn_timer *t, void *arg)
{
	struct tn_control *c = arg;
	uint64_t delay;

	tn_control_close_session(c);
	c->dead = false;
	if (c->dead_stop) {
		c->phase = PHASE_STOPPED;
		tn_timer_cancel(c->retry);
		tn_control_set_state(c, c->dead_state, c->dead_msg[0] ? c->dead_msg : NULL);
		return;
	}
	c->failures++;
	c->reconnects++;
	delay = tn_backoff_ns(c->failures, TN_CONTROL_BACKOFF_MAX_NS);
	tn_log_warn("control", "%s; reconnecting in %llu ms", c->dead_msg,
		    (unsigned long long)(delay / TN_NSEC_PER_MSEC));
	c->phase = PHASE_BACKOFF;
	if (c->state != TN_CONTROL_NEEDS_LOGIN && c->state != TN_CONTROL_LOGGED_OUT)
		tn_control_set_state(c, TN_CONTROL_CONNECTING, c->dead_msg);
	tn_timer_arm(c->retry, delay, 0);
}

static void on_retry(struct tn_timer *t, void *arg)
{
	struct tn_control *c = arg;

	if (c->phase == PHASE_BACKOFF)
		tn_control_connect(c);
}

static void on_watchdog(struct tn_timer *t, void *arg)
{
	struct tn_control *c = arg;

	tn_control_fail(c, "map stream: nothing received for %llu s",
	     (unsigned long long)(TN_CONTROL_WATCHDOG_NS / TN_NSEC_PER_SEC));
}

/* ---- /machine/register ---- */

static void register_response(void *arg, int status)
{
	struct tn_control *c = arg;

	c->register_status = status;
}

static int register_data(void *arg, const uint8_t *p, size_t len)
{
	struct tn_control *c = arg;

	return tn_control_buf_append(&c->register_body, p, len, REGISTER_BODY_MAX);
}

static void rotate_node_key(struct tn_control *c)
{
	memcpy(c->old_node_priv, c->opt.node_priv, 32);
	c->have_old_node_key = true;
	tn_key_generate_private(c->opt.node_priv);
	if (c->cbs.on_node_key)
		c->cbs.on_node_key(c->arg, c->opt.node_priv, c->old_node_priv);
}

static void register_close(void *arg, int error_code)
{
	struct tn_control *c = arg;
	struct tn_tailcfg_register_response rr;
	char err[256];
	int r;

	c->register_stream = 0;
	if (!c->h2 || c->dead)
		return; /* session torn down */
	if (error_code != 0 || !c->register_status) {
		tn_control_fail(c, "POST /machine/register: stream reset (%d)", error_code);
		return;
	}
	if (c->register_status != 200) {
		char msg[200];
		size_t n = c->register_body.len < sizeof(msg) - 1 ? c->register_body.len : sizeof(msg) - 1;

		memcpy(msg, c->register_body.p ? (const char *)c->register_body.p : "", n);
		msg[n] = '\0';
		msg[strcspn(msg, "\r\n")] = '\0';
		stop(c, TN_CONTROL_ERROR, msg[0] ? msg : "registration refused");
		tn_log_err("control", "POST /machine/register: status %d: %s", c->register_status, msg);
		return;
	}
	r = tn_tailcfg_register_response_parse(&rr, (const char *)c->register_body.p,
					       c->register_body.len, err, sizeof(err));
	tn_control_buf_free(&c->register_body);
	if (r < 0) {
		tn_control_fail(c, "POST /machine/register: %s", err);
		return;
	}
	if (rr.error[0]) {
		tn_log_err("control", "the control server refused the registration: %s", rr.error);
		stop(c, TN_CONTROL_ERROR, rr.error);
		tn_tailcfg_register_response_free(&rr);
		return;
	}
	if (c->logging_out) {
		c->logging_out = false;
		tn_log_info("control", "logged out");
		stop(c, TN_CONTROL_LOGGED_OUT, NULL);
		tn_tailcfg_register_response_free(&rr);
		return;
	}
	if (rr.node_key_expired) {
		tn_log_info("control", "node key expired: registering a new one");
		tn_tailcfg_register_response_free(&rr);
		rotate_node_key(c);
		tn_control_send_register(c);
		return;
	}
	if (rr.auth_url[0]) {
		if (strcmp(rr.auth_url, c->followup)) {
			snprintf(c->followup, sizeof(c->followup), "%s", rr.auth_url);
			tn_log_info("control", "to authenticate, visit: %s", rr.auth_url);
			tn_control_set_state(c, TN_CONTROL_NEEDS_LOGIN, rr.auth_url);
		}
		tn_tailcfg_register_response_free(&rr);
		tn_control_send_register(c); /* long poll with Followup until approved */
		return;
	}
	if (!rr.machine_authorized) {
		tn_tailcfg_register_response_free(&rr);
		stop(c, TN_CONTROL_ERROR, "the node is not authorized by the tailnet admin");
		return;
	}
	tn_tailcfg_register_response_free(&rr);
	c->followup[0] = '\0';
	c->have_old_node_key = false;
	if (c->auth_key) {
		/* Logged in: the key is never needed again. */
		tn_crypto_wipe(c->auth_key, strlen(c->auth_key));
		free(c->auth_key);
		c->auth_key = NULL;
	}
	send_map(c);
}

static void hostinfo(const struct tn_control *c, struct tn_tailcfg_hostinfo *hi)
{
	memset(hi, 0, sizeof(*hi));
	hi->ipn_version = TN_IPN_VERSION;
	hi->backend_log_id = "tailnetd";
	hi->os = "linux";
	hi->hostname = c->hostname;
	if (c->opt.preferred_derp) {
		hi->has_net_info = true;
		hi->net_info.preferred_derp = c->opt.preferred_derp;
		hi->net_info.working_udp = TN_TAILCFG_TRUE;
	}
}

/* time.Unix(123, 0), as Go's client sends for a logout. */
#define LOGOUT_EXPIRY_NS (123LL * 1000000000LL)

void tn_control_send_register(struct tn_control *c)
{
	static const struct tn_h2_request_cbs cbs = { register_response, register_data, register_close };
	struct tn_tailcfg_hostinfo hi;
	struct tn_tailcfg_register_request rq = {
		.version = TN_CAPABILITY_VERSION,
		.auth_key = c->followup[0] ? NULL : c->auth_key,
		.followup = c->followup[0] ? c->followup : NULL,
		.hostinfo = &hi,
		.ephemeral = c->opt.ephemeral,
		.expiry = c->logging_out ? LOGOUT_EXPIRY_NS : 0,
	};
	char auth[300];
	char *body = NULL;
	size_t len = 0;

	hostinfo(c, &hi);
	tn_key_public_from_private(rq.node_key, c->opt.node_priv);
	if (c->have_old_node_key)
		tn_key_public_from_private(rq.old_node_key, c->old_node_priv);
	if (tn_tailcfg_register_request_json(&rq, &body, &len) < 0) {
		tn_control_fail(c, "register: cannot build the request");
		return;
	}
	tn_control_authority(c, auth, sizeof(auth));
	c->register_status = 0;
	tn_control_buf_free(&c->register_body);
	c->register_stream = tn_h2_request(c->h2, "POST", auth, "/machine/register", "application/json",
					   (const uint8_t *)body, len, &cbs, c);
	tn_tailcfg_secret_free(body, len);
	if (c->register_stream < 0 || tn_control_flush(c) < 0)
		tn_control_fail(c, "POST /machine/register: cannot send");
}

/* ---- /machine/map ---- */

static int on_map_message(void *ctx, const uint8_t *msg, size_t len)
{
	struct tn_control *c = ctx;
	struct tn_netmap_changes ch;
	char err[256];
	int r;

	if (c->dead)
		return -ECANCELED;
	r = tn_netmap_apply(c->nm, (const char *)msg, len, &ch, err, sizeof(err));
	if (r < 0) {
		tn_log_warn("control", "map response rejected: %s", err);
		return r;
	}
	if (ch.has_ping)
		tn_control_answer_ping(c, &ch.ping);
	if (!ch.keepalive_only && c->cbs.on_netmap)
		c->cbs.on_netmap(c->arg, c->nm, &ch);
	/* Running once the first map is in (and applied): it has our node. */
	if (c->nm->self && c->state != TN_CONTROL_RUNNING && !c->dead)
		tn_control_set_state(c, TN_CONTROL_RUNNING, NULL);
	tn_netmap_changes_free(&ch);
	return 0;
}

static void map_response(void *arg, int status)
{
	struct tn_control *c = arg;

	c->map_status = status;
	if (status == 200)
		tn_timer_arm(c->watchdog, TN_CONTROL_WATCHDOG_NS, 0);
}

static int map_data(void *arg, const uint8_t *p, size_t len)
{
	struct tn_control *c = arg;

	if (c->dead)
		return -ECANCELED;
	if (c->map_status != 200)
		return 0; /* an error text: read at close */
	tn_timer_arm(c->watchdog, TN_CONTROL_WATCHDOG_NS, 0);
	return tn_mapframe_feed(&c->frames, p, len, on_map_message, c);
}

static void map_close(void *arg, int error_code)
{
	struct tn_control *c = arg;

	c->map_stream = 0;
	if (!c->h2 || c->dead || c->logging_out)
		return;
	if (c->map_status && c->map_status != 200)
		tn_control_fail(c, "POST /machine/map: status %d", c->map_status);
	else
		tn_control_fail(c, "map stream ended (%d)", error_code);
}

static char *map_request(struct tn_control *c, bool stream, size_t *len)
{
	struct tn_tailcfg_hostinfo hi;
	struct tn_tailcfg_map_request rq = {
		.version = TN_CAPABILITY_VERSION,
		.stream = stream,
		.omit_peers = !stream,
		.keep_alive = stream,
		.hostinfo = &hi,
		.endpoints = c->endpoints,
		.endpoint_types = c->endpoint_types,
		.n_endpoints = c->n_endpoints,
	};
	char *out = NULL;

	hostinfo(c, &hi);
	tn_key_public_from_private(rq.node_key, c->opt.node_priv);
	memcpy(rq.disco_key, c->opt.disco_pub, 32);
	if (tn_tailcfg_map_request_json(&rq, &out, len) < 0)
		return NULL;
	return out;
}

static void send_map(struct tn_control *c)
{
	static const struct tn_h2_request_cbs cbs = { map_response, map_data, map_close };
	char auth[300];
	size_t len;
	char *body = map_request(c, true, &len);

	if (!body) {
		tn_control_fail(c, "map: cannot build the request");
		return;
	}
	tn_control_authority(c, auth, sizeof(auth));
	c->map_status = 0;
	/* Every map stream starts from nothing, as Go's does. */
	tn_netmap_session_start(c->nm);
	c->map_stream = tn_h2_request(c->h2, "POST", auth, "/machine/map", "application/json",
				      (const uint8_t *)body, len, &cbs, c);
	free(body);
	if (c->map_stream < 0 || tn_control_flush(c) < 0)
		tn_control_fail(c, "POST /machine/map: cannot send");
}

static void lite_close(void *arg, int error_code)
{
	if (error_code)
		tn_log_debug("control", "lite map update failed (%d)", error_code);
}

static void send_lite_update(struct tn_control *c)
{
	static const struct tn_h2_request_cbs cbs = { NULL, NULL, lite_close };
	char auth[300];
	size_t len;
	char *body;

	if (c->phase != PHASE_H2 || !c->map_stream)
		return; /* the next full request carries them */
	body = map_request(c, false, &len);
	if (!body)
		return;
	tn_control_authority(c, auth, sizeof(auth));
	tn_h2_request(c->h2, "POST", auth, "/machine/map", "application/json",
		      (const uint8_t *)body, len, &cbs, c);
	free(body);
	tn_control_flush(c);
}

/* ---- public API ---- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct tn_control *tn_control_new(struct tn_loop *loop, const struct tn_control_options *opts,
				  const struct tn_control_callbacks *cbs, void *arg)
{
	struct tn_control *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->loop = loop;
	c->opt = *opts;
	c->server_url = dup_or_null(opts->server_url);
	c->ca_file = dup_or_null(opts->ca_file);
	c->hostname = dup_or_null(opts->hostname);
	c->auth_key = dup_or_null(opts->auth_key);
	c->opt.server_url = c->opt.ca_file = c->opt.hostname = c->opt.auth_key = NULL;
	c->cbs = *cbs;
	c->arg = arg;
	c->state = TN_CONTROL_CONNECTING;
	c->nm = tn_netmap_new();
	c->watchdog = tn_timer_new(loop, on_watchdog, c);
	c->retry = tn_timer_new(loop, on_retry, c);
	c->teardown = tn_timer_new(loop, on_teardown, c);
	tn_mapframe_init(&c->frames);
	if (!c->server_url || !c->nm || !c->watchdog || !c->retry || !c->teardown ||
	    tn_url_parse(&c->url, c->server_url) < 0 || strcmp(c->url.path, "/")) {
		tn_control_free(c);
		return NULL;
	}
	return c;
}

void tn_control_free(struct tn_control *c)
{
	if (!c)
		return;
	c->phase = PHASE_STOPPED;
	tn_control_close_session(c);
	tn_control_pingers_free(c);
	tn_timer_free(c->watchdog);
	tn_timer_free(c->retry);
	tn_timer_free(c->teardown);
	tn_netmap_free(c->nm);
	free(c->endpoints);
	free(c->endpoint_types);
	if (c->auth_key)
		tn_crypto_wipe(c->auth_key, strlen(c->auth_key));
	free(c->auth_key);
	free(c->server_url);
	free(c->ca_file);
	free(c->hostname);
	tn_crypto_wipe(c, sizeof(*c));
	free(c);
}

void tn_control_start(struct tn_control *c)
{
	tn_control_close_session(c);
	c->dead = false;
	tn_timer_cancel(c->teardown);
	tn_timer_cancel(c->retry);
	c->failures = 0;
	tn_control_connect(c);
}

void tn_control_set_endpoints(struct tn_control *c, const struct tn_tailcfg_addrport *endpoints,
			      const enum tn_tailcfg_endpoint_type *types, size_t n,
			      uint16_t preferred_derp)
{
	struct tn_tailcfg_addrport *eps = calloc(n ? n : 1, sizeof(*eps));
	enum tn_tailcfg_endpoint_type *ty = calloc(n ? n : 1, sizeof(*ty));

	if (!eps || !ty) {
		free(eps);
		free(ty);
		return;
	}
	if (n)
		memcpy(eps, endpoints, n * sizeof(*eps));
	if (n && types)
		memcpy(ty, types, n * sizeof(*ty));
	free(c->endpoints);
	free(c->endpoint_types);
	c->endpoints = eps;
	c->endpoint_types = ty;
	c->n_endpoints = n;
	c->opt.preferred_derp = preferred_derp;
	send_lite_update(c);
}

void tn_control_logout(struct tn_control *c)
{
	c->logging_out = true;
	if (c->phase == PHASE_H2) {
		if (c->map_stream)
			tn_h2_cancel(c->h2, c->map_stream);
		tn_control_send_register(c);
	} else {
		tn_control_start(c);
	}
}

enum tn_control_state tn_control_state(const struct tn_control *c)
{
	return c->state;
}

const struct tn_netmap *tn_control_netmap(const struct tn_control *c)
{
	return c->nm;
}

unsigned tn_control_reconnects(const struct tn_control *c)
{
	return c->reconnects;
}

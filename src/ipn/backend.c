#include "ipn/backend.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "ipn/backend_internal.h"
#include "tailnet/tailnet.h"
#include "util/atomicfile.h"
#include "util/log.h"

#define PREFS_FILE_MAX (1024 * 1024)
#define AUTHKEY_FILE_MAX 4096

const char *tn_ipn_state_name(enum tn_ipn_state s)
{
	static const char *const names[] = { "NoState", "InUseOtherUser", "NeedsLogin",
					     "NeedsMachineAuth", "Stopped", "Starting",
					     "Running" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "NoState";
}

static bool registered(const struct tn_backend *b)
{
	return !b->prefs.logged_out && *b->prefs.node_id;
}

/* The state, from the prefs and the live session (Go's nextStateLocked). */
enum tn_ipn_state tn_backend_state(const struct tn_backend *b)
{
	if (!b->control) {
		if (*b->err_msg || b->prefs.logged_out || !registered(b))
			return TN_IPN_NEEDS_LOGIN;
		return b->prefs.want_running ? TN_IPN_STARTING : TN_IPN_STOPPED;
	}
	switch (b->cstate) {
	case TN_CONTROL_CONNECTING:
		return b->have_netmap ? TN_IPN_RUNNING : TN_IPN_STARTING;
	case TN_CONTROL_RUNNING:
		if (!b->have_netmap)
			return TN_IPN_STARTING;
		return b->machine_authorized ? TN_IPN_RUNNING : TN_IPN_NEEDS_MACHINE_AUTH;
	case TN_CONTROL_NEEDS_LOGIN:
	case TN_CONTROL_LOGGED_OUT:
	case TN_CONTROL_ERROR:
		return TN_IPN_NEEDS_LOGIN;
	}
	return TN_IPN_NO_STATE;
}

const struct tn_prefs *tn_backend_prefs(const struct tn_backend *b)
{
	return &b->prefs;
}

bool tn_backend_is_operator(const struct tn_backend *b, uid_t uid)
{
	struct passwd *pw;

	if (!*b->prefs.operator_user)
		return false;
	pw = getpwnam(b->prefs.operator_user);
	return pw && pw->pw_uid == uid;
}

/* --- the bus ------------------------------------------------------------------ */

static void send_line(struct tn_backend_watcher *w, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (text) {
		size_t n = strlen(text);

		text[n] = '\n'; /* json_dumps leaves room for the NUL: reuse it */
		w->fn(w->arg, text, n + 1);
		free(text);
	}
}

void tn_backend_notify(struct tn_backend *b, json_t *obj)
{
	json_t *n = json_pack("{ss}", "Version", tn_version());

	json_object_update(n, obj);
	json_decref(obj);
	for (size_t i = 0; i < TN_BACKEND_WATCHERS_MAX; i++)
		if (b->watchers[i].id)
			send_line(&b->watchers[i], n);
	json_decref(n);
}

int tn_backend_watch(struct tn_backend *b, unsigned mask, tn_backend_notify_fn fn, void *arg)
{
	for (size_t i = 0; i < TN_BACKEND_WATCHERS_MAX; i++) {
		struct tn_backend_watcher *w = &b->watchers[i];
		json_t *first;

		if (w->id)
			continue;
		if (++b->next_watch_id <= 0)
			b->next_watch_id = 1;
		*w = (struct tn_backend_watcher){ b->next_watch_id, mask, fn, arg };
		first = json_pack("{ss}", "Version", tn_version());
		if (mask & TN_NOTIFY_INITIAL_STATE) {
			json_object_set_new(first, "State", json_integer(tn_backend_state(b)));
			if (*b->auth_url)
				json_object_set_new(first, "BrowseToURL", json_string(b->auth_url));
		}
		if (mask & TN_NOTIFY_INITIAL_PREFS)
			json_object_set_new(first, "Prefs", tn_prefs_to_json(&b->prefs));
		send_line(w, first);
		json_decref(first);
		return w->id;
	}
	return -EBUSY;
}

void tn_backend_unwatch(struct tn_backend *b, int id)
{
	for (size_t i = 0; i < TN_BACKEND_WATCHERS_MAX; i++)
		if (b->watchers[i].id == id)
			memset(&b->watchers[i], 0, sizeof(b->watchers[i]));
}

void tn_backend_on_state(struct tn_backend *b, void (*fn)(void *arg, enum tn_ipn_state st,
							  bool addresses_up), void *arg)
{
	b->on_state = fn;
	b->on_state_arg = arg;
	fn(arg, tn_backend_state(b), false);
}

/* After anything that can change the state: tell watchers and the
 * daemon if it did. */
static void state_changed(struct tn_backend *b)
{
	enum tn_ipn_state st = tn_backend_state(b);
	bool up = st == TN_IPN_RUNNING && b->engine && tn_engine_has_addresses(b->engine);

	bool changed = st != b->last_state || up != b->last_addresses_up;

	if (st != b->last_state) {
		tn_log_info("ipn", "state %s -> %s", tn_ipn_state_name(b->last_state),
			    tn_ipn_state_name(st));
		if (st == TN_IPN_RUNNING && b->last_state != TN_IPN_RUNNING)
			tn_backend_notify(b, json_pack("{s{}}", "LoginFinished"));
		b->last_state = st;
		tn_backend_notify(b, json_pack("{si}", "State", st));
	}
	b->last_addresses_up = up;
	if (b->on_state && changed)
		b->on_state(b->on_state_arg, st, up);
}

/* --- prefs --------------------------------------------------------------------- */

static int save_prefs(struct tn_backend *b)
{
	char err[TN_STORE_ERROR_MAX], *text = tn_prefs_format(&b->prefs);
	int r;

	if (!text)
		return -ENOMEM;
	r = tn_store_write(b->store, TN_PREFS_FILE, text, strlen(text), err, sizeof(err));
	free(text);
	if (r < 0)
		tn_log_err("ipn", "saving prefs: %s", err);
	return r;
}

static int load_prefs(struct tn_backend *b, struct tn_prefs *out, char *err, size_t errlen)
{
	char e[TN_STORE_ERROR_MAX], perr[256], *text = NULL;
	size_t len = 0;
	int r = tn_store_read(b->store, TN_PREFS_FILE, PREFS_FILE_MAX, &text, &len, e, sizeof(e));

	if (r == -ENOENT)
		return tn_prefs_init_default(out);
	if (r < 0) {
		snprintf(err, errlen, "%s", e);
		return r;
	}
	r = tn_prefs_parse(out, text, len, perr, sizeof(perr));
	free(text);
	if (r < 0)
		snprintf(err, errlen, "%s/%s: %s (fix or remove the file; it is left as it is)",
			 b->statedir, TN_PREFS_FILE, perr);
	return r;
}

/* --- the session --------------------------------------------------------------- */

static void session_stop(struct tn_backend *b)
{
	tn_control_free(b->control);
	b->control = NULL;
	tn_engine_free(b->engine);
	b->engine = NULL;
	b->have_netmap = false;
	b->machine_authorized = false;
	b->home_derp = 0;
	b->auth_url[0] = 0;
}

static void schedule_session(struct tn_backend *b);

static void announce_endpoints(void *arg)
{
	struct tn_backend *b = arg;
	struct tn_tailcfg_addrport eps[16];
	enum tn_tailcfg_endpoint_type types[16];
	size_t n;

	if (!b->engine || !b->control)
		return;
	b->home_derp = tn_engine_home_derp(b->engine);
	n = tn_engine_endpoints(b->engine, eps, types, 16);
	tn_control_set_endpoints(b->control, eps, types, n, (uint16_t)b->home_derp);
}

static void control_on_state(void *arg, enum tn_control_state st, const char *detail)
{
	struct tn_backend *b = arg;

	b->cstate = st;
	switch (st) {
	case TN_CONTROL_NEEDS_LOGIN:
		snprintf(b->auth_url, sizeof(b->auth_url), "%s", detail ? detail : "");
		if (*b->auth_url)
			tn_backend_notify(b, json_pack("{ss}", "BrowseToURL", b->auth_url));
		break;
	case TN_CONTROL_RUNNING:
		b->auth_url[0] = b->err_msg[0] = 0;
		break;
	case TN_CONTROL_ERROR:
		snprintf(b->err_msg, sizeof(b->err_msg), "%s", detail ? detail : "refused");
		tn_log_err("ipn", "control: %s", b->err_msg);
		tn_backend_notify(b, json_pack("{ss}", "ErrMessage", b->err_msg));
		break;
	case TN_CONTROL_LOGGED_OUT:
		/* Logged out: the next login gets a new node key. */
		tn_log_info("ipn", "logged out");
		b->prefs.logged_out = true;
		b->prefs.want_running = false;
		free(b->prefs.node_id);
		b->prefs.node_id = strdup("");
		free(b->prefs.login_name);
		b->prefs.login_name = strdup("");
		if (tn_key_generate_private(b->keys.node) == 0) {
			char err[TN_STORE_ERROR_MAX];

			b->keys.has_old_node = false;
			memset(b->keys.old_node, 0, sizeof(b->keys.old_node));
			if (tn_store_save_keys(b->store, &b->keys, err, sizeof(err)) < 0)
				tn_log_err("ipn", "saving keys: %s", err);
		}
		save_prefs(b);
		tn_backend_notify(b, json_pack("{so}", "Prefs", tn_prefs_to_json(&b->prefs)));
		schedule_session(b); /* stops it, from the loop */
		break;
	case TN_CONTROL_CONNECTING:
		break;
	}
	state_changed(b);
}

/* The netmap names who we are: keep it in the prefs (Go's Persist). */
static void remember_profile(struct tn_backend *b, const struct tn_netmap *nm)
{
	const struct tn_tailcfg_node *self = nm->self;
	const struct tn_tailcfg_user_profile *up;
	bool changed = false;

	if (!self)
		return;
	up = tn_netmap_user(nm, self->user);
	if (self->stable_id && strcmp(self->stable_id, b->prefs.node_id)) {
		free(b->prefs.node_id);
		b->prefs.node_id = strdup(self->stable_id);
		changed = true;
	}
	if (up && up->login_name && strcmp(up->login_name, b->prefs.login_name)) {
		free(b->prefs.login_name);
		b->prefs.login_name = strdup(up->login_name);
		free(b->prefs.display_name);
		b->prefs.display_name = strdup(up->display_name ? up->display_name : "");
		b->prefs.user_id = up->id;
		changed = true;
	}
	if (b->prefs.logged_out) {
		b->prefs.logged_out = false;
		changed = true;
	}
	if (changed && b->prefs.node_id && b->prefs.login_name && b->prefs.display_name)
		save_prefs(b);
}

static void control_on_netmap(void *arg, const struct tn_netmap *nm,
			      const struct tn_netmap_changes *ch)
{
	struct tn_backend *b = arg;
	int home;

	if (!b->engine)
		return;
	home = tn_engine_apply(b->engine, nm);
	if (home != b->home_derp) {
		b->home_derp = home;
		announce_endpoints(b);
	}
	if (nm->self) {
		b->have_netmap = true;
		b->machine_authorized = nm->self->machine_authorized;
		remember_profile(b, nm);
	}
	state_changed(b);
}

static void control_on_node_key(void *arg, const uint8_t node_priv[32],
				const uint8_t old_node_priv[32])
{
	struct tn_backend *b = arg;
	char err[TN_STORE_ERROR_MAX];

	memcpy(b->keys.node, node_priv, 32);
	memcpy(b->keys.old_node, old_node_priv, 32);
	b->keys.has_old_node = true;
	if (b->engine)
		tn_engine_set_node_key(b->engine, node_priv);
	if (tn_store_save_keys(b->store, &b->keys, err, sizeof(err)) < 0)
		tn_log_err("ipn", "saving the new node key: %s", err);
}

static const struct tn_control_callbacks control_cbs = {
	control_on_state, control_on_netmap, control_on_node_key
};

static void wipe_auth_key(struct tn_backend *b)
{
	if (b->auth_key) {
		tn_crypto_wipe(b->auth_key, strlen(b->auth_key));
		free(b->auth_key);
		b->auth_key = NULL;
	}
}

/* The prefs the engine applies itself, without a new session. */
static void apply_engine_prefs(struct tn_backend *b)
{
	if (!b->engine)
		return;
	tn_engine_set_shields_up(b->engine, b->prefs.shields_up);
	tn_engine_set_accept_dns(b->engine, b->prefs.corp_dns);
	tn_engine_set_accept_routes(b->engine, b->prefs.route_all);
	/* Routes are part of the peers' config: apply the netmap again. */
	if (b->control && b->have_netmap)
		tn_engine_apply(b->engine, tn_control_netmap(b->control));
}

/* Starts the control client (and the engine if there is none).  Errors
 * are reported on the bus and in status. */
static void session_start(struct tn_backend *b)
{
	struct tn_control_options co = { 0 };
	uint8_t disco_priv[32];
	char err[512], host[256];

	tn_control_free(b->control);
	b->control = NULL;
	b->err_msg[0] = 0;
	b->cstate = TN_CONTROL_CONNECTING;
	if (tn_key_generate_private(disco_priv) < 0 ||
	    tn_key_public_from_private(co.disco_pub, disco_priv) < 0)
		return;
	if (!b->engine) {
		struct tn_engine_options eo = {
			.node_priv = b->keys.node, .disco_priv = disco_priv,
			.tun_name = b->tun_name, .udp_port = b->port,
			.socks5_listen = b->socks5_listen,
			.http_proxy_listen = b->http_proxy_listen,
		};

		b->engine = tn_engine_new(b->loop, &eo, err, sizeof(err));
		if (!b->engine) {
			snprintf(b->err_msg, sizeof(b->err_msg), "%s", err);
			tn_log_err("ipn", "%s", err);
			tn_backend_notify(b, json_pack("{ss}", "ErrMessage", b->err_msg));
			tn_crypto_wipe(disco_priv, sizeof(disco_priv));
			state_changed(b);
			return;
		}
		tn_engine_on_endpoints(b->engine, announce_endpoints, b);
		apply_engine_prefs(b);
	} else {
		/* The engine keeps its disco key: tell control that one. */
		tn_engine_disco_public(b->engine, co.disco_pub);
	}
	tn_crypto_wipe(disco_priv, sizeof(disco_priv));
	if (!*b->prefs.hostname) {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "tailnetd");
		host[sizeof(host) - 1] = 0;
	}
	co.server_url = b->prefs.control_url;
	co.ca_file = b->ca_file;
	co.hostname = *b->prefs.hostname ? b->prefs.hostname : host;
	co.auth_key = b->auth_key;
	co.preferred_derp = (uint16_t)b->home_derp;
	memcpy(co.machine_priv, b->keys.machine, 32);
	memcpy(co.node_priv, b->keys.node, 32);
	b->control = tn_control_new(b->loop, &co, &control_cbs, b);
	tn_crypto_wipe(&co, sizeof(co));
	wipe_auth_key(b);
	if (!b->control) {
		snprintf(b->err_msg, sizeof(b->err_msg), "control URL %s is not an http:// or https:// URL",
			 b->prefs.control_url);
		tn_backend_notify(b, json_pack("{ss}", "ErrMessage", b->err_msg));
		state_changed(b);
		return;
	}
	tn_control_start(b->control);
	state_changed(b);
}

/* Sessions are started and stopped from the loop, never from inside a
 * control or LocalAPI callback that the old session is running. */
static void restart_from_loop(struct tn_timer *t, void *arg)
{
	struct tn_backend *b = arg;

	if (b->prefs.want_running)
		session_start(b);
	else
		session_stop(b);
	state_changed(b);
}

static void schedule_session(struct tn_backend *b)
{
	tn_timer_arm(b->restart_timer, 0, 0);
}

/* What a prefs change means for the running session. */
static void apply_prefs(struct tn_backend *b, const struct tn_prefs *old)
{
	bool restart = strcmp(old->control_url, b->prefs.control_url) ||
		       strcmp(old->hostname, b->prefs.hostname);

	save_prefs(b);
	tn_backend_notify(b, json_pack("{so}", "Prefs", tn_prefs_to_json(&b->prefs)));
	apply_engine_prefs(b);
	if (b->prefs.want_running != old->want_running || (b->prefs.want_running && restart) ||
	    (b->prefs.want_running && !b->control))
		schedule_session(b);
}

/* next (moved in) becomes the prefs; what changed is applied. */
static void replace_prefs(struct tn_backend *b, struct tn_prefs *next)
{
	struct tn_prefs old = b->prefs;

	b->prefs = *next;
	apply_prefs(b, &old);
	tn_prefs_clear(&old);
}

int tn_backend_edit_prefs(struct tn_backend *b, const json_t *masked, char *err, size_t errlen)
{
	struct tn_prefs next;
	unsigned mask;
	int r;

	if ((r = tn_prefs_copy(&next, &b->prefs)) < 0) {
		snprintf(err, errlen, "out of memory");
		return r;
	}
	if ((r = tn_prefs_from_json(&next, masked, &mask, err, errlen)) < 0) {
		tn_prefs_clear(&next);
		return r;
	}
	replace_prefs(b, &next);
	return 0;
}

int tn_backend_start(struct tn_backend *b, const json_t *options, char *err, size_t errlen)
{
	const json_t *up = json_object_get(options, "UpdatePrefs");
	const json_t *key = json_object_get(options, "AuthKey");
	struct tn_prefs next, old;
	int r;

	if (!json_is_object(options)) {
		snprintf(err, errlen, "start: the body is not an ipn.Options object");
		return -EINVAL;
	}
	if (key && !json_is_null(key) && !json_is_string(key)) {
		snprintf(err, errlen, "AuthKey: not a string");
		return -EINVAL;
	}
	if ((r = tn_prefs_copy(&next, &b->prefs)) < 0)
		return r;
	if (up && !json_is_null(up)) {
		/* UpdatePrefs replaces the prefs; who we are is kept. */
		struct tn_prefs fresh;

		if ((r = tn_prefs_init_default(&fresh)) < 0 ||
		    (r = tn_prefs_from_json(&fresh, up, NULL, err, errlen)) < 0) {
			tn_prefs_clear(&fresh);
			tn_prefs_clear(&next);
			return r;
		}
		free(fresh.node_id);
		free(fresh.login_name);
		free(fresh.display_name);
		fresh.node_id = strdup(next.node_id);
		fresh.login_name = strdup(next.login_name);
		fresh.display_name = strdup(next.display_name);
		fresh.user_id = next.user_id;
		fresh.logged_out = next.logged_out;
		tn_prefs_clear(&next);
		next = fresh;
		if (!next.node_id || !next.login_name || !next.display_name) {
			tn_prefs_clear(&next);
			return -ENOMEM;
		}
	}
	wipe_auth_key(b);
	if (json_is_string(key) && *json_string_value(key)) {
		const char *k = json_string_value(key);

		if (!strncmp(k, "file:", 5)) {
			char *text = NULL;
			size_t len = 0;

			if (tn_atomicfile_read_alloc(k + 5, AUTHKEY_FILE_MAX, &text, &len, NULL) < 0) {
				snprintf(err, errlen, "AuthKey: cannot read %s", k + 5);
				tn_prefs_clear(&next);
				return -EINVAL;
			}
			text[strcspn(text, "\r\n")] = 0;
			b->auth_key = text;
		} else {
			b->auth_key = strdup(k);
		}
	}
	old = b->prefs;
	b->prefs = next;
	save_prefs(b);
	tn_backend_notify(b, json_pack("{so}", "Prefs", tn_prefs_to_json(&b->prefs)));
	apply_engine_prefs(b);
	/* A new auth key or changed control settings: a new login session;
	 * otherwise one only if none runs. */
	if (b->prefs.want_running &&
	    (b->auth_key || !b->control || strcmp(old.control_url, b->prefs.control_url) ||
	     strcmp(old.hostname, b->prefs.hostname)))
		schedule_session(b);
	else if (!b->prefs.want_running && b->control)
		schedule_session(b);
	tn_prefs_clear(&old);
	return 0;
}

void tn_backend_login_interactive(struct tn_backend *b)
{
	/* An auth-key login in flight, or logged in: nothing to do (Go's CLI
	 * asks for this after every start of a node without a key). */
	if (b->control && b->cstate != TN_CONTROL_ERROR && b->cstate != TN_CONTROL_LOGGED_OUT) {
		if (*b->auth_url)
			tn_backend_notify(b, json_pack("{ss}", "BrowseToURL", b->auth_url));
		return;
	}
	wipe_auth_key(b);
	b->prefs.want_running = true;
	save_prefs(b);
	schedule_session(b);
}

void tn_backend_logout(struct tn_backend *b)
{
	if (!b->control) {
		/* Not connected: log out with a control client of its own. */
		session_start(b);
		if (!b->control) {
			control_on_state(b, TN_CONTROL_LOGGED_OUT, NULL);
			return;
		}
	}
	tn_control_logout(b->control);
}

int tn_backend_reload(struct tn_backend *b, char *err, size_t errlen)
{
	struct tn_prefs next;
	int r = load_prefs(b, &next, err, errlen);

	if (r < 0)
		return r;
	replace_prefs(b, &next);
	return 0;
}

/* --- life cycle ------------------------------------------------------------------ */

static int load_or_create_keys(struct tn_backend *b, char *err, size_t errlen)
{
	int r = tn_store_load_keys(b->store, &b->keys, err, errlen);

	if (r != -ENOENT)
		return r; /* never a silent new identity: an administrator must look */
	if ((r = tn_key_generate_private(b->keys.machine)) < 0 ||
	    (r = tn_key_generate_private(b->keys.node)) < 0)
		return r;
	if ((r = tn_store_save_keys(b->store, &b->keys, err, errlen)) < 0)
		return r;
	tn_log_info("ipn", "new machine and node keys in %s", b->statedir);
	return 0;
}

struct tn_backend *tn_backend_new(struct tn_loop *loop, const struct tn_backend_options *o,
				  char *err, size_t errlen)
{
	struct tn_backend *b = calloc(1, sizeof(*b));

	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->loop = loop;
	b->port = o->port;
	if (!(b->statedir = strdup(o->statedir)) || !(b->tun_name = strdup(o->tun_name)) ||
	    (o->socks5_listen && !(b->socks5_listen = strdup(o->socks5_listen))) ||
	    (o->http_proxy_listen && !(b->http_proxy_listen = strdup(o->http_proxy_listen))) ||
	    (o->ca_file && !(b->ca_file = strdup(o->ca_file))) ||
	    !(b->restart_timer = tn_timer_new(loop, restart_from_loop, b))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (tn_store_open(&b->store, o->statedir, err, errlen) < 0 ||
	    load_or_create_keys(b, err, errlen) < 0 || load_prefs(b, &b->prefs, err, errlen) < 0)
		goto fail;
	b->last_state = tn_backend_state(b);
	if (b->prefs.want_running && registered(b))
		session_start(b);
	return b;
fail:
	tn_backend_free(b);
	return NULL;
}

void tn_backend_free(struct tn_backend *b)
{
	if (!b)
		return;
	session_stop(b);
	wipe_auth_key(b);
	tn_timer_free(b->restart_timer);
	tn_prefs_clear(&b->prefs);
	tn_store_keys_wipe(&b->keys);
	tn_store_free(b->store);
	free(b->statedir);
	free(b->tun_name);
	free(b->socks5_listen);
	free(b->http_proxy_listen);
	free(b->ca_file);
	free(b);
}

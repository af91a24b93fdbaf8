#include "daemon/control_mode.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/client.h"
#include "control/netmap.h"
#include "control/tailcfg.h"
#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "event/loop.h"
#include "ipn/engine.h"
#include "ipn/store.h"
#include "util/atomicfile.h"
#include "util/log.h"

#define AUTHKEY_FILE_MAX 4096

struct node {
	struct tn_loop *loop;
	struct tn_store *store;
	struct tn_store_keys keys;
	struct tn_control *control;
	struct tn_engine *engine;
	struct tn_timer *status_timer;
	struct tn_engine_stats last_stats;
	int home_derp;
	const char *backend_state;
	char auth_url[512];
	char error[512];
};

static const char *state_name(enum tn_control_state st)
{
	switch (st) {
	case TN_CONTROL_CONNECTING: return "Starting";
	case TN_CONTROL_NEEDS_LOGIN: return "NeedsLogin";
	case TN_CONTROL_RUNNING: return "Running";
	case TN_CONTROL_LOGGED_OUT: return "NeedsLogin";
	case TN_CONTROL_ERROR: return "NeedsLogin";
	}
	return "NoState";
}

static json_t *prefixes(const struct tn_tailcfg_prefix *p, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		char buf[TN_TAILCFG_ADDRPORT_MAX];

		tn_tailcfg_prefix_format(buf, &p[i]);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *node_json(struct node *nd, const struct tn_tailcfg_node *n)
{
	char key[TN_KEY_TEXT_MAX], disco[TN_KEY_TEXT_MAX];
	json_t *eps = json_array();

	tn_key_to_text(key, sizeof(key), TN_KEY_NODE_PUBLIC, n->key);
	tn_key_to_text(disco, sizeof(disco), TN_KEY_DISCO_PUBLIC, n->disco_key);
	for (size_t i = 0; i < n->n_endpoints; i++) {
		char buf[TN_TAILCFG_ADDRPORT_MAX];

		tn_tailcfg_addrport_format(buf, &n->endpoints[i]);
		json_array_append_new(eps, json_string(buf));
	}
	char path[80] = "";

	if (nd->engine)
		tn_engine_peer_path(nd->engine, n->key, path, sizeof(path));
	return json_pack("{sI ss ss ss ss so so si so so ss}", "ID", (json_int_t)n->id, "Name", n->name,
			 "HostName", n->hostname, "Key", key, "DiscoKey", disco,
			 "Addresses", prefixes(n->addresses, n->n_addresses),
			 "AllowedIPs", prefixes(n->allowed_ips, n->n_allowed_ips),
			 "HomeDERP", n->home_derp,
			 "Online", n->online == TN_TAILCFG_UNSET ? json_null()
				   : json_boolean(n->online == TN_TAILCFG_TRUE),
			 "Endpoints", eps, "Path", path);
}

static void write_status(struct node *nd)
{
	const struct tn_netmap *nm = nd->control ? tn_control_netmap(nd->control) : NULL;
	json_t *peers = json_array(), *st;
	char path[PATH_MAX];
	char *text;

	if (nm)
		for (size_t i = 0; i < nm->n_peers; i++)
			json_array_append_new(peers, node_json(nd, nm->peers[i]));
	st = json_pack("{ss ss ss so so si si}", "BackendState", nd->backend_state,
		       "AuthURL", nd->auth_url, "Error", nd->error,
		       "Self", nm && nm->self ? node_json(nd, nm->self) : json_null(),
		       "Peers", peers,
		       "Reconnects", nd->control ? (int)tn_control_reconnects(nd->control) : 0,
		       "HomeDERP", nd->home_derp);
	if (st && nd->engine) {
		struct tn_engine_stats es;

		tn_engine_stats(nd->engine, &es);
		json_object_set_new(st, "Engine",
				    json_pack("{sI sI sI sI sI sI sI sI sI sI sI}", "Peers", (json_int_t)es.peers,
					      "RxPackets", (json_int_t)es.rx_packets,
					      "TxPackets", (json_int_t)es.tx_packets,
					      "DERPSent", (json_int_t)es.derp_sent,
					      "DERPReceived", (json_int_t)es.derp_received,
					      "UDPSent", (json_int_t)es.udp_sent,
					      "UDPReceived", (json_int_t)es.udp_received,
					      "DiscoPings", (json_int_t)es.disco_pings,
					      "DiscoPingsSent", (json_int_t)es.disco_pings_sent,
					      "CallMeMaybe", (json_int_t)es.call_me_maybe,
					      "Drops", (json_int_t)es.drops));
	}
	text = st ? json_dumps(st, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(st);
	if (!text)
		return;
	snprintf(path, sizeof(path), "%s/status.json", tn_store_dir(nd->store));
	if (tn_atomicfile_write(path, text, strlen(text)) < 0)
		tn_log_warn("tailnetd", "cannot write %s", path);
	free(text);
}

static void on_state(void *arg, enum tn_control_state st, const char *detail)
{
	struct node *nd = arg;

	nd->backend_state = state_name(st);
	if (st == TN_CONTROL_NEEDS_LOGIN)
		snprintf(nd->auth_url, sizeof(nd->auth_url), "%s", detail ? detail : "");
	if (st == TN_CONTROL_RUNNING)
		nd->auth_url[0] = nd->error[0] = '\0';
	if (st == TN_CONTROL_ERROR)
		snprintf(nd->error, sizeof(nd->error), "%s", detail ? detail : "refused");
	tn_log_info("tailnetd", "state %s%s%s", nd->backend_state, detail ? ": " : "",
		    detail ? detail : "");
	write_status(nd);
}

/* Peers reach us through our home region and our UDP endpoints: tell the
 * control server (a lite map update). */
static void announce_endpoints(void *arg)
{
	struct node *nd = arg;
	struct tn_tailcfg_addrport eps[16];
	enum tn_tailcfg_endpoint_type types[16];
	size_t n = tn_engine_endpoints(nd->engine, eps, types, 16);

	tn_control_set_endpoints(nd->control, eps, types, n, (uint16_t)nd->home_derp);
}

static void on_netmap(void *arg, const struct tn_netmap *nm, const struct tn_netmap_changes *ch)
{
	struct node *nd = arg;

	int home;

	tn_log_info("tailnetd", "netmap: %zu peers%s", nm->n_peers, ch->peers_full ? " (full)" : "");
	home = tn_engine_apply(nd->engine, nm);
	if (home != nd->home_derp) {
		nd->home_derp = home;
		announce_endpoints(nd);
	}
	write_status(nd);
}

static void on_node_key(void *arg, const uint8_t node_priv[32], const uint8_t old_node_priv[32])
{
	struct node *nd = arg;
	char err[TN_STORE_ERROR_MAX];

	memcpy(nd->keys.node, node_priv, 32);
	memcpy(nd->keys.old_node, old_node_priv, 32);
	tn_engine_set_node_key(nd->engine, node_priv);
	nd->keys.has_old_node = true;
	if (tn_store_save_keys(nd->store, &nd->keys, err, sizeof(err)) < 0)
		tn_log_err("tailnetd", "saving the new node key: %s", err);
}

/* Counters move without netmap changes: refresh status.json when they do. */
#define STATUS_REFRESH_NS (1000 * 1000000ULL)

static void refresh_status(struct tn_timer *t, void *arg)
{
	struct node *nd = arg;
	struct tn_engine_stats es;

	tn_engine_stats(nd->engine, &es);
	if (memcmp(&es, &nd->last_stats, sizeof(es))) {
		nd->last_stats = es;
		write_status(nd);
	}
}

static void on_stop(struct tn_loop *loop, int signo, void *arg)
{
	tn_log_info("tailnetd", "%s: shutting down", strsignal(signo));
	tn_loop_stop(loop);
}

static void on_logout(struct tn_loop *loop, int signo, void *arg)
{
	struct node *nd = arg;

	tn_log_info("tailnetd", "logging out");
	tn_control_logout(nd->control);
}

/* The auth key from the flag, or from the file a "file:" flag names. */
static char *read_authkey(const char *flag)
{
	char *text = NULL;
	size_t len = 0;

	if (strncmp(flag, "file:", 5))
		return strdup(flag);
	if (tn_atomicfile_read_alloc(flag + 5, AUTHKEY_FILE_MAX, &text, &len, NULL) < 0) {
		fprintf(stderr, "tailnetd: --authkey: cannot read %s\n", flag + 5);
		return NULL;
	}
	text[strcspn(text, "\r\n")] = '\0';
	return text;
}

static int load_or_create_keys(struct node *nd)
{
	char err[TN_STORE_ERROR_MAX];
	int r = tn_store_load_keys(nd->store, &nd->keys, err, sizeof(err));

	if (r == 0)
		return 0;
	if (r != -ENOENT) {
		/* Never a silent new identity: an administrator must look. */
		fprintf(stderr, "tailnetd: %s\n", err);
		return r;
	}
	if ((r = tn_key_generate_private(nd->keys.machine)) < 0 ||
	    (r = tn_key_generate_private(nd->keys.node)) < 0)
		return r;
	if ((r = tn_store_save_keys(nd->store, &nd->keys, err, sizeof(err))) < 0) {
		fprintf(stderr, "tailnetd: %s\n", err);
		return r;
	}
	tn_log_info("tailnetd", "new machine and node keys in %s", tn_store_dir(nd->store));
	return 0;
}

int tn_control_mode_run(const struct tn_control_mode_opts *o)
{
	struct node nd = { .backend_state = "NoState" };
	struct tn_control_options co = { 0 };
	static const struct tn_control_callbacks cbs = { on_state, on_netmap, on_node_key };
	char err[TN_STORE_ERROR_MAX], host[256], *authkey = NULL;
	uint8_t disco_priv[32];
	int rc = 1;

	if (tn_store_open(&nd.store, o->statedir, err, sizeof(err)) < 0) {
		fprintf(stderr, "tailnetd: %s\n", err);
		return 1;
	}
	if (load_or_create_keys(&nd) < 0)
		goto out;
	if (o->authkey && !(authkey = read_authkey(o->authkey)))
		goto out;
	if (!o->hostname) {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "tailnetd");
		host[sizeof(host) - 1] = '\0';
	}
	/* A new disco key every start, as Go does. */
	if (tn_key_generate_private(disco_priv) < 0 ||
	    tn_key_public_from_private(co.disco_pub, disco_priv) < 0)
		goto out;
	co.server_url = o->login_server;
	co.ca_file = o->ca_file;
	co.hostname = o->hostname ? o->hostname : host;
	co.auth_key = authkey;
	memcpy(co.machine_priv, nd.keys.machine, 32);
	memcpy(co.node_priv, nd.keys.node, 32);

	if (!(nd.loop = tn_loop_new()))
		goto out;
	nd.engine = tn_engine_new(nd.loop,
				  &(struct tn_engine_options){ .node_priv = nd.keys.node,
							       .disco_priv = disco_priv,
							       .tun_name = o->tun,
							       .udp_port = (uint16_t)o->port,
							       .socks5_listen = o->socks5_listen,
							       .http_proxy_listen = o->http_proxy_listen },
				  err, sizeof(err));
	tn_crypto_wipe(disco_priv, sizeof(disco_priv));
	if (!nd.engine) {
		fprintf(stderr, "tailnetd: %s\n", err);
		goto out;
	}
	nd.control = tn_control_new(nd.loop, &co, &cbs, &nd);
	if (nd.control)
		tn_engine_on_endpoints(nd.engine, announce_endpoints, &nd);
	tn_crypto_wipe(&co, sizeof(co));
	if (!nd.control) {
		fprintf(stderr, "tailnetd: --login-server: %s is not an http:// or https:// URL\n",
			o->login_server);
		goto out;
	}
	if (tn_loop_add_signal(nd.loop, SIGINT, on_stop, &nd) < 0 ||
	    tn_loop_add_signal(nd.loop, SIGTERM, on_stop, &nd) < 0 ||
	    tn_loop_add_signal(nd.loop, SIGUSR2, on_logout, &nd) < 0)
		goto out;
	nd.backend_state = "Starting";
	write_status(&nd);
	if ((nd.status_timer = tn_timer_new(nd.loop, refresh_status, &nd)))
		tn_timer_arm(nd.status_timer, STATUS_REFRESH_NS, STATUS_REFRESH_NS);
	tn_control_start(nd.control);
	rc = tn_loop_run(nd.loop) < 0 ? 1 : 0;
out:
	if (authkey) {
		tn_crypto_wipe(authkey, strlen(authkey));
		free(authkey);
	}
	tn_timer_free(nd.status_timer);
	tn_control_free(nd.control);
	tn_engine_free(nd.engine);
	tn_loop_free(nd.loop);
	tn_store_keys_wipe(&nd.keys);
	tn_store_free(nd.store);
	return rc;
}

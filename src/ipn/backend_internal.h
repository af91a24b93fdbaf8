/* The backend's fields, shared by backend.c (state machine, prefs,
 * sessions) and status.c (status, whois, ping, metrics).  Not for other
 * modules. */
#ifndef TN_IPN_BACKEND_INTERNAL_H
#define TN_IPN_BACKEND_INTERNAL_H

#include "control/client.h"
#include "control/netmap.h"
#include "ipn/backend.h"
#include "ipn/engine.h"
#include "ipn/store.h"

#define TN_BACKEND_WATCHERS_MAX 64

struct tn_backend_watcher {
	int id;                     /* 0: free */
	unsigned mask;
	tn_backend_notify_fn fn;
	void *arg;
};

/* A LocalAPI ping waiting for its pong (status.c). */
#define TN_BACKEND_PINGS_MAX 32
struct tn_backend_ping {
	struct tn_backend *b;       /* NULL: free slot */
	int handle;                 /* the engine's */
	bool icmp;
	tn_backend_ping_fn done;
	void *arg;
	char ip[64], node_ip[64], node_name[256];
};

struct tn_backend {
	struct tn_loop *loop;
	char *statedir, *tun_name, *socks5_listen, *http_proxy_listen, *ca_file;
	uint16_t port;
	struct tn_store *store;
	struct tn_store_keys keys;
	struct tn_prefs prefs;

	/* The session: both exist while we are logging in or running. */
	struct tn_control *control;
	struct tn_engine *engine;
	char *auth_key;             /* until handed to a control client */
	enum tn_control_state cstate;
	bool have_netmap;
	bool machine_authorized;
	int home_derp;
	char auth_url[1024];
	char err_msg[512];
	struct tn_timer *restart_timer;  /* restarts a session from the loop */

	enum tn_ipn_state last_state;
	bool last_addresses_up;
	void (*on_state)(void *arg, enum tn_ipn_state st, bool addresses_up);
	void *on_state_arg;
	struct tn_backend_watcher watchers[TN_BACKEND_WATCHERS_MAX];
	struct tn_backend_ping pings[TN_BACKEND_PINGS_MAX];
	int next_watch_id;
};

/* Sends a Notify built from obj (stolen) to watchers whose mask wants it
 * (need_mask 0: all). */
void tn_backend_notify(struct tn_backend *b, json_t *obj);

#endif

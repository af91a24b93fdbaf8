/* The IPN backend: the node as the user sees it.  It owns the state store
 * (keys), the prefs, the control client and the engine, and turns prefs
 * plus what control says into the IPN state (NoState, NeedsLogin,
 * NeedsMachineAuth, Starting, Running, Stopped), which is derived every
 * time from the live pieces and never stored.
 *
 *   start(options)        prefs from the caller, an auth key; log in, run
 *   edit_prefs(masked)    change prefs; want-running starts or stops
 *   login_interactive     a new interactive login (AuthURL on the bus)
 *   logout                control logout; a new node key next time
 *
 * Watchers (watch-ipn-bus) get ipn.Notify JSON objects: State, Prefs,
 * BrowseToURL, ErrMessage, LoginFinished.  Prefs are saved (atomically)
 * on every change; keys when they change.
 *
 * Event-loop thread only.
 */
#ifndef TN_IPN_BACKEND_H
#define TN_IPN_BACKEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event/loop.h"
#include "ipn/prefs.h"

/* ipn.State, numbered as Go's. */
enum tn_ipn_state {
	TN_IPN_NO_STATE = 0,
	TN_IPN_IN_USE_OTHER_USER = 1,
	TN_IPN_NEEDS_LOGIN = 2,
	TN_IPN_NEEDS_MACHINE_AUTH = 3,
	TN_IPN_STOPPED = 4,
	TN_IPN_STARTING = 5,
	TN_IPN_RUNNING = 6,
};
const char *tn_ipn_state_name(enum tn_ipn_state s);

/* Go's ipn.NotifyWatchOpt bits we honour. */
#define TN_NOTIFY_INITIAL_STATE 2u
#define TN_NOTIFY_INITIAL_PREFS 4u

struct tn_backend_options {
	const char *statedir;
	const char *tun_name;            /* or TN_ENGINE_USERSPACE */
	uint16_t port;
	const char *socks5_listen;
	const char *http_proxy_listen;
	const char *ca_file;             /* extra trust anchors for control */
};

struct tn_backend;

/* Opens the state directory, loads keys and prefs (a malformed file is an
 * error naming it: nothing is replaced), and, if the prefs want it and we
 * are logged in, starts running.  NULL with err set. */
struct tn_backend *tn_backend_new(struct tn_loop *loop, const struct tn_backend_options *o,
				  char *err, size_t errlen);
void tn_backend_free(struct tn_backend *b);

enum tn_ipn_state tn_backend_state(const struct tn_backend *b);
const struct tn_prefs *tn_backend_prefs(const struct tn_backend *b);
/* Whether uid may write (root and our own user are checked by the
 * LocalAPI): the operator pref names it. */
bool tn_backend_is_operator(const struct tn_backend *b, uid_t uid);

/* POST start: ipn.Options JSON ({"AuthKey": ..., "UpdatePrefs": {...}}).
 * 0 or -EINVAL with err. */
int tn_backend_start(struct tn_backend *b, const json_t *options, char *err, size_t errlen);
/* PATCH prefs: a MaskedPrefs.  0 or -EINVAL with err. */
int tn_backend_edit_prefs(struct tn_backend *b, const json_t *masked, char *err, size_t errlen);
void tn_backend_login_interactive(struct tn_backend *b);
void tn_backend_logout(struct tn_backend *b);
/* SIGHUP: re-read the prefs file (an edit by hand) and apply it. */
int tn_backend_reload(struct tn_backend *b, char *err, size_t errlen);

/* The ipnstate.Status JSON; peers false leaves Peer out. */
json_t *tn_backend_status(struct tn_backend *b, bool peers);
/* apitype.WhoIsResponse for the node with this tailnet IP (text), or NULL. */
json_t *tn_backend_whois(struct tn_backend *b, const char *ip);

/* A ping of the node with this tailnet IP.  done gets an
 * ipnstate.PingResult JSON (reference passed) exactly once, unless
 * cancelled.  Returns a handle > 0, or a negative errno with err set
 * (no such peer, not running, unsupported type). */
typedef void (*tn_backend_ping_fn)(void *arg, json_t *result);
int tn_backend_ping(struct tn_backend *b, const char *ip, const char *type,
		    tn_backend_ping_fn done, void *arg, char *err, size_t errlen);
void tn_backend_ping_cancel(struct tn_backend *b, int handle);

/* Watchers: fn gets each Notify as one JSON line.  Returns an id. */
typedef void (*tn_backend_notify_fn)(void *arg, const char *line, size_t len);
int tn_backend_watch(struct tn_backend *b, unsigned mask, tn_backend_notify_fn fn, void *arg);
void tn_backend_unwatch(struct tn_backend *b, int id);

/* Runs fn whenever the state changes (sd_notify readiness). */
void tn_backend_on_state(struct tn_backend *b, void (*fn)(void *arg, enum tn_ipn_state st,
							  bool addresses_up), void *arg);

/* The DERP map as tailcfg.DERPMap JSON, or NULL before a netmap has one. */
json_t *tn_backend_derpmap(struct tn_backend *b);
/* The last netcheck report as netcheck.Report JSON, or NULL before one. */
json_t *tn_backend_netcheck(struct tn_backend *b);

/* Prometheus text of the counters. */
char *tn_backend_metrics(struct tn_backend *b);

#endif

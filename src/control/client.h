/* The control client: joins a tailnet through a control server (headscale
 * or Tailscale's) and keeps the netmap current (protocol.md §2-4).
 *
 *   GET /key?v=CAP            the server's Noise key (plain HTTP or TLS)
 *   POST /ts2021 (upgrade)    Noise IK, then HTTP/2 over the records
 *   /machine/register         pre-auth key, interactive (AuthURL, Followup
 *                             long-poll), logout, node-key rotation
 *   /machine/map              the streaming netmap; lite updates
 *
 * Every failure of the connection leads to a reconnect with backoff
 * (n^2 * 10 ms, at most 30 s, +-50% jitter); nothing heard on the map
 * stream for 120 s is a failure (the watchdog).  Registration errors from
 * the server (a wrong auth key, say) are reported and not retried.
 *
 * Ownership: the caller owns the client and the keys it passes (copied);
 * the netmap belongs to the client and is lent to the callbacks.  The
 * caller persists keys: on_node_key tells when the node key changed.
 * Event-loop thread only.
 */
#ifndef TN_CONTROL_CLIENT_H
#define TN_CONTROL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "control/tailcfg.h"
#include "event/loop.h"

struct tn_netmap;
struct tn_netmap_changes;

/* One capability version for everything: the Noise header and prologue,
 * /key?v=, RegisterRequest and MapRequest.  headscale v0.29 needs >= 113;
 * below 121 Go peers do not try peer relays with us (protocol.md §2.7). */
#define TN_CAPABILITY_VERSION 116

#define TN_CONTROL_WATCHDOG_NS (120 * 1000000000ULL)
#define TN_CONTROL_BACKOFF_MAX_NS (30 * 1000000000ULL)

enum tn_control_state {
	TN_CONTROL_CONNECTING,    /* dialing, handshaking, registering */
	TN_CONTROL_NEEDS_LOGIN,   /* interactive: detail is the AuthURL */
	TN_CONTROL_RUNNING,       /* registered; map stream open */
	TN_CONTROL_LOGGED_OUT,    /* after tn_control_logout */
	TN_CONTROL_ERROR,         /* the server refused us: detail says why */
};

struct tn_control_callbacks {
	void (*on_state)(void *arg, enum tn_control_state st, const char *detail);
	/* The netmap changed (the first full map included). */
	void (*on_netmap)(void *arg, const struct tn_netmap *nm,
			  const struct tn_netmap_changes *changes);
	/* A new node key is in use (rotation after expiry): persist it. */
	void (*on_node_key)(void *arg, const uint8_t node_priv[32], const uint8_t old_node_priv[32]);
};

struct tn_control_options {
	const char *server_url;   /* http://host[:port] or https://host[:port] */
	const char *ca_file;      /* extra trust anchors for https, or NULL */
	const char *hostname;
	const char *auth_key;     /* NULL: interactive login */
	bool ephemeral;
	uint8_t machine_priv[32];
	uint8_t node_priv[32];
	uint8_t disco_pub[32];    /* must be non-zero (protocol.md §7.5) */
	uint16_t preferred_derp;  /* home DERP region, 0 if not known yet */
};

struct tn_control;

/* Copies opts (the auth key is wiped when no longer needed). */
struct tn_control *tn_control_new(struct tn_loop *loop, const struct tn_control_options *opts,
				  const struct tn_control_callbacks *cbs, void *arg);
void tn_control_free(struct tn_control *c);

/* Starts (or restarts) connecting and logging in. */
void tn_control_start(struct tn_control *c);

/* Sends a lite map update with new UDP endpoints and home DERP. */
void tn_control_set_endpoints(struct tn_control *c, const struct tn_tailcfg_addrport *endpoints,
			      const enum tn_tailcfg_endpoint_type *types, size_t n,
			      uint16_t preferred_derp);

/* Logs the node out (Expiry in the past); state becomes LOGGED_OUT. */
void tn_control_logout(struct tn_control *c);

enum tn_control_state tn_control_state(const struct tn_control *c);
const struct tn_netmap *tn_control_netmap(const struct tn_control *c);
/* Counters for tests and status. */
unsigned tn_control_reconnects(const struct tn_control *c);

#endif

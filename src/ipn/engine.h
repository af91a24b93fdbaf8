/* The engine: a TUN device, the WireGuard device and magicsock, configured
 * as a whole from the netmap (self addresses, peers with their keys,
 * AllowedIPs and home DERP, the DERP map).  Each netmap change is applied
 * by reconciling: peers no longer in the netmap are removed, new ones
 * added, the rest updated in place — sessions survive.
 *
 * The engine owns its TUN, device and magicsock; the netmap is borrowed
 * for the duration of tn_engine_apply only (the engine keeps a copy of the
 * DERP map: a netmap may go while the engine runs on).
 * Event-loop thread only.
 */
#ifndef TN_IPN_ENGINE_H
#define TN_IPN_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/netmap.h"
#include "event/loop.h"
#include "magicsock/magicsock.h"

struct tn_engine;

/* What the engine is built with.  Strings are borrowed for the call. */
struct tn_engine_options {
	const uint8_t *node_priv;      /* 32 bytes */
	const uint8_t *disco_priv;     /* 32 bytes */
	const char *tun_name;          /* a TUN interface name, or
					* TN_ENGINE_USERSPACE for the netstack */
	uint16_t udp_port;             /* 0: any */
	const char *socks5_listen;     /* "addr:port" or NULL (userspace) */
	const char *http_proxy_listen; /* "addr:port" or NULL (userspace) */
};

#define TN_ENGINE_USERSPACE "userspace-networking"

/* Opens the TUN (or the userspace stack), the devices and the UDP socket.
 * NULL with err set. */
struct tn_engine *tn_engine_new(struct tn_loop *loop, const struct tn_engine_options *opts,
				char *err, size_t errlen);

/* Our UDP endpoints and their kinds, for the control server; returns how
 * many. */
size_t tn_engine_endpoints(struct tn_engine *e, struct tn_tailcfg_addrport *out,
			   enum tn_tailcfg_endpoint_type *types, size_t max);
/* fn runs when the endpoints change (a new STUN result). */
void tn_engine_on_endpoints(struct tn_engine *e, void (*fn)(void *arg), void *arg);

void tn_engine_free(struct tn_engine *e);

/* What status output shows of one peer. */
struct tn_engine_peer_info {
	bool in_engine;                  /* a WireGuard peer of ours */
	struct tn_tailcfg_addrport cur_addr; /* trusted direct path, family 0: none */
	int derp_region;                 /* its home region (0: none) */
	const char *derp_code;           /* that region's code ("" if unknown) */
	uint64_t rx_bytes, tx_bytes;
	uint64_t last_handshake;         /* wall-clock ns, 0: never */
};
void tn_engine_peer_info(struct tn_engine *e, const uint8_t node_key[32],
			 struct tn_engine_peer_info *out);

/* A disco ping to the peer with this node key (magicsock.h): fn runs with
 * the first pong.  Returns a handle for tn_engine_ping_cancel, -ENOENT for
 * no such peer, or magicsock's errors. */
int tn_engine_ping(struct tn_engine *e, const uint8_t node_key[32],
		   void (*fn)(void *arg, const struct tn_magicsock_pong *pong), void *arg);
void tn_engine_ping_cancel(struct tn_engine *e, int handle);
/* An ICMP echo from our tailnet address of that family to dst through the
 * tunnel; fn gets the round-trip time when the reply comes (which then
 * does not reach the host).  A handle, -EADDRNOTAVAIL (no address of that
 * family yet) or -EBUSY. */
#define TN_ENGINE_ICMP_PINGS_MAX 16
int tn_engine_ping_icmp(struct tn_engine *e, int family, const uint8_t *dst,
			void (*fn)(void *arg, uint64_t latency_ns), void *arg);
void tn_engine_ping_icmp_cancel(struct tn_engine *e, int handle);
const char *tn_engine_region_code(struct tn_engine *e, int region);
/* The home DERP region now (netcheck may move it between netmaps). */
int tn_engine_home_derp(const struct tn_engine *e);
const struct tn_netcheck_report *tn_engine_netcheck(const struct tn_engine *e);
/* The disco public key this engine's magicsock uses. */
void tn_engine_disco_public(const struct tn_engine *e, uint8_t out[32]);
/* Our tailnet addresses are on the interface (or in the netstack). */
bool tn_engine_has_addresses(const struct tn_engine *e);

/* Applies the netmap.  Returns the home DERP region (0: none yet). */
int tn_engine_apply(struct tn_engine *e, const struct tn_netmap *nm);

/* Shields up: the packet filter lets no new inbound flow in, whatever
 * the rules; replies to our own connections still pass. */
void tn_engine_set_shields_up(struct tn_engine *e, bool on);
/* Accept-routes: peers' subnet routes go into WireGuard and onto the TUN.
 * Takes effect at the next tn_engine_apply. */
void tn_engine_set_accept_routes(struct tn_engine *e, bool on);

/* The accept-dns preference (Go's CorpDNS; off until set): MagicDNS then
 * forwards what is not ours along the netmap's routes, and in TUN mode
 * the host's DNS points at 100.100.100.100 once the netmap's DNS config
 * asks for it (resolv.conf or systemd-resolved, src/dns/osconfig.h); off
 * again, or tn_engine_free, puts the host's own settings back.
 * 0 or a negative errno (logged). */
int tn_engine_set_accept_dns(struct tn_engine *e, bool accept_dns);

/* The node key changed (rotation): sessions restart under the new key. */
int tn_engine_set_node_key(struct tn_engine *e, const uint8_t node_priv[32]);

/* Counters for status output. */
struct tn_engine_stats {
	size_t peers;
	uint64_t rx_packets, tx_packets, derp_sent, derp_received, udp_sent, udp_received, drops;
	uint64_t disco_pings, disco_pings_sent, call_me_maybe;
	uint64_t filter_in_drops;   /* from peers, refused by the packet filter */
	uint64_t filter_out_drops;  /* to peers: malformed, multicast, link-local */
};
void tn_engine_stats(const struct tn_engine *e, struct tn_engine_stats *out);

#endif

/* magicsock: the path layer between the WireGuard device and the network
 * for tailnet peers.  It implements struct tn_wg_path_ops: a sealed
 * datagram for a peer leaves on the peer's best path; datagrams from every
 * path go into the device.
 *
 * Paths: DERP — each peer is reached through its home DERP region, and we
 * are reachable through ours (announced to the control server as
 * Hostinfo.NetInfo.PreferredDERP); and direct UDP on one socket shared
 * with disco.  We answer disco pings (over UDP and DERP) with pongs, so a
 * Go peer finds our UDP endpoints (announced as Endpoints) and sends
 * WireGuard there; a peer whose authenticated WireGuard arrived over UDP
 * within TN_MAGICSOCK_DIRECT_TRUST_NS is sent to directly, else over DERP.
 *
 * A packet arriving over DERP is handed to the device without an address:
 * the device finds its session by receiver index (data, responses) or by
 * the initiator's static key (initiations), so a relay cannot make one
 * peer's packets count as another's.  Disco packets are recognised by
 * their magic and set aside.
 *
 * Ownership: the caller owns the magicsock and the device; create the
 * magicsock, then the device with tn_magicsock_path_ops and the magicsock
 * as its path context, then tn_magicsock_set_device.  Event-loop thread.
 */
#ifndef TN_MAGICSOCK_MAGICSOCK_H
#define TN_MAGICSOCK_MAGICSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "control/tailcfg.h"
#include "magicsock/netcheck.h"
#include "event/loop.h"
#include "wg/device.h"

struct tn_magicsock;

/* How long a direct path stays in use after the last authenticated
 * packet on it (Go's trustUDPAddrDuration is 6.5 s). */
#define TN_MAGICSOCK_DIRECT_TRUST_NS (6500 * 1000000ULL)
#define TN_MAGICSOCK_DEFAULT_PORT 41641
#define TN_MAGICSOCK_MAX_ENDPOINTS 16

struct tn_magicsock_stats {
	uint64_t derp_sent, derp_received, derp_send_drops, disco_ignored, no_path;
	uint64_t udp_sent, udp_received, disco_pings, disco_pongs_sent, disco_bad;
	uint64_t call_me_maybe, disco_pings_sent, stun_sent, stun_received, disco_pongs_received;
};

extern const struct tn_wg_path_ops tn_magicsock_path_ops;


/* Called when our UDP endpoints or our home region change (netcheck). */
typedef void (*tn_magicsock_endpoints_fn)(void *arg);

/* Opens the UDP socket on port (0: any) and starts listening.  NULL with
 * errno set. */
struct tn_magicsock *tn_magicsock_new(struct tn_loop *loop, const uint8_t node_priv[32],
				      const uint8_t disco_priv[32], uint16_t port);
void tn_magicsock_free(struct tn_magicsock *ms);
void tn_magicsock_disco_public(const struct tn_magicsock *ms, uint8_t out[32]);
void tn_magicsock_set_device(struct tn_magicsock *ms, struct tn_wg_device *dev);
void tn_magicsock_on_endpoints(struct tn_magicsock *ms, tn_magicsock_endpoints_fn fn, void *arg);

/* Batches: begin/end run around each batch of received datagrams (the TUN
 * pump joins what it delivers in between); datagrams sent inside a batch,
 * or between tn_magicsock_batch_begin/end (a batch of TUN reads), leave
 * together with UDP GSO at its end. */
void tn_magicsock_set_rx_batch_hooks(struct tn_magicsock *ms, void (*begin)(void *),
				     void (*end)(void *), void *arg);
void tn_magicsock_batch_begin(struct tn_magicsock *ms);
void tn_magicsock_batch_end(struct tn_magicsock *ms);

/* A new DERP map (borrowed: it must stay valid until the next call, as the
 * netmap's does): connections to regions no longer in it close; the home
 * region is chosen (the lowest-numbered region with a DERP node until
 * netcheck measures latency) and returned (0 if the map has none). */
int tn_magicsock_set_derp_map(struct tn_magicsock *ms, const struct tn_tailcfg_derp_map *dm);
int tn_magicsock_home_derp(const struct tn_magicsock *ms);

/* Where to reach peer (a device peer): its home region and disco key.
 * Call again when they change; tn_magicsock_forget_peer before removing
 * it. */
int tn_magicsock_set_peer(struct tn_magicsock *ms, struct tn_wg_peer *peer, int home_derp,
			  const uint8_t disco_pub[32], const struct tn_tailcfg_addrport *endpoints,
			  size_t n_endpoints);

/* While a peer is reached over DERP, its endpoints are pinged and it is
 * sent a CallMeMaybe this often (Go: discoPingInterval 5 s). */
#define TN_MAGICSOCK_PROBE_INTERVAL_NS (5 * 1000000000ULL)

/* While we send on a direct path it is pinged this often, and a pong
 * keeps it trusted (Go: heartbeatInterval 3 s). */
#define TN_MAGICSOCK_HEARTBEAT_NS (3 * 1000000000ULL)

/* A DERP connection to a region other than home closes after this long
 * without a packet either way (Go: derpInactiveCleanupTime); checked every
 * TN_MAGICSOCK_REGION_SWEEP_NS. */
#define TN_MAGICSOCK_REGION_IDLE_NS (60 * 1000000000ULL)
#define TN_MAGICSOCK_REGION_SWEEP_NS (15 * 1000000000ULL)

/* Our UDP endpoints for the control server: the STUN-mapped address (if
 * known) first, then local interface addresses with our port (tailnet
 * ranges and link-local left out).  types gets each one's kind.  Returns
 * how many were written. */
size_t tn_magicsock_endpoints(struct tn_magicsock *ms, struct tn_tailcfg_addrport *out,
			      enum tn_tailcfg_endpoint_type *types, size_t max);

/* The path to peer now: *direct (family 0 if none trusted now) and the
 * peer's home region (0 if none). */
void tn_magicsock_peer_route(struct tn_magicsock *ms, struct tn_wg_peer *peer,
			     struct tn_tailcfg_addrport *direct, int *derp_region);
void tn_magicsock_forget_peer(struct tn_magicsock *ms, struct tn_wg_peer *peer);
/* The code of DERP region id ("" if unknown; borrowed from the map). */
const char *tn_magicsock_region_code(const struct tn_magicsock *ms, int id);

const struct tn_magicsock_stats *tn_magicsock_stats(const struct tn_magicsock *ms);
/* The last netcheck report (netcheck.h), or NULL before the first. */
const struct tn_netcheck_report *tn_magicsock_netcheck(const struct tn_magicsock *ms);

/* A user's ping (tnet ping, LocalAPI /ping type disco): one disco ping on
 * every path to the peer — each endpoint over UDP and its home region over
 * DERP — and the first pong answers.  fn runs at most once, from the loop;
 * after tn_magicsock_ping_cancel (or the peer is forgotten) never. */
struct tn_magicsock_pong {
	uint64_t latency_ns;
	bool direct;                          /* the pong came over UDP */
	struct tn_tailcfg_addrport endpoint;  /* its source, when direct */
	int derp_region;                      /* its region, over DERP */
};
typedef void (*tn_magicsock_ping_fn)(void *arg, const struct tn_magicsock_pong *pong);
#define TN_MAGICSOCK_USER_PINGS_MAX 32
/* Returns a handle (> 0), -ENOKEY if the peer has no disco key, -EBUSY if
 * too many pings are in flight. */
int tn_magicsock_ping(struct tn_magicsock *ms, struct tn_wg_peer *peer, tn_magicsock_ping_fn fn,
		      void *arg);
void tn_magicsock_ping_cancel(struct tn_magicsock *ms, int handle);

#endif

/* magicsock: the path layer between the WireGuard device and the network
 * for tailnet peers.  It implements struct tn_wg_path_ops: a sealed
 * datagram for a peer leaves on the peer's best path; datagrams from every
 * path go into the device.
 *
 * Paths today: DERP — each peer is reached through its home DERP region,
 * and we are reachable through ours (the home region is announced to the
 * control server as Hostinfo.NetInfo.PreferredDERP).  Direct UDP paths
 * found with disco come next, behind the same interface.
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
#include "event/loop.h"
#include "wg/device.h"

struct tn_magicsock;

struct tn_magicsock_stats {
	uint64_t derp_sent, derp_received, derp_send_drops, disco_ignored, no_path;
};

extern const struct tn_wg_path_ops tn_magicsock_path_ops;

struct tn_magicsock *tn_magicsock_new(struct tn_loop *loop, const uint8_t node_priv[32]);
void tn_magicsock_free(struct tn_magicsock *ms);
void tn_magicsock_set_device(struct tn_magicsock *ms, struct tn_wg_device *dev);

/* A new DERP map (borrowed: it must stay valid until the next call, as the
 * netmap's does): connections to regions no longer in it close; the home
 * region is chosen (the lowest-numbered region with a DERP node until
 * netcheck measures latency) and returned (0 if the map has none). */
int tn_magicsock_set_derp_map(struct tn_magicsock *ms, const struct tn_tailcfg_derp_map *dm);
int tn_magicsock_home_derp(const struct tn_magicsock *ms);

/* Where to reach peer (a device peer): its node key and home region.  Call
 * again when they change; tn_magicsock_forget_peer before removing it. */
int tn_magicsock_set_peer(struct tn_magicsock *ms, struct tn_wg_peer *peer, int home_derp);
void tn_magicsock_forget_peer(struct tn_magicsock *ms, struct tn_wg_peer *peer);

const struct tn_magicsock_stats *tn_magicsock_stats(const struct tn_magicsock *ms);

#endif

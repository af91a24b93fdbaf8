/* The WireGuard device: one static key, its peers, and the packet paths
 * between a packet source/sink (TUN, netstack) and a path layer that moves
 * WireGuard datagrams (a plain UDP socket now, magicsock later).
 *
 *   outbound:  tn_wg_device_send(IP packet) -> allowedips -> peer -> seal
 *              -> path->send(peer, datagram)
 *   inbound:   tn_wg_device_receive(datagram, source) -> handshake or open
 *              -> allowedips source check -> deliver(IP packet)
 *
 * The device never touches sockets: the path layer owns them and picks the
 * destination for a peer (tn_wg_peer_endpoint is the last authenticated
 * source, or the configured endpoint, for paths that want it).
 *
 * Ownership: the device owns its peers (freed with it or with
 * tn_wg_peer_remove).  Buffers passed in are borrowed for the call.
 * Threads: every function runs on the thread of the device's event loop.
 */
#ifndef TN_WG_DEVICE_H
#define TN_WG_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "event/loop.h"
#include "wg/messages.h"

struct tn_wg_device;
struct tn_wg_peer;

/* A source or destination for WireGuard datagrams: a UDP address.  An
 * empty one (len 0) means the path layer knows the way (e.g. DERP). */
struct tn_wg_endpoint {
	struct sockaddr_storage addr;
	socklen_t len;
	/* tn_clock_now() of the last authenticated packet from it; 0 for an
	 * endpoint that was configured rather than heard from. */
	uint64_t seen;
};

struct tn_wg_path_ops {
	/* Sends one WireGuard datagram to peer; buf is borrowed for the call.
	 * Returns 0 or a negative errno (counted, not fatal). */
	int (*send)(void *ctx, struct tn_wg_peer *peer, const uint8_t *buf, size_t len);
	/* Sends a datagram back to the source of a received one (cookie
	 * replies, which go to no peer in particular). */
	int (*reply)(void *ctx, const struct tn_wg_endpoint *to, const uint8_t *buf, size_t len);
};

/* Receives a decrypted IP packet that passed the source check; pkt is
 * borrowed for the call (the callee may modify it in place). */
typedef void (*tn_wg_deliver_fn)(void *ctx, struct tn_wg_peer *peer, uint8_t *pkt, size_t len);

/* Counters of what the device did and dropped; all monotonic. */
struct tn_wg_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t handshakes_sent, handshakes_received, cookies_sent, cookies_received;
	uint64_t drop_malformed;     /* wrong size or type, bad IP header */
	uint64_t drop_mac;           /* handshake mac1 wrong */
	uint64_t drop_handshake;     /* does not decrypt, unknown peer, replay, flood */
	uint64_t drop_ratelimit;     /* under load and over the source's rate */
	uint64_t drop_unknown_index; /* receiver index matches no session */
	uint64_t drop_auth;          /* transport data failed to authenticate */
	uint64_t drop_replay;        /* counter replayed or outside the window */
	uint64_t drop_expired;       /* keypair too old or used up */
	uint64_t drop_source;        /* inner source address not in AllowedIPs */
	uint64_t drop_no_peer;       /* outbound destination in no AllowedIPs */
	uint64_t drop_staged;        /* staged packets dropped (queue full, gave up) */
	uint64_t drop_relay_sender;  /* relayed, but not from the peer the relay named */
};

struct tn_wg_device *tn_wg_device_new(struct tn_loop *loop, const struct tn_wg_path_ops *path,
				      void *path_ctx, tn_wg_deliver_fn deliver, void *deliver_ctx);
void tn_wg_device_free(struct tn_wg_device *dev);

/* Sets (or replaces) the static private key; existing sessions are
 * dropped.  -EINVAL for a key that gives no usable public key. */
int tn_wg_device_set_private_key(struct tn_wg_device *dev, const uint8_t priv[TN_WG_KEY_LEN]);
const uint8_t *tn_wg_device_public_key(const struct tn_wg_device *dev);
const struct tn_wg_stats *tn_wg_device_stats(const struct tn_wg_device *dev);

/* MTU of the inner packets, for padding (default 1280). */
void tn_wg_device_set_mtu(struct tn_wg_device *dev, unsigned mtu);

/* Adds a peer (psk may be NULL).  -EEXIST if the key is already a peer,
 * -EINVAL for our own key or a low-order key. */
int tn_wg_peer_add(struct tn_wg_device *dev, const uint8_t pub[TN_WG_KEY_LEN],
		   const uint8_t psk[TN_WG_KEY_LEN], struct tn_wg_peer **out);
struct tn_wg_peer *tn_wg_peer_lookup(struct tn_wg_device *dev, const uint8_t pub[TN_WG_KEY_LEN]);
/* The number of peers; with out non-NULL, also a new array of them (the
 * caller frees the array, not the peers): safe to remove peers while
 * walking it. */
size_t tn_wg_device_peers(struct tn_wg_device *dev, struct tn_wg_peer ***out);
void tn_wg_peer_remove(struct tn_wg_peer *peer);

int tn_wg_peer_add_allowed_ip(struct tn_wg_peer *peer, int family, const uint8_t *addr,
			      uint8_t cidr);
void tn_wg_peer_clear_allowed_ips(struct tn_wg_peer *peer);
void tn_wg_peer_set_endpoint(struct tn_wg_peer *peer, const struct sockaddr *sa, socklen_t len);
const struct tn_wg_endpoint *tn_wg_peer_endpoint(const struct tn_wg_peer *peer);
/* The path layer confirmed it reaches peer at sa (a disco pong): use it as
 * if authenticated WireGuard had just arrived from there. */
void tn_wg_peer_confirm_endpoint(struct tn_wg_peer *peer, const struct sockaddr *sa, socklen_t len);
/* 0 disables persistent keepalive. */
void tn_wg_peer_set_persistent_keepalive(struct tn_wg_peer *peer, unsigned seconds);
const uint8_t *tn_wg_peer_public_key(const struct tn_wg_peer *peer);
/* Wall-clock ns of the last completed handshake, 0 if none. */
uint64_t tn_wg_peer_last_handshake(const struct tn_wg_peer *peer);
/* Opaque pointer for the path layer's per-peer state. */
void tn_wg_peer_set_path_data(struct tn_wg_peer *peer, void *data);
void *tn_wg_peer_path_data(const struct tn_wg_peer *peer);

/* Encrypts and sends one outbound IP packet (from TUN or netstack),
 * staging it and starting a handshake when no session is ready.  Returns 0
 * or a negative errno (the packet was dropped and counted). */
int tn_wg_device_send(struct tn_wg_device *dev, const uint8_t *pkt, size_t len);

/* Processes one inbound datagram from src (may be NULL for paths without
 * addresses).  buf is decrypted in place (if it is not 8-byte aligned, in
 * an aligned copy).  Malformed or unauthenticated
 * input is dropped and counted; returns 0 or the negative errno of the
 * drop. */
int tn_wg_device_receive(struct tn_wg_device *dev, uint8_t *buf, size_t len,
			 const struct tn_wg_endpoint *src);

/* The same for a datagram a relay delivered as coming from peer (DERP
 * names the sender's node key): anything that authenticates as another
 * peer, or as no peer, is dropped and counted. */
int tn_wg_device_receive_from_peer(struct tn_wg_device *dev, uint8_t *buf, size_t len,
				   struct tn_wg_peer *peer);

/* Starts a handshake with peer now (unless one was sent < REKEY_TIMEOUT ago). */
void tn_wg_peer_initiate_handshake(struct tn_wg_peer *peer);

#endif

/* Internal to src/wg: the device, peer and keypair structures shared by
 * device.c, peer.c, send.c, receive.c and timers.c.  Nothing outside
 * src/wg includes this; the API is device.h.
 */
#ifndef TN_WG_PEER_H
#define TN_WG_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "event/loop.h"
#include "util/log.h"
#include "wg/allowedips.h"
#include "wg/cookie.h"
#include "wg/device.h"
#include "wg/handshake.h"
#include "wg/ratelimiter.h"
#include "wg/replay.h"
#include "wg/timers.h"

struct tn_wg_keypair {
	struct tn_wg_peer *peer;
	struct tn_aead *send, *recv;
	uint64_t send_counter;   /* next nonce to use */
	struct tn_wg_replay replay;
	uint64_t birth;          /* tn_clock_now() */
	uint32_t local_index, remote_index;
	bool is_initiator;
	bool send_valid;         /* false once used up or expired */
};

struct tn_wg_staged {
	uint8_t *pkt;
	size_t len;
};

struct tn_wg_peer {
	struct tn_wg_device *dev;
	uint8_t pub[TN_WG_KEY_LEN];
	struct tn_wg_handshake hs;
	struct tn_wg_cookie cookie;
	struct tn_wg_keypair *current, *previous, *next;
	struct tn_wg_endpoint endpoint;
	void *path_data;
	unsigned persistent_keepalive_s;

	struct tn_timer *t_retransmit, *t_send_keepalive, *t_new_handshake,
		*t_zero_keys, *t_persistent_keepalive;
	uint64_t last_sent_handshake;   /* tn_clock_now(), 0 = never */
	unsigned handshake_attempts;
	bool need_another_keepalive;
	bool sent_lastminute_handshake;
	uint64_t last_handshake_wall;   /* tn_clock_realtime() */

	struct tn_wg_staged staged[TN_WG_MAX_STAGED_PACKETS];
	unsigned staged_head, staged_len;

	uint64_t rx_bytes, tx_bytes;
};

/* What a local index names: a handshake in progress or a keypair. */
struct tn_wg_index_entry {
	uint32_t index;          /* 0 = free slot */
	bool tombstone;
	struct tn_wg_peer *peer;
	struct tn_wg_keypair *keypair; /* NULL: the peer's handshake */
};

struct tn_wg_device {
	struct tn_loop *loop;
	struct tn_wg_identity id;
	bool has_identity;
	struct tn_wg_cookie_checker cookie_checker;
	struct tn_wg_ratelimiter *ratelimiter;
	struct tn_wg_allowedips aips;
	const struct tn_wg_path_ops *path;
	void *path_ctx;
	tn_wg_deliver_fn deliver;
	void *deliver_ctx;
	unsigned mtu;

	struct tn_wg_peer **peers;  /* sorted by public key */
	size_t npeers, peers_cap;

	struct tn_wg_index_entry *index;  /* open addressing, power of two */
	size_t index_cap, index_used;   /* slots; slots ever used (live + tombstones) */
	size_t index_live;

	/* Handshakes in the current second, to tell when we are under load. */
	uint64_t load_window_start;
	unsigned load_count;
	uint64_t under_load_until;

	struct tn_wg_stats stats;
	struct tn_wg_peer *claimed;    /* during a relayed receive: the named sender */
	uint64_t drop_log_time;        /* rate limit of the debug drop log */
	uint8_t *scratch;              /* one datagram being built */
	size_t scratch_len;
	uint8_t *rx_scratch;           /* an aligned copy of a misaligned datagram */
	size_t rx_scratch_len;
};

/* Handshakes per second above which the device is "under load": mac2 is
 * required and sources are rate-limited (the Linux module decides by queue
 * depth, which a single loop does not have; this is the rate equivalent). */
#define TN_WG_UNDER_LOAD_HANDSHAKES_PER_SEC 64
#define TN_WG_UNDER_LOAD_HOLD_NS TN_NSEC_PER_SEC

/* device.c: index table */
int tn_wg_index_add(struct tn_wg_device *dev, struct tn_wg_peer *peer,
		    struct tn_wg_keypair *kp, uint32_t *out_index);
struct tn_wg_index_entry *tn_wg_index_find(struct tn_wg_device *dev, uint32_t index);
void tn_wg_index_del(struct tn_wg_device *dev, uint32_t index);

/* peer.c: keypairs */
int tn_wg_peer_new_keypair(struct tn_wg_peer *peer);   /* from a finished handshake */
void tn_wg_peer_clear_keypairs(struct tn_wg_peer *peer);
void tn_wg_keypair_free(struct tn_wg_keypair *kp);
/* The receiving side confirms `next` when data arrives on it. */
void tn_wg_peer_confirm_keypair(struct tn_wg_peer *peer, struct tn_wg_keypair *kp);
void tn_wg_peer_stage(struct tn_wg_peer *peer, const uint8_t *pkt, size_t len);
void tn_wg_peer_purge_staged(struct tn_wg_peer *peer);

/* send.c */
void tn_wg_send_initiation(struct tn_wg_peer *peer, bool is_retry);
void tn_wg_send_keepalive(struct tn_wg_peer *peer);
void tn_wg_send_staged(struct tn_wg_peer *peer);
int tn_wg_send_datagram(struct tn_wg_peer *peer, const uint8_t *buf, size_t len);

/* A debug-level log of a dropped packet, at most one per second. */
void tn_wg_log_drop(struct tn_wg_device *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

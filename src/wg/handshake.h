/* The WireGuard handshake: Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s with the
 * construction, identifier and labels of the WireGuard paper (§5.4.2-5.4.5).
 *
 * The Noise core (src/noise) does the symmetric work; this file lays the
 * tokens out as WireGuard does.  It knows no sockets, timers or peers'
 * other state: callers (peer/device) own a tn_wg_handshake per peer and the
 * device owns the tn_wg_identity.  MACs and cookies are added and checked
 * by cookie.c, not here.
 *
 * Consuming an initiation is two steps because the peer is only known after
 * its static key is decrypted: tn_wg_initiation_open() reveals the static
 * key, the caller finds the peer, then tn_wg_initiation_accept() finishes
 * against that peer's handshake (timestamp replay and flood checks).
 *
 * Single-threaded per handshake (the control-plane thread).
 */
#ifndef TN_WG_HANDSHAKE_H
#define TN_WG_HANDSHAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "noise/noise.h"
#include "wg/messages.h"

/* Initiations from one peer closer together than this are dropped (the
 * Linux module's INITIATIONS_PER_SECOND = 50). */
#define TN_WG_INITIATION_MIN_INTERVAL_NS (1000000000ULL / 50)

struct tn_wg_identity {
	uint8_t priv[TN_WG_KEY_LEN];
	uint8_t pub[TN_WG_KEY_LEN];
	uint8_t mac1_key[TN_WG_KEY_LEN];   /* HASH("mac1----" || pub) */
	uint8_t cookie_key[TN_WG_KEY_LEN]; /* HASH("cookie--" || pub) */
};

enum tn_wg_hs_state {
	TN_WG_HS_NONE,
	TN_WG_HS_CREATED_INITIATION,
	TN_WG_HS_CONSUMED_INITIATION,
	TN_WG_HS_CREATED_RESPONSE,
	TN_WG_HS_CONSUMED_RESPONSE,
};

struct tn_wg_handshake {
	enum tn_wg_hs_state state;
	uint8_t remote_static[TN_WG_KEY_LEN];
	uint8_t precomputed_ss[TN_WG_KEY_LEN]; /* DH(our static, their static) */
	uint8_t psk[TN_WG_KEY_LEN];
	uint8_t remote_mac1_key[TN_WG_KEY_LEN];
	uint8_t remote_cookie_key[TN_WG_KEY_LEN];
	struct tn_noise noise;
	uint8_t ephemeral_priv[TN_WG_KEY_LEN];
	uint8_t remote_ephemeral[TN_WG_KEY_LEN];
	uint32_t local_index;
	uint32_t remote_index;
	uint8_t latest_timestamp[TN_WG_TIMESTAMP_LEN];
	uint64_t last_initiation_consumption; /* tn_clock_now() ns, 0 = never */
};

/* What tn_wg_initiation_open learned, to hand to _accept. Wipe after use. */
struct tn_wg_initiation_open {
	struct tn_noise noise;
	uint8_t remote_ephemeral[TN_WG_KEY_LEN];
	uint8_t remote_static[TN_WG_KEY_LEN];
};

/* Sets the static key and derives the MAC/cookie keys.  -EINVAL if the
 * private key yields an invalid public key. */
int tn_wg_identity_init(struct tn_wg_identity *id, const uint8_t priv[TN_WG_KEY_LEN]);

/* Prepares hs for the peer with public key remote_pub (psk may be NULL:
 * all zeros, as Tailscale uses).  -EINVAL if DH with the peer's key is the
 * all-zero value (a low-order key: such a peer can never handshake). */
int tn_wg_handshake_init(struct tn_wg_handshake *hs, const struct tn_wg_identity *id,
			 const uint8_t remote_pub[TN_WG_KEY_LEN],
			 const uint8_t psk[TN_WG_KEY_LEN]);

/* Writes msg (without MACs) with a fresh ephemeral and the current TAI64N
 * time; hs enters CREATED_INITIATION with local_index. */
int tn_wg_initiation_create(struct tn_wg_handshake *hs, const struct tn_wg_identity *id,
			    struct tn_wg_msg_initiation *msg, uint32_t local_index);

/* Decrypts the initiator's static key.  -EBADMSG if not for us. */
int tn_wg_initiation_open(const struct tn_wg_identity *id,
			  const struct tn_wg_msg_initiation *msg,
			  struct tn_wg_initiation_open *out);

/* Finishes consuming an initiation from the peer whose handshake is hs
 * (its remote_static must equal op->remote_static).  Returns 0, -EBADMSG
 * (timestamp does not decrypt), -EALREADY (timestamp not newer than the
 * latest: a replay) or -EAGAIN (less than 20 ms since the last accepted
 * initiation: a flood).  On success hs is CONSUMED_INITIATION. */
int tn_wg_initiation_accept(struct tn_wg_handshake *hs, struct tn_wg_initiation_open *op,
			    const struct tn_wg_msg_initiation *msg);

/* After CONSUMED_INITIATION: writes the response (without MACs). */
int tn_wg_response_create(struct tn_wg_handshake *hs, struct tn_wg_msg_response *msg,
			  uint32_t local_index);

/* After CREATED_INITIATION, for a response whose receiver is our
 * local_index: -EBADMSG if it does not authenticate (hs unchanged). */
int tn_wg_response_consume(struct tn_wg_handshake *hs, const struct tn_wg_identity *id,
			   const struct tn_wg_msg_response *msg);

/* After CREATED_RESPONSE (responder) or CONSUMED_RESPONSE (initiator):
 * derives the transport keys, wipes the handshake secrets and returns hs to
 * NONE.  -EINVAL in any other state. */
int tn_wg_handshake_derive(struct tn_wg_handshake *hs, uint8_t send_key[TN_WG_KEY_LEN],
			   uint8_t recv_key[TN_WG_KEY_LEN], bool *is_initiator);

/* Forgets any handshake in progress (keeps the peer's keys and timestamps). */
void tn_wg_handshake_clear(struct tn_wg_handshake *hs);

/* TAI64N of the real-time clock, whitened to 2^24 ns as the Linux module
 * does (so it does not leak fine timing). */
void tn_wg_tai64n_now(uint8_t out[TN_WG_TIMESTAMP_LEN]);

#endif

/* NaCl box (X25519 + XSalsa20-Poly1305), via libsodium, in the framing
 * Tailscale uses for DERP and disco: nonce(24) || tag(16) || ciphertext.
 * The part after the nonce is exactly Go's golang.org/x/crypto/nacl/box
 * Seal output (and libsodium's crypto_box_easy); Go's key.NodePrivate.SealTo
 * and key.DiscoShared.Seal prepend a random nonce, as tn_box_seal does.
 *
 * Two key forms:
 *  - tn_box_seal / tn_box_open: my private key + the peer's public key per
 *    call (an X25519 each time).
 *  - tn_box_beforenm once per peer, then tn_box_*_afternm with the 32-byte
 *    shared key (Go's box.Precompute / DiscoShared).  The shared key is a
 *    secret: the caller owns it and wipes it (tn_crypto_wipe) when done.
 *
 * Stateless, any thread, no allocation.  out must not overlap in.  Every
 * open returns -EBADMSG for input shorter than TN_BOX_OVERHEAD or that
 * fails authentication; out is then left zeroed.
 */
#ifndef TN_CRYPTO_BOX_H
#define TN_CRYPTO_BOX_H

#include <stddef.h>
#include <stdint.h>

#define TN_BOX_KEY_LEN 32
#define TN_BOX_NONCE_LEN 24
#define TN_BOX_TAG_LEN 16
#define TN_BOX_OVERHEAD (TN_BOX_NONCE_LEN + TN_BOX_TAG_LEN)

/* out[0..len+40) = random nonce || box(msg).  Returns 0, -EINVAL (peer_pub
 * is a low-order point), -EMSGSIZE, or tn_crypto_init()'s error. */
int tn_box_seal(uint8_t *out, const uint8_t *msg, size_t len,
		const uint8_t peer_pub[TN_BOX_KEY_LEN],
		const uint8_t my_priv[TN_BOX_KEY_LEN]);

/* Same with a caller-chosen nonce: for tests and known-answer checks only.
 * A nonce must never be used twice with the same key pair. */
int tn_box_seal_nonce(uint8_t *out, const uint8_t *msg, size_t len,
		      const uint8_t nonce[TN_BOX_NONCE_LEN],
		      const uint8_t peer_pub[TN_BOX_KEY_LEN],
		      const uint8_t my_priv[TN_BOX_KEY_LEN]);

/* out[0..inlen-40) = the message of in = nonce || box.  Returns 0 or
 * -EBADMSG. */
int tn_box_open(uint8_t *out, const uint8_t *in, size_t inlen,
		const uint8_t peer_pub[TN_BOX_KEY_LEN],
		const uint8_t my_priv[TN_BOX_KEY_LEN]);

/* shared = the box key of (peer_pub, my_priv): HSalsa20 of the X25519
 * result.  Returns 0, or -EINVAL for a low-order peer_pub. */
int tn_box_beforenm(uint8_t shared[TN_BOX_KEY_LEN],
		    const uint8_t peer_pub[TN_BOX_KEY_LEN],
		    const uint8_t my_priv[TN_BOX_KEY_LEN]);

/* tn_box_seal / tn_box_seal_nonce / tn_box_open with a precomputed key. */
int tn_box_seal_afternm(uint8_t *out, const uint8_t *msg, size_t len,
			const uint8_t shared[TN_BOX_KEY_LEN]);
int tn_box_seal_afternm_nonce(uint8_t *out, const uint8_t *msg, size_t len,
			      const uint8_t nonce[TN_BOX_NONCE_LEN],
			      const uint8_t shared[TN_BOX_KEY_LEN]);
int tn_box_open_afternm(uint8_t *out, const uint8_t *in, size_t inlen,
			const uint8_t shared[TN_BOX_KEY_LEN]);

#endif

/* X25519 Diffie-Hellman (RFC 7748) on raw 32-byte keys, via libsodium.
 *
 * Keys are caller-owned byte arrays; nothing is retained.  Private keys
 * need not be clamped: X25519 clamps the scalar itself, so a clamped and an
 * unclamped copy of a key give the same results (tn_x25519_clamp exists for
 * key generation, where Go clamps too).  Thread-safe; no allocation.
 */
#ifndef TN_CRYPTO_X25519_H
#define TN_CRYPTO_X25519_H

#include <stdint.h>

#define TN_X25519_KEY_LEN 32

/* shared = X25519(priv, pub).  Returns 0, or -EINVAL if the result is the
 * all-zero value (pub is a low-order point: RFC 7748 section 6.1 says to
 * abort), in which case shared is zeroed.  shared may alias priv or pub. */
int tn_x25519(uint8_t shared[TN_X25519_KEY_LEN],
	      const uint8_t priv[TN_X25519_KEY_LEN],
	      const uint8_t pub[TN_X25519_KEY_LEN]);

/* pub = X25519(priv, 9).  Returns 0 or a negative errno. */
int tn_x25519_public(uint8_t pub[TN_X25519_KEY_LEN],
		     const uint8_t priv[TN_X25519_KEY_LEN]);

/* Clamps a private scalar in place: b[0] &= 248; b[31] = (b[31] & 127) | 64. */
void tn_x25519_clamp(uint8_t priv[TN_X25519_KEY_LEN]);

#endif

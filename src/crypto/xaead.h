/* XChaCha20-Poly1305 AEAD (draft-irtf-cfrg-xchacha-03), via libsodium:
 * ChaCha20-Poly1305 with a 24-byte nonce, which may be chosen at random.
 * WireGuard seals its cookie replies with it.
 *
 * Stateless: keys are caller-owned and not retained; any thread; no
 * allocation.  Layout: sealed = ciphertext || 16-byte tag.  out may equal
 * in exactly.  A failed open returns -EBADMSG with out zeroed.
 */
#ifndef TN_CRYPTO_XAEAD_H
#define TN_CRYPTO_XAEAD_H

#include <stddef.h>
#include <stdint.h>

#define TN_XAEAD_KEY_LEN 32
#define TN_XAEAD_NONCE_LEN 24
#define TN_XAEAD_TAG_LEN 16

/* out[0..len+16) = Seal(in[0..len), ad[0..adlen)).  ad may be NULL when
 * adlen is 0.  Returns 0 or -EMSGSIZE. */
int tn_xaead_seal(const uint8_t key[TN_XAEAD_KEY_LEN],
		  const uint8_t nonce[TN_XAEAD_NONCE_LEN],
		  uint8_t *out, const uint8_t *in, size_t len,
		  const uint8_t *ad, size_t adlen);

/* out[0..inlen-16) = Open(in[0..inlen), ad).  Returns 0, or -EBADMSG if
 * inlen < 16 or authentication fails. */
int tn_xaead_open(const uint8_t key[TN_XAEAD_KEY_LEN],
		  const uint8_t nonce[TN_XAEAD_NONCE_LEN],
		  uint8_t *out, const uint8_t *in, size_t inlen,
		  const uint8_t *ad, size_t adlen);

#endif

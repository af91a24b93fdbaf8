/* ChaCha20-Poly1305 AEAD (RFC 8439), via OpenSSL.
 *
 * Two ways to use it:
 *  - struct tn_aead: keyed once (tn_aead_new), then each seal/open only sets
 *    the nonce.  This is the WireGuard / ts2021 transport fast path: no
 *    allocation per packet.  The caller owns the object and frees it with
 *    tn_aead_free, which wipes the key.  One object may be used by one
 *    thread at a time (OpenSSL contexts are not shareable); to seal with
 *    the same key on several threads give each thread its own object.
 *  - tn_aead_seal_key / tn_aead_open_key: one-shot with a key given per
 *    call (Noise handshake messages, where each key is used once).  They
 *    reuse a per-thread context, so they do not allocate either after the
 *    thread's first call.  Any thread.
 *
 * Layout: sealed = ciphertext || 16-byte tag.  out may equal in exactly
 * (in-place), but must not partially overlap it.  An open that fails
 * returns -EBADMSG and zeroes out[0..inlen-16), so unauthenticated
 * plaintext is never left behind.
 */
#ifndef TN_CRYPTO_AEAD_H
#define TN_CRYPTO_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define TN_AEAD_KEY_LEN 32
#define TN_AEAD_NONCE_LEN 12
#define TN_AEAD_TAG_LEN 16

struct tn_aead;

/* Returns a context keyed with key, or NULL (out of memory, or
 * tn_crypto_init() failed). */
struct tn_aead *tn_aead_new(const uint8_t key[TN_AEAD_KEY_LEN]);

/* Re-keys an existing context (no allocation).  Returns 0 or -EIO. */
int tn_aead_set_key(struct tn_aead *a, const uint8_t key[TN_AEAD_KEY_LEN]);

/* Wipes and frees; NULL is ignored. */
void tn_aead_free(struct tn_aead *a);

/* out[0..len+16) = Seal(in[0..len), ad[0..adlen)).  ad may be NULL when
 * adlen is 0.  Returns 0, -EMSGSIZE (len or adlen > INT_MAX) or -EIO. */
int tn_aead_seal(struct tn_aead *a, const uint8_t nonce[TN_AEAD_NONCE_LEN],
		 uint8_t *out, const uint8_t *in, size_t len,
		 const uint8_t *ad, size_t adlen);

/* out[0..inlen-16) = Open(in[0..inlen), ad).  Returns 0, or -EBADMSG if
 * inlen < 16 or the tag does not verify (wrong key, nonce, data or ad),
 * -EMSGSIZE or -EIO. */
int tn_aead_open(struct tn_aead *a, const uint8_t nonce[TN_AEAD_NONCE_LEN],
		 uint8_t *out, const uint8_t *in, size_t inlen,
		 const uint8_t *ad, size_t adlen);

/* One-shot forms of the above with the key given per call. */
int tn_aead_seal_key(const uint8_t key[TN_AEAD_KEY_LEN],
		     const uint8_t nonce[TN_AEAD_NONCE_LEN],
		     uint8_t *out, const uint8_t *in, size_t len,
		     const uint8_t *ad, size_t adlen);
int tn_aead_open_key(const uint8_t key[TN_AEAD_KEY_LEN],
		     const uint8_t nonce[TN_AEAD_NONCE_LEN],
		     uint8_t *out, const uint8_t *in, size_t inlen,
		     const uint8_t *ad, size_t adlen);

/* Nonce = 4 zero bytes || counter as 64-bit little-endian: WireGuard
 * transport and standard Noise. */
void tn_aead_nonce_le(uint8_t nonce[TN_AEAD_NONCE_LEN], uint64_t counter);

/* Nonce = 4 zero bytes || counter as 64-bit big-endian: Tailscale's ts2021
 * control transport (control/controlbase, see protocol.md 2.4). */
void tn_aead_nonce_be(uint8_t nonce[TN_AEAD_NONCE_LEN], uint64_t counter);

#endif

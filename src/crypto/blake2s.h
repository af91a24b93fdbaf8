/* BLAKE2s (RFC 7693) via OpenSSL: the plain 256-bit hash that Noise and
 * WireGuard call HASH, and keyed BLAKE2s with a chosen output length, which
 * WireGuard calls MAC (16-byte output, for mac1/mac2 and cookies).
 *
 * Stateless from the caller's view: inputs are borrowed for the call only;
 * the output may alias an input.  Any thread; no allocation after the
 * thread's first call (a per-thread context is reused).
 */
#ifndef TN_CRYPTO_BLAKE2S_H
#define TN_CRYPTO_BLAKE2S_H

#include <stddef.h>
#include <stdint.h>

#define TN_BLAKE2S_LEN 32       /* digest size of BLAKE2s-256 */
#define TN_BLAKE2S_BLOCK_LEN 64 /* compression block, HMAC's B */
#define TN_BLAKE2S_KEY_MAX 32   /* longest key keyed BLAKE2s accepts */
#define TN_BLAKE2S_MAC_LEN 16   /* WireGuard's MAC output (BLAKE2s-128) */

/* out = BLAKE2s-256(in[0..len)).  Returns 0, -ENOMEM or -EIO. */
int tn_blake2s(uint8_t out[TN_BLAKE2S_LEN], const void *in, size_t len);

/* out = BLAKE2s-256(a || b): Noise's MixHash without a copy.  a or b may
 * be NULL when its length is 0. */
int tn_blake2s2(uint8_t out[TN_BLAKE2S_LEN], const void *a, size_t alen,
		const void *b, size_t blen);

/* out[0..outlen) = keyed BLAKE2s of in with key[0..keylen) and digest
 * length outlen (the BLAKE2 parameter block carries both, so a 16-byte
 * output is not a truncated 32-byte one).  outlen and keylen must be
 * 1..32, else -EINVAL. */
int tn_blake2s_mac(uint8_t *out, size_t outlen, const uint8_t *key,
		   size_t keylen, const void *in, size_t len);

#endif

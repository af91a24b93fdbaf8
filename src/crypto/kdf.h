/* HMAC-BLAKE2s (RFC 2104 with BLAKE2s-256, block 64) and the HKDF that
 * Noise and WireGuard build on it:
 *
 *   temp = HMAC(key, input)
 *   out1 = HMAC(temp, 0x01)
 *   out2 = HMAC(temp, out1 || 0x02)
 *   out3 = HMAC(temp, out2 || 0x03)
 *
 * KDF1/KDF2/KDF3 of the WireGuard paper are tn_kdf with one, two or three
 * outputs.  Inputs are borrowed for the call; outputs may alias the key or
 * the input (ck = KDF1(ck, x) is the common case).  Intermediate secrets
 * are wiped.  Any thread; no allocation after the thread's first call.
 */
#ifndef TN_CRYPTO_KDF_H
#define TN_CRYPTO_KDF_H

#include <stddef.h>
#include <stdint.h>

#define TN_KDF_LEN 32 /* every output is one BLAKE2s-256 digest */

/* out = HMAC-BLAKE2s(key[0..keylen), in[0..len)).  A key longer than 64
 * bytes is hashed first, as RFC 2104 says.  Returns 0, -ENOMEM or -EIO. */
int tn_hmac_blake2s(uint8_t out[TN_KDF_LEN], const uint8_t *key,
		    size_t keylen, const void *in, size_t len);

/* HKDF as above.  out2 and out3 may be NULL (out3 requires out2); the
 * outputs must not alias each other.  Returns 0, -EINVAL (out1 NULL, or
 * out3 without out2), -ENOMEM or -EIO; outputs are zeroed on error. */
int tn_kdf(uint8_t *out1, uint8_t *out2, uint8_t *out3,
	   const uint8_t *key, size_t keylen, const void *in, size_t len);

#endif

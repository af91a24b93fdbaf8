/* Private to src/crypto: the algorithms fetched once by tn_crypto_init()
 * and the per-thread scratch contexts the one-shot helpers reuse so that
 * hashing, MACs and one-shot AEAD never allocate after a thread's first
 * call.  Nothing outside src/crypto includes this header.
 *
 * The scratch contexts belong to the calling thread; a function must not
 * keep a pointer to them across calls, and must not call another
 * tn_crypto_scratch_* user while it has one in use (the helpers are leaf
 * functions, so this holds by construction).
 */
#ifndef TN_CRYPTO_INTERNAL_H
#define TN_CRYPTO_INTERNAL_H

#include <openssl/evp.h>

/* Set by tn_crypto_init(); valid for the life of the process once it
 * returned 0. */
extern EVP_MD *tn_crypto_md_blake2s;       /* "BLAKE2S-256" */
extern EVP_MAC *tn_crypto_mac_blake2s;     /* "BLAKE2SMAC" */
extern EVP_CIPHER *tn_crypto_chacha20poly1305; /* "ChaCha20-Poly1305" */

/* The calling thread's reusable contexts, created on first use.  NULL on
 * allocation failure or if tn_crypto_init() failed. */
EVP_MD_CTX *tn_crypto_scratch_md(void);
EVP_MAC_CTX *tn_crypto_scratch_mac(void);
EVP_CIPHER_CTX *tn_crypto_scratch_aead(void);

/* OpenSSL's length arguments are int; larger inputs are refused with
 * -EMSGSIZE (nothing in the protocol comes near it). */
#define TN_CRYPTO_MAX_LEN ((size_t)0x7fffffff)

#endif

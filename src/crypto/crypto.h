/* Crypto library setup and the small helpers every crypto user needs:
 * one-time initialisation, constant-time comparison, secure wipe and
 * random bytes.
 *
 * tn_crypto_init() fetches the OpenSSL algorithms once (BLAKE2s-256,
 * keyed BLAKE2s, ChaCha20-Poly1305) and initialises libsodium.  It is
 * idempotent and thread-safe (pthread_once).  Every function of
 * src/crypto that needs the libraries calls it on demand (and returns its
 * error), so calling it explicitly only serves to learn at start-up that
 * the libraries are unusable.
 *
 * Per-thread state: the one-shot hash/MAC/AEAD helpers reuse contexts kept
 * per thread (created on first use, freed when the thread exits through
 * pthread_exit or by returning from its start routine).  A thread that wants
 * them gone earlier, or the main thread before exit, may call
 * tn_crypto_thread_cleanup().  All functions here may be called from any
 * thread.
 */
#ifndef TN_CRYPTO_CRYPTO_H
#define TN_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

/* Returns 0, or -ENOTSUP if libsodium cannot be initialised or an OpenSSL
 * algorithm cannot be fetched (the result is cached: later calls return the
 * same value). */
int tn_crypto_init(void);

/* Frees the calling thread's cached crypto contexts (wiping them).  Safe to
 * call at any time; they are re-created on next use. */
void tn_crypto_thread_cleanup(void);

/* Constant-time equality of a[0..len) and b[0..len): the running time
 * depends only on len.  Use it for tags, MACs, keys and cookies. */
bool tn_crypto_equal(const void *a, const void *b, size_t len);

/* Constant-time "all bytes are zero". */
bool tn_crypto_is_zero(const void *p, size_t len);

/* Overwrites p[0..len) with zeros in a way the compiler may not elide.
 * Call it on every secret before its memory is released or reused. */
void tn_crypto_wipe(void *p, size_t len);

/* Fills p[0..len) with cryptographically secure random bytes (libsodium
 * randombytes_buf: getrandom(2)); never fails once tn_crypto_init()
 * succeeded.  Returns 0 or tn_crypto_init()'s error. */
int tn_crypto_random(void *p, size_t len);

#endif

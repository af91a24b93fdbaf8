/* The Noise symmetric state (Noise spec §5.2), shared by the two handshakes
 * tailnetd speaks: Noise_IK_25519_ChaChaPoly_BLAKE2s (ts2021 control) and
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s (WireGuard).
 *
 * It knows nothing of messages or sockets: callers run the tokens of their
 * pattern (e, es, s, ss, ee, se, psk) with these primitives.  Every cipher
 * key here is used for exactly one message (each MixKey is followed by at
 * most one EncryptAndHash/DecryptAndHash), as both patterns do, so the nonce
 * is always zero — tn_noise_encrypt/decrypt enforce that.
 *
 * A state is caller-owned plain memory; tn_noise_wipe clears it.  One
 * thread at a time.
 */
#ifndef TN_NOISE_NOISE_H
#define TN_NOISE_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TN_NOISE_HASH_LEN 32
#define TN_NOISE_KEY_LEN 32
#define TN_NOISE_DH_LEN 32
#define TN_NOISE_TAG_LEN 16

struct tn_noise {
	uint8_t ck[TN_NOISE_HASH_LEN]; /* chaining key */
	uint8_t h[TN_NOISE_HASH_LEN];  /* handshake hash */
	uint8_t k[TN_NOISE_KEY_LEN];   /* cipher key, valid when has_key */
	bool has_key;
	bool key_used;                 /* k encrypted/decrypted once already */
};

/* InitializeSymmetric(protocol_name) then MixHash(prologue). */
int tn_noise_init(struct tn_noise *st, const char *protocol_name,
		  const void *prologue, size_t prologue_len);

/* h = HASH(h || data). */
int tn_noise_mix_hash(struct tn_noise *st, const void *data, size_t len);

/* (ck, k) = HKDF(ck, ikm, 2); the key's nonce restarts at zero. */
int tn_noise_mix_key(struct tn_noise *st, const void *ikm, size_t len);

/* MixKey(DH(priv, pub)).  -EINVAL for a low-order public key. */
int tn_noise_mix_dh(struct tn_noise *st, const uint8_t priv[TN_NOISE_DH_LEN],
		    const uint8_t pub[TN_NOISE_DH_LEN]);

/* ck = HKDF1(ck, data): the psk-mode extra MixKey on "e" tokens, where the
 * derived key is not used (WireGuard's C = KDF1(C, E_pub)). */
int tn_noise_mix_chain(struct tn_noise *st, const void *data, size_t len);

/* MixKeyAndHash(psk): (ck, temp_h, k) = HKDF(ck, psk, 3); MixHash(temp_h). */
int tn_noise_mix_psk(struct tn_noise *st, const uint8_t psk[TN_NOISE_KEY_LEN]);

/* EncryptAndHash: out[0..len+16) = AEAD(k, 0, in, h); h = HASH(h || out).
 * Without a key the plaintext is copied and hashed (Noise spec).  -EPROTO
 * if the key was already used once. */
int tn_noise_encrypt(struct tn_noise *st, uint8_t *out, const uint8_t *in, size_t len);

/* DecryptAndHash: the inverse; -EBADMSG if the tag does not verify (out is
 * zeroed, h unchanged). */
int tn_noise_decrypt(struct tn_noise *st, uint8_t *out, const uint8_t *in, size_t inlen);

/* Split: (k1, k2) = HKDF(ck, "", 2). */
int tn_noise_split(const struct tn_noise *st, uint8_t k1[TN_NOISE_KEY_LEN],
		   uint8_t k2[TN_NOISE_KEY_LEN]);

void tn_noise_wipe(struct tn_noise *st);

#endif

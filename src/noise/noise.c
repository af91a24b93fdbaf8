#include "noise/noise.h"

#include <errno.h>
#include <string.h>

#include "crypto/aead.h"
#include "crypto/blake2s.h"
#include "crypto/crypto.h"
#include "crypto/kdf.h"
#include "crypto/x25519.h"

static const uint8_t zero_nonce[TN_AEAD_NONCE_LEN];

int tn_noise_init(struct tn_noise *st, const char *protocol_name,
		  const void *prologue, size_t prologue_len)
{
	size_t n = strlen(protocol_name);
	int r;

	memset(st, 0, sizeof(*st));
	if (n <= TN_NOISE_HASH_LEN) {
		memcpy(st->h, protocol_name, n);
	} else if ((r = tn_blake2s(st->h, protocol_name, n)) < 0) {
		return r;
	}
	memcpy(st->ck, st->h, TN_NOISE_HASH_LEN);
	return tn_noise_mix_hash(st, prologue, prologue_len);
}

int tn_noise_mix_hash(struct tn_noise *st, const void *data, size_t len)
{
	return tn_blake2s2(st->h, st->h, TN_NOISE_HASH_LEN, data, len);
}

int tn_noise_mix_key(struct tn_noise *st, const void *ikm, size_t len)
{
	int r = tn_kdf(st->ck, st->k, NULL, st->ck, TN_NOISE_HASH_LEN, ikm, len);

	st->has_key = r == 0;
	st->key_used = false;
	return r;
}

int tn_noise_mix_dh(struct tn_noise *st, const uint8_t priv[TN_NOISE_DH_LEN],
		    const uint8_t pub[TN_NOISE_DH_LEN])
{
	uint8_t dh[TN_NOISE_DH_LEN];
	int r = tn_x25519(dh, priv, pub);

	if (r == 0)
		r = tn_noise_mix_key(st, dh, sizeof(dh));
	tn_crypto_wipe(dh, sizeof(dh));
	return r;
}

int tn_noise_mix_chain(struct tn_noise *st, const void *data, size_t len)
{
	return tn_kdf(st->ck, NULL, NULL, st->ck, TN_NOISE_HASH_LEN, data, len);
}

int tn_noise_mix_psk(struct tn_noise *st, const uint8_t psk[TN_NOISE_KEY_LEN])
{
	uint8_t temp_h[TN_NOISE_HASH_LEN];
	int r = tn_kdf(st->ck, temp_h, st->k, st->ck, TN_NOISE_HASH_LEN, psk, TN_NOISE_KEY_LEN);

	if (r == 0)
		r = tn_noise_mix_hash(st, temp_h, sizeof(temp_h));
	tn_crypto_wipe(temp_h, sizeof(temp_h));
	st->has_key = r == 0;
	st->key_used = false;
	return r;
}

int tn_noise_encrypt(struct tn_noise *st, uint8_t *out, const uint8_t *in, size_t len)
{
	int r;

	if (!st->has_key) {
		memmove(out, in, len);
		return tn_noise_mix_hash(st, out, len);
	}
	if (st->key_used)
		return -EPROTO;
	r = tn_aead_seal_key(st->k, zero_nonce, out, in, len, st->h, TN_NOISE_HASH_LEN);
	if (r < 0)
		return r;
	st->key_used = true;
	return tn_noise_mix_hash(st, out, len + TN_NOISE_TAG_LEN);
}

int tn_noise_decrypt(struct tn_noise *st, uint8_t *out, const uint8_t *in, size_t inlen)
{
	uint8_t h[TN_NOISE_HASH_LEN];
	int r;

	if (!st->has_key) {
		r = tn_noise_mix_hash(st, in, inlen);
		if (r == 0)
			memmove(out, in, inlen);
		return r;
	}
	if (st->key_used)
		return -EPROTO;
	if (inlen < TN_NOISE_TAG_LEN)
		return -EBADMSG;
	/* h must absorb the ciphertext, which out may overwrite in place. */
	r = tn_blake2s2(h, st->h, TN_NOISE_HASH_LEN, in, inlen);
	if (r < 0)
		return r;
	r = tn_aead_open_key(st->k, zero_nonce, out, in, inlen, st->h, TN_NOISE_HASH_LEN);
	if (r < 0)
		return r;
	st->key_used = true;
	memcpy(st->h, h, sizeof(h));
	return 0;
}

int tn_noise_split(const struct tn_noise *st, uint8_t k1[TN_NOISE_KEY_LEN],
		   uint8_t k2[TN_NOISE_KEY_LEN])
{
	return tn_kdf(k1, k2, NULL, st->ck, TN_NOISE_HASH_LEN, NULL, 0);
}

void tn_noise_wipe(struct tn_noise *st)
{
	tn_crypto_wipe(st, sizeof(*st));
}

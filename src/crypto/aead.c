#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

struct tn_aead {
	EVP_CIPHER_CTX *ctx;
};

/* The whole operation on a ctx that already holds the cipher (and the key,
 * unless key is given).  enc: 1 seal, 0 open.  tag is written (seal) or
 * checked (open). */
static int aead_crypt(EVP_CIPHER_CTX *ctx, const uint8_t *key,
		      const uint8_t nonce[TN_AEAD_NONCE_LEN], int enc,
		      uint8_t *out, const uint8_t *in, size_t len,
		      uint8_t tag[TN_AEAD_TAG_LEN], const uint8_t *ad,
		      size_t adlen)
{
	OSSL_PARAM params[2];
	uint8_t final_out[16];
	int outl;

	if (len > TN_CRYPTO_MAX_LEN || adlen > TN_CRYPTO_MAX_LEN)
		return -EMSGSIZE;
	if (!EVP_CipherInit_ex2(ctx, NULL, key, nonce, enc, NULL))
		return -EIO;
	if (adlen && !EVP_CipherUpdate(ctx, NULL, &outl, ad, (int)adlen))
		return -EIO;
	if (len && !EVP_CipherUpdate(ctx, out, &outl, in, (int)len))
		return -EIO;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
						      tag, TN_AEAD_TAG_LEN);
	params[1] = OSSL_PARAM_construct_end();
	if (!enc && !EVP_CIPHER_CTX_set_params(ctx, params))
		return -EIO;
	if (!EVP_CipherFinal_ex(ctx, final_out, &outl))
		return enc ? -EIO : -EBADMSG;
	if (enc && !EVP_CIPHER_CTX_get_params(ctx, params))
		return -EIO;
	return 0;
}

static int aead_seal_ctx(EVP_CIPHER_CTX *ctx, const uint8_t *key,
			 const uint8_t nonce[TN_AEAD_NONCE_LEN], uint8_t *out,
			 const uint8_t *in, size_t len, const uint8_t *ad,
			 size_t adlen)
{
	uint8_t tag[TN_AEAD_TAG_LEN];
	int err;

	if (!ctx)
		return -ENOMEM;
	err = aead_crypt(ctx, key, nonce, 1, out, in, len, tag, ad, adlen);
	if (err)
		return err;
	memcpy(out + len, tag, sizeof(tag));
	return 0;
}

static int aead_open_ctx(EVP_CIPHER_CTX *ctx, const uint8_t *key,
			 const uint8_t nonce[TN_AEAD_NONCE_LEN], uint8_t *out,
			 const uint8_t *in, size_t inlen, const uint8_t *ad,
			 size_t adlen)
{
	uint8_t tag[TN_AEAD_TAG_LEN];
	size_t len;
	int err;

	if (!ctx)
		return -ENOMEM;
	if (inlen < TN_AEAD_TAG_LEN)
		return -EBADMSG;
	len = inlen - TN_AEAD_TAG_LEN;
	/* Copied first: in-place decryption must not clobber it. */
	memcpy(tag, in + len, sizeof(tag));
	err = aead_crypt(ctx, key, nonce, 0, out, in, len, tag, ad, adlen);
	if (err && len)
		tn_crypto_wipe(out, len);
	return err;
}

struct tn_aead *tn_aead_new(const uint8_t key[TN_AEAD_KEY_LEN])
{
	struct tn_aead *a;

	if (tn_crypto_init())
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->ctx = EVP_CIPHER_CTX_new();
	if (!a->ctx)
		goto fail;
	if (!EVP_CipherInit_ex2(a->ctx, tn_crypto_chacha20poly1305, key, NULL,
				1, NULL))
		goto fail;
	return a;
fail:
	tn_aead_free(a);
	return NULL;
}

int tn_aead_set_key(struct tn_aead *a, const uint8_t key[TN_AEAD_KEY_LEN])
{
	return EVP_CipherInit_ex2(a->ctx, NULL, key, NULL, 1, NULL) ? 0 : -EIO;
}

void tn_aead_free(struct tn_aead *a)
{
	if (!a)
		return;
	/* Frees the provider context with OPENSSL_clear_free: the key and
	 * the Poly1305 state are wiped. */
	EVP_CIPHER_CTX_free(a->ctx);
	free(a);
}

int tn_aead_seal(struct tn_aead *a, const uint8_t nonce[TN_AEAD_NONCE_LEN],
		 uint8_t *out, const uint8_t *in, size_t len,
		 const uint8_t *ad, size_t adlen)
{
	return aead_seal_ctx(a->ctx, NULL, nonce, out, in, len, ad, adlen);
}

int tn_aead_open(struct tn_aead *a, const uint8_t nonce[TN_AEAD_NONCE_LEN],
		 uint8_t *out, const uint8_t *in, size_t inlen,
		 const uint8_t *ad, size_t adlen)
{
	return aead_open_ctx(a->ctx, NULL, nonce, out, in, inlen, ad, adlen);
}

/* The per-thread context keeps the last one-shot key until it is
 * overwritten; replace it with zeros so no handshake key lingers. */
static void scratch_forget_key(EVP_CIPHER_CTX *ctx)
{
	static const uint8_t zero_key[TN_AEAD_KEY_LEN];

	if (ctx)
		(void)!EVP_CipherInit_ex2(ctx, NULL, zero_key, NULL, 1, NULL);
}

int tn_aead_seal_key(const uint8_t key[TN_AEAD_KEY_LEN],
		     const uint8_t nonce[TN_AEAD_NONCE_LEN],
		     uint8_t *out, const uint8_t *in, size_t len,
		     const uint8_t *ad, size_t adlen)
{
	EVP_CIPHER_CTX *ctx = tn_crypto_scratch_aead();
	int err = aead_seal_ctx(ctx, key, nonce, out, in, len, ad, adlen);

	scratch_forget_key(ctx);
	return err;
}

int tn_aead_open_key(const uint8_t key[TN_AEAD_KEY_LEN],
		     const uint8_t nonce[TN_AEAD_NONCE_LEN],
		     uint8_t *out, const uint8_t *in, size_t inlen,
		     const uint8_t *ad, size_t adlen)
{
	EVP_CIPHER_CTX *ctx = tn_crypto_scratch_aead();
	int err = aead_open_ctx(ctx, key, nonce, out, in, inlen, ad, adlen);

	scratch_forget_key(ctx);
	return err;
}

void tn_aead_nonce_le(uint8_t nonce[TN_AEAD_NONCE_LEN], uint64_t counter)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

void tn_aead_nonce_be(uint8_t nonce[TN_AEAD_NONCE_LEN], uint64_t counter)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (56 - 8 * i));
}

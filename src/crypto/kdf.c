#include "crypto/kdf.h"
#include "crypto/blake2s.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#define IPAD 0x36
#define OPAD 0x5c

/* out = HMAC(key, a || b).  Every input is consumed before out is written,
 * so out may alias any of them. */
static int hmac2(uint8_t out[TN_KDF_LEN], const uint8_t *key, size_t keylen,
		 const void *a, size_t alen, const void *b, size_t blen)
{
	uint8_t pad[TN_BLAKE2S_BLOCK_LEN] = { 0 };
	uint8_t inner[TN_BLAKE2S_LEN];
	unsigned int outl;
	EVP_MD_CTX *md;
	int err = -EIO;

	md = tn_crypto_scratch_md();
	if (!md)
		return -ENOMEM;
	if (keylen > TN_BLAKE2S_BLOCK_LEN) {
		err = tn_blake2s(pad, key, keylen);
		if (err)
			goto out;
		err = -EIO;
	} else if (keylen) {
		memcpy(pad, key, keylen);
	}

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= IPAD;
	if (!EVP_DigestInit_ex2(md, tn_crypto_md_blake2s, NULL) ||
	    !EVP_DigestUpdate(md, pad, sizeof(pad)) ||
	    (alen && !EVP_DigestUpdate(md, a, alen)) ||
	    (blen && !EVP_DigestUpdate(md, b, blen)) ||
	    !EVP_DigestFinal_ex(md, inner, &outl))
		goto out;

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= IPAD ^ OPAD;
	if (!EVP_DigestInit_ex2(md, tn_crypto_md_blake2s, NULL) ||
	    !EVP_DigestUpdate(md, pad, sizeof(pad)) ||
	    !EVP_DigestUpdate(md, inner, sizeof(inner)) ||
	    !EVP_DigestFinal_ex(md, out, &outl))
		goto out;
	err = 0;
out:
	tn_crypto_wipe(pad, sizeof(pad));
	tn_crypto_wipe(inner, sizeof(inner));
	return err;
}

int tn_hmac_blake2s(uint8_t out[TN_KDF_LEN], const uint8_t *key,
		    size_t keylen, const void *in, size_t len)
{
	return hmac2(out, key, keylen, in, len, NULL, 0);
}

int tn_kdf(uint8_t *out1, uint8_t *out2, uint8_t *out3,
	   const uint8_t *key, size_t keylen, const void *in, size_t len)
{
	static const uint8_t one = 1, two = 2, three = 3;
	uint8_t temp[TN_KDF_LEN], t1[TN_KDF_LEN], t2[TN_KDF_LEN], t3[TN_KDF_LEN];
	int err;

	if (!out1 || (out3 && !out2))
		return -EINVAL;
	/* Everything into locals first: the outputs may alias key or in. */
	err = hmac2(temp, key, keylen, in, len, NULL, 0);
	if (!err)
		err = hmac2(t1, temp, sizeof(temp), &one, 1, NULL, 0);
	if (!err && out2)
		err = hmac2(t2, temp, sizeof(temp), t1, sizeof(t1), &two, 1);
	if (!err && out3)
		err = hmac2(t3, temp, sizeof(temp), t2, sizeof(t2), &three, 1);

	if (err) {
		memset(out1, 0, TN_KDF_LEN);
		if (out2)
			memset(out2, 0, TN_KDF_LEN);
		if (out3)
			memset(out3, 0, TN_KDF_LEN);
	} else {
		memcpy(out1, t1, TN_KDF_LEN);
		if (out2)
			memcpy(out2, t2, TN_KDF_LEN);
		if (out3)
			memcpy(out3, t3, TN_KDF_LEN);
	}
	tn_crypto_wipe(temp, sizeof(temp));
	tn_crypto_wipe(t1, sizeof(t1));
	tn_crypto_wipe(t2, sizeof(t2));
	tn_crypto_wipe(t3, sizeof(t3));
	return err;
}

#include "crypto/blake2s.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <errno.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

int tn_blake2s2(uint8_t out[TN_BLAKE2S_LEN], const void *a, size_t alen,
		const void *b, size_t blen)
{
	EVP_MD_CTX *md = tn_crypto_scratch_md();
	unsigned int outl;

	if (!md)
		return -ENOMEM;
	if (!EVP_DigestInit_ex2(md, tn_crypto_md_blake2s, NULL) ||
	    (alen && !EVP_DigestUpdate(md, a, alen)) ||
	    (blen && !EVP_DigestUpdate(md, b, blen)) ||
	    !EVP_DigestFinal_ex(md, out, &outl))
		return -EIO;
	return 0;
}

int tn_blake2s(uint8_t out[TN_BLAKE2S_LEN], const void *in, size_t len)
{
	return tn_blake2s2(out, in, len, NULL, 0);
}

int tn_blake2s_mac(uint8_t *out, size_t outlen, const uint8_t *key,
		   size_t keylen, const void *in, size_t len)
{
	EVP_MAC_CTX *mac;
	OSSL_PARAM params[2];
	size_t outl;

	if (outlen < 1 || outlen > TN_BLAKE2S_LEN || keylen < 1 ||
	    keylen > TN_BLAKE2S_KEY_MAX)
		return -EINVAL;
	mac = tn_crypto_scratch_mac();
	if (!mac)
		return -ENOMEM;
	/* The size goes into the parameter block, so it is set before the
	 * key on every call (the context may hold another length). */
	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &outlen);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(mac, key, keylen, params) ||
	    (len && !EVP_MAC_update(mac, in, len)) ||
	    !EVP_MAC_final(mac, out, &outl, outlen) || outl != outlen)
		return -EIO;
	return 0;
}

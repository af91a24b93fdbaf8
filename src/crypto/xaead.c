#include "crypto/xaead.h"
#include "crypto/crypto.h"

#include <errno.h>

#include <sodium.h>

int tn_xaead_seal(const uint8_t key[TN_XAEAD_KEY_LEN],
		  const uint8_t nonce[TN_XAEAD_NONCE_LEN],
		  uint8_t *out, const uint8_t *in, size_t len,
		  const uint8_t *ad, size_t adlen)
{
	int err = tn_crypto_init();

	if (err)
		return err;
	if (len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX)
		return -EMSGSIZE;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out, NULL, in, len,
			ad, adlen, NULL, nonce, key) != 0)
		return -EMSGSIZE;
	return 0;
}

int tn_xaead_open(const uint8_t key[TN_XAEAD_KEY_LEN],
		  const uint8_t nonce[TN_XAEAD_NONCE_LEN],
		  uint8_t *out, const uint8_t *in, size_t inlen,
		  const uint8_t *ad, size_t adlen)
{
	int err = tn_crypto_init();

	if (err)
		return err;
	if (inlen < TN_XAEAD_TAG_LEN)
		return -EBADMSG;
	/* libsodium verifies before decrypting and zeroes out on failure. */
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL, in,
			inlen, ad, adlen, nonce, key) != 0)
		return -EBADMSG;
	return 0;
}

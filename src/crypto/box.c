#include "crypto/box.h"
#include "crypto/crypto.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

/* crypto_box_MESSAGEBYTES_MAX leaves room for the 16-byte tag; the extra
 * 24 bytes of nonce in front are checked here too so len + 40 cannot wrap. */
static int check_len(size_t len)
{
	if (len > crypto_box_MESSAGEBYTES_MAX ||
	    len > SIZE_MAX - TN_BOX_OVERHEAD)
		return -EMSGSIZE;
	return 0;
}

int tn_box_seal_nonce(uint8_t *out, const uint8_t *msg, size_t len,
		      const uint8_t nonce[TN_BOX_NONCE_LEN],
		      const uint8_t peer_pub[TN_BOX_KEY_LEN],
		      const uint8_t my_priv[TN_BOX_KEY_LEN])
{
	int err = tn_crypto_init();

	if (err)
		return err;
	if ((err = check_len(len)))
		return err;
	memmove(out, nonce, TN_BOX_NONCE_LEN);
	/* Fails only for a low-order peer key (all-zero X25519 result). */
	if (crypto_box_easy(out + TN_BOX_NONCE_LEN, msg, len, nonce, peer_pub,
			    my_priv) != 0) {
		memset(out, 0, len + TN_BOX_OVERHEAD);
		return -EINVAL;
	}
	return 0;
}

int tn_box_seal(uint8_t *out, const uint8_t *msg, size_t len,
		const uint8_t peer_pub[TN_BOX_KEY_LEN],
		const uint8_t my_priv[TN_BOX_KEY_LEN])
{
	uint8_t nonce[TN_BOX_NONCE_LEN];
	int err = tn_crypto_random(nonce, sizeof(nonce));

	if (err)
		return err;
	return tn_box_seal_nonce(out, msg, len, nonce, peer_pub, my_priv);
}

int tn_box_open(uint8_t *out, const uint8_t *in, size_t inlen,
		const uint8_t peer_pub[TN_BOX_KEY_LEN],
		const uint8_t my_priv[TN_BOX_KEY_LEN])
{
	int err = tn_crypto_init();

	if (err)
		return err;
	if (inlen < TN_BOX_OVERHEAD)
		return -EBADMSG;
	if (crypto_box_open_easy(out, in + TN_BOX_NONCE_LEN,
				 inlen - TN_BOX_NONCE_LEN, in, peer_pub,
				 my_priv) != 0) {
		memset(out, 0, inlen - TN_BOX_OVERHEAD);
		return -EBADMSG;
	}
	return 0;
}

int tn_box_beforenm(uint8_t shared[TN_BOX_KEY_LEN],
		    const uint8_t peer_pub[TN_BOX_KEY_LEN],
		    const uint8_t my_priv[TN_BOX_KEY_LEN])
{
	int err = tn_crypto_init();

	if (err)
		return err;
	if (crypto_box_beforenm(shared, peer_pub, my_priv) != 0) {
		tn_crypto_wipe(shared, TN_BOX_KEY_LEN);
		return -EINVAL;
	}
	return 0;
}

int tn_box_seal_afternm_nonce(uint8_t *out, const uint8_t *msg, size_t len,
			      const uint8_t nonce[TN_BOX_NONCE_LEN],
			      const uint8_t shared[TN_BOX_KEY_LEN])
{
	int err = tn_crypto_init();

	if (err)
		return err;
	if ((err = check_len(len)))
		return err;
	memmove(out, nonce, TN_BOX_NONCE_LEN);
	if (crypto_box_easy_afternm(out + TN_BOX_NONCE_LEN, msg, len, nonce,
				    shared) != 0) {
		memset(out, 0, len + TN_BOX_OVERHEAD);
		return -EMSGSIZE;
	}
	return 0;
}

int tn_box_seal_afternm(uint8_t *out, const uint8_t *msg, size_t len,
			const uint8_t shared[TN_BOX_KEY_LEN])
{
	uint8_t nonce[TN_BOX_NONCE_LEN];
	int err = tn_crypto_random(nonce, sizeof(nonce));

	if (err)
		return err;
	return tn_box_seal_afternm_nonce(out, msg, len, nonce, shared);
}

int tn_box_open_afternm(uint8_t *out, const uint8_t *in, size_t inlen,
			const uint8_t shared[TN_BOX_KEY_LEN])
{
	int err = tn_crypto_init();

	if (err)
		return err;
	if (inlen < TN_BOX_OVERHEAD)
		return -EBADMSG;
	if (crypto_box_open_easy_afternm(out, in + TN_BOX_NONCE_LEN,
					 inlen - TN_BOX_NONCE_LEN, in,
					 shared) != 0) {
		memset(out, 0, inlen - TN_BOX_OVERHEAD);
		return -EBADMSG;
	}
	return 0;
}

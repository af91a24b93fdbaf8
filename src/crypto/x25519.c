#include "crypto/x25519.h"
#include "crypto/crypto.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

int tn_x25519(uint8_t shared[TN_X25519_KEY_LEN],
	      const uint8_t priv[TN_X25519_KEY_LEN],
	      const uint8_t pub[TN_X25519_KEY_LEN])
{
	uint8_t out[TN_X25519_KEY_LEN];
	int err = tn_crypto_init();

	if (err)
		return err;
	/* libsodium returns -1 for low-order inputs and for an all-zero
	 * result; both are the RFC 7748 section 6.1 abort case. */
	if (crypto_scalarmult(out, priv, pub) != 0) {
		tn_crypto_wipe(out, sizeof(out));
		memset(shared, 0, TN_X25519_KEY_LEN);
		return -EINVAL;
	}
	memcpy(shared, out, sizeof(out));
	tn_crypto_wipe(out, sizeof(out));
	return 0;
}

int tn_x25519_public(uint8_t pub[TN_X25519_KEY_LEN],
		     const uint8_t priv[TN_X25519_KEY_LEN])
{
	uint8_t out[TN_X25519_KEY_LEN];
	int err = tn_crypto_init();

	if (err)
		return err;
	if (crypto_scalarmult_base(out, priv) != 0) {
		memset(pub, 0, TN_X25519_KEY_LEN);
		return -EINVAL;
	}
	memcpy(pub, out, sizeof(out));
	return 0;
}

void tn_x25519_clamp(uint8_t priv[TN_X25519_KEY_LEN])
{
	priv[0] &= 248;
	priv[31] = (uint8_t)((priv[31] & 127) | 64);
}

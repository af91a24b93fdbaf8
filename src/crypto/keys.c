#include "crypto/keys.h"
#include "crypto/crypto.h"
#include "crypto/x25519.h"
#include "util/hex.h"

#include <errno.h>
#include <string.h>

/* Indexed by enum tn_key_type; Go's types/key prefixes. */
static const char *const prefixes[] = {
	[TN_KEY_MACHINE_PUBLIC] = "mkey:",
	[TN_KEY_NODE_PUBLIC] = "nodekey:",
	[TN_KEY_DISCO_PUBLIC] = "discokey:",
	[TN_KEY_PRIVATE] = "privkey:",
	[TN_KEY_NL_PUBLIC] = "nlpub:",
	[TN_KEY_CHALLENGE_PUBLIC] = "chalpub:",
};

int tn_key_generate_private(uint8_t priv[TN_KEY_LEN])
{
	int err = tn_crypto_random(priv, TN_KEY_LEN);

	if (err) {
		memset(priv, 0, TN_KEY_LEN);
		return err;
	}
	tn_x25519_clamp(priv);
	return 0;
}

int tn_key_public_from_private(uint8_t pub[TN_KEY_LEN],
			       const uint8_t priv[TN_KEY_LEN])
{
	return tn_x25519_public(pub, priv);
}

const char *tn_key_prefix(enum tn_key_type type)
{
	if ((unsigned)type >= sizeof(prefixes) / sizeof(prefixes[0]))
		return NULL;
	return prefixes[type];
}

int tn_key_to_text(char *out, size_t outlen, enum tn_key_type type,
		   const uint8_t key[TN_KEY_LEN])
{
	const char *prefix = tn_key_prefix(type);
	size_t plen;

	if (!prefix)
		return -EINVAL;
	plen = strlen(prefix);
	if (outlen < plen + 2 * TN_KEY_LEN + 1)
		return -ENOSPC;
	memcpy(out, prefix, plen);
	tn_hex_encode(out + plen, key, TN_KEY_LEN);
	return (int)(plen + 2 * TN_KEY_LEN);
}

int tn_key_from_text(uint8_t key[TN_KEY_LEN], enum tn_key_type type,
		     const char *text, size_t len)
{
	const char *prefix = tn_key_prefix(type);
	size_t plen;

	/* Length before prefix, so memcmp never reads past len. */
	if (!prefix || len != (plen = strlen(prefix)) + 2 * TN_KEY_LEN ||
	    memcmp(text, prefix, plen) != 0) {
		memset(key, 0, TN_KEY_LEN);
		return -EINVAL;
	}
	/* Rejects anything but [0-9a-fA-F] (NUL and spaces included) and
	 * zeroes key on failure. */
	return tn_hex_decode(key, TN_KEY_LEN, text + plen, 2 * TN_KEY_LEN);
}

bool tn_key_is_zero(const uint8_t key[TN_KEY_LEN])
{
	return tn_crypto_is_zero(key, TN_KEY_LEN);
}

void tn_key_short(char out[TN_KEY_SHORT_MAX], const uint8_t key[TN_KEY_LEN])
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (tn_key_is_zero(key)) {
		out[0] = '\0';
		return;
	}
	/* The first 5 base64 characters cover the first 30 bits, which lie in
	 * the first 4 bytes; no padding can appear that early. */
	out[0] = '[';
	out[1] = b64[key[0] >> 2];
	out[2] = b64[(key[0] & 0x03) << 4 | key[1] >> 4];
	out[3] = b64[(key[1] & 0x0f) << 2 | key[2] >> 6];
	out[4] = b64[key[2] & 0x3f];
	out[5] = b64[key[3] >> 2];
	out[6] = ']';
	out[7] = '\0';
}

void tn_key_disco_short(char out[TN_KEY_DISCO_SHORT_MAX],
			const uint8_t key[TN_KEY_LEN])
{
	if (tn_key_is_zero(key)) {
		out[0] = '\0';
		return;
	}
	out[0] = 'd';
	out[1] = ':';
	tn_hex_encode(out + 2, key, 8);
}

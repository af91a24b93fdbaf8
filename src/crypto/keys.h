/* Tailscale key types: generation, public-from-private, the typed text
 * forms ("nodekey:<64 hex>" and friends, as Go's types/key writes them) and
 * the short fingerprints used in logs.  protocol.md section 1.
 *
 * Keys are plain caller-owned 32-byte arrays.  Private keys are secrets:
 * wipe them (tn_crypto_wipe) when done and never log them; log
 * tn_key_short() of a public key instead.  The text parsers take untrusted
 * (buf, len) input, never read past len, and need no NUL terminator.  Any
 * thread; no allocation.
 */
#ifndef TN_CRYPTO_KEYS_H
#define TN_CRYPTO_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TN_KEY_LEN 32

/* The typed text forms.  All are prefix + exactly 64 hex digits. */
enum tn_key_type {
	TN_KEY_MACHINE_PUBLIC,   /* "mkey:"     machine key, control's Noise key */
	TN_KEY_NODE_PUBLIC,      /* "nodekey:"  WireGuard / DERP identity */
	TN_KEY_DISCO_PUBLIC,     /* "discokey:" disco (NaCl box) key */
	TN_KEY_PRIVATE,          /* "privkey:"  machine or node private key */
	TN_KEY_NL_PUBLIC,        /* "nlpub:"    tailnet-lock key (RegisterRequest.NLKey) */
	TN_KEY_CHALLENGE_PUBLIC, /* "chalpub:"  EarlyNoise.nodeKeyChallenge */
};

/* Longest text form ("discokey:" + 64 hex) plus its NUL. */
#define TN_KEY_TEXT_MAX (9 + 2 * TN_KEY_LEN + 1)
/* "[" + 5 base64 characters + "]" + NUL. */
#define TN_KEY_SHORT_MAX 8
/* "d:" + 16 hex digits + NUL. */
#define TN_KEY_DISCO_SHORT_MAX 19

/* priv = 32 random bytes, clamped (b[0] &= 248; b[31] = (b[31] & 127) | 64),
 * as Go does for machine, node and disco keys.  Returns 0 or
 * tn_crypto_init()'s error (priv zeroed). */
int tn_key_generate_private(uint8_t priv[TN_KEY_LEN]);

/* pub = X25519(priv, 9).  Returns 0 or a negative errno. */
int tn_key_public_from_private(uint8_t pub[TN_KEY_LEN],
			       const uint8_t priv[TN_KEY_LEN]);

/* The prefix of a type including its ':' (e.g. "nodekey:"), or NULL for an
 * unknown type. */
const char *tn_key_prefix(enum tn_key_type type);

/* Writes the text form (lowercase hex) and a NUL into out[0..outlen).
 * Returns its length without the NUL, -ENOSPC if outlen is too small
 * (TN_KEY_TEXT_MAX always suffices) or -EINVAL for an unknown type.  An
 * all-zero key is written like any other ("nodekey:000...0").  The text
 * of a private key is as secret as the key: wipe out after use. */
int tn_key_to_text(char *out, size_t outlen, enum tn_key_type type,
		   const uint8_t key[TN_KEY_LEN]);

/* Parses text[0..len): exactly the type's prefix (case-sensitive) followed
 * by exactly 64 hex digits of either case; nothing else (no whitespace, no
 * NUL, no trailing bytes).  Returns 0, or -EINVAL with key zeroed. */
int tn_key_from_text(uint8_t key[TN_KEY_LEN], enum tn_key_type type,
		     const char *text, size_t len);

/* Go's ShortString: "[" + the first 5 characters of the standard base64 of
 * the key + "]", e.g. "[dwdtC]"; "" for the all-zero key. */
void tn_key_short(char out[TN_KEY_SHORT_MAX], const uint8_t key[TN_KEY_LEN]);

/* Go's DiscoPublic.ShortString: "d:" + hex of the first 8 bytes; "" for
 * the all-zero key. */
void tn_key_disco_short(char out[TN_KEY_DISCO_SHORT_MAX],
			const uint8_t key[TN_KEY_LEN]);

/* True if all 32 bytes are zero (constant time). */
bool tn_key_is_zero(const uint8_t key[TN_KEY_LEN]);

#endif

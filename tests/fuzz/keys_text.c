/* Fuzz target for the key text parsers (src/crypto/keys.c).
 *
 * The input is offered to tn_key_from_text as every key type.  Whatever a
 * parser accepts must be the type's prefix followed by 64 hex digits, and
 * must round-trip through tn_key_to_text to the same text with the hex in
 * lowercase (Go's types/key accepts either case and writes lowercase).
 * The fingerprint helpers run on every accepted key as well.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;

	for (int t = TN_KEY_MACHINE_PUBLIC; t <= TN_KEY_CHALLENGE_PUBLIC; t++) {
		uint8_t key[TN_KEY_LEN];
		char out[TN_KEY_TEXT_MAX], s[TN_KEY_SHORT_MAX];
		char d[TN_KEY_DISCO_SHORT_MAX];
		const char *prefix = tn_key_prefix(t);
		size_t plen = strlen(prefix);
		int n;

		if (tn_key_from_text(key, t, text, size) != 0) {
			/* A rejected parse leaves the key zeroed. */
			if (!tn_key_is_zero(key))
				abort();
			continue;
		}
		if (size != plen + 2 * TN_KEY_LEN || memcmp(text, prefix, plen))
			abort();
		n = tn_key_to_text(out, sizeof(out), t, key);
		if (n < 0 || (size_t)n != size || out[n] != '\0')
			abort();
		if (memcmp(out, text, plen))
			abort();
		for (size_t i = plen; i < size; i++)
			if (out[i] != lower(text[i]))
				abort();
		tn_key_short(s, key);
		tn_key_disco_short(d, key);
		if (strlen(s) >= sizeof(s) || strlen(d) >= sizeof(d))
			abort();
	}
	return 0;
}

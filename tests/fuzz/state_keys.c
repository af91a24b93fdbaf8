/* Fuzz target for the state store's keys file parser (src/ipn/store.c).
 *
 * A state file is only trusted input in theory: disk corruption, a crash
 * in an older version or an administrator's editor can put anything there,
 * and the daemon must then stop with a message, never crash or invent an
 * identity.  Whatever the input, the parser stays inside it; a refusal
 * zeroes the keys and leaves a message without key material (no run of
 * 8 hex digits); an accepted file has nonzero keys, reformats to at most
 * TN_STORE_KEYS_TEXT_MAX bytes and parses back to the same keys, and every
 * proper prefix of the canonical form is refused (truncation is always
 * detected).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipn/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The longest run of hex digits in s: a message quoting key material
 * would have one. */
static size_t hex_run(const char *s)
{
	size_t run = 0, best = 0;

	for (; *s; s++) {
		bool hex = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
			   (*s >= 'A' && *s <= 'F');

		run = hex ? run + 1 : 0;
		best = run > best ? run : best;
	}
	return best;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_store_keys k, again;
	char err[128], text[TN_STORE_KEYS_TEXT_MAX];
	int n;

	memset(err, 0x7f, sizeof(err));
	if (tn_store_keys_parse(&k, (const char *)data, size, err, sizeof(err))) {
		if (!tn_key_is_zero(k.machine) || !tn_key_is_zero(k.node) ||
		    !tn_key_is_zero(k.old_node) || k.has_old_node)
			abort();
		if (!memchr(err, '\0', sizeof(err)) || !err[0] ||
		    hex_run(err) >= 8)
			abort();
		return 0;
	}
	if (tn_key_is_zero(k.machine) || tn_key_is_zero(k.node) ||
	    (k.has_old_node && tn_key_is_zero(k.old_node)) ||
	    (!k.has_old_node && !tn_key_is_zero(k.old_node)))
		abort();
	n = tn_store_keys_format(text, sizeof(text), &k);
	if (n <= 0 || (size_t)n >= sizeof(text) || (size_t)n > size)
		abort();
	if (tn_store_keys_parse(&again, text, (size_t)n, err, sizeof(err)) ||
	    memcmp(&again, &k, sizeof(k)))
		abort();
	for (int i = 0; i < n; i += 1 + i / 8)
		if (!tn_store_keys_parse(&again, text, (size_t)i, err, sizeof(err)))
			abort();
	tn_store_keys_wipe(&k);
	tn_store_keys_wipe(&again);
	return 0;
}

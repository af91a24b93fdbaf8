/* Test helper: known-answer vectors are kept as the hex strings their
 * sources print, and decoded here, so each one can be compared with its
 * source by eye.  Include after <cmocka.h>.
 */
#ifndef TN_TEST_CRYPTO_VEC_H
#define TN_TEST_CRYPTO_VEC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"

/* Decodes hex (its length must be even) into out, which must hold
 * strlen(hex)/2 bytes; returns that length.  Fails the test on bad hex. */
static inline size_t unhex(uint8_t *out, const char *hex)
{
	size_t n = strlen(hex);

	assert_int_equal(n % 2, 0);
	assert_int_equal(tn_hex_decode(out, n / 2, hex, n), 0);
	return n / 2;
}

/* Heap copy of the decoded vector (exact size, so ASan catches reads past
 * it); caller frees.  *len receives its length. */
static inline uint8_t *unhex_alloc(const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2;
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	*len = unhex(p, hex);
	return p;
}

#endif

/* Standard base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding).
 * Encoding always pads.  Decoding is strict: exact length, padding
 * required, no whitespace or other characters, and the unused bits of the
 * last group must be zero, so every byte string has exactly one accepted
 * text form.  The alphabet is decoded without table lookups or branches on
 * the data, since it carries private keys.  Any thread; no allocation.
 */
#ifndef TN_UTIL_BASE64_H
#define TN_UTIL_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters (without NUL) that encode n bytes. */
#define TN_B64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)

/* Writes TN_B64_ENCODED_LEN(len) characters and a NUL to out. */
void tn_b64_encode(char *out, const uint8_t *in, size_t len);

/* The number of bytes in[0..inlen) decodes to, or -EINVAL if it is not
 * valid strict base64 (the whole input is checked; nothing is written). */
long tn_b64_decoded_len(const char *in, size_t inlen);

/* Decodes in[0..inlen), which must be the encoding of exactly outlen bytes.
 * Returns 0, or -EINVAL with out zeroed. */
int tn_b64_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen);

#endif

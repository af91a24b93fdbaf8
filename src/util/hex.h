/* Hexadecimal text <-> bytes.  Encoding writes lowercase; decoding is
 * strict (exact length, hex digits of either case, nothing else).
 */
#ifndef TN_UTIL_HEX_H
#define TN_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit of either case, or -1. */
int tn_hex_digit(int c);

/* Writes 2*len hex digits and a NUL to out (size >= 2*len + 1). */
void tn_hex_encode(char *out, const uint8_t *in, size_t len);

/* Decodes exactly 2*outlen hex digits from in[0..inlen).  Returns 0, or
 * -EINVAL if inlen != 2*outlen or a character is not a hex digit; out is
 * left zeroed on failure. */
int tn_hex_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen);

#endif

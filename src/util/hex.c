#include "util/hex.h"

#include <errno.h>
#include <string.h>

void tn_hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int tn_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tn_hex_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen)
{
	if (inlen != 2 * outlen)
		goto bad;
	for (size_t i = 0; i < outlen; i++) {
		int hi = tn_hex_digit(in[2 * i]), lo = tn_hex_digit(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto bad;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
bad:
	memset(out, 0, outlen);
	return -EINVAL;
}

#include "util/base64.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void tn_b64_encode(char *out, const uint8_t *in, size_t len)
{
	size_t i = 0;

	for (; i + 3 <= len; i += 3, out += 4) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[0] = alphabet[v >> 18];
		out[1] = alphabet[(v >> 12) & 63];
		out[2] = alphabet[(v >> 6) & 63];
		out[3] = alphabet[v & 63];
	}
	if (len - i == 1) {
		out[0] = alphabet[in[i] >> 2];
		out[1] = alphabet[(in[i] & 3) << 4];
		out[2] = out[3] = '=';
		out += 4;
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[0] = alphabet[v >> 10];
		out[1] = alphabet[(v >> 4) & 63];
		out[2] = alphabet[(v << 2) & 63];
		out[3] = '=';
		out += 4;
	}
	*out = '\0';
}

/* -1 if lo <= c <= hi, else 0, without branches. */
static int in_range(int c, int lo, int hi)
{
	return ((lo - 1 - c) & (c - hi - 1)) >> 8;
}

/* The 6-bit value of c, or -1 (constant time, as wireguard-tools does). */
static int char_value(unsigned char ch)
{
	int c = ch, v = -1;

	v += in_range(c, 'A', 'Z') & (c - 'A' + 1);
	v += in_range(c, 'a', 'z') & (c - 'a' + 27);
	v += in_range(c, '0', '9') & (c - '0' + 53);
	v += in_range(c, '+', '+') & 63;
	v += in_range(c, '/', '/') & 64;
	return v;
}

/* Decodes one 4-character group (pad characters already replaced by 'A').
 * Returns the 24 bits, or a negative value if a character is invalid. */
static int32_t decode_group(const char g[4])
{
	int a = char_value((unsigned char)g[0]), b = char_value((unsigned char)g[1]);
	int c = char_value((unsigned char)g[2]), d = char_value((unsigned char)g[3]);

	return (int32_t)((a | b | c | d) < 0 ? -1 : a << 18 | b << 12 | c << 6 | d);
}

/* Walks the input, writing to out if non-NULL (room for the decoded
 * length is the caller's business).  Returns the decoded length or
 * -EINVAL. */
static long walk(uint8_t *out, const char *in, size_t inlen)
{
	size_t groups, pad = 0, n;
	int bad = 0;

	if (inlen % 4 || inlen / 4 > (size_t)(LONG_MAX / 3))
		return -EINVAL;
	if (inlen == 0)
		return 0;
	if (in[inlen - 1] == '=')
		pad = in[inlen - 2] == '=' ? 2 : 1;
	groups = inlen / 4;
	n = groups * 3 - pad;
	for (size_t i = 0; i < groups; i++) {
		char g[4];
		int32_t v;

		memcpy(g, in + 4 * i, 4);
		if (i == groups - 1) {
			if (pad >= 1)
				g[3] = 'A';
			if (pad == 2)
				g[2] = 'A';
		}
		v = decode_group(g);
		bad |= v < 0;
		/* Padding bits must be zero: one canonical form. */
		if (i == groups - 1)
			bad |= (pad == 1 && (v & 0xff)) | (pad == 2 && (v & 0xffff));
		if (out) {
			uint8_t b[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

			memcpy(out + 3 * i, b, i == groups - 1 ? 3 - pad : 3);
		}
	}
	return bad ? -EINVAL : (long)n;
}

long tn_b64_decoded_len(const char *in, size_t inlen)
{
	return walk(NULL, in, inlen);
}

int tn_b64_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen)
{
	if (inlen != TN_B64_ENCODED_LEN(outlen) || walk(NULL, in, inlen) != (long)outlen)
		goto bad;
	walk(out, in, inlen);
	return 0;
bad:
	memset(out, 0, outlen);
	return -EINVAL;
}

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "cli/punycode.h"

/* RFC 3492 section 5 parameters. */
enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700, INITIAL_BIAS = 72, INITIAL_N = 128 };
/* A label is at most 63 bytes, so never more code points than that. */
#define MAX_POINTS 64

static uint32_t adapt(uint32_t delta, uint32_t points, int first)
{
	uint32_t k = 0;

	delta = first ? delta / DAMP : delta / 2;
	delta += delta / points;
	while (delta > ((BASE - TMIN) * TMAX) / 2) {
		delta /= BASE - TMIN;
		k += BASE;
	}
	return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

static int digit_of(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	return -1;
}

/* Decodes the part after "xn--" (in[0..len)) into code points. */
static int decode(const char *in, size_t len, uint32_t *out, size_t *nout)
{
	uint32_t n = INITIAL_N, i = 0, bias = INITIAL_BIAS;
	size_t b = 0, o = 0;

	for (size_t k = 0; k < len; k++)
		if (in[k] == '-')
			b = k;
	for (size_t k = 0; k < b; k++) {
		if ((unsigned char)in[k] >= 0x80 || o == MAX_POINTS)
			return -EINVAL;
		out[o++] = (unsigned char)in[k];
	}
	for (size_t p = b ? b + 1 : 0; p < len;) {
		uint32_t oldi = i, w = 1;
		for (uint32_t k = BASE;; k += BASE) {
			if (p >= len)
				return -EINVAL;
			int d = digit_of(in[p++]);
			if (d < 0 || (uint32_t)d > (UINT32_MAX - i) / w)
				return -EINVAL;
			i += (uint32_t)d * w;
			uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
			if ((uint32_t)d < t)
				break;
			if (w > UINT32_MAX / (BASE - t))
				return -EINVAL;
			w *= BASE - t;
		}
		if (o == MAX_POINTS)
			return -EINVAL;
		bias = adapt(i - oldi, (uint32_t)o + 1, oldi == 0);
		if (i / (o + 1) > UINT32_MAX - n)
			return -EINVAL;
		n += i / (uint32_t)(o + 1);
		i %= (uint32_t)(o + 1);
		if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff))
			return -EINVAL;
		memmove(out + i + 1, out + i, (o - i) * sizeof(*out));
		out[i++] = n;
		o++;
	}
	*nout = o;
	return 0;
}

static size_t put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

int tn_cli_idna_to_unicode(const char *name, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return -EINVAL;
	while (*name) {
		size_t len = strcspn(name, ".");
		if (len > 4 && !strncasecmp(name, "xn--", 4)) {
			uint32_t cps[MAX_POINTS];
			size_t n;
			if (len > 63 || decode(name + 4, len - 4, cps, &n) < 0)
				return -EINVAL;
			for (size_t k = 0; k < n; k++) {
				if (o + 5 > outlen)
					return -EINVAL;
				o += put_utf8(out + o, cps[k]);
			}
		} else {
			if (o + len + 1 > outlen)
				return -EINVAL;
			memcpy(out + o, name, len);
			o += len;
		}
		name += len;
		if (*name == '.') {
			if (o + 2 > outlen)
				return -EINVAL;
			out[o++] = '.';
			name++;
		}
	}
	out[o] = '\0';
	return 0;
}

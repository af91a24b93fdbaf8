/* The ts2021 record reader on arbitrary bytes: a codec keyed with fixed
 * keys reads the input in pieces; the input's first byte picks the piece
 * size.  Never a crash, never more plaintext than input.  The seed corpus
 * holds records sealed with the same key, so the fuzzer starts past the
 * authentication. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "control/ts2021.h"
#include "crypto/aead.h"

static int count(void *ctx, const uint8_t *p, size_t len)
{
	size_t *total = ctx;

	*total += len;
	for (size_t i = 0; i < len; i++)
		*total += p[i] & 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct tn_ts2021_codec c;
	size_t total = 0, step;

	if (!size)
		return 0;
	memset(&c, 0, sizeof(c));
	c.tx = tn_aead_new(key);
	c.rx = tn_aead_new(key);
	if (!c.tx || !c.rx)
		__builtin_trap();
	step = (size_t)data[0] % 64 + 1;
	for (size_t off = 1; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;

		if (tn_ts2021_feed(&c, data + off, n, count, &total) < 0)
			break;
	}
	if (total > size)
		__builtin_trap();
	tn_ts2021_codec_free(&c);
	return 0;
}

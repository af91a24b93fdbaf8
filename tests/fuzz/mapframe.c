/* Map-stream reassembly on arbitrary bytes, fed in pieces whose sizes the
 * input's first byte chooses: never a crash, every message within its
 * declared size. */
#include <stddef.h>
#include <stdint.h>

#include "control/mapframe.h"

static int check(void *ctx, const uint8_t *m, size_t len)
{
	size_t *total = ctx;

	if (len > TN_MAPFRAME_MAX)
		__builtin_trap();
	*total += len;
	/* touch every byte so ASan sees any overread */
	for (size_t i = 0; i < len; i++)
		*total += m[i] & 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_mapframe r;
	size_t total = 0, step;

	if (!size)
		return 0;
	step = (size_t)data[0] % 17 + 1;
	tn_mapframe_init(&r);
	for (size_t off = 1; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;

		if (tn_mapframe_feed(&r, data + off, n, check, &total) < 0)
			break;
	}
	if (total > size)
		__builtin_trap();
	tn_mapframe_free(&r);
	return 0;
}

/* Map-stream reassembly: little-endian length prefixes, messages split at
 * every byte, empty messages, and the size limit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "control/mapframe.h"

struct got {
	char msgs[8][64];
	size_t lens[8];
	int n;
};

static int collect(void *ctx, const uint8_t *m, size_t len)
{
	struct got *g = ctx;

	assert_true(g->n < 8 && len < 64);
	memcpy(g->msgs[g->n], m, len);
	g->lens[g->n++] = len;
	return 0;
}

static size_t frame(uint8_t *out, const char *json)
{
	size_t n = strlen(json);

	out[0] = (uint8_t)n;
	out[1] = (uint8_t)(n >> 8);
	out[2] = (uint8_t)(n >> 16);
	out[3] = (uint8_t)(n >> 24);
	memcpy(out + 4, json, n);
	return n + 4;
}

static void messages_reassembled_at_any_split(void **state)
{
	uint8_t wire[256];
	size_t w = 0;

	w += frame(wire + w, "{\"Node\":{}}");
	w += frame(wire + w, "");
	w += frame(wire + w, "{\"KeepAlive\":true}");
	for (size_t split = 0; split <= w; split++) {
		struct tn_mapframe r;
		struct got g = { 0 };

		tn_mapframe_init(&r);
		assert_int_equal(tn_mapframe_feed(&r, wire, split, collect, &g), 0);
		assert_int_equal(tn_mapframe_feed(&r, wire + split, w - split, collect, &g), 0);
		assert_int_equal(g.n, 3);
		assert_int_equal(g.lens[0], 11);
		assert_memory_equal(g.msgs[0], "{\"Node\":{}}", 11);
		assert_int_equal(g.lens[1], 0);
		assert_memory_equal(g.msgs[2], "{\"KeepAlive\":true}", 18);
		tn_mapframe_free(&r);
	}
}

static void byte_by_byte(void **state)
{
	uint8_t wire[64];
	size_t w = frame(wire, "{\"Domain\":\"x\"}");
	struct tn_mapframe r;
	struct got g = { 0 };

	tn_mapframe_init(&r);
	for (size_t i = 0; i < w; i++)
		assert_int_equal(tn_mapframe_feed(&r, wire + i, 1, collect, &g), 0);
	assert_int_equal(g.n, 1);
	tn_mapframe_free(&r);
}

static void oversized_message_refused(void **state)
{
	uint8_t hdr[4] = { 0x01, 0x00, 0x00, 0x04 }; /* 64 MiB + 1 */
	struct tn_mapframe r;
	struct got g = { 0 };

	tn_mapframe_init(&r);
	assert_int_equal(tn_mapframe_feed(&r, hdr, 4, collect, &g), -EMSGSIZE);
	assert_int_equal(g.n, 0);
	tn_mapframe_free(&r);
}

static int refuse(void *ctx, const uint8_t *m, size_t len)
{
	return -EBADMSG;
}

static void callback_error_stops_the_stream(void **state)
{
	uint8_t wire[64];
	size_t w = frame(wire, "{}");
	struct tn_mapframe r;

	tn_mapframe_init(&r);
	assert_int_equal(tn_mapframe_feed(&r, wire, w, refuse, NULL), -EBADMSG);
	tn_mapframe_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(messages_reassembled_at_any_split),
		cmocka_unit_test(byte_by_byte),
		cmocka_unit_test(oversized_message_refused),
		cmocka_unit_test(callback_error_stops_the_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

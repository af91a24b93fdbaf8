#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/base64.h"

/* RFC 4648 section 10. */
static const struct {
	const char *plain, *b64;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

#define NVEC (sizeof(rfc4648) / sizeof(rfc4648[0]))

static void encode_rfc4648(void **state)
{
	for (size_t i = 0; i < NVEC; i++) {
		char out[16];

		memset(out, 'x', sizeof(out));
		tn_b64_encode(out, (const uint8_t *)rfc4648[i].plain, strlen(rfc4648[i].plain));
		assert_string_equal(out, rfc4648[i].b64);
		assert_int_equal(TN_B64_ENCODED_LEN(strlen(rfc4648[i].plain)),
				 strlen(rfc4648[i].b64));
	}
}

static void decode_rfc4648(void **state)
{
	for (size_t i = 0; i < NVEC; i++) {
		size_t n = strlen(rfc4648[i].plain), m = strlen(rfc4648[i].b64);
		uint8_t out[8];

		assert_int_equal(tn_b64_decoded_len(rfc4648[i].b64, m), (long)n);
		assert_int_equal(tn_b64_decode(out, n, rfc4648[i].b64, m), 0);
		assert_memory_equal(out, rfc4648[i].plain, n);
	}
}

/* Every byte value, every alphabet character, every tail length. */
static void round_trip_all_bytes(void **state)
{
	uint8_t in[256], out[256];
	char text[TN_B64_ENCODED_LEN(256) + 1];

	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)(i * 7 + 3);
	for (size_t n = 250; n <= 256; n++) {
		tn_b64_encode(text, in, n);
		assert_int_equal(strlen(text), TN_B64_ENCODED_LEN(n));
		assert_int_equal(tn_b64_decode(out, n, text, strlen(text)), 0);
		assert_memory_equal(out, in, n);
	}
	tn_b64_encode(text, (const uint8_t *)"\xfb\xff\xbf", 3);
	assert_string_equal(text, "+/+/");
}

/* A WireGuard key: 32 bytes, 44 characters with one '='. */
static void decode_key(void **state)
{
	const char *k = "YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
	uint8_t key[32];

	assert_int_equal(tn_b64_decoded_len(k, 44), 32);
	assert_int_equal(tn_b64_decode(key, 32, k, 44), 0);
	assert_int_equal(key[0], 0x60);
	assert_int_equal(key[31], 0x69);
}

static void decode_rejects_bad_input(void **state)
{
	static const char *bad[] = {
		"Zg=",       /* not a multiple of 4 */
		"Zg",        /* missing padding */
		"Zh==",      /* non-zero padding bits */
		"Zm9=",      /* non-zero padding bits */
		"Zg==Zg==",  /* padding in the middle */
		"Z===",      /* too much padding */
		"====",
		"Zm 9",      /* whitespace */
		"Zm9v\n",
		"Zm-v",      /* URL-safe alphabet */
		"Zm_v",
		"Zm\0v",     /* NUL (length 4) */
		"Zm9\x80",
		"=m9v",
	};
	uint8_t out[4];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = i == 11 ? 4 : strlen(bad[i]);

		if (tn_b64_decoded_len(bad[i], len) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(tn_b64_decode(out, 1, bad[i], len), -EINVAL);
		assert_int_equal(out[0], 0); /* zeroed */
	}
	/* Valid base64, but of the wrong length. */
	assert_int_equal(tn_b64_decode(out, 2, "Zg==", 4), -EINVAL);
	assert_int_equal(tn_b64_decode(out, 3, "Zg==", 4), -EINVAL);
	assert_int_equal(tn_b64_decode(out, 0, "Zg==", 4), -EINVAL);
	assert_int_equal(tn_b64_decode(out, 1, "Zm9v", 4), -EINVAL);
	assert_memory_equal(out, ((uint8_t[]){ 0, 0, 0 }), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_rfc4648),
		cmocka_unit_test(decode_rfc4648),
		cmocka_unit_test(round_trip_all_bytes),
		cmocka_unit_test(decode_key),
		cmocka_unit_test(decode_rejects_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/hex.h"

static void encode_lowercase(void **state)
{
	const uint8_t in[] = { 0x00, 0x01, 0xab, 0xff };
	char out[9];

	tn_hex_encode(out, in, sizeof(in));
	assert_string_equal(out, "0001abff");
}

static void decode_either_case(void **state)
{
	uint8_t out[4];

	assert_int_equal(tn_hex_decode(out, 4, "0001AbfF", 8), 0);
	assert_memory_equal(out, ((uint8_t[]){ 0x00, 0x01, 0xab, 0xff }), 4);
}

static void decode_rejects_bad_input(void **state)
{
	uint8_t out[2];

	assert_int_equal(tn_hex_decode(out, 2, "abc", 3), -EINVAL);    /* short */
	assert_int_equal(tn_hex_decode(out, 2, "abcdef", 6), -EINVAL); /* long */
	assert_int_equal(tn_hex_decode(out, 2, "abcg", 4), -EINVAL);   /* not hex */
	assert_int_equal(tn_hex_decode(out, 2, "ab c", 4), -EINVAL);   /* space */
	assert_int_equal(tn_hex_decode(out, 2, "ab\0c", 4), -EINVAL);  /* NUL */
	assert_memory_equal(out, ((uint8_t[]){ 0, 0 }), 2);            /* zeroed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_lowercase),
		cmocka_unit_test(decode_either_case),
		cmocka_unit_test(decode_rejects_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

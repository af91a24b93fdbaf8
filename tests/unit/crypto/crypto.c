/* src/crypto/crypto.c: init, constant-time compare, wipe, random, and the
 * per-thread contexts surviving thread exit. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/blake2s.h"
#include "crypto/crypto.h"

static void init_is_idempotent(void **state)
{
	assert_int_equal(tn_crypto_init(), 0);
	assert_int_equal(tn_crypto_init(), 0);
}

static void equal_compares_all_bytes(void **state)
{
	uint8_t a[32], b[32];

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(tn_crypto_equal(a, b, sizeof(a)));
	b[31] ^= 1;
	assert_false(tn_crypto_equal(a, b, sizeof(a)));
	b[31] ^= 1;
	b[0] ^= 0x80;
	assert_false(tn_crypto_equal(a, b, sizeof(a)));
	assert_true(tn_crypto_equal(a, b, 0));
}

static void is_zero(void **state)
{
	uint8_t z[32] = { 0 };

	assert_true(tn_crypto_is_zero(z, sizeof(z)));
	z[17] = 1;
	assert_false(tn_crypto_is_zero(z, sizeof(z)));
	assert_true(tn_crypto_is_zero(z, 0));
}

static void wipe_zeroes(void **state)
{
	uint8_t s[48];

	memset(s, 0xee, sizeof(s));
	tn_crypto_wipe(s, sizeof(s));
	assert_true(tn_crypto_is_zero(s, sizeof(s)));
	tn_crypto_wipe(NULL, 0); /* allowed */
}

static void random_differs(void **state)
{
	uint8_t a[32], b[32];

	assert_int_equal(tn_crypto_random(a, sizeof(a)), 0);
	assert_int_equal(tn_crypto_random(b, sizeof(b)), 0);
	assert_false(tn_crypto_equal(a, b, sizeof(a)));
	assert_false(tn_crypto_is_zero(a, sizeof(a)));
}

/* RFC 7693 Appendix B, BLAKE2s-256("abc"), computed on other threads: the
 * per-thread contexts are created there and freed by the key destructor
 * when each thread exits (LeakSanitizer would flag a leak otherwise). */
static void *thread_hash(void *arg)
{
	uint8_t *out = arg;

	if (tn_blake2s(out, "abc", 3))
		memset(out, 0, 32);
	return NULL;
}

static void contexts_per_thread(void **state)
{
	static const uint8_t want[32] = {
		0x50, 0x8c, 0x5e, 0x8c, 0x32, 0x7c, 0x14, 0xe2, 0xe1, 0xa7, 0x2b,
		0xa3, 0x4e, 0xeb, 0x45, 0x2f, 0x37, 0x45, 0x8b, 0x20, 0x9e, 0xd6,
		0x3a, 0x29, 0x4d, 0x99, 0x9b, 0x4c, 0x86, 0x67, 0x59, 0x82,
	};
	uint8_t out[4][32];
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_hash, out[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_memory_equal(out[i], want, 32);
	}
	/* And the main thread can drop and re-create its own. */
	assert_int_equal(tn_blake2s(out[0], "abc", 3), 0);
	tn_crypto_thread_cleanup();
	tn_crypto_thread_cleanup();
	assert_int_equal(tn_blake2s(out[1], "abc", 3), 0);
	assert_memory_equal(out[1], want, 32);
	tn_crypto_thread_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_is_idempotent),
		cmocka_unit_test(equal_compares_all_bytes),
		cmocka_unit_test(is_zero),
		cmocka_unit_test(wipe_zeroes),
		cmocka_unit_test(random_differs),
		cmocka_unit_test(contexts_per_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

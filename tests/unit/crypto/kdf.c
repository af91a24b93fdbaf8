/* src/crypto/kdf.c: HMAC-BLAKE2s and the WireGuard/Noise HKDF.
 *
 * Sources:
 *  - WireGuard's own KDF test, wireguard-go device/kdf_test.go (TestKDF):
 *    key/input/t0/t1/t2 for KDF1, KDF2 and KDF3, including the empty key
 *    and input.
 *  - Linux lib/crypto/blake2s-selftest.c (v5.10) blake2s_hmac_testvecs,
 *    generated with OpenSSL's HMAC(EVP_blake2s256()): key = 32-byte
 *    Fibonacci sequence (k0 = k1 = 1), message = 00 01 .. ff; the second
 *    entry swaps them, so the 256-byte key takes RFC 2104's hash-the-key
 *    path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/kdf.h"
#include "../vec.h"

static const struct {
	const char *key, *input, *t0, *t1, *t2;
} wg[] = {
	{
		"746573742d6b6579",
		"746573742d696e707574",
		"6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
		"df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
		"fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24",
	},
	{
		"776972656775617264",
		"776972656775617264",
		"491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
		"1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
		"31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160",
	},
	{
		"",
		"",
		"8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
		"58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
		"0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e",
	},
};

static void wireguard_go_kdf(void **state)
{
	for (size_t n = 0; n < sizeof(wg) / sizeof(wg[0]); n++) {
		uint8_t key[16], in[16], w0[32], w1[32], w2[32];
		uint8_t o1[32], o2[32], o3[32];
		size_t klen = unhex(key, wg[n].key), ilen = unhex(in, wg[n].input);

		unhex(w0, wg[n].t0);
		unhex(w1, wg[n].t1);
		unhex(w2, wg[n].t2);

		/* KDF3 */
		assert_int_equal(tn_kdf(o1, o2, o3, key, klen, in, ilen), 0);
		assert_memory_equal(o1, w0, 32);
		assert_memory_equal(o2, w1, 32);
		assert_memory_equal(o3, w2, 32);
		/* KDF2 */
		memset(o1, 0, 32);
		memset(o2, 0, 32);
		assert_int_equal(tn_kdf(o1, o2, NULL, key, klen, in, ilen), 0);
		assert_memory_equal(o1, w0, 32);
		assert_memory_equal(o2, w1, 32);
		/* KDF1 */
		memset(o1, 0, 32);
		assert_int_equal(tn_kdf(o1, NULL, NULL, key, klen, in, ilen), 0);
		assert_memory_equal(o1, w0, 32);
	}
}

/* The Noise pattern ck, k = KDF2(ck, x) with the outputs over the inputs. */
static void outputs_may_alias_inputs(void **state)
{
	uint8_t buf[32], k[32], w0[32], w1[32];

	unhex(w0, wg[0].t0);
	unhex(w1, wg[0].t1);
	memset(buf, 0, sizeof(buf));
	size_t klen = unhex(buf, wg[0].key);
	assert_int_equal(klen, 8);
	/* key in buf, output 1 into buf */
	uint8_t in[16];
	size_t ilen = unhex(in, wg[0].input);
	assert_int_equal(tn_kdf(buf, k, NULL, buf, klen, in, ilen), 0);
	assert_memory_equal(buf, w0, 32);
	assert_memory_equal(k, w1, 32);

	/* input in buf, output 2 into buf */
	uint8_t key[16];
	klen = unhex(key, wg[0].key);
	memset(buf, 0, sizeof(buf));
	ilen = unhex(buf, wg[0].input);
	assert_int_equal(tn_kdf(k, buf, NULL, key, klen, buf, ilen), 0);
	assert_memory_equal(k, w0, 32);
	assert_memory_equal(buf, w1, 32);
}

static void kdf_rejects_bad_outputs(void **state)
{
	uint8_t o[32] = { 0 };

	assert_int_equal(tn_kdf(NULL, o, NULL, o, 32, o, 32), -EINVAL);
	assert_int_equal(tn_kdf(o, NULL, o, o, 32, o, 32), -EINVAL);
}

static void linux_hmac_testvecs(void **state)
{
	uint8_t key[32], buf[256], out[32], want[32];

	key[0] = key[1] = 1;
	for (int i = 2; i < 32; i++)
		key[i] = (uint8_t)(key[i - 2] + key[i - 1]);
	for (int i = 0; i < 256; i++)
		buf[i] = (uint8_t)i;

	unhex(want, "cee1576982dcbf43ad564c70ed681696cfa473e8e8fc3279080a7582da3f0511");
	assert_int_equal(tn_hmac_blake2s(out, key, sizeof(key), buf, sizeof(buf)), 0);
	assert_memory_equal(out, want, 32);

	unhex(want, "772f0c7141f44b2bb3c6b6f960dee4523866e8bf9b96c49f60d9243799d6ec31");
	assert_int_equal(tn_hmac_blake2s(out, buf, sizeof(buf), key, sizeof(key)), 0);
	assert_memory_equal(out, want, 32);
}

/* HMAC(temp, 0x01) is KDF1's output: the HMAC and the KDF agree. */
static void kdf_is_built_from_hmac(void **state)
{
	static const uint8_t one = 1;
	uint8_t key[16], in[16], temp[32], o1[32], w0[32];
	size_t klen = unhex(key, wg[1].key), ilen = unhex(in, wg[1].input);

	unhex(w0, wg[1].t0);
	assert_int_equal(tn_hmac_blake2s(temp, key, klen, in, ilen), 0);
	assert_int_equal(tn_hmac_blake2s(o1, temp, 32, &one, 1), 0);
	assert_memory_equal(o1, w0, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wireguard_go_kdf),
		cmocka_unit_test(outputs_may_alias_inputs),
		cmocka_unit_test(kdf_rejects_bad_outputs),
		cmocka_unit_test(linux_hmac_testvecs),
		cmocka_unit_test(kdf_is_built_from_hmac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

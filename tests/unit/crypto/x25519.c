/* src/crypto/x25519.c against RFC 7748.
 *
 * Vectors: RFC 7748 section 5.2 (both X25519 vectors, and the iterated
 * test after 1 and 1,000 iterations) and section 6.1 (Diffie-Hellman),
 * copied from the RFC text; the 6.1 keys are also NaCl's alice/bob keys
 * (libsodium test/default/box.c, box2.c) and WireGuard's curve25519
 * self-test vector 1.  The low-order point is libsodium's small_order_p
 * (test/default/box.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/x25519.h"
#include "../vec.h"

static void check_x25519(const char *scalar, const char *u, const char *want)
{
	uint8_t k[32], p[32], w[32], out[32];

	unhex(k, scalar);
	unhex(p, u);
	unhex(w, want);
	assert_int_equal(tn_x25519(out, k, p), 0);
	assert_memory_equal(out, w, 32);
}

static void rfc7748_5_2_vectors(void **state)
{
	check_x25519("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		     "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		     "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	/* The u-coordinate has its top bit set, which X25519 must ignore. */
	check_x25519("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		     "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		     "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

static void rfc7748_5_2_iterated(void **state)
{
	uint8_t k[32] = { 9 }, u[32] = { 9 }, r[32], w1[32], w1000[32];

	unhex(w1, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
	unhex(w1000, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
	for (int i = 1; i <= 1000; i++) {
		/* k becomes the result, u the old k. */
		assert_int_equal(tn_x25519(r, k, u), 0);
		memcpy(u, k, 32);
		memcpy(k, r, 32);
		if (i == 1)
			assert_memory_equal(k, w1, 32);
	}
	assert_memory_equal(k, w1000, 32);
}

static void rfc7748_6_1_diffie_hellman(void **state)
{
	uint8_t a[32], A[32], b[32], B[32], K[32], out[32];

	unhex(a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	unhex(A, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	unhex(b, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	unhex(B, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	unhex(K, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

	assert_int_equal(tn_x25519_public(out, a), 0);
	assert_memory_equal(out, A, 32);
	assert_int_equal(tn_x25519_public(out, b), 0);
	assert_memory_equal(out, B, 32);
	assert_int_equal(tn_x25519(out, a, B), 0);
	assert_memory_equal(out, K, 32);
	assert_int_equal(tn_x25519(out, b, A), 0);
	assert_memory_equal(out, K, 32);

	/* Output aliasing an input. */
	memcpy(out, B, 32);
	assert_int_equal(tn_x25519(out, a, out), 0);
	assert_memory_equal(out, K, 32);
}

static void clamping_does_not_change_results(void **state)
{
	uint8_t a[32], c[32], p1[32], p2[32];

	unhex(a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	memcpy(c, a, 32);
	tn_x25519_clamp(c);
	assert_int_equal(c[0] & 7, 0);
	assert_int_equal(c[31] >> 6, 1);
	assert_int_equal(tn_x25519_public(p1, a), 0);
	assert_int_equal(tn_x25519_public(p2, c), 0);
	assert_memory_equal(p1, p2, 32);
}

static void low_order_points_rejected(void **state)
{
	uint8_t a[32], zero[32] = { 0 }, small[32], out[32];

	unhex(a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	unhex(small, "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");

	memset(out, 0xaa, sizeof(out));
	assert_int_equal(tn_x25519(out, a, zero), -EINVAL);
	assert_memory_equal(out, zero, 32);

	memset(out, 0xaa, sizeof(out));
	assert_int_equal(tn_x25519(out, a, small), -EINVAL);
	assert_memory_equal(out, zero, 32);

	/* u = 1 is of order 1 too. */
	uint8_t one[32] = { 1 };
	assert_int_equal(tn_x25519(out, a, one), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc7748_5_2_vectors),
		cmocka_unit_test(rfc7748_5_2_iterated),
		cmocka_unit_test(rfc7748_6_1_diffie_hellman),
		cmocka_unit_test(clamping_does_not_change_results),
		cmocka_unit_test(low_order_points_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

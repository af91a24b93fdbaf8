/* src/crypto/blake2s.c against published BLAKE2s vectors.
 *
 * Sources:
 *  - RFC 7693 Appendix B: BLAKE2s-256("abc").
 *  - BLAKE2 reference KATs (github.com/BLAKE2/BLAKE2 testvectors/
 *    blake2-kat.h and blake2s-kat.txt): input 00 01 02 .. (len bytes),
 *    unkeyed, and keyed with key 00..1f, 32-byte output.  The same tables
 *    are WireGuard's zinc self-test (wireguard-linux-compat
 *    src/crypto/zinc/selftest/blake2s.c).
 *  - Linux lib/crypto/blake2s-selftest.c (v5.10): entry i hashes
 *    buf[0..i) (buf[j] = j) with output length 1 + i % 32 and the last
 *    (13 * i) % 33 bytes of a 32-byte Fibonacci key (k0 = k1 = 1); entries
 *    15 and 47 have a 16-byte output, WireGuard's MAC size.
 *  - WireGuard's initial chaining key and hash (the construction and
 *    identifier strings of the WireGuard paper section 5.4), as hard-coded
 *    in boringtun, wireguard-rs and others.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/blake2s.h"
#include "../vec.h"

static uint8_t buf[256]; /* 00 01 02 ... ff */

static int setup(void **state)
{
	for (int i = 0; i < 256; i++)
		buf[i] = (uint8_t)i;
	return 0;
}

static void rfc7693_abc(void **state)
{
	uint8_t want[32], out[32];

	unhex(want, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
	assert_int_equal(tn_blake2s(out, "abc", 3), 0);
	assert_memory_equal(out, want, 32);
	/* Split anywhere: the same digest. */
	assert_int_equal(tn_blake2s2(out, "a", 1, "bc", 2), 0);
	assert_memory_equal(out, want, 32);
	assert_int_equal(tn_blake2s2(out, "abc", 3, NULL, 0), 0);
	assert_memory_equal(out, want, 32);
	assert_int_equal(tn_blake2s2(out, NULL, 0, "abc", 3), 0);
	assert_memory_equal(out, want, 32);
}

static void reference_kat_unkeyed(void **state)
{
	static const struct { size_t len; const char *hash; } kat[] = {
		{ 0, "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9" },
		{ 1, "e34d74dbaf4ff4c6abd871cc220451d2ea2648846c7757fbaac82fe51ad64bea" },
		{ 2, "ddad9ab15dac4549ba42f49d262496bef6c0bae1dd342a8808f8ea267c6e210c" },
		{ 3, "e8f91c6ef232a041452ab0e149070cdd7dd1769e75b3a5921be37876c45c9900" },
		{ 64, "56f34e8b96557e90c1f24b52d0c89d51086acf1b00f634cf1dde9233b8eaaa3e" },
		{ 65, "1b53ee94aaf34e4b159d48de352c7f0661d0a40edff95a0b1639b4090e974472" },
		{ 255, "f03f5789d3336b80d002d59fdf918bdb775b00956ed5528e86aa994acb38fe2d" },
	};
	uint8_t want[32], out[32];

	for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		unhex(want, kat[i].hash);
		assert_int_equal(tn_blake2s(out, buf, kat[i].len), 0);
		assert_memory_equal(out, want, 32);
		/* Split at every 7th byte boundary too. */
		for (size_t s = 0; s <= kat[i].len; s += 7) {
			assert_int_equal(tn_blake2s2(out, buf, s, buf + s, kat[i].len - s), 0);
			assert_memory_equal(out, want, 32);
		}
	}
}

static void reference_kat_keyed(void **state)
{
	static const struct { size_t len; const char *hash; } kat[] = {
		{ 0, "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49" },
		{ 1, "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1" },
		{ 63, "c65382513f07460da39833cb666c5ed82e61b9e998f4b0c4287cee56c3cc9bcd" },
		{ 64, "8975b0577fd35566d750b362b0897a26c399136df07bababbde6203ff2954ed4" },
		{ 65, "21fe0ceb0052be7fb0f004187cacd7de67fa6eb0938d927677f2398c132317a8" },
		{ 255, "3fb735061abc519dfe979e54c1ee5bfad0a9d858b3315bad34bde999efd724dd" },
	};
	uint8_t want[32], out[32];

	/* key = 00 01 .. 1f = buf[0..32) */
	for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		unhex(want, kat[i].hash);
		assert_int_equal(tn_blake2s_mac(out, 32, buf, 32, buf, kat[i].len), 0);
		assert_memory_equal(out, want, 32);
	}
}

static void linux_selftest_keyed_lengths(void **state)
{
	static const struct { size_t i; const char *hash; } kat[] = {
		{ 15, "4fe0f95212da84b7abaeb0a6472ac7f5" },
		{ 31, "dd35d2b4f6c7eaab64244efee53d4e958b6d6cbcb0f8886109b778a331fed92f" },
		{ 47, "a3504da51d0368e95778d604f1c394d8" },
	};
	uint8_t key[32], want[32], out[32];

	key[0] = key[1] = 1;
	for (int i = 2; i < 32; i++)
		key[i] = (uint8_t)(key[i - 2] + key[i - 1]);
	for (size_t n = 0; n < sizeof(kat) / sizeof(kat[0]); n++) {
		size_t i = kat[n].i, outlen = 1 + i % 32, keylen = (13 * i) % 33;

		assert_int_equal(unhex(want, kat[n].hash), outlen);
		memset(out, 0, sizeof(out));
		assert_int_equal(tn_blake2s_mac(out, outlen, key + 32 - keylen, keylen, buf, i), 0);
		assert_memory_equal(out, want, outlen);
		/* Nothing written past outlen. */
		for (size_t j = outlen; j < 32; j++)
			assert_int_equal(out[j], 0);
	}
}

static void wireguard_initial_constants(void **state)
{
	static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
	static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
	uint8_t ck[32], h[32], want_ck[32], want_h[32];

	unhex(want_ck, "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36");
	unhex(want_h, "2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3");
	assert_int_equal(tn_blake2s(ck, construction, strlen(construction)), 0);
	assert_memory_equal(ck, want_ck, 32);
	assert_int_equal(tn_blake2s2(h, ck, 32, identifier, strlen(identifier)), 0);
	assert_memory_equal(h, want_h, 32);
	/* MixHash in place: h = HASH(h || x), output aliasing input. */
	memcpy(h, ck, 32);
	assert_int_equal(tn_blake2s2(h, h, 32, identifier, strlen(identifier)), 0);
	assert_memory_equal(h, want_h, 32);
}

static void mac_rejects_bad_lengths(void **state)
{
	uint8_t out[33];

	assert_int_equal(tn_blake2s_mac(out, 0, buf, 32, buf, 1), -EINVAL);
	assert_int_equal(tn_blake2s_mac(out, 33, buf, 32, buf, 1), -EINVAL);
	assert_int_equal(tn_blake2s_mac(out, 16, buf, 0, buf, 1), -EINVAL);
	assert_int_equal(tn_blake2s_mac(out, 16, buf, 33, buf, 1), -EINVAL);
	/* A 16-byte MAC is not the first half of the 32-byte one: the output
	 * length is in the parameter block. */
	uint8_t m16[16], m32[32];
	assert_int_equal(tn_blake2s_mac(m16, 16, buf, 32, buf, 10), 0);
	assert_int_equal(tn_blake2s_mac(m32, 32, buf, 32, buf, 10), 0);
	assert_memory_not_equal(m16, m32, 16);
	/* And switching lengths on the reused context does not leak state. */
	uint8_t again[16];
	assert_int_equal(tn_blake2s_mac(again, 16, buf, 32, buf, 10), 0);
	assert_memory_equal(again, m16, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc7693_abc),
		cmocka_unit_test(reference_kat_unkeyed),
		cmocka_unit_test(reference_kat_keyed),
		cmocka_unit_test(linux_selftest_keyed_lengths),
		cmocka_unit_test(wireguard_initial_constants),
		cmocka_unit_test(mac_rejects_bad_lengths),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

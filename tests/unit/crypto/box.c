/* src/crypto/box.c against NaCl's box known answer.
 *
 * Vectors: libsodium test/default/box.c + box.exp (alice's secret key,
 * bob's public key, nonce, 131-byte message -> 16-byte tag || ciphertext;
 * the same numbers as NaCl's tests/box.c) and test/default/box2.c +
 * box2.exp (bob's secret key, alice's public key -> the message back).
 * libsodium prints the crypto_box (zero-padded API) output from byte 16,
 * which is exactly the crypto_box_easy / Go nacl/box.Seal layout that
 * Tailscale puts after its 24-byte nonce.  small_order_p is from box.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/box.h"
#include "../vec.h"

static const char alicesk_hex[] =
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char alicepk_hex[] =
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char bobsk_hex[] =
	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
static const char bobpk_hex[] =
	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
static const char small_order_hex[] =
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800";
static const char nonce_hex[] = "69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37";
static const char msg_hex[] =
	"be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc"
	"e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31"
	"0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde"
	"048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864"
	"5e0705";
static const char box_hex[] = /* tag || ciphertext */
	"f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce"
	"48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c972"
	"71d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae"
	"90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b3"
	"7973f622a43d14a6599b1f654cb45a74e355a5";

struct fixture {
	uint8_t alicesk[32], alicepk[32], bobsk[32], bobpk[32], nonce[24];
	uint8_t *msg, *framed; /* framed = nonce || box, exact size */
	size_t mlen, flen;
};

static void load(struct fixture *f)
{
	size_t blen;
	uint8_t *box;

	unhex(f->alicesk, alicesk_hex);
	unhex(f->alicepk, alicepk_hex);
	unhex(f->bobsk, bobsk_hex);
	unhex(f->bobpk, bobpk_hex);
	unhex(f->nonce, nonce_hex);
	f->msg = unhex_alloc(msg_hex, &f->mlen);
	box = unhex_alloc(box_hex, &blen);
	assert_int_equal(f->mlen, 131);
	assert_int_equal(blen, f->mlen + TN_BOX_TAG_LEN);
	f->flen = TN_BOX_NONCE_LEN + blen;
	f->framed = malloc(f->flen);
	assert_non_null(f->framed);
	memcpy(f->framed, f->nonce, TN_BOX_NONCE_LEN);
	memcpy(f->framed + TN_BOX_NONCE_LEN, box, blen);
	free(box);
}

static void unload(struct fixture *f)
{
	free(f->msg);
	free(f->framed);
}

static void nacl_box_seal(void **state)
{
	struct fixture f;
	uint8_t *out;

	load(&f);
	out = malloc(f.flen);
	assert_non_null(out);
	assert_int_equal(tn_box_seal_nonce(out, f.msg, f.mlen, f.nonce, f.bobpk, f.alicesk), 0);
	assert_memory_equal(out, f.framed, f.flen);
	free(out);
	unload(&f);
}

static void nacl_box2_open(void **state)
{
	struct fixture f;
	uint8_t *out;

	load(&f);
	out = malloc(f.mlen);
	assert_non_null(out);
	assert_int_equal(tn_box_open(out, f.framed, f.flen, f.alicepk, f.bobsk), 0);
	assert_memory_equal(out, f.msg, f.mlen);
	free(out);
	unload(&f);
}

static void precomputed_matches(void **state)
{
	struct fixture f;
	uint8_t k1[32], k2[32], *out, *back;

	load(&f);
	out = malloc(f.flen);
	back = malloc(f.mlen);
	assert_non_null(out);
	assert_non_null(back);
	assert_int_equal(tn_box_beforenm(k1, f.bobpk, f.alicesk), 0);
	assert_int_equal(tn_box_beforenm(k2, f.alicepk, f.bobsk), 0);
	assert_memory_equal(k1, k2, 32);

	assert_int_equal(tn_box_seal_afternm_nonce(out, f.msg, f.mlen, f.nonce, k1), 0);
	assert_memory_equal(out, f.framed, f.flen);
	assert_int_equal(tn_box_open_afternm(back, f.framed, f.flen, k2), 0);
	assert_memory_equal(back, f.msg, f.mlen);
	free(out);
	free(back);
	unload(&f);
}

static void random_nonce_round_trip(void **state)
{
	struct fixture f;
	uint8_t *a, *b, *back, k[32];

	load(&f);
	a = malloc(f.flen);
	b = malloc(f.flen);
	back = malloc(f.mlen);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(back);

	assert_int_equal(tn_box_seal(a, f.msg, f.mlen, f.bobpk, f.alicesk), 0);
	assert_int_equal(tn_box_seal(b, f.msg, f.mlen, f.bobpk, f.alicesk), 0);
	assert_memory_not_equal(a, b, TN_BOX_NONCE_LEN);
	assert_int_equal(tn_box_open(back, a, f.flen, f.alicepk, f.bobsk), 0);
	assert_memory_equal(back, f.msg, f.mlen);
	assert_int_equal(tn_box_open(back, b, f.flen, f.alicepk, f.bobsk), 0);
	assert_memory_equal(back, f.msg, f.mlen);

	assert_int_equal(tn_box_beforenm(k, f.alicepk, f.bobsk), 0);
	assert_int_equal(tn_box_seal_afternm(a, f.msg, f.mlen, k), 0);
	assert_int_equal(tn_box_open(back, a, f.flen, f.bobpk, f.alicesk), 0);
	assert_memory_equal(back, f.msg, f.mlen);

	/* The empty message: exactly TN_BOX_OVERHEAD bytes. */
	uint8_t e[TN_BOX_OVERHEAD], none[1];
	assert_int_equal(tn_box_seal(e, NULL, 0, f.bobpk, f.alicesk), 0);
	assert_int_equal(tn_box_open(none, e, sizeof(e), f.alicepk, f.bobsk), 0);
	assert_int_equal(tn_box_open_afternm(none, e, sizeof(e), k), 0);

	free(a);
	free(b);
	free(back);
	unload(&f);
}

static void truncated_rejected(void **state)
{
	struct fixture f;
	uint8_t out[TN_BOX_OVERHEAD], k[32];

	load(&f);
	assert_int_equal(tn_box_beforenm(k, f.alicepk, f.bobsk), 0);
	for (size_t n = 0; n < TN_BOX_OVERHEAD; n++) {
		/* An exact-size copy of the vector's first n bytes. */
		uint8_t *in = malloc(n ? n : 1);

		assert_non_null(in);
		memcpy(in, f.framed, n);
		assert_int_equal(tn_box_open(out, in, n, f.alicepk, f.bobsk), -EBADMSG);
		assert_int_equal(tn_box_open_afternm(out, in, n, k), -EBADMSG);
		free(in);
	}
	/* Cut short by one byte: the tag no longer matches. */
	uint8_t *back = malloc(f.mlen);
	assert_non_null(back);
	assert_int_equal(tn_box_open(back, f.framed, f.flen - 1, f.alicepk, f.bobsk), -EBADMSG);
	free(back);
	unload(&f);
}

static void tampering_and_wrong_keys_rejected(void **state)
{
	struct fixture f;
	uint8_t *out, *zero, k[32];

	load(&f);
	out = malloc(f.mlen);
	zero = calloc(1, f.mlen);
	assert_non_null(out);
	assert_non_null(zero);
	assert_int_equal(tn_box_beforenm(k, f.alicepk, f.bobsk), 0);

	/* Nonce, tag and ciphertext are all covered. */
	for (size_t i = 0; i < f.flen; i++) {
		f.framed[i] ^= 0x10;
		memset(out, 0xaa, f.mlen);
		assert_int_equal(tn_box_open(out, f.framed, f.flen, f.alicepk, f.bobsk), -EBADMSG);
		assert_memory_equal(out, zero, f.mlen);
		assert_int_equal(tn_box_open_afternm(out, f.framed, f.flen, k), -EBADMSG);
		f.framed[i] ^= 0x10;
	}
	/* Wrong sender, wrong recipient. */
	assert_int_equal(tn_box_open(out, f.framed, f.flen, f.bobpk, f.bobsk), -EBADMSG);
	assert_int_equal(tn_box_open(out, f.framed, f.flen, f.alicepk, f.alicesk), -EBADMSG);
	k[0] ^= 1;
	assert_int_equal(tn_box_open_afternm(out, f.framed, f.flen, k), -EBADMSG);

	assert_int_equal(tn_box_open(out, f.framed, f.flen, f.alicepk, f.bobsk), 0);
	free(out);
	free(zero);
	unload(&f);
}

static void low_order_peer_rejected(void **state)
{
	struct fixture f;
	uint8_t small[32], zero[32] = { 0 }, k[32], out[TN_BOX_OVERHEAD + 4];

	load(&f);
	unhex(small, small_order_hex);
	assert_int_equal(tn_box_beforenm(k, small, f.alicesk), -EINVAL);
	assert_memory_equal(k, zero, 32);
	assert_int_equal(tn_box_beforenm(k, zero, f.alicesk), -EINVAL);
	assert_int_equal(tn_box_seal(out, (const uint8_t *)"ping", 4, small, f.alicesk), -EINVAL);
	assert_int_equal(tn_box_seal_nonce(out, (const uint8_t *)"ping", 4, f.nonce, zero, f.alicesk), -EINVAL);
	unload(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nacl_box_seal),
		cmocka_unit_test(nacl_box2_open),
		cmocka_unit_test(precomputed_matches),
		cmocka_unit_test(random_nonce_round_trip),
		cmocka_unit_test(truncated_rejected),
		cmocka_unit_test(tampering_and_wrong_keys_rejected),
		cmocka_unit_test(low_order_peer_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* src/crypto/aead.c against RFC 8439.
 *
 * Vectors, copied from the RFC 8439 text: section 2.8.2 (AEAD example:
 * "Ladies and Gentlemen..." with sender id 7) and Appendix A.5 (decryption
 * of the Internet-Draft boilerplate).  The tamper tests flip bits of those.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/aead.h"
#include "../vec.h"

/* RFC 8439 2.8.2 */
static const char v1_plain[] =
	"4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	"73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	"6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	"637265656e20776f756c642062652069742e";
static const char v1_aad[] = "50515253c0c1c2c3c4c5c6c7";
static const char v1_key[] =
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
/* 32-bit fixed-common part 07000000 || IV 4041424344454647 */
static const char v1_nonce[] = "070000004041424344454647";
static const char v1_cipher[] =
	"d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	"3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	"92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	"3ff4def08e4b7a9de576d26586cec64b6116";
static const char v1_tag[] = "1ae10b594f09e26a7e902ecbd0600691";

/* RFC 8439 A.5 */
static const char v2_key[] =
	"1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0";
static const char v2_cipher[] =
	"64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
	"4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
	"332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
	"9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
	"b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
	"af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
	"0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
	"49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
	"a6ad5cb4022b02709b";
static const char v2_nonce[] = "000000000102030405060708";
static const char v2_aad[] = "f33388860000000000004e91";
static const char v2_tag[] = "eead9d67890cbb22392336fea1851f38";
static const char v2_plain[] =
	"496e7465726e65742d4472616674732061726520647261667420646f63756d65"
	"6e74732076616c696420666f722061206d6178696d756d206f6620736978206d"
	"6f6e74687320616e64206d617920626520757064617465642c207265706c6163"
	"65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65"
	"6e747320617420616e792074696d652e20497420697320696e617070726f7072"
	"6961746520746f2075736520496e7465726e65742d4472616674732061732072"
	"65666572656e6365206d6174657269616c206f7220746f206369746520746865"
	"6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67"
	"726573732e2fe2809d";

struct vec {
	uint8_t key[32], nonce[12], tag[16];
	uint8_t *plain, *aad, *cipher; /* exact-size heap copies */
	size_t plen, alen, clen;
	uint8_t *sealed; /* cipher || tag */
};

static void vec_load(struct vec *v, const char *key, const char *nonce,
		     const char *plain, const char *aad, const char *cipher,
		     const char *tag)
{
	unhex(v->key, key);
	unhex(v->nonce, nonce);
	unhex(v->tag, tag);
	v->plain = unhex_alloc(plain, &v->plen);
	v->aad = unhex_alloc(aad, &v->alen);
	v->cipher = unhex_alloc(cipher, &v->clen);
	assert_int_equal(v->plen, v->clen);
	v->sealed = malloc(v->clen + 16);
	assert_non_null(v->sealed);
	memcpy(v->sealed, v->cipher, v->clen);
	memcpy(v->sealed + v->clen, v->tag, 16);
}

static void vec_free(struct vec *v)
{
	free(v->plain);
	free(v->aad);
	free(v->cipher);
	free(v->sealed);
}

static void rfc8439_2_8_2_seal(void **state)
{
	struct vec v;
	struct tn_aead *a;
	uint8_t *out;

	vec_load(&v, v1_key, v1_nonce, v1_plain, v1_aad, v1_cipher, v1_tag);
	out = malloc(v.plen + 16);
	assert_non_null(out);

	a = tn_aead_new(v.key);
	assert_non_null(a);
	assert_int_equal(tn_aead_seal(a, v.nonce, out, v.plain, v.plen, v.aad, v.alen), 0);
	assert_memory_equal(out, v.sealed, v.plen + 16);

	/* The context is reusable: another nonce, then the vector again. */
	uint8_t other[12] = { 1 };
	assert_int_equal(tn_aead_seal(a, other, out, v.plain, v.plen, v.aad, v.alen), 0);
	assert_memory_not_equal(out, v.sealed, v.plen + 16);
	assert_int_equal(tn_aead_seal(a, v.nonce, out, v.plain, v.plen, v.aad, v.alen), 0);
	assert_memory_equal(out, v.sealed, v.plen + 16);

	/* Open with the same object (direction switches per call). */
	uint8_t *back = malloc(v.plen);
	assert_non_null(back);
	assert_int_equal(tn_aead_open(a, v.nonce, back, out, v.plen + 16, v.aad, v.alen), 0);
	assert_memory_equal(back, v.plain, v.plen);
	assert_int_equal(tn_aead_seal(a, v.nonce, out, v.plain, v.plen, v.aad, v.alen), 0);
	assert_memory_equal(out, v.sealed, v.plen + 16);

	/* One-shot form. */
	memset(out, 0, v.plen + 16);
	assert_int_equal(tn_aead_seal_key(v.key, v.nonce, out, v.plain, v.plen, v.aad, v.alen), 0);
	assert_memory_equal(out, v.sealed, v.plen + 16);

	/* In place. */
	memcpy(out, v.plain, v.plen);
	assert_int_equal(tn_aead_seal(a, v.nonce, out, out, v.plen, v.aad, v.alen), 0);
	assert_memory_equal(out, v.sealed, v.plen + 16);

	tn_aead_free(a);
	free(back);
	free(out);
	vec_free(&v);
}

static void rfc8439_a5_open(void **state)
{
	struct vec v;
	struct tn_aead *a;
	uint8_t *out;

	vec_load(&v, v2_key, v2_nonce, v2_plain, v2_aad, v2_cipher, v2_tag);
	out = malloc(v.plen);
	assert_non_null(out);

	a = tn_aead_new(v.key);
	assert_non_null(a);
	assert_int_equal(tn_aead_open(a, v.nonce, out, v.sealed, v.clen + 16, v.aad, v.alen), 0);
	assert_memory_equal(out, v.plain, v.plen);
	tn_aead_free(a);

	memset(out, 0, v.plen);
	assert_int_equal(tn_aead_open_key(v.key, v.nonce, out, v.sealed, v.clen + 16, v.aad, v.alen), 0);
	assert_memory_equal(out, v.plain, v.plen);

	/* In place. */
	assert_int_equal(tn_aead_open_key(v.key, v.nonce, v.sealed, v.sealed, v.clen + 16, v.aad, v.alen), 0);
	assert_memory_equal(v.sealed, v.plain, v.plen);

	free(out);
	vec_free(&v);
}

/* Every single-bit change of tag, ciphertext or AAD, and a wrong key or
 * nonce, must fail with -EBADMSG and leave no plaintext behind. */
static void tampering_rejected(void **state)
{
	struct vec v;
	struct tn_aead *a, *wrong;
	uint8_t *out, *zero, key2[32], nonce2[12];

	vec_load(&v, v2_key, v2_nonce, v2_plain, v2_aad, v2_cipher, v2_tag);
	out = malloc(v.plen);
	zero = calloc(1, v.plen);
	assert_non_null(out);
	assert_non_null(zero);
	a = tn_aead_new(v.key);
	assert_non_null(a);

	for (size_t i = 0; i < v.clen + 16; i++) {
		v.sealed[i] ^= 0x01;
		memset(out, 0xaa, v.plen);
		assert_int_equal(tn_aead_open(a, v.nonce, out, v.sealed, v.clen + 16, v.aad, v.alen), -EBADMSG);
		assert_memory_equal(out, zero, v.plen);
		v.sealed[i] ^= 0x01;
	}
	for (size_t i = 0; i < v.alen; i++) {
		v.aad[i] ^= 0x80;
		assert_int_equal(tn_aead_open(a, v.nonce, out, v.sealed, v.clen + 16, v.aad, v.alen), -EBADMSG);
		v.aad[i] ^= 0x80;
	}
	/* AAD dropped, or shortened. */
	assert_int_equal(tn_aead_open(a, v.nonce, out, v.sealed, v.clen + 16, NULL, 0), -EBADMSG);
	assert_int_equal(tn_aead_open(a, v.nonce, out, v.sealed, v.clen + 16, v.aad, v.alen - 1), -EBADMSG);

	memcpy(nonce2, v.nonce, 12);
	nonce2[11] ^= 1;
	assert_int_equal(tn_aead_open(a, nonce2, out, v.sealed, v.clen + 16, v.aad, v.alen), -EBADMSG);

	memcpy(key2, v.key, 32);
	key2[0] ^= 1;
	wrong = tn_aead_new(key2);
	assert_non_null(wrong);
	assert_int_equal(tn_aead_open(wrong, v.nonce, out, v.sealed, v.clen + 16, v.aad, v.alen), -EBADMSG);
	assert_int_equal(tn_aead_open_key(key2, v.nonce, out, v.sealed, v.clen + 16, v.aad, v.alen), -EBADMSG);
	tn_aead_free(wrong);

	/* After all those failures the good message still opens. */
	assert_int_equal(tn_aead_open(a, v.nonce, out, v.sealed, v.clen + 16, v.aad, v.alen), 0);
	assert_memory_equal(out, v.plain, v.plen);

	tn_aead_free(a);
	free(out);
	free(zero);
	vec_free(&v);
}

static void truncated_rejected(void **state)
{
	uint8_t key[32], nonce[12] = { 0 }, out[16], sealed[16];
	struct tn_aead *a;

	unhex(key, v1_key);
	a = tn_aead_new(key);
	assert_non_null(a);
	/* Shorter than a tag: no read of in at all. */
	for (size_t n = 0; n < 16; n++) {
		uint8_t *in = malloc(n ? n : 1);

		assert_non_null(in);
		memset(in, 0, n);
		assert_int_equal(tn_aead_open(a, nonce, out, in, n, NULL, 0), -EBADMSG);
		assert_int_equal(tn_aead_open_key(key, nonce, out, in, n, NULL, 0), -EBADMSG);
		free(in);
	}
	/* Exactly a tag: the empty message, sealed and opened. */
	assert_int_equal(tn_aead_seal(a, nonce, sealed, NULL, 0, NULL, 0), 0);
	assert_int_equal(tn_aead_open(a, nonce, out, sealed, 16, NULL, 0), 0);
	sealed[0] ^= 1;
	assert_int_equal(tn_aead_open(a, nonce, out, sealed, 16, NULL, 0), -EBADMSG);
	tn_aead_free(a);
	tn_aead_free(NULL);
}

static void rekey(void **state)
{
	struct vec v;
	struct tn_aead *a;
	uint8_t other[32] = { 0 }, *out;

	vec_load(&v, v1_key, v1_nonce, v1_plain, v1_aad, v1_cipher, v1_tag);
	out = malloc(v.plen + 16);
	assert_non_null(out);
	a = tn_aead_new(other);
	assert_non_null(a);
	assert_int_equal(tn_aead_set_key(a, v.key), 0);
	assert_int_equal(tn_aead_seal(a, v.nonce, out, v.plain, v.plen, v.aad, v.alen), 0);
	assert_memory_equal(out, v.sealed, v.plen + 16);
	tn_aead_free(a);
	free(out);
	vec_free(&v);
}

static void nonce_layouts(void **state)
{
	uint8_t n[12];
	static const uint8_t le[12] = { 0, 0, 0, 0, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
	static const uint8_t be[12] = { 0, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

	memset(n, 0xff, sizeof(n));
	tn_aead_nonce_le(n, 0x0102030405060708ULL);
	assert_memory_equal(n, le, 12);
	memset(n, 0xff, sizeof(n));
	tn_aead_nonce_be(n, 0x0102030405060708ULL);
	assert_memory_equal(n, be, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc8439_2_8_2_seal),
		cmocka_unit_test(rfc8439_a5_open),
		cmocka_unit_test(tampering_rejected),
		cmocka_unit_test(truncated_rejected),
		cmocka_unit_test(rekey),
		cmocka_unit_test(nonce_layouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

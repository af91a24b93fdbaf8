/* src/crypto/xaead.c against draft-irtf-cfrg-xchacha-03, Appendix A.3.1
 * (AEAD_XCHACHA20_POLY1305 test vector), copied from the draft text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/xaead.h"
#include "../vec.h"

static const char plain_hex[] =
	"4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	"73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	"6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	"637265656e20776f756c642062652069742e";
static const char aad_hex[] = "50515253c0c1c2c3c4c5c6c7";
static const char key_hex[] =
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
static const char iv_hex[] = "404142434445464748494a4b4c4d4e4f5051525354555657";
static const char cipher_hex[] =
	"bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
	"731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
	"2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
	"21f9664c97637da9768812f615c68b13b52e";
static const char tag_hex[] = "c0875924c1c7987947deafd8780acf49";

struct fixture {
	uint8_t key[32], iv[24], tag[16];
	uint8_t *plain, *aad, *sealed;
	size_t plen, alen;
};

static void load(struct fixture *f)
{
	size_t clen;
	uint8_t *c;

	unhex(f->key, key_hex);
	unhex(f->iv, iv_hex);
	unhex(f->tag, tag_hex);
	f->plain = unhex_alloc(plain_hex, &f->plen);
	f->aad = unhex_alloc(aad_hex, &f->alen);
	c = unhex_alloc(cipher_hex, &clen);
	assert_int_equal(clen, f->plen);
	f->sealed = malloc(clen + 16);
	assert_non_null(f->sealed);
	memcpy(f->sealed, c, clen);
	memcpy(f->sealed + clen, f->tag, 16);
	free(c);
}

static void unload(struct fixture *f)
{
	free(f->plain);
	free(f->aad);
	free(f->sealed);
}

static void draft_a_3_1_seal_open(void **state)
{
	struct fixture f;
	uint8_t *out;

	load(&f);
	out = malloc(f.plen + 16);
	assert_non_null(out);
	assert_int_equal(tn_xaead_seal(f.key, f.iv, out, f.plain, f.plen, f.aad, f.alen), 0);
	assert_memory_equal(out, f.sealed, f.plen + 16);

	memset(out, 0, f.plen);
	assert_int_equal(tn_xaead_open(f.key, f.iv, out, f.sealed, f.plen + 16, f.aad, f.alen), 0);
	assert_memory_equal(out, f.plain, f.plen);

	/* In place, both ways. */
	memcpy(out, f.plain, f.plen);
	assert_int_equal(tn_xaead_seal(f.key, f.iv, out, out, f.plen, f.aad, f.alen), 0);
	assert_memory_equal(out, f.sealed, f.plen + 16);
	assert_int_equal(tn_xaead_open(f.key, f.iv, out, out, f.plen + 16, f.aad, f.alen), 0);
	assert_memory_equal(out, f.plain, f.plen);
	free(out);
	unload(&f);
}

static void tampering_rejected(void **state)
{
	struct fixture f;
	uint8_t *out, *zero, key2[32];

	load(&f);
	out = malloc(f.plen);
	zero = calloc(1, f.plen);
	assert_non_null(out);
	assert_non_null(zero);

	for (size_t i = 0; i < f.plen + 16; i++) {
		f.sealed[i] ^= 0x40;
		memset(out, 0xaa, f.plen);
		assert_int_equal(tn_xaead_open(f.key, f.iv, out, f.sealed, f.plen + 16, f.aad, f.alen), -EBADMSG);
		assert_memory_equal(out, zero, f.plen);
		f.sealed[i] ^= 0x40;
	}
	f.aad[3] ^= 1;
	assert_int_equal(tn_xaead_open(f.key, f.iv, out, f.sealed, f.plen + 16, f.aad, f.alen), -EBADMSG);
	f.aad[3] ^= 1;
	f.iv[23] ^= 1; /* the part of the nonce past HChaCha20's input */
	assert_int_equal(tn_xaead_open(f.key, f.iv, out, f.sealed, f.plen + 16, f.aad, f.alen), -EBADMSG);
	f.iv[23] ^= 1;
	f.iv[0] ^= 1; /* the part HChaCha20 consumes */
	assert_int_equal(tn_xaead_open(f.key, f.iv, out, f.sealed, f.plen + 16, f.aad, f.alen), -EBADMSG);
	f.iv[0] ^= 1;
	memcpy(key2, f.key, 32);
	key2[31] ^= 1;
	assert_int_equal(tn_xaead_open(key2, f.iv, out, f.sealed, f.plen + 16, f.aad, f.alen), -EBADMSG);

	assert_int_equal(tn_xaead_open(f.key, f.iv, out, f.sealed, f.plen + 16, f.aad, f.alen), 0);
	free(out);
	free(zero);
	unload(&f);
}

static void truncated_rejected(void **state)
{
	uint8_t key[32] = { 1 }, iv[24] = { 2 }, out[16], sealed[16];

	for (size_t n = 0; n < 16; n++) {
		uint8_t *in = calloc(1, n ? n : 1);

		assert_non_null(in);
		assert_int_equal(tn_xaead_open(key, iv, out, in, n, NULL, 0), -EBADMSG);
		free(in);
	}
	assert_int_equal(tn_xaead_seal(key, iv, sealed, NULL, 0, NULL, 0), 0);
	assert_int_equal(tn_xaead_open(key, iv, out, sealed, 16, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(draft_a_3_1_seal_open),
		cmocka_unit_test(tampering_rejected),
		cmocka_unit_test(truncated_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

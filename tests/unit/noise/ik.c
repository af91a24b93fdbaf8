/* Noise IK against the published test vector for
 * Noise_IK_25519_ChaChaPoly_BLAKE2s (the "cacophony" vectors, as shipped in
 * mcginty/snow tests/vectors/cacophony.txt): both roles, every message of
 * the handshake and the transport messages after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>

#include "../vec.h"
#include "crypto/aead.h"
#include "noise/ik.h"

static const char *const protocol = "Noise_IK_25519_ChaChaPoly_BLAKE2s";
static const char *const prologue = "4a6f686e2047616c74";
static const char *const init_static = "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1";
static const char *const init_ephemeral = "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a";
static const char *const resp_static_pub = "31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62";
static const char *const resp_static = "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893";
static const char *const resp_ephemeral = "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b";
static const char *const handshake_hash = "48f3cb8bc9319da4ba1e9933991b1c4ed4034f1f126a76d3a1fbcfd7f94248d4";

static const struct { const char *payload, *ciphertext; } messages[] = {
	{ "4c756477696720766f6e204d69736573",
	  "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79440b03ddc7aac5123d06a1b23b71670e32e76c28239a7ca4ac8f784de7e44c1adbfc6e83fef7352a58d9d56157400c0a737b1d171ce368229c7b752ac25b8faf4eca690f6d896f543be02c996ab2b86b76" },
	{ "4d757272617920526f746862617264",
	  "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843d9b5a8927f0ac9655ef76833bc7e5561f42e691ac8404efd6fbd6308b6a27c" },
	{ "462e20412e20486179656b",
	  "2c256ed08fcd08c2980f954ee4beaccb61c9581340f5dd2fd1cf3b" },
	{ "4361726c204d656e676572",
	  "d6033f70eee20945c7c9dba304e397ee3b284ff5e00fd9efb095d3" },
	{ "4a65616e2d426170746973746520536179",
	  "a9c068ca5d8babf72560652d8e851adbfac35c8a66e810d560863173e96adf4cfe" },
	{ "457567656e2042f6686d20766f6e2042617765726b",
	  "2a09d8f459e5927e40fdd2eddc99bdafb04e13a26f145cb5cfe9e6ba34c94331ebc17d5156" },
};

static void handshake_and_transport_match_the_vector(void **state)
{
	struct tn_noise_ik ini, resp;
	uint8_t pro[16], is[32], ie[32], rpub[32], rs[32], re[32], hh[32];
	uint8_t want[512], got[512], plain[512], i2r[32], r2i[32], k[32];
	size_t prolen = unhex(pro, prologue), plen, clen;
	uint64_t n_i2r = 0, n_r2i = 0;

	unhex(is, init_static);
	unhex(ie, init_ephemeral);
	unhex(rpub, resp_static_pub);
	unhex(rs, resp_static);
	unhex(re, resp_ephemeral);
	unhex(hh, handshake_hash);
	assert_int_equal(tn_noise_ik_init_initiator(&ini, protocol, pro, prolen, is, rpub, ie), 0);
	assert_int_equal(tn_noise_ik_init_responder(&resp, protocol, pro, prolen, rs, re), 0);

	/* -> e, es, s, ss */
	plen = unhex(plain, messages[0].payload);
	clen = unhex(want, messages[0].ciphertext);
	assert_int_equal(clen, plen + TN_NOISE_IK_MSG1_OVERHEAD);
	assert_int_equal(tn_noise_ik_write_msg1(&ini, plain, plen, got), 0);
	assert_memory_equal(got, want, clen);
	assert_int_equal(tn_noise_ik_read_msg1(&resp, got, clen, plain), 0);
	assert_memory_equal(resp.rs, ini.s_pub, 32);

	/* <- e, ee, se */
	plen = unhex(plain, messages[1].payload);
	clen = unhex(want, messages[1].ciphertext);
	assert_int_equal(tn_noise_ik_write_msg2(&resp, plain, plen, got), 0);
	assert_memory_equal(got, want, clen);
	assert_int_equal(tn_noise_ik_read_msg2(&ini, got, clen, plain), 0);
	assert_memory_equal(ini.sym.h, hh, 32);
	assert_memory_equal(resp.sym.h, hh, 32);

	/* Transport: standard Noise nonces (little-endian counters). */
	assert_int_equal(tn_noise_ik_split(&ini, i2r, r2i), 0);
	assert_int_equal(tn_noise_ik_split(&resp, k, plain), 0);
	assert_memory_equal(k, i2r, 32);
	assert_memory_equal(plain, r2i, 32);
	for (size_t m = 2; m < sizeof(messages) / sizeof(messages[0]); m++) {
		bool from_initiator = m % 2 == 0;
		uint8_t nonce[TN_AEAD_NONCE_LEN];

		plen = unhex(plain, messages[m].payload);
		clen = unhex(want, messages[m].ciphertext);
		tn_aead_nonce_le(nonce, from_initiator ? n_i2r++ : n_r2i++);
		assert_int_equal(tn_aead_seal_key(from_initiator ? i2r : r2i, nonce, got, plain, plen,
						  NULL, 0), 0);
		assert_memory_equal(got, want, clen);
	}
}

static void tampered_messages_rejected(void **state)
{
	struct tn_noise_ik ini, resp;
	uint8_t pro[16], is[32], ie[32], rpub[32], rs[32], re[32], msg[256], plain[256];
	size_t prolen = unhex(pro, prologue);

	unhex(is, init_static);
	unhex(ie, init_ephemeral);
	unhex(rpub, resp_static_pub);
	unhex(rs, resp_static);
	unhex(re, resp_ephemeral);
	for (size_t bit = 0; bit < (TN_NOISE_IK_MSG1_OVERHEAD) * 8; bit += 37) {
		assert_int_equal(tn_noise_ik_init_initiator(&ini, protocol, pro, prolen, is, rpub, ie), 0);
		assert_int_equal(tn_noise_ik_init_responder(&resp, protocol, pro, prolen, rs, re), 0);
		assert_int_equal(tn_noise_ik_write_msg1(&ini, NULL, 0, msg), 0);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_true(tn_noise_ik_read_msg1(&resp, msg, TN_NOISE_IK_MSG1_OVERHEAD, plain) < 0);
	}
	assert_int_equal(tn_noise_ik_init_responder(&resp, protocol, pro, prolen, rs, re), 0);
	assert_int_equal(tn_noise_ik_read_msg1(&resp, msg, TN_NOISE_IK_MSG1_OVERHEAD - 1, plain), -EBADMSG);
	tn_noise_ik_wipe(&ini);
	tn_noise_ik_wipe(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_and_transport_match_the_vector),
		cmocka_unit_test(tampered_messages_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

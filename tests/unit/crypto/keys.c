/* src/crypto/keys.c: generation, text forms and short fingerprints.
 *
 * Text-form vectors are the serialized keys of tailscale's own tests
 * (types/key/node_test.go TestNodeSerialization, machine_test.go
 * TestMachineSerialization, disco_test.go TestDiscoSerialization).  The
 * fingerprints follow types/key/util.go debug32 and disco.go ShortString;
 * the expected base64 prefixes were taken from coreutils base64(1) of the
 * raw keys (the RFC 7748 / NaCl alice key is "dwdtCnMYpX08FsFy...").
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/keys.h"
#include "crypto/x25519.h"
#include "../vec.h"

#define GO_HEX "40ab1b58e9076c7a4d9d07291f5edf9d1aa017eb949624ba683317f48a640369"
#define GO_PUB_HEX "50d20b455ecf12bc453f83c2cfdb2a24925d06cf2598dcaa54e91af82ce9f765"
#define GO_PUB_HEX_UPPER "50D20B455ECF12BC453F83C2CFDB2A24925D06CF2598DCAA54E91AF82CE9F765"

/* Parses text (exact-size heap copy, no NUL) as type. */
static int parse(uint8_t key[32], enum tn_key_type type, const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	r = tn_key_from_text(key, type, copy, len);
	free(copy);
	return r;
}

static int parse_str(uint8_t key[32], enum tn_key_type type, const char *text)
{
	return parse(key, type, text, strlen(text));
}

static void go_serialized_keys(void **state)
{
	static const struct { enum tn_key_type type; const char *text, *hex; } v[] = {
		{ TN_KEY_PRIVATE, "privkey:" GO_HEX, GO_HEX },
		{ TN_KEY_NODE_PUBLIC, "nodekey:" GO_PUB_HEX, GO_PUB_HEX },
		{ TN_KEY_MACHINE_PUBLIC, "mkey:" GO_PUB_HEX, GO_PUB_HEX },
		{ TN_KEY_DISCO_PUBLIC, "discokey:" GO_PUB_HEX, GO_PUB_HEX },
	};
	uint8_t key[32], want[32];
	char text[TN_KEY_TEXT_MAX];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex(want, v[i].hex);
		assert_int_equal(parse_str(key, v[i].type, v[i].text), 0);
		assert_memory_equal(key, want, 32);
		assert_int_equal(tn_key_to_text(text, sizeof(text), v[i].type, key),
				 (int)strlen(v[i].text));
		assert_string_equal(text, v[i].text);
	}
}

static void every_type_round_trips(void **state)
{
	static const char *const prefix[] = {
		[TN_KEY_MACHINE_PUBLIC] = "mkey:",
		[TN_KEY_NODE_PUBLIC] = "nodekey:",
		[TN_KEY_DISCO_PUBLIC] = "discokey:",
		[TN_KEY_PRIVATE] = "privkey:",
		[TN_KEY_NL_PUBLIC] = "nlpub:",
		[TN_KEY_CHALLENGE_PUBLIC] = "chalpub:",
	};
	uint8_t key[32], back[32];
	char text[TN_KEY_TEXT_MAX];

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 37 + 200);
	for (int t = TN_KEY_MACHINE_PUBLIC; t <= TN_KEY_CHALLENGE_PUBLIC; t++) {
		assert_string_equal(tn_key_prefix(t), prefix[t]);
		int n = tn_key_to_text(text, sizeof(text), t, key);
		assert_int_equal(n, (int)(strlen(prefix[t]) + 64));
		assert_int_equal(strncmp(text, prefix[t], strlen(prefix[t])), 0);
		assert_int_equal(parse(back, t, text, (size_t)n), 0);
		assert_memory_equal(back, key, 32);
	}
	assert_null(tn_key_prefix((enum tn_key_type)99));
	assert_int_equal(tn_key_to_text(text, sizeof(text), (enum tn_key_type)99, key), -EINVAL);
	assert_int_equal(parse_str(back, (enum tn_key_type)99, "nodekey:" GO_PUB_HEX), -EINVAL);
	assert_int_equal(parse_str(back, (enum tn_key_type)-1, "nodekey:" GO_PUB_HEX), -EINVAL);
}

static void either_case_parses_lowercase_written(void **state)
{
	uint8_t key[32], want[32];
	char text[TN_KEY_TEXT_MAX];

	unhex(want, GO_PUB_HEX);
	assert_int_equal(parse_str(key, TN_KEY_NODE_PUBLIC, "nodekey:" GO_PUB_HEX_UPPER), 0);
	assert_memory_equal(key, want, 32);
	assert_int_equal(parse_str(key, TN_KEY_NODE_PUBLIC,
		"nodekey:50d20B455Ecf12bc453f83c2cfdb2a24925d06cf2598dcaa54e91af82ce9F765"), 0);
	assert_memory_equal(key, want, 32);
	tn_key_to_text(text, sizeof(text), TN_KEY_NODE_PUBLIC, key);
	assert_string_equal(text, "nodekey:" GO_PUB_HEX);
}

static void malformed_rejected(void **state)
{
	static const char *const bad[] = {
		"",
		"nodekey:",
		"nodekey",
		GO_PUB_HEX,                              /* no prefix */
		"mkey:" GO_PUB_HEX,                      /* another type's prefix */
		"discokey:" GO_PUB_HEX,
		"privkey:" GO_PUB_HEX,
		"NODEKEY:" GO_PUB_HEX,                   /* prefix is case-sensitive */
		"Nodekey:" GO_PUB_HEX,
		"nodekey;" GO_PUB_HEX,
		"nodekey:" GO_PUB_HEX "0",               /* 65 digits */
		"nodekey:" GO_PUB_HEX "00",              /* 66 digits */
		"nodekey:50d20b455ecf12bc453f83c2cfdb2a24925d06cf2598dcaa54e91af82ce9f76", /* 63 */
		"nodekey:50d20b455ecf12bc453f83c2cfdb2a24925d06cf2598dcaa54e91af82ce9f7",  /* 62 */
		"nodekey:g0d20b455ecf12bc453f83c2cfdb2a24925d06cf2598dcaa54e91af82ce9f765", /* non-hex */
		"nodekey:50d20b455ecf12bc453f83c2cfdb2a24925d06cf2598dcaa54e91af82ce9f76z",
		"nodekey:0xd20b455ecf12bc453f83c2cfdb2a24925d06cf2598dcaa54e91af82ce9f765",
		"nodekey:-0d20b455ecf12bc453f83c2cfdb2a24925d06cf2598dcaa54e91af82ce9f765",
		" nodekey:" GO_PUB_HEX,                  /* whitespace anywhere */
		"nodekey: " GO_PUB_HEX,
		"nodekey:" GO_PUB_HEX " ",
		"nodekey:" GO_PUB_HEX "\n",
		"nodekey:50d20b455ecf12bc453f83c2cfdb2a24 925d06cf2598dcaa54e91af82ce9f76",
		"nodekey:\t0d20b455ecf12bc453f83c2cfdb2a24925d06cf2598dcaa54e91af82ce9f765",
		"nodekey:\"" GO_PUB_HEX "\"",
	};
	uint8_t key[32], zero[32] = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(key, 0xaa, sizeof(key));
		assert_int_equal(parse_str(key, TN_KEY_NODE_PUBLIC, bad[i]), -EINVAL);
		assert_memory_equal(key, zero, 32); /* zeroed on failure */
	}

	/* Embedded NUL, with len covering it: in the hex, or replacing the
	 * prefix's colon, or the whole text ending early. */
	char t[8 + 64 + 1];
	memcpy(t, "nodekey:" GO_PUB_HEX, sizeof(t));
	t[8 + 20] = '\0';
	assert_int_equal(parse(key, TN_KEY_NODE_PUBLIC, t, 72), -EINVAL);
	memcpy(t, "nodekey:" GO_PUB_HEX, sizeof(t));
	t[7] = '\0';
	assert_int_equal(parse(key, TN_KEY_NODE_PUBLIC, t, 72), -EINVAL);
	memcpy(t, "nodekey:" GO_PUB_HEX, sizeof(t));
	t[71] = '\0';
	assert_int_equal(parse(key, TN_KEY_NODE_PUBLIC, t, 72), -EINVAL);
	/* len shorter than the string: only len bytes count. */
	assert_int_equal(parse(key, TN_KEY_NODE_PUBLIC, "nodekey:" GO_PUB_HEX, 71), -EINVAL);
	assert_int_equal(parse(key, TN_KEY_NODE_PUBLIC, "nodekey:" GO_PUB_HEX, 0), -EINVAL);
	assert_int_equal(parse(key, TN_KEY_NODE_PUBLIC, "nodekey:" GO_PUB_HEX, 72), 0);

	/* Private keys: same rules. */
	assert_int_equal(parse_str(key, TN_KEY_PRIVATE, "privkey:" GO_HEX), 0);
	assert_int_equal(parse_str(key, TN_KEY_PRIVATE, "privkey:" GO_HEX "\n"), -EINVAL);
	assert_memory_equal(key, zero, 32);
	assert_int_equal(parse_str(key, TN_KEY_PRIVATE, "nodekey:" GO_HEX), -EINVAL);
}

static void to_text_buffer_size(void **state)
{
	uint8_t key[32] = { 0 };
	char text[TN_KEY_TEXT_MAX];

	/* "nodekey:" + 64 + NUL = 73 bytes exactly. */
	assert_int_equal(tn_key_to_text(text, 72, TN_KEY_NODE_PUBLIC, key), -ENOSPC);
	assert_int_equal(tn_key_to_text(text, 73, TN_KEY_NODE_PUBLIC, key), 72);
	assert_string_equal(text, "nodekey:0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(tn_key_to_text(text, sizeof(text), TN_KEY_DISCO_PUBLIC, key), 73);
	assert_int_equal(tn_key_to_text(text, 0, TN_KEY_MACHINE_PUBLIC, key), -ENOSPC);
}

static void generate_and_derive(void **state)
{
	uint8_t a[32], b[32], pa[32], pb[32];

	assert_int_equal(tn_key_generate_private(a), 0);
	assert_int_equal(tn_key_generate_private(b), 0);
	assert_memory_not_equal(a, b, 32);
	assert_false(tn_key_is_zero(a));
	/* Clamped as Go's clamp25519Private. */
	assert_int_equal(a[0] & 7, 0);
	assert_int_equal(a[31] >> 6, 1);
	assert_int_equal(b[0] & 7, 0);
	assert_int_equal(b[31] >> 6, 1);

	assert_int_equal(tn_key_public_from_private(pa, a), 0);
	assert_int_equal(tn_key_public_from_private(pb, b), 0);
	uint8_t s1[32], s2[32];
	assert_int_equal(tn_x25519(s1, a, pb), 0);
	assert_int_equal(tn_x25519(s2, b, pa), 0);
	assert_memory_equal(s1, s2, 32);

	/* RFC 7748 6.1: alice's public key from her private key. */
	uint8_t alice[32], alice_pub[32], want[32];
	unhex(alice, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	unhex(want, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	assert_int_equal(tn_key_public_from_private(alice_pub, alice), 0);
	assert_memory_equal(alice_pub, want, 32);
}

static void short_fingerprints(void **state)
{
	uint8_t key[32], zero[32] = { 0 };
	char s[TN_KEY_SHORT_MAX], d[TN_KEY_DISCO_SHORT_MAX];

	unhex(key, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	tn_key_short(s, key);
	assert_string_equal(s, "[dwdtC]");

	unhex(key, GO_PUB_HEX);
	tn_key_short(s, key);
	assert_string_equal(s, "[UNILR]");
	tn_key_disco_short(d, key);
	assert_string_equal(d, "d:50d20b455ecf12bc");

	unhex(key, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	tn_key_short(s, key);
	assert_string_equal(s, "[3p7bf]");

	/* The two non-alphanumeric base64 digits. */
	unhex(key, "fbffbffe00000000000000000000000000000000000000000000000000000001");
	tn_key_short(s, key);
	assert_string_equal(s, "[+/+//]");

	/* Go prints nothing for the zero key. */
	memset(s, 'x', sizeof(s));
	tn_key_short(s, zero);
	assert_string_equal(s, "");
	memset(d, 'x', sizeof(d));
	tn_key_disco_short(d, zero);
	assert_string_equal(d, "");
	assert_true(tn_key_is_zero(zero));

	/* Only the last byte set: not zero, fingerprint of leading zeros. */
	key[31] = 0;
	memset(key, 0, 31);
	key[31] = 1;
	tn_key_short(s, key);
	assert_string_equal(s, "[AAAAA]");
	tn_key_disco_short(d, key);
	assert_string_equal(d, "d:0000000000000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(go_serialized_keys),
		cmocka_unit_test(every_type_round_trips),
		cmocka_unit_test(either_case_parses_lowercase_written),
		cmocka_unit_test(malformed_rejected),
		cmocka_unit_test(to_text_buffer_size),
		cmocka_unit_test(generate_and_derive),
		cmocka_unit_test(short_fingerprints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

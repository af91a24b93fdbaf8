/* JSON written as Go's encoding/json writes it; re-indenting what Go
 * tailscaled served gives exactly what the Go CLI printed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/gojson.h"
#include "fixture.h"

static char *enc(const char *json, const char *indent)
{
	json_t *v = tn_cli_json_parse(json, strlen(json), NULL, 0);
	assert_non_null(v);
	char *s = tn_cli_json_encode(v, indent);
	json_decref(v);
	assert_non_null(s);
	return s;
}

static void check(const char *json, const char *indent, const char *want)
{
	char *s = enc(json, indent);
	assert_string_equal(s, want);
	free(s);
}

static void strings_escape_like_go(void **state)
{
	check("\"<a href=\\\"x\\\">&amp;</a>\"", NULL, "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e\"");
	check("\"\\u0001\\b\\f\\n\\r\\t\\u001f\\u007f/\"", NULL, "\"\\u0001\\b\\f\\n\\r\\t\\u001f\x7f/\"");
	check("\"\\u2028\\u2029 b\xc3\xbc" "cher \\ud83d\\ude00\"", NULL,
	      "\"\\u2028\\u2029 b\xc3\xbc" "cher \xf0\x9f\x98\x80\"");
	check("{\"a<b\":1}", NULL, "{\"a\\u003cb\":1}");
}

static void numbers_like_go(void **state)
{
	check("[0, -0, 1, -7, 9223372036854775807, -9223372036854775808]", NULL,
	      "[0,0,1,-7,9223372036854775807,-9223372036854775808]");
	check("[0.000900022, 0.1, 1.5, 100.0, 1e20, 1e21, 1.5e-7, 0.000001, 123456789.125, -0.0, 3.4028234663852886e+38]",
	      NULL,
	      "[0.000900022,0.1,1.5,100,100000000000000000000,1e+21,1.5e-7,0.000001,123456789.125,-0,3.4028234663852886e+38]");
	check("[5e-324, 1.7976931348623157e308, 1e-7, 1e100, 2.5e-100]", NULL,
	      "[5e-324,1.7976931348623157e+308,1e-7,1e+100,2.5e-100]");
}

static void layout_like_marshal_indent(void **state)
{
	check("{\"a\":{},\"b\":[],\"c\":[1,{\"d\":null}],\"e\":true}", "  ",
	      "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ],\n  \"e\": true\n}");
	check("{\"b\":1,\"a\":2}", NULL, "{\"b\":1,\"a\":2}");   /* order kept */
	check("[]", "\t", "[]");
	check("\"x\"", "\t", "\"x\"");

	/* A prefix goes after every newline (whois's capability values). */
	json_t *v = json_pack("[s,{s:i}]", "x", "a", 1);
	struct tn_cli_buf b;
	tn_cli_buf_init(&b);
	assert_int_equal(tn_cli_json_append(&b, v, "      ", "  "), 0);
	assert_string_equal(tn_cli_buf_str(&b), "[\n        \"x\",\n        {\n          \"a\": 1\n        }\n      ]");
	tn_cli_buf_free(&b);
	json_decref(v);
}

/* What tailscaled served, re-indented, is byte for byte what its CLI
 * printed (status --json: MarshalIndent "  " without a newline; whois
 * --json: an Encoder with "  ", newline; netcheck: MarshalIndent "\t"). */
static void reindents_tailscaled_output_exactly(void **state)
{
	static const struct {
		const char *in, *out, *indent;
		bool newline;
	} cases[] = {
		{ "status-running.json", "status-running.json.out", "  ", false },
		{ "status-active.json", "status-active.json.out", "  ", false },
		{ "status-needslogin.json", "status-needslogin.json.out", "  ", false },
		{ "whois.json", "whois.json.out", "  ", true },
		{ "netcheck.json", "netcheck.json", "\t", true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = fixture_json(cases[i].in);
		char *want = fixture(cases[i].out, NULL);
		struct tn_cli_buf b;
		tn_cli_buf_init(&b);
		assert_int_equal(tn_cli_json_append(&b, v, NULL, cases[i].indent), 0);
		if (cases[i].newline)
			tn_cli_buf_putc(&b, '\n');
		assert_string_equal(tn_cli_buf_str(&b), want);
		tn_cli_buf_free(&b);
		free(want);
		json_decref(v);
	}
}

static void parse_errors_do_not_quote_input(void **state)
{
	static const char *const bad[] = { "", "{", "{\"a\":}", "[1,]", "nul", "{\"a\":1}x",
					   "\"\\ud800\"", "99999999999999999999", "\"\xff\"" };
	char err[128];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(tn_cli_json_parse(bad[i], strlen(bad[i]), err, sizeof(err)));
		assert_non_null(strstr(err, "invalid JSON at line "));
	}
	/* Input with a NUL inside is cut there, never read past its length. */
	assert_null(tn_cli_json_parse("{\"a\":1}\0junk", 12, err, sizeof(err)));
	json_t *v = tn_cli_json_parse("{\"a\":1}junk", 7, err, sizeof(err));
	assert_non_null(v);
	json_decref(v);
}

static void accessors_tolerate_other_types(void **state)
{
	json_t *o = tn_cli_json_parse("{\"s\":1,\"b\":\"true\",\"i\":2.9,\"a\":null,\"o\":[]}", 42, NULL, 0);
	assert_non_null(o);
	assert_string_equal(tn_cli_json_str(o, "s"), "");
	assert_string_equal(tn_cli_json_str(o, "missing"), "");
	assert_false(tn_cli_json_bool(o, "b"));
	assert_int_equal(tn_cli_json_int(o, "i"), 2);
	assert_null(tn_cli_json_array(o, "a"));
	assert_null(tn_cli_json_object(o, "o"));
	assert_string_equal(tn_cli_json_str(NULL, "s"), "");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strings_escape_like_go),
		cmocka_unit_test(numbers_like_go),
		cmocka_unit_test(layout_like_marshal_indent),
		cmocka_unit_test(reindents_tailscaled_output_exactly),
		cmocka_unit_test(parse_errors_do_not_quote_input),
		cmocka_unit_test(accessors_tolerate_other_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Go's %q and go-shellquote's quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/quote.h"

static const char *go(const char *s)
{
	static struct tn_cli_buf b;
	tn_cli_buf_free(&b);
	tn_cli_quote_go(&b, s);
	return tn_cli_buf_str(&b);
}

static const char *sh(const char *s)
{
	static struct tn_cli_buf b;
	tn_cli_buf_free(&b);
	tn_cli_quote_shell(&b, s);
	return tn_cli_buf_str(&b);
}

static void go_quote(void **state)
{
	assert_string_equal(go(""), "\"\"");
	assert_string_equal(go("my host"), "\"my host\"");
	assert_string_equal(go("a\"b\\c"), "\"a\\\"b\\\\c\"");
	assert_string_equal(go("\n\t\r\a\b\f\v"), "\"\\n\\t\\r\\a\\b\\f\\v\"");
	assert_string_equal(go("\x01\x7f"), "\"\\x01\\x7f\"");
	assert_string_equal(go("b\xc3\xbc" "cher"), "\"b\xc3\xbc" "cher\"");
	assert_string_equal(go("\xff\xc3"), "\"\\xff\\xc3\"");
	assert_string_equal(go("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");   /* a surrogate */
}

static void shell_quote(void **state)
{
	assert_string_equal(sh(""), "''");
	assert_string_equal(sh("http://10.99.0.1:8080"), "http://10.99.0.1:8080");
	assert_string_equal(sh("10.0.0.0/8,192.168.1.0/24"), "10.0.0.0/8,192.168.1.0/24");
	assert_string_equal(sh("a$b"), "a\\$b");
	assert_string_equal(sh("~me"), "\\~me");
	assert_string_equal(sh("me~"), "me~");
	assert_string_equal(sh("it's"), "it\\'s");
	assert_string_equal(sh("my host"), "'my host'");
	assert_string_equal(sh("it's mine"), "'it'\\''s mine'");
	assert_string_equal(sh("'a b'"), "\\''a b'\\'");
	assert_string_equal(sh("x\ty"), "'x\ty'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(go_quote),
		cmocka_unit_test(shell_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Go's text/tabwriter layout: column blocks, padding, character widths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/tabwriter.h"

static void check(int minwidth, int padding, const char *in, const char *want)
{
	struct tn_cli_tab t;
	struct tn_cli_buf out;

	tn_cli_tab_init(&t, minwidth, padding);
	tn_cli_buf_init(&out);
	tn_cli_tab_add(&t, in);
	assert_int_equal(tn_cli_tab_flush(&t, &out), 0);
	assert_string_equal(tn_cli_buf_str(&out), want);
	tn_cli_buf_free(&out);
	tn_cli_tab_free(&t);
}

static void status_table(void **state)
{
	/* Every cell tab-terminated: the last column is padded too. */
	check(0, 2, "100.64.0.2\tn1\talice\tlinux\t-\t\n100.64.0.1\tn2\talice\tlinux\tactive; direct 10.99.0.12:41641\t\n",
	      "100.64.0.2  n1  alice  linux  -                                \n"
	      "100.64.0.1  n2  alice  linux  active; direct 10.99.0.12:41641  \n");
	/* Text after the last tab is not a cell. */
	check(0, 2, "a\tbb\tc\nccc\td\te\n", "a    bb  c\nccc  d   e\n");
	/* Widths count characters, not bytes. */
	check(0, 1, "b\xc3\xbc\tx\t\nab\ty\t\n", "b\xc3\xbc x \nab y \n");
	check(0, 2, "", "");
	check(0, 2, "no tabs\n", "no tabs\n");
	check(0, 2, "a\tb", "a  b");      /* no final newline: written as is */
}

static void blocks_end_at_lines_without_the_column(void **state)
{
	/* whois: minwidth 10, padding 5; "User:" splits the blocks. */
	check(10, 5,
	      "Machine:\n  Name:\tn2.tailnet.test\n  ID:\t1\n  Addresses:\t[100.64.0.1/32]\nUser:\n  Name:\talice\n  ID:\t1\n",
	      "Machine:\n  Name:          n2.tailnet.test\n  ID:            1\n  Addresses:     [100.64.0.1/32]\n"
	      "User:\n  Name:     alice\n  ID:       1\n");
	/* Column 1 has two blocks (lines 1-2 and 4), column 0 one. */
	check(0, 1, "a\tb\tc\nxx\tyyyy\tz\nq\tr\nlong\t1\t2\n",
	      "a    b    c\nxx   yyyy z\nq    r\nlong 1 2\n");
}

static void printf_and_reuse(void **state)
{
	struct tn_cli_tab t;
	struct tn_cli_buf out;

	tn_cli_tab_init(&t, 0, 2);
	tn_cli_buf_init(&out);
	tn_cli_tab_printf(&t, "%s\t%d\t\n", "abc", 42);
	assert_int_equal(tn_cli_tab_flush(&t, &out), 0);
	tn_cli_tab_printf(&t, "%s\t\n", "x");
	assert_int_equal(tn_cli_tab_flush(&t, &out), 0);
	assert_string_equal(tn_cli_buf_str(&out), "abc  42  \nx  \n");
	tn_cli_buf_free(&out);
	tn_cli_tab_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_table),
		cmocka_unit_test(blocks_end_at_lines_without_the_column),
		cmocka_unit_test(printf_and_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

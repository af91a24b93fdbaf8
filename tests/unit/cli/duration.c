/* Go's time.ParseDuration and Duration.String / Round. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/duration.h"

static void parses_go_durations(void **state)
{
	static const struct {
		const char *s;
		int64_t ns;
	} ok[] = {
		{ "0", 0 }, { "5s", 5000000000LL }, { "+5s", 5000000000LL }, { "-5s", -5000000000LL },
		{ "1m30s", 90000000000LL }, { "300ms", 300000000 }, { "1.5h", 5400000000000LL },
		{ ".5s", 500000000 }, { "1.s", 1000000000 }, { "2us", 2000 }, { "2\xc2\xb5s", 2000 },
		{ "2\xce\xbcs", 2000 }, { "7ns", 7 }, { "1h2m3s4ms5us6ns", 3723004005006LL },
		{ "0.000000001s", 1 }, { "2562047h47m16.854775807s", INT64_MAX },
		{ "-2562047h47m16.854775808s", INT64_MIN },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t v = -1;
		assert_int_equal(tn_cli_duration_parse(ok[i].s, &v), 0);
		assert_int_equal(v, ok[i].ns);
	}
	static const char *const bad[] = { "", "5", "s", "1x", ".s", "1.5", "-", "1s5", "1 s", "5S",
					   "++5s" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v;
		assert_int_equal(tn_cli_duration_parse(bad[i], &v), -EINVAL);
	}
	int64_t v;
	assert_int_equal(tn_cli_duration_parse("9223372036854775808ns", &v), -ERANGE);
	assert_int_equal(tn_cli_duration_parse("3000000h", &v), -ERANGE);
}

static void formats_like_duration_string(void **state)
{
	static const struct {
		int64_t ns;
		const char *s;
	} cases[] = {
		{ 0, "0s" }, { 1, "1ns" }, { 999, "999ns" }, { 1000, "1\xc2\xb5s" }, { 1500, "1.5\xc2\xb5s" },
		{ 160159, "160.159\xc2\xb5s" }, { 1000000, "1ms" }, { 1234567, "1.234567ms" },
		{ 1000000000, "1s" }, { 1500000000, "1.5s" }, { 60000000000LL, "1m0s" },
		{ 90000000000LL, "1m30s" }, { 3600000000000LL, "1h0m0s" }, { 3723004005006LL, "1h2m3.004005006s" },
		{ -1500000000, "-1.5s" }, { -1000, "-1\xc2\xb5s" },
		{ INT64_MAX, "2562047h47m16.854775807s" }, { INT64_MIN, "-2562047h47m16.854775808s" },
	};
	char out[40];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tn_cli_duration_format(cases[i].ns, out, sizeof(out));
		assert_string_equal(out, cases[i].s);
	}
}

static void rounds_half_away_from_zero(void **state)
{
	const int64_t ms = 1000000;
	assert_int_equal(tn_cli_duration_round(1499999, ms), 1000000);
	assert_int_equal(tn_cli_duration_round(1500000, ms), 2000000);
	assert_int_equal(tn_cli_duration_round(281620, ms), 0);           /* a LAN ping: "0s" */
	assert_int_equal(tn_cli_duration_round(-1500000, ms), -2000000);
	assert_int_equal(tn_cli_duration_round(-1499999, ms), -1000000);
	assert_int_equal(tn_cli_duration_round(160159, 100000), 200000);  /* netcheck's 100µs */
	assert_int_equal(tn_cli_duration_round(134601, 100000), 100000);
	assert_int_equal(tn_cli_duration_round(12345, 0), 12345);
	assert_int_equal(tn_cli_duration_round(INT64_MAX, ms), INT64_MAX);
	assert_int_equal(tn_cli_duration_round(INT64_MIN, ms), INT64_MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_go_durations),
		cmocka_unit_test(formats_like_duration_string),
		cmocka_unit_test(rounds_half_away_from_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

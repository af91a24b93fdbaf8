/* Flag parsing with the rules of Go's flag package (what the tailscale CLI
 * accepts and how it complains). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/flags.h"

struct vals {
	bool json, peers;
	const char *host;
	long long c;
	int64_t timeout;
};

static void setup(struct vals *v, struct tn_cli_flag *f, struct tn_cli_flagset *fs)
{
	memset(v, 0, sizeof(*v));
	v->peers = true;
	v->host = "";
	v->c = 10;
	v->timeout = 5000000000LL;
	f[0] = (struct tn_cli_flag){ .name = "json", .type = TN_CLI_FLAG_BOOL, .value = &v->json, .usage = "j" };
	f[1] = (struct tn_cli_flag){ .name = "peers", .type = TN_CLI_FLAG_BOOL, .value = &v->peers, .usage = "p" };
	f[2] = (struct tn_cli_flag){ .name = "hostname", .type = TN_CLI_FLAG_STRING, .value = &v->host, .usage = "h" };
	f[3] = (struct tn_cli_flag){ .name = "c", .type = TN_CLI_FLAG_INT, .value = &v->c, .usage = "c" };
	f[4] = (struct tn_cli_flag){ .name = "timeout", .type = TN_CLI_FLAG_DURATION, .value = &v->timeout, .usage = "t" };
	*fs = (struct tn_cli_flagset){ .short_usage = "x", .flags = f, .n_flags = 5 };
}

#define ARGS(...) (char *[]){ __VA_ARGS__ }, (int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))

static int parse(struct tn_cli_flagset *fs, char **argv, int argc, char *err)
{
	return tn_cli_flags_parse(fs, argc, argv, err, TN_CLI_FLAG_ERROR_MAX);
}

static void both_dash_forms_and_value_forms(void **state)
{
	struct vals v;
	struct tn_cli_flag f[5];
	struct tn_cli_flagset fs;
	char err[TN_CLI_FLAG_ERROR_MAX];

	setup(&v, f, &fs);
	assert_int_equal(parse(&fs, ARGS("-json", "--hostname", "n1", "-c=3", "--timeout=1m30s", "--peers=false"), err), 0);
	assert_true(v.json);
	assert_false(v.peers);
	assert_string_equal(v.host, "n1");
	assert_int_equal(v.c, 3);
	assert_int_equal(v.timeout, 90000000000LL);
	assert_int_equal(fs.argc, 0);
	assert_true(tn_cli_flag_set(&fs, "json"));
	assert_true(tn_cli_flag_set(&fs, "timeout"));

	/* The defaults before parsing are kept as text for the usage. */
	assert_string_equal(f[1].def, "true");
	assert_string_equal(f[4].def, "5s");

	/* A value may start with a dash; "=" may be empty. */
	setup(&v, f, &fs);
	assert_int_equal(parse(&fs, ARGS("--hostname", "-x", "-c", "0x10", "--json=T"), err), 0);
	assert_string_equal(v.host, "-x");
	assert_int_equal(v.c, 16);
	assert_true(v.json);
	setup(&v, f, &fs);
	assert_int_equal(parse(&fs, ARGS("--hostname="), err), 0);
	assert_string_equal(v.host, "");
	assert_true(tn_cli_flag_set(&fs, "hostname"));
	assert_false(tn_cli_flag_set(&fs, "json"));
}

static void stops_at_the_first_argument(void **state)
{
	struct vals v;
	struct tn_cli_flag f[5];
	struct tn_cli_flagset fs;
	char err[TN_CLI_FLAG_ERROR_MAX];

	setup(&v, f, &fs);
	assert_int_equal(parse(&fs, ARGS("--json", "n2", "-c", "2"), err), 0);
	assert_int_equal(fs.argc, 3);
	assert_string_equal(fs.argv[0], "n2");
	assert_int_equal(v.c, 10);

	/* A boolean never takes the next argument. */
	setup(&v, f, &fs);
	assert_int_equal(parse(&fs, ARGS("--peers", "false"), err), 0);
	assert_true(v.peers);
	assert_int_equal(fs.argc, 1);

	/* "--" ends the flags; "-" alone is an argument. */
	setup(&v, f, &fs);
	assert_int_equal(parse(&fs, ARGS("--", "--json"), err), 0);
	assert_false(v.json);
	assert_int_equal(fs.argc, 1);
	assert_string_equal(fs.argv[0], "--json");
	setup(&v, f, &fs);
	assert_int_equal(parse(&fs, ARGS("-", "x"), err), 0);
	assert_int_equal(fs.argc, 2);
}

static void errors_name_the_flag_like_go(void **state)
{
	static const struct {
		char *args[3];
		int argc;
		const char *msg;
	} cases[] = {
		{ { "--bogus" }, 1, "flag provided but not defined: -bogus" },
		{ { "-bogus=1" }, 1, "flag provided but not defined: -bogus" },
		{ { "--hostname" }, 1, "flag needs an argument: -hostname" },
		{ { "--c=abc" }, 1, "invalid value \"abc\" for flag -c: parse error" },
		{ { "--c", "99999999999999999999" }, 2,
		  "invalid value \"99999999999999999999\" for flag -c: value out of range" },
		{ { "--json=maybe" }, 1, "invalid boolean value \"maybe\" for -json: parse error" },
		{ { "--timeout=5" }, 1, "invalid value \"5\" for flag -timeout: parse error" },
		{ { "--json", "--json" }, 2, "invalid boolean flag json: flag provided multiple times" },
		{ { "--c=1", "--c=2" }, 2, "invalid value \"2\" for flag -c: flag provided multiple times" },
		{ { "---x" }, 1, "bad flag syntax: ---x" },
		{ { "-=x" }, 1, "bad flag syntax: -=x" },
		{ { "--hostname=a\nb", "--hostname=x" }, 2,
		  "invalid value \"x\" for flag -hostname: flag provided multiple times" },
	};
	struct vals v;
	struct tn_cli_flag f[5];
	struct tn_cli_flagset fs;
	char err[TN_CLI_FLAG_ERROR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(&v, f, &fs);
		assert_int_equal(parse(&fs, (char **)cases[i].args, cases[i].argc, err), -EINVAL);
		assert_string_equal(err, cases[i].msg);
	}
	/* Control characters in a bad value are quoted, not printed raw. */
	setup(&v, f, &fs);
	assert_int_equal(parse(&fs, ARGS("--c=\x1b[31m"), err), -EINVAL);
	assert_string_equal(err, "invalid value \"\\x1b[31m\" for flag -c: parse error");
}

static void help_is_not_an_error(void **state)
{
	struct vals v;
	struct tn_cli_flag f[5];
	struct tn_cli_flagset fs;
	char err[TN_CLI_FLAG_ERROR_MAX];

	setup(&v, f, &fs);
	assert_int_equal(parse(&fs, ARGS("-h"), err), 1);
	setup(&v, f, &fs);
	assert_int_equal(parse(&fs, ARGS("--json", "--help"), err), 1);
}

static void bools_and_ints_like_strconv(void **state)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(tn_cli_parse_bool(t[i]), 1);
		assert_int_equal(tn_cli_parse_bool(f[i]), 0);
	}
	assert_int_equal(tn_cli_parse_bool("yes"), -EINVAL);
	assert_int_equal(tn_cli_parse_bool("tRUE"), -EINVAL);
	assert_int_equal(tn_cli_parse_bool(""), -EINVAL);

	struct vals v;
	struct tn_cli_flag fl[5];
	struct tn_cli_flagset fs;
	char err[TN_CLI_FLAG_ERROR_MAX];
	static const struct {
		const char *s;
		long long v;
	} ok[] = { { "0", 0 }, { "-7", -7 }, { "+7", 7 }, { "010", 8 }, { "0o17", 15 }, { "0b101", 5 },
		   { "1_000", 1000 }, { "9223372036854775807", INT64_MAX } };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *argv[] = { "-c", (char *)ok[i].s };
		setup(&v, fl, &fs);
		assert_int_equal(parse(&fs, argv, 2, err), 0);
		assert_int_equal(v.c, ok[i].v);
	}
	static const char *const bad[] = { "", "x", "1x", "0x", "--1", "08", "1.5" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "-c", (char *)bad[i] };
		setup(&v, fl, &fs);
		assert_int_equal(parse(&fs, argv, 2, err), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_dash_forms_and_value_forms),
		cmocka_unit_test(stops_at_the_first_argument),
		cmocka_unit_test(errors_name_the_flag_like_go),
		cmocka_unit_test(help_is_not_an_error),
		cmocka_unit_test(bools_and_ints_like_strconv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

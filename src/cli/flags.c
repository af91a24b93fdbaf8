#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/buf.h"
#include "cli/duration.h"
#include "cli/flags.h"
#include "cli/quote.h"

int tn_cli_parse_bool(const char *s)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcmp(s, t[i]))
			return 1;
		if (!strcmp(s, f[i]))
			return 0;
	}
	return -EINVAL;
}

void tn_cli_flag_value_string(const struct tn_cli_flag *f, char *out, size_t len)
{
	switch (f->type) {
	case TN_CLI_FLAG_BOOL:
		snprintf(out, len, "%s", *(bool *)f->value ? "true" : "false");
		break;
	case TN_CLI_FLAG_STRING: {
		const char *s = *(const char **)f->value;
		snprintf(out, len, "%s", s ? s : "");
		break;
	}
	case TN_CLI_FLAG_INT:
		snprintf(out, len, "%lld", *(long long *)f->value);
		break;
	case TN_CLI_FLAG_DURATION:
		tn_cli_duration_format(*(int64_t *)f->value, out, len);
		break;
	}
}

struct tn_cli_flag *tn_cli_flag_lookup(struct tn_cli_flagset *fs, const char *name)
{
	for (size_t i = 0; i < fs->n_flags; i++)
		if (!strcmp(fs->flags[i].name, name))
			return &fs->flags[i];
	return NULL;
}

bool tn_cli_flag_set(const struct tn_cli_flagset *fs, const char *name)
{
	for (size_t i = 0; i < fs->n_flags; i++)
		if (!strcmp(fs->flags[i].name, name))
			return fs->flags[i].set;
	return false;
}

static bool is_bool(const struct tn_cli_flag *f)
{
	return f->type == TN_CLI_FLAG_BOOL;
}

/* Go's intValue.Set: strconv.ParseInt(s, 0, 64). */
static int parse_int(const char *s, long long *out)
{
	char clean[64];
	size_t n = 0;

	/* Go allows '_' between digits in base-prefixed and decimal forms. */
	for (const char *p = s; *p; p++) {
		if (*p == '_')
			continue;
		if (n + 1 >= sizeof(clean))
			return -ERANGE;
		clean[n++] = *p;
	}
	clean[n] = '\0';
	if (!n || (clean[0] != '-' && clean[0] != '+' && (clean[0] < '0' || clean[0] > '9')))
		return -EINVAL;
	const char *digits = clean + (clean[0] == '-' || clean[0] == '+');
	int base = 10;
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		base = 16, digits += 2;
	else if (digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B'))
		base = 2, digits += 2;
	else if (digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O'))
		base = 8, digits += 2;
	else if (digits[0] == '0' && digits[1])
		base = 8, digits += 1;
	if (!*digits || *digits == '-' || *digits == '+')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(digits, &end, base);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	if (clean[0] == '-') {
		if (v > (unsigned long long)INT64_MAX + 1)
			return -ERANGE;
		*out = v == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(long long)v;
	} else {
		if (v > (unsigned long long)INT64_MAX)
			return -ERANGE;
		*out = (long long)v;
	}
	return 0;
}

static int set_value(struct tn_cli_flag *f, const char *value)
{
	int rc;

	if (f->set)
		return -EEXIST;
	switch (f->type) {
	case TN_CLI_FLAG_BOOL:
		if ((rc = tn_cli_parse_bool(value)) < 0)
			return rc;
		*(bool *)f->value = rc;
		break;
	case TN_CLI_FLAG_STRING:
		*(const char **)f->value = value;
		break;
	case TN_CLI_FLAG_INT: {
		long long v;
		if ((rc = parse_int(value, &v)) < 0)
			return rc;
		*(long long *)f->value = v;
		break;
	}
	case TN_CLI_FLAG_DURATION: {
		int64_t v;
		if (tn_cli_duration_parse(value, &v) < 0)
			return -EINVAL;
		*(int64_t *)f->value = v;
		break;
	}
	}
	f->set = true;
	return 0;
}

static const char *set_error(int rc)
{
	switch (rc) {
	case -EEXIST: return "flag provided multiple times";
	case -ERANGE: return "value out of range";
	default: return "parse error";
	}
}

static void failf(char *err, size_t errlen, const char *fmt, const char *name, const char *value)
{
	struct tn_cli_buf b;

	tn_cli_buf_init(&b);
	/* fmt holds %N for the name, %V for the quoted value, %E for the
	 * error; keeps the messages' shape in one place. */
	for (const char *p = fmt; *p; p++) {
		if (*p == '%' && p[1] == 'N') {
			tn_cli_buf_puts(&b, name);
			p++;
		} else if (*p == '%' && p[1] == 'V') {
			tn_cli_quote_go(&b, value);
			p++;
		} else {
			tn_cli_buf_putc(&b, *p);
		}
	}
	snprintf(err, errlen, "%s", tn_cli_buf_str(&b));
	tn_cli_buf_free(&b);
}

int tn_cli_flags_parse(struct tn_cli_flagset *fs, int argc, char **argv, char *err,
		       size_t errlen)
{
	int i = 0;

	for (size_t k = 0; k < fs->n_flags; k++) {
		fs->flags[k].set = false;
		tn_cli_flag_value_string(&fs->flags[k], fs->flags[k].def, sizeof(fs->flags[k].def));
	}
	while (i < argc) {
		const char *arg = argv[i];

		if (strlen(arg) < 2 || arg[0] != '-')
			break;
		int minuses = 1;
		if (arg[1] == '-') {
			minuses = 2;
			if (arg[2] == '\0') {
				i++;    /* "--" ends the flags */
				break;
			}
		}
		const char *name = arg + minuses;
		if (name[0] == '\0' || name[0] == '-' || name[0] == '=') {
			snprintf(err, errlen, "bad flag syntax: %s", arg);
			return -EINVAL;
		}
		i++;
		char namebuf[128];
		const char *eq = strchr(name, '=');
		const char *value = NULL;
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		if (nlen >= sizeof(namebuf)) {
			snprintf(err, errlen, "flag provided but not defined: -%.100s...", name);
			return -EINVAL;
		}
		memcpy(namebuf, name, nlen);
		namebuf[nlen] = '\0';
		if (eq)
			value = eq + 1;
		struct tn_cli_flag *f = tn_cli_flag_lookup(fs, namebuf);
		if (!f) {
			if (!strcmp(namebuf, "help") || !strcmp(namebuf, "h"))
				return 1;
			snprintf(err, errlen, "flag provided but not defined: -%s", namebuf);
			return -EINVAL;
		}
		int rc;
		if (is_bool(f)) {
			if (value) {
				if ((rc = set_value(f, value)) < 0) {
					char msg[64];
					snprintf(msg, sizeof(msg), "%s", set_error(rc));
					failf(err, errlen, "invalid boolean value %V for -%N: ", f->name, value);
					snprintf(err + strlen(err), errlen - strlen(err), "%s", msg);
					return -EINVAL;
				}
			} else if ((rc = set_value(f, "true")) < 0) {
				snprintf(err, errlen, "invalid boolean flag %s: %s", f->name, set_error(rc));
				return -EINVAL;
			}
			continue;
		}
		if (!value) {
			if (i >= argc) {
				snprintf(err, errlen, "flag needs an argument: -%s", f->name);
				return -EINVAL;
			}
			value = argv[i++];
		}
		if ((rc = set_value(f, value)) < 0) {
			failf(err, errlen, "invalid value %V for flag -%N: ", f->name,
			      f->secret ? "REDACTED" : value);
			snprintf(err + strlen(err), errlen - strlen(err), "%s", set_error(rc));
			return -EINVAL;
		}
	}
	fs->argc = argc - i;
	fs->argv = argv ? argv + i : NULL; /* no arguments: argv may be NULL */
	return 0;
}

int tn_cli_flags_parse_cmd(struct tn_cli_flagset *fs, int argc, char **argv)
{
	char err[TN_CLI_FLAG_ERROR_MAX];
	int rc = tn_cli_flags_parse(fs, argc, argv, err, sizeof(err));

	if (rc == 0)
		return -1;
	if (rc > 0) {
		tn_cli_flags_usage(fs, stderr, true);
		return 0;
	}
	fprintf(stderr, "%s\n", err);
	tn_cli_flags_usage(fs, stderr, true);
	return 2;
}

static int cmp_flags(const void *a, const void *b)
{
	const struct tn_cli_flag *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

void tn_cli_flags_usage(const struct tn_cli_flagset *fs, FILE *f, bool with_defaults)
{
	if (fs->short_help)
		fprintf(f, "%s\n\n", fs->short_help);
	fprintf(f, "USAGE\n  %s\n\n", fs->short_usage);
	if (fs->long_help && *fs->long_help)
		fprintf(f, "%s\n\n", fs->long_help);
	if (!fs->n_flags)
		return;
	const struct tn_cli_flag **sorted = calloc(fs->n_flags, sizeof(*sorted));
	if (!sorted)
		return;
	for (size_t i = 0; i < fs->n_flags; i++)
		sorted[i] = &fs->flags[i];
	qsort(sorted, fs->n_flags, sizeof(*sorted), cmp_flags);
	fprintf(f, "FLAGS\n");
	for (size_t i = 0; i < fs->n_flags; i++) {
		const struct tn_cli_flag *fl = sorted[i];
		char def[64];

		if (fl->def[0])
			snprintf(def, sizeof(def), "%s", fl->def);
		else
			tn_cli_flag_value_string(fl, def, sizeof(def));
		if (is_bool(fl))
			fprintf(f, "  --%s, --%s=false\n", fl->name, fl->name);
		else
			fprintf(f, "  --%s value\n", fl->name);
		fprintf(f, "    \t%s", fl->usage);
		if (with_defaults && def[0])
			fprintf(f, " (default %s)", def);
		fprintf(f, "\n");
	}
	free(sorted);
}

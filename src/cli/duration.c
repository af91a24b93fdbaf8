#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/duration.h"

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 },   /* U+00B5 MICRO SIGN */
	{ "\xce\xbcs", 1000 },   /* U+03BC GREEK SMALL LETTER MU */
	{ "ms", 1000000 },
	{ "s", 1000000000 },
	{ "m", UINT64_C(60000000000) },
	{ "h", UINT64_C(3600000000000) },
};

#define LIMIT (UINT64_C(1) << 63)

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int tn_cli_duration_parse(const char *s, int64_t *ns)
{
	bool neg = false;
	uint64_t total = 0;

	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t v = 0, frac = 0, scale = 1;
		bool pre = false, post = false, frac_overflow = false;

		if (!(*s == '.' || is_digit(*s)))
			return -EINVAL;
		for (; is_digit(*s); s++) {
			if (v > (LIMIT - 1) / 10)
				return -ERANGE;
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > LIMIT)
				return -ERANGE;
			pre = true;
		}
		if (*s == '.') {
			s++;
			for (; is_digit(*s); s++) {
				post = true;
				/* Digits past what 63 bits hold cannot change the
				 * result: drop them, as Go does. */
				if (frac_overflow || frac > (LIMIT - 1) / 10) {
					frac_overflow = true;
					continue;
				}
				frac = frac * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
		}
		if (!pre && !post)
			return -EINVAL;
		size_t ul = 0;
		while (s[ul] && s[ul] != '.' && !is_digit(s[ul]))
			ul++;
		if (!ul)
			return -EINVAL;   /* missing unit */
		uint64_t unit = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == ul && !memcmp(units[i].name, s, ul))
				unit = units[i].ns;
		if (!unit)
			return -EINVAL;   /* unknown unit */
		s += ul;
		if (v > LIMIT / unit)
			return -ERANGE;
		v *= unit;
		if (frac) {
			/* The fraction in nanoseconds, rounded down like Go. */
			v += (uint64_t)((double)frac * ((double)unit / (double)scale));
			if (v > LIMIT)
				return -ERANGE;
		}
		total += v;
		if (total > LIMIT)
			return -ERANGE;
	}
	if (neg) {
		*ns = total == LIMIT ? INT64_MIN : -(int64_t)total;
		return 0;
	}
	if (total > LIMIT - 1)
		return -ERANGE;
	*ns = (int64_t)total;
	return 0;
}

/* "v" with up to prec fractional digits of v / 10^prec, trailing zeros
 * (and a bare point) left out. */
static int put_frac(char *out, size_t outlen, uint64_t v, int prec)
{
	uint64_t div = 1;
	for (int i = 0; i < prec; i++)
		div *= 10;
	int n = snprintf(out, outlen, "%" PRIu64, v / div);
	uint64_t f = v % div;
	if (prec == 0 || f == 0 || n < 0 || (size_t)n >= outlen)
		return n;
	char digits[24];
	snprintf(digits, sizeof(digits), "%0*" PRIu64, prec, f);
	size_t len = strlen(digits);
	while (len && digits[len - 1] == '0')
		digits[--len] = '\0';
	return n + snprintf(out + n, outlen - (size_t)n, ".%s", digits);
}

void tn_cli_duration_format(int64_t ns, char *out, size_t outlen)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	const char *sign = ns < 0 ? "-" : "";
	char num[48];

	if (!outlen)
		return;
	if (u == 0) {
		snprintf(out, outlen, "0s");
		return;
	}
	if (u < 1000) {
		snprintf(out, outlen, "%s%" PRIu64 "ns", sign, u);
		return;
	}
	if (u < 1000000) {
		put_frac(num, sizeof(num), u, 3);
		snprintf(out, outlen, "%s%s\xc2\xb5s", sign, num);
		return;
	}
	if (u < 1000000000) {
		put_frac(num, sizeof(num), u, 6);
		snprintf(out, outlen, "%s%sms", sign, num);
		return;
	}
	uint64_t secs = u / 1000000000;
	put_frac(num, sizeof(num), (secs % 60) * 1000000000 + u % 1000000000, 9);
	uint64_t mins = secs / 60, hours = mins / 60;
	if (hours)
		snprintf(out, outlen, "%s%" PRIu64 "h%" PRIu64 "m%ss", sign, hours, mins % 60, num);
	else if (mins)
		snprintf(out, outlen, "%s%" PRIu64 "m%ss", sign, mins, num);
	else
		snprintf(out, outlen, "%s%ss", sign, num);
}

int64_t tn_cli_duration_round(int64_t ns, int64_t m)
{
	if (m <= 0)
		return ns;
	int64_t r = ns % m;
	if (ns < 0) {
		r = -r;
		if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
			return ns + r;
		if (ns >= INT64_MIN + (m - r))
			return ns - (m - r);
		return INT64_MIN;
	}
	if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
		return ns - r;
	if (ns <= INT64_MAX - (m - r))
		return ns + (m - r);
	return INT64_MAX;
}

/* tailcfg text forms: netip.Addr, netip.Prefix, netip.AddrPort and
 * time.Time, parsed as Go's UnmarshalText accepts them and written as Go's
 * MarshalText writes them. */
#include "control/tailcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* --- netip text forms ----------------------------------------------------- */

/* Copies text into a NUL-terminated buffer; 0 or -EINVAL when too long or
 * containing a NUL. */
static int cstr(char *buf, size_t bufsz, const char *text, size_t len)
{
	if (len >= bufsz || memchr(text, '\0', len))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return 0;
}

/* An address without zone; allow_zone drops a "%zone" suffix of IPv6. */
static int ip_parse(struct tn_tailcfg_ip *out, const char *text, size_t len,
		    bool allow_zone)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *pct;

	memset(out, 0, sizeof(*out));
	if (allow_zone && (pct = memchr(text, '%', len))) {
		/* A zone needs a non-empty name and an IPv6 address. */
		if ((size_t)(pct - text) + 1 == len)
			return -EINVAL;
		len = (size_t)(pct - text);
		if (!memchr(text, ':', len))
			return -EINVAL;
	}
	if (cstr(buf, sizeof(buf), text, len))
		return -EINVAL;
	if (memchr(buf, ':', len)) {
		if (inet_pton(AF_INET6, buf, out->addr) != 1)
			return -EINVAL;
		out->family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, buf, out->addr) != 1)
			return -EINVAL;
		out->family = AF_INET;
	}
	return 0;
}

int tn_tailcfg_ip_parse(struct tn_tailcfg_ip *out, const char *text,
			size_t len)
{
	return ip_parse(out, text, len, true);
}

/* Decimal without sign (strconv.Atoi for prefix bits, which refuses
 * leading zeros; strconv.ParseUint for ports, which allows them). */
static int parse_dec(const char *s, size_t len, unsigned max, unsigned *out,
		     bool leading_zeros)
{
	unsigned v = 0;

	if (len == 0 || (!leading_zeros && len > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int tn_tailcfg_prefix_parse(struct tn_tailcfg_prefix *out, const char *text,
			    size_t len)
{
	struct tn_tailcfg_ip ip;
	const char *slash = NULL;
	unsigned bits;

	memset(out, 0, sizeof(*out));
	for (size_t i = len; i-- > 0;)
		if (text[i] == '/') {
			slash = text + i;
			break;
		}
	if (!slash || ip_parse(&ip, text, (size_t)(slash - text), false))
		return -EINVAL;
	if (parse_dec(slash + 1, len - (size_t)(slash - text) - 1,
		      ip.family == AF_INET ? 32 : 128, &bits, false))
		return -EINVAL;
	out->family = ip.family;
	out->bits = (uint8_t)bits;
	memcpy(out->addr, ip.addr, sizeof(out->addr));
	return 0;
}

int tn_tailcfg_addrport_parse(struct tn_tailcfg_addrport *out,
			      const char *text, size_t len)
{
	struct tn_tailcfg_ip ip;
	const char *colon = NULL, *host = text;
	size_t hostlen, portlen;
	unsigned port;

	memset(out, 0, sizeof(*out));
	for (size_t i = len; i-- > 0;)
		if (text[i] == ':') {
			colon = text + i;
			break;
		}
	if (!colon)
		return -EINVAL;
	hostlen = (size_t)(colon - text);
	portlen = len - hostlen - 1;
	if (hostlen >= 2 && host[0] == '[') {
		if (host[hostlen - 1] != ']')
			return -EINVAL;
		host++;
		hostlen -= 2;
		if (ip_parse(&ip, host, hostlen, true) || ip.family != AF_INET6)
			return -EINVAL;
	} else if (ip_parse(&ip, host, hostlen, false) || ip.family != AF_INET) {
		/* IPv6 needs its brackets. */
		return -EINVAL;
	}
	if (parse_dec(colon + 1, portlen, 65535, &port, true))
		return -EINVAL;
	out->family = ip.family;
	out->port = (uint16_t)port;
	memcpy(out->addr, ip.addr, sizeof(out->addr));
	return 0;
}

static size_t ip_format(char *out, uint8_t family, const uint8_t *a)
{
	static const uint8_t v4in6[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	int zs = -1, zl = 0;
	size_t n = 0;
	uint16_t w[8];

	if (family == AF_INET)
		return (size_t)sprintf(out, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	if (!memcmp(a, v4in6, sizeof(v4in6)))
		return (size_t)sprintf(out, "::ffff:%u.%u.%u.%u",
				       a[12], a[13], a[14], a[15]);
	for (int i = 0; i < 8; i++)
		w[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	/* The first longest run of at least two zero groups becomes "::". */
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && w[j] == 0)
			j++;
		if (j - i >= 2 && j - i > zl) {
			zs = i;
			zl = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == zs) {
			n += (size_t)sprintf(out + n, "::");
			i += zl - 1;
			continue;
		}
		if (n && out[n - 1] != ':')
			out[n++] = ':';
		n += (size_t)sprintf(out + n, "%x", w[i]);
	}
	out[n] = '\0';
	return n;
}

size_t tn_tailcfg_ip_format(char *out, const struct tn_tailcfg_ip *ip)
{
	if (ip->family != AF_INET && ip->family != AF_INET6) {
		out[0] = '\0';
		return 0;
	}
	return ip_format(out, ip->family, ip->addr);
}

size_t tn_tailcfg_prefix_format(char *out, const struct tn_tailcfg_prefix *p)
{
	size_t n;

	if (p->family != AF_INET && p->family != AF_INET6) {
		/* Go writes the zero Prefix as "invalid Prefix". */
		return (size_t)sprintf(out, "invalid Prefix");
	}
	n = ip_format(out, p->family, p->addr);
	return n + (size_t)sprintf(out + n, "/%u", p->bits);
}

size_t tn_tailcfg_addrport_format(char *out,
				  const struct tn_tailcfg_addrport *ap)
{
	size_t n = 0;

	if (ap->family == AF_INET6) {
		out[n++] = '[';
		n += ip_format(out + n, ap->family, ap->addr);
		out[n++] = ']';
	} else if (ap->family == AF_INET) {
		n += ip_format(out, ap->family, ap->addr);
	} else {
		/* Go writes the zero AddrPort as "invalid AddrPort". */
		return (size_t)sprintf(out, "invalid AddrPort");
	}
	return n + (size_t)sprintf(out + n, ":%u", ap->port);
}

/* --- time.Time ------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Seconds of Go's zero time, 0001-01-01T00:00:00Z, since the Unix epoch. */
#define GO_ZERO_TIME_SECS (-62135596800LL)

static int digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int tn_tailcfg_time_parse(int64_t *out_ns, const char *s, size_t len)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	int64_t secs, frac = 0;
	size_t i = 19;
	int sign = 0;

	*out_ns = 0;
	/* YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), as Go's strict RFC 3339
	 * parser for time.Time.UnmarshalJSON accepts it. */
	if (len < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 59)
		return -EINVAL;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -EINVAL;
	if (s[i] == '.') {
		int nd = 0;

		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++)
			if (nd < 9)
				frac = frac * 10 + (s[i] - '0');
		if (nd == 0)
			return -EINVAL;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (i < len && s[i] == 'Z') {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '-' ? -1 : 1;
		if (len - i < 6 || digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
		    digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
		i += 6;
	} else {
		return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	secs -= sign * (int64_t)(oh * 3600 + om * 60);
	if (secs == GO_ZERO_TIME_SECS && frac == 0) {
		*out_ns = 0;
		return 0;
	}
	/* int64 nanoseconds span 1677-09-21 .. 2262-04-11; clamp outside. */
	if (secs < INT64_MIN / 1000000000 + 1)
		*out_ns = INT64_MIN;
	else if (secs > INT64_MAX / 1000000000 - 1)
		*out_ns = INT64_MAX;
	else
		*out_ns = secs * 1000000000 + frac;
	if (*out_ns == 0)
		*out_ns = 1;   /* the Unix epoch itself is not "no time" */
	return 0;
}

size_t tn_tailcfg_time_format(char *out, int64_t ns)
{
	int64_t secs, days, y;
	long nsec;
	unsigned m, d, sod;
	size_t n;

	if (ns == 0)
		return (size_t)sprintf(out, "0001-01-01T00:00:00Z");
	secs = ns / 1000000000;
	nsec = (long)(ns % 1000000000);
	if (nsec < 0) {
		nsec += 1000000000;
		secs--;
	}
	days = secs / 86400;
	sod = (unsigned)(secs % 86400);
	if (secs % 86400 < 0) {
		days--;
		sod = (unsigned)(secs % 86400 + 86400);
	}
	civil_from_days(days, &y, &m, &d);
	n = (size_t)sprintf(out, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)y,
			    m, d, sod / 3600, sod / 60 % 60, sod % 60);
	if (nsec) {
		char frac[10];
		int fl = 9;

		snprintf(frac, sizeof(frac), "%09ld", nsec);
		while (fl > 0 && frac[fl - 1] == '0')
			fl--;
		n += (size_t)sprintf(out + n, ".%.*s", fl, frac);
	}
	out[n++] = 'Z';
	out[n] = '\0';
	return n;
}

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/gojson.h"

static void put_string(struct tn_cli_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;

	tn_cli_buf_putc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];

		if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
			/* U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR */
			tn_cli_buf_add(b, s + start, i - start);
			tn_cli_buf_puts(b, (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			i += 2;
			start = i + 1;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&')
			continue;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			u[0] = '\\';
			u[1] = 'u';
			u[2] = '0';
			u[3] = '0';
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			u[6] = '\0';
			esc = u;
		}
		tn_cli_buf_add(b, s + start, i - start);
		tn_cli_buf_puts(b, esc);
		start = i + 1;
	}
	tn_cli_buf_add(b, s + start, len - start);
	tn_cli_buf_putc(b, '"');
}

/* The shortest decimal digits that read back as f, Go's float64 layout. */
static int put_float(struct tn_cli_buf *b, double f)
{
	char tmp[40];
	int prec;

	if (!isfinite(f))
		return -EINVAL;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	/* tmp: [-]d[.ddd]e[+-]XX */
	const char *p = tmp;
	bool neg = false;
	if (*p == '-') {
		neg = true;
		p++;
	}
	char digits[24];
	size_t nd = 0;
	for (; *p && *p != 'e'; p++)
		if (*p != '.' && nd < sizeof(digits) - 1)
			digits[nd++] = *p;
	digits[nd] = '\0';
	int exp = *p == 'e' ? atoi(p + 1) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = '\0';

	if (neg)
		tn_cli_buf_putc(b, '-');
	double a = fabs(f);
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		tn_cli_buf_putc(b, digits[0]);
		if (nd > 1) {
			tn_cli_buf_putc(b, '.');
			tn_cli_buf_add(b, digits + 1, nd - 1);
		}
		/* Go writes e-07 as e-7 but keeps e+21. */
		if (exp < 0)
			tn_cli_buf_printf(b, "e-%d", -exp);
		else
			tn_cli_buf_printf(b, "e+%02d", exp);
		return 0;
	}
	if (a == 0) {
		tn_cli_buf_putc(b, '0');
		return 0;
	}
	if (exp < 0) {
		tn_cli_buf_puts(b, "0.");
		for (int i = 0; i < -exp - 1; i++)
			tn_cli_buf_putc(b, '0');
		tn_cli_buf_add(b, digits, nd);
	} else if ((size_t)exp + 1 >= nd) {
		tn_cli_buf_add(b, digits, nd);
		for (size_t i = nd; i < (size_t)exp + 1; i++)
			tn_cli_buf_putc(b, '0');
	} else {
		tn_cli_buf_add(b, digits, (size_t)exp + 1);
		tn_cli_buf_putc(b, '.');
		tn_cli_buf_add(b, digits + exp + 1, nd - (size_t)exp - 1);
	}
	return 0;
}

static void newline(struct tn_cli_buf *b, const char *prefix, const char *indent, int depth)
{
	tn_cli_buf_putc(b, '\n');
	tn_cli_buf_puts(b, prefix);
	for (int i = 0; i < depth; i++)
		tn_cli_buf_puts(b, indent);
}

static int put_value(struct tn_cli_buf *b, const json_t *v, const char *prefix,
		     const char *indent, int depth)
{
	int rc = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *m;
		bool first = true;

		tn_cli_buf_putc(b, '{');
		json_object_foreach((json_t *)v, key, m) {
			if (!first)
				tn_cli_buf_putc(b, ',');
			first = false;
			if (indent)
				newline(b, prefix, indent, depth + 1);
			put_string(b, key, strlen(key));
			tn_cli_buf_puts(b, indent ? ": " : ":");
			if ((rc = put_value(b, m, prefix, indent, depth + 1)) < 0)
				return rc;
		}
		if (indent && !first)
			newline(b, prefix, indent, depth);
		tn_cli_buf_putc(b, '}');
		break;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);

		tn_cli_buf_putc(b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				tn_cli_buf_putc(b, ',');
			if (indent)
				newline(b, prefix, indent, depth + 1);
			if ((rc = put_value(b, json_array_get(v, i), prefix, indent, depth + 1)) < 0)
				return rc;
		}
		if (indent && n)
			newline(b, prefix, indent, depth);
		tn_cli_buf_putc(b, ']');
		break;
	}
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		tn_cli_buf_printf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		rc = put_float(b, json_real_value(v));
		break;
	case JSON_TRUE:
		tn_cli_buf_puts(b, "true");
		break;
	case JSON_FALSE:
		tn_cli_buf_puts(b, "false");
		break;
	case JSON_NULL:
		tn_cli_buf_puts(b, "null");
		break;
	}
	return rc;
}

int tn_cli_json_append(struct tn_cli_buf *out, const json_t *v, const char *prefix,
		       const char *indent)
{
	int rc = put_value(out, v, prefix ? prefix : "", indent, 0);
	if (rc < 0)
		return rc;
	return tn_cli_buf_done(out);
}

char *tn_cli_json_encode(const json_t *v, const char *indent)
{
	struct tn_cli_buf b;

	tn_cli_buf_init(&b);
	if (tn_cli_json_append(&b, v, NULL, indent) < 0) {
		tn_cli_buf_free(&b);
		return NULL;
	}
	if (!b.p)
		tn_cli_buf_add(&b, "", 0);
	return b.p;
}

json_t *tn_cli_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *v = json_loadb(text, len, JSON_DECODE_ANY, &je);

	if (!v && err && errlen) {
		/* je.text may quote input ("invalid token near 'xyz'"): keep only
		 * the position. */
		snprintf(err, errlen, "invalid JSON at line %d column %d", je.line, je.column);
	}
	return v;
}

const char *tn_cli_json_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

int tn_cli_json_bool(const json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

long long tn_cli_json_int(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d >= -9.2e18 && d <= 9.2e18)
			return (long long)d;
	}
	return 0;
}

json_t *tn_cli_json_array(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_array(v) ? v : NULL;
}

json_t *tn_cli_json_object(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_object(v) ? v : NULL;
}

#include <stdbool.h>
#include <string.h>

#include "cli/quote.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0;      /* overlong */
		if (s[0] == 0xed && s[1] >= 0xa0)
			return 0;      /* surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xf0 && s[1] < 0x90)
			return 0;
		if (s[0] == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

void tn_cli_quote_go(struct tn_cli_buf *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	tn_cli_buf_putc(out, '"');
	while (*s) {
		unsigned char c = *s;
		size_t n;

		switch (c) {
		case '"': tn_cli_buf_puts(out, "\\\""); s++; continue;
		case '\\': tn_cli_buf_puts(out, "\\\\"); s++; continue;
		case '\a': tn_cli_buf_puts(out, "\\a"); s++; continue;
		case '\b': tn_cli_buf_puts(out, "\\b"); s++; continue;
		case '\f': tn_cli_buf_puts(out, "\\f"); s++; continue;
		case '\n': tn_cli_buf_puts(out, "\\n"); s++; continue;
		case '\r': tn_cli_buf_puts(out, "\\r"); s++; continue;
		case '\t': tn_cli_buf_puts(out, "\\t"); s++; continue;
		case '\v': tn_cli_buf_puts(out, "\\v"); s++; continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f || (n = utf8_len(s)) == 0) {
			tn_cli_buf_printf(out, "\\x%02x", c);
			s++;
			continue;
		}
		tn_cli_buf_add(out, s, n);
		s += n;
	}
	tn_cli_buf_putc(out, '"');
}

static const char special[] = "\\'\"`${[|&;<>()*?!";

void tn_cli_quote_shell(struct tn_cli_buf *out, const char *s)
{
	if (!*s) {
		tn_cli_buf_puts(out, "''");
		return;
	}
	if (!strpbrk(s, " \t\n")) {
		for (const char *p = s; *p; p++) {
			if (strchr(special, *p) || (p == s && *p == '~'))
				tn_cli_buf_putc(out, '\\');
			tn_cli_buf_putc(out, *p);
		}
		return;
	}
	/* Single quotes; a quote inside closes them, is written as \' and
	 * they reopen only if more text follows. */
	bool open = false;
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			if (open)
				tn_cli_buf_putc(out, '\'');
			open = false;
			tn_cli_buf_puts(out, "\\'");
			continue;
		}
		if (!open)
			tn_cli_buf_putc(out, '\'');
		open = true;
		tn_cli_buf_putc(out, *p);
	}
	if (open)
		tn_cli_buf_putc(out, '\'');
}

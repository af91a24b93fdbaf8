#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/buf.h"

void tn_cli_buf_init(struct tn_cli_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void tn_cli_buf_free(struct tn_cli_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void tn_cli_buf_reset(struct tn_cli_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

static bool reserve(struct tn_cli_buf *b, size_t more)
{
	if (b->oom)
		return false;
	if (more >= ((size_t)-1) / 2 - b->len) {
		b->oom = true;
		return false;
	}
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void tn_cli_buf_add(struct tn_cli_buf *b, const void *data, size_t len)
{
	if (!reserve(b, len))
		return;
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void tn_cli_buf_puts(struct tn_cli_buf *b, const char *s)
{
	tn_cli_buf_add(b, s, strlen(s));
}

void tn_cli_buf_putc(struct tn_cli_buf *b, char c)
{
	tn_cli_buf_add(b, &c, 1);
}

void tn_cli_buf_printf(struct tn_cli_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		tn_cli_buf_add(b, small, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int tn_cli_buf_done(const struct tn_cli_buf *b)
{
	return b->oom ? -ENOMEM : 0;
}

const char *tn_cli_buf_str(const struct tn_cli_buf *b)
{
	return b->p ? b->p : "";
}

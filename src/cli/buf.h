/* A growable text buffer for tnet's output and request bodies.
 *
 * Appending never fails visibly: an allocation failure sets a sticky oom
 * flag (checked once, at the end, by tn_cli_buf_done) and later appends do
 * nothing.  p is NUL-terminated whenever it is not NULL.  The buffer owns
 * p; tn_cli_buf_free releases it.  One thread.
 */
#ifndef TN_CLI_BUF_H
#define TN_CLI_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct tn_cli_buf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

void tn_cli_buf_init(struct tn_cli_buf *b);
void tn_cli_buf_free(struct tn_cli_buf *b);
/* Empties b, keeping its memory. */
void tn_cli_buf_reset(struct tn_cli_buf *b);
void tn_cli_buf_add(struct tn_cli_buf *b, const void *data, size_t len);
void tn_cli_buf_puts(struct tn_cli_buf *b, const char *s);
void tn_cli_buf_putc(struct tn_cli_buf *b, char c);
void tn_cli_buf_printf(struct tn_cli_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* 0, or -ENOMEM if an append failed. */
int tn_cli_buf_done(const struct tn_cli_buf *b);
/* The text so far ("" when nothing was added); borrowed from b. */
const char *tn_cli_buf_str(const struct tn_cli_buf *b);

#endif

/* Fuzz target for the HTTP/1.1 request parser (src/net/http1.c): what the
 * LocalAPI server reads from its Unix socket.
 *
 * The input is parsed as a request head twice, in one piece and in small
 * pieces (1 + size % 13 bytes); both must agree on the outcome and on
 * where the head ends.  An accepted head must satisfy the documented
 * rules (token method, visible target, fields inside the head buffer,
 * framing not ambiguous), and an HTTP/1.1 one must survive a rebuild with
 * tn_http1_request_build and a second parse unchanged.  The bytes after
 * the head are then decoded as its body, in pieces, with spans checked to
 * lie inside the input and the totals to add up.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tn_http1_head whole, pieces, again;
static char rebuilt[2 * TN_HTTP1_HEAD_MAX];

static void check_string(const struct tn_http1_head *h, const char *s)
{
	if (s < h->buf || s >= h->buf + h->len ||
	    !memchr(s, '\0', (size_t)(h->buf + h->len - s)))
		abort();
}

static int feed_in_pieces(struct tn_http1_head *h, const uint8_t *data,
			  size_t size, size_t step)
{
	size_t pos = 0;

	for (;;) {
		size_t n = size - pos < step ? size - pos : step;
		int r = tn_http1_head_feed(h, data + pos, n);

		if (r != 0)
			return r > 0 ? (int)pos + r : r;
		pos += n;
		if (pos == size)
			return 0;
	}
}

static void check_head(const struct tn_http1_head *h)
{
	if (h->n_headers > TN_HTTP1_HEADERS_MAX || h->len > TN_HTTP1_HEAD_MAX)
		abort();
	check_string(h, h->method);
	check_string(h, h->target);
	if (!h->method[0] || !h->target[0] || h->path_len > strlen(h->target))
		abort();
	if (h->query && h->query != h->target + h->path_len + 1)
		abort();
	for (const char *p = h->target; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			abort();
	for (size_t i = 0; i < h->n_headers; i++) {
		check_string(h, h->headers[i].name);
		check_string(h, h->headers[i].value);
		if (!h->headers[i].name[0])
			abort();
	}
	if (h->chunked && h->has_content_length)
		abort();
	if (h->content_length > INT64_MAX)
		abort();
	if (h->version_minor != 0 && h->version_minor != 1)
		abort();
	if (h->version_minor == 1 && !tn_http1_header(h, "host"))
		abort();
	(void)tn_http1_keep_alive(h);
	(void)tn_http1_header_has_token(h, "Connection", "upgrade");
}

static void check_rebuild(const struct tn_http1_head *h)
{
	int n = tn_http1_request_build(rebuilt, sizeof(rebuilt), h->method,
				       h->target, h->headers, h->n_headers);

	if (n == -EMSGSIZE)
		return; /* "name: value" may be longer than "name:value" */
	if (n < 0)
		abort();
	tn_http1_head_init(&again, TN_HTTP1_REQUEST);
	if (tn_http1_head_feed(&again, rebuilt, (size_t)n) != n)
		abort();
	if (strcmp(again.method, h->method) || strcmp(again.target, h->target) ||
	    again.n_headers != h->n_headers || again.chunked != h->chunked ||
	    again.content_length != h->content_length)
		abort();
	for (size_t i = 0; i < h->n_headers; i++)
		if (strcmp(again.headers[i].name, h->headers[i].name) ||
		    strcmp(again.headers[i].value, h->headers[i].value))
			abort();
}

static void decode_body(const struct tn_http1_head *h, const uint8_t *in,
			size_t len, size_t step)
{
	struct tn_http1_body b;
	uint64_t total = 0;
	size_t pos = 0;
	int r;

	if (tn_http1_body_init(&b, tn_http1_body_kind(h, false),
			       h->content_length, 1 << 20))
		return;
	for (;;) {
		size_t n = len - pos < step ? len - pos : step, consumed, dlen;
		const uint8_t *d;

		r = tn_http1_body_feed(&b, in + pos, n, &consumed, &d, &dlen);
		if (r < 0 || consumed > n)
			break;
		if (dlen && (d < in + pos || d + dlen > in + pos + consumed))
			abort();
		total += dlen;
		pos += consumed;
		if (r == 1 || pos == len)
			break;
		if (consumed == 0 && n > 0)
			abort(); /* no progress */
	}
	if (r > 0 && !tn_http1_body_done(&b))
		abort();
	if (r >= 0 && (total != b.total || total > (1 << 20)))
		abort();
	if (r < 0 && (!b.error[0] || !memchr(b.error, '\0', sizeof(b.error))))
		abort();
	(void)tn_http1_body_eof(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t step = 1 + size % 13;
	int a, b;

	tn_http1_head_init(&whole, TN_HTTP1_REQUEST);
	tn_http1_head_init(&pieces, TN_HTTP1_REQUEST);
	a = tn_http1_head_feed(&whole, data, size);
	b = feed_in_pieces(&pieces, data, size, step);
	if (a != b)
		abort();
	if (a < 0) {
		if (!whole.error[0] || strcmp(whole.error, pieces.error) ||
		    (whole.error_status != 400 && whole.error_status != 431 &&
		     whole.error_status != 501 && whole.error_status != 505))
			abort();
		if (tn_http1_head_feed(&whole, data, size) != a)
			abort();
		return 0;
	}
	if (a == 0)
		return 0;
	if ((size_t)a > size)
		abort();
	check_head(&whole);
	if (whole.version_minor == 1)
		check_rebuild(&whole);
	decode_body(&whole, data + a, size - (size_t)a, step);
	decode_body(&whole, data + a, size - (size_t)a, size);
	return 0;
}

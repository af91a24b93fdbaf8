#include "net/http1.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/hex.h"

/* ---- character classes (RFC 9110 5.6.2, 5.5) ---- */

static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar / SP / HTAB, obs-text included: what a value, a reason
 * phrase or a chunk extension may hold. */
static bool is_text(unsigned char c)
{
	return c == '\t' || (c >= ' ' && c != 0x7f);
}

static bool is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}


static bool is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

/* ---- head parsing ---- */

enum { H_SCAN, H_SCAN_CR, H_DONE, H_ERROR };

static int __attribute__((format(printf, 4, 5)))
head_fail(struct tn_http1_head *h, int err, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->error, sizeof(h->error), fmt, ap);
	va_end(ap);
	h->error_status = status;
	h->err = err;
	h->state = H_ERROR;
	return err;
}

void tn_http1_head_init(struct tn_http1_head *h, enum tn_http1_kind kind)
{
	/* Everything but the buffer, which is only read up to len. */
	memset(h, 0, offsetof(struct tn_http1_head, buf));
	h->kind = kind;
	h->line = 1;
	h->state = H_SCAN;
}

/* "HTTP/1.1" -> 1, "HTTP/1.0" -> 0. */
static int parse_version(struct tn_http1_head *h, const char *v)
{
	if (strlen(v) != 8 || memcmp(v, "HTTP/", 5) ||
	    v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
		return head_fail(h, -EBADMSG, 400,
				 "line 1: malformed HTTP version");
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return head_fail(h, -EBADMSG, 505,
				 "line 1: unsupported HTTP version");
	h->version_minor = v[7] - '0';
	return 0;
}

static int parse_request_line(struct tn_http1_head *h, char *line)
{
	char *sp1 = strchr(line, ' '), *sp2, *q;

	if (!sp1 || !(sp2 = strchr(sp1 + 1, ' ')) || strchr(sp2 + 1, ' '))
		return head_fail(h, -EBADMSG, 400,
				 "line 1: malformed request line");
	*sp1 = *sp2 = '\0';
	if (!is_token(line))
		return head_fail(h, -EBADMSG, 400, "line 1: bad method");
	if (sp2 == sp1 + 1)
		return head_fail(h, -EBADMSG, 400, "line 1: empty request target");
	for (const char *p = sp1 + 1; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    *p == '#')
			return head_fail(h, -EBADMSG, 400,
					 "line 1: bad request target");
	if (parse_version(h, sp2 + 1))
		return h->err;
	h->method = line;
	h->target = sp1 + 1;
	q = strchr(h->target, '?');
	h->path_len = q ? (size_t)(q - h->target) : strlen(h->target);
	h->query = q ? q + 1 : NULL;
	return 0;
}

static int parse_status_line(struct tn_http1_head *h, char *line)
{
	char *sp = strchr(line, ' '), *s;

	if (!sp)
		return head_fail(h, -EBADMSG, 400, "line 1: malformed status line");
	*sp = '\0';
	if (parse_version(h, line))
		return h->err;
	s = sp + 1;
	if (s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9' || (s[3] != '\0' && s[3] != ' '))
		return head_fail(h, -EBADMSG, 400, "line 1: bad status code");
	h->status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	h->reason = s[3] ? s + 4 : s + 3;
	for (const char *p = h->reason; *p; p++)
		if (!is_text((unsigned char)*p))
			return head_fail(h, -EBADMSG, 400,
					 "line 1: bad character in reason phrase");
	return 0;
}

static int parse_field(struct tn_http1_head *h, char *line, unsigned lineno)
{
	char *colon = line, *v, *end;

	while (is_tchar((unsigned char)*colon))
		colon++;
	if (*colon != ':')
		return head_fail(h, -EBADMSG, 400,
				 *colon == '\0' ? "line %u: header field without ':'"
						: "line %u: bad header field name",
				 lineno);
	if (colon == line)
		return head_fail(h, -EBADMSG, 400,
				 "line %u: empty header field name", lineno);
	*colon = '\0';
	v = colon + 1;
	while (is_ows((unsigned char)*v))
		v++;
	end = v + strlen(v);
	while (end > v && is_ows((unsigned char)end[-1]))
		end--;
	*end = '\0';
	for (const char *p = v; *p; p++)
		if (!is_text((unsigned char)*p))
			return head_fail(h, -EBADMSG, 400,
					 "line %u: bad character in header value",
					 lineno);
	h->headers[h->n_headers].name = line;
	h->headers[h->n_headers].value = v;
	h->n_headers++;
	return 0;
}

static int parse_content_length(struct tn_http1_head *h, const char *v)
{
	uint64_t n = 0;

	if (!*v)
		return head_fail(h, -EBADMSG, 400, "empty Content-Length");
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return head_fail(h, -EBADMSG, 400, "malformed Content-Length");
		if (n > ((uint64_t)INT64_MAX - (uint64_t)(*v - '0')) / 10)
			return head_fail(h, -EBADMSG, 400,
					 "Content-Length out of range");
		n = n * 10 + (uint64_t)(*v - '0');
	}
	if (h->has_content_length && h->content_length != n)
		return head_fail(h, -EBADMSG, 400, "conflicting Content-Length");
	h->has_content_length = true;
	h->content_length = n;
	return 0;
}

/* Framing and Host, after all fields are split. */
static int check_fields(struct tn_http1_head *h)
{
	unsigned hosts = 0, te = 0;

	for (size_t i = 0; i < h->n_headers; i++) {
		const char *name = h->headers[i].name;
		const char *value = h->headers[i].value;

		if (!strcasecmp(name, "Content-Length")) {
			if (parse_content_length(h, value))
				return h->err;
		} else if (!strcasecmp(name, "Transfer-Encoding")) {
			if (++te > 1 || strcasecmp(value, "chunked"))
				return head_fail(h, -EBADMSG, 501,
						 "unsupported Transfer-Encoding");
			h->chunked = true;
		} else if (!strcasecmp(name, "Host")) {
			hosts++;
		}
	}
	if (h->chunked && h->has_content_length)
		return head_fail(h, -EBADMSG, 400,
				 "both Content-Length and Transfer-Encoding");
	if (h->chunked && h->version_minor == 0)
		return head_fail(h, -EBADMSG, 400,
				 "Transfer-Encoding in an HTTP/1.0 message");
	if (h->kind == TN_HTTP1_REQUEST) {
		if (hosts > 1)
			return head_fail(h, -EBADMSG, 400, "more than one Host");
		if (hosts == 0 && h->version_minor == 1)
			return head_fail(h, -EBADMSG, 400, "missing Host");
	}
	return 0;
}

/* buf[0..len) is a complete head: lines ending in CRLF, no NUL, no bare CR
 * or LF, no line beginning with whitespace, ending in an empty line. */
static int parse_head(struct tn_http1_head *h)
{
	char *p = h->buf;
	unsigned lineno = 1;

	for (;;) {
		char *cr = memchr(p, '\r', h->len - (size_t)(p - h->buf));

		/* The scanner guarantees a CR, then LF, on every line. */
		*cr = '\0';
		if (cr == p)
			break;
		if (lineno == 1) {
			if (h->kind == TN_HTTP1_REQUEST ? parse_request_line(h, p)
							: parse_status_line(h, p))
				return h->err;
		} else if (parse_field(h, p, lineno)) {
			return h->err;
		}
		p = cr + 2;
		lineno++;
	}
	return check_fields(h);
}

int tn_http1_head_feed(struct tn_http1_head *h, const void *data, size_t len)
{
	const unsigned char *in = data;

	if (h->state == H_ERROR)
		return h->err;
	if (h->state == H_DONE)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];

		if (h->len == sizeof(h->buf))
			return head_fail(h, -EMSGSIZE, 431,
					 "head larger than %d bytes",
					 TN_HTTP1_HEAD_MAX);
		h->buf[h->len++] = (char)c;
		if (h->state == H_SCAN_CR) {
			if (c != '\n')
				return head_fail(h, -EBADMSG, 400,
						 "line %u: CR not followed by LF",
						 h->line);
			h->state = H_SCAN;
			if (h->line_len == 0) {
				if (h->line == 1)
					return head_fail(h, -EBADMSG, 400,
							 "line 1: empty start line");
				if (parse_head(h))
					return h->err;
				h->state = H_DONE;
				return (int)(i + 1);
			}
			if (h->line - 1 > TN_HTTP1_HEADERS_MAX)
				return head_fail(h, -EMSGSIZE, 431,
						 "more than %d header fields",
						 TN_HTTP1_HEADERS_MAX);
			h->line++;
			h->line_len = 0;
			continue;
		}
		if (c == '\r') {
			h->state = H_SCAN_CR;
			continue;
		}
		if (c == '\n')
			return head_fail(h, -EBADMSG, 400, "line %u: bare LF",
					 h->line);
		if (c == '\0')
			return head_fail(h, -EBADMSG, 400, "line %u: NUL byte",
					 h->line);
		if (h->line_len == 0 && is_ows(c))
			return head_fail(h, -EBADMSG, 400,
					 h->line == 1 ? "line %u: whitespace before start line"
						      : "line %u: obsolete line folding",
					 h->line);
		h->line_len++;
	}
	return 0;
}

const char *tn_http1_header(const struct tn_http1_head *h, const char *name)
{
	for (size_t i = 0; i < h->n_headers; i++)
		if (!strcasecmp(h->headers[i].name, name))
			return h->headers[i].value;
	return NULL;
}

bool tn_http1_header_has_token(const struct tn_http1_head *h,
			       const char *name, const char *token)
{
	size_t tlen = strlen(token);

	for (size_t i = 0; i < h->n_headers; i++) {
		const char *p;

		if (strcasecmp(h->headers[i].name, name))
			continue;
		p = h->headers[i].value;
		while (*p) {
			const char *start, *end;

			while (*p == ',' || is_ows((unsigned char)*p))
				p++;
			start = p;
			while (*p && *p != ',')
				p++;
			end = p;
			while (end > start && is_ows((unsigned char)end[-1]))
				end--;
			if ((size_t)(end - start) == tlen && tlen &&
			    !strncasecmp(start, token, tlen))
				return true;
		}
	}
	return false;
}

bool tn_http1_keep_alive(const struct tn_http1_head *h)
{
	if (h->version_minor >= 1)
		return !tn_http1_header_has_token(h, "Connection", "close");
	return tn_http1_header_has_token(h, "Connection", "keep-alive");
}

enum tn_http1_body_kind tn_http1_body_kind(const struct tn_http1_head *h,
					   bool response_to_head)
{
	if (h->kind == TN_HTTP1_RESPONSE &&
	    (response_to_head || h->status < 200 || h->status == 204 ||
	     h->status == 304))
		return TN_HTTP1_BODY_NONE;
	if (h->chunked)
		return TN_HTTP1_BODY_CHUNKED;
	if (h->has_content_length)
		return TN_HTTP1_BODY_LENGTH;
	return h->kind == TN_HTTP1_REQUEST ? TN_HTTP1_BODY_NONE
					   : TN_HTTP1_BODY_UNTIL_CLOSE;
}

/* ---- bodies ---- */

enum {
	B_DONE,
	B_LENGTH,
	B_UNTIL_CLOSE,
	B_SIZE,        /* first hex digit of a chunk size */
	B_SIZE_MORE,   /* more hex digits, BWS, ';' or CR */
	B_SIZE_WS,     /* BWS after the size: more of it, ';' or CR */
	B_EXT,         /* chunk extensions up to CR */
	B_SIZE_LF,
	B_DATA,
	B_DATA_CR,
	B_DATA_LF,
	B_TR_START,    /* start of a trailer line: CR (end) or a name */
	B_TR_NAME,
	B_TR_VALUE,
	B_TR_LF,
	B_END_LF,
	B_ERROR,
};

static int __attribute__((format(printf, 3, 4)))
body_fail(struct tn_http1_body *b, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->error, sizeof(b->error), fmt, ap);
	va_end(ap);
	b->err = err;
	b->state = B_ERROR;
	return err;
}

int tn_http1_body_init(struct tn_http1_body *b, enum tn_http1_body_kind kind,
		       uint64_t content_length, uint64_t limit)
{
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->limit = limit;
	switch (kind) {
	case TN_HTTP1_BODY_NONE:
		b->state = B_DONE;
		return 0;
	case TN_HTTP1_BODY_LENGTH:
		if (content_length > limit)
			return body_fail(b, -EMSGSIZE, "body larger than %" PRIu64
					 " bytes", limit);
		b->remaining = content_length;
		b->state = content_length ? B_LENGTH : B_DONE;
		return 0;
	case TN_HTTP1_BODY_CHUNKED:
		b->state = B_SIZE;
		return 0;
	case TN_HTTP1_BODY_UNTIL_CLOSE:
		b->state = B_UNTIL_CLOSE;
		return 0;
	}
	return body_fail(b, -EINVAL, "unknown body kind");
}

/* A byte after the chunk size: BWS, the extensions or the line end. */
static int after_size(struct tn_http1_body *b, unsigned char c)
{
	if (is_ows(c))
		b->state = B_SIZE_WS;
	else if (c == ';')
		b->state = B_EXT;
	else if (c == '\r')
		b->state = B_SIZE_LF;
	else
		return body_fail(b, -EBADMSG, "malformed chunk size");
	return 0;
}

/* One framing byte of a chunked body. */
static int chunk_byte(struct tn_http1_body *b, unsigned char c)
{
	int v;

	switch (b->state) {
	case B_SIZE:
	case B_SIZE_MORE:
	case B_SIZE_WS:
	case B_EXT:
	case B_SIZE_LF:
		if (++b->line_len > TN_HTTP1_CHUNK_LINE_MAX)
			return body_fail(b, -EMSGSIZE,
					 "chunk-size line longer than %d bytes",
					 TN_HTTP1_CHUNK_LINE_MAX);
		break;
	case B_TR_START:
	case B_TR_NAME:
	case B_TR_VALUE:
	case B_TR_LF:
	case B_END_LF:
		if (++b->trailer_len > TN_HTTP1_TRAILERS_MAX)
			return body_fail(b, -EMSGSIZE,
					 "trailers longer than %d bytes",
					 TN_HTTP1_TRAILERS_MAX);
		break;
	}

	switch (b->state) {
	case B_SIZE:
		if ((v = tn_hex_digit(c)) < 0)
			return body_fail(b, -EBADMSG, "malformed chunk size");
		b->remaining = (uint64_t)v;
		b->state = B_SIZE_MORE;
		return 0;
	case B_SIZE_MORE:
		if ((v = tn_hex_digit(c)) >= 0) {
			if (b->remaining > (uint64_t)INT64_MAX >> 4)
				return body_fail(b, -EBADMSG,
						 "chunk size out of range");
			b->remaining = b->remaining << 4 | (uint64_t)v;
			return 0;
		}
		return after_size(b, c);
	case B_SIZE_WS:
		return after_size(b, c);
	case B_EXT:
		if (c == '\r')
			b->state = B_SIZE_LF;
		else if (!is_text(c))
			return body_fail(b, -EBADMSG,
					 "bad character in chunk extension");
		return 0;
	case B_SIZE_LF:
		if (c != '\n')
			return body_fail(b, -EBADMSG,
					 "chunk-size line: CR not followed by LF");
		if (b->remaining == 0) {
			b->state = B_TR_START;
			return 0;
		}
		if (b->remaining > b->limit - b->total)
			return body_fail(b, -EMSGSIZE, "body larger than %" PRIu64
					 " bytes", b->limit);
		b->state = B_DATA;
		return 0;
	case B_DATA_CR:
	case B_DATA_LF:
		if (c != (b->state == B_DATA_CR ? '\r' : '\n'))
			return body_fail(b, -EBADMSG,
					 "chunk data not followed by CRLF");
		if (b->state == B_DATA_CR) {
			b->state = B_DATA_LF;
		} else {
			b->state = B_SIZE;
			b->line_len = 0;
		}
		return 0;
	case B_TR_START:
		if (c == '\r')
			b->state = B_END_LF;
		else if (is_tchar(c))
			b->state = B_TR_NAME;
		else
			return body_fail(b, -EBADMSG, "malformed trailer field");
		return 0;
	case B_TR_NAME:
		if (c == ':')
			b->state = B_TR_VALUE;
		else if (!is_tchar(c))
			return body_fail(b, -EBADMSG, "malformed trailer field");
		return 0;
	case B_TR_VALUE:
		if (c == '\r')
			b->state = B_TR_LF;
		else if (!is_text(c))
			return body_fail(b, -EBADMSG,
					 "bad character in trailer field");
		return 0;
	case B_TR_LF:
	case B_END_LF:
		if (c != '\n')
			return body_fail(b, -EBADMSG,
					 "trailer line: CR not followed by LF");
		b->state = b->state == B_TR_LF ? B_TR_START : B_DONE;
		return 0;
	}
	return body_fail(b, -EINVAL, "internal state");
}

int tn_http1_body_feed(struct tn_http1_body *b, const void *in, size_t len,
		       size_t *consumed, const uint8_t **data,
		       size_t *data_len)
{
	const uint8_t *p = in;
	size_t i = 0, n;

	*consumed = 0;
	*data = NULL;
	*data_len = 0;
	switch (b->state) {
	case B_ERROR:
		return b->err;
	case B_DONE:
		return 1;
	case B_LENGTH:
		n = len < b->remaining ? len : (size_t)b->remaining;
		*data = n ? p : NULL;
		*data_len = n;
		*consumed = n;
		b->remaining -= n;
		b->total += n;
		if (b->remaining)
			return 0;
		b->state = B_DONE;
		return 1;
	case B_UNTIL_CLOSE:
		if (len > b->limit - b->total)
			return body_fail(b, -EMSGSIZE, "body larger than %" PRIu64
					 " bytes", b->limit);
		*data = len ? p : NULL;
		*data_len = len;
		*consumed = len;
		b->total += len;
		return 0;
	}
	while (i < len) {
		int err;

		if (b->state == B_DATA) {
			/* One span per call: return it with the framing
			 * consumed before it. */
			n = len - i < b->remaining ? len - i : (size_t)b->remaining;
			*data = p + i;
			*data_len = n;
			*consumed = i + n;
			b->remaining -= n;
			b->total += n;
			if (!b->remaining)
				b->state = B_DATA_CR;
			return 0;
		}
		if ((err = chunk_byte(b, p[i++])))
			return err;
		if (b->state == B_DONE) {
			*consumed = i;
			return 1;
		}
	}
	*consumed = i;
	return 0;
}

int tn_http1_body_eof(struct tn_http1_body *b)
{
	if (b->state == B_DONE)
		return 0;
	if (b->state == B_UNTIL_CLOSE) {
		b->state = B_DONE;
		return 0;
	}
	if (b->state == B_ERROR)
		return b->err;
	return body_fail(b, -EBADMSG, "connection closed inside the body");
}

bool tn_http1_body_done(const struct tn_http1_body *b)
{
	return b->state == B_DONE;
}

/* ---- building ---- */

struct out {
	char *p;
	size_t cap;
	size_t len;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len < o->cap)
		memcpy(o->p + o->len, s, n < o->cap - o->len ? n : o->cap - o->len);
	o->len += n;
}

static bool valid_value(const char *v)
{
	size_t n = strlen(v);

	if (n && (is_ows((unsigned char)v[0]) || is_ows((unsigned char)v[n - 1])))
		return false;
	for (; *v; v++)
		if (!is_text((unsigned char)*v))
			return false;
	return true;
}

static int finish_head(struct out *o, const struct tn_http1_header *headers,
		       size_t n_headers)
{
	if (n_headers > TN_HTTP1_HEADERS_MAX)
		return -EMSGSIZE;
	for (size_t i = 0; i < n_headers; i++)
		if (!is_token(headers[i].name) || !headers[i].value ||
		    !valid_value(headers[i].value))
			return -EINVAL;
	for (size_t i = 0; i < n_headers; i++) {
		put(o, headers[i].name);
		put(o, ": ");
		put(o, headers[i].value);
		put(o, "\r\n");
	}
	put(o, "\r\n");
	if (o->len > TN_HTTP1_HEAD_MAX)
		return -EMSGSIZE;
	if (o->len >= o->cap)
		return -ENOSPC;
	o->p[o->len] = '\0';
	return (int)o->len;
}

int tn_http1_request_build(char *out, size_t outlen, const char *method,
			   const char *target,
			   const struct tn_http1_header *headers,
			   size_t n_headers)
{
	struct out o = { out, outlen, 0 };

	if (!is_token(method) || !target || !*target)
		return -EINVAL;
	for (const char *p = target; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    *p == '#')
			return -EINVAL;
	if (strlen(method) + strlen(target) > TN_HTTP1_HEAD_MAX)
		return -EMSGSIZE;
	put(&o, method);
	put(&o, " ");
	put(&o, target);
	put(&o, " HTTP/1.1\r\n");
	return finish_head(&o, headers, n_headers);
}

int tn_http1_response_build(char *out, size_t outlen, int status,
			    const char *reason,
			    const struct tn_http1_header *headers,
			    size_t n_headers)
{
	struct out o = { out, outlen, 0 };
	char code[8];

	if (status < 100 || status > 599)
		return -EINVAL;
	if (!reason)
		reason = tn_http1_reason(status);
	for (const char *p = reason; *p; p++)
		if (!is_text((unsigned char)*p))
			return -EINVAL;
	if (strlen(reason) > TN_HTTP1_HEAD_MAX)
		return -EMSGSIZE;
	snprintf(code, sizeof(code), "%d", status);
	put(&o, "HTTP/1.1 ");
	put(&o, code);
	put(&o, " ");
	put(&o, reason);
	put(&o, "\r\n");
	return finish_head(&o, headers, n_headers);
}

const char *tn_http1_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "";
}

int tn_http1_chunk_header(char *out, size_t outlen, uint64_t len)
{
	int n;

	if (len == 0)
		return -EINVAL;
	n = snprintf(out, outlen, "%" PRIx64 "\r\n", len);
	if (n < 0 || (size_t)n >= outlen)
		return -ENOSPC;
	return n;
}

long tn_http1_chunk_encode(void *out, size_t outlen, const void *data,
			   size_t len)
{
	char head[TN_HTTP1_CHUNK_HEADER_MAX];
	uint8_t *o = out;
	int h;

	if (len == 0 || len > INT32_MAX)
		return -EINVAL;
	h = tn_http1_chunk_header(head, sizeof(head), len);
	if (h < 0)
		return h;
	if (outlen < (size_t)h + len + 2)
		return -ENOSPC;
	memcpy(o, head, (size_t)h);
	memcpy(o + h, data, len);
	memcpy(o + h + len, "\r\n", 2);
	return (long)((size_t)h + len + 2);
}

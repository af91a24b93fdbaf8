/* HTTP/1.1 heads and bodies: the messages we send and receive (the /key
 * fetch, the ts2021 and DERP upgrades, LocalAPI requests and streamed
 * responses), incremental feeding at every split point, the malformed
 * inputs the parser must refuse with the right status, the limits, and the
 * builders' refusal to inject lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/http1.h"

static struct tn_http1_head *new_head(enum tn_http1_kind kind)
{
	struct tn_http1_head *h = malloc(sizeof(*h));

	assert_non_null(h);
	tn_http1_head_init(h, kind);
	return h;
}

/* Parses all of s at once; returns the feed's result. */
static int parse(struct tn_http1_head *h, enum tn_http1_kind kind,
		 const char *s, size_t len)
{
	tn_http1_head_init(h, kind);
	return tn_http1_head_feed(h, s, len);
}

#define PARSE(h, kind, lit) parse(h, kind, lit, sizeof(lit) - 1)

/* Decodes a whole body from in[0..len) in pieces of at most step bytes
 * into out; returns the feed's final result and sets *used. */
static int decode(struct tn_http1_body *b, const char *in, size_t len,
		  size_t step, char *out, size_t *outlen, size_t *used)
{
	size_t pos = 0;
	int r = 0;

	*outlen = 0;
	while (pos < len || r == 0) {
		size_t avail = len - pos < step ? len - pos : step;
		size_t consumed, dlen;
		const uint8_t *data;

		r = tn_http1_body_feed(b, in + pos, avail, &consumed, &data,
				       &dlen);
		if (r < 0)
			break;
		assert_true(consumed <= avail);
		if (dlen) {
			assert_true(data >= (const uint8_t *)in + pos &&
				    data + dlen <= (const uint8_t *)in + pos + consumed);
			memcpy(out + *outlen, data, dlen);
			*outlen += dlen;
		}
		pos += consumed;
		if (r == 1)
			break;
		if (avail == 0)
			break; /* out of input */
		assert_true(consumed > 0);
	}
	*used = pos;
	return r;
}

static void key_request(void **state)
{
	struct tn_http1_head *h = new_head(TN_HTTP1_REQUEST);
	const char req[] = "GET /key?v=113 HTTP/1.1\r\nHost: hs.example\r\n"
			   "User-Agent: tailnetd\r\n\r\n";

	assert_int_equal(PARSE(h, TN_HTTP1_REQUEST, req), (int)sizeof(req) - 1);
	assert_string_equal(h->method, "GET");
	assert_string_equal(h->target, "/key?v=113");
	assert_int_equal(h->path_len, 4);
	assert_string_equal(h->query, "v=113");
	assert_int_equal(h->version_minor, 1);
	assert_int_equal(h->n_headers, 2);
	assert_string_equal(h->headers[0].name, "Host");
	assert_string_equal(tn_http1_header(h, "host"), "hs.example");
	assert_string_equal(tn_http1_header(h, "USER-AGENT"), "tailnetd");
	assert_null(tn_http1_header(h, "Content-Length"));
	assert_int_equal(tn_http1_body_kind(h, false), TN_HTTP1_BODY_NONE);
	assert_true(tn_http1_keep_alive(h));
	/* Done: feeding more is a caller bug. */
	assert_int_equal(tn_http1_head_feed(h, "x", 1), -EINVAL);
	free(h);
}

static void key_response_with_body(void **state)
{
	struct tn_http1_head *h = new_head(TN_HTTP1_RESPONSE);
	const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			    "Content-Length: 24\r\n\r\n"
			    "{\"publicKey\":\"mkey:00\"}\nHTTP/1.1";
	struct tn_http1_body b;
	char out[64];
	size_t outlen, used;
	int n = PARSE(h, TN_HTTP1_RESPONSE, resp);

	assert_true(n > 0);
	assert_int_equal(h->status, 200);
	assert_string_equal(h->reason, "OK");
	assert_true(h->has_content_length);
	assert_int_equal(h->content_length, 24);
	assert_int_equal(tn_http1_body_kind(h, false), TN_HTTP1_BODY_LENGTH);
	assert_int_equal(tn_http1_body_kind(h, true), TN_HTTP1_BODY_NONE);
	for (size_t step = 1; step < 40; step++) {
		assert_int_equal(tn_http1_body_init(&b, TN_HTTP1_BODY_LENGTH,
						    h->content_length, 1024), 0);
		assert_int_equal(decode(&b, resp + n, sizeof(resp) - 1 - (size_t)n,
					step, out, &outlen, &used), 1);
		assert_int_equal(outlen, 24);
		assert_memory_equal(out, "{\"publicKey\":\"mkey:00\"}\n", 24);
		/* The next message's bytes are left alone. */
		assert_string_equal(resp + n + used, "HTTP/1.1");
		assert_true(tn_http1_body_done(&b));
		assert_int_equal(tn_http1_body_eof(&b), 0);
	}
	free(h);
}

/* The 101 of the ts2021 upgrade is followed by the raw Noise stream: the
 * head parser must stop exactly after the blank line, at every split. */
static void ts2021_upgrade_leaves_raw_stream(void **state)
{
	struct tn_http1_head *h = new_head(TN_HTTP1_RESPONSE);
	const char resp[] = "HTTP/1.1 101 Switching Protocols\r\n"
			    "Connection: upgrade\r\n"
			    "Upgrade: tailscale-control-protocol\r\n\r\n"
			    "\x02\x00\x30" "\r\n\r\n\x00\xff";
	size_t total = sizeof(resp) - 1, head_len = total - 9;

	for (size_t split = 0; split <= total; split++) {
		int a, b;

		tn_http1_head_init(h, TN_HTTP1_RESPONSE);
		a = tn_http1_head_feed(h, resp, split);
		if (split < head_len) {
			assert_int_equal(a, 0);
			b = tn_http1_head_feed(h, resp + split, total - split);
			assert_int_equal(split + (size_t)b, head_len);
		} else {
			assert_int_equal(a, (int)head_len);
		}
		assert_int_equal(h->status, 101);
		assert_string_equal(h->reason, "Switching Protocols");
		assert_true(tn_http1_header_has_token(h, "connection", "Upgrade"));
		assert_string_equal(tn_http1_header(h, "Upgrade"),
				    "tailscale-control-protocol");
		assert_int_equal(tn_http1_body_kind(h, false), TN_HTTP1_BODY_NONE);
	}
	free(h);
}

static void ts2021_and_derp_requests(void **state)
{
	struct tn_http1_head *h = new_head(TN_HTTP1_REQUEST);
	const struct tn_http1_header ts[] = {
		{ "Host", "hs.example:8080" },
		{ "Upgrade", "tailscale-control-protocol" },
		{ "Connection", "upgrade" },
		{ "X-Tailscale-Handshake", "AHEBAGA+/w==" },
	};
	const struct tn_http1_header derp[] = {
		{ "Host", "derp.example" },
		{ "Connection", "Upgrade" },
		{ "Upgrade", "DERP" },
	};
	char buf[512];
	int n;

	n = tn_http1_request_build(buf, sizeof(buf), "POST", "/ts2021", ts, 4);
	assert_string_equal(buf, "POST /ts2021 HTTP/1.1\r\n"
				 "Host: hs.example:8080\r\n"
				 "Upgrade: tailscale-control-protocol\r\n"
				 "Connection: upgrade\r\n"
				 "X-Tailscale-Handshake: AHEBAGA+/w==\r\n\r\n");
	assert_int_equal(n, (int)strlen(buf));
	assert_int_equal(parse(h, TN_HTTP1_REQUEST, buf, (size_t)n), n);
	assert_string_equal(h->method, "POST");
	assert_string_equal(h->target, "/ts2021");
	assert_null(h->query);
	assert_string_equal(tn_http1_header(h, "x-tailscale-handshake"),
			    "AHEBAGA+/w==");

	n = tn_http1_request_build(buf, sizeof(buf), "GET", "/derp", derp, 3);
	assert_true(n > 0);
	assert_int_equal(parse(h, TN_HTTP1_REQUEST, buf, (size_t)n), n);
	assert_true(tn_http1_header_has_token(h, "Upgrade", "derp"));
	assert_true(tn_http1_header_has_token(h, "Connection", "upgrade"));
	free(h);
}

static void localapi_request_chunked(void **state)
{
	struct tn_http1_head *h = new_head(TN_HTTP1_REQUEST);
	const char req[] =
		"POST /localapi/v0/prefs?x=1&y HTTP/1.1\r\n"
		"Host: local-tailscaled.sock\r\n"
		"Origin:   \t\r\n"
		"Referer: \thttp://x/\t \r\n"
		"Connection: keep-alive, close\r\n"
		"Transfer-Encoding: Chunked\r\n\r\n"
		"5\r\nhello\r\n6;name=val;x\r\n world\r\n"
		"A \t; ext\r\n0123456789\r\n"
		"0\r\nX-Trailer: yes\r\nY:\r\n\r\nGET";
	struct tn_http1_body b;
	char out[64];
	size_t outlen, used;
	int n = PARSE(h, TN_HTTP1_REQUEST, req);

	assert_true(n > 0);
	assert_int_equal(h->path_len, strlen("/localapi/v0/prefs"));
	assert_string_equal(h->query, "x=1&y");
	assert_string_equal(tn_http1_header(h, "origin"), "");
	assert_string_equal(tn_http1_header(h, "Referer"), "http://x/");
	assert_false(tn_http1_keep_alive(h));
	assert_true(h->chunked);
	assert_int_equal(tn_http1_body_kind(h, false), TN_HTTP1_BODY_CHUNKED);
	for (size_t step = 1; step < 80; step++) {
		assert_int_equal(tn_http1_body_init(&b, TN_HTTP1_BODY_CHUNKED, 0,
						    UINT64_MAX), 0);
		assert_int_equal(decode(&b, req + n, sizeof(req) - 1 - (size_t)n,
					step, out, &outlen, &used), 1);
		assert_int_equal(outlen, 21);
		assert_memory_equal(out, "hello world0123456789", 21);
		assert_string_equal(req + n + used, "GET");
		assert_int_equal(b.total, 21);
	}
	free(h);
}

static void status_lines(void **state)
{
	struct tn_http1_head *h = new_head(TN_HTTP1_RESPONSE);

	assert_true(PARSE(h, TN_HTTP1_RESPONSE, "HTTP/1.1 200\r\n\r\n") > 0);
	assert_string_equal(h->reason, "");
	assert_int_equal(tn_http1_body_kind(h, false), TN_HTTP1_BODY_UNTIL_CLOSE);
	assert_true(PARSE(h, TN_HTTP1_RESPONSE, "HTTP/1.1 204 \r\n\r\n") > 0);
	assert_string_equal(h->reason, "");
	assert_int_equal(tn_http1_body_kind(h, false), TN_HTTP1_BODY_NONE);
	assert_true(PARSE(h, TN_HTTP1_RESPONSE,
			  "HTTP/1.0 404 Not \tFound \xe9\r\nContent-Length: 0\r\n\r\n") > 0);
	assert_int_equal(h->status, 404);
	assert_int_equal(h->version_minor, 0);
	assert_string_equal(h->reason, "Not \tFound \xe9");
	assert_false(tn_http1_keep_alive(h));
	assert_true(PARSE(h, TN_HTTP1_RESPONSE, "HTTP/1.1 304 Not Modified\r\n"
			  "Content-Length: 10\r\n\r\n") > 0);
	assert_int_equal(tn_http1_body_kind(h, false), TN_HTTP1_BODY_NONE);
	assert_true(PARSE(h, TN_HTTP1_RESPONSE, "HTTP/1.1 100 Continue\r\n\r\n") > 0);
	assert_int_equal(tn_http1_body_kind(h, false), TN_HTTP1_BODY_NONE);
	assert_true(PARSE(h, TN_HTTP1_RESPONSE, "HTTP/1.1 599 x\r\n\r\n") > 0);
	/* A response needs no Host; HTTP/1.0 requests neither. */
	assert_true(PARSE(h, TN_HTTP1_RESPONSE, "HTTP/1.1 200 OK\r\n"
			  "Content-Length: 5\r\nContent-Length: 5\r\n\r\n") > 0);
	assert_int_equal(h->content_length, 5);
	assert_true(PARSE(h, TN_HTTP1_REQUEST, "GET / HTTP/1.0\r\n\r\n") > 0);
	assert_true(PARSE(h, TN_HTTP1_REQUEST,
			  "OPTIONS * HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") > 0);
	assert_true(tn_http1_keep_alive(h));
	assert_true(PARSE(h, TN_HTTP1_REQUEST, "GET / HTTP/1.1\r\nHost: a\r\n"
			  "Content-Length: 9223372036854775807\r\n\r\n") > 0);
	assert_int_equal(h->content_length, INT64_MAX);
	free(h);
}

struct bad {
	enum tn_http1_kind kind;
	const char *in;
	size_t len;
	int err;
	int status;
	const char *msg;   /* a substring of the message */
};

#define REQ(lit, e, st, m) { TN_HTTP1_REQUEST, lit, sizeof(lit) - 1, e, st, m }
#define RSP(lit, e, st, m) { TN_HTTP1_RESPONSE, lit, sizeof(lit) - 1, e, st, m }

static const struct bad bad_heads[] = {
	REQ("GET / HTTP/1.1\nHost: a\r\n\r\n", -EBADMSG, 400, "line 1: bare LF"),
	REQ("GET / HTTP/1.1\r\nHost: a\n\r\n", -EBADMSG, 400, "line 2: bare LF"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\n\n", -EBADMSG, 400, "line 3: bare LF"),
	REQ("GET / HTTP/1.1\rHost: a\r\n\r\n", -EBADMSG, 400, "CR not followed"),
	REQ("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", -EBADMSG, 400, "CR not followed"),
	REQ("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", -EBADMSG, 400, "NUL"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", -EBADMSG, 400, "line 3: obsolete line folding"),
	REQ("GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", -EBADMSG, 400, "folding"),
	REQ(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 400, "whitespace before start line"),
	REQ("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 400, "empty start line"),
	REQ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 400, "malformed request line"),
	REQ("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -EBADMSG, 400, "malformed request line"),
	REQ("GET /\r\nHost: a\r\n\r\n", -EBADMSG, 400, "malformed request line"),
	REQ("GET\r\nHost: a\r\n\r\n", -EBADMSG, 400, "malformed request line"),
	REQ(" / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 400, "whitespace"),
	REQ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 400, "bad method"),
	REQ("GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 400, "bad request target"),
	REQ("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 400, "bad request target"),
	REQ("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 400, "bad request target"),
	REQ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", -EBADMSG, 505, "unsupported HTTP version"),
	REQ("GET / HTTP/1.2\r\nHost: a\r\n\r\n", -EBADMSG, 505, "unsupported HTTP version"),
	REQ("GET / http/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 400, "malformed HTTP version"),
	REQ("GET / HTTP/1.10\r\nHost: a\r\n\r\n", -EBADMSG, 400, "malformed HTTP version"),
	REQ("GET / HTTP/1\r\nHost: a\r\n\r\n", -EBADMSG, 400, "malformed HTTP version"),
	REQ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", -EBADMSG, 400, "line 2: bad header field name"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", -EBADMSG, 400, "line 3: header field without ':'"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", -EBADMSG, 400, "empty header field name"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: x\r\n\r\n", -EBADMSG, 400, "bad header field name"),
	REQ("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", -EBADMSG, 400, "bad character in header value"),
	REQ("GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", -EBADMSG, 400, "bad character in header value"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", -EBADMSG, 400, "malformed Content-Length"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", -EBADMSG, 400, "malformed Content-Length"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", -EBADMSG, 400, "malformed Content-Length"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", -EBADMSG, 400, "malformed Content-Length"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", -EBADMSG, 400, "empty Content-Length"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", -EBADMSG, 400, "malformed Content-Length"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", -EBADMSG, 400, "out of range"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", -EBADMSG, 400, "out of range"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n", -EBADMSG, 400, "conflicting Content-Length"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG, 400, "both"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", -EBADMSG, 400, "both"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", -EBADMSG, 501, "Transfer-Encoding"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", -EBADMSG, 501, "Transfer-Encoding"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG, 501, "Transfer-Encoding"),
	REQ("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG, 400, "HTTP/1.0"),
	REQ("GET / HTTP/1.1\r\n\r\n", -EBADMSG, 400, "missing Host"),
	REQ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -EBADMSG, 400, "more than one Host"),
	REQ("GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", -EBADMSG, 400, "more than one Host"),
	RSP("HTTP/1.1 99 X\r\n\r\n", -EBADMSG, 400, "bad status code"),
	RSP("HTTP/1.1 600 X\r\n\r\n", -EBADMSG, 400, "bad status code"),
	RSP("HTTP/1.1 20 OK\r\n\r\n", -EBADMSG, 400, "bad status code"),
	RSP("HTTP/1.1 2000 OK\r\n\r\n", -EBADMSG, 400, "bad status code"),
	RSP("HTTP/1.1 2x0 OK\r\n\r\n", -EBADMSG, 400, "bad status code"),
	RSP("HTTP/1.1  200 OK\r\n\r\n", -EBADMSG, 400, "bad status code"),
	RSP("HTTP/1.1 \r\n\r\n", -EBADMSG, 400, "bad status code"),
	RSP("HTTP/1.1\r\n\r\n", -EBADMSG, 400, "malformed status line"),
	RSP("ICY 200 OK\r\n\r\n", -EBADMSG, 400, "malformed HTTP version"),
	RSP("HTTP/3.0 200 OK\r\n\r\n", -EBADMSG, 505, "unsupported"),
	RSP("HTTP/1.1 200 O\x01K\r\n\r\n", -EBADMSG, 400, "reason"),
	RSP("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", -EBADMSG, 400, "folding"),
	RSP("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -EBADMSG, 400, "conflicting"),
	RSP("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n", -EBADMSG, 501, "Transfer-Encoding"),
	RSP("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG, 400, "HTTP/1.0"),
};

static void malformed_heads(void **state)
{
	struct tn_http1_head *h = new_head(TN_HTTP1_REQUEST);

	for (size_t i = 0; i < sizeof(bad_heads) / sizeof(bad_heads[0]); i++) {
		const struct bad *t = &bad_heads[i];
		int r = parse(h, t->kind, t->in, t->len);

		if (r != t->err || h->error_status != t->status ||
		    !strstr(h->error, t->msg))
			fail_msg("case %zu (%s): got %d/%d \"%s\", want %d/%d \"%s\"",
				 i, t->msg, r, h->error_status, h->error,
				 t->err, t->status, t->msg);
		/* Errors stick. */
		assert_int_equal(tn_http1_head_feed(h, "\r\n\r\n", 4), t->err);
		/* And byte by byte the same error comes out. */
		tn_http1_head_init(h, t->kind);
		r = 0;
		for (size_t j = 0; j < t->len && r == 0; j++)
			r = tn_http1_head_feed(h, t->in + j, 1);
		assert_int_equal(r, t->err);
		assert_non_null(strstr(h->error, t->msg));
	}
	free(h);
}

static void head_limits(void **state)
{
	struct tn_http1_head *h = new_head(TN_HTTP1_REQUEST);
	char *buf = malloc(TN_HTTP1_HEAD_MAX + 64);
	const char start[] = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
	size_t n;

	assert_non_null(buf);
	/* Exactly TN_HTTP1_HEAD_MAX bytes: accepted. */
	memcpy(buf, start, sizeof(start) - 1);
	n = TN_HTTP1_HEAD_MAX - 4;
	memset(buf + sizeof(start) - 1, 'v', n - (sizeof(start) - 1));
	memcpy(buf + n, "\r\n\r\n", 4);
	assert_int_equal(parse(h, TN_HTTP1_REQUEST, buf, TN_HTTP1_HEAD_MAX),
			 TN_HTTP1_HEAD_MAX);
	assert_int_equal(strlen(tn_http1_header(h, "x")),
			 n - (sizeof(start) - 1));
	/* One byte more: too large, reported before the end arrives. */
	memset(buf + sizeof(start) - 1, 'v', n + 1 - (sizeof(start) - 1));
	memcpy(buf + n + 1, "\r\n\r\n", 4);
	assert_int_equal(parse(h, TN_HTTP1_REQUEST, buf, TN_HTTP1_HEAD_MAX),
			 0);
	assert_int_equal(tn_http1_head_feed(h, buf + TN_HTTP1_HEAD_MAX, 1),
			 -EMSGSIZE);
	assert_int_equal(h->error_status, 431);

	/* TN_HTTP1_HEADERS_MAX fields: accepted; one more: refused. */
	for (int extra = 0; extra <= 1; extra++) {
		n = (size_t)sprintf(buf, "HTTP/1.1 200 OK\r\n");
		for (int i = 0; i < TN_HTTP1_HEADERS_MAX + extra; i++)
			n += (size_t)sprintf(buf + n, "H%d: %d\r\n", i, i);
		n += (size_t)sprintf(buf + n, "\r\n");
		if (!extra) {
			assert_int_equal(parse(h, TN_HTTP1_RESPONSE, buf, n), (int)n);
			assert_int_equal(h->n_headers, TN_HTTP1_HEADERS_MAX);
			assert_string_equal(tn_http1_header(h, "h63"), "63");
		} else {
			assert_int_equal(parse(h, TN_HTTP1_RESPONSE, buf, n),
					 -EMSGSIZE);
			assert_int_equal(h->error_status, 431);
		}
	}
	free(buf);
	free(h);
}

static void has_token(void **state)
{
	struct tn_http1_head *h = new_head(TN_HTTP1_RESPONSE);

	assert_true(PARSE(h, TN_HTTP1_RESPONSE, "HTTP/1.1 200 OK\r\n"
			  "Connection: ,, keep-alive ,\t UPGRADE\r\n"
			  "Connection: te\r\nX: upgraded\r\n\r\n") > 0);
	assert_true(tn_http1_header_has_token(h, "connection", "upgrade"));
	assert_true(tn_http1_header_has_token(h, "connection", "Keep-Alive"));
	assert_true(tn_http1_header_has_token(h, "connection", "TE"));
	assert_false(tn_http1_header_has_token(h, "connection", "close"));
	assert_false(tn_http1_header_has_token(h, "connection", "upgrad"));
	assert_false(tn_http1_header_has_token(h, "connection", ""));
	assert_false(tn_http1_header_has_token(h, "x", "upgrade"));
	assert_false(tn_http1_header_has_token(h, "missing", "upgrade"));
	free(h);
}

struct bad_body {
	const char *in;
	size_t len;
	uint64_t limit;
	int err;
	const char *msg;
};

#define BB(lit, lim, e, m) { lit, sizeof(lit) - 1, lim, e, m }

static const struct bad_body bad_bodies[] = {
	BB("x\r\n", UINT64_MAX, -EBADMSG, "malformed chunk size"),
	BB("\r\n", UINT64_MAX, -EBADMSG, "malformed chunk size"),
	BB(" 5\r\nhello\r\n", UINT64_MAX, -EBADMSG, "malformed chunk size"),
	BB("-5\r\nhello\r\n", UINT64_MAX, -EBADMSG, "malformed chunk size"),
	BB("+5\r\nhello\r\n", UINT64_MAX, -EBADMSG, "malformed chunk size"),
	BB("5x\r\nhello\r\n", UINT64_MAX, -EBADMSG, "malformed chunk size"),
	BB("5 x\r\nhello\r\n", UINT64_MAX, -EBADMSG, "malformed chunk size"),
	BB("0x5\r\nhello\r\n", UINT64_MAX, -EBADMSG, "malformed chunk size"),
	BB("5\nhello\r\n", UINT64_MAX, -EBADMSG, "malformed chunk size"),
	BB("5\rhello\r\n", UINT64_MAX, -EBADMSG, "CR not followed by LF"),
	BB("5;a\x01\r\nhello\r\n", UINT64_MAX, -EBADMSG, "chunk extension"),
	BB("5;a\nhello\r\n", UINT64_MAX, -EBADMSG, "chunk extension"),
	BB("5\r\nhelloX\r\n", UINT64_MAX, -EBADMSG, "not followed by CRLF"),
	BB("5\r\nhello\rX\n", UINT64_MAX, -EBADMSG, "not followed by CRLF"),
	BB("5\r\nhello\n0\r\n\r\n", UINT64_MAX, -EBADMSG, "not followed by CRLF"),
	BB("8000000000000000\r\n", UINT64_MAX, -EBADMSG, "out of range"),
	BB("10000000000000000\r\n", UINT64_MAX, -EBADMSG, "out of range"),
	BB("fffffffffffffffffffff\r\n", UINT64_MAX, -EBADMSG, "out of range"),
	BB("5\r\nhello\r\n6\r\n", 10, -EMSGSIZE, "body larger"),
	BB("0\r\nX: y\r\n z\r\n\r\n", UINT64_MAX, -EBADMSG, "malformed trailer"),
	BB("0\r\nX y\r\n\r\n", UINT64_MAX, -EBADMSG, "malformed trailer"),
	BB("0\r\n: y\r\n\r\n", UINT64_MAX, -EBADMSG, "malformed trailer"),
	BB("0\r\nX: \x00\r\n\r\n", UINT64_MAX, -EBADMSG, "trailer field"),
	BB("0\r\nX: y\n\r\n", UINT64_MAX, -EBADMSG, "trailer field"),
	BB("0\r\nX: y\r\r\n", UINT64_MAX, -EBADMSG, "CR not followed by LF"),
	BB("0\r\n\rX", UINT64_MAX, -EBADMSG, "CR not followed by LF"),
	BB("0\r\n\n", UINT64_MAX, -EBADMSG, "malformed trailer"),
};

static void malformed_chunked(void **state)
{
	struct tn_http1_body b;
	char out[64], *big;
	size_t outlen, used;
	int r;

	for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
		const struct bad_body *t = &bad_bodies[i];

		for (size_t step = 1; step <= t->len; step++) {
			assert_int_equal(tn_http1_body_init(&b, TN_HTTP1_BODY_CHUNKED,
							    0, t->limit), 0);
			r = decode(&b, t->in, t->len, step, out, &outlen, &used);
			if (r != t->err || !strstr(b.error, t->msg))
				fail_msg("case %zu step %zu: got %d \"%s\", want %d \"%s\"",
					 i, step, r, b.error, t->err, t->msg);
			assert_int_equal(tn_http1_body_eof(&b), t->err);
		}
	}

	/* The chunk-size line is bounded even when it is all leading zeros. */
	big = malloc(TN_HTTP1_CHUNK_LINE_MAX + 16);
	assert_non_null(big);
	memset(big, '0', TN_HTTP1_CHUNK_LINE_MAX - 3);
	memcpy(big + TN_HTTP1_CHUNK_LINE_MAX - 3, "5\r\nhello\r\n0\r\n\r\n", 15);
	tn_http1_body_init(&b, TN_HTTP1_BODY_CHUNKED, 0, UINT64_MAX);
	assert_int_equal(decode(&b, big, TN_HTTP1_CHUNK_LINE_MAX + 12, 7, out,
				&outlen, &used), 1);
	assert_int_equal(outlen, 5);
	memset(big, '0', TN_HTTP1_CHUNK_LINE_MAX);
	memcpy(big + TN_HTTP1_CHUNK_LINE_MAX - 2, "5\r\n", 3);
	tn_http1_body_init(&b, TN_HTTP1_BODY_CHUNKED, 0, UINT64_MAX);
	assert_int_equal(decode(&b, big, TN_HTTP1_CHUNK_LINE_MAX + 1, 7, out,
				&outlen, &used), -EMSGSIZE);
	free(big);

	/* Endless trailers. */
	big = malloc(TN_HTTP1_TRAILERS_MAX + 64);
	assert_non_null(big);
	memcpy(big, "0\r\n", 3);
	for (size_t i = 3; i + 6 <= TN_HTTP1_TRAILERS_MAX + 64; i += 6)
		memcpy(big + i, "A: b\r\n", 6);
	tn_http1_body_init(&b, TN_HTTP1_BODY_CHUNKED, 0, UINT64_MAX);
	assert_int_equal(decode(&b, big, TN_HTTP1_TRAILERS_MAX + 63, 100, out,
				&outlen, &used), -EMSGSIZE);
	assert_non_null(strstr(b.error, "trailers"));
	free(big);
}

static void body_limits_and_eof(void **state)
{
	struct tn_http1_body b;
	char out[64];
	size_t outlen, used, consumed, dlen;
	const uint8_t *data;

	/* Content-Length beyond the limit is refused before any byte. */
	assert_int_equal(tn_http1_body_init(&b, TN_HTTP1_BODY_LENGTH, 11, 10),
			 -EMSGSIZE);
	assert_int_equal(tn_http1_body_feed(&b, "x", 1, &consumed, &data, &dlen),
			 -EMSGSIZE);
	/* Length 0 and NONE are complete at once. */
	assert_int_equal(tn_http1_body_init(&b, TN_HTTP1_BODY_LENGTH, 0, 10), 0);
	assert_int_equal(tn_http1_body_feed(&b, "x", 1, &consumed, &data, &dlen), 1);
	assert_int_equal(consumed, 0);
	assert_int_equal(tn_http1_body_init(&b, TN_HTTP1_BODY_NONE, 0, 0), 0);
	assert_true(tn_http1_body_done(&b));
	assert_int_equal(tn_http1_body_eof(&b), 0);
	assert_int_equal(tn_http1_body_init(&b, (enum tn_http1_body_kind)42, 0, 0),
			 -EINVAL);
	/* A Content-Length body cut short. */
	assert_int_equal(tn_http1_body_init(&b, TN_HTTP1_BODY_LENGTH, 10, 10), 0);
	assert_int_equal(decode(&b, "hello", 5, 2, out, &outlen, &used), 0);
	assert_int_equal(b.remaining, 5);
	assert_int_equal(tn_http1_body_eof(&b), -EBADMSG);
	assert_non_null(strstr(b.error, "closed"));
	/* A chunked body cut short anywhere. */
	for (size_t cut = 0; cut < 15; cut++) {
		tn_http1_body_init(&b, TN_HTTP1_BODY_CHUNKED, 0, UINT64_MAX);
		assert_int_equal(decode(&b, "5\r\nhello\r\n0\r\n\r\n", cut, 3,
					out, &outlen, &used), 0);
		assert_int_equal(tn_http1_body_eof(&b), -EBADMSG);
	}
	/* Until close: everything is body, within the limit. */
	tn_http1_body_init(&b, TN_HTTP1_BODY_UNTIL_CLOSE, 0, 8);
	assert_int_equal(tn_http1_body_feed(&b, "hello", 5, &consumed, &data,
					    &dlen), 0);
	assert_int_equal(dlen, 5);
	assert_int_equal(tn_http1_body_feed(&b, "abc", 3, &consumed, &data,
					    &dlen), 0);
	assert_int_equal(tn_http1_body_eof(&b), 0);
	assert_true(tn_http1_body_done(&b));
	tn_http1_body_init(&b, TN_HTTP1_BODY_UNTIL_CLOSE, 0, 8);
	assert_int_equal(tn_http1_body_feed(&b, "too long!", 9, &consumed, &data,
					    &dlen), -EMSGSIZE);
	/* Chunks adding up past the limit. */
	tn_http1_body_init(&b, TN_HTTP1_BODY_CHUNKED, 0, 8);
	assert_int_equal(decode(&b, "5\r\nhello\r\n3\r\nabc\r\n1\r\n", 21, 21,
				out, &outlen, &used), -EMSGSIZE);
	assert_int_equal(outlen, 8);
}

static void build_rejects_injection(void **state)
{
	char buf[256];
	struct tn_http1_header h[1];

	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GE T", "/", NULL, 0), -EINVAL);
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "", "/", NULL, 0), -EINVAL);
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GET", "/ x", NULL, 0), -EINVAL);
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GET", "", NULL, 0), -EINVAL);
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GET", "/\r\n", NULL, 0), -EINVAL);
	h[0] = (struct tn_http1_header){ "X", "a\r\nInjected: 1" };
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GET", "/", h, 1), -EINVAL);
	h[0] = (struct tn_http1_header){ "X", "a\nb" };
	assert_int_equal(tn_http1_response_build(buf, sizeof(buf), 200, NULL, h, 1), -EINVAL);
	h[0] = (struct tn_http1_header){ "X", " a" };
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GET", "/", h, 1), -EINVAL);
	h[0] = (struct tn_http1_header){ "X", "a\t" };
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GET", "/", h, 1), -EINVAL);
	h[0] = (struct tn_http1_header){ "Bad Name", "a" };
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GET", "/", h, 1), -EINVAL);
	h[0] = (struct tn_http1_header){ "X:", "a" };
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GET", "/", h, 1), -EINVAL);
	h[0] = (struct tn_http1_header){ "X", NULL };
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GET", "/", h, 1), -EINVAL);
	assert_int_equal(tn_http1_response_build(buf, sizeof(buf), 99, NULL, NULL, 0), -EINVAL);
	assert_int_equal(tn_http1_response_build(buf, sizeof(buf), 600, NULL, NULL, 0), -EINVAL);
	assert_int_equal(tn_http1_response_build(buf, sizeof(buf), 200, "O\r\nK", NULL, 0), -EINVAL);
	/* Too small: -ENOSPC, at every size short of the NUL. */
	for (size_t n = 0; n < 20; n++)
		assert_int_equal(tn_http1_response_build(buf, n, 200, NULL, NULL, 0),
				 -ENOSPC);
	assert_int_equal(tn_http1_response_build(buf, 20, 200, NULL, NULL, 0), 19);
	assert_string_equal(buf, "HTTP/1.1 200 OK\r\n\r\n");
	assert_int_equal(tn_http1_response_build(buf, sizeof(buf), 299, NULL, NULL, 0), 17);
	assert_string_equal(buf, "HTTP/1.1 299 \r\n\r\n");
	assert_int_equal(tn_http1_request_build(buf, sizeof(buf), "GET", "/", NULL,
						TN_HTTP1_HEADERS_MAX + 1), -EMSGSIZE);
}

static void build_too_large(void **state)
{
	size_t n = TN_HTTP1_HEAD_MAX;
	char *v = malloc(n), *out = malloc(2 * n);
	struct tn_http1_header h = { "X", v };

	assert_non_null(v);
	assert_non_null(out);
	memset(v, 'a', n - 1);
	v[n - 1] = '\0';
	assert_int_equal(tn_http1_request_build(out, 2 * n, "GET", "/", &h, 1),
			 -EMSGSIZE);
	free(v);
	free(out);
}

/* A LocalAPI-style streamed response: head, chunks written with both
 * encoders, the last chunk; our own parser reads it back. */
static void streamed_response_round_trip(void **state)
{
	struct tn_http1_head *h = new_head(TN_HTTP1_RESPONSE);
	const struct tn_http1_header hdr[] = {
		{ "Content-Type", "application/json" },
		{ "Transfer-Encoding", "chunked" },
	};
	char buf[1024], out[512], small[4];
	uint8_t payload[300];
	size_t len, outlen, used;
	struct tn_http1_body b;
	long m;
	int n;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	n = tn_http1_response_build(buf, sizeof(buf), 200, NULL, hdr, 2);
	assert_true(n > 0);
	len = (size_t)n;
	m = tn_http1_chunk_encode(buf + len, sizeof(buf) - len, payload, 255);
	assert_int_equal(m, 2 + 2 + 255 + 2);
	assert_memory_equal(buf + len, "ff\r\n", 4);
	len += (size_t)m;
	n = tn_http1_chunk_header(buf + len, sizeof(buf) - len, 45);
	assert_int_equal(n, 4);
	assert_string_equal(buf + len, "2d\r\n");
	len += (size_t)n;
	memcpy(buf + len, payload + 255, 45);
	len += 45;
	memcpy(buf + len, TN_HTTP1_CHUNK_END TN_HTTP1_LAST_CHUNK, 7);
	len += 7;

	n = parse(h, TN_HTTP1_RESPONSE, buf, len);
	assert_true(n > 0);
	assert_int_equal(tn_http1_body_kind(h, false), TN_HTTP1_BODY_CHUNKED);
	tn_http1_body_init(&b, TN_HTTP1_BODY_CHUNKED, 0, sizeof(out));
	assert_int_equal(decode(&b, buf + n, len - (size_t)n, 13, out, &outlen,
				&used), 1);
	assert_int_equal(used, len - (size_t)n);
	assert_int_equal(outlen, sizeof(payload));
	assert_memory_equal(out, payload, sizeof(payload));

	assert_int_equal(tn_http1_chunk_header(small, sizeof(small), 0), -EINVAL);
	assert_int_equal(tn_http1_chunk_header(small, sizeof(small), 0x100), -ENOSPC);
	assert_int_equal(tn_http1_chunk_header(out, TN_HTTP1_CHUNK_HEADER_MAX,
					       UINT64_MAX), 18);
	assert_int_equal(tn_http1_chunk_encode(out, sizeof(out), payload, 0), -EINVAL);
	assert_int_equal(tn_http1_chunk_encode(out, 7, payload, 3), -ENOSPC);
	assert_int_equal(tn_http1_chunk_encode(out, 8, payload, 3), 8);
	free(h);
}

static void reasons(void **state)
{
	assert_string_equal(tn_http1_reason(101), "Switching Protocols");
	assert_string_equal(tn_http1_reason(404), "Not Found");
	assert_string_equal(tn_http1_reason(431), "Request Header Fields Too Large");
	assert_string_equal(tn_http1_reason(299), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_request),
		cmocka_unit_test(key_response_with_body),
		cmocka_unit_test(ts2021_upgrade_leaves_raw_stream),
		cmocka_unit_test(ts2021_and_derp_requests),
		cmocka_unit_test(localapi_request_chunked),
		cmocka_unit_test(status_lines),
		cmocka_unit_test(malformed_heads),
		cmocka_unit_test(head_limits),
		cmocka_unit_test(has_token),
		cmocka_unit_test(malformed_chunked),
		cmocka_unit_test(body_limits_and_eof),
		cmocka_unit_test(build_rejects_injection),
		cmocka_unit_test(build_too_large),
		cmocka_unit_test(streamed_response_round_trip),
		cmocka_unit_test(reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

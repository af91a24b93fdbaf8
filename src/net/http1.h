/* HTTP/1.1 message heads and bodies, on bytes only (RFC 9112).
 *
 * The one HTTP/1 module of the project (docs/design.md): the /key fetch,
 * the ts2021 and DERP upgrades (whose 101 response is followed by a raw
 * stream) and the LocalAPI server.  It never touches a socket: the caller
 * reads, feeds bytes, and writes what the builders produce.
 *
 * Parsing a head: tn_http1_head_init, then tn_http1_head_feed with each
 * piece read.  It copies the head into the struct (so the caller may reuse
 * its read buffer) and, once the blank line is seen, parses it in place:
 * method, target, reason, header names and values become NUL-terminated
 * strings inside the struct.  Those pointers are borrowed from the struct,
 * so the struct must not be copied or moved while they are in use.  The
 * feed returns how many bytes of the piece belonged to the head; the bytes
 * after them are the body or, after a 101, the raw stream, never touched.
 *
 * Rules (stricter than RFC 9112 where it allows a choice; everything we talk
 * to — Go's net/http in headscale, derper and the tailscale CLI, and curl —
 * already sends this):
 *  - lines end in CRLF; a bare LF or a CR not followed by LF is an error
 *    (RFC 9112 2.2 lets a recipient accept bare LF; we do not, so there is
 *    one way to find where a head ends);
 *  - NUL anywhere is an error; control characters other than HTAB are an
 *    error in values, the reason phrase and chunk extensions; bytes
 *    0x80-0xff (obs-text) are allowed in those and nowhere else;
 *  - a line starting with SP or HTAB (obsolete line folding, or whitespace
 *    before the first header) is an error; an empty first line too;
 *  - request line: token SP target SP version, single spaces; the target
 *    is visible ASCII without '#'; status line: version SP 3 digits
 *    (100-599), then nothing or SP and a reason phrase (possibly empty);
 *  - version is exactly "HTTP/1.1" or "HTTP/1.0"; any other "HTTP/d.d" is
 *    unsupported (505), anything else malformed;
 *  - header name: a token immediately followed by ':' (no space before the
 *    colon); the value has leading and trailing SP/HTAB trimmed;
 *  - Content-Length: one or more decimal digits, at most INT64_MAX; repeated
 *    fields must carry identical values (as Go accepts), a comma list is an
 *    error;
 *  - Transfer-Encoding: only a single field "chunked" (any case); any other
 *    coding, or a second field, is unsupported (501); together with
 *    Content-Length, or in an HTTP/1.0 message, it is an error (RFC 9112
 *    6.1 permits rejecting; it is the classic smuggling vector);
 *  - requests: an HTTP/1.1 request needs exactly one Host field, an
 *    HTTP/1.0 request at most one (RFC 9112 3.2).
 *
 * Bodies: tn_http1_body_kind says how the body after a head is framed;
 * tn_http1_body_feed decodes Content-Length and chunked bodies
 * incrementally without copying: each call returns one span of body bytes
 * pointing into the input.  Chunk extensions are checked for characters
 * and ignored; trailer fields are checked for syntax and discarded.
 *
 * Building: request and response heads and chunk framing are written into
 * caller buffers; names, values and targets are checked so that nothing a
 * caller passes can inject a line.
 *
 * No allocation; no global state; any thread, one struct per thread at a
 * time.  Error messages are fixed text plus line numbers, never bytes of the
 * input, so they are safe to log.
 */
#ifndef TN_NET_HTTP1_H
#define TN_NET_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest head (start line, fields, blank line).  Ours are a few hundred
 * bytes (the ts2021 upgrade, with its 140-character handshake header, is
 * the biggest); Go's servers allow 1 MiB but nothing we talk to comes near
 * 16 KiB, and it bounds the memory of a LocalAPI connection. */
#define TN_HTTP1_HEAD_MAX (16 * 1024)
/* Header fields per head.  Go's responses carry under ten; a LocalAPI
 * request from curl or a browser under twenty. */
#define TN_HTTP1_HEADERS_MAX 64
/* Longest chunk-size line (hex size, extensions, CRLF).  16 hex digits
 * plus room for an extension nobody we talk to sends; Go's own limit on
 * the line is 4096, but a longer line here is garbage or an attack. */
#define TN_HTTP1_CHUNK_LINE_MAX 256
/* All trailer fields after the last chunk together.  We send none and
 * ignore them; the bound only stops an endless trailer. */
#define TN_HTTP1_TRAILERS_MAX 4096
/* Room for an error message and its NUL. */
#define TN_HTTP1_ERROR_MAX 96
/* "<16 hex digits>\r\n" and a NUL: the largest chunk header we write. */
#define TN_HTTP1_CHUNK_HEADER_MAX (16 + 2 + 1)
/* The line after a chunk's data, and the last chunk with no trailers. */
#define TN_HTTP1_CHUNK_END "\r\n"
#define TN_HTTP1_LAST_CHUNK "0\r\n\r\n"

enum tn_http1_kind {
	TN_HTTP1_REQUEST,
	TN_HTTP1_RESPONSE,
};

/* A header field.  Parsed: both point into the head's buffer.  Built: the
 * caller's strings. */
struct tn_http1_header {
	const char *name;
	const char *value;
};

struct tn_http1_head {
	enum tn_http1_kind kind;

	/* Set once tn_http1_head_feed returned > 0. */
	int version_minor;          /* 0 or 1 (HTTP/1.0 or HTTP/1.1) */
	/* Requests. */
	const char *method;         /* e.g. "GET"; case-sensitive token */
	const char *target;         /* e.g. "/localapi/v0/status?x=1" */
	size_t path_len;            /* target[0..path_len): up to the first '?' */
	const char *query;          /* after the first '?', or NULL */
	/* Responses. */
	int status;                 /* 100-599 */
	const char *reason;         /* possibly "" */
	/* Both. */
	struct tn_http1_header headers[TN_HTTP1_HEADERS_MAX];
	size_t n_headers;
	bool chunked;               /* Transfer-Encoding: chunked */
	bool has_content_length;
	uint64_t content_length;    /* <= INT64_MAX */

	/* After an error: what is wrong ("line 3: obsolete line folding"), and
	 * the status a server should answer with (400, 431, 501 or 505). */
	char error[TN_HTTP1_ERROR_MAX];
	int error_status;

	/* Private. */
	int state;
	int err;
	unsigned line;
	size_t line_len;
	size_t len;
	char buf[TN_HTTP1_HEAD_MAX];
};

/* Resets h to parse a new head of the given kind.  Also for the next
 * request on a kept-alive connection. */
void tn_http1_head_init(struct tn_http1_head *h, enum tn_http1_kind kind);

/* Feeds data[0..len).  Returns
 *   0          the head is not complete: all len bytes were taken; feed more;
 *   N > 0      the head is complete and parsed: data[0..N) was its end,
 *              data[N..len) was not looked at (body or raw stream);
 *   -EBADMSG   malformed (h->error, h->error_status 400, 501 or 505);
 *   -EMSGSIZE  longer than TN_HTTP1_HEAD_MAX or more than
 *              TN_HTTP1_HEADERS_MAX fields (h->error, h->error_status 431);
 *   -EINVAL    called again after the head was complete.
 * After an error every later call returns the same error.  Errors are
 * reported as soon as the offending byte arrives where possible (NUL, bare
 * CR/LF, line folding, size), otherwise when the head is complete. */
int tn_http1_head_feed(struct tn_http1_head *h, const void *data, size_t len);

/* The value of the first field called name (case-insensitive), or NULL. */
const char *tn_http1_header(const struct tn_http1_head *h, const char *name);

/* True if some field called name holds token in its comma-separated list,
 * comparing case-insensitively (Connection: keep-alive, Upgrade). */
bool tn_http1_header_has_token(const struct tn_http1_head *h,
			       const char *name, const char *token);

/* Whether the connection may carry another message after this one:
 * HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
 * "Connection: keep-alive". */
bool tn_http1_keep_alive(const struct tn_http1_head *h);

enum tn_http1_body_kind {
	TN_HTTP1_BODY_NONE,        /* no body: the next bytes are the next
				    * message, or the raw stream after a 101 */
	TN_HTTP1_BODY_LENGTH,      /* content_length bytes */
	TN_HTTP1_BODY_CHUNKED,
	TN_HTTP1_BODY_UNTIL_CLOSE, /* response without length: until EOF */
};

/* How the body after a parsed head is framed (RFC 9112 6.3).  A request
 * without Content-Length or chunked has none.  A response has none if it is
 * 1xx, 204 or 304, or answers a HEAD request (response_to_head). */
enum tn_http1_body_kind tn_http1_body_kind(const struct tn_http1_head *h,
					   bool response_to_head);

struct tn_http1_body {
	enum tn_http1_body_kind kind;
	uint64_t limit;       /* most body bytes accepted */
	uint64_t total;       /* body bytes delivered so far */
	uint64_t remaining;   /* of the Content-Length or the current chunk */
	/* Private. */
	int state;
	int err;
	size_t line_len;
	size_t trailer_len;
	char error[TN_HTTP1_ERROR_MAX];
};

/* Prepares b for a body of the given kind; content_length is used for
 * TN_HTTP1_BODY_LENGTH.  limit bounds the decoded body (UINT64_MAX: none).
 * Returns 0, -EMSGSIZE if content_length > limit (b->error set), or
 * -EINVAL for an unknown kind. */
int tn_http1_body_init(struct tn_http1_body *b, enum tn_http1_body_kind kind,
		       uint64_t content_length, uint64_t limit);

/* Decodes from in[0..len).  Sets *consumed to the bytes taken from in and
 * *data / *data_len to the body bytes found among them (pointing into in;
 * data_len may be 0 when only framing was taken).  Returns
 *   0          more body to come: call again with in + *consumed (or with
 *              more input once all of it is taken);
 *   1          the body is complete: in[*consumed..len) is not part of it;
 *   -EBADMSG   malformed chunk framing (b->error);
 *   -EMSGSIZE  the body exceeds the limit or a chunk line/trailers their
 *              bounds (b->error).
 * Each call with len > 0 takes at least one byte unless it returns 1.
 * After an error every later call returns the same error. */
int tn_http1_body_feed(struct tn_http1_body *b, const void *in, size_t len,
		       size_t *consumed, const uint8_t **data,
		       size_t *data_len);

/* The connection reached EOF.  Returns 0 if that ends the body properly
 * (it was complete, or is read until close), -EBADMSG if the body was cut
 * short (b->error). */
int tn_http1_body_eof(struct tn_http1_body *b);

/* True once tn_http1_body_feed has returned 1 (or for kind NONE). */
bool tn_http1_body_done(const struct tn_http1_body *b);

/* Writes "METHOD target HTTP/1.1\r\n", each "name: value\r\n" and the blank
 * line into out[0..outlen), with a NUL after them.  The caller supplies
 * every field (Host, Content-Length, Upgrade, ...).  Returns the length
 * without the NUL; -EINVAL if the method or a name is not a token, the
 * target not visible ASCII or a value holds a control character other than
 * HTAB (no line injection) or has leading or trailing whitespace; -ENOSPC
 * if out is too small; -EMSGSIZE if the head would exceed
 * TN_HTTP1_HEAD_MAX or TN_HTTP1_HEADERS_MAX fields (no peer of ours would
 * take it). */
int tn_http1_request_build(char *out, size_t outlen, const char *method,
			   const char *target,
			   const struct tn_http1_header *headers,
			   size_t n_headers);

/* Writes "HTTP/1.1 status reason\r\n", the fields and the blank line, like
 * tn_http1_request_build.  reason NULL: tn_http1_reason(status).  Returns
 * the length or -EINVAL (status outside 100-599, bad reason, name or
 * value), -ENOSPC, -EMSGSIZE. */
int tn_http1_response_build(char *out, size_t outlen, int status,
			    const char *reason,
			    const struct tn_http1_header *headers,
			    size_t n_headers);

/* The standard reason phrase of a status ("Not Found"), or "" for one we
 * have no phrase for. */
const char *tn_http1_reason(int status);

/* Chunked encoding of a streamed body (Transfer-Encoding: chunked).
 * tn_http1_chunk_header writes "<hex len>\r\n" and a NUL for a chunk of
 * len > 0 bytes; send it, the data and TN_HTTP1_CHUNK_END (writev, no
 * copy); end the body with TN_HTTP1_LAST_CHUNK.  Returns the length
 * without the NUL, -EINVAL for len 0 (that would end the body) or -ENOSPC
 * (TN_HTTP1_CHUNK_HEADER_MAX always suffices). */
int tn_http1_chunk_header(char *out, size_t outlen, uint64_t len);

/* The same with a copy: header, data[0..len) and CRLF into out.  Returns
 * the total length, -EINVAL for len 0 or a total above INT32_MAX, or
 * -ENOSPC. */
long tn_http1_chunk_encode(void *out, size_t outlen, const void *data,
			   size_t len);

#endif

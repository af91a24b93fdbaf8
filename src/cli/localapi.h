/* tnet's LocalAPI client: HTTP/1.1 over the daemon's Unix socket, as Go's
 * client/local sends it (Host: local-tailscaled.sock, Tailscale-Cap), one
 * request per connection, blocking I/O with a deadline.  Heads and bodies
 * (Content-Length, chunked, or until close) are parsed with the shared
 * HTTP/1 module; bodies are limited to TN_CLI_BODY_MAX.
 *
 * Errors are reported as Go's client words them, so that tnet's messages
 * match the tailscale CLI's: a refused connection becomes "Failed to connect
 * to local tailnetd for /localapi/v0/status; not running? Error: ...", an
 * unexpected status "500 Internal Server Error: <body>" unless the body is
 * a JSON object with an "error" member, which is used alone; 403 is
 * "Access denied: ...", 412 "Preconditions failed: ...".
 *
 * The response reader takes any file descriptor (a socket in use, a memory
 * file in the fuzz target).  Responses and streams are owned by the
 * caller and released with their _free/_close.  One thread.
 */
#ifndef TN_CLI_LOCALAPI_H
#define TN_CLI_LOCALAPI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http1.h"

#define TN_CLI_LOCALAPI_HOST "local-tailscaled.sock"
/* A status with thousands of peers is a few MB; nothing the daemon sends
 * comes near this. */
#define TN_CLI_BODY_MAX (64u << 20)
/* One IPN bus notification (a full netmap at worst). */
#define TN_CLI_NOTIFY_MAX (64u << 20)
/* Room for an error message. */
#define TN_CLI_ERROR_MAX 512

struct tn_cli_response {
	int status;
	char reason[64];
	char *body;          /* NUL-terminated, owned */
	size_t body_len;
};

void tn_cli_response_free(struct tn_cli_response *r);

/* Connects to socket_path; returns the fd or -errno with err set.
 * what names the request in the message ("/localapi/v0/status"). */
int tn_cli_localapi_connect(const char *socket_path, const char *what, char *err, size_t errlen);

/* Reads a whole response (head and body) from fd until deadline_ns (a
 * tn_clock_now() time; 0: no deadline).  Returns 0, -ETIMEDOUT, -EBADMSG
 * (malformed), -EMSGSIZE (too big) or another -errno, with err set. */
int tn_cli_localapi_read_response(int fd, uint64_t deadline_ns, struct tn_cli_response *r,
				  char *err, size_t errlen);

/* One request: method, target ("/localapi/v0/prefs"), an optional body
 * (sent with Content-Length).  timeout_ns 0 waits as long as it takes.
 * Returns 0 with r filled whatever the status; < 0 for a failure to talk
 * to the daemon at all (err set). */
int tn_cli_localapi_do(const char *socket_path, const char *method, const char *target,
		       const char *body, size_t body_len, uint64_t timeout_ns,
		       struct tn_cli_response *r, char *err, size_t errlen);

/* Go's client.send: the request, then the status must be want_status or
 * the error is worded as above (returning -EPROTO, or -EACCES for 403).
 * *out (if out is not NULL) gets the body parsed as JSON, which must then
 * be valid (-EBADMSG otherwise). */
int tn_cli_localapi_call(const char *socket_path, const char *method, const char *target,
			 const json_t *body, int want_status, uint64_t timeout_ns, json_t **out,
			 char *err, size_t errlen);

/* Wording of an unexpected status, as described above. */
void tn_cli_localapi_status_error(const struct tn_cli_response *r, char *err, size_t errlen);

/* A streamed response (watch-ipn-bus): newline-separated JSON values. */
struct tn_cli_stream {
	int fd;
	struct tn_http1_head head;
	struct tn_http1_body body;
	bool body_done;
	char in[16384];         /* raw bytes read, not yet decoded */
	size_t in_off, in_len;
	char *line;             /* the decoded body not yet returned */
	size_t line_len, line_cap;
	size_t line_start;      /* where the next line begins in line */
};

/* Sends a GET for target and reads the response head; a status other than
 * 200 is an error worded as for tn_cli_localapi_call.  0 or -errno. */
int tn_cli_stream_open(struct tn_cli_stream *s, const char *socket_path, const char *target,
		       uint64_t deadline_ns, char *err, size_t errlen);
/* Starts a stream over an fd whose response head is still to be read
 * (the fuzz target, and tn_cli_stream_open). */
int tn_cli_stream_start(struct tn_cli_stream *s, int fd, uint64_t deadline_ns, char *err,
			size_t errlen);
/* The next line (without its newline; borrowed until the next call).
 * Returns 1, 0 at the end of the stream, -ETIMEDOUT at the deadline, or
 * another -errno (err set). */
int tn_cli_stream_next(struct tn_cli_stream *s, uint64_t deadline_ns, const char **line,
		       size_t *len, char *err, size_t errlen);
void tn_cli_stream_close(struct tn_cli_stream *s);

#endif

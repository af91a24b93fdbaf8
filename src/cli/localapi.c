#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/buf.h"
#include "cli/gojson.h"
#include "cli/localapi.h"
#include "control/client.h"
#include "util/clock.h"

void tn_cli_response_free(struct tn_cli_response *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int tn_cli_localapi_connect(const char *socket_path, const char *what, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rc;

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long (at most %zu bytes): %s",
			 sizeof(sa.sun_path) - 1, socket_path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		snprintf(err, errlen,
			 "Failed to connect to local tailnetd for %s; not running? Error: dial unix %s: connect: %s",
			 what, socket_path, strerror(errno));
		close(fd);
		return rc;
	}
	return fd;
}

/* Waits until fd is readable (or writable) or the deadline passes. */
static int wait_fd(int fd, short events, uint64_t deadline_ns)
{
	for (;;) {
		int timeout = -1;
		if (deadline_ns) {
			uint64_t now = tn_clock_now();
			if (now >= deadline_ns)
				return -ETIMEDOUT;
			uint64_t ms = (deadline_ns - now + TN_NSEC_PER_MSEC - 1) / TN_NSEC_PER_MSEC;
			timeout = ms > 60000 ? 60000 : (int)ms;
		}
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n > 0)
			return 0;
	}
}

static int write_all(int fd, const char *p, size_t len, uint64_t deadline_ns)
{
	while (len) {
		int rc = wait_fd(fd, POLLOUT, deadline_ns);
		if (rc < 0)
			return rc;
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads what is there into buf; 0 at EOF. */
static ssize_t read_some(int fd, char *buf, size_t len, uint64_t deadline_ns)
{
	for (;;) {
		int rc = wait_fd(fd, POLLIN, deadline_ns);
		if (rc < 0)
			return rc;
		ssize_t n = read(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		return n;
	}
}

static void io_error(char *err, size_t errlen, int rc)
{
	if (rc == -ETIMEDOUT)
		snprintf(err, errlen, "timed out waiting for the daemon");
	else
		snprintf(err, errlen, "reading from the daemon: %s", strerror(-rc));
}

/* Reads and parses the response head; the bytes after it stay in
 * in[*off..*len). */
static int read_head(int fd, struct tn_http1_head *h, char *in, size_t cap, size_t *off,
		     size_t *len, uint64_t deadline_ns, char *err, size_t errlen)
{
	tn_http1_head_init(h, TN_HTTP1_RESPONSE);
	for (;;) {
		ssize_t n = read_some(fd, in, cap, deadline_ns);
		if (n < 0) {
			io_error(err, errlen, (int)n);
			return (int)n;
		}
		if (n == 0) {
			snprintf(err, errlen, "the daemon closed the connection without an answer");
			return -EPIPE;
		}
		int rc = tn_http1_head_feed(h, in, (size_t)n);
		if (rc > 0) {
			*off = (size_t)rc;
			*len = (size_t)n;
			return 0;
		}
		if (rc < 0) {
			snprintf(err, errlen, "malformed response from the daemon: %s", h->error);
			return rc;
		}
	}
}

int tn_cli_localapi_read_response(int fd, uint64_t deadline_ns, struct tn_cli_response *r,
				  char *err, size_t errlen)
{
	struct tn_http1_head *h = malloc(sizeof(*h));
	char in[16384];
	size_t off, len;
	struct tn_http1_body body;
	struct tn_cli_buf out;
	int rc;

	memset(r, 0, sizeof(*r));
	tn_cli_buf_init(&out);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((rc = read_head(fd, h, in, sizeof(in), &off, &len, deadline_ns, err, errlen)) < 0)
		goto done;
	r->status = h->status;
	snprintf(r->reason, sizeof(r->reason), "%s", h->reason);
	rc = tn_http1_body_init(&body, tn_http1_body_kind(h, false), h->content_length,
				TN_CLI_BODY_MAX);
	if (rc < 0) {
		snprintf(err, errlen, "response from the daemon too big");
		goto done;
	}
	while (!tn_http1_body_done(&body)) {
		if (off == len) {
			ssize_t n = read_some(fd, in, sizeof(in), deadline_ns);
			if (n < 0) {
				rc = (int)n;
				io_error(err, errlen, rc);
				goto done;
			}
			if (n == 0) {
				if ((rc = tn_http1_body_eof(&body)) < 0) {
					snprintf(err, errlen, "response from the daemon cut short: %s",
						 body.error);
					goto done;
				}
				break;
			}
			off = 0;
			len = (size_t)n;
		}
		size_t used;
		const uint8_t *data;
		size_t dlen;
		rc = tn_http1_body_feed(&body, in + off, len - off, &used, &data, &dlen);
		if (rc < 0) {
			snprintf(err, errlen, "malformed response body from the daemon: %s", body.error);
			goto done;
		}
		tn_cli_buf_add(&out, data, dlen);
		off += used;
	}
	if ((rc = tn_cli_buf_done(&out)) < 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (!out.p)
		tn_cli_buf_add(&out, "", 0);
	r->body = out.p;
	r->body_len = out.len;
	out.p = NULL;
	rc = 0;
done:
	tn_cli_buf_free(&out);
	free(h);
	return rc;
}

static int send_request(int fd, const char *method, const char *target, const char *body,
			size_t body_len, bool has_body, uint64_t deadline_ns, char *err,
			size_t errlen)
{
	char cap[16], clen[24];
	struct tn_http1_header hdrs[4];
	size_t n = 0;
	char head[2048];

	snprintf(cap, sizeof(cap), "%d", TN_CAPABILITY_VERSION);
	hdrs[n++] = (struct tn_http1_header){ "Host", TN_CLI_LOCALAPI_HOST };
	hdrs[n++] = (struct tn_http1_header){ "Tailscale-Cap", cap };
	if (has_body) {
		snprintf(clen, sizeof(clen), "%zu", body_len);
		hdrs[n++] = (struct tn_http1_header){ "Content-Type", "application/json" };
		hdrs[n++] = (struct tn_http1_header){ "Content-Length", clen };
	} else if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		hdrs[n++] = (struct tn_http1_header){ "Content-Length", "0" };
	}
	int len = tn_http1_request_build(head, sizeof(head), method, target, hdrs, n);
	if (len < 0) {
		snprintf(err, errlen, "cannot build the request for %s", target);
		return len;
	}
	int rc = write_all(fd, head, (size_t)len, deadline_ns);
	if (rc == 0 && has_body)
		rc = write_all(fd, body, body_len, deadline_ns);
	if (rc < 0)
		snprintf(err, errlen, "writing to the daemon: %s", strerror(-rc));
	return rc;
}

/* The path without the query, for messages. */
static void path_of(const char *target, char *out, size_t len)
{
	size_t n = strcspn(target, "?");
	snprintf(out, len, "%.*s", (int)n, target);
}

int tn_cli_localapi_do(const char *socket_path, const char *method, const char *target,
		       const char *body, size_t body_len, uint64_t timeout_ns,
		       struct tn_cli_response *r, char *err, size_t errlen)
{
	uint64_t deadline = timeout_ns ? tn_clock_now() + timeout_ns : 0;
	char path[256];

	memset(r, 0, sizeof(*r));
	path_of(target, path, sizeof(path));
	int fd = tn_cli_localapi_connect(socket_path, path, err, errlen);
	if (fd < 0)
		return fd;
	int rc = send_request(fd, method, target, body, body_len, body != NULL, deadline, err,
			      errlen);
	if (rc == 0)
		rc = tn_cli_localapi_read_response(fd, deadline, r, err, errlen);
	close(fd);
	return rc;
}

void tn_cli_localapi_status_error(const struct tn_cli_response *r, char *err, size_t errlen)
{
	const char *body = r->body ? r->body : "";
	size_t len = r->body_len;
	char msg[TN_CLI_ERROR_MAX];
	json_t *j = tn_cli_json_parse(body, len, NULL, 0);
	const char *jerr = NULL;

	/* Go's errorJSON{Error string}: its decoder matches "Error" in any
	 * case; "error" is what the daemon's handlers write. */
	if (json_is_object(j)) {
		const char *key;
		json_t *v;
		json_object_foreach(j, key, v) {
			if (!strcasecmp(key, "error") && json_is_string(v) && *json_string_value(v))
				jerr = json_string_value(v);
		}
	}
	if (jerr) {
		snprintf(msg, sizeof(msg), "%s", jerr);
	} else {
		while (len && (body[len - 1] == '\n' || body[len - 1] == ' ' ||
			       body[len - 1] == '\r' || body[len - 1] == '\t'))
			len--;
		while (len && (*body == '\n' || *body == ' ' || *body == '\r' || *body == '\t'))
			body++, len--;
		if (r->status == 403 || r->status == 412)
			snprintf(msg, sizeof(msg), "%.*s", (int)len, body);
		else
			snprintf(msg, sizeof(msg), "%d %s: %.*s", r->status, r->reason, (int)len, body);
	}
	if (r->status == 403)
		snprintf(err, errlen, "Access denied: %s", msg);
	else if (r->status == 412)
		snprintf(err, errlen, "Preconditions failed: %s", msg);
	else
		snprintf(err, errlen, "%s", msg);
	json_decref(j);
}

int tn_cli_localapi_call(const char *socket_path, const char *method, const char *target,
			 const json_t *body, int want_status, uint64_t timeout_ns, json_t **out,
			 char *err, size_t errlen)
{
	struct tn_cli_response r;
	char *text = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (body && !(text = tn_cli_json_encode(body, NULL))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = tn_cli_localapi_do(socket_path, method, target, text, text ? strlen(text) : 0,
				timeout_ns, &r, err, errlen);
	/* Bodies may carry an auth key: wipe before freeing. */
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	if (rc < 0)
		return rc;
	if (r.status != want_status) {
		tn_cli_localapi_status_error(&r, err, errlen);
		rc = r.status == 403 ? -EACCES : -EPROTO;
	} else if (out) {
		char jerr[128];
		*out = tn_cli_json_parse(r.body, r.body_len, jerr, sizeof(jerr));
		if (!*out) {
			char path[256];
			path_of(target, path, sizeof(path));
			snprintf(err, errlen, "%s: %s", path, jerr);
			rc = -EBADMSG;
		}
	}
	tn_cli_response_free(&r);
	return rc;
}

int tn_cli_stream_start(struct tn_cli_stream *s, int fd, uint64_t deadline_ns, char *err,
			size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	rc = read_head(fd, &s->head, s->in, sizeof(s->in), &s->in_off, &s->in_len, deadline_ns,
		       err, errlen);
	if (rc < 0)
		return rc;
	if (s->head.status != 200) {
		/* The rest is an error body: read it for the message. */
		struct tn_cli_response r = { .status = s->head.status };
		struct tn_cli_buf b;
		tn_cli_buf_init(&b);
		tn_cli_buf_add(&b, s->in + s->in_off, s->in_len - s->in_off);
		snprintf(r.reason, sizeof(r.reason), "%s", s->head.reason);
		for (int i = 0; i < 16 && b.len < 4096; i++) {
			ssize_t n = read_some(fd, s->in, sizeof(s->in), deadline_ns);
			if (n <= 0)
				break;
			tn_cli_buf_add(&b, s->in, (size_t)n);
		}
		r.body = b.p;
		r.body_len = b.len;
		/* A chunked error body still carries its framing; Go's
		 * handlers answer errors with Content-Length, so this is only
		 * cosmetic for odd servers. */
		tn_cli_localapi_status_error(&r, err, errlen);
		tn_cli_buf_free(&b);
		return s->head.status == 403 ? -EACCES : -EPROTO;
	}
	rc = tn_http1_body_init(&s->body, tn_http1_body_kind(&s->head, false),
				s->head.content_length, UINT64_MAX);
	if (rc < 0) {
		snprintf(err, errlen, "malformed stream from the daemon");
		return rc;
	}
	return 0;
}

int tn_cli_stream_open(struct tn_cli_stream *s, const char *socket_path, const char *target,
		       uint64_t deadline_ns, char *err, size_t errlen)
{
	char path[256];
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	path_of(target, path, sizeof(path));
	int fd = tn_cli_localapi_connect(socket_path, path, err, errlen);
	if (fd < 0)
		return fd;
	rc = send_request(fd, "GET", target, NULL, 0, false, deadline_ns, err, errlen);
	if (rc == 0)
		rc = tn_cli_stream_start(s, fd, deadline_ns, err, errlen);
	if (rc < 0) {
		s->fd = fd;
		tn_cli_stream_close(s);
	}
	return rc;
}

/* Appends decoded body bytes to the pending line buffer, first dropping
 * the lines already returned. */
static int line_add(struct tn_cli_stream *s, const uint8_t *data, size_t len)
{
	if (s->line_start > 0) {
		memmove(s->line, s->line + s->line_start, s->line_len - s->line_start);
		s->line_len -= s->line_start;
		s->line_start = 0;
	}
	if (s->line_len + len > TN_CLI_NOTIFY_MAX)
		return -EMSGSIZE;
	if (s->line_len + len + 1 > s->line_cap) {
		size_t cap = s->line_cap ? s->line_cap : 4096;
		while (cap < s->line_len + len + 1)
			cap *= 2;
		char *p = realloc(s->line, cap);
		if (!p)
			return -ENOMEM;
		s->line = p;
		s->line_cap = cap;
	}
	memcpy(s->line + s->line_len, data, len);
	s->line_len += len;
	return 0;
}

int tn_cli_stream_next(struct tn_cli_stream *s, uint64_t deadline_ns, const char **line,
		       size_t *len, char *err, size_t errlen)
{
	for (;;) {
		/* A complete line waiting? */
		if (s->line_start < s->line_len) {
			char *start = s->line + s->line_start;
			char *nl = memchr(start, '\n', s->line_len - s->line_start);
			if (nl) {
				*nl = '\0';
				*line = start;
				*len = (size_t)(nl - start);
				s->line_start = (size_t)(nl - s->line) + 1;
				return 1;
			}
			if (s->body_done) {
				/* A last value without its newline. */
				s->line[s->line_len] = '\0';
				*line = start;
				*len = s->line_len - s->line_start;
				s->line_start = s->line_len;
				return 1;
			}
		}
		if (s->body_done)
			return 0;
		if (s->in_off == s->in_len) {
			ssize_t n = read_some(s->fd, s->in, sizeof(s->in), deadline_ns);
			if (n < 0) {
				if (n != -ETIMEDOUT)
					io_error(err, errlen, (int)n);
				else
					snprintf(err, errlen, "timed out");
				return (int)n;
			}
			if (n == 0) {
				if (tn_http1_body_eof(&s->body) < 0) {
					snprintf(err, errlen, "the daemon closed the stream: %s",
						 s->body.error);
					return -EPIPE;
				}
				s->body_done = true;
				continue;
			}
			s->in_off = 0;
			s->in_len = (size_t)n;
		}
		size_t used, dlen;
		const uint8_t *data;
		int rc = tn_http1_body_feed(&s->body, s->in + s->in_off, s->in_len - s->in_off, &used,
					    &data, &dlen);
		if (rc < 0) {
			snprintf(err, errlen, "malformed stream from the daemon: %s", s->body.error);
			return rc;
		}
		s->in_off += used;
		if (dlen && (rc = line_add(s, data, dlen)) < 0) {
			snprintf(err, errlen, rc == -EMSGSIZE ? "notification from the daemon too big"
							      : "out of memory");
			return rc;
		}
		if (tn_http1_body_done(&s->body))
			s->body_done = true;
	}
}

void tn_cli_stream_close(struct tn_cli_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->line);
	s->line = NULL;
	s->fd = -1;
}

#include "localapi/server.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/http1.h"
#include "util/log.h"

#define NAME_MAX_LEN 256

enum conn_state {
	READING,     /* the request is arriving */
	HANDLING,    /* a handler has it and answers later */
	STREAMING,   /* a chunked body is being sent */
	FLUSHING,    /* answered: the rest of the output, then close */
};

struct conn {
	struct tn_localapi *api;
	struct conn *next, *prev;
	int fd;
	enum conn_state state;
	bool dispatching;   /* inside the handler: closing waits */
	bool dead;          /* close as soon as possible */
	struct tn_timer *timer;
	struct tn_http1_head head;
	bool head_done;
	struct tn_http1_body body;
	char *body_buf;
	size_t body_len, body_cap;
	char name[NAME_MAX_LEN];
	char *query;
	char *out;
	size_t out_len, out_off, out_cap;
	struct tn_localapi_req req;
};

struct tn_localapi {
	struct tn_loop *loop;
	struct tn_localapi_options o;
	char *socket_path;
	int fd;
	struct conn *conns;
};

static struct conn *conn_of(struct tn_localapi_req *req)
{
	return (struct conn *)((char *)req - offsetof(struct conn, req));
}

static void conn_free(struct conn *c)
{
	if (c->state == HANDLING || c->state == STREAMING) {
		if (c->req.on_gone) {
			void (*gone)(struct tn_localapi_req *) = c->req.on_gone;

			c->req.on_gone = NULL;
			gone(&c->req);
		}
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		c->api->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	tn_loop_del_fd(c->api->loop, c->fd);
	close(c->fd);
	tn_timer_free(c->timer);
	free(c->body_buf);
	free(c->query);
	free(c->out);
	free(c);
}

/* Closes c now, or once the handler that is running returns. */
static void conn_close(struct conn *c)
{
	c->dead = true;
	if (!c->dispatching)
		conn_free(c);
}

/* Writes what is queued; closes when a finished answer is out.  Returns
 * false if c was freed. */
static bool conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			tn_loop_mod_fd(c->api->loop, c->fd, TN_EV_READ | TN_EV_WRITE);
			return true;
		}
		if (n <= 0) {
			bool kept = c->dispatching; /* conn_close may free c */

			conn_close(c);
			return kept;
		}
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	tn_loop_mod_fd(c->api->loop, c->fd, TN_EV_READ);
	if (c->state == FLUSHING) {
		bool kept = c->dispatching; /* conn_close may free c */

		conn_close(c);
		return kept;
	}
	return true;
}

static int out_append(struct conn *c, const void *data, size_t len)
{
	if (c->out_len - c->out_off + len > TN_LOCALAPI_STREAM_BACKLOG_MAX + 65536)
		return -ENOBUFS;
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *n;

		while (cap < c->out_len + len)
			cap *= 2;
		if (!(n = realloc(c->out, cap)))
			return -ENOMEM;
		c->out = n;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

/* Queues the response head with tailscaled's headers. */
static int write_head(struct conn *c, int status, const char *content_type, const char *length,
		      bool chunked)
{
	struct tn_localapi *api = c->api;
	char cap[16], head[2048];
	struct tn_http1_header h[10];
	size_t n = 0;
	int len;

	snprintf(cap, sizeof(cap), "%d", api->o.capability_version);
	h[n++] = (struct tn_http1_header){ "Tailscale-Version", api->o.version };
	h[n++] = (struct tn_http1_header){ "Tailscale-Cap", cap };
	h[n++] = (struct tn_http1_header){ "Content-Security-Policy",
					   "default-src 'none'; frame-ancestors 'none'; "
					   "script-src 'none'; script-src-elem 'none'; "
					   "script-src-attr 'none'" };
	h[n++] = (struct tn_http1_header){ "X-Frame-Options", "DENY" };
	h[n++] = (struct tn_http1_header){ "X-Content-Type-Options", "nosniff" };
	h[n++] = (struct tn_http1_header){ "Connection", "close" };
	if (content_type)
		h[n++] = (struct tn_http1_header){ "Content-Type", content_type };
	if (chunked)
		h[n++] = (struct tn_http1_header){ "Transfer-Encoding", "chunked" };
	else
		h[n++] = (struct tn_http1_header){ "Content-Length", length };
	len = tn_http1_response_build(head, sizeof(head), status, NULL, h, n);
	if (len < 0)
		return len;
	return out_append(c, head, (size_t)len);
}

void tn_localapi_reply(struct tn_localapi_req *req, int status, const char *content_type,
		       const void *body, size_t len)
{
	struct conn *c = conn_of(req);
	char length[24];

	if (c->state != HANDLING && c->state != READING)
		return;
	c->req.on_gone = NULL;
	c->state = FLUSHING;
	snprintf(length, sizeof(length), "%zu", body ? len : 0);
	if (write_head(c, status, body && len ? content_type : NULL, length, false) < 0 ||
	    (body && len && out_append(c, body, len) < 0)) {
		conn_close(c);
		return;
	}
	conn_flush(c);
}

void tn_localapi_reply_json(struct tn_localapi_req *req, int status, json_t *json)
{
	char *text = json ? json_dumps(json, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
						  JSON_ENCODE_ANY) : NULL;

	json_decref(json);
	if (!text) {
		tn_localapi_reply_error(req, 500, "out of memory");
		return;
	}
	/* Go's json.Encoder ends with a newline. */
	{
		size_t n = strlen(text);
		char *t = realloc(text, n + 2);

		if (t) {
			text = t;
			text[n] = '\n';
			text[n + 1] = 0;
		}
	}
	tn_localapi_reply(req, status, "application/json", text, strlen(text));
	free(text);
}

void tn_localapi_reply_error(struct tn_localapi_req *req, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(msg) - 2)
		n = (int)sizeof(msg) - 2;
	msg[n++] = '\n';
	msg[n] = 0;
	tn_localapi_reply(req, status, "text/plain; charset=utf-8", msg, (size_t)n);
}

int tn_localapi_stream_begin(struct tn_localapi_req *req, const char *content_type)
{
	struct conn *c = conn_of(req);
	int r;

	if (c->state != HANDLING && c->state != READING)
		return -EINVAL;
	c->state = STREAMING;
	if ((r = write_head(c, 200, content_type, NULL, true)) < 0)
		return r;
	conn_flush(c);
	return 0;
}

int tn_localapi_stream_write(struct tn_localapi_req *req, const void *data, size_t len)
{
	struct conn *c = conn_of(req);
	char hdr[TN_HTTP1_CHUNK_HEADER_MAX];
	int n;

	if (c->state != STREAMING || c->dead)
		return -EPIPE;
	if (!len)
		return 0;
	n = tn_http1_chunk_header(hdr, sizeof(hdr), len);
	if (n < 0 || out_append(c, hdr, (size_t)n) < 0 || out_append(c, data, len) < 0 ||
	    out_append(c, TN_HTTP1_CHUNK_END, 2) < 0) {
		/* Too far behind: drop the watcher from the loop, not from
		 * inside whoever is writing to it. */
		c->dead = true;
		tn_timer_arm(c->timer, 0, 0);
		return -ENOBUFS;
	}
	if (c->out_len - c->out_off == (size_t)n + len + 2)
		conn_flush(c);
	return 0;
}

void tn_localapi_stream_end(struct tn_localapi_req *req)
{
	struct conn *c = conn_of(req);

	if (c->state != STREAMING)
		return;
	c->req.on_gone = NULL;
	c->state = FLUSHING;
	if (out_append(c, TN_HTTP1_LAST_CHUNK, strlen(TN_HTTP1_LAST_CHUNK)) < 0) {
		conn_close(c);
		return;
	}
	conn_flush(c);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

bool tn_localapi_query(const struct tn_localapi_req *req, const char *name, char *out,
		       size_t outlen)
{
	size_t nl = strlen(name);

	for (const char *p = req->query; p && *p;) {
		const char *end = strchr(p, '&');
		size_t seg = end ? (size_t)(end - p) : strlen(p);

		if (seg >= nl && !strncmp(p, name, nl) && (seg == nl || p[nl] == '=')) {
			const char *v = seg == nl ? p + nl : p + nl + 1;
			size_t o = 0;

			for (; v < p + seg && o + 1 < outlen; v++) {
				if (*v == '+') {
					out[o++] = ' ';
				} else if (*v == '%' && v + 2 < p + seg + 1 && hexval(v[1]) >= 0 &&
					   hexval(v[2]) >= 0) {
					out[o++] = (char)(hexval(v[1]) * 16 + hexval(v[2]));
					v += 2;
				} else {
					out[o++] = *v;
				}
			}
			out[o] = 0;
			return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

static bool method_allowed(const char *methods, const char *m)
{
	size_t ml = strlen(m);

	if (!methods)
		return true;
	for (const char *p = methods; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == ml && !strncmp(p, m, n))
			return true;
		p = end ? end + 1 : p + n;
	}
	return false;
}

static const struct tn_localapi_route *route_for(struct tn_localapi *api, const char *name)
{
	const struct tn_localapi_route *prefix = NULL;

	for (size_t i = 0; i < api->o.n_routes; i++) {
		const struct tn_localapi_route *r = &api->o.routes[i];
		size_t n = strlen(r->name);

		if (!strcmp(r->name, name))
			return r;
		if (n && r->name[n - 1] == '/' && !strncmp(r->name, name, n))
			prefix = r;
	}
	return prefix;
}

/* The request is complete: check it and hand it to its handler. */
static void dispatch(struct conn *c)
{
	struct tn_localapi *api = c->api;
	struct tn_http1_head *h = &c->head;
	const char *host = tn_http1_header(h, "Host");
	const struct tn_localapi_route *r;

	tn_timer_cancel(c->timer);
	c->state = HANDLING;
	c->req.method = h->method;
	c->req.body = c->body_buf ? c->body_buf : "";
	c->req.body_len = c->body_len;
	if (tn_http1_header(h, "Origin") || tn_http1_header(h, "Referer")) {
		tn_localapi_reply_error(&c->req, 403, "invalid localapi request");
	} else if (host && *host && strcmp(host, TN_LOCALAPI_HOST)) {
		tn_localapi_reply_error(&c->req, 403, "invalid localapi Host header");
	} else if (h->path_len == 1 && h->target[0] == '/') {
		tn_localapi_reply(&c->req, 200, "text/plain; charset=utf-8", "tailscaled\n", 11);
	} else if (h->path_len <= strlen(TN_LOCALAPI_PREFIX) ||
		   strncmp(h->target, TN_LOCALAPI_PREFIX, strlen(TN_LOCALAPI_PREFIX)) ||
		   h->path_len - strlen(TN_LOCALAPI_PREFIX) >= sizeof(c->name)) {
		tn_localapi_reply_error(&c->req, 404, "404 page not found");
	} else {
		size_t pl = strlen(TN_LOCALAPI_PREFIX);

		memcpy(c->name, h->target + pl, h->path_len - pl);
		c->name[h->path_len - pl] = 0;
		c->req.name = c->name;
		if (!(r = route_for(api, c->name)))
			tn_localapi_reply_error(&c->req, 404, "404 page not found");
		else if (!method_allowed(r->methods, h->method))
			tn_localapi_reply_error(&c->req, 405, "want %s", r->methods);
		else if (r->write && !c->req.can_write)
			tn_localapi_reply_error(&c->req, 403, "%s access denied", c->name);
		else
			r->fn(api->o.ctx, &c->req);
	}
}

static int body_append(struct conn *c, const uint8_t *d, size_t n)
{
	if (c->body_len + n + 1 > c->body_cap) {
		size_t cap = c->body_cap ? c->body_cap : 1024;
		char *b;

		while (cap < c->body_len + n + 1)
			cap *= 2;
		if (!(b = realloc(c->body_buf, cap)))
			return -ENOMEM;
		c->body_buf = b;
		c->body_cap = cap;
	}
	memcpy(c->body_buf + c->body_len, d, n);
	c->body_len += n;
	c->body_buf[c->body_len] = 0;
	return 0;
}

/* Feeds bytes of the request (c->dispatching is set: nothing frees c). */
static void feed(struct conn *c, const uint8_t *p, size_t n)
{
	if (!c->head_done) {
		int r = tn_http1_head_feed(&c->head, p, n);

		if (r == 0)
			return;
		if (r < 0) {
			tn_log_debug("localapi", "bad request: %s", c->head.error);
			tn_localapi_reply_error(&c->req, c->head.error_status ? c->head.error_status : 400,
						"%s", c->head.error);
			return;
		}
		c->head_done = true;
		c->query = strdup(c->head.query ? c->head.query : "");
		c->req.query = c->query ? c->query : "";
		tn_http1_body_init(&c->body, tn_http1_body_kind(&c->head, false),
				   c->head.content_length, TN_LOCALAPI_BODY_MAX);
		p += r;
		n -= (size_t)r;
		if (c->body.kind == TN_HTTP1_BODY_NONE ||
		    (c->body.kind == TN_HTTP1_BODY_LENGTH && c->head.content_length == 0)) {
			dispatch(c);
			return;
		}
		if (c->head.has_content_length && c->head.content_length > TN_LOCALAPI_BODY_MAX) {
			tn_localapi_reply_error(&c->req, 413, "request body too large");
			return;
		}
	}
	while (n) {
		size_t used = 0, dl = 0;
		const uint8_t *d = NULL;
		int r = tn_http1_body_feed(&c->body, p, n, &used, &d, &dl);

		if (r < 0) {
			tn_localapi_reply_error(&c->req, r == -EMSGSIZE ? 413 : 400,
						"%s", c->body.error);
			return;
		}
		if (dl && body_append(c, d, dl) < 0) {
			conn_close(c);
			return;
		}
		p += used;
		n -= used;
		if (r == 1) {
			dispatch(c);
			return;
		}
	}
}

static void conn_event(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct conn *c = arg;
	uint8_t buf[16384];

	if (events & TN_EV_WRITE) {
		if (!conn_flush(c))
			return;
	}
	if (!(events & (TN_EV_READ | TN_EV_HUP | TN_EV_ERROR)))
		return;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* The client left: a pending answer or stream ends. */
			conn_free(c);
			return;
		}
		if (c->state != READING)
			continue; /* nothing more is expected: ignore */
		c->dispatching = true;
		feed(c, buf, (size_t)n);
		c->dispatching = false;
		if (c->dead) {
			conn_free(c);
			return;
		}
	}
}

static void request_timeout(struct tn_timer *t, void *arg)
{
	struct conn *c = arg;

	if (c->dead || c->state != READING) {
		conn_free(c);
		return;
	}
	tn_localapi_reply_error(&c->req, 408, "request timeout");
}

static void accept_event(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_localapi *api = arg;

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ucred cred;
		socklen_t cl = sizeof(cred);
		struct conn *c;

		if (cfd < 0)
			return;
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
		    !(c = calloc(1, sizeof(*c)))) {
			close(cfd);
			continue;
		}
		c->api = api;
		c->fd = cfd;
		c->state = READING;
		c->req.uid = cred.uid;
		c->req.pid = cred.pid;
		c->req.can_write = cred.uid == 0 || cred.uid == geteuid() ||
				   (api->o.can_write && api->o.can_write(api->o.ctx, cred.uid));
		c->req.query = "";
		c->req.name = "";
		tn_http1_head_init(&c->head, TN_HTTP1_REQUEST);
		if (!(c->timer = tn_timer_new(loop, request_timeout, c)) ||
		    tn_loop_add_fd(loop, cfd, TN_EV_READ, conn_event, c) < 0) {
			tn_timer_free(c->timer);
			close(cfd);
			free(c);
			continue;
		}
		tn_timer_arm(c->timer, TN_LOCALAPI_REQUEST_TIMEOUT_NS, 0);
		c->next = api->conns;
		if (api->conns)
			api->conns->prev = c;
		api->conns = c;
	}
}

/* A socket file left behind by a daemon that died may be replaced; one a
 * live daemon answers on may not. */
static int claim_path(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (lstat(sa->sun_path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		close(fd);
		snprintf(err, errlen, "%s: another daemon is listening there", sa->sun_path);
		return -EADDRINUSE;
	}
	if (fd >= 0)
		close(fd);
	unlink(sa->sun_path);
	return 0;
}

struct tn_localapi *tn_localapi_new(struct tn_loop *loop, const struct tn_localapi_options *o,
				    char *err, size_t errlen)
{
	struct tn_localapi *api = calloc(1, sizeof(*api));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!api || !(api->socket_path = strdup(o->socket_path))) {
		snprintf(err, errlen, "out of memory");
		free(api);
		return NULL;
	}
	api->loop = loop;
	api->o = *o;
	api->fd = -1;
	if (strlen(o->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is longer than %zu bytes", o->socket_path,
			 sizeof(sa.sun_path) - 1);
		goto fail;
	}
	strcpy(sa.sun_path, o->socket_path);
	if (claim_path(&sa, err, errlen) < 0)
		goto fail;
	api->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (api->fd < 0 || bind(api->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(sa.sun_path, 0666) < 0 || listen(api->fd, 64) < 0 ||
	    tn_loop_add_fd(loop, api->fd, TN_EV_READ, accept_event, api) < 0) {
		snprintf(err, errlen, "LocalAPI socket %s: %s", o->socket_path, strerror(errno));
		goto fail;
	}
	return api;
fail:
	if (api->fd >= 0)
		close(api->fd);
	free(api->socket_path);
	free(api);
	return NULL;
}

void tn_localapi_free(struct tn_localapi *api)
{
	if (!api)
		return;
	while (api->conns)
		conn_free(api->conns);
	tn_loop_del_fd(api->loop, api->fd);
	close(api->fd);
	unlink(api->socket_path);
	free(api->socket_path);
	free(api);
}

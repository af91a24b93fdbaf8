/* TCP and TLS client streams on the event loop.
 *
 * States: START (dial returned; a zero-delay timer starts the work so no
 * event fires inside tn_conn_dial) -> RESOLVING -> CONNECTING (one address
 * at a time) -> HANDSHAKE (TLS only) -> OPEN -> DONE.  DONE is entered once,
 * by fail() or by the end of the stream; it closes the socket at once and
 * leaves the CLOSED/ERROR event to the same zero-delay "defer" timer, so
 * that event never runs inside a caller's tn_conn_read/tn_conn_write.
 *
 * Every event goes through emit(), which counts callback depth: a
 * tn_conn_close from inside a callback only marks the connection, and emit
 * frees it when the callback returns and tells its caller to stop touching
 * it.  Code after an emit() therefore always checks its result first.
 */
#include "net/conn.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event/loop.h"
#include "net/resolve.h"
#include "util/clock.h"
#include "util/log.h"

enum state {
	ST_START,
	ST_RESOLVING,
	ST_CONNECTING,
	ST_HANDSHAKE,
	ST_OPEN,
	ST_DONE,
};

struct tn_conn {
	struct tn_loop *loop;
	tn_conn_cb cb;
	void *arg;
	char *host;               /* without brackets */
	uint16_t port;
	enum state state;
	uint64_t timeout_ns;
	uint64_t deadline;        /* UINT64_MAX: none */
	struct tn_timer *timer;   /* deadline of the dial / of one attempt */
	struct tn_timer *defer;   /* zero-delay work: start, events */
	struct tn_resolve *res;

	struct sockaddr_storage *addrs;
	size_t naddrs, next;      /* next address to try */
	int fd;
	unsigned interest;        /* registered with the loop, if fd >= 0 */
	struct tn_tls *tls;
	unsigned tls_want;        /* handshake waits for this */

	uint8_t *out;             /* pending output is out[off..len) */
	size_t out_off, out_len, out_cap;
	unsigned write_want;      /* flush waits for this (0: not tried) */
	unsigned read_want;       /* a TLS read waits for TN_EV_WRITE */
	uint8_t *back;            /* tn_conn_unread bytes, read first */
	size_t back_len;

	enum tn_conn_event final_ev;
	bool final_pending;
	int depth;                /* callbacks running */
	bool closed;

	int err;
	int first_err;            /* of the failed addresses */
	char msg[384];
	char first_msg[384];
	char peer[INET6_ADDRSTRLEN + 16];
};

static void attempt(struct tn_conn *c);

/* "Connection refused" -> "connection refused". */
static const char *errtext(char *buf, size_t len, int err)
{
	snprintf(buf, len, "%s", strerror(err < 0 ? -err : err));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

static void format_peer(struct tn_conn *c, const struct sockaddr_storage *ss)
{
	char ip[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(c->peer, sizeof(c->peer), "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(c->peer, sizeof(c->peer), "%s:%u", ip, ntohs(in->sin_port));
	}
}

static size_t pending(const struct tn_conn *c)
{
	return c->out_len - c->out_off;
}

static bool buffered_input(const struct tn_conn *c)
{
	return c->back_len || (c->tls && c->state == ST_OPEN && tn_tls_pending(c->tls));
}

static void destroy(struct tn_conn *c);

/* Returns true if the connection is gone (closed by the callback): the
 * caller must return without touching c. */
static bool emit(struct tn_conn *c, enum tn_conn_event ev)
{
	c->depth++;
	c->cb(c, ev, c->arg);
	c->depth--;
	if (!c->closed)
		return false;
	if (c->depth == 0)
		destroy(c);
	return true;
}

static void close_socket(struct tn_conn *c)
{
	if (c->fd < 0)
		return;
	tn_loop_del_fd(c->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->interest = 0;
}

static void set_interest(struct tn_conn *c, unsigned want)
{
	if (c->fd >= 0 && want != c->interest && tn_loop_mod_fd(c->loop, c->fd, want) == 0)
		c->interest = want;
}

static void update_interest(struct tn_conn *c)
{
	unsigned want = 0;

	switch (c->state) {
	case ST_CONNECTING:
		want = TN_EV_WRITE;
		break;
	case ST_HANDSHAKE:
		want = c->tls_want;
		break;
	case ST_OPEN:
		want = TN_EV_READ;
		if (pending(c))
			want |= c->write_want == TN_EV_READ ? TN_EV_READ : TN_EV_WRITE;
		if (c->read_want == TN_EV_WRITE)
			want |= TN_EV_WRITE;
		break;
	default:
		return;
	}
	set_interest(c, want);
}

/* Enter DONE: stop all I/O now, deliver ev later from the loop. */
static void finish(struct tn_conn *c, enum tn_conn_event ev)
{
	if (c->state == ST_DONE)
		return;
	c->state = ST_DONE;
	close_socket(c);
	tn_resolve_cancel(c->res);
	c->res = NULL;
	tn_timer_cancel(c->timer);
	c->out_off = c->out_len = 0;
	c->final_ev = ev;
	c->final_pending = true;
	tn_timer_arm(c->defer, 0, 0);
}

static void fail(struct tn_conn *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct tn_conn *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->state == ST_DONE)
		return;
	c->err = err;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	finish(c, TN_CONN_ERROR);
}

static void peer_closed(struct tn_conn *c)
{
	if (c->state == ST_DONE)
		return;
	snprintf(c->msg, sizeof(c->msg), "connection closed by peer");
	finish(c, TN_CONN_CLOSED);
}

/* One address failed; the first failure is the one reported. */
static void attempt_failed(struct tn_conn *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void attempt_failed(struct tn_conn *c, int err, const char *fmt, ...)
{
	char msg[sizeof(c->first_msg)];
	va_list ap;

	close_socket(c);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Only the first failure reaches the caller; the others are here. */
	tn_log_debug("conn", "%s (address %zu of %zu)", msg, c->next, c->naddrs);
	if (c->first_err)
		return;
	c->first_err = err;
	memcpy(c->first_msg, msg, sizeof(msg));
}

static void open_stream(struct tn_conn *c)
{
	c->state = ST_OPEN;
	tn_timer_cancel(c->timer);
	update_interest(c);
	if (emit(c, TN_CONN_CONNECTED))
		return;
	if (c->state == ST_OPEN && buffered_input(c))
		tn_timer_arm(c->defer, 0, 0);
}

static void handshake_step(struct tn_conn *c)
{
	unsigned want = 0;
	int r = tn_tls_handshake(c->tls, &want);

	if (r == 1) {
		open_stream(c);
		return;
	}
	if (r == 0) {
		c->tls_want = want;
		update_interest(c);
		return;
	}
	fail(c, r, "%s", tn_tls_error(c->tls));
}

static void tcp_connected(struct tn_conn *c)
{
	if (!c->tls) {
		open_stream(c);
		return;
	}
	c->state = ST_HANDSHAKE;
	/* The handshake gets whatever is left of the whole budget. */
	if (c->deadline != UINT64_MAX) {
		uint64_t now = tn_clock_now();

		tn_timer_arm(c->timer, c->deadline > now ? c->deadline - now : 0, 0);
	}
	tn_tls_set_fd(c->tls, c->fd);
	handshake_step(c);
}

static void fd_cb(struct tn_loop *loop, int fd, unsigned events, void *arg);

static void set_sockopts(int fd)
{
	int one = 1, idle = TN_CONN_KEEPALIVE_S;

	/* Best effort: a socket without them still works. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof(idle));
}

/* Deadline of the next attempt: an equal share of the time left. */
static void arm_attempt_timer(struct tn_conn *c)
{
	uint64_t now = tn_clock_now(), left, share;
	size_t remaining = c->naddrs - c->next + 1;  /* this one included */

	if (c->deadline == UINT64_MAX)
		return;
	left = c->deadline > now ? c->deadline - now : 0;
	share = left / remaining;
	if (share < TN_CONN_MIN_ATTEMPT_NS)
		share = left < TN_CONN_MIN_ATTEMPT_NS ? left : TN_CONN_MIN_ATTEMPT_NS;
	tn_timer_arm(c->timer, share, 0);
}

/* Try the next address; fail with the first error when none is left. */
static void attempt(struct tn_conn *c)
{
	char why[96];

	while (c->next < c->naddrs) {
		const struct sockaddr_storage *ss = &c->addrs[c->next++];
		socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							  : sizeof(struct sockaddr_in);
		int fd, r;

		format_peer(c, ss);
		fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			attempt_failed(c, -errno, "connect %s: %s", c->peer,
				       errtext(why, sizeof(why), errno));
			continue;
		}
		set_sockopts(fd);
		c->fd = fd;
		r = connect(fd, (const struct sockaddr *)ss, len);
		if (r < 0 && errno != EINPROGRESS) {
			attempt_failed(c, -errno, "connect %s: %s", c->peer,
				       errtext(why, sizeof(why), errno));
			continue;
		}
		r = tn_loop_add_fd(c->loop, fd, TN_EV_WRITE, fd_cb, c);
		if (r < 0) {
			attempt_failed(c, r, "connect %s: watching the socket: %s",
				       c->peer, errtext(why, sizeof(why), r));
			continue;
		}
		c->interest = TN_EV_WRITE;
		c->state = ST_CONNECTING;
		arm_attempt_timer(c);
		/* Even an immediate connect is reported through the loop: the
		 * socket is writable at once. */
		return;
	}
	if (!c->first_err)
		attempt_failed(c, -EHOSTUNREACH, "connect %s:%u: no addresses",
			       c->host, c->port);
	fail(c, c->first_err, "%s", c->first_msg);
}

static void resolved_cb(const struct tn_resolve_result *res, void *arg)
{
	struct tn_conn *c = arg;

	c->res = NULL;             /* frees itself after this returns */
	if (res->err) {
		fail(c, res->err, "%s", res->error);
		return;
	}
	c->addrs = calloc(res->count, sizeof(*c->addrs));
	if (!c->addrs) {
		fail(c, -ENOMEM, "resolving %s: out of memory", c->host);
		return;
	}
	memcpy(c->addrs, res->addrs, res->count * sizeof(*c->addrs));
	c->naddrs = res->count;
	attempt(c);
}

static void begin(struct tn_conn *c)
{
	int r;

	if (c->state == ST_DONE)
		return;
	if (c->naddrs) {           /* an IP literal */
		attempt(c);
		return;
	}
	c->state = ST_RESOLVING;
	r = tn_resolve_start(c->loop, c->host, c->port, resolved_cb, c, &c->res);
	if (r < 0) {
		char why[96];

		fail(c, r, "resolving %s: %s", c->host, errtext(why, sizeof(why), r));
	}
}

/* Raw stream I/O: >0, 0 (end, reads only), -EAGAIN with *want, or a
 * negative errno with c->msg set. */
static ssize_t stream_write(struct tn_conn *c, const void *buf, size_t len,
			    unsigned *want)
{
	char why[96];
	ssize_t n;

	if (c->tls) {
		n = tn_tls_write(c->tls, buf, len, want);
		if (n < 0 && n != -EAGAIN)
			snprintf(c->msg, sizeof(c->msg), "%s", tn_tls_error(c->tls));
		return n;
	}
	n = send(c->fd, buf, len, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		*want = TN_EV_WRITE;
		return -EAGAIN;
	}
	n = -errno;
	snprintf(c->msg, sizeof(c->msg), "write to %s: %s", c->peer,
		 errtext(why, sizeof(why), (int)n));
	return n;
}

static ssize_t stream_read(struct tn_conn *c, void *buf, size_t len,
			   unsigned *want)
{
	char why[96];
	ssize_t n;

	if (c->tls) {
		n = tn_tls_read(c->tls, buf, len, want);
		if (n < 0 && n != -EAGAIN)
			snprintf(c->msg, sizeof(c->msg), "%s", tn_tls_error(c->tls));
		return n;
	}
	n = recv(c->fd, buf, len, 0);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		*want = TN_EV_READ;
		return -EAGAIN;
	}
	n = -errno;
	snprintf(c->msg, sizeof(c->msg), "read from %s: %s", c->peer,
		 errtext(why, sizeof(why), (int)n));
	return n;
}

/* Send buffered output.  Negative errno if the stream failed (now DONE). */
static int flush(struct tn_conn *c)
{
	while (pending(c)) {
		unsigned want = 0;
		ssize_t n = stream_write(c, c->out + c->out_off, pending(c), &want);

		if (n == -EAGAIN) {
			c->write_want = want;
			return 0;
		}
		if (n <= 0) {
			c->err = n ? (int)n : -EPIPE;
			finish(c, TN_CONN_ERROR);
			return c->err;
		}
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	c->write_want = 0;
	return 0;
}

static void fd_connecting(struct tn_conn *c, unsigned events)
{
	char why[96];
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr == 0 && (events & (TN_EV_ERROR | TN_EV_HUP)) && !(events & TN_EV_WRITE))
		soerr = ECONNRESET;
	if (soerr == 0) {
		tcp_connected(c);
		return;
	}
	attempt_failed(c, -soerr, "connect %s: %s", c->peer,
		       errtext(why, sizeof(why), soerr));
	attempt(c);
}

static void fd_open(struct tn_conn *c, unsigned events)
{
	bool rd = events & (TN_EV_READ | TN_EV_HUP | TN_EV_ERROR);
	bool wr = events & TN_EV_WRITE;
	bool drained = false;

	if (pending(c) && (c->write_want == TN_EV_READ ? rd : wr)) {
		if (flush(c) < 0)
			return;
		drained = !pending(c);
	}
	if (rd || (wr && c->read_want == TN_EV_WRITE)) {
		c->read_want = 0;
		if (emit(c, TN_CONN_READABLE))
			return;
		if (c->state != ST_OPEN)
			return;
		if (buffered_input(c))          /* level-triggered, like epoll */
			tn_timer_arm(c->defer, 0, 0);
	}
	if (drained) {
		if (emit(c, TN_CONN_WRITABLE))
			return;
		if (c->state != ST_OPEN)
			return;
	}
	update_interest(c);
}

static void fd_cb(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_conn *c = arg;

	(void)loop;
	(void)fd;
	switch (c->state) {
	case ST_CONNECTING:
		fd_connecting(c, events);
		break;
	case ST_HANDSHAKE:
		handshake_step(c);
		break;
	case ST_OPEN:
		fd_open(c, events);
		break;
	default:
		break;
	}
}

static void defer_cb(struct tn_timer *t, void *arg)
{
	struct tn_conn *c = arg;

	(void)t;
	switch (c->state) {
	case ST_START:
		begin(c);
		break;
	case ST_DONE:
		if (c->final_pending) {
			c->final_pending = false;
			emit(c, c->final_ev);
		}
		break;
	case ST_OPEN:
		if (!buffered_input(c))
			break;
		if (emit(c, TN_CONN_READABLE))
			return;
		if (c->state != ST_OPEN)
			break;
		update_interest(c);
		if (buffered_input(c))
			tn_timer_arm(c->defer, 0, 0);
		break;
	default:
		break;
	}
}

static void timer_cb(struct tn_timer *t, void *arg)
{
	struct tn_conn *c = arg;
	char secs[32];

	(void)t;
	if (c->state == ST_CONNECTING && c->next < c->naddrs &&
	    tn_clock_now() < c->deadline) {
		attempt_failed(c, -ETIMEDOUT, "connect %s: timed out", c->peer);
		attempt(c);
		return;
	}
	snprintf(secs, sizeof(secs), "%.3g s", (double)c->timeout_ns / 1e9);
	switch (c->state) {
	case ST_START:
	case ST_RESOLVING:
		fail(c, -ETIMEDOUT, "resolving %s: timed out after %s", c->host, secs);
		break;
	case ST_CONNECTING:
		fail(c, -ETIMEDOUT, "connect %s: timed out after %s", c->peer, secs);
		break;
	case ST_HANDSHAKE:
		fail(c, -ETIMEDOUT, "TLS handshake with %s: timed out after %s",
		     c->peer, secs);
		break;
	default:
		break;
	}
}

/* An IP literal becomes the only address: no DNS. */
static int parse_literal(struct tn_conn *c)
{
	struct sockaddr_storage ss;

	if (tn_resolve_numeric(c->host, c->port, &ss) < 0)
		return 0;
	c->addrs = malloc(sizeof(*c->addrs));
	if (!c->addrs)
		return -ENOMEM;
	c->addrs[0] = ss;
	c->naddrs = 1;
	return 0;
}

int tn_conn_dial(struct tn_loop *loop, const char *host, uint16_t port,
		 const struct tn_tls_opts *tls, uint64_t timeout_ns,
		 tn_conn_cb cb, void *arg, struct tn_conn **out)
{
	struct tn_conn *c;
	size_t hlen;
	int r = -ENOMEM;

	if (!loop || !host || !*host || !port || !cb || !out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->cb = cb;
	c->arg = arg;
	c->port = port;
	c->fd = -1;
	c->timeout_ns = timeout_ns;
	c->deadline = UINT64_MAX;
	hlen = strlen(host);
	if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']')
		c->host = strndup(host + 1, hlen - 2);
	else
		c->host = strdup(host);
	c->timer = tn_timer_new(loop, timer_cb, c);
	c->defer = tn_timer_new(loop, defer_cb, c);
	if (!c->host || !c->timer || !c->defer || parse_literal(c) < 0)
		goto fail;
	if (tls) {
		char why[320];

		r = tn_tls_new(tls, c->host, -1, &c->tls, why, sizeof(why));
		if (r == -EINVAL || r == -ENOMEM)
			goto fail;
		if (r < 0) {
			c->state = ST_START;
			c->err = r;
			snprintf(c->msg, sizeof(c->msg), "%s", why);
			finish(c, TN_CONN_ERROR);
			*out = c;
			return 0;
		}
	}
	if (timeout_ns) {
		uint64_t now = tn_clock_now();

		c->deadline = timeout_ns > UINT64_MAX - now - 1 ? UINT64_MAX - 1
								: now + timeout_ns;
		tn_timer_arm(c->timer, timeout_ns, 0);
	}
	tn_timer_arm(c->defer, 0, 0);
	*out = c;
	return 0;
fail:
	destroy(c);
	return r;
}

ssize_t tn_conn_read(struct tn_conn *c, void *buf, size_t len)
{
	unsigned want = 0;
	ssize_t n;

	if (len == 0)               /* 0 would read as the end of the stream */
		return -EINVAL;
	if (c->back_len) {
		n = (ssize_t)(len < c->back_len ? len : c->back_len);
		memcpy(buf, c->back, (size_t)n);
		memmove(c->back, c->back + n, c->back_len - (size_t)n);
		c->back_len -= (size_t)n;
		return n;
	}
	if (c->state == ST_DONE)
		return c->final_ev == TN_CONN_CLOSED ? 0 : c->err;
	if (c->state != ST_OPEN)
		return -EAGAIN;
	n = stream_read(c, buf, len, &want);
	if (n > 0) {
		/* epoll will not announce what OpenSSL already holds. */
		if (c->tls && tn_tls_pending(c->tls))
			tn_timer_arm(c->defer, 0, 0);
		return n;
	}
	if (n == 0) {
		peer_closed(c);
		return 0;
	}
	if (n == -EAGAIN) {
		if (want == TN_EV_WRITE) {
			c->read_want = TN_EV_WRITE;
			update_interest(c);
		}
		return n;
	}
	c->err = (int)n;
	finish(c, TN_CONN_ERROR);
	return n;
}

/* Room for len more bytes after the pending ones. */
static int reserve(struct tn_conn *c, size_t len)
{
	size_t need, cap;
	uint8_t *p;

	if (c->out_off && c->out_len + len > c->out_cap) {
		/* TLS retries may move (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER). */
		memmove(c->out, c->out + c->out_off, pending(c));
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	need = c->out_len + len;
	if (need <= c->out_cap)
		return 0;
	cap = c->out_cap ? c->out_cap : 4096;
	while (cap < need)
		cap *= 2;
	if (cap > TN_CONN_MAX_OUTPUT)
		cap = TN_CONN_MAX_OUTPUT;
	p = realloc(c->out, cap);
	if (!p)
		return -ENOMEM;
	c->out = p;
	c->out_cap = cap;
	return 0;
}

ssize_t tn_conn_write(struct tn_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t left = len;

	if (c->state == ST_DONE)
		return c->final_ev == TN_CONN_CLOSED || !c->err ? -EPIPE : c->err;
	if (len == 0)
		return 0;
	if (len > TN_CONN_MAX_OUTPUT - pending(c))
		return -ENOBUFS;
	/* Straight to the socket when nothing is queued ahead. */
	if (c->state == ST_OPEN && !pending(c)) {
		while (left) {
			unsigned want = 0;
			ssize_t n = stream_write(c, p, left, &want);

			if (n == -EAGAIN) {
				c->write_want = want;
				break;
			}
			if (n <= 0) {
				c->err = n ? (int)n : -EPIPE;
				finish(c, TN_CONN_ERROR);
				return c->err;
			}
			p += n;
			left -= (size_t)n;
		}
		if (!left)
			return (ssize_t)len;
	}
	if (reserve(c, left) < 0)
		return -ENOMEM;
	memcpy(c->out + c->out_len, p, left);
	c->out_len += left;
	update_interest(c);
	return (ssize_t)len;
}

size_t tn_conn_pending_output(const struct tn_conn *c)
{
	return pending(c);
}

int tn_conn_unread(struct tn_conn *c, const void *buf, size_t len)
{
	uint8_t *p;

	if (len == 0)
		return 0;
	p = realloc(c->back, c->back_len + len);
	if (!p)
		return -ENOMEM;
	memmove(p + len, p, c->back_len);
	memcpy(p, buf, len);
	c->back = p;
	c->back_len += len;
	if (c->state == ST_OPEN)
		tn_timer_arm(c->defer, 0, 0);
	return 0;
}

void tn_conn_set_cb(struct tn_conn *c, tn_conn_cb cb, void *arg)
{
	c->cb = cb;
	c->arg = arg;
}

static void destroy(struct tn_conn *c)
{
	if (c->state == ST_OPEN && c->tls)
		tn_tls_shutdown(c->tls);
	close_socket(c);
	tn_resolve_cancel(c->res);
	tn_timer_free(c->timer);
	tn_timer_free(c->defer);
	tn_tls_free(c->tls);
	free(c->addrs);
	free(c->out);
	free(c->back);
	free(c->host);
	free(c);
}

void tn_conn_close(struct tn_conn *c)
{
	if (!c || c->closed)
		return;
	c->closed = true;
	if (c->depth == 0)
		destroy(c);
	/* else emit() destroys it when the callback returns */
}

const char *tn_conn_error(const struct tn_conn *c)
{
	return c->state == ST_DONE ? c->msg : "";
}

int tn_conn_error_code(const struct tn_conn *c)
{
	return c->state == ST_DONE && c->final_ev == TN_CONN_ERROR ? c->err : 0;
}

const char *tn_conn_peer(const struct tn_conn *c)
{
	return c->peer;
}

struct ssl_st *tn_conn_ssl(const struct tn_conn *c)
{
	return c->tls ? tn_tls_ssl(c->tls) : NULL;
}

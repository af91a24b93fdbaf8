/* The proxy listeners and their clients until the relay starts: the
 * SOCKS5 and HTTP listeners (one shared port when both name the same
 * address, as tailscaled's proxymux: a first byte of 5 is SOCKS), accept,
 * reads, timeouts and closing.  The protocols are in socks5_conn.c,
 * socks5_udp.c and httpproxy_conn.c. */
#include "netstack/proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "event/loop.h"
#include "net/resolve.h"
#include "util/clock.h"
#include "util/log.h"

/* From accept to the relay (Go's proxymux allows 15 s for the first
 * byte, net/http has no limit for the head). */
#define HANDSHAKE_TIMEOUT_NS (30ULL * TN_NSEC_PER_SEC)
/* After an error reply: how long the client's leftovers are drained. */
#define LINGER_NS (2ULL * TN_NSEC_PER_SEC)
/* Out of file descriptors: pause accepting this long. */
#define ACCEPT_RETRY_NS (100ULL * TN_NSEC_PER_MSEC)
#define ACCEPTS_PER_WAKEUP 64

static void on_client(struct tn_loop *loop, int fd, unsigned events, void *arg);

void tn_ns_client_watch(struct tn_ns_client *c, unsigned events)
{
	if (events == c->events)
		return;
	if (!c->events && events)
		tn_loop_add_fd(c->ns->loop, c->fd, events, on_client, c);
	else if (!events)
		tn_loop_del_fd(c->ns->loop, c->fd);
	else
		tn_loop_mod_fd(c->ns->loop, c->fd, events);
	c->events = events;
}

void tn_ns_client_free(struct tn_ns_client *c)
{
	struct tn_netstack *ns = c->ns;

	if (c->prev)
		c->prev->next = c->next;
	else
		ns->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->fd >= 0) {
		tn_ns_client_watch(c, 0);
		close(c->fd);
	}
	tn_ns_dial_cancel(c->dial);
	if (c->assoc)
		tn_ns_assoc_free(c->assoc);
	tn_timer_free(c->timer);
	free(c->head);
	free(c->extra);
	sodium_memzero(c->in, sizeof(c->in));   /* may hold credentials */
	free(c);
}

void tn_ns_client_handoff(struct tn_ns_client *c)
{
	tn_ns_client_watch(c, 0);
	c->fd = -1;
	tn_ns_client_free(c);
}

bool tn_ns_client_send(struct tn_ns_client *c, const void *buf, size_t len)
{
	ssize_t w;

	do
		w = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w == (ssize_t)len;
}

void tn_ns_client_fail(struct tn_ns_client *c, const void *reply, size_t len, bool bad)
{
	tn_ns_dial_cancel(c->dial);
	c->dial = NULL;
	if (bad)
		c->ns->stats.proxy_bad++;
	if (reply && len)
		(void)tn_ns_client_send(c, reply, len);
	shutdown(c->fd, SHUT_WR);
	c->state = TN_NS_C_CLOSING;
	tn_ns_client_watch(c, TN_EV_READ);
	tn_timer_arm(c->timer, LINGER_NS, 0);
}

static void on_client_timer(struct tn_timer *t, void *arg)
{
	struct tn_ns_client *c = arg;

	(void)t;
	if (c->state == TN_NS_C_UDP)
		return;
	tn_ns_client_free(c);
}

static void read_client(struct tn_ns_client *c)
{
	struct tn_netstack *ns = c->ns;
	ssize_t n;

	if (c->kind == TN_NS_CLIENT_HTTP) {
		n = recv(c->fd, ns->io_buf, sizeof(ns->io_buf), 0);
		if (n > 0) {
			tn_ns_http_input(c, ns->io_buf, (size_t)n);
			return;
		}
	} else {
		size_t room = sizeof(c->in) - c->in_len;

		if (!room) {
			/* More than a client may send before its reply. */
			tn_ns_client_fail(c, NULL, 0, true);
			return;
		}
		n = recv(c->fd, c->in + c->in_len, room, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			if (c->kind == TN_NS_CLIENT_SNIFF)
				c->kind = c->in[0] == TN_SOCKS5_VERSION ? TN_NS_CLIENT_SOCKS
									: TN_NS_CLIENT_HTTP;
			if (c->kind == TN_NS_CLIENT_HTTP) {
				/* Sniffed: the bytes belong to an HTTP head. */
				size_t len = c->in_len;

				c->in_len = 0;
				c->state = TN_NS_C_HEAD;
				tn_ns_http_input(c, c->in, len);
				return;
			}
			tn_ns_socks_input(c);
			return;
		}
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF or error before the request was done: nothing to answer. */
	tn_ns_client_free(c);
}

static void on_client(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_ns_client *c = arg;
	struct tn_netstack *ns = c->ns;

	(void)loop;
	(void)fd;
	(void)events;
	tn_ns_enter(ns);
	if (c->state == TN_NS_C_CLOSING) {
		ssize_t n = recv(c->fd, ns->io_buf, sizeof(ns->io_buf), 0);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			tn_ns_client_free(c);
	} else if (c->state == TN_NS_C_UDP) {
		ssize_t n = recv(c->fd, ns->io_buf, sizeof(ns->io_buf), 0);

		/* RFC 1928: the association ends with its TCP connection. */
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			tn_ns_client_free(c);
	} else {
		read_client(c);
	}
	tn_ns_leave(ns);
}

static void client_new(struct tn_ns_proxy *p, int fd)
{
	struct tn_netstack *ns = p->ns;
	struct tn_ns_client *c = calloc(1, sizeof(*c));

	if (!c || !(c->timer = tn_timer_new(ns->loop, on_client_timer, c))) {
		free(c);
		close(fd);
		return;
	}
	c->ns = ns;
	c->proxy = p;
	c->fd = fd;
	if (p->socks && p->http)
		c->kind = TN_NS_CLIENT_SNIFF;
	else
		c->kind = p->socks ? TN_NS_CLIENT_SOCKS : TN_NS_CLIENT_HTTP;
	c->state = c->kind == TN_NS_CLIENT_HTTP ? TN_NS_C_HEAD : TN_NS_C_GREETING;
	c->next = ns->clients;
	if (ns->clients)
		ns->clients->prev = c;
	ns->clients = c;
	ns->stats.proxy_clients++;
	ns->active = true;
	tn_ns_tune_socket(fd);
	tn_timer_arm(c->timer, HANDSHAKE_TIMEOUT_NS, 0);
	tn_ns_client_watch(c, TN_EV_READ);
}

static void on_retry(struct tn_timer *t, void *arg)
{
	struct tn_ns_proxy *p = arg;

	(void)t;
	tn_loop_mod_fd(p->ns->loop, p->fd, TN_EV_READ);
}

static void on_listen(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_ns_proxy *p = arg;

	(void)events;
	for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (c >= 0) {
			client_new(p, c);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			tn_log_warn("netstack", "proxy accept: %s; pausing", strerror(errno));
			tn_loop_mod_fd(loop, fd, 0);
			tn_timer_arm(p->retry, ACCEPT_RETRY_NS, 0);
			return;
		}
		if (errno != EINTR && errno != ECONNABORTED)
			return;       /* EAGAIN: all taken */
	}
}

/* "[user:pass@]host:port" -> address (and credentials). */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, char *user, char *pass,
			bool *auth)
{
	const char *at = strrchr(spec, '@'), *hp = at ? at + 1 : spec, *colon;
	char host[64];
	unsigned long port;
	char *end;
	size_t hlen;

	*auth = false;
	if (at) {
		const char *sep = memchr(spec, ':', (size_t)(at - spec));
		size_t ulen = sep ? (size_t)(sep - spec) : (size_t)(at - spec);
		size_t plen = sep ? (size_t)(at - sep - 1) : 0;

		if (!ulen || ulen > 255 || plen > 255)
			return -EINVAL;
		memcpy(user, spec, ulen);
		user[ulen] = '\0';
		if (sep)
			memcpy(pass, sep + 1, plen);
		pass[plen] = '\0';
		*auth = true;
	}
	if (!(colon = strrchr(hp, ':')))
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port > 65535)
		return -EINVAL;
	hlen = (size_t)(colon - hp);
	if (hlen >= 2 && hp[0] == '[' && hp[hlen - 1] == ']') {
		hp++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, hp, hlen);
	host[hlen] = '\0';
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (!host[0])
		strcpy(host, "::");
	return tn_resolve_numeric(host, (uint16_t)port, ss);
}

static int listen_on(const struct sockaddr_storage *want, struct sockaddr_storage *bound)
{
	socklen_t len = want->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						    : sizeof(struct sockaddr_in6);
	int fd = socket(want->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0, r;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (want->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (const struct sockaddr *)want, len) < 0 || listen(fd, 1024) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	len = sizeof(*bound);
	getsockname(fd, (struct sockaddr *)bound, &len);
	return fd;
}

static void proxy_free(struct tn_netstack *ns, struct tn_ns_proxy *p)
{
	if (!p)
		return;
	if (p->fd >= 0) {
		tn_loop_del_fd(ns->loop, p->fd);
		close(p->fd);
	}
	tn_timer_free(p->retry);
	sodium_memzero(p->pass, sizeof(p->pass));
	free(p);
}

static struct tn_ns_proxy *proxy_new(struct tn_netstack *ns, const char *spec, bool socks,
				     bool http, char *err, size_t errlen)
{
	struct tn_ns_proxy *p = calloc(1, sizeof(*p));
	struct sockaddr_storage want;
	char text[80] = "";
	int r;

	if (!p) {
		tn_set_error(err, errlen, "out of memory");
		return NULL;
	}
	p->ns = ns;
	p->fd = -1;
	p->socks = socks;
	p->http = http;
	/* The spec may hold a password: errors name the proxy, not it. */
	if (parse_listen(spec, &want, p->user, p->pass, &p->auth) < 0) {
		tn_set_error(err, errlen, "%s listen address: want [user:password@]host:port",
			     socks ? "SOCKS5" : "HTTP proxy");
		goto fail;
	}
	if (p->auth && !socks) {
		tn_set_error(err, errlen, "the HTTP proxy takes no credentials");
		goto fail;
	}
	if ((p->fd = listen_on(&want, &p->addr)) < 0) {
		r = p->fd;
		p->fd = -1;
		tn_set_error(err, errlen, "%s listener: %s", socks ? "SOCKS5" : "HTTP proxy",
			     strerror(-r));
		goto fail;
	}
	if (!(p->retry = tn_timer_new(ns->loop, on_retry, p)) ||
	    tn_loop_add_fd(ns->loop, p->fd, TN_EV_READ, on_listen, p) < 0) {
		tn_set_error(err, errlen, "out of memory");
		goto fail;
	}
	if (p->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&p->addr;

		inet_ntop(AF_INET6, &s6->sin6_addr, text + 1, sizeof(text) - 8);
		text[0] = '[';
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "]:%u",
			 ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&p->addr;

		inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text) - 8);
		snprintf(text + strlen(text), sizeof(text) - strlen(text), ":%u",
			 ntohs(s4->sin_port));
	}
	tn_log_info("netstack", "%s listening on %s%s",
		    socks && http ? "SOCKS5 and HTTP proxy" : socks ? "SOCKS5" : "HTTP proxy", text,
		    p->auth ? " (username/password)" : "");
	return p;
fail:
	proxy_free(ns, p);
	return NULL;
}

/* The host:port part of a listen spec (after any credentials). */
static const char *hostport(const char *spec)
{
	const char *at = strrchr(spec, '@');

	return at ? at + 1 : spec;
}

int tn_ns_proxy_start(struct tn_netstack *ns, const char *socks5, const char *http, char *err,
		      size_t errlen)
{
	size_t hl;

	if (socks5 && !*socks5)
		socks5 = NULL;
	if (http && !*http)
		http = NULL;
	if (socks5 && http && !strcmp(hostport(socks5), http) &&
	    !((hl = strlen(http)) >= 2 && !strcmp(http + hl - 2, ":0"))) {
		if (!(ns->proxy[0] = ns->proxy[1] = proxy_new(ns, socks5, true, true, err, errlen)))
			return -EINVAL;
		return 0;
	}
	if (socks5 && !(ns->proxy[0] = proxy_new(ns, socks5, true, false, err, errlen)))
		return -EINVAL;
	if (http && !(ns->proxy[1] = proxy_new(ns, http, false, true, err, errlen)))
		return -EINVAL;
	return 0;
}

void tn_ns_proxy_free_all(struct tn_netstack *ns)
{
	while (ns->clients)
		tn_ns_client_free(ns->clients);
	if (ns->proxy[1] != ns->proxy[0])
		proxy_free(ns, ns->proxy[1]);
	proxy_free(ns, ns->proxy[0]);
	ns->proxy[0] = ns->proxy[1] = NULL;
}

int tn_netstack_proxy_addr(const struct tn_netstack *ns, int which, struct sockaddr_storage *out)
{
	if (which < 0 || which > 1 || !ns->proxy[which])
		return -ENOENT;
	*out = ns->proxy[which]->addr;
	return 0;
}

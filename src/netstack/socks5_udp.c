/* SOCKS5 UDP ASSOCIATE (RFC 1928 section 7).  The reply names a UDP
 * socket bound next to the TCP connection's local address; the client
 * sends datagrams there with a header naming each destination, and gets
 * the answers back with a header naming the source.  Each destination
 * gets its own socket, connected to it — an lwIP one from our tailnet
 * address for tailnet destinations, an ordinary one otherwise — so only
 * the destinations the client wrote to can answer (Go's server keeps a
 * connection per target the same way).  Only the client's host may use
 * the association; fragments (FRAG != 0) are dropped, as the RFC allows.
 * The association ends with the TCP connection. */
#include "netstack/proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "event/loop.h"
#include "util/log.h"

/* Destinations per association. */
#define MAX_TARGETS 64
/* Datagrams read per wakeup. */
#define READS 32

struct target {
	struct tn_ns_assoc *a;
	struct tn_socks5_addr req;    /* as the client named it */
	struct udp_pcb *pcb;          /* tailnet */
	int fd;                       /* system */
	struct tn_ns_dial *dial;      /* resolving a name */
	uint8_t *held;                /* one datagram waiting for it */
	size_t held_len;
	bool dead;                    /* resolution failed: drop */
};

struct tn_ns_assoc {
	struct tn_ns_client *c;
	struct tn_netstack *ns;
	int ufd;
	struct sockaddr_storage ctl_peer;   /* the TCP client's address */
	struct sockaddr_storage client;     /* where answers go */
	socklen_t client_len;
	bool have_client;
	struct target *t[MAX_TARGETS];
	size_t n;
};

static void target_free(struct target *t)
{
	struct tn_netstack *ns = t->a->ns;

	tn_ns_dial_cancel(t->dial);
	if (t->pcb)
		udp_remove(t->pcb);
	if (t->fd >= 0) {
		tn_loop_del_fd(ns->loop, t->fd);
		close(t->fd);
	}
	free(t->held);
	free(t);
}

void tn_ns_assoc_free(struct tn_ns_assoc *a)
{
	for (size_t i = 0; i < a->n; i++)
		target_free(a->t[i]);
	if (a->ufd >= 0) {
		tn_loop_del_fd(a->ns->loop, a->ufd);
		close(a->ufd);
	}
	free(a);
}

/* An answer from a destination goes to the client with its header. */
static void to_client(struct target *t, struct iovec *data, int ndata)
{
	struct tn_ns_assoc *a = t->a;
	uint8_t hdr[TN_SOCKS5_UDP_HEADER_MAX];
	struct iovec iov[17];
	struct msghdr msg = { 0 };
	int h = tn_socks5_build_udp_header(hdr, sizeof(hdr), &t->req), n = 0;

	if (!a->have_client || h < 0)
		return;
	iov[n].iov_base = hdr;
	iov[n++].iov_len = (size_t)h;
	for (int i = 0; i < ndata && n < 17; i++)
		iov[n++] = data[i];
	msg.msg_name = &a->client;
	msg.msg_namelen = a->client_len;
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	(void)sendmsg(a->ufd, &msg, MSG_NOSIGNAL);
}

static void from_pcb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		     u16_t port)
{
	struct iovec iov[16];
	int n = 0;

	(void)pcb;
	(void)addr;
	(void)port;
	for (struct pbuf *q = p; q && n < 16; q = q->next)
		if (q->len) {
			iov[n].iov_base = q->payload;
			iov[n++].iov_len = q->len;
		}
	to_client(arg, iov, n);
	pbuf_free(p);
}

static void from_fd(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct target *t = arg;
	struct tn_netstack *ns = t->a->ns;

	(void)loop;
	(void)events;
	for (int i = 0; i < READS; i++) {
		ssize_t n = recv(fd, ns->io_buf, sizeof(ns->io_buf), 0);
		struct iovec iov = { ns->io_buf, 0 };

		if (n < 0) {
			if (errno == EAGAIN)
				break;
			continue;        /* ICMP errors of earlier sends */
		}
		iov.iov_len = (size_t)n;
		to_client(t, &iov, 1);
	}
}

static void send_to(struct target *t, const uint8_t *data, size_t len)
{
	struct pbuf *p;

	if (t->pcb) {
		if (len > 0xffff - 8 || !(p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM)))
			return;
		memcpy(p->payload, data, len);
		udp_send(t->pcb, p);
		pbuf_free(p);
	} else if (t->fd >= 0) {
		(void)send(t->fd, data, len, MSG_NOSIGNAL);
	}
}

/* Opens the socket for a resolved, routed destination. */
static int open_target(struct target *t, struct sockaddr_storage *ss, enum tn_ns_route route)
{
	struct tn_netstack *ns = t->a->ns;
	int family = ss->ss_family;
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	if (route == TN_NS_ROUTE_TAILNET) {
		const ip_addr_t *local = tn_ns_local_addr(ns, family);
		const uint8_t *a = family == AF_INET
			? (const uint8_t *)&((struct sockaddr_in *)ss)->sin_addr
			: (const uint8_t *)&((struct sockaddr_in6 *)ss)->sin6_addr;
		uint16_t port = ntohs(family == AF_INET ? ((struct sockaddr_in *)ss)->sin_port
							: ((struct sockaddr_in6 *)ss)->sin6_port);
		ip_addr_t dst;

		if (!local)
			return -ENETUNREACH;
		tn_ns_ip_from(&dst, family, a);
		if (!(t->pcb = udp_new_ip_type(family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6)))
			return -ENOMEM;
		ip_set_option(t->pcb, SOF_REUSEADDR);
		if (udp_bind(t->pcb, local, 0) != ERR_OK || udp_connect(t->pcb, &dst, port) != ERR_OK)
			return -EADDRINUSE;
		udp_recv(t->pcb, from_pcb, t);
		return 0;
	}
	t->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0)
		return -errno;
	if (connect(t->fd, (struct sockaddr *)ss, len) < 0)
		return -errno;
	return tn_loop_add_fd(ns->loop, t->fd, TN_EV_READ, from_fd, t);
}

static void on_resolved(void *arg, int err, struct tn_ns_dialed *res)
{
	struct target *t = arg;

	t->dial = NULL;
	if (err || open_target(t, &res->remote, res->route) < 0) {
		t->dead = true;
	} else if (t->held) {
		send_to(t, t->held, t->held_len);
	}
	free(t->held);
	t->held = NULL;
}

static bool same_dst(const struct tn_socks5_addr *x, const struct tn_socks5_addr *y)
{
	if (x->atyp != y->atyp || x->port != y->port)
		return false;
	if (x->atyp == TN_SOCKS5_ATYP_DOMAIN)
		return !strcmp(x->host, y->host);
	return !memcmp(x->ip, y->ip, x->atyp == TN_SOCKS5_ATYP_IPV4 ? 4 : 16);
}

static struct target *target_for(struct tn_ns_assoc *a, const struct tn_socks5_addr *dst)
{
	struct target *t;
	char host[256];

	for (size_t i = 0; i < a->n; i++)
		if (same_dst(&a->t[i]->req, dst))
			return a->t[i];
	if (a->n == MAX_TARGETS || !(t = calloc(1, sizeof(*t))))
		return NULL;
	t->a = a;
	t->req = *dst;
	t->fd = -1;
	a->t[a->n++] = t;
	tn_socks5_addr_host(dst, host, sizeof(host));
	if (tn_ns_dial(a->ns, host, dst->port, true, on_resolved, t, &t->dial) < 0)
		t->dead = true;
	return t;
}

/* Only the host of the TCP connection may use the association. */
static bool from_client_host(const struct tn_ns_assoc *a, const struct sockaddr_storage *from)
{
	if (from->ss_family != a->ctl_peer.ss_family)
		return false;
	if (from->ss_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)from)->sin_addr,
			       &((const struct sockaddr_in *)&a->ctl_peer)->sin_addr, 4);
	return !memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
		       &((const struct sockaddr_in6 *)&a->ctl_peer)->sin6_addr, 16);
}

static void from_client(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_ns_assoc *a = arg;
	struct tn_netstack *ns = a->ns;

	(void)loop;
	(void)events;
	tn_ns_enter(ns);
	for (int i = 0; i < READS; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		struct tn_socks5_addr dst;
		struct target *t;
		ssize_t n = recvfrom(fd, ns->io_buf, sizeof(ns->io_buf), 0, (struct sockaddr *)&from,
				     &flen);
		int h;

		if (n < 0) {
			if (errno == EAGAIN)
				break;
			continue;
		}
		if (!from_client_host(a, &from))
			continue;
		if ((h = tn_socks5_parse_udp(ns->io_buf, (size_t)n, &dst)) < 0) {
			ns->stats.proxy_bad++;
			continue;
		}
		a->client = from;
		a->client_len = flen;
		a->have_client = true;
		if (!(t = target_for(a, &dst)) || t->dead)
			continue;
		if (t->dial) {
			/* Still resolving: keep the latest datagram. */
			free(t->held);
			t->held_len = (size_t)n - (size_t)h;
			if ((t->held = malloc(t->held_len ? t->held_len : 1)))
				memcpy(t->held, ns->io_buf + h, t->held_len);
			continue;
		}
		send_to(t, ns->io_buf + h, (size_t)n - (size_t)h);
	}
	tn_ns_leave(ns);
}

void tn_ns_assoc_start(struct tn_ns_client *c)
{
	struct tn_netstack *ns = c->ns;
	struct tn_ns_assoc *a = calloc(1, sizeof(*a));
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	uint8_t reply[TN_SOCKS5_REPLY_MAX];
	int n;

	if (!a)
		goto fail;
	a->c = c;
	a->ns = ns;
	a->ufd = -1;
	c->assoc = a;
	len = sizeof(a->ctl_peer);
	if (getpeername(c->fd, (struct sockaddr *)&a->ctl_peer, &len) < 0)
		goto fail;
	len = sizeof(local);
	if (getsockname(c->fd, (struct sockaddr *)&local, &len) < 0)
		goto fail;
	if (local.ss_family == AF_INET)
		((struct sockaddr_in *)&local)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&local)->sin6_port = 0;
	a->ufd = socket(local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->ufd < 0 || bind(a->ufd, (struct sockaddr *)&local, len) < 0)
		goto fail;
	len = sizeof(local);
	if (getsockname(a->ufd, (struct sockaddr *)&local, &len) < 0 ||
	    tn_loop_add_fd(ns->loop, a->ufd, TN_EV_READ, from_client, a) < 0)
		goto fail;
	n = tn_socks5_build_reply(reply, sizeof(reply), TN_SOCKS5_OK, (struct sockaddr *)&local);
	if (!tn_ns_client_send(c, reply, (size_t)n)) {
		tn_ns_client_free(c);
		return;
	}
	c->state = TN_NS_C_UDP;
	c->in_len = 0;
	tn_timer_cancel(c->timer);
	tn_ns_client_watch(c, TN_EV_READ);
	return;
fail:
	tn_log_debug("netstack", "SOCKS5 UDP associate: %s", strerror(errno));
	n = tn_socks5_build_reply(reply, sizeof(reply), TN_SOCKS5_GENERAL_FAILURE, NULL);
	tn_ns_client_fail(c, reply, (size_t)n, false);
}

/* Inbound connections from peers to our tailnet addresses, forwarded to
 * the same port on 127.0.0.1 as tailscaled's netstack mode does
 * (wgengine/netstack/netstack.go acceptTCP/forwardTCP, forwardUDP):
 *
 * TCP: lwIP cannot listen on every port, and the local service must be
 * reached before the peer's handshake completes (a closed port answers
 * RST, not SYN-ACK then RST).  So each SYN is held while 127.0.0.1:port
 * is dialled; on success a listener for that port is made (shared and
 * reference-counted while handshakes are in flight) and the SYN fed to
 * lwIP, whose accept callback pairs the new connection with the dialled
 * socket; on failure we answer RST.  SYN retransmissions during the dial
 * are dropped.
 *
 * UDP: the first datagram of a flow (peer addr:port -> our addr:port)
 * that no lwIP socket takes opens a session: a socket bound to
 * 127.0.0.1:<peer's port> (any port if taken) connected to
 * 127.0.0.1:<port>, and an lwIP socket bound to our address and port,
 * connected to the peer, which then receives the flow.  Sessions end
 * after 2 minutes without traffic (30 s for port 53), as in Go.
 */
#include "netstack/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lwip/priv/tcp_priv.h"

#include "event/loop.h"
#include "util/clock.h"
#include "util/log.h"

/* Inbound TCP handshakes waiting for their local dial or lwIP's accept.
 * Go allows 8192 on Linux; each holds a socket, and the daemon's file
 * descriptors are shared with everything else it does. */
#define MAX_PENDING 1024
/* The local dial (a loopback connect: instant unless the backlog is
 * full) and the handshake after it (lwIP gives up SYN_RCVD at 20 s). */
#define DIAL_TIMEOUT_NS (10ULL * TN_NSEC_PER_SEC)
#define ACCEPT_TIMEOUT_NS (30ULL * TN_NSEC_PER_SEC)
/* UDP sessions: Go's forwardUDP idle timeouts, and a bound. */
#define UDP_IDLE_NS (120ULL * TN_NSEC_PER_SEC)
#define UDP_DNS_IDLE_NS (30ULL * TN_NSEC_PER_SEC)
#define MAX_UDP 1024
/* Datagrams read from a local UDP socket per wakeup. */
#define UDP_READS 32

struct tn_ns_listener {
	struct tn_ns_listener *next;
	struct tn_netstack *ns;
	uint16_t port;
	unsigned refs;
	struct tcp_pcb *pcb;
};

struct tn_ns_pending {
	struct tn_ns_pending *next;
	struct tn_netstack *ns;
	int family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq;
	struct pbuf *syn;             /* while dialling */
	int fd;
	struct tn_timer *timer;
	struct tn_ns_listener *lst;   /* once fed to lwIP */
};

struct tn_ns_udpfwd {
	struct tn_ns_udpfwd *next;
	struct tn_netstack *ns;
	int family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	struct udp_pcb *pcb;
	int fd;
	uint64_t last, idle;
	struct tn_timer *timer;
};

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool ip_is(const ip_addr_t *ip, int family, const uint8_t *addr)
{
	if (family == AF_INET)
		return IP_IS_V4(ip) && !memcmp(&ip_2_ip4(ip)->addr, addr, 4);
	return IP_IS_V6(ip) && !memcmp(ip_2_ip6(ip)->addr, addr, 16);
}

/* TCP */

static struct tn_ns_pending *find_pending(struct tn_netstack *ns, int family, const uint8_t *src,
					  uint16_t sport, const uint8_t *dst, uint16_t dport)
{
	for (struct tn_ns_pending *p = ns->pending; p; p = p->next)
		if (p->family == family && p->sport == sport && p->dport == dport &&
		    !memcmp(p->src, src, alen(family)) && !memcmp(p->dst, dst, alen(family)))
			return p;
	return NULL;
}

static bool lwip_has_connection(const struct tn_ns_pkt *k)
{
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
		if (pcb->local_port == k->dport && pcb->remote_port == k->sport &&
		    ip_is(&pcb->remote_ip, k->family, k->src) &&
		    ip_is(&pcb->local_ip, k->family, k->dst))
			return true;
	return false;
}

static void listener_unref(struct tn_netstack *ns, struct tn_ns_listener *l)
{
	struct tn_ns_listener **pp = &ns->listeners;

	if (--l->refs)
		return;
	while (*pp != l)
		pp = &(*pp)->next;
	*pp = l->next;
	tcp_arg(l->pcb, NULL);
	tcp_accept(l->pcb, NULL);
	tcp_close(l->pcb);
	free(l);
}

static void pending_free(struct tn_ns_pending *p)
{
	struct tn_netstack *ns = p->ns;
	struct tn_ns_pending **pp = &ns->pending;

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	ns->n_pending--;
	if (p->fd >= 0) {
		tn_loop_del_fd(ns->loop, p->fd);
		close(p->fd);
	}
	if (p->syn)
		pbuf_free(p->syn);
	if (p->lst)
		listener_unref(ns, p->lst);
	tn_timer_free(p->timer);
	free(p);
}

/* RST for a SYN we will not take. */
static void refuse(struct tn_netstack *ns, int family, const uint8_t *src, uint16_t sport,
		   const uint8_t *dst, uint16_t dport, uint32_t seq)
{
	ip_addr_t local, remote;

	tn_ns_ip_from(&local, family, dst);
	tn_ns_ip_from(&remote, family, src);
	tcp_rst(NULL, 0, seq + 1, &local, &remote, dport, sport);
	ns->stats.tcp_refused++;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tn_ns_listener *l = arg;
	struct tn_netstack *ns;
	struct tn_ns_pending *p;
	int fd;

	if (!l || !pcb || err != ERR_OK)
		return ERR_VAL;
	ns = l->ns;
	for (p = ns->pending; p; p = p->next)
		if (p->lst && p->dport == pcb->local_port && p->sport == pcb->remote_port &&
		    ip_is(&pcb->remote_ip, p->family, p->src) &&
		    ip_is(&pcb->local_ip, p->family, p->dst))
			break;
	if (!p) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	fd = p->fd;
	p->fd = -1;
	pending_free(p);
	ip_set_option(pcb, SOF_KEEPALIVE);
	if (!tn_ns_bridge_pcb(ns, fd, pcb, NULL, 0, NULL, 0)) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	ns->stats.tcp_forwarded++;
	return ERR_OK;
}

static struct tn_ns_listener *listener_get(struct tn_netstack *ns, uint16_t port)
{
	struct tn_ns_listener *l;
	struct tcp_pcb *pcb, *lp;
	err_t err;

	for (l = ns->listeners; l; l = l->next)
		if (l->port == port)
			return l;
	if (!(l = calloc(1, sizeof(*l))))
		return NULL;
	if (!(pcb = tcp_new_ip_type(IPADDR_TYPE_ANY))) {
		free(l);
		return NULL;
	}
	ip_set_option(pcb, SOF_REUSEADDR);
	if (tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK ||
	    !(lp = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err))) {
		tcp_close(pcb);
		free(l);
		return NULL;
	}
	l->pcb = lp;
	l->ns = ns;
	l->port = port;
	tcp_arg(lp, l);
	tcp_accept(lp, on_accept);
	l->next = ns->listeners;
	ns->listeners = l;
	return l;
}

static void on_pending_timer(struct tn_timer *t, void *arg)
{
	struct tn_ns_pending *p = arg;
	struct tn_netstack *ns = p->ns;

	(void)t;
	tn_ns_enter(ns);
	if (!p->lst)
		refuse(ns, p->family, p->src, p->sport, p->dst, p->dport, p->seq);
	pending_free(p);
	tn_ns_leave(ns);
}

static void on_local_dial(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_ns_pending *p = arg;
	struct tn_netstack *ns = p->ns;
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	struct pbuf *syn;

	(void)events;
	tn_loop_del_fd(loop, fd);
	tn_ns_enter(ns);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr || !(p->lst = listener_get(ns, p->dport))) {
		tn_log_debug("netstack", "forward to 127.0.0.1:%u: %s", p->dport,
			     soerr ? strerror(soerr) : "no listener");
		refuse(ns, p->family, p->src, p->sport, p->dst, p->dport, p->seq);
		pending_free(p);
		tn_ns_leave(ns);
		return;
	}
	p->lst->refs++;
	tn_timer_arm(p->timer, ACCEPT_TIMEOUT_NS, 0);
	syn = p->syn;
	p->syn = NULL;
	tn_ns_ip_input(ns, syn);      /* finds p fed: lwIP answers SYN-ACK */
	tn_ns_leave(ns);
}

bool tn_ns_forward_syn(struct tn_netstack *ns, struct pbuf *pb, const struct tn_ns_pkt *k)
{
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_port = htons(k->dport),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct tn_ns_pending *p = find_pending(ns, k->family, k->src, k->sport, k->dst, k->dport);

	if (p) {
		if (p->lst)
			return false;     /* a retransmission lwIP answers */
		pbuf_free(pb);            /* still dialling */
		return true;
	}
	if (lwip_has_connection(k))
		return false;
	if (ns->n_pending >= MAX_PENDING || !(p = calloc(1, sizeof(*p)))) {
		ns->stats.drop_busy++;
		pbuf_free(pb);
		return true;
	}
	p->ns = ns;
	p->family = k->family;
	memcpy(p->src, k->src, alen(k->family));
	memcpy(p->dst, k->dst, alen(k->family));
	p->sport = k->sport;
	p->dport = k->dport;
	p->seq = k->seq;
	p->next = ns->pending;
	ns->pending = p;
	ns->n_pending++;
	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0 || !(p->timer = tn_timer_new(ns->loop, on_pending_timer, p)) ||
	    (connect(p->fd, (struct sockaddr *)&lo, sizeof(lo)) < 0 && errno != EINPROGRESS) ||
	    tn_loop_add_fd(ns->loop, p->fd, TN_EV_WRITE, on_local_dial, p) < 0) {
		refuse(ns, k->family, k->src, k->sport, k->dst, k->dport, k->seq);
		pbuf_free(pb);
		if (p->fd >= 0)
			close(p->fd);
		p->fd = -1;
		pending_free(p);
		return true;
	}
	p->syn = pb;
	tn_timer_arm(p->timer, DIAL_TIMEOUT_NS, 0);
	return true;
}

/* UDP */

static void udp_free(struct tn_ns_udpfwd *s)
{
	struct tn_netstack *ns = s->ns;
	struct tn_ns_udpfwd **pp = &ns->udp;

	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	ns->n_udp--;
	if (s->pcb)
		udp_remove(s->pcb);
	if (s->fd >= 0) {
		tn_loop_del_fd(ns->loop, s->fd);
		close(s->fd);
	}
	tn_timer_free(s->timer);
	free(s);
}

static void udp_from_peer(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			  u16_t port)
{
	struct tn_ns_udpfwd *s = arg;
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
	/* Nothing listening locally (ECONNREFUSED) or a full buffer: the
	 * datagram is lost, as UDP allows. */
	(void)writev(s->fd, iov, n);
	s->last = tn_clock_now();
	pbuf_free(p);
}

static void udp_from_local(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_ns_udpfwd *s = arg;
	struct tn_netstack *ns = s->ns;

	(void)loop;
	(void)events;
	tn_ns_enter(ns);
	for (int i = 0; i < UDP_READS; i++) {
		ssize_t n = recv(fd, ns->io_buf, sizeof(ns->io_buf), 0);
		struct pbuf *p;

		if (n < 0) {
			if (errno == EAGAIN)
				break;
			continue;   /* ECONNREFUSED from an earlier send: ignore */
		}
		if ((size_t)n > 0xffff - 8 ||
		    !(p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM)))
			continue;
		memcpy(p->payload, ns->io_buf, (size_t)n);
		udp_send(s->pcb, p);
		pbuf_free(p);
		s->last = tn_clock_now();
	}
	tn_ns_leave(ns);
}

static void on_udp_timer(struct tn_timer *t, void *arg)
{
	struct tn_ns_udpfwd *s = arg;
	uint64_t now = tn_clock_now();

	if (now - s->last < s->idle) {
		tn_timer_arm(t, s->idle - (now - s->last), 0);
		return;
	}
	udp_free(s);
}

/* Would lwIP give this datagram to a socket of its own? */
static bool lwip_takes_udp(const struct tn_ns_pkt *k)
{
	for (struct udp_pcb *pcb = udp_pcbs; pcb; pcb = pcb->next) {
		if (pcb->local_port != k->dport)
			continue;
		if (!ip_addr_isany(&pcb->local_ip) && !ip_is(&pcb->local_ip, k->family, k->dst))
			continue;
		if ((pcb->flags & UDP_FLAGS_CONNECTED) &&
		    (pcb->remote_port != k->sport || !ip_is(&pcb->remote_ip, k->family, k->src)))
			continue;
		return true;
	}
	return false;
}

void tn_ns_forward_udp(struct tn_netstack *ns, const struct tn_ns_pkt *k)
{
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct tn_ns_udpfwd *s;
	ip_addr_t local, remote;

	for (s = ns->udp; s; s = s->next)
		if (s->family == k->family && s->sport == k->sport && s->dport == k->dport &&
		    !memcmp(s->src, k->src, alen(k->family)) && !memcmp(s->dst, k->dst, alen(k->family))) {
			s->last = tn_clock_now();
			return;
		}
	if (lwip_takes_udp(k))
		return;
	if (ns->n_udp >= MAX_UDP || !(s = calloc(1, sizeof(*s)))) {
		ns->stats.drop_busy++;
		return;       /* lwIP answers port unreachable */
	}
	s->ns = ns;
	s->family = k->family;
	memcpy(s->src, k->src, alen(k->family));
	memcpy(s->dst, k->dst, alen(k->family));
	s->sport = k->sport;
	s->dport = k->dport;
	s->last = tn_clock_now();
	s->idle = k->dport == 53 ? UDP_DNS_IDLE_NS : UDP_IDLE_NS;
	s->next = ns->udp;
	ns->udp = s;
	ns->n_udp++;
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	/* Keep the peer's source port when it is free, as Go does. */
	lo.sin_port = htons(k->sport);
	if (bind(s->fd, (struct sockaddr *)&lo, sizeof(lo)) < 0) {
		lo.sin_port = 0;
		if (bind(s->fd, (struct sockaddr *)&lo, sizeof(lo)) < 0)
			goto fail;
	}
	lo.sin_port = htons(k->dport);
	if (connect(s->fd, (struct sockaddr *)&lo, sizeof(lo)) < 0 ||
	    !(s->timer = tn_timer_new(ns->loop, on_udp_timer, s)) ||
	    tn_loop_add_fd(ns->loop, s->fd, TN_EV_READ, udp_from_local, s) < 0)
		goto fail;
	if (!(s->pcb = udp_new_ip_type(k->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6)))
		goto fail;
	tn_ns_ip_from(&local, k->family, k->dst);
	tn_ns_ip_from(&remote, k->family, k->src);
	ip_set_option(s->pcb, SOF_REUSEADDR);
	if (udp_bind(s->pcb, &local, k->dport) != ERR_OK ||
	    udp_connect(s->pcb, &remote, k->sport) != ERR_OK)
		goto fail;
	udp_recv(s->pcb, udp_from_peer, s);
	tn_timer_arm(s->timer, s->idle, 0);
	ns->stats.udp_sessions++;
	return;
fail:
	tn_log_debug("netstack", "UDP forward to 127.0.0.1:%u: %s", k->dport, strerror(errno));
	udp_free(s);
}

void tn_ns_forward_free_all(struct tn_netstack *ns)
{
	while (ns->pending)
		pending_free(ns->pending);
	while (ns->udp)
		udp_free(ns->udp);
	while (ns->listeners) {
		ns->listeners->refs = 1;
		listener_unref(ns, ns->listeners);
	}
}

/* Outbound dials for the proxies, the way Go's tsdial.UserDial decides:
 * the name is resolved from the netmap's MagicDNS names first, then DNS
 * (c-ares, first answer first); destinations a peer routes (its
 * AllowedIPs, or 100.100.100.100) are dialled through lwIP from our
 * tailnet address, the rest with an ordinary socket (addresses tried in
 * order).  Our own tailnet addresses are dialled as 127.0.0.1, which is
 * where the inbound forward would take them. */
#include "netstack/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/loop.h"
#include "net/resolve.h"
#include "util/clock.h"

/* Name resolution plus connect.  Go's SOCKS5 server gives a dial 5 s;
 * a first contact over DERP on a loaded host can take longer. */
#define DIAL_TIMEOUT_NS (10ULL * TN_NSEC_PER_SEC)
#define MAX_ADDRS 8

struct tn_ns_dial {
	struct tn_ns_dial *prev, *next;
	struct tn_netstack *ns;
	tn_ns_dial_cb cb;
	void *arg;
	bool udp;
	uint16_t port;
	struct tn_resolve *q;
	struct sockaddr_storage addrs[MAX_ADDRS];
	size_t n_addrs, next_addr;
	int first_err;
	struct tcp_pcb *pcb;          /* connecting through lwIP */
	int fd;                       /* connecting with a socket */
	struct tn_timer *timer;       /* the deadline */
	struct tn_timer *later;       /* a result found inside tn_ns_dial */
	int later_err;
	struct tn_ns_dialed res;
};

static void dial_free(struct tn_ns_dial *d)
{
	struct tn_netstack *ns = d->ns;

	if (d->prev)
		d->prev->next = d->next;
	else
		ns->dials = d->next;
	if (d->next)
		d->next->prev = d->prev;
	tn_resolve_cancel(d->q);
	if (d->pcb) {
		tcp_arg(d->pcb, NULL);
		tcp_err(d->pcb, NULL);
		tcp_abort(d->pcb);
	}
	if (d->fd >= 0) {
		tn_loop_del_fd(ns->loop, d->fd);
		close(d->fd);
	}
	tn_timer_free(d->timer);
	tn_timer_free(d->later);
	free(d);
}

/* Reports and frees.  The callee takes res.pcb / res.fd by clearing
 * them; what it leaves is closed. */
static void complete(struct tn_ns_dial *d, int err)
{
	struct tn_netstack *ns = d->ns;

	if (err)
		ns->stats.dial_errors++;
	else if (d->res.route == TN_NS_ROUTE_TAILNET)
		ns->stats.dials_tailnet++;
	else
		ns->stats.dials_system++;
	d->q = NULL;
	d->cb(d->arg, err, &d->res);
	if (d->res.fd >= 0)
		close(d->res.fd);
	dial_free(d);
}

static void on_later(struct tn_timer *t, void *arg)
{
	struct tn_ns_dial *d = arg;
	struct tn_netstack *ns = d->ns;

	(void)t;
	tn_ns_enter(ns);
	complete(d, d->later_err);
	tn_ns_leave(ns);
}

static void fail_later(struct tn_ns_dial *d, int err)
{
	d->later_err = err;
	tn_timer_arm(d->later, 0, 0);
}

static int family_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family;
}

static const uint8_t *addr_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	return (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

int tn_ns_route_of(struct tn_netstack *ns, struct sockaddr_storage *ss, enum tn_ns_route *route)
{
	static const uint8_t quad100[4] = { 100, 100, 100, 100 };
	static const uint8_t quad100v6[16] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0, 0, 0,
					       0, 0, 0, 0, 0, 0, 0, 0x53 };
	static const uint8_t zero[16];
	int family = family_of(ss);
	const uint8_t *a;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	a = addr_of(ss);
	if (family == AF_INET) {
		if (a[0] == 0 || a[0] >= 224)
			return -EADDRNOTAVAIL;   /* unspecified, multicast, broadcast */
		if (a[0] == 127) {
			*route = TN_NS_ROUTE_SYSTEM;
			return 0;
		}
		if (!memcmp(a, quad100, 4)) {
			*route = TN_NS_ROUTE_TAILNET;
			return 0;
		}
	} else {
		if (a[0] == 0xff || !memcmp(a, zero, 16))
			return -EADDRNOTAVAIL;
		if (!memcmp(a, zero, 15) && a[15] == 1) {
			*route = TN_NS_ROUTE_SYSTEM;
			return 0;
		}
		if (!memcmp(a, quad100v6, 16)) {
			*route = TN_NS_ROUTE_TAILNET;
			return 0;
		}
	}
	if (tn_ns_is_self(ns, family, a)) {
		/* Go dials itself through netstack, whose forward takes it to
		 * 127.0.0.1 (even from an IPv6 address). */
		uint16_t port = port_of(ss);
		struct sockaddr_in *lo = (struct sockaddr_in *)ss;

		memset(ss, 0, sizeof(*ss));
		lo->sin_family = AF_INET;
		lo->sin_port = htons(port);
		lo->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*route = TN_NS_ROUTE_SYSTEM;
		return 0;
	}
	*route = tn_wg_allowedips_lookup(&ns->routes, family, a) ? TN_NS_ROUTE_TAILNET
								 : TN_NS_ROUTE_SYSTEM;
	return 0;
}

static int lwip_err(err_t err)
{
	switch (err) {
	case ERR_RST:
		return -ECONNREFUSED;
	case ERR_ABRT:
	case ERR_TIMEOUT:
		return -ETIMEDOUT;
	case ERR_RTE:
		return -ENETUNREACH;
	case ERR_MEM:
		return -ENOMEM;
	default:
		return -ECONNABORTED;
	}
}

static void on_pcb_err(void *arg, err_t err)
{
	struct tn_ns_dial *d = arg;

	d->pcb = NULL;                /* lwIP freed it */
	complete(d, lwip_err(err));
}

static err_t on_pcb_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tn_ns_dial *d = arg;

	(void)err;
	tcp_arg(pcb, NULL);
	tcp_err(pcb, NULL);
	d->pcb = NULL;
	d->res.pcb = pcb;
	tn_ns_ip_to_sockaddr(&pcb->local_ip, pcb->local_port, &d->res.local, NULL);
	d->cb(d->arg, 0, &d->res);
	d->cb = NULL;
	d->ns->stats.dials_tailnet++;
	if (d->res.pcb) {
		dial_free(d);
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	dial_free(d);
	return ERR_OK;
}

static void try_next(struct tn_ns_dial *d);

static void on_fd_connected(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_ns_dial *d = arg;
	struct tn_netstack *ns = d->ns;
	socklen_t len = sizeof(d->res.local);
	int soerr = 0;
	socklen_t elen = sizeof(soerr);

	(void)events;
	tn_loop_del_fd(loop, fd);
	tn_ns_enter(ns);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen) < 0)
		soerr = errno;
	if (soerr) {
		close(fd);
		d->fd = -1;
		if (!d->first_err)
			d->first_err = -soerr;
		try_next(d);
	} else {
		getsockname(fd, (struct sockaddr *)&d->res.local, &len);
		d->res.fd = fd;
		d->fd = -1;
		complete(d, 0);
	}
	tn_ns_leave(ns);
}

static int start_tailnet(struct tn_ns_dial *d, const struct sockaddr_storage *ss)
{
	struct tn_netstack *ns = d->ns;
	int family = family_of(ss);
	const ip_addr_t *local = tn_ns_local_addr(ns, family);
	ip_addr_t dst;
	err_t e;

	if (!local)
		return -ENETUNREACH;   /* no tailnet address of that family */
	if (d->udp)
		return 0;
	tn_ns_ip_from(&dst, family, addr_of(ss));
	if (!(d->pcb = tcp_new_ip_type(family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6)))
		return -ENOMEM;
	ip_set_option(d->pcb, SOF_REUSEADDR);
	tcp_arg(d->pcb, d);
	tcp_err(d->pcb, on_pcb_err);
	if ((e = tcp_bind(d->pcb, local, 0)) != ERR_OK ||
	    (e = tcp_connect(d->pcb, &dst, port_of(ss), on_pcb_connected)) != ERR_OK) {
		tcp_arg(d->pcb, NULL);
		tcp_err(d->pcb, NULL);
		tcp_abort(d->pcb);
		d->pcb = NULL;
		return lwip_err(e);
	}
	return 1;
}

static int start_system(struct tn_ns_dial *d, const struct sockaddr_storage *ss)
{
	socklen_t len = family_of(ss) == AF_INET ? sizeof(struct sockaddr_in)
						  : sizeof(struct sockaddr_in6);
	int fd, r;

	if (d->udp)
		return 0;
	fd = socket(family_of(ss), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS) {
		r = -errno;
		close(fd);
		return r;
	}
	if ((r = tn_loop_add_fd(d->ns->loop, fd, TN_EV_WRITE, on_fd_connected, d)) < 0) {
		close(fd);
		return r;
	}
	d->fd = fd;
	return 1;
}

/* Starts the next address; completes the dial when none is left or a
 * UDP "dial" has its answer.  Called from event callbacks (not from
 * tn_ns_dial itself, which uses fail_later). */
static void try_next(struct tn_ns_dial *d)
{
	while (d->next_addr < d->n_addrs) {
		struct sockaddr_storage ss = d->addrs[d->next_addr++];
		enum tn_ns_route route;
		int r = tn_ns_route_of(d->ns, &ss, &route);

		if (r == 0) {
			d->res.route = route;
			d->res.remote = ss;
			r = route == TN_NS_ROUTE_TAILNET ? start_tailnet(d, &ss) : start_system(d, &ss);
			if (r == 0) {
				complete(d, 0);   /* UDP: resolved and routed */
				return;
			}
			if (r > 0)
				return;           /* connecting */
		}
		if (!d->first_err)
			d->first_err = r;
	}
	complete(d, d->first_err ? d->first_err : -EHOSTUNREACH);
}

static void on_resolved(const struct tn_resolve_result *res, void *arg)
{
	struct tn_ns_dial *d = arg;
	struct tn_netstack *ns = d->ns;

	d->q = NULL;
	tn_ns_enter(ns);
	if (res->err) {
		complete(d, res->err);
	} else {
		for (size_t i = 0; i < res->count && d->n_addrs < MAX_ADDRS; i++)
			d->addrs[d->n_addrs++] = res->addrs[i];
		try_next(d);
	}
	tn_ns_leave(ns);
}

static void on_deadline(struct tn_timer *t, void *arg)
{
	struct tn_ns_dial *d = arg;
	struct tn_netstack *ns = d->ns;

	(void)t;
	tn_ns_enter(ns);
	complete(d, -ETIMEDOUT);
	tn_ns_leave(ns);
}

int tn_ns_dial(struct tn_netstack *ns, const char *host, uint16_t port, bool udp,
	       tn_ns_dial_cb cb, void *arg, struct tn_ns_dial **out)
{
	struct tn_ns_dial *d = calloc(1, sizeof(*d));
	uint8_t a[16];
	int family, r;

	if (!d)
		return -ENOMEM;
	d->ns = ns;
	d->cb = cb;
	d->arg = arg;
	d->udp = udp;
	d->port = port;
	d->fd = -1;
	d->res.fd = -1;
	d->next = ns->dials;
	if (ns->dials)
		ns->dials->prev = d;
	ns->dials = d;
	d->timer = tn_timer_new(ns->loop, on_deadline, d);
	d->later = tn_timer_new(ns->loop, on_later, d);
	if (!d->timer || !d->later) {
		dial_free(d);
		return -ENOMEM;
	}
	*out = d;
	tn_timer_arm(d->timer, DIAL_TIMEOUT_NS, 0);
	if (tn_resolve_numeric(host, port, &d->addrs[0]) == 0) {
		d->n_addrs = 1;
	} else if (tn_ns_names_lookup(&ns->names, host, &family, a)) {
		struct sockaddr_storage *ss = &d->addrs[0];

		memset(ss, 0, sizeof(*ss));
		if (family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(port);
			memcpy(&s4->sin_addr, a, 4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(port);
			memcpy(&s6->sin6_addr, a, 16);
		}
		d->n_addrs = 1;
	} else {
		if ((r = tn_resolve_start(ns->loop, host, port, on_resolved, d, &d->q)) < 0)
			fail_later(d, r == -EINVAL ? -ENOENT : r);
		return 0;
	}
	/* One address known now: start it, but report only from the loop. */
	{
		struct sockaddr_storage ss = d->addrs[0];
		enum tn_ns_route route;

		d->next_addr = 1;
		if ((r = tn_ns_route_of(ns, &ss, &route)) < 0) {
			fail_later(d, r);
			return 0;
		}
		d->res.route = route;
		d->res.remote = ss;
		tn_ns_enter(ns);
		r = route == TN_NS_ROUTE_TAILNET ? start_tailnet(d, &ss) : start_system(d, &ss);
		tn_ns_leave(ns);
		if (r <= 0)
			fail_later(d, r);
	}
	return 0;
}

void tn_ns_dial_cancel(struct tn_ns_dial *d)
{
	if (d)
		dial_free(d);
}

void tn_ns_dial_free_all(struct tn_netstack *ns)
{
	while (ns->dials)
		dial_free(ns->dials);
}

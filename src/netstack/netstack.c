/* The netstack's core: lwIP set up single-threaded on the loop, the netif
 * between lwIP and the engine, packet input (checks, buffers, deferral),
 * the lwIP timer and the entry/leave discipline of internal.h. */
#include "netstack/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/timeouts.h"

#include "event/loop.h"
#include "util/clock.h"
#include "util/log.h"

/* With no TCP connection and no input for this long, lwIP's timers (the
 * cyclic ones tick every 100 ms) stop until the next packet. */
#define IDLE_NS (10ULL * TN_NSEC_PER_SEC)

/* lwIP is process-global: one netstack at a time, lwip_init() once. */
static struct tn_netstack *current;
static bool lwip_ready;

static err_t emit(struct netif *netif, struct pbuf *p)
{
	struct tn_netstack *ns = netif->state;
	u16_t len = p->tot_len;

	/* tot_len is 16 bits: out_buf holds any packet. */
	if (pbuf_copy_partial(p, ns->out_buf, len, 0) != len)
		return ERR_OK;
	ns->stats.tx_packets++;
	ns->out_depth++;
	ns->output(ns->ctx, ns->out_buf, len);
	ns->out_depth--;
	return ERR_OK;
}

static err_t out4(struct netif *netif, struct pbuf *p, const ip4_addr_t *to)
{
	(void)to;
	return emit(netif, p);
}

static err_t out6(struct netif *netif, struct pbuf *p, const ip6_addr_t *to)
{
	(void)to;
	return emit(netif, p);
}

static err_t netif_setup(struct netif *netif)
{
	struct tn_netstack *ns = netif->state;

	netif->name[0] = 't';
	netif->name[1] = 'n';
	netif->output = out4;
	netif->output_ip6 = out6;
	netif->mtu = (u16_t)ns->mtu;
	netif->flags = 0;   /* point-to-point: no ARP, no broadcast, no MLD */
	return ERR_OK;
}

void tn_ns_ip_from(ip_addr_t *out, int family, const uint8_t *addr)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET) {
		memcpy(&ip_2_ip4(out)->addr, addr, 4);
		IP_SET_TYPE_VAL(*out, IPADDR_TYPE_V4);
	} else {
		memcpy(ip_2_ip6(out)->addr, addr, 16);
		ip6_addr_clear_zone(ip_2_ip6(out));
		IP_SET_TYPE_VAL(*out, IPADDR_TYPE_V6);
	}
}

int tn_ns_ip_to_sockaddr(const ip_addr_t *ip, uint16_t port, struct sockaddr_storage *out,
			 socklen_t *len)
{
	memset(out, 0, sizeof(*out));
	if (IP_IS_V4(ip)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)out;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, &ip_2_ip4(ip)->addr, 4);
		if (len)
			*len = sizeof(*s4);
		return 0;
	}
	if (IP_IS_V6(ip)) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip_2_ip6(ip)->addr, 16);
		if (len)
			*len = sizeof(*s6);
		return 0;
	}
	return -EAFNOSUPPORT;
}

const ip_addr_t *tn_ns_local_addr(const struct tn_netstack *ns, int family)
{
	if (family == AF_INET)
		return ns->has4 ? &ns->addr4 : NULL;
	return ns->n6 ? &ns->addr6[0] : NULL;
}

bool tn_ns_is_self(const struct tn_netstack *ns, int family, const uint8_t *addr)
{
	if (family == AF_INET)
		return ns->has4 && !memcmp(&ip_2_ip4(&ns->addr4)->addr, addr, 4);
	for (size_t i = 0; i < ns->n6; i++)
		if (!memcmp(ip_2_ip6(&ns->addr6[i])->addr, addr, 16))
			return true;
	return false;
}

void tn_ns_tune_socket(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void tn_ns_close_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* A light parse: enough to check addresses and find TCP SYNs and UDP.
 * lwIP validates the rest (checksums, options). */
static int parse(const uint8_t *b, size_t len, struct tn_ns_pkt *k)
{
	const uint8_t *l4;
	size_t l4len;

	memset(k, 0, sizeof(*k));
	if (len < 1)
		return -EBADMSG;
	if (b[0] >> 4 == 4) {
		size_t ihl = (size_t)(b[0] & 15) * 4, tot;

		if (len < 20 || ihl < 20 || ihl > len)
			return -EBADMSG;
		tot = (size_t)b[2] << 8 | b[3];
		if (tot < ihl || tot > len)
			return -EBADMSG;
		k->family = AF_INET;
		k->src = b + 12;
		k->dst = b + 16;
		/* Fragments go to lwIP's reassembly untouched. */
		k->proto = ((b[6] & 0x3f) || b[7]) ? 0 : b[9];
		l4 = b + ihl;
		l4len = tot - ihl;
	} else if (b[0] >> 4 == 6) {
		size_t plen;

		if (len < 40)
			return -EBADMSG;
		plen = (size_t)b[4] << 8 | b[5];
		if (40 + plen > len)
			return -EBADMSG;
		k->family = AF_INET6;
		k->src = b + 8;
		k->dst = b + 24;
		k->proto = b[6];
		l4 = b + 40;
		l4len = plen;
	} else {
		return -EBADMSG;
	}
	if (k->proto == IPPROTO_TCP && l4len >= 20) {
		k->sport = (uint16_t)(l4[0] << 8 | l4[1]);
		k->dport = (uint16_t)(l4[2] << 8 | l4[3]);
		k->seq = (uint32_t)l4[4] << 24 | (uint32_t)l4[5] << 16 | (uint32_t)l4[6] << 8 | l4[7];
		k->tcp_flags = l4[13];
	} else if (k->proto == IPPROTO_UDP && l4len >= 8) {
		k->sport = (uint16_t)(l4[0] << 8 | l4[1]);
		k->dport = (uint16_t)(l4[2] << 8 | l4[3]);
		k->payload = l4len - 8;
	} else if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) {
		return -EBADMSG;
	}
	return 0;
}

/* Sources no peer may use: ours (lwIP would loop its answer back through
 * the tcpip thread Debian's build expects), loopback, multicast,
 * broadcast, unspecified, v4-mapped. */
static bool bad_source(const struct tn_netstack *ns, const struct tn_ns_pkt *k)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t zero[16];
	const uint8_t *s = k->src;

	if (tn_ns_is_self(ns, k->family, s))
		return true;
	if (k->family == AF_INET)
		return s[0] == 0 || s[0] == 127 || s[0] >= 224;
	if (s[0] == 0xff || !memcmp(s, mapped, 12))
		return true;
	return !memcmp(s, zero, 15) && (s[15] == 0 || s[15] == 1);
}

static void defer(struct tn_netstack *ns, struct pbuf *p)
{
	if (ns->defer_n == TN_NS_DEFER_MAX) {
		ns->stats.drop_memory++;
		pbuf_free(p);
		return;
	}
	ns->defer[(ns->defer_head + ns->defer_n++) % TN_NS_DEFER_MAX] = p;
	tn_ns_want_work(ns);
}

/* Into lwIP, past the forwarding hooks.  p is owned. */
static void deliver(struct tn_netstack *ns, struct pbuf *p)
{
	struct tn_ns_pkt k;

	if (parse(p->payload, p->len, &k)) {
		pbuf_free(p);
		return;
	}
	if (k.proto == IPPROTO_TCP && (k.tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
		if (tn_ns_forward_syn(ns, p, &k))
			return;
	} else if (k.proto == IPPROTO_UDP) {
		tn_ns_forward_udp(ns, &k);
	}
	ip_input(p, &ns->netif);
}

void tn_ns_ip_input(struct tn_netstack *ns, struct pbuf *p)
{
	if (ns->out_depth)
		defer(ns, p);
	else
		deliver(ns, p);
}

void tn_netstack_input(struct tn_netstack *ns, const uint8_t *pkt, size_t len)
{
	struct tn_ns_pkt k;
	struct pbuf *p;

	if (parse(pkt, len, &k)) {
		ns->stats.drop_malformed++;
		return;
	}
	if (!tn_ns_is_self(ns, k.family, k.dst)) {
		ns->stats.drop_not_ours++;
		return;
	}
	if (bad_source(ns, &k)) {
		ns->stats.drop_source++;
		return;
	}
	if (len <= TN_NS_BUF_DATA) {
		p = tn_ns_pool_pbuf(ns->pool, pkt, len);
	} else if ((p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM))) {
		memcpy(p->payload, pkt, len);
	}
	if (!p) {
		ns->stats.drop_memory++;
		return;
	}
	ns->stats.rx_packets++;
	ns->active = true;
	if (ns->out_depth) {
		defer(ns, p);
		return;
	}
	tn_ns_enter(ns);
	deliver(ns, p);
	tn_ns_leave(ns);
}

void tn_netstack_rx_begin(struct tn_netstack *ns)
{
	ns->in_rx = true;
}

/* Re-arms the lwIP timer for lwIP's next timeout, or lets it rest.
 * Cheap on the packet path: while TCP connections exist lwIP's TCP timer
 * is already in its list, and the only timeout lwIP adds outside
 * sys_check_timeouts is that one (tcp_timer_needed), so an armed timer
 * stays right until it fires (force). */
static void kick(struct tn_netstack *ns, bool force)
{
	bool tcp = tcp_active_pcbs || tcp_tw_pcbs;
	uint64_t now, due;
	u32_t ms;

	if (!force && tcp && ns->had_tcp && tn_timer_armed(ns->lwip_timer))
		return;
	ns->had_tcp = tcp;
	now = tn_clock_now();
	if (ns->active) {
		ns->last_activity = now;
		ns->active = false;
	}
	if (!tcp && now - ns->last_activity > IDLE_NS) {
		tn_timer_cancel(ns->lwip_timer);
		ns->lwip_idle = true;
		return;
	}
	ms = sys_timeouts_sleeptime();
	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return;
	due = now + (uint64_t)ms * TN_NSEC_PER_MSEC;
	if (!tn_timer_armed(ns->lwip_timer) || tn_timer_deadline(ns->lwip_timer) > due)
		tn_timer_arm(ns->lwip_timer, (uint64_t)ms * TN_NSEC_PER_MSEC, 0);
}

static void run_work(struct tn_netstack *ns)
{
	/* Deferred packets and bridge work can beget each other; a few
	 * rounds, then the rest waits for the work timer. */
	for (int round = 0; round < 8; round++) {
		size_t n = ns->defer_n;

		if (!n && !ns->work)
			return;
		while (n--) {
			struct pbuf *p = ns->defer[ns->defer_head];

			ns->defer_head = (ns->defer_head + 1) % TN_NS_DEFER_MAX;
			ns->defer_n--;
			deliver(ns, p);
		}
		tn_ns_bridge_run(ns);
	}
	tn_timer_arm(ns->work_timer, 0, 0);
}

void tn_netstack_rx_end(struct tn_netstack *ns)
{
	ns->in_rx = false;
	ns->depth++;
	run_work(ns);
	kick(ns, false);
	ns->depth--;
}

void tn_ns_enter(struct tn_netstack *ns)
{
	if (ns->depth++)
		return;
	if (ns->lwip_idle) {
		sys_restart_timeouts();
		ns->lwip_idle = false;
		ns->force_kick = true;
	}
	if (!ns->in_rx && ns->batch_begin)
		ns->batch_begin(ns->ctx);
}

void tn_ns_leave(struct tn_netstack *ns)
{
	if (ns->depth == 1) {
		if (!ns->in_rx)
			run_work(ns);
		kick(ns, ns->force_kick);
		ns->force_kick = false;
		if (!ns->in_rx && ns->batch_end)
			ns->batch_end(ns->ctx);
	}
	ns->depth--;
}

void tn_ns_want_work(struct tn_netstack *ns)
{
	if (!ns->depth && !ns->in_rx)
		tn_timer_arm(ns->work_timer, 0, 0);
}

static void on_work_timer(struct tn_timer *t, void *arg)
{
	struct tn_netstack *ns = arg;

	(void)t;
	tn_ns_enter(ns);
	tn_ns_leave(ns);
}

static void on_lwip_timer(struct tn_timer *t, void *arg)
{
	struct tn_netstack *ns = arg;

	(void)t;
	tn_ns_enter(ns);
	sys_check_timeouts();
	ns->force_kick = true;
	tn_ns_leave(ns);
}

static void set_v6(struct tn_netstack *ns, const ip_addr_t *want, size_t n)
{
	bool same = n == ns->n6;

	for (size_t i = 0; same && i < n; i++)
		same = !memcmp(ip_2_ip6(&want[i])->addr, ip_2_ip6(&ns->addr6[i])->addr, 16);
	if (same)
		return;
	for (size_t i = 0; i < TN_NS_MAX_ADDR6; i++) {
		if (i < ns->n6)
			netif_ip6_addr_set_state(&ns->netif, (s8_t)i, IP6_ADDR_INVALID);
		if (i < n) {
			netif_ip6_addr_set(&ns->netif, (s8_t)i, ip_2_ip6(&want[i]));
			netif_ip6_addr_set_state(&ns->netif, (s8_t)i, IP6_ADDR_PREFERRED);
		}
	}
	memcpy(ns->addr6, want, n * sizeof(*want));
	ns->n6 = n;
	ns->netif.rs_count = 0;   /* no router solicitations on the tailnet */
}

void tn_netstack_set_addresses(struct tn_netstack *ns, const struct tn_tailcfg_prefix *addrs,
			       size_t n)
{
	ip_addr_t v4, v6[TN_NS_MAX_ADDR6];
	bool has4 = false;
	size_t n6 = 0;

	for (size_t i = 0; i < n; i++) {
		if (addrs[i].family == AF_INET && !has4) {
			tn_ns_ip_from(&v4, AF_INET, addrs[i].addr);
			has4 = true;
		} else if (addrs[i].family == AF_INET6 && n6 < TN_NS_MAX_ADDR6) {
			tn_ns_ip_from(&v6[n6++], AF_INET6, addrs[i].addr);
		}
	}
	tn_ns_enter(ns);
	if (has4 != ns->has4 || (has4 && !ip_addr_cmp(&v4, &ns->addr4))) {
		ip4_addr_t mask, gw, any;

		ip4_addr_set_u32(&mask, 0xffffffffu);
		ip4_addr_set_zero(&gw);
		ip4_addr_set_zero(&any);
		netif_set_addr(&ns->netif, has4 ? ip_2_ip4(&v4) : &any, &mask, &gw);
		ns->has4 = has4;
		if (has4)
			ns->addr4 = v4;
	}
	set_v6(ns, v6, n6);
	tn_ns_leave(ns);
}

int tn_netstack_set_netmap(struct tn_netstack *ns, const struct tn_netmap *nm)
{
	struct tn_wg_allowedips routes;
	struct tn_ns_names names;
	int r;

	if ((r = tn_ns_names_build(&names, nm)) < 0)
		return r;
	tn_wg_allowedips_init(&routes);
	for (size_t j = 0; j < nm->n_peers; j++) {
		const struct tn_tailcfg_node *p = nm->peers[j];

		if (p->expired)
			continue;
		for (size_t i = 0; i < p->n_allowed_ips; i++) {
			const struct tn_tailcfg_prefix *a = &p->allowed_ips[i];

			/* Exit routes are not ours to use without an exit node. */
			if (a->bits == 0)
				continue;
			if ((r = tn_wg_allowedips_insert(&routes, a->family, a->addr, a->bits, ns)) < 0) {
				tn_wg_allowedips_free(&routes);
				tn_ns_names_free(&names);
				return r;
			}
		}
	}
	tn_ns_names_free(&ns->names);
	ns->names = names;
	tn_wg_allowedips_free(&ns->routes);
	ns->routes = routes;
	return 0;
}

struct tn_netstack *tn_netstack_new(struct tn_loop *loop, const struct tn_netstack_config *cfg,
				    char *err, size_t errlen)
{
	struct tn_netstack *ns;

	if (current) {
		tn_set_error(err, errlen, "a userspace network stack already runs in this process");
		return NULL;
	}
	if (!(ns = calloc(1, sizeof(*ns)))) {
		tn_set_error(err, errlen, "out of memory");
		return NULL;
	}
	ns->loop = loop;
	ns->output = cfg->output;
	ns->ctx = cfg->ctx;
	ns->batch_begin = cfg->batch_begin;
	ns->batch_end = cfg->batch_end;
	ns->mtu = cfg->mtu ? cfg->mtu : 1280;
	ns->last_activity = tn_clock_now();
	tn_wg_allowedips_init(&ns->routes);
	if (!lwip_ready) {
		lwip_init();
		lwip_ready = true;
	}
	ns->pool = tn_ns_pool_new(TN_NS_POOL_MAX);
	ns->lwip_timer = tn_timer_new(loop, on_lwip_timer, ns);
	ns->work_timer = tn_timer_new(loop, on_work_timer, ns);
	if (!ns->pool || !ns->lwip_timer || !ns->work_timer ||
	    !netif_add_noaddr(&ns->netif, ns, netif_setup, ip_input)) {
		tn_set_error(err, errlen, "out of memory");
		goto fail;
	}
	ns->netif_added = true;
	current = ns;
	netif_set_default(&ns->netif);
	netif_set_up(&ns->netif);
	netif_set_link_up(&ns->netif);
	ns->netif.rs_count = 0;
	if (tn_ns_proxy_start(ns, cfg->socks5_listen, cfg->http_proxy_listen, err, errlen) < 0)
		goto fail;
	tn_ns_enter(ns);
	tn_ns_leave(ns);
	return ns;
fail:
	tn_netstack_free(ns);
	return NULL;
}

void tn_netstack_free(struct tn_netstack *ns)
{
	if (!ns)
		return;
	ns->depth++;    /* nothing below may run deferred work */
	tn_ns_proxy_free_all(ns);
	tn_ns_dial_free_all(ns);
	tn_ns_bridge_free_all(ns);
	tn_ns_forward_free_all(ns);
	if (ns->netif_added) {
		/* Connections handed back to lwIP to finish closing. */
		while (tcp_active_pcbs)
			tcp_abort(tcp_active_pcbs);
		while (tcp_tw_pcbs)
			tcp_abort(tcp_tw_pcbs);
		netif_set_down(&ns->netif);
		netif_remove(&ns->netif);
	}
	while (ns->defer_n) {
		pbuf_free(ns->defer[ns->defer_head]);
		ns->defer_head = (ns->defer_head + 1) % TN_NS_DEFER_MAX;
		ns->defer_n--;
	}
	tn_timer_free(ns->lwip_timer);
	tn_timer_free(ns->work_timer);
	tn_ns_names_free(&ns->names);
	tn_wg_allowedips_free(&ns->routes);
	tn_ns_pool_release(ns->pool);
	if (current == ns)
		current = NULL;
	free(ns);
}

void tn_netstack_stats(const struct tn_netstack *ns, struct tn_netstack_stats *out)
{
	*out = ns->stats;
	out->tcp_bridges = ns->n_bridges;
}

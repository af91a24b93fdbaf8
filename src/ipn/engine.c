#include "ipn/engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "dns/quad100.h"
#include "filter/filter.h"
#include "ipn/icmpping.h"
#include "magicsock/magicsock.h"
#include "net/netlink.h"
#include "net/tun.h"
#include "netstack/netstack.h"
#include "util/clock.h"
#include "util/log.h"
#include "wg/device.h"
#include "wg/peer.h"
#include "wg/tun_pump.h"

/* The tailnet's address ranges (protocol.md §10.2): routed into the TUN. */
static const uint8_t cgnat4[4] = { 100, 64, 0, 0 };
static const uint8_t ula6[16] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0 };

struct tn_engine {
	struct tn_loop *loop;
	struct tn_tun tun;
	struct tn_tun_pump pump;
	struct tn_wg_device *dev;
	struct tn_magicsock *ms;
	struct tn_tailcfg_prefix *addrs;  /* addresses on the TUN */
	size_t n_addrs;
	size_t n_peers;
	struct tn_filter *filter;         /* NULL until the first netmap: drop */
	struct tn_conntrack *ct;          /* our UDP flows, across filters */
	bool shields_up;
	uint64_t filter_in_drops, filter_out_drops;
	struct tn_netstack *ns;           /* userspace networking: no TUN */
	struct icmp_ping {                /* ping --icmp in flight */
		int handle;               /* 0: free */
		uint16_t id;
		uint8_t family, dst[16];
		uint64_t start;
		void (*fn)(void *arg, uint64_t latency_ns);
		void *arg;
	} icmp_pings[TN_ENGINE_ICMP_PINGS_MAX];
	unsigned n_icmp_pings;
	bool accept_routes;
	/* Our copy of the DERP map magicsock uses: it must outlive any one
	 * netmap (a new control session frees the old netmap while the
	 * engine runs on). */
	struct tn_tailcfg_derp_map *dm;
	struct tn_tailcfg_prefix *routes;  /* subnet routes on the TUN */
	size_t n_routes;
	int next_icmp_handle;
	struct tn_dns_quad100 *dns;       /* MagicDNS at 100.100.100.100 */
};

/* TUN reads come in batches: the datagrams they make leave together. */
static void tun_readable(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_engine *e = arg;

	tn_magicsock_batch_begin(e->ms);
	tn_tun_pump_on_readable(loop, fd, events, &e->pump);
}

static void tun_batch_done(void *arg)
{
	struct tn_engine *e = arg;

	tn_magicsock_batch_end(e->ms);
}

static void rx_begin(void *arg)
{
	struct tn_engine *e = arg;

	if (e->ns)
		tn_netstack_rx_begin(e->ns);
	else
		tn_tun_pump_begin(&e->pump);
}

static void rx_end(void *arg)
{
	struct tn_engine *e = arg;

	if (e->ns)
		tn_netstack_rx_end(e->ns);
	else
		tn_tun_pump_end(&e->pump);
}

/* The netstack's own bursts (data read from local sockets) leave in one
 * magicsock batch, as TUN reads do. */
static void ns_batch_begin(void *arg)
{
	tn_magicsock_batch_begin(((struct tn_engine *)arg)->ms);
}

static void ns_batch_end(void *arg)
{
	tn_magicsock_batch_end(((struct tn_engine *)arg)->ms);
}

/* Every IP packet from the TUN (or, in userspace mode, the netstack) on
 * its way to the tailnet passes here: MagicDNS takes what is addressed to
 * 100.100.100.100:53, the filter notes our own flows (connection tracking
 * lets their replies in), the rest is sealed for its peer. */
static void engine_outbound(void *ctx, uint8_t *pkt, size_t len)
{
	struct tn_engine *e = ctx;

	if (tn_dns_is_quad100(pkt, len)) {
		tn_dns_quad100_packet(e->dns, pkt, len);
		return;
	}
	if (tn_filter_run_out(e->ct, pkt, len, NULL) != TN_FILTER_ACCEPT) {
		e->filter_out_drops++;
		return;
	}
	tn_wg_device_send(e->dev, pkt, len);
}

/* Hands an IP packet to this host: the TUN, or in userspace mode the
 * netstack.  Peer packets come through engine_deliver; MagicDNS answers
 * come straight here (peer NULL). */
static void to_host(struct tn_engine *e, struct tn_wg_peer *peer, uint8_t *pkt, size_t len)
{
	if (e->ns)
		tn_netstack_input(e->ns, pkt, len);
	else
		tn_tun_pump_deliver(&e->pump, peer, pkt, len);
}

static void dns_to_host(void *ctx, uint8_t *pkt, size_t len)
{
	to_host(ctx, NULL, pkt, len);
}

/* Every decrypted packet from a peer passes here on its way to the host:
 * the packet filter decides. */
/* An echo reply to one of our ICMP pings: answered, and not the host's. */
static bool icmp_ping_reply(struct tn_engine *e, const uint8_t *pkt, size_t len)
{
	uint8_t src[16];
	uint16_t id, seq;
	int family;

	if (!tn_icmp_echo_reply_parse(pkt, len, &family, src, &id, &seq))
		return false;
	for (size_t i = 0; i < TN_ENGINE_ICMP_PINGS_MAX; i++) {
		struct icmp_ping *ip = &e->icmp_pings[i];
		void (*fn)(void *, uint64_t);
		void *arg;
		uint64_t latency;

		if (!ip->handle || ip->id != id || ip->family != family ||
		    memcmp(ip->dst, src, family == AF_INET ? 4 : 16))
			continue;
		fn = ip->fn;
		arg = ip->arg;
		latency = tn_clock_now() - ip->start;
		memset(ip, 0, sizeof(*ip));
		e->n_icmp_pings--;
		fn(arg, latency);
		return true;
	}
	return false;
}

static void engine_deliver(void *ctx, struct tn_wg_peer *peer, uint8_t *pkt, size_t len)
{
	struct tn_engine *e = ctx;

	if (e->n_icmp_pings && icmp_ping_reply(e, pkt, len))
		return;

	if (tn_filter_run_in(e->filter, e->ct, pkt, len, e->shields_up ? TN_FILTER_SHIELDS_UP : 0,
			     NULL) != TN_FILTER_ACCEPT) {
		e->filter_in_drops++;
		return;
	}
	to_host(e, peer, pkt, len);
}

struct tn_engine *tn_engine_new(struct tn_loop *loop, const struct tn_engine_options *opts,
				char *err, size_t errlen)
{
	struct tn_engine *e = calloc(1, sizeof(*e));
	const uint8_t *node_priv = opts->node_priv, *disco_priv = opts->disco_priv;
	const char *tun_name = opts->tun_name;
	uint16_t udp_port = opts->udp_port;
	int r;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->loop = loop;
	e->tun.fd = -1;
	if (!(e->ct = tn_conntrack_new(TN_CONNTRACK_DEFAULT_FLOWS))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!strcmp(tun_name, TN_ENGINE_USERSPACE)) {
		e->tun.mtu = TN_TUN_DEFAULT_MTU;   /* no TUN, no routes */
	} else if ((r = tn_tun_open(&e->tun, tun_name, TN_TUN_DEFAULT_MTU, true)) < 0) {
		snprintf(err, errlen, "TUN device %s: %s", tun_name, strerror(-r));
		goto fail;
	}
	if (e->tun.fd >= 0 &&
	    ((r = tn_tun_add_route(&e->tun, AF_INET, cgnat4, 10)) < 0 ||
	     (r = tn_tun_add_route(&e->tun, AF_INET6, ula6, 48)) < 0)) {
		snprintf(err, errlen, "routes into %s: %s", e->tun.name, strerror(-r));
		goto fail;
	}
	if (!(e->ms = tn_magicsock_new(loop, node_priv, disco_priv, udp_port))) {
		snprintf(err, errlen, "UDP port %u: %s", udp_port, strerror(errno));
		goto fail;
	}
	if (!(e->dev = tn_wg_device_new(loop, &tn_magicsock_path_ops, e->ms, engine_deliver, e))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	tn_magicsock_set_device(e->ms, e->dev);
	tn_wg_device_set_mtu(e->dev, e->tun.mtu);
	tn_tun_pump_init(&e->pump, &e->tun, e->dev, tun_batch_done, e);
	tn_tun_pump_set_outbound(&e->pump, engine_outbound, e);
	tn_magicsock_set_rx_batch_hooks(e->ms, rx_begin, rx_end, e);
	/* The OS's DNS is ours to configure only through a TUN; lwIP cannot
	 * take a reply while it sends the query. */
	if (!(e->dns = tn_dns_quad100_new(loop, &(struct tn_dns_quad100_options){
			.ifname = e->tun.fd >= 0 ? e->tun.name : NULL,
			.defer_replies = e->tun.fd < 0 }, dns_to_host, e))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((r = tn_wg_device_set_private_key(e->dev, node_priv)) < 0 ||
	    (e->tun.fd >= 0 &&
	     (r = tn_loop_add_fd(loop, e->tun.fd, TN_EV_READ, tun_readable, e)) < 0)) {
		snprintf(err, errlen, "WireGuard device: %s", strerror(-r));
		goto fail;
	}
	if (e->tun.fd < 0) {
		struct tn_netstack_config nc = {
			.output = engine_outbound, .ctx = e,
			.batch_begin = ns_batch_begin, .batch_end = ns_batch_end,
			.mtu = e->tun.mtu,
			.socks5_listen = opts->socks5_listen,
			.http_proxy_listen = opts->http_proxy_listen,
		};

		if (!(e->ns = tn_netstack_new(loop, &nc, err, errlen)))
			goto fail;
		tn_log_info("engine", "userspace networking (no TUN)");
		return e;
	}
	tn_log_info("engine", "TUN %s up (offloads %s)", e->tun.name, e->tun.vnet ? "on" : "off");
	return e;
fail:
	tn_engine_free(e);
	return NULL;
}

static void remove_peer(struct tn_engine *e, struct tn_wg_peer *p)
{
	tn_magicsock_forget_peer(e->ms, p);
	tn_wg_peer_remove(p);
}

void tn_engine_free(struct tn_engine *e)
{
	if (!e)
		return;
	if (e->tun.fd >= 0)
		tn_loop_del_fd(e->loop, e->tun.fd);
	tn_dns_quad100_free(e->dns);      /* puts the OS's DNS back */
	/* The netstack's last resets still go out through the device. */
	tn_netstack_free(e->ns);
	/* Peers hold magicsock path data: free it before the device goes. */
	if (e->dev) {
		struct tn_wg_peer **peers = NULL;
		size_t n = tn_wg_device_peers(e->dev, &peers);

		for (size_t i = 0; i < n; i++)
			tn_magicsock_forget_peer(e->ms, peers[i]);
		free(peers);
	}
	tn_wg_device_free(e->dev);
	tn_magicsock_free(e->ms);
	tn_tun_close(&e->tun);
	tn_filter_free(e->filter);
	tn_conntrack_free(e->ct);
	free(e->addrs);
	free(e->routes);
	if (e->dm) {
		tn_tailcfg_derp_map_free(e->dm);
		free(e->dm);
	}
	free(e);
}

static bool has_prefix(const struct tn_tailcfg_prefix *set, size_t n, const struct tn_tailcfg_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (set[i].family == p->family && set[i].bits == p->bits &&
		    !memcmp(set[i].addr, p->addr, p->family == AF_INET ? 4 : 16))
			return true;
	return false;
}

static void apply_self(struct tn_engine *e, const struct tn_tailcfg_node *self)
{
	struct tn_tailcfg_prefix *n;

	for (size_t i = 0; i < self->n_addresses; i++) {
		const struct tn_tailcfg_prefix *a = &self->addresses[i];
		int r;

		if (has_prefix(e->addrs, e->n_addrs, a))
			continue;
		r = e->ns ? 0 : tn_tun_add_address(&e->tun, a->family, a->addr, a->bits);
		if (r < 0) {
			tn_log_warn("engine", "adding an address to %s: %s", e->tun.name, strerror(-r));
			continue;
		}
		if (!(n = realloc(e->addrs, (e->n_addrs + 1) * sizeof(*n))))
			return;
		e->addrs = n;
		e->addrs[e->n_addrs++] = *a;
	}
}

/* Which of a peer's AllowedIPs we route to it (Go's peer config): its own
 * addresses always; subnet routes only with accept-routes; exit routes
 * (a default route) only for a chosen exit node, which we do not do yet. */
static bool peer_route_wanted(const struct tn_engine *e, const struct tn_tailcfg_node *node,
			      const struct tn_tailcfg_prefix *a)
{
	if (has_prefix(node->addresses, node->n_addresses, a))
		return true;
	return e->accept_routes && a->bits > 0;
}

/* The TUN's routes for accepted subnets: what the peers offer now, added
 * and removed to match (tailnet ranges are routed once, at start). */
static void apply_routes(struct tn_engine *e, const struct tn_netmap *nm)
{
	struct tn_tailcfg_prefix *want = NULL;
	size_t n_want = 0, cap = 0;

	if (e->tun.fd < 0)
		return;
	for (size_t j = 0; e->accept_routes && j < nm->n_peers; j++) {
		const struct tn_tailcfg_node *node = nm->peers[j];

		for (size_t i = 0; !node->expired && i < node->n_allowed_ips; i++) {
			const struct tn_tailcfg_prefix *a = &node->allowed_ips[i];

			if (!peer_route_wanted(e, node, a) ||
			    has_prefix(node->addresses, node->n_addresses, a) ||
			    has_prefix(want, n_want, a))
				continue;
			if (n_want == cap) {
				struct tn_tailcfg_prefix *w = realloc(want, (cap = cap ? cap * 2 : 8) * sizeof(*w));

				if (!w)
					break;
				want = w;
			}
			want[n_want++] = *a;
		}
	}
	for (size_t i = 0; i < e->n_routes; i++)
		if (!has_prefix(want, n_want, &e->routes[i]))
			tn_nl_route(e->tun.ifindex, e->routes[i].family, e->routes[i].addr,
				    e->routes[i].bits, false);
	for (size_t i = 0; i < n_want; i++) {
		int r;

		if (has_prefix(e->routes, e->n_routes, &want[i]))
			continue;
		if ((r = tn_tun_add_route(&e->tun, want[i].family, want[i].addr, want[i].bits)) < 0 &&
		    r != -EEXIST) {
			char buf[TN_TAILCFG_ADDRPORT_MAX];

			tn_tailcfg_prefix_format(buf, &want[i]);
			tn_log_warn("engine", "route %s: %s", buf, strerror(-r));
		}
	}
	free(e->routes);
	e->routes = want;
	e->n_routes = n_want;
}

void tn_engine_set_accept_routes(struct tn_engine *e, bool on)
{
	e->accept_routes = on;
}

static void apply_peer(struct tn_engine *e, const struct tn_tailcfg_node *node)
{
	struct tn_wg_peer *p = tn_wg_peer_lookup(e->dev, node->key);
	int r;

	if (!p && (r = tn_wg_peer_add(e->dev, node->key, NULL, &p)) < 0) {
		tn_log_warn("engine", "peer %s: %s", node->name, strerror(-r));
		return;
	}
	tn_wg_peer_clear_allowed_ips(p);
	for (size_t i = 0; i < node->n_allowed_ips; i++) {
		const struct tn_tailcfg_prefix *a = &node->allowed_ips[i];

		if (peer_route_wanted(e, node, a))
			tn_wg_peer_add_allowed_ip(p, a->family, a->addr, a->bits);
	}
	tn_magicsock_set_peer(e->ms, p, node->home_derp, node->disco_key, node->endpoints,
			      node->n_endpoints);
}

/* Recompiles the packet filter when what it is built from (the rules, our
 * addresses, the holders of capabilities the rules name) has changed. */
static void apply_filter(struct tn_engine *e, const struct tn_netmap *nm)
{
	struct tn_filter_config cfg = {
		.rules = nm->filter,
		.n_rules = nm->n_filter,
		.local = nm->self ? nm->self->addresses : NULL,
		.n_local = nm->self ? nm->self->n_addresses : 0,
		.self = nm->self,
		.peers = nm->peers,
		.n_peers = nm->n_peers,
	};
	uint8_t digest[TN_FILTER_DIGEST_LEN];
	struct tn_filter_info info;
	struct tn_filter *f;
	char warn[256];
	int r;

	if (e->filter && !tn_filter_config_digest(&cfg, digest) &&
	    !memcmp(digest, tn_filter_digest(e->filter), sizeof(digest)))
		return;
	if ((r = tn_filter_new(&f, &cfg, warn, sizeof(warn))) < 0) {
		tn_log_warn("engine", "packet filter: %s; the previous one stays", strerror(-r));
		return;
	}
	if (warn[0])
		tn_log_warn("engine", "packet filter: %s", warn);
	tn_filter_info(f, &info);
	tn_log_info("engine", "packet filter: %zu rules, %zu groups of %zu ranges", info.rules,
		    info.groups, info.ranges);
	tn_filter_free(e->filter);
	e->filter = f;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b, 32);
}

/* A DERP map that differs from ours replaces it (copied, so it does not
 * depend on the netmap's lifetime; an unchanged one leaves magicsock and
 * its netcheck round alone).  Returns the home region. */
static int apply_derp_map(struct tn_engine *e, const struct tn_tailcfg_derp_map *dm)
{
	struct tn_tailcfg_derp_map *copy = NULL, *old = e->dm;

	if ((!dm && !old) || (dm && old && tn_tailcfg_derp_map_equal(dm, old)))
		return tn_magicsock_home_derp(e->ms);
	if (dm) {
		if (!(copy = malloc(sizeof(*copy))) || tn_tailcfg_derp_map_copy(copy, dm) < 0) {
			free(copy);
			tn_log_warn("engine", "DERP map: out of memory; keeping the old one");
			return tn_magicsock_home_derp(e->ms);
		}
	}
	e->dm = copy;
	tn_magicsock_set_derp_map(e->ms, copy);
	if (old) {
		tn_tailcfg_derp_map_free(old);
		free(old);
	}
	return tn_magicsock_home_derp(e->ms);
}

int tn_engine_apply(struct tn_engine *e, const struct tn_netmap *nm)
{
	struct tn_wg_peer **peers = NULL;
	const uint8_t **keys;
	size_t n, nkeys = 0;
	int home;

	if (nm->self)
		apply_self(e, nm->self);
	if (e->ns && nm->self)
		tn_netstack_set_addresses(e->ns, nm->self->addresses, nm->self->n_addresses);
	if (e->ns && tn_netstack_set_netmap(e->ns, nm) < 0)
		tn_log_warn("engine", "netstack names: out of memory");
	apply_filter(e, nm);
	if (tn_dns_quad100_set_netmap(e->dns, nm) == -ENOMEM)
		tn_log_warn("engine", "MagicDNS config: out of memory");
	home = apply_derp_map(e, nm->derp_map);
	/* Remove device peers the netmap no longer has (or has expired):
	 * the netmap's keys sorted, each device peer looked up. */
	keys = malloc((nm->n_peers ? nm->n_peers : 1) * sizeof(*keys));
	if (!keys)
		return home;
	for (size_t j = 0; j < nm->n_peers; j++)
		if (!nm->peers[j]->expired)
			keys[nkeys++] = nm->peers[j]->key;
	qsort(keys, nkeys, sizeof(*keys), cmp_key);
	n = tn_wg_device_peers(e->dev, &peers);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *key = tn_wg_peer_public_key(peers[i]);

		if (!bsearch(&key, keys, nkeys, sizeof(*keys), cmp_key))
			remove_peer(e, peers[i]);
	}
	free(peers);
	free(keys);
	for (size_t j = 0; j < nm->n_peers; j++)
		if (!nm->peers[j]->expired)
			apply_peer(e, nm->peers[j]);
	apply_routes(e, nm);
	e->n_peers = tn_wg_device_peers(e->dev, NULL);
	return home;
}

void tn_engine_set_shields_up(struct tn_engine *e, bool on)
{
	/* Go's shields-up filter does not inherit the flows of a normal one
	 * (the reverse keeps them). */
	if (on && !e->shields_up)
		tn_conntrack_flush(e->ct);
	e->shields_up = on;
}

int tn_engine_set_accept_dns(struct tn_engine *e, bool accept_dns)
{
	return tn_dns_quad100_set_accept_dns(e->dns, accept_dns);
}

int tn_engine_set_node_key(struct tn_engine *e, const uint8_t node_priv[32])
{
	return tn_wg_device_set_private_key(e->dev, node_priv);
}

void tn_engine_stats(const struct tn_engine *e, struct tn_engine_stats *out)
{
	const struct tn_wg_stats *s = tn_wg_device_stats(e->dev);
	const struct tn_magicsock_stats *m = tn_magicsock_stats(e->ms);

	out->peers = e->n_peers;
	out->rx_packets = s->rx_packets;
	out->tx_packets = s->tx_packets;
	out->derp_sent = m->derp_sent;
	out->derp_received = m->derp_received;
	out->udp_sent = m->udp_sent;
	out->udp_received = m->udp_received;
	out->disco_pings = m->disco_pings;
	out->disco_pings_sent = m->disco_pings_sent;
	out->call_me_maybe = m->call_me_maybe;
	out->filter_in_drops = e->filter_in_drops;
	out->filter_out_drops = e->filter_out_drops;
	out->drops = s->drop_malformed + s->drop_auth + s->drop_replay + s->drop_source +
		     s->drop_no_peer + m->derp_send_drops + m->no_path;
}

size_t tn_engine_endpoints(struct tn_engine *e, struct tn_tailcfg_addrport *out,
			   enum tn_tailcfg_endpoint_type *types, size_t max)
{
	return tn_magicsock_endpoints(e->ms, out, types, max);
}

void tn_engine_on_endpoints(struct tn_engine *e, void (*fn)(void *arg), void *arg)
{
	tn_magicsock_on_endpoints(e->ms, fn, arg);
}

void tn_engine_peer_info(struct tn_engine *e, const uint8_t node_key[32],
			 struct tn_engine_peer_info *out)
{
	struct tn_wg_peer *p = tn_wg_peer_lookup(e->dev, node_key);

	memset(out, 0, sizeof(*out));
	out->derp_code = "";
	if (!p)
		return;
	out->in_engine = true;
	tn_magicsock_peer_route(e->ms, p, &out->cur_addr, &out->derp_region);
	out->derp_code = tn_magicsock_region_code(e->ms, out->derp_region);
	out->rx_bytes = p->rx_bytes;
	out->tx_bytes = p->tx_bytes;
	out->last_handshake = tn_wg_peer_last_handshake(p);
}

int tn_engine_ping(struct tn_engine *e, const uint8_t node_key[32],
		   void (*fn)(void *arg, const struct tn_magicsock_pong *pong), void *arg)
{
	struct tn_wg_peer *p = tn_wg_peer_lookup(e->dev, node_key);

	return p ? tn_magicsock_ping(e->ms, p, fn, arg) : -ENOENT;
}

void tn_engine_ping_cancel(struct tn_engine *e, int handle)
{
	tn_magicsock_ping_cancel(e->ms, handle);
}

const char *tn_engine_region_code(struct tn_engine *e, int region)
{
	return tn_magicsock_region_code(e->ms, region);
}

int tn_engine_ping_icmp(struct tn_engine *e, int family, const uint8_t *dst,
			void (*fn)(void *arg, uint64_t latency_ns), void *arg)
{
	const struct tn_tailcfg_prefix *src = NULL;
	struct icmp_ping *ip = NULL;
	uint8_t pkt[TN_ICMP_ECHO_MAX];
	size_t n;

	for (size_t i = 0; i < e->n_addrs && !src; i++)
		if (e->addrs[i].family == family)
			src = &e->addrs[i];
	if (!src)
		return -EADDRNOTAVAIL;
	for (size_t i = 0; i < TN_ENGINE_ICMP_PINGS_MAX && !ip; i++)
		if (!e->icmp_pings[i].handle)
			ip = &e->icmp_pings[i];
	if (!ip)
		return -EBUSY;
	if (++e->next_icmp_handle <= 0)
		e->next_icmp_handle = 1;
	*ip = (struct icmp_ping){ .handle = e->next_icmp_handle, .family = (uint8_t)family,
				  .start = tn_clock_now(), .fn = fn, .arg = arg };
	tn_crypto_random((uint8_t *)&ip->id, sizeof(ip->id));
	memcpy(ip->dst, dst, family == AF_INET ? 4 : 16);
	n = tn_icmp_echo_build(pkt, sizeof(pkt), family, src->addr, dst, ip->id, 1);
	e->n_icmp_pings++;
	/* Straight into the tunnel: not through the filter's outbound path,
	 * since the reply is taken before the filter sees it. */
	tn_wg_device_send(e->dev, pkt, n);
	return ip->handle;
}

void tn_engine_ping_icmp_cancel(struct tn_engine *e, int handle)
{
	for (size_t i = 0; handle > 0 && i < TN_ENGINE_ICMP_PINGS_MAX; i++)
		if (e->icmp_pings[i].handle == handle) {
			memset(&e->icmp_pings[i], 0, sizeof(e->icmp_pings[i]));
			e->n_icmp_pings--;
		}
}

int tn_engine_home_derp(const struct tn_engine *e)
{
	return tn_magicsock_home_derp(e->ms);
}

const struct tn_netcheck_report *tn_engine_netcheck(const struct tn_engine *e)
{
	return tn_magicsock_netcheck(e->ms);
}

void tn_engine_disco_public(const struct tn_engine *e, uint8_t out[32])
{
	tn_magicsock_disco_public(e->ms, out);
}

bool tn_engine_has_addresses(const struct tn_engine *e)
{
	return e->n_addrs > 0;
}


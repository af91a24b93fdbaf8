#include "magicsock/magicsock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/box.h"
#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "derp/client.h"
#include "magicsock/disco.h"
#include "magicsock/internal.h"
#include "magicsock/netcheck.h"
#include "magicsock/stun.h"
#include "net/udp.h"
#include "util/clock.h"
#include "util/log.h"


/* The device peer whose disco key is key, or NULL. */
static struct tn_wg_peer *peer_by_disco(struct tn_magicsock *ms, const uint8_t key[32])
{
	struct tn_wg_peer **peers = NULL, *found = NULL;
	size_t n = ms->dev ? tn_wg_device_peers(ms->dev, &peers) : 0;

	for (size_t i = 0; i < n && !found; i++) {
		struct ms_peer *mp = tn_wg_peer_path_data(peers[i]);

		if (mp && mp->has_disco && !memcmp(mp->disco_pub, key, 32))
			found = peers[i];
	}
	free(peers);
	return found;
}

void tn_ms_addrport_from_sockaddr(struct tn_tailcfg_addrport *ap, const struct sockaddr_storage *ss)
{
	memset(ap, 0, sizeof(*ap));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		ap->family = AF_INET;
		memcpy(ap->addr, &in->sin_addr, 4);
		ap->port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		ap->family = AF_INET6;
		memcpy(ap->addr, &in6->sin6_addr, 16);
		ap->port = ntohs(in6->sin6_port);
	}
}

static socklen_t sockaddr_from_addrport(struct sockaddr_storage *ss, const struct tn_tailcfg_addrport *ap)
{
	memset(ss, 0, sizeof(*ss));
	if (ap->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(ap->port);
		memcpy(&in->sin_addr, ap->addr, 4);
		return sizeof(*in);
	}
	if (ap->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(ap->port);
		memcpy(&in6->sin6_addr, ap->addr, 16);
		return sizeof(*in6);
	}
	return 0;
}

/* Seals a disco ping to mp with a fresh txid (copied to txid_out). */
int tn_ms_seal_ping(struct tn_magicsock *ms, struct ms_peer *mp, uint8_t *out, size_t outlen,
		     uint8_t txid_out[12])
{
	struct tn_disco_msg ping;

	memset(&ping, 0, sizeof(ping));
	ping.type = TN_DISCO_PING;
	tn_crypto_random(ping.ping.txid, sizeof(ping.ping.txid));
	memcpy(txid_out, ping.ping.txid, sizeof(ping.ping.txid));
	tn_key_public_from_private(ping.ping.node_key, ms->node_priv);
	return tn_disco_seal_afternm(out, outlen, ms->disco_pub, mp->disco_shared, &ping);
}

/* Pings mp at to over UDP; a pong confirms that path.  Returns the txid
 * slot used, or NULL. */
const uint8_t *tn_ms_send_ping(struct tn_magicsock *ms, struct ms_peer *mp,
				const struct tn_tailcfg_addrport *to)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_from_addrport(&ss, to);
	unsigned slot = mp->next_ping;
	uint8_t out[256];
	int n;

	if (!sl)
		return NULL;
	n = tn_ms_seal_ping(ms, mp, out, sizeof(out), mp->pings[slot].txid);
	mp->pings[slot].to = *to;
	mp->next_ping = (mp->next_ping + 1) % PEER_ENDPOINTS_MAX;
	if (n > 0 && tn_udp_send(&ms->udp, (struct sockaddr *)&ss, sl, out, (size_t)n) == 0)
		ms->stats.disco_pings_sent++;
	return mp->pings[slot].txid;
}

/* Looking for a direct path: ping every endpoint the peer announced (that
 * opens our NAT toward it) and ask it, over DERP, to ping ours. */
static void probe_peer(struct tn_magicsock *ms, struct tn_wg_peer *peer, struct ms_peer *mp,
		       struct region_conn *rc)
{
	struct tn_disco_msg cmm;
	enum tn_tailcfg_endpoint_type types[TN_MAGICSOCK_MAX_ENDPOINTS];
	uint8_t out[1024];
	uint64_t now = tn_clock_now();
	int n;

	if (!mp->has_disco || (mp->last_probe && now - mp->last_probe < TN_MAGICSOCK_PROBE_INTERVAL_NS))
		return;
	mp->last_probe = now ? now : 1;
	for (size_t i = 0; i < mp->n_endpoints; i++)
		tn_ms_send_ping(ms, mp, &mp->endpoints[i]);
	memset(&cmm, 0, sizeof(cmm));
	cmm.type = TN_DISCO_CALL_ME_MAYBE;
	cmm.call_me_maybe.n_endpoints = tn_magicsock_endpoints(ms, cmm.call_me_maybe.endpoints, types,
							       TN_MAGICSOCK_MAX_ENDPOINTS);
	n = tn_disco_seal_afternm(out, sizeof(out), ms->disco_pub, mp->disco_shared, &cmm);
	if (n > 0 && rc)
		tn_derp_client_send(rc->client, tn_wg_peer_public_key(peer), out, (size_t)n);
}


/* A disco packet from a UDP source (udp_src) or over DERP (derp_src with
 * its region).  Pings from known peers are answered with a pong on the
 * same path; everything else is set aside. */
static void handle_disco(struct tn_magicsock *ms, const uint8_t *pkt, size_t len,
			 const struct tn_wg_endpoint *udp_src, const uint8_t derp_src[32], int region)
{
	const uint8_t *sender = tn_disco_sender(pkt, len);
	struct tn_wg_peer *peer = sender ? peer_by_disco(ms, sender) : NULL;
	struct ms_peer *mp = peer ? tn_wg_peer_path_data(peer) : NULL;
	struct tn_disco_msg m, pong;
	uint8_t out[256];
	int n;

	if (!mp || tn_disco_open_afternm(&m, pkt, len, mp->disco_shared) < 0) {
		ms->stats.disco_bad++;
		return;
	}
	if (m.type == TN_DISCO_CALL_ME_MAYBE) {
		/* The peer is pinging our endpoints; ping its endpoints so our
		 * NAT lets its pings (and then its WireGuard) in. */
		ms->stats.call_me_maybe++;
		for (size_t i = 0; i < m.call_me_maybe.n_endpoints; i++)
			tn_ms_send_ping(ms, mp, &m.call_me_maybe.endpoints[i]);
		return;
	}
	if (m.type == TN_DISCO_PONG) {
		tn_ms_answer_user_ping(ms, peer, m.pong.txid, udp_src, region);
		/* A pong to one of our pings, over UDP: that path works. */
		for (size_t i = 0; udp_src && i < PEER_ENDPOINTS_MAX; i++) {
			if (memcmp(mp->pings[i].txid, m.pong.txid, sizeof(m.pong.txid)))
				continue;
			struct sockaddr_storage ss;
			socklen_t sl = sockaddr_from_addrport(&ss, &mp->pings[i].to);

			memset(mp->pings[i].txid, 0, sizeof(mp->pings[i].txid));
			if (sl)
				tn_wg_peer_confirm_endpoint(peer, (struct sockaddr *)&ss, sl);
			ms->stats.disco_pongs_received++;
			return;
		}
		ms->stats.disco_ignored++;
		return;
	}
	if (m.type != TN_DISCO_PING) {
		ms->stats.disco_ignored++; /* relay messages */
		return;
	}
	ms->stats.disco_pings++;
	memset(&pong, 0, sizeof(pong));
	pong.type = TN_DISCO_PONG;
	memcpy(pong.pong.txid, m.ping.txid, sizeof(pong.pong.txid));
	if (udp_src) {
		tn_ms_addrport_from_sockaddr(&pong.pong.src, &udp_src->addr);
	} else {
		/* Over DERP the source is DERP's magic address and the region. */
		pong.pong.src.family = AF_INET;
		inet_pton(AF_INET, TN_TAILCFG_DERP_MAGIC_IP, pong.pong.src.addr);
		pong.pong.src.port = (uint16_t)region;
	}
	n = tn_disco_seal_afternm(out, sizeof(out), ms->disco_pub, mp->disco_shared, &pong);
	if (n < 0)
		return;
	if (udp_src) {
		if (tn_udp_send(&ms->udp, (const struct sockaddr *)&udp_src->addr, udp_src->len, out,
				(size_t)n) == 0)
			ms->stats.disco_pongs_sent++;
	} else {
		struct region_conn *rc = tn_ms_region_conn(ms, region);

		if (rc && tn_derp_client_send(rc->client, derp_src, out, (size_t)n) == 0)
			ms->stats.disco_pongs_sent++;
	}
}

static int netcheck_send(void *ctx, const struct sockaddr *to, socklen_t tolen, const uint8_t *buf,
			 size_t len)
{
	struct tn_magicsock *ms = ctx;
	int r = tn_udp_send(&ms->udp, to, tolen, buf, len);

	if (r == 0)
		ms->stats.stun_sent++;
	return r;
}

/* A netcheck round is done: our mapped address and the home region. */
static void netcheck_done(void *ctx, const struct tn_netcheck_report *r)
{
	struct tn_magicsock *ms = ctx;
	bool changed = false;

	if (r->global_v4.family && memcmp(&r->global_v4, &ms->stun_addr, sizeof(ms->stun_addr))) {
		char buf[TN_TAILCFG_ADDRPORT_MAX];

		ms->stun_addr = r->global_v4;
		tn_tailcfg_addrport_format(buf, &r->global_v4);
		tn_log_info("magicsock", "STUN: our UDP endpoint is %s", buf);
		changed = true;
	}
	if (r->preferred && r->preferred != ms->home) {
		tn_ms_set_home(ms, r->preferred);
		changed = true;
	}
	if (changed && ms->on_endpoints)
		ms->on_endpoints(ms->on_endpoints_arg);
}

static void on_udp(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_magicsock *ms = arg;
	int n = tn_udp_recv_batch(&ms->udp);

	tn_magicsock_batch_begin(ms);
	if (ms->rx_begin)
		ms->rx_begin(ms->rx_arg);
	for (int i = 0; i < n; i++) {
		struct tn_udp_rx *rx = &ms->udp.rx[i];
		struct tn_wg_endpoint src;

		memset(&src, 0, sizeof(src));
		memcpy(&src.addr, &rx->from, sizeof(src.addr));
		src.len = rx->from_len;
		for (size_t off = 0; off < rx->len; off += rx->seg) {
			size_t len = rx->len - off < rx->seg ? rx->len - off : rx->seg;
			uint8_t *p = rx->buf + off;

			ms->stats.udp_received++;
			if (tn_disco_looks_like(p, len))
				handle_disco(ms, p, len, &src, NULL, 0);
			else if (tn_stun_is(p, len)) {
				if (tn_netcheck_handle(ms->netcheck, p, len))
					ms->stats.stun_received++;
			}
			else if (ms->dev)
				tn_wg_device_receive(ms->dev, p, len, &src);
		}
	}
	if (ms->rx_end)
		ms->rx_end(ms->rx_arg);
	tn_magicsock_batch_end(ms);
}

void tn_ms_on_derp_packet(void *arg, const uint8_t src[32], uint8_t *pkt, size_t len)
{
	struct region_conn *rc = arg;
	struct tn_magicsock *ms = rc->ms;

	rc->last_used = tn_clock_now();
	ms->stats.derp_received++;
	if (tn_disco_looks_like(pkt, len)) {
		handle_disco(ms, pkt, len, NULL, src, rc->region);
		return;
	}
	/* WireGuard over DERP only from node keys in the netmap, and only as
	 * that node (Go does the same). */
	if (ms->dev) {
		struct tn_wg_peer *peer = tn_wg_peer_lookup(ms->dev, src);

		if (peer)
			tn_wg_device_receive_from_peer(ms->dev, pkt, len, peer);
		else
			ms->stats.no_path++;
	}
}


static int path_send(void *ctx, struct tn_wg_peer *peer, const uint8_t *buf, size_t len)
{
	struct tn_magicsock *ms = ctx;
	struct ms_peer *mp = tn_wg_peer_path_data(peer);
	const struct tn_wg_endpoint *ep = tn_wg_peer_endpoint(peer);
	struct region_conn *rc;
	int r;

	/* Direct while the peer's WireGuard (or its pongs) keep arriving over
	 * UDP.  While we send, a heartbeat ping every few seconds keeps the
	 * path confirmed even when the peer has nothing to send back. */
	uint64_t now = tn_clock_now();

	if (ep->len && ep->seen && now - ep->seen < TN_MAGICSOCK_DIRECT_TRUST_NS) {
		if (mp && mp->has_disco && now - mp->last_heartbeat >= TN_MAGICSOCK_HEARTBEAT_NS) {
			struct tn_tailcfg_addrport ap;

			mp->last_heartbeat = now;
			tn_ms_addrport_from_sockaddr(&ap, &ep->addr);
			tn_ms_send_ping(ms, mp, &ap);
		}
		r = tn_udp_queue(&ms->udp, (const struct sockaddr *)&ep->addr, ep->len, buf, len);
		if (r == 0 && !ms->in_batch)
			r = tn_udp_flush(&ms->udp);
		if (r == 0) {
			ms->stats.udp_sent++;
			return 0;
		}
	}
	if (!mp || !mp->home_derp || !(rc = tn_ms_region_conn(ms, mp->home_derp))) {
		ms->stats.no_path++;
		return -EHOSTUNREACH;
	}
	r = tn_derp_client_send(rc->client, tn_wg_peer_public_key(peer), buf, len);
	if (r < 0)
		ms->stats.derp_send_drops++;
	else
		ms->stats.derp_sent++;
	probe_peer(ms, peer, mp, rc);
	return r;
}

/* Cookie replies go back the way the message came; over DERP that needs
 * the sender's key, which the device does not pass: drop them (a relayed
 * handshake is not load-shed, see the device). */
static int path_reply(void *ctx, const struct tn_wg_endpoint *to, const uint8_t *buf, size_t len)
{
	return -EDESTADDRREQ;
}

const struct tn_wg_path_ops tn_magicsock_path_ops = { .send = path_send, .reply = path_reply };

struct tn_magicsock *tn_magicsock_new(struct tn_loop *loop, const uint8_t node_priv[32],
				      const uint8_t disco_priv[32], uint16_t port)
{
	struct tn_magicsock *ms = calloc(1, sizeof(*ms));
	int r;

	if (!ms)
		return NULL;
	ms->loop = loop;
	memcpy(ms->node_priv, node_priv, 32);
	memcpy(ms->disco_priv, disco_priv, 32);
	ms->udp.fd = -1;
	if (!(ms->netcheck = tn_netcheck_new(loop, netcheck_send, netcheck_done, ms)) ||
	    !(ms->idle_timer = tn_timer_new(loop, tn_ms_close_idle_regions, ms))) {
		tn_netcheck_free(ms->netcheck);
		free(ms);
		errno = ENOMEM;
		return NULL;
	}
	tn_timer_arm(ms->idle_timer, TN_MAGICSOCK_REGION_SWEEP_NS, TN_MAGICSOCK_REGION_SWEEP_NS);
	if ((r = tn_key_public_from_private(ms->disco_pub, disco_priv)) < 0 ||
	    (r = tn_udp_open(&ms->udp, port)) < 0 ||
	    (r = tn_loop_add_fd(loop, ms->udp.fd, TN_EV_READ, on_udp, ms)) < 0) {
		tn_magicsock_free(ms);
		errno = -r;
		return NULL;
	}
	tn_log_info("magicsock", "UDP port %u", ms->udp.port);
	return ms;
}

void tn_magicsock_free(struct tn_magicsock *ms)
{
	if (!ms)
		return;
	for (size_t i = 0; i < ms->n_conns; i++) {
		tn_derp_client_free(ms->conns[i]->client);
		free(ms->conns[i]);
	}
	free(ms->conns);
	tn_netcheck_free(ms->netcheck);
	tn_timer_free(ms->idle_timer);
	if (ms->udp.fd >= 0)
		tn_loop_del_fd(ms->loop, ms->udp.fd);
	tn_udp_close(&ms->udp);
	tn_crypto_wipe(ms->node_priv, sizeof(ms->node_priv));
	tn_crypto_wipe(ms->disco_priv, sizeof(ms->disco_priv));
	free(ms);
}

void tn_magicsock_disco_public(const struct tn_magicsock *ms, uint8_t out[32])
{
	memcpy(out, ms->disco_pub, 32);
}

void tn_magicsock_set_device(struct tn_magicsock *ms, struct tn_wg_device *dev)
{
	ms->dev = dev;
}

void tn_magicsock_set_rx_batch_hooks(struct tn_magicsock *ms, void (*begin)(void *),
				     void (*end)(void *), void *arg)
{
	ms->rx_begin = begin;
	ms->rx_end = end;
	ms->rx_arg = arg;
}

void tn_magicsock_batch_begin(struct tn_magicsock *ms)
{
	ms->in_batch = true;
}

void tn_magicsock_batch_end(struct tn_magicsock *ms)
{
	ms->in_batch = false;
	tn_udp_flush(&ms->udp);
}

void tn_magicsock_on_endpoints(struct tn_magicsock *ms, tn_magicsock_endpoints_fn fn, void *arg)
{
	ms->on_endpoints = fn;
	ms->on_endpoints_arg = arg;
}


int tn_magicsock_set_peer(struct tn_magicsock *ms, struct tn_wg_peer *peer, int home_derp,
			  const uint8_t disco_pub[32], const struct tn_tailcfg_addrport *endpoints,
			  size_t n_endpoints)
{
	struct ms_peer *mp = tn_wg_peer_path_data(peer);

	if (!mp) {
		if (!(mp = calloc(1, sizeof(*mp))))
			return -ENOMEM;
		tn_wg_peer_set_path_data(peer, mp);
	}
	mp->home_derp = home_derp;
	mp->n_endpoints = n_endpoints < PEER_ENDPOINTS_MAX ? n_endpoints : PEER_ENDPOINTS_MAX;
	if (mp->n_endpoints)
		memcpy(mp->endpoints, endpoints, mp->n_endpoints * sizeof(*endpoints));
	if (disco_pub && !tn_crypto_is_zero(disco_pub, 32) &&
	    (!mp->has_disco || memcmp(mp->disco_pub, disco_pub, 32))) {
		memcpy(mp->disco_pub, disco_pub, 32);
		mp->has_disco = tn_box_beforenm(mp->disco_shared, disco_pub, ms->disco_priv) == 0;
	}
	return 0;
}

/* Addresses a peer could reach us at: not loopback, link-local, or the
 * tailnet's own ranges (those would route into ourselves). */
static bool usable_endpoint(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;

		return a[0] != 127 && !(a[0] == 169 && a[1] == 254) &&
		       !(a[0] == 100 && (a[1] & 0xc0) == 64);
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		static const uint8_t ula[6] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0 };

		return !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
		       !IN6_IS_ADDR_V4MAPPED(a) && memcmp(a->s6_addr, ula, sizeof(ula));
	}
	return false;
}

size_t tn_magicsock_endpoints(struct tn_magicsock *ms, struct tn_tailcfg_addrport *out,
			      enum tn_tailcfg_endpoint_type *types, size_t max)
{
	struct ifaddrs *ifs, *i;
	size_t n = 0;

	if (ms->stun_addr.family && n < max) {
		out[n] = ms->stun_addr;
		types[n++] = TN_TAILCFG_EP_STUN;
	}
	if (getifaddrs(&ifs) < 0)
		return n;
	for (i = ifs; i && n < max; i = i->ifa_next) {
		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || !usable_endpoint(i->ifa_addr))
			continue;
		if (i->ifa_addr->sa_family == AF_INET6 && ms->udp.family != AF_INET6)
			continue;
		tn_ms_addrport_from_sockaddr(&out[n], (const struct sockaddr_storage *)i->ifa_addr);
		out[n].port = ms->udp.port;
		if (n && !memcmp(&out[n], &out[0], sizeof(out[0])))
			continue; /* not NATed: the STUN address is this one */
		types[n++] = TN_TAILCFG_EP_LOCAL;
	}
	freeifaddrs(ifs);
	return n;
}

void tn_magicsock_peer_route(struct tn_magicsock *ms, struct tn_wg_peer *peer,
			     struct tn_tailcfg_addrport *direct, int *derp_region)
{
	const struct tn_wg_endpoint *ep = tn_wg_peer_endpoint(peer);
	struct ms_peer *mp = tn_wg_peer_path_data(peer);

	memset(direct, 0, sizeof(*direct));
	if (ep->len && ep->seen && tn_clock_now() - ep->seen < TN_MAGICSOCK_DIRECT_TRUST_NS)
		tn_ms_addrport_from_sockaddr(direct, &ep->addr);
	*derp_region = mp ? mp->home_derp : 0;
}

void tn_magicsock_forget_peer(struct tn_magicsock *ms, struct tn_wg_peer *peer)
{
	struct ms_peer *mp = tn_wg_peer_path_data(peer);

	for (size_t i = 0; i < TN_MAGICSOCK_USER_PINGS_MAX; i++)
		if (ms->user_pings[i].peer == peer)
			memset(&ms->user_pings[i], 0, sizeof(ms->user_pings[i]));

	if (mp)
		tn_crypto_wipe(mp, sizeof(*mp));
	free(mp);
	tn_wg_peer_set_path_data(peer, NULL);
}

const struct tn_netcheck_report *tn_magicsock_netcheck(const struct tn_magicsock *ms)
{
	return tn_netcheck_last(ms->netcheck);
}

const struct tn_magicsock_stats *tn_magicsock_stats(const struct tn_magicsock *ms)
{
	return &ms->stats;
}

#include "daemon/wg_mode.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "crypto/keys.h"
#include "event/loop.h"
#include "net/tun.h"
#include "net/udp.h"
#include "util/log.h"
#include "wg/config.h"
#include "wg/device.h"
#include "wg/tun_pump.h"

struct wg_mode {
	struct tn_loop *loop;
	struct tn_tun tun;
	struct tn_udp udp;
	struct tn_wg_device *dev;
	/* Inside a batch, datagrams queue for UDP GSO and decrypted packets
	 * queue for TUN GRO; both are flushed when the batch ends.  Outside
	 * (timers), datagrams leave at once. */
	bool in_batch;
	struct tn_tun_pump pump;
	uint64_t udp_send_errors;
};

static int path_send(void *ctx, struct tn_wg_peer *peer, const uint8_t *buf, size_t len)
{
	struct wg_mode *m = ctx;
	const struct tn_wg_endpoint *ep = tn_wg_peer_endpoint(peer);
	int r;

	if (!ep->len)
		return -EDESTADDRREQ; /* no endpoint known yet: wait to be reached */
	r = tn_udp_queue(&m->udp, (const struct sockaddr *)&ep->addr, ep->len, buf, len);
	if (r == 0 && !m->in_batch)
		r = tn_udp_flush(&m->udp);
	if (r < 0)
		m->udp_send_errors++;
	return r;
}

static int path_reply(void *ctx, const struct tn_wg_endpoint *to, const uint8_t *buf, size_t len)
{
	struct wg_mode *m = ctx;

	if (!to || !to->len)
		return -EDESTADDRREQ;
	return tn_udp_send(&m->udp, (const struct sockaddr *)&to->addr, to->len, buf, len);
}

static const struct tn_wg_path_ops path_ops = { .send = path_send, .reply = path_reply };

/* After a batch of TUN reads: the datagrams they made leave together. */
static void flush_udp(void *ctx)
{
	struct wg_mode *m = ctx;

	m->in_batch = false;
	if (tn_udp_flush(&m->udp) < 0)
		m->udp_send_errors++;
}

static void on_tun(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct wg_mode *m = arg;

	m->in_batch = true;
	tn_tun_pump_on_readable(loop, fd, events, &m->pump);
}

static void on_udp(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct wg_mode *m = arg;
	int n = tn_udp_recv_batch(&m->udp);

	m->in_batch = true;
	tn_tun_pump_begin(&m->pump);
	for (int i = 0; i < n; i++) {
		struct tn_udp_rx *rx = &m->udp.rx[i];
		struct tn_wg_endpoint src;

		memcpy(&src.addr, &rx->from, sizeof(src.addr));
		src.len = rx->from_len;
		/* With GRO one buffer holds several datagrams of rx->seg bytes. */
		for (size_t off = 0; off < rx->len; off += rx->seg) {
			size_t len = rx->len - off < rx->seg ? rx->len - off : rx->seg;

			tn_wg_device_receive(m->dev, rx->buf + off, len, &src);
		}
	}
	tn_tun_pump_end(&m->pump);
	flush_udp(m);
}

static void on_stop(struct tn_loop *loop, int signo, void *arg)
{
	tn_log_info("tailnetd", "%s: shutting down", strsignal(signo));
	tn_loop_stop(loop);
}

static void log_stats(struct tn_loop *loop, int signo, void *arg)
{
	struct wg_mode *m = arg;
	const struct tn_wg_stats *s = tn_wg_device_stats(m->dev);

	tn_log_info("tailnetd",
		    "wg stats: rx_packets=%llu rx_bytes=%llu tx_packets=%llu tx_bytes=%llu "
		    "handshakes_sent=%llu handshakes_received=%llu cookies_sent=%llu "
		    "cookies_received=%llu drop_malformed=%llu drop_mac=%llu drop_handshake=%llu "
		    "drop_ratelimit=%llu drop_unknown_index=%llu drop_auth=%llu drop_replay=%llu "
		    "drop_expired=%llu drop_source=%llu drop_no_peer=%llu drop_staged=%llu "
		    "tun_write_errors=%llu udp_send_errors=%llu tun_bad_gso=%llu "
		    "tun_writes=%llu tun_write_packets=%llu udp_sendmsgs=%llu udp_datagrams=%llu",
		    (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
		    (unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
		    (unsigned long long)s->handshakes_sent, (unsigned long long)s->handshakes_received,
		    (unsigned long long)s->cookies_sent, (unsigned long long)s->cookies_received,
		    (unsigned long long)s->drop_malformed, (unsigned long long)s->drop_mac,
		    (unsigned long long)s->drop_handshake, (unsigned long long)s->drop_ratelimit,
		    (unsigned long long)s->drop_unknown_index, (unsigned long long)s->drop_auth,
		    (unsigned long long)s->drop_replay, (unsigned long long)s->drop_expired,
		    (unsigned long long)s->drop_source, (unsigned long long)s->drop_no_peer,
		    (unsigned long long)s->drop_staged, (unsigned long long)m->pump.write_errors,
		    (unsigned long long)m->udp_send_errors, (unsigned long long)m->pump.bad_gso,
		    (unsigned long long)m->pump.gro.writes, (unsigned long long)m->pump.gro.packets,
		    (unsigned long long)m->udp.sendmsg_calls, (unsigned long long)m->udp.datagrams_sent);
}

static int configure(struct wg_mode *m, const struct tn_wg_config *cfg)
{
	int r;

	if ((r = tn_wg_device_set_private_key(m->dev, cfg->private_key)) < 0) {
		tn_log_err("tailnetd", "the private key gives no usable public key");
		return r;
	}
	for (size_t i = 0; i < cfg->n_addresses; i++) {
		const struct tn_wg_prefix *a = &cfg->addresses[i];

		if ((r = tn_tun_add_address(&m->tun, a->family, a->addr, a->cidr)) < 0) {
			tn_log_err("tailnetd", "adding address %zu to %s: %s", i + 1, m->tun.name,
				   strerror(-r));
			return r;
		}
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct tn_wg_config_peer *p = &cfg->peers[i];
		struct tn_wg_peer *peer;

		r = tn_wg_peer_add(m->dev, p->public_key,
				   p->has_preshared_key ? p->preshared_key : NULL, &peer);
		if (r < 0) {
			tn_log_err("tailnetd", "peer of line %u: %s", p->line,
				   r == -EEXIST ? "duplicate public key" :
				   r == -EINVAL ? "its key is ours or unusable" : strerror(-r));
			return r;
		}
		for (size_t j = 0; j < p->n_allowed_ips; j++) {
			const struct tn_wg_prefix *a = &p->allowed_ips[j];

			if ((r = tn_wg_peer_add_allowed_ip(peer, a->family, a->addr, a->cidr)) < 0)
				return r;
			/* Like wg-quick: route each AllowedIP into the tunnel. */
			if ((r = tn_tun_add_route(&m->tun, a->family, a->addr, a->cidr)) < 0)
				tn_log_warn("tailnetd", "route for an AllowedIP of line %u: %s",
					    p->line, strerror(-r));
		}
		if (p->endpoint.sa.sa_family != AF_UNSPEC)
			tn_wg_peer_set_endpoint(peer, &p->endpoint.sa,
						p->endpoint.sa.sa_family == AF_INET
							? sizeof(p->endpoint.in) : sizeof(p->endpoint.in6));
		tn_wg_peer_set_persistent_keepalive(peer, p->persistent_keepalive);
		if (p->persistent_keepalive)
			tn_wg_peer_initiate_handshake(peer);
	}
	return 0;
}

int tn_wg_mode_run(const char *config_path, const char *tun_name)
{
	struct tn_wg_config cfg;
	struct wg_mode *m;
	int r, rc = 1;

	memset(&cfg, 0, sizeof(cfg));
	r = tn_wg_config_load(&cfg, config_path);
	if (r < 0) {
		fprintf(stderr, "tailnetd: %s: %s\n", config_path, cfg.error);
		tn_wg_config_free(&cfg);
		return 1;
	}
	if (cfg.n_warnings)
		tn_log_warn("tailnetd", "%s: %s", config_path, cfg.warnings);

	if (!(m = calloc(1, sizeof(*m)))) {
		tn_wg_config_free(&cfg);
		return 1;
	}
	m->tun.fd = m->udp.fd = -1;
	if (!(m->loop = tn_loop_new())) {
		tn_log_err("tailnetd", "event loop: %s", strerror(errno));
		goto out;
	}
	if ((r = tn_tun_open(&m->tun, tun_name, cfg.mtu ? cfg.mtu : TN_TUN_DEFAULT_MTU, true)) < 0) {
		tn_log_err("tailnetd", "TUN device %s: %s", tun_name, strerror(-r));
		goto out;
	}
	if ((r = tn_udp_open(&m->udp, cfg.listen_port)) < 0) {
		tn_log_err("tailnetd", "UDP port %u: %s", cfg.listen_port, strerror(-r));
		goto out;
	}
	if (!(m->dev = tn_wg_device_new(m->loop, &path_ops, m, tn_tun_pump_deliver, &m->pump)))
		goto out;
	tn_tun_pump_init(&m->pump, &m->tun, m->dev, flush_udp, m);
	tn_wg_device_set_mtu(m->dev, m->tun.mtu);
	if (configure(m, &cfg) < 0)
		goto out;
	if (tn_loop_add_fd(m->loop, m->tun.fd, TN_EV_READ, on_tun, m) < 0 ||
	    tn_loop_add_fd(m->loop, m->udp.fd, TN_EV_READ, on_udp, m) < 0 ||
	    tn_loop_add_signal(m->loop, SIGINT, on_stop, m) < 0 ||
	    tn_loop_add_signal(m->loop, SIGTERM, on_stop, m) < 0 ||
	    tn_loop_add_signal(m->loop, SIGUSR1, log_stats, m) < 0)
		goto out;
	{
		char pub[TN_KEY_SHORT_MAX];

		tn_key_short(pub, tn_wg_device_public_key(m->dev));
		tn_log_info("tailnetd", "WireGuard on %s, UDP port %u, key %s, %zu peer(s); "
			    "offloads: tun %s, udp gso %s, udp gro %s",
			    m->tun.name, m->udp.port, pub, cfg.n_peers, m->tun.vnet ? "on" : "off",
			    m->udp.gso ? "on" : "off", m->udp.gro ? "on" : "off");
	}
	tn_wg_config_free(&cfg);
	r = tn_loop_run(m->loop);
	rc = r < 0 ? 1 : 0;
	log_stats(m->loop, SIGUSR1, m);
out:
	tn_wg_config_free(&cfg);
	tn_wg_device_free(m->dev);
	tn_udp_close(&m->udp);
	tn_tun_close(&m->tun);
	tn_loop_free(m->loop);
	free(m);
	return rc;
}

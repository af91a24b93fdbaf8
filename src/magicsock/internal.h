/* magicsock's insides, shared by its files: magicsock.c (the socket,
 * disco, path choice, endpoints), regions.c (DERP connections per region,
 * the home region) and ping.c (user pings).  Not for other modules.
 * Event-loop thread only. */
#ifndef TN_MAGICSOCK_INTERNAL_H
#define TN_MAGICSOCK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "derp/client.h"
#include "magicsock/magicsock.h"
#include "net/udp.h"
#include "wg/device.h"

struct region_conn {
	int region;
	uint64_t last_used;         /* tn_clock_now() of the last send or receive */
	struct tn_derp_client *client;
	struct tn_magicsock *ms;
};

#define PEER_ENDPOINTS_MAX 8

struct ms_peer {
	int home_derp;
	uint8_t disco_pub[32];
	uint8_t disco_shared[32];   /* box key with their disco key */
	bool has_disco;
	struct tn_tailcfg_addrport endpoints[PEER_ENDPOINTS_MAX];
	size_t n_endpoints;
	uint64_t last_probe;        /* tn_clock_now() of the last ping round */
	uint64_t last_heartbeat;    /* tn_clock_now() of the last direct-path ping */
	/* Pings in flight: a pong with one of these txids confirms its path. */
	struct {
		uint8_t txid[12];
		struct tn_tailcfg_addrport to;
	} pings[PEER_ENDPOINTS_MAX];
	unsigned next_ping;
};

struct user_ping {
	int handle;                 /* 0: free slot */
	struct tn_wg_peer *peer;
	uint64_t start;
	uint8_t txids[PEER_ENDPOINTS_MAX + 1][12];
	size_t n_txids;
	tn_magicsock_ping_fn fn;
	void *arg;
};

struct tn_magicsock {
	struct tn_loop *loop;
	struct user_ping user_pings[TN_MAGICSOCK_USER_PINGS_MAX];
	int next_handle;
	uint8_t node_priv[32];
	uint8_t disco_priv[32], disco_pub[32];
	struct tn_udp udp;
	struct tn_netcheck *netcheck;
	struct tn_timer *idle_timer;            /* closes idle non-home regions */
	struct tn_tailcfg_addrport stun_addr;   /* family 0 until known */
	tn_magicsock_endpoints_fn on_endpoints;
	void *on_endpoints_arg;
	void (*rx_begin)(void *), (*rx_end)(void *);
	void *rx_arg;
	bool in_batch;
	struct tn_wg_device *dev;
	const struct tn_tailcfg_derp_map *dm;   /* borrowed from the netmap */
	int home;
	struct region_conn **conns;
	size_t n_conns;
	struct tn_magicsock_stats stats;
};

/* regions.c */
const struct tn_tailcfg_derp_region *tn_ms_find_region(const struct tn_magicsock *ms, int id);
/* The connection to region (opened on demand, marked used), or NULL. */
struct region_conn *tn_ms_region_conn(struct tn_magicsock *ms, int region);
void tn_ms_set_home(struct tn_magicsock *ms, int home);
/* Timer: closes non-home regions idle for TN_MAGICSOCK_REGION_IDLE_NS. */
void tn_ms_close_idle_regions(struct tn_timer *t, void *arg);

/* magicsock.c */
void tn_ms_on_derp_packet(void *arg, const uint8_t src[32], uint8_t *pkt, size_t len);
void tn_ms_addrport_from_sockaddr(struct tn_tailcfg_addrport *ap, const struct sockaddr_storage *ss);
int tn_ms_seal_ping(struct tn_magicsock *ms, struct ms_peer *mp, uint8_t *out, size_t outlen,
		    uint8_t txid_out[12]);
const uint8_t *tn_ms_send_ping(struct tn_magicsock *ms, struct ms_peer *mp,
			       const struct tn_tailcfg_addrport *to);

/* ping.c: a pong with txid from peer answers the user ping that sent it. */
void tn_ms_answer_user_ping(struct tn_magicsock *ms, struct tn_wg_peer *peer, const uint8_t txid[12],
			    const struct tn_wg_endpoint *udp_src, int region);

#endif

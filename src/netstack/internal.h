/* What the files of src/netstack share: the netstack's state and the
 * functions each part offers the others.  Not for use outside
 * src/netstack (the engine uses netstack.h).
 *
 * Re-entrancy rules (every file follows them):
 *  - lwIP is entered from the loop only, inside tn_ns_enter/tn_ns_leave
 *    (packet input, the lwIP timer, our socket callbacks).
 *  - lwIP callbacks (recv, sent, err, connected, accept) only record what
 *    happened and queue work; the work (socket I/O, tcp_write, closing)
 *    runs in tn_ns_leave, outside lwIP.
 *  - An IP packet that arrives while lwIP is sending one (the path layer
 *    answering synchronously, e.g. MagicDNS) is deferred, never fed into
 *    lwIP from inside its own output.
 * Threads: the loop's thread only.
 */
#ifndef TN_NETSTACK_INTERNAL_H
#define TN_NETSTACK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "netstack/names.h"
#include "netstack/netstack.h"
#include "netstack/pool.h"
#include "wg/allowedips.h"

/* IPv6 addresses we take (lwIP's netif holds LWIP_IPV6_NUM_ADDRESSES). */
#define TN_NS_MAX_ADDR6 5
/* Packets deferred while lwIP is inside its own output. */
#define TN_NS_DEFER_MAX 256
/* Most input buffers lwIP may hold at once (~2 KiB each): every window
 * of 200 connections full of out-of-order data, with room to spare. */
#define TN_NS_POOL_MAX 16384
/* Scratch for one read from a local socket: lwIP's send buffer (64 KiB
 * in Debian's build) is the most one read can hand it. */
#define TN_NS_IO_BUF 65536

struct tn_ns_bridge;
struct tn_ns_pending;
struct tn_ns_listener;
struct tn_ns_udpfwd;
struct tn_ns_proxy;
struct tn_ns_client;
struct tn_ns_dial;

/* A packet's addresses and ports, from a light parse before lwIP. */
struct tn_ns_pkt {
	int family;                   /* AF_INET or AF_INET6 */
	const uint8_t *src, *dst;     /* into the packet */
	uint8_t proto;                /* 6 TCP, 17 UDP, ...; 0: fragment */
	uint16_t sport, dport;        /* TCP/UDP, host order */
	uint8_t tcp_flags;
	uint32_t seq;                 /* TCP */
	size_t payload;               /* UDP payload bytes */
};

struct tn_netstack {
	struct tn_loop *loop;
	tn_netstack_output_fn output;
	void *ctx;
	void (*batch_begin)(void *ctx);
	void (*batch_end)(void *ctx);
	unsigned mtu;

	struct netif netif;
	bool netif_added;
	bool has4;
	ip_addr_t addr4;
	size_t n6;
	ip_addr_t addr6[TN_NS_MAX_ADDR6];

	struct tn_ns_pool *pool;
	struct tn_timer *lwip_timer;  /* sys_check_timeouts */
	bool lwip_idle;               /* lwIP's timers are not being driven */
	bool had_tcp;                 /* lwIP had TCP connections at the last kick */
	bool force_kick;              /* recompute the lwIP timer at leave */
	bool active;                  /* input since the last kick */
	uint64_t last_activity;
	struct tn_timer *work_timer;  /* work queued outside any entry */
	int depth;                    /* tn_ns_enter nesting */
	int out_depth;                /* inside cfg->output */
	bool in_rx;                   /* between rx_begin and rx_end */
	struct pbuf *defer[TN_NS_DEFER_MAX];
	size_t defer_head, defer_n;

	struct tn_ns_bridge *bridges;     /* all relayed streams */
	struct tn_ns_bridge *work;        /* those with work queued */
	size_t n_bridges;
	struct tn_ns_pending *pending;    /* inbound TCP dialling 127.0.0.1 */
	size_t n_pending;
	struct tn_ns_listener *listeners; /* lwIP listeners of those ports */
	struct tn_ns_udpfwd *udp;         /* inbound UDP sessions */
	size_t n_udp;
	struct tn_ns_dial *dials;         /* outbound dials in flight */

	struct tn_ns_names names;
	struct tn_wg_allowedips routes;   /* "peer" pointers are ns itself */
	struct tn_ns_proxy *proxy[2];     /* 0 SOCKS5, 1 HTTP (may be equal) */
	struct tn_ns_client *clients;     /* proxy clients before their relay */

	struct tn_netstack_stats stats;
	uint8_t out_buf[65536];
	uint8_t io_buf[TN_NS_IO_BUF];
};

/* netstack.c */
void tn_ns_enter(struct tn_netstack *ns);
void tn_ns_leave(struct tn_netstack *ns);
/* Work was queued from an lwIP callback: make sure tn_ns_leave (or the
 * work timer, outside any entry) runs it. */
void tn_ns_want_work(struct tn_netstack *ns);
void tn_ns_ip_from(ip_addr_t *out, int family, const uint8_t *addr);
/* 0, or -EAFNOSUPPORT. */
int tn_ns_ip_to_sockaddr(const ip_addr_t *ip, uint16_t port, struct sockaddr_storage *out,
			 socklen_t *len);
/* Our address of that family, or NULL. */
const ip_addr_t *tn_ns_local_addr(const struct tn_netstack *ns, int family);
bool tn_ns_is_self(const struct tn_netstack *ns, int family, const uint8_t *addr);
/* Feeds p (owned) into lwIP, or defers it. */
void tn_ns_ip_input(struct tn_netstack *ns, struct pbuf *p);
/* A socket option set for relayed local sockets (TCP_NODELAY). */
void tn_ns_tune_socket(int fd);
/* Closes fd so the other end sees a reset (SO_LINGER 0). */
void tn_ns_close_reset(int fd);

/* bridge.c: a byte stream relayed between a local socket (fd) and either
 * an lwIP connection or another socket.  Takes ownership of the fds and
 * the pcb (its callbacks are replaced).  to_fd (e.g. a SOCKS reply) is
 * written to fd before anything else; to_peer (bytes the client sent
 * early, a rewritten HTTP head) goes to the other side first.  May be
 * called from lwIP callbacks.  NULL on ENOMEM: the fds are closed with a
 * reset, but the pcb is left to the caller to abort. */
struct tn_ns_bridge *tn_ns_bridge_pcb(struct tn_netstack *ns, int fd, struct tcp_pcb *pcb,
				      const void *to_fd, size_t to_fd_len,
				      const void *to_peer, size_t to_peer_len);
struct tn_ns_bridge *tn_ns_bridge_fds(struct tn_netstack *ns, int fd, int peer_fd,
				      const void *to_fd, size_t to_fd_len,
				      const void *to_peer, size_t to_peer_len);
/* Runs the queued work of every bridge. */
void tn_ns_bridge_run(struct tn_netstack *ns);
/* Teardown: every bridge reset and freed. */
void tn_ns_bridge_free_all(struct tn_netstack *ns);

/* forward.c: inbound TCP and UDP to 127.0.0.1. */
/* A TCP SYN for us: true if it was taken (held while 127.0.0.1 is
 * dialled, or dropped); false: give it to lwIP. */
bool tn_ns_forward_syn(struct tn_netstack *ns, struct pbuf *p, const struct tn_ns_pkt *k);
/* A UDP datagram for us: opens a session when no lwIP socket takes it. */
void tn_ns_forward_udp(struct tn_netstack *ns, const struct tn_ns_pkt *k);
void tn_ns_forward_free_all(struct tn_netstack *ns);

/* dial.c: where a host:port goes and the connection to it. */
enum tn_ns_route {
	TN_NS_ROUTE_TAILNET,          /* through lwIP */
	TN_NS_ROUTE_SYSTEM,           /* an ordinary socket */
};

/* Resolves host (an IP literal, a MagicDNS name, else DNS) and picks the
 * route: tailnet routes and 100.100.100.100 go through lwIP; our own
 * tailnet addresses become 127.0.0.1 (what the inbound forward would do);
 * everything else is dialled with sockets.  Multicast, broadcast and
 * unspecified addresses are refused. */
struct tn_ns_dialed {
	enum tn_ns_route route;
	struct tcp_pcb *pcb;          /* TAILNET TCP: connected, callbacks unset */
	int fd;                       /* SYSTEM TCP: connected socket */
	struct sockaddr_storage local;  /* our end, for the SOCKS reply */
	struct sockaddr_storage remote; /* resolved destination */
};

/* err: 0, or -ECONNREFUSED, -ETIMEDOUT, -ENOENT (name not found),
 * -ENETUNREACH, -EHOSTUNREACH, -EADDRNOTAVAIL, -ENOMEM ...; res is
 * borrowed: the callee takes res->pcb / res->fd. */
typedef void (*tn_ns_dial_cb)(void *arg, int err, struct tn_ns_dialed *res);

/* udp: resolve and route only (res->pcb NULL, res->fd -1).  The callback
 * always runs later, never inside this call.  0 or -ENOMEM. */
int tn_ns_dial(struct tn_netstack *ns, const char *host, uint16_t port, bool udp,
	       tn_ns_dial_cb cb, void *arg, struct tn_ns_dial **out);
void tn_ns_dial_cancel(struct tn_ns_dial *d);
void tn_ns_dial_free_all(struct tn_netstack *ns);
/* Route of a resolved address; rewrites our own addresses to loopback.
 * -EADDRNOTAVAIL for addresses nobody may dial. */
int tn_ns_route_of(struct tn_netstack *ns, struct sockaddr_storage *ss, enum tn_ns_route *route);

/* proxy.c: the SOCKS5 and HTTP listeners and their clients. */
int tn_ns_proxy_start(struct tn_netstack *ns, const char *socks5, const char *http, char *err,
		      size_t errlen);
void tn_ns_proxy_free_all(struct tn_netstack *ns);

#endif

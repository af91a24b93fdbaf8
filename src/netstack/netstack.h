/* Userspace networking: a TCP/IP stack (Debian's lwIP, raw API) that
 * terminates the tailnet's TCP, UDP and ICMP inside the process, for hosts
 * without a TUN device (--tun=userspace-networking).
 *
 *  - Inbound: IP packets for our tailnet addresses (tn_netstack_input) go
 *    into lwIP.  TCP and UDP to any port are forwarded to the same port on
 *    127.0.0.1, as tailscaled's netstack mode does (TCP: the local dial
 *    happens before the handshake is completed, so a closed port answers
 *    RST); ICMP echo is answered by lwIP.
 *  - Outbound: a SOCKS5 server (RFC 1928 CONNECT and UDP ASSOCIATE, no
 *    auth or RFC 1929 username/password) and an HTTP proxy (CONNECT and
 *    plain forwarding) dial peers by IP or MagicDNS name through lwIP;
 *    other destinations are dialled with ordinary sockets, as Go's
 *    tsdial.UserDial does.  IP packets lwIP sends go to cfg->output.
 *
 * lwIP is used single-threaded from the event loop: lwip_init() (never
 * tcpip_init(), so no tcpip thread exists and Debian's core-locking check
 * stays inert), sys_check_timeouts() from one loop timer.  lwIP keeps
 * global state, so only one netstack exists per process at a time.
 *
 * docs/userspace.md describes the design, the limits and the numbers.
 *
 * Ownership: the caller owns the netstack (tn_netstack_new/_free); strings
 * and arrays passed in are borrowed for the call.  Packets given to
 * cfg->output are borrowed for the call (the callee may modify them).
 * Threads: the loop's thread only.
 */
#ifndef TN_NETSTACK_NETSTACK_H
#define TN_NETSTACK_NETSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "control/netmap.h"
#include "event/loop.h"

struct tn_netstack;

/* Receives one IP packet lwIP sends toward the tailnet. */
typedef void (*tn_netstack_output_fn)(void *ctx, uint8_t *pkt, size_t len);

struct tn_netstack_config {
	tn_netstack_output_fn output;
	void *ctx;
	/* Optional: run around bursts of output the netstack starts itself
	 * (data read from local sockets, timers), so the path layer can send
	 * the datagrams together (magicsock's UDP GSO batches). */
	void (*batch_begin)(void *ctx);
	void (*batch_end)(void *ctx);
	unsigned mtu;                 /* of the tailnet's IP packets; 0: 1280 */
	/* Listeners, "host:port" (host an IP literal, "localhost" or empty
	 * for all addresses; port 0 picks one).  The SOCKS5 one may carry
	 * credentials, "user:password@host:port", which clients must then
	 * give (RFC 1929).  The same address for both serves both on one
	 * port, told apart by the first byte (5: SOCKS).  NULL: none. */
	const char *socks5_listen;
	const char *http_proxy_listen;
};

/* NULL with err set (bad listen address, address in use, a netstack
 * already exists, out of memory). */
struct tn_netstack *tn_netstack_new(struct tn_loop *loop, const struct tn_netstack_config *cfg,
				    char *err, size_t errlen);
/* Closes every connection and listener.  NULL is a no-op. */
void tn_netstack_free(struct tn_netstack *ns);

/* Our tailnet addresses (the self node's Addresses; the prefix length is
 * ignored).  The first IPv4 and up to five IPv6 addresses are used;
 * connections on an address that went away are reset. */
void tn_netstack_set_addresses(struct tn_netstack *ns, const struct tn_tailcfg_prefix *addrs,
			       size_t n);

/* The netmap's names (MagicDNS: each peer's FQDN and short name, ours
 * too) and routes (the peers' AllowedIPs, without exit routes): which
 * destinations the proxies dial through the tailnet.  nm is borrowed for
 * the call.  -ENOMEM leaves the previous view in place. */
int tn_netstack_set_netmap(struct tn_netstack *ns, const struct tn_netmap *nm);

/* One IP packet from a peer (already decrypted and filtered), borrowed
 * for the call.  Malformed packets, and packets not for our addresses,
 * are dropped and counted. */
void tn_netstack_input(struct tn_netstack *ns, const uint8_t *pkt, size_t len);

/* Around a batch of tn_netstack_input calls: writes to local sockets
 * are then made once per batch instead of once per packet. */
void tn_netstack_rx_begin(struct tn_netstack *ns);
void tn_netstack_rx_end(struct tn_netstack *ns);

/* Where a proxy listens (its port when 0 was asked for).  which: 0 SOCKS5,
 * 1 HTTP.  -ENOENT if that proxy is not configured. */
int tn_netstack_proxy_addr(const struct tn_netstack *ns, int which, struct sockaddr_storage *out);

struct tn_netstack_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t drop_malformed;   /* not a well-formed IPv4/IPv6 packet */
	uint64_t drop_not_ours;    /* destination not one of our addresses */
	uint64_t drop_source;      /* source ours, loopback, multicast, ... */
	uint64_t drop_memory;      /* buffer pool or deferral queue full */
	uint64_t drop_busy;        /* too many forwards in flight */
	uint64_t tcp_forwarded;    /* inbound TCP handed to 127.0.0.1 */
	uint64_t tcp_refused;      /* inbound TCP answered with RST */
	uint64_t udp_sessions;     /* inbound UDP flows opened to 127.0.0.1 */
	uint64_t proxy_clients;    /* SOCKS5 and HTTP clients accepted */
	uint64_t proxy_bad;        /* malformed proxy requests answered */
	uint64_t dials_tailnet, dials_system, dial_errors;
	size_t tcp_bridges;        /* relayed TCP streams now */
};
void tn_netstack_stats(const struct tn_netstack *ns, struct tn_netstack_stats *out);

#endif

/* The DERP client: one connection to one DERP region (protocol.md section
 * 6; Go's derp/derphttp and derp/derp_client.go), kept up for as long as
 * the client exists.
 *
 * Connecting: the region's nodes are tried in map order, skipping
 * STUN-only ones.  A node is dialed at its IPv4 (when set and a valid
 * IPv4 literal), then at its IPv6 (likewise), or through DNS by host name
 * when neither is given as a literal but one is "" (enabled); "none" or any
 * other non-address text disables that family.  TLS: SNI is the host name;
 * InsecureForTests skips verification; CertName "sha256-raw:<hex>" pins the
 * leaf, any other CertName is the name to verify instead of the host name;
 * port DERPPort or 443.  Then "GET /derp" with "Upgrade: DERP", a 101, and
 * the DERP handshake: ServerKey, our ClientInfo (node public key + a box of
 * {"version":2,"CanAckPings":true} from our node key to the server key),
 * the server's ServerInfo.  Only then is the client connected.
 *
 * When an attempt fails, the next place is tried at once; when all have
 * failed, the client waits n^2 * 10 ms (n consecutive failed rounds, at
 * most 30 s, +-50% jitter) and starts again at the first node.  A lost
 * connection is retried the same way (the failure count starts over when
 * the connection had been up for TN_DERP_STABLE_NS).  Reading nothing for
 * 120 s (the server sends a KeepAlive every 60 s) counts as lost.
 *
 * Ownership: tn_derp_client_new copies what it needs from the region and
 * the key (the private key is wiped on free); the callbacks' argument is
 * borrowed.  Callbacks run on the loop thread, never from inside a call
 * into this API except as noted, and may call any function here,
 * tn_derp_client_free included.
 *
 * Threads: the loop's thread only.
 */
#ifndef TN_DERP_CLIENT_H
#define TN_DERP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tn_loop;
struct tn_tailcfg_derp_region;
struct tn_derp_client;

/* Bound on the whole connect: DNS, TCP, TLS, the HTTP upgrade and the
 * DERP handshake (Go's derphttp connect timeout). */
#define TN_DERP_CONNECT_TIMEOUT_NS (10ULL * 1000000000ULL)
/* Bound on DNS + TCP + TLS to one node while other nodes remain to be
 * tried, so a black-holed first node does not hold the region for the
 * whole connect timeout (Go gives the TCP connect alone 1.5 s). */
#define TN_DERP_NODE_DIAL_TIMEOUT_NS (5ULL * 1000000000ULL)
/* Reading nothing for this long means the connection is dead: the server
 * sends a KeepAlive every 60 s (+ jitter); Go's client also gives up
 * after 120 s. */
#define TN_DERP_WATCHDOG_NS (120ULL * 1000000000ULL)
/* Longest wait between reconnect rounds (the control client's bound). */
#define TN_DERP_BACKOFF_MAX_NS (30ULL * 1000000000ULL)
/* A connection that lasted this long was healthy: its loss starts the
 * backoff over.  A server that accepts and then drops us at once keeps
 * the backoff growing instead of being hammered every 10 ms. */
#define TN_DERP_STABLE_NS (10ULL * 1000000000ULL)
/* Bytes of output the connection may hold beyond what the kernel took
 * before sends are dropped (-ENOBUFS): at that point the relay or the path
 * is slower than we send, and dropping is what a router would do (the
 * inner TCP backs off); queueing more only adds latency. */
#define TN_DERP_MAX_BACKLOG (1u << 20)

struct tn_derp_callbacks {
	/* A packet from the node with public key src (both borrowed for the
	 * call; pkt may be modified in place).  Optional. */
	void (*on_packet)(void *arg, const uint8_t src[32], uint8_t *pkt,
			  size_t len);
	/* connected: true once a connection is up (after ServerInfo); false
	 * with err (a one-line reason) once each time a connection is lost
	 * and each time an attempt fails.  Optional. */
	void (*on_state)(void *arg, bool connected, const char *err);
	/* PeerGone: the server says key left it (reason 0) or is not known
	 * there (1; other values as sent).  Optional. */
	void (*on_peer_gone)(void *arg, const uint8_t key[32], int reason);
};

struct tn_derp_stats {
	uint64_t packets_in, bytes_in;       /* RecvPacket payloads */
	uint64_t packets_out, bytes_out;     /* SendPacket payloads taken */
	uint64_t drops_not_connected;        /* -ENOTCONN */
	uint64_t drops_backlog;              /* -ENOBUFS */
	uint64_t drops_oversize;             /* -EMSGSIZE */
	uint64_t bad_frames;                 /* short frames ignored */
	uint64_t pings;                      /* server pings answered */
	uint64_t keepalives;
	uint64_t peer_gone;
	uint64_t connects;                   /* handshakes completed */
	uint64_t reconnects;                 /* losses and failed attempts,
						each followed by a retry */
};

/* Starts connecting to region (its id and nodes are copied) as the node
 * node_priv.  cbs is copied; arg is passed to the callbacks.  NULL with
 * errno EINVAL (NULL argument, or no node of the region can be dialed: all
 * STUN-only or both families disabled) or ENOMEM. */
struct tn_derp_client *tn_derp_client_new(struct tn_loop *loop,
					  const uint8_t node_priv[32],
					  const struct tn_tailcfg_derp_region *region,
					  const struct tn_derp_callbacks *cbs,
					  void *arg);

/* Queues pkt[0..len) for the node dst.  0 when taken; -ENOTCONN when not
 * connected, -EMSGSIZE over 64 KiB, -ENOBUFS when the output backlog is
 * over TN_DERP_MAX_BACKLOG: dropped and counted.  A write failure drops
 * the packet with -ENOTCONN and starts a reconnect. */
int tn_derp_client_send(struct tn_derp_client *c, const uint8_t dst[32],
			const uint8_t *pkt, size_t len);

/* Tells the server whether this is our home region (for its statistics).
 * Sent when it changes while connected, and after every (re)connect when
 * true. */
void tn_derp_client_note_preferred(struct tn_derp_client *c, bool preferred);

bool tn_derp_client_connected(const struct tn_derp_client *c);
/* The region id given at creation. */
int tn_derp_client_region(const struct tn_derp_client *c);
/* The name of the node connected to (or being tried); "" if none. */
const char *tn_derp_client_node(const struct tn_derp_client *c);
/* The server's last Health problem text (printable ASCII); "" if healthy. */
const char *tn_derp_client_health(const struct tn_derp_client *c);
void tn_derp_client_stats(const struct tn_derp_client *c,
			  struct tn_derp_stats *out);

/* Closes the connection and releases the client.  Safe from inside its
 * own callbacks (the memory goes when the callback returns; no callback
 * follows).  NULL is a no-op. */
void tn_derp_client_free(struct tn_derp_client *c);

#endif

/* The UDP socket WireGuard datagrams cross: one dual-stack socket ([::]:port,
 * IPv4 as v4-mapped), batched receive with recvmmsg.  Addresses handed out
 * are canonical: a v4-mapped source comes back as AF_INET, and AF_INET
 * destinations are mapped on send.
 *
 * The caller owns the tn_udp (tn_udp_close).  Non-blocking; one thread.
 */
#ifndef TN_NET_UDP_H
#define TN_NET_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define TN_UDP_BATCH 32
#define TN_UDP_MAX_DATAGRAM 65536

struct tn_udp_rx {
	uint8_t *buf;                 /* TN_UDP_MAX_DATAGRAM bytes */
	size_t len;
	size_t seg;                   /* with GRO: datagrams of this size
					 (the last may be shorter); else len */
	struct sockaddr_storage from;
	socklen_t from_len;
};

/* Datagrams queued for one destination, sent with one sendmsg (UDP GSO:
 * equal segments, only the last may be shorter). */
#define TN_UDP_GSO_MAX_SEGMENTS 64

struct tn_udp_tx {
	uint8_t *buf;                 /* TN_UDP_MAX_DATAGRAM bytes */
	size_t len;
	size_t seg;                   /* size of each segment */
	unsigned nseg;
	struct sockaddr_storage to;
	socklen_t to_len;
};

struct tn_udp {
	int fd;
	int family;                   /* AF_INET6 (dual-stack) or AF_INET */
	uint16_t port;                /* bound port, host order */
	bool gso, gro;                /* kernel offloads in use */
	struct tn_udp_rx rx[TN_UDP_BATCH];
	uint8_t *rx_mem;
	struct tn_udp_tx tx;
	uint64_t sendmsg_calls, datagrams_sent;
};

/* Binds port (0: any) on all addresses.  Returns 0 or -errno. */
int tn_udp_open(struct tn_udp *u, uint16_t port);
void tn_udp_close(struct tn_udp *u);

/* Receives up to TN_UDP_BATCH datagrams into u->rx[]; returns how many,
 * 0 when none is waiting, or -errno. */
int tn_udp_recv_batch(struct tn_udp *u);

/* Sends one datagram to sa now.  Returns 0 or -errno. */
int tn_udp_send(struct tn_udp *u, const struct sockaddr *sa, socklen_t len,
		const uint8_t *buf, size_t n);

/* Queues one datagram to sa; queued datagrams to one destination leave
 * together (UDP GSO) at tn_udp_flush, or earlier when the queue cannot take
 * this one.  Returns 0 or the -errno of a flush that failed. */
int tn_udp_queue(struct tn_udp *u, const struct sockaddr *sa, socklen_t len,
		 const uint8_t *buf, size_t n);
int tn_udp_flush(struct tn_udp *u);

#endif

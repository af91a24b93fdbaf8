/* The UDP socket WireGuard datagrams cross: one dual-stack socket ([::]:port,
 * IPv4 as v4-mapped), batched receive with recvmmsg.  Addresses handed out
 * are canonical: a v4-mapped source comes back as AF_INET, and AF_INET
 * destinations are mapped on send.
 *
 * The caller owns the tn_udp (tn_udp_close).  Non-blocking; one thread.
 */
#ifndef TN_NET_UDP_H
#define TN_NET_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define TN_UDP_BATCH 32
#define TN_UDP_MAX_DATAGRAM 65536

struct tn_udp_rx {
	uint8_t *buf;                 /* TN_UDP_MAX_DATAGRAM bytes */
	size_t len;
	struct sockaddr_storage from;
	socklen_t from_len;
};

struct tn_udp {
	int fd;
	int family;                   /* AF_INET6 (dual-stack) or AF_INET */
	uint16_t port;                /* bound port, host order */
	struct tn_udp_rx rx[TN_UDP_BATCH];
	uint8_t *rx_mem;
};

/* Binds port (0: any) on all addresses.  Returns 0 or -errno. */
int tn_udp_open(struct tn_udp *u, uint16_t port);
void tn_udp_close(struct tn_udp *u);

/* Receives up to TN_UDP_BATCH datagrams into u->rx[]; returns how many,
 * 0 when none is waiting, or -errno. */
int tn_udp_recv_batch(struct tn_udp *u);

/* Sends one datagram to sa.  Returns 0 or -errno. */
int tn_udp_send(struct tn_udp *u, const struct sockaddr *sa, socklen_t len,
		const uint8_t *buf, size_t n);

/* Parses "1.2.3.4:51820" or "[::1]:51820" (numeric only).  Returns 0 or
 * -EINVAL. */
int tn_udp_parse_endpoint(const char *s, struct sockaddr_storage *ss, socklen_t *len);

#endif

/* Test harness for the netstack: a real lwIP stack in the process whose
 * output packets are captured, packets crafted as a peer would send them
 * (IPv4/IPv6 with TCP, UDP or ICMP and correct checksums), and small local
 * servers on threads (they only touch their sockets, never the loop).
 *
 * Header-only: static helpers marked unused.
 */
#ifndef TN_TEST_NETSTACK_HARNESS_H
#define TN_TEST_NETSTACK_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "event/loop.h"
#include "net/checksum.h"
#include "netstack/netstack.h"

#include "../loop_wait.h"

/* Captured output. */
#define CAP_MAX 4096
struct capture {
	uint8_t *pkt[CAP_MAX];
	size_t len[CAP_MAX];
	size_t n;
	/* Optional: called for each packet (to answer synchronously). */
	void (*hook)(void *arg, const uint8_t *pkt, size_t len);
	void *hook_arg;
};

UNUSED static void capture_out(void *ctx, uint8_t *pkt, size_t len)
{
	struct capture *c = ctx;

	if (c->n < CAP_MAX) {
		c->pkt[c->n] = malloc(len);
		memcpy(c->pkt[c->n], pkt, len);
		c->len[c->n++] = len;
	}
	if (c->hook)
		c->hook(c->hook_arg, pkt, len);
}

UNUSED static void capture_clear(struct capture *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->pkt[i]);
	c->n = 0;
}

/* A parsed packet of ours. */
struct pkt {
	int family;
	uint8_t src[16], dst[16];
	uint8_t proto;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint8_t icmp_type;
	const uint8_t *payload;
	size_t payload_len;
	bool csum_ok;
};

UNUSED static bool parse_pkt(const uint8_t *b, size_t len, struct pkt *p)
{
	const uint8_t *l4;
	size_t l4len, alen;
	uint64_t sum;

	memset(p, 0, sizeof(*p));
	if (len >= 20 && b[0] >> 4 == 4) {
		size_t ihl = (size_t)(b[0] & 15) * 4;

		p->family = AF_INET;
		memcpy(p->src, b + 12, 4);
		memcpy(p->dst, b + 16, 4);
		p->proto = b[9];
		l4 = b + ihl;
		l4len = ((size_t)b[2] << 8 | b[3]) - ihl;
		alen = 4;
		if (tn_csum_fold(tn_csum_add(0, b, ihl)) != 0xffff)
			return false;
	} else if (len >= 40 && b[0] >> 4 == 6) {
		p->family = AF_INET6;
		memcpy(p->src, b + 8, 16);
		memcpy(p->dst, b + 24, 16);
		p->proto = b[6];
		l4 = b + 40;
		l4len = (size_t)b[4] << 8 | b[5];
		alen = 16;
	} else {
		return false;
	}
	if (p->proto == 1) {
		p->icmp_type = l4[0];
		p->csum_ok = tn_csum_fold(tn_csum_add(0, l4, l4len)) == 0xffff;
		p->payload = l4 + 8;
		p->payload_len = l4len - 8;
		return true;
	}
	sum = tn_csum_pseudo(b + (alen == 4 ? 12 : 8), b + (alen == 4 ? 16 : 24), alen, p->proto,
			     (uint32_t)l4len);
	p->csum_ok = tn_csum_fold(tn_csum_add(sum, l4, l4len)) == 0xffff;
	if (p->proto == 58) {
		p->icmp_type = l4[0];
		p->payload = l4 + 8;
		p->payload_len = l4len - 8;
		return true;
	}
	p->sport = (uint16_t)(l4[0] << 8 | l4[1]);
	p->dport = (uint16_t)(l4[2] << 8 | l4[3]);
	if (p->proto == 6) {
		size_t off = (size_t)(l4[12] >> 4) * 4;

		p->seq = (uint32_t)l4[4] << 24 | (uint32_t)l4[5] << 16 | (uint32_t)l4[6] << 8 | l4[7];
		p->ack = (uint32_t)l4[8] << 24 | (uint32_t)l4[9] << 16 | (uint32_t)l4[10] << 8 | l4[11];
		p->flags = l4[13];
		p->payload = l4 + off;
		p->payload_len = l4len - off;
	} else if (p->proto == 17) {
		p->payload = l4 + 8;
		p->payload_len = l4len - 8;
	}
	return true;
}

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };

/* Builds an IP packet into out; returns its length. */
struct craft {
	int family;
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint8_t icmp_type;            /* proto 1 / 58 */
	uint16_t icmp_id, icmp_seq;
	const void *payload;
	size_t payload_len;
	bool mss_option;              /* TCP SYN: MSS 1240 */
};

UNUSED static size_t craft(uint8_t *out, const struct craft *c)
{
	size_t alen = c->family == AF_INET ? 4 : 16, ihl = c->family == AF_INET ? 20 : 40;
	size_t thl, l4len;
	uint8_t *l4 = out + ihl, src[16], dst[16];
	uint64_t sum;

	inet_pton(c->family, c->src, src);
	inet_pton(c->family, c->dst, dst);
	if (c->proto == 6)
		thl = c->mss_option ? 24 : 20;
	else
		thl = 8;
	l4len = thl + c->payload_len;
	memset(out, 0, ihl + thl);
	if (c->family == AF_INET) {
		out[0] = 0x45;
		out[2] = (uint8_t)((ihl + l4len) >> 8);
		out[3] = (uint8_t)(ihl + l4len);
		out[8] = 64;
		out[9] = c->proto;
		memcpy(out + 12, src, 4);
		memcpy(out + 16, dst, 4);
		sum = tn_csum_add(0, out, 20);
		uint16_t ck = (uint16_t)~tn_csum_fold(sum);
		out[10] = (uint8_t)(ck >> 8);
		out[11] = (uint8_t)ck;
	} else {
		out[0] = 0x60;
		out[4] = (uint8_t)(l4len >> 8);
		out[5] = (uint8_t)l4len;
		out[6] = c->proto;
		out[7] = 64;
		memcpy(out + 8, src, 16);
		memcpy(out + 24, dst, 16);
	}
	if (c->proto == 6) {
		l4[0] = (uint8_t)(c->sport >> 8);
		l4[1] = (uint8_t)c->sport;
		l4[2] = (uint8_t)(c->dport >> 8);
		l4[3] = (uint8_t)c->dport;
		for (int i = 0; i < 4; i++) {
			l4[4 + i] = (uint8_t)(c->seq >> (24 - 8 * i));
			l4[8 + i] = (uint8_t)(c->ack >> (24 - 8 * i));
		}
		l4[12] = (uint8_t)((thl / 4) << 4);
		l4[13] = c->flags;
		l4[14] = (uint8_t)((c->window ? c->window : 65535) >> 8);
		l4[15] = (uint8_t)(c->window ? c->window : 65535);
		if (c->mss_option) {
			l4[20] = 2;
			l4[21] = 4;
			l4[22] = 1240 >> 8;
			l4[23] = 1240 & 0xff;
		}
	} else if (c->proto == 17) {
		l4[0] = (uint8_t)(c->sport >> 8);
		l4[1] = (uint8_t)c->sport;
		l4[2] = (uint8_t)(c->dport >> 8);
		l4[3] = (uint8_t)c->dport;
		l4[4] = (uint8_t)(l4len >> 8);
		l4[5] = (uint8_t)l4len;
	} else {
		l4[0] = c->icmp_type;
		l4[4] = (uint8_t)(c->icmp_id >> 8);
		l4[5] = (uint8_t)c->icmp_id;
		l4[6] = (uint8_t)(c->icmp_seq >> 8);
		l4[7] = (uint8_t)c->icmp_seq;
	}
	if (c->payload_len)
		memcpy(l4 + thl, c->payload, c->payload_len);
	if (c->proto == 1)
		sum = tn_csum_add(0, l4, l4len);
	else
		sum = tn_csum_add(tn_csum_pseudo(src, dst, alen, c->proto, (uint32_t)l4len), l4, l4len);
	uint16_t ck = (uint16_t)~tn_csum_fold(sum);
	size_t at = c->proto == 6 ? 16 : c->proto == 17 ? 6 : 2;

	if (c->proto == 17 && ck == 0)
		ck = 0xffff;
	l4[at] = (uint8_t)(ck >> 8);
	l4[at + 1] = (uint8_t)ck;
	return ihl + l4len;
}

/* A listening TCP socket on 127.0.0.1 (port 0: any); its port. */
UNUSED static int listen_local(int type, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons(*port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Is there something to read on fd now? */
UNUSED static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* Threaded TCP echo server: echoes every byte of every connection. */
struct echo_server {
	int fd;
	uint16_t port;
	pthread_t thread;
	int conns;
};

UNUSED static void *echo_conn(void *arg)
{
	int c = (int)(intptr_t)arg;
	char buf[65536];
	ssize_t n;

	while ((n = recv(c, buf, sizeof(buf), 0)) > 0)
		if (send(c, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	close(c);
	return NULL;
}

UNUSED static void *echo_main(void *arg)
{
	struct echo_server *s = arg;
	int c;

	while ((c = accept(s->fd, NULL, NULL)) >= 0) {
		pthread_t t;

		__atomic_add_fetch(&s->conns, 1, __ATOMIC_SEQ_CST);
		pthread_create(&t, NULL, echo_conn, (void *)(intptr_t)c);
		pthread_detach(t);
	}
	return NULL;
}

UNUSED static int echo_start(struct echo_server *s)
{
	s->port = 0;
	s->conns = 0;
	if ((s->fd = listen_local(SOCK_STREAM, &s->port)) < 0)
		return -1;
	return pthread_create(&s->thread, NULL, echo_main, s);
}

UNUSED static void echo_stop(struct echo_server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->fd);
}

#endif

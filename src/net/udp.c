#include "net/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int bind_socket(struct tn_udp *u, int family, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, zero = 0, one = 1;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
			goto fail;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		len = sizeof(*in);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		goto fail;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		goto fail;
	u->port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					   : ((struct sockaddr_in *)&ss)->sin_port);
	u->fd = fd;
	u->family = family;
	return 0;
fail:;
	int r = -errno;

	close(fd);
	return r;
}

int tn_udp_open(struct tn_udp *u, uint16_t port)
{
	int r;

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	u->rx_mem = malloc((size_t)TN_UDP_BATCH * TN_UDP_MAX_DATAGRAM);
	if (!u->rx_mem)
		return -ENOMEM;
	for (int i = 0; i < TN_UDP_BATCH; i++)
		u->rx[i].buf = u->rx_mem + (size_t)i * TN_UDP_MAX_DATAGRAM;
	/* Dual-stack first; a host without IPv6 gets an IPv4 socket. */
	r = bind_socket(u, AF_INET6, port);
	if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL)
		r = bind_socket(u, AF_INET, port);
	if (r < 0) {
		free(u->rx_mem);
		u->rx_mem = NULL;
	}
	return r;
}

void tn_udp_close(struct tn_udp *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	free(u->rx_mem);
	u->rx_mem = NULL;
}

/* A v4-mapped IPv6 source becomes a plain AF_INET address. */
static void canonicalize(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in in = { .sin_family = AF_INET };

	if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
		return;
	in.sin_port = in6->sin6_port;
	memcpy(&in.sin_addr, &in6->sin6_addr.s6_addr[12], 4);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &in, sizeof(in));
	*len = sizeof(in);
}

int tn_udp_recv_batch(struct tn_udp *u)
{
	struct mmsghdr msgs[TN_UDP_BATCH];
	struct iovec iov[TN_UDP_BATCH];
	int n;

	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < TN_UDP_BATCH; i++) {
		iov[i].iov_base = u->rx[i].buf;
		iov[i].iov_len = TN_UDP_MAX_DATAGRAM;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &u->rx[i].from;
		msgs[i].msg_hdr.msg_namelen = sizeof(u->rx[i].from);
	}
	do {
		n = recvmmsg(u->fd, msgs, TN_UDP_BATCH, MSG_DONTWAIT, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		u->rx[i].len = msgs[i].msg_len;
		u->rx[i].from_len = msgs[i].msg_hdr.msg_namelen;
		canonicalize(&u->rx[i].from, &u->rx[i].from_len);
	}
	return n;
}

int tn_udp_send(struct tn_udp *u, const struct sockaddr *sa, socklen_t len,
		const uint8_t *buf, size_t n)
{
	struct sockaddr_in6 mapped;
	ssize_t r;

	if (u->family == AF_INET6 && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		memset(&mapped, 0, sizeof(mapped));
		mapped.sin6_family = AF_INET6;
		mapped.sin6_port = in->sin_port;
		mapped.sin6_addr.s6_addr[10] = 0xff;
		mapped.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&mapped.sin6_addr.s6_addr[12], &in->sin_addr, 4);
		sa = (const struct sockaddr *)&mapped;
		len = sizeof(mapped);
	} else if (u->family == AF_INET && sa->sa_family != AF_INET) {
		return -EAFNOSUPPORT;
	}
	do {
		r = sendto(u->fd, buf, n, MSG_DONTWAIT, sa, len);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

int tn_udp_parse_endpoint(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hlen = (size_t)(close - s - 1);
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hlen);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		hlen = (size_t)(colon - s);
		memcpy(host, s, hlen);
	}
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port == 0 || port > 65535)
		return -EINVAL;
	if (s[0] != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -EINVAL;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
	}
	return 0;
}

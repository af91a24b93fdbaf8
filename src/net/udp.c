#include "net/udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
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
	u->rx_mem = malloc((size_t)(TN_UDP_BATCH + 1) * TN_UDP_MAX_DATAGRAM);
	if (!u->rx_mem)
		return -ENOMEM;
	u->tx.buf = u->rx_mem + (size_t)TN_UDP_BATCH * TN_UDP_MAX_DATAGRAM;
	for (int i = 0; i < TN_UDP_BATCH; i++)
		u->rx[i].buf = u->rx_mem + (size_t)i * TN_UDP_MAX_DATAGRAM;
	/* Dual-stack first; a host without IPv6 gets an IPv4 socket. */
	r = bind_socket(u, AF_INET6, port);
	if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL)
		r = bind_socket(u, AF_INET, port);
	if (r < 0) {
		free(u->rx_mem);
		u->rx_mem = NULL;
		return r;
	}
	/* Offloads where the kernel has them (GSO: 4.18, GRO: 5.0). */
	{
		int one = 1, seg = 0;

		u->gro = setsockopt(u->fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0;
		u->gso = setsockopt(u->fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)) == 0;
	}
	return 0;
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
	union { struct cmsghdr c; uint8_t buf[CMSG_SPACE(sizeof(int))]; } ctl[TN_UDP_BATCH];
	int n;

	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < TN_UDP_BATCH; i++) {
		iov[i].iov_base = u->rx[i].buf;
		iov[i].iov_len = TN_UDP_MAX_DATAGRAM;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &u->rx[i].from;
		msgs[i].msg_hdr.msg_namelen = sizeof(u->rx[i].from);
		if (u->gro) {
			msgs[i].msg_hdr.msg_control = ctl[i].buf;
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
		}
	}
	do {
		n = recvmmsg(u->fd, msgs, TN_UDP_BATCH, MSG_DONTWAIT, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &msgs[i].msg_hdr;

		u->rx[i].len = msgs[i].msg_len;
		u->rx[i].seg = msgs[i].msg_len;
		for (struct cmsghdr *c = u->gro ? CMSG_FIRSTHDR(mh) : NULL; c; c = CMSG_NXTHDR(mh, c)) {
			if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
				int seg;

				memcpy(&seg, CMSG_DATA(c), sizeof(seg));
				if (seg > 0)
					u->rx[i].seg = (size_t)seg;
			}
		}
		u->rx[i].from_len = mh->msg_namelen;
		canonicalize(&u->rx[i].from, &u->rx[i].from_len);
	}
	return n;
}

/* The address as this socket wants it: AF_INET mapped into AF_INET6 on a
 * dual-stack socket.  Returns the length, or 0 if it cannot be sent. */
static socklen_t socket_address(const struct tn_udp *u, const struct sockaddr *sa, socklen_t len,
				struct sockaddr_storage *out)
{
	if (u->family == AF_INET6 && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		struct sockaddr_in6 *m = (struct sockaddr_in6 *)out;

		memset(m, 0, sizeof(*m));
		m->sin6_family = AF_INET6;
		m->sin6_port = in->sin_port;
		m->sin6_addr.s6_addr[10] = 0xff;
		m->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&m->sin6_addr.s6_addr[12], &in->sin_addr, 4);
		return sizeof(*m);
	}
	if (u->family == AF_INET && sa->sa_family != AF_INET)
		return 0;
	if (len > sizeof(*out))
		return 0;
	memcpy(out, sa, len);
	return len;
}

int tn_udp_queue(struct tn_udp *u, const struct sockaddr *sa, socklen_t len,
		 const uint8_t *buf, size_t n)
{
	struct tn_udp_tx *t = &u->tx;
	struct sockaddr_storage to;
	socklen_t tolen = socket_address(u, sa, len, &to);
	int r = 0;

	if (!tolen)
		return -EAFNOSUPPORT;
	if (!u->gso)
		return tn_udp_send(u, sa, len, buf, n);
	/* Only equal segments join, the last may be shorter, one destination. */
	if (t->nseg && (tolen != t->to_len || memcmp(&to, &t->to, tolen) || n > t->seg ||
			t->len % t->seg || t->len + n > TN_UDP_MAX_DATAGRAM - 1024 ||
			t->nseg == TN_UDP_GSO_MAX_SEGMENTS))
		r = tn_udp_flush(u);
	if (!t->nseg) {
		memcpy(&t->to, &to, tolen);
		t->to_len = tolen;
		t->seg = n;
	}
	memcpy(t->buf + t->len, buf, n);
	t->len += n;
	t->nseg++;
	return r;
}

int tn_udp_flush(struct tn_udp *u)
{
	struct tn_udp_tx *t = &u->tx;
	union { struct cmsghdr c; uint8_t buf[CMSG_SPACE(sizeof(uint16_t))]; } ctl;
	struct iovec iov = { .iov_base = t->buf, .iov_len = t->len };
	struct msghdr mh = { .msg_name = &t->to, .msg_namelen = t->to_len,
			     .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;

	if (!t->nseg)
		return 0;
	if (t->nseg > 1) {
		uint16_t seg = (uint16_t)t->seg;
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(seg));
		memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	}
	do {
		r = sendmsg(u->fd, &mh, MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0 && t->nseg > 1 && (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP)) {
		/* No segmentation on this path after all: one by one from now on. */
		u->gso = false;
		r = 0;
		for (size_t off = 0; off < t->len; off += t->seg) {
			size_t n = t->len - off < t->seg ? t->len - off : t->seg;

			if (sendto(u->fd, t->buf + off, n, MSG_DONTWAIT, (struct sockaddr *)&t->to,
				   t->to_len) < 0)
				r = -1;
		}
	}
	u->sendmsg_calls++;
	u->datagrams_sent += t->nseg;
	t->len = 0;
	t->nseg = 0;
	return r < 0 ? -errno : 0;
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

#include "net/netlink.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	};
	uint8_t attrs[256];
};

static void add_attr(struct nl_req *req, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((uint8_t *)req + NLMSG_ALIGN(req->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Sends req and waits for the kernel's ack; returns 0 or -errno. */
static int transact(struct nl_req *req)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union { struct nlmsghdr nh; uint8_t buf[4096]; } resp;
	int fd, r;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	req->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nh.nlmsg_seq = 1;
	if (sendto(fd, req, req->nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		n = recv(fd, &resp, sizeof(resp), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		for (struct nlmsghdr *nh = &resp.nh; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				r = e->error;
				goto out;
			}
		}
	}
out:
	close(fd);
	return r;
}

int tn_nl_link_set(int ifindex, unsigned mtu, bool up)
{
	struct nl_req req = { 0 };
	uint32_t m = mtu;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	req.ifi.ifi_change = IFF_UP;
	req.ifi.ifi_flags = up ? IFF_UP : 0;
	if (mtu)
		add_attr(&req, IFLA_MTU, &m, sizeof(m));
	return transact(&req);
}

int tn_nl_addr_add(int ifindex, int family, const uint8_t *addr, uint8_t prefix)
{
	struct nl_req req = { 0 };
	size_t alen = family == AF_INET ? 4 : 16;
	int r;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	req.ifa.ifa_family = (unsigned char)family;
	req.ifa.ifa_prefixlen = prefix;
	req.ifa.ifa_index = (unsigned)ifindex;
	add_attr(&req, IFA_LOCAL, addr, alen);
	add_attr(&req, IFA_ADDRESS, addr, alen);
	if (family == AF_INET6) {
		uint32_t flags = IFA_F_NODAD;

		add_attr(&req, IFA_FLAGS, &flags, sizeof(flags));
	}
	r = transact(&req);
	return r == -EEXIST ? 0 : r;
}

int tn_nl_route(int ifindex, int family, const uint8_t *dst, uint8_t prefix, bool add)
{
	struct nl_req req = { 0 };
	uint32_t oif = (uint32_t)ifindex;
	int r;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.nh.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	req.nh.nlmsg_flags = add ? NLM_F_CREATE | NLM_F_EXCL : 0;
	req.rt.rtm_family = (unsigned char)family;
	req.rt.rtm_dst_len = prefix;
	req.rt.rtm_table = RT_TABLE_MAIN;
	req.rt.rtm_protocol = RTPROT_STATIC;
	req.rt.rtm_scope = RT_SCOPE_LINK;
	req.rt.rtm_type = RTN_UNICAST;
	add_attr(&req, RTA_DST, dst, family == AF_INET ? 4 : 16);
	add_attr(&req, RTA_OIF, &oif, sizeof(oif));
	r = transact(&req);
	return add && r == -EEXIST ? 0 : r;
}

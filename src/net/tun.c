#include "net/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/netlink.h"

int tn_tun_open(struct tn_tun *tun, const char *name, unsigned mtu, bool offload)
{
	struct ifreq ifr = { 0 };
	int r;

	memset(tun, 0, sizeof(*tun));
	tun->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (tun->fd < 0)
		return -errno;
	if (strlen(name) >= IFNAMSIZ) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
	strcpy(ifr.ifr_name, name);
	if (ioctl(tun->fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		goto fail;
	}
	if (offload) {
		unsigned features = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

		/* Without offloads a vnet header only costs: drop it then. */
		if (ioctl(tun->fd, TUNSETOFFLOAD, features) == 0) {
			tun->vnet = true;
		} else {
			close(tun->fd);
			return tn_tun_open(tun, name, mtu, false);
		}
	}
	memcpy(tun->name, ifr.ifr_name, IFNAMSIZ);
	tun->name[IFNAMSIZ - 1] = '\0';
	tun->ifindex = (int)if_nametoindex(tun->name);
	if (!tun->ifindex) {
		r = -errno;
		goto fail;
	}
	tun->mtu = mtu ? mtu : TN_TUN_DEFAULT_MTU;
	if ((r = tn_nl_link_set(tun->ifindex, tun->mtu, true)) < 0)
		goto fail;
	return 0;
fail:
	close(tun->fd);
	tun->fd = -1;
	return r;
}

void tn_tun_close(struct tn_tun *tun)
{
	if (tun->fd >= 0)
		close(tun->fd);
	tun->fd = -1;
}

int tn_tun_add_address(struct tn_tun *tun, int family, const uint8_t *addr, uint8_t prefix)
{
	return tn_nl_addr_add(tun->ifindex, family, addr, prefix);
}

int tn_tun_add_route(struct tn_tun *tun, int family, const uint8_t *dst, uint8_t prefix)
{
	return tn_nl_route(tun->ifindex, family, dst, prefix, true);
}

ssize_t tn_tun_read(struct tn_tun *tun, uint8_t *buf, size_t len)
{
	ssize_t n = read(tun->fd, buf, len);

	return n < 0 ? -errno : n;
}

ssize_t tn_tun_write(struct tn_tun *tun, const uint8_t *pkt, size_t len)
{
	ssize_t n = write(tun->fd, pkt, len);

	return n < 0 ? -errno : n;
}

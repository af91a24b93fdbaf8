/* The Linux TUN device: open /dev/net/tun, set MTU, addresses and routes
 * through netlink, and read/write raw IP packets (IFF_NO_PI).
 *
 * The caller owns the tn_tun and closes it with tn_tun_close, which
 * removes the interface (and with it its addresses and routes).  Reads and
 * writes are non-blocking; use fd with the event loop.
 */
#ifndef TN_NET_TUN_H
#define TN_NET_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TN_TUN_DEFAULT_MTU 1280

struct tn_tun {
	int fd;
	int ifindex;
	char name[IFNAMSIZ];
	unsigned mtu;
	/* Reads and writes carry a struct tn_vnet_hdr (net/offload.h) first,
	 * and reads may be 64 KB TCP segments (TSO). */
	bool vnet;
};

/* Creates (or attaches to) interface `name` ("" for a kernel-chosen
 * tunN), sets mtu and brings it up.  With offload, asks for IFF_VNET_HDR
 * with checksum and TSO offloads, and quietly goes without them where the
 * kernel refuses (tun->vnet tells).  Returns 0 or -errno. */
int tn_tun_open(struct tn_tun *tun, const char *name, unsigned mtu, bool offload);
void tn_tun_close(struct tn_tun *tun);

int tn_tun_add_address(struct tn_tun *tun, int family, const uint8_t *addr, uint8_t prefix);
int tn_tun_add_route(struct tn_tun *tun, int family, const uint8_t *dst, uint8_t prefix);

/* One packet; returns its length, -EAGAIN when none is ready, or -errno. */
ssize_t tn_tun_read(struct tn_tun *tun, uint8_t *buf, size_t len);
ssize_t tn_tun_write(struct tn_tun *tun, const uint8_t *pkt, size_t len);

#endif

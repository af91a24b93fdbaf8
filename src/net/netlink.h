/* rtnetlink: the few link, address and route changes the TUN device needs.
 * Synchronous request/ack on a short-lived NETLINK_ROUTE socket; errors are
 * the kernel's negative errno.  Any thread; called at start-up and on
 * reconfiguration, never per packet.
 */
#ifndef TN_NET_NETLINK_H
#define TN_NET_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

/* Sets the MTU and brings the link up (or down). */
int tn_nl_link_set(int ifindex, unsigned mtu, bool up);

/* Adds addr/prefix (family AF_INET: 4 bytes, AF_INET6: 16 bytes) to the
 * interface.  An address that is already there is not an error. */
int tn_nl_addr_add(int ifindex, int family, const uint8_t *addr, uint8_t prefix);

/* Adds (add=true) or deletes a route to dst/prefix through the interface,
 * in the main table.  Adding an existing route is not an error. */
int tn_nl_route(int ifindex, int family, const uint8_t *dst, uint8_t prefix, bool add);

#endif

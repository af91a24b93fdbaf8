/* The names the proxies resolve without DNS, built from the netmap the
 * way Go's tsdial dnsMap is (net/tsdial/dnsmap.go): the self node's and
 * every peer's MagicDNS name (the FQDN without its trailing dot) and, when
 * the name ends in our MagicDNS suffix (the self name after its first
 * label), the short name before it; each maps to the node's first address
 * (skipping IPv4 ones when we have no IPv4 address ourselves).  DNS
 * ExtraRecords without a type whose value is an IP are added too.  Keys
 * are lowercase; a lookup ignores case and one trailing dot.  Later
 * entries win, as in Go's map.
 *
 * Ownership: the table owns its strings; the netmap is borrowed for the
 * build.  No global state; one thread at a time.
 */
#ifndef TN_NETSTACK_NAMES_H
#define TN_NETSTACK_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/netmap.h"

struct tn_ns_name {
	char *name;
	int family;                   /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

struct tn_ns_names {
	struct tn_ns_name *v;         /* sorted by name, unique */
	size_t n;
};

/* Builds a new table into *out (which is overwritten, not freed).
 * 0 or -ENOMEM. */
int tn_ns_names_build(struct tn_ns_names *out, const struct tn_netmap *nm);
/* The address of name (NUL-terminated), or false. */
bool tn_ns_names_lookup(const struct tn_ns_names *t, const char *name, int *family,
			uint8_t addr[16]);
void tn_ns_names_free(struct tn_ns_names *t);

#endif

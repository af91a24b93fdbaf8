/* IP addresses and prefixes the way Go's net/netip reads, compares and
 * prints them, for the CLI's flags (--advertise-routes, --exit-node) and
 * for ordering peers like ipnstate.SortPeers.  Pure functions; any thread.
 */
#ifndef TN_CLI_ADDR_H
#define TN_CLI_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tn_cli_addr {
	int family;            /* 4 or 6; 0 for none */
	uint8_t b[16];         /* 4 or 16 bytes used */
};

struct tn_cli_prefix {
	struct tn_cli_addr addr;
	int bits;
};

/* An IPv4 or IPv6 address without zone.  0 or -EINVAL. */
int tn_cli_addr_parse(const char *s, struct tn_cli_addr *a);
/* The canonical text (RFC 5952 for IPv6) into out (46 bytes suffice). */
void tn_cli_addr_format(const struct tn_cli_addr *a, char *out, size_t len);
/* netip.Addr.Compare: IPv4 before IPv6, then by bytes. */
int tn_cli_addr_compare(const struct tn_cli_addr *x, const struct tn_cli_addr *y);

/* "addr/bits" with bits in range and written without leading zeros.
 * 0 or -EINVAL. */
int tn_cli_prefix_parse(const char *s, struct tn_cli_prefix *p);
void tn_cli_prefix_format(const struct tn_cli_prefix *p, char *out, size_t len);
/* p with the bits past its length cleared. */
struct tn_cli_prefix tn_cli_prefix_masked(const struct tn_cli_prefix *p);
bool tn_cli_prefix_equal(const struct tn_cli_prefix *x, const struct tn_cli_prefix *y);

#endif

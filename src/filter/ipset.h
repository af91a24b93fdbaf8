/* Address sets as sorted, disjoint, non-adjacent ranges of one family
 * (IPv4 values or IPv6 values, never mixed), built from prefixes and
 * ranges and looked up by binary search.
 *
 * A set being built owns its array; tn_ipset_contains works on any
 * normalized (ranges, count) slice, so compiled filters can keep many sets
 * in one pool.  Not thread-safe while building; lookups are read-only.
 */
#ifndef TN_FILTER_IPSET_H
#define TN_FILTER_IPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter/packet.h"

struct tn_ipset_range {
	struct tn_addr128 lo, hi;   /* inclusive */
};

struct tn_ipset {
	struct tn_ipset_range *r;
	size_t n, cap;
};

/* Appends lo..hi (lo <= hi), not yet normalized.  0 or -ENOMEM. */
int tn_ipset_add(struct tn_ipset *s, struct tn_addr128 lo, struct tn_addr128 hi);
/* Appends a prefix's range (host bits ignored); bits within the family's
 * length.  version 4 or 6, addr in network order. */
int tn_ipset_add_prefix(struct tn_ipset *s, int version, const uint8_t *addr, unsigned bits);
int tn_ipset_add_all(struct tn_ipset *s, const struct tn_ipset_range *r, size_t n);
/* Sorts and merges overlapping and adjacent ranges. */
void tn_ipset_normalize(struct tn_ipset *s);
void tn_ipset_free(struct tn_ipset *s);

/* The range a prefix covers, and whether addr has host bits set beyond it. */
struct tn_ipset_range tn_ipset_prefix_range(int version, const uint8_t *addr, unsigned bits);
bool tn_ipset_prefix_has_host_bits(int version, const uint8_t *addr, unsigned bits);

/* Lookups on a normalized slice. */
bool tn_ipset_contains(const struct tn_ipset_range *r, size_t n, struct tn_addr128 a);
bool tn_ipset_overlaps(const struct tn_ipset_range *r, size_t n, struct tn_addr128 lo,
		       struct tn_addr128 hi);

#endif

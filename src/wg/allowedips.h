/* Cryptokey routing table: IPv4 and IPv6 prefixes mapped to a peer, with
 * longest-prefix-match lookup, as the Linux module's allowedips.c.
 *
 * Each family is a path-compressed binary trie: a node holds a prefix, and
 * its two children extend it by at least one bit, chosen by the bit that
 * follows the prefix.  Prefixes without a peer ("glue" nodes) exist only
 * where two subtrees branch.  A lookup walks at most 33 (v4) or 129 (v6)
 * nodes, compares 64-bit words and never allocates.  Host bits beyond the
 * prefix length are cleared on insert (10.1.2.3/8 is stored as 10.0.0.0/8).
 *
 * A side table keeps each peer's prefixes in insertion order, so removing
 * a peer or listing its prefixes costs only that peer's prefixes.
 *
 * Ownership: the table owns its nodes; peers are opaque pointers it never
 * dereferences (the caller keeps them alive while they are in the table and
 * removes them before freeing them).  Threads: no internal locking.
 * Lookups may run concurrently with each other; inserts and removes must
 * be serialised against everything else by the caller (the device's
 * configuration lock).
 */
#ifndef TN_WG_ALLOWEDIPS_H
#define TN_WG_ALLOWEDIPS_H

#include <stddef.h>
#include <stdint.h>

struct tn_wg_aip_node;
struct tn_wg_aip_peer;

struct tn_wg_allowedips {
	struct tn_wg_aip_node *root4, *root6;
	/* peer -> its prefixes (open addressing, linear probing) */
	struct tn_wg_aip_peer *peers;
	size_t peers_cap, peers_len;
};

/* Called for each prefix of a peer: family is AF_INET or AF_INET6, addr
 * holds 4 or 16 bytes (network order, host bits zero).  A non-zero return
 * stops the walk and is returned by tn_wg_allowedips_foreach. */
typedef int (*tn_wg_allowedips_fn)(void *ctx, int family, const uint8_t *addr,
				   uint8_t cidr);

/* An empty table (all zero is also an empty table). */
void tn_wg_allowedips_init(struct tn_wg_allowedips *t);

/* Frees every node; the table is empty and reusable afterwards. */
void tn_wg_allowedips_free(struct tn_wg_allowedips *t);

/* Maps addr/cidr to peer (non-NULL), replacing the peer of an identical
 * prefix.  family is AF_INET (addr: 4 bytes, cidr 0..32) or AF_INET6 (16
 * bytes, 0..128).  Returns 0, -EINVAL (bad family, cidr or NULL peer) or
 * -ENOMEM (the table is unchanged). */
int tn_wg_allowedips_insert(struct tn_wg_allowedips *t, int family,
			    const uint8_t *addr, uint8_t cidr, void *peer);

/* Removes the exact prefix addr/cidr (host bits ignored) if it maps to
 * peer, or to anything when peer is NULL.  Returns 0, -ENOENT if no such
 * mapping exists, or -EINVAL. */
int tn_wg_allowedips_remove(struct tn_wg_allowedips *t, int family,
			    const uint8_t *addr, uint8_t cidr, const void *peer);

/* Removes every prefix of peer. */
void tn_wg_allowedips_remove_by_peer(struct tn_wg_allowedips *t,
				     const void *peer);

/* The peer of the longest prefix containing addr (4 bytes for AF_INET, 16
 * for AF_INET6), or NULL if none (or family is neither). */
void *tn_wg_allowedips_lookup(const struct tn_wg_allowedips *t, int family,
			      const uint8_t *addr);

/* Calls fn for each prefix of peer, in the order they were first
 * inserted.  fn must not modify the table.  Returns 0 or fn's non-zero
 * result. */
int tn_wg_allowedips_foreach(const struct tn_wg_allowedips *t,
			     const void *peer, tn_wg_allowedips_fn fn,
			     void *ctx);

/* Number of prefixes mapped to peer. */
size_t tn_wg_allowedips_count(const struct tn_wg_allowedips *t,
			      const void *peer);

#endif

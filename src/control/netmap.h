/* The netmap: the one structure holding what the control server told us
 * (self node, peers, DERP map, packet filter, DNS config, user profiles,
 * domain), and the application of MapResponse messages to it with Go's
 * merge semantics (control/controlclient/map.go; protocol.md section 4.3).
 *
 * tn_netmap_apply() parses one MapResponse (JSON bytes, untrusted) and
 * applies it atomically: a message that fails to parse or validate, or
 * runs out of memory, changes nothing.  It reports what changed in a
 * struct tn_netmap_changes so the engine reconfigures only what it must.
 *
 * Merge rules (Go's, in Go's order):
 *  - KeepAlive:true: only PingRequest, PopBrowserURL and ControlTime count.
 *  - Node: nil = unchanged; else replaces the self node.
 *  - Peers non-empty: the complete peer list; every other peer field of
 *    the message is then ignored.  Otherwise, in this order: PeersRemoved,
 *    PeersChanged (add or replace by ID), PeerSeenChange (true = now,
 *    false = clear LastSeen), OnlineChange, PeersChangedPatch (only the
 *    fields present, DERPRegion/Cap only when non-zero, unknown IDs
 *    ignored).  Like Go, a patch carrying DiscoKey, Online:false and a
 *    LastSeen not newer than the peer's is dropped, and a full Peers list
 *    keeps a known offline peer's disco key and LastSeen unless its own
 *    LastSeen is newer (both guard keys learned via TSMP).
 *  - DERPMap: nil = unchanged; nil Regions keeps the old regions (and
 *    omitDefaultRegions); null regions are dropped.
 *  - PacketFilter (legacy) is the chunk "base"; PacketFilters sets
 *    (non-null) or deletes (null) named chunks, "*":null first clears all;
 *    the effective rules are the chunks joined in sorted name order.  An
 *    empty effective list denies everything.
 *  - DNSConfig: nil = unchanged.  Domain: "" = unchanged.
 *  - UserProfiles: added or updated by ID, never removed.
 *
 * Unknown fields are ignored; a duplicate key counts once, the last one.
 * The netmap keeps no PingRequest or PopBrowserURL (the caller suppresses
 * duplicates, as Go's client does).
 *
 * Memory: the top level and the peer arrays are walked with the scanner of
 * tailcfg_scan.h and Jansson parses one member or one Node at a time, so
 * the peak stays near the size of the text instead of Jansson's ~7x tree.
 *
 * Go merges within one map session (one streaming /machine/map request)
 * and starts every session from nothing.  Call tn_netmap_session_start()
 * whenever a new stream starts: its first message then rebuilds the
 * netmap from scratch, so peers, filter chunks, user profiles and the
 * other parts it does not mention are gone (headscale omits Peers when
 * there are none), while the change report still diffs against the old
 * contents so the engine reconfigures only what differs.
 *
 * Ownership: the netmap owns everything reachable from it; pointers read
 * from it stay valid until the next tn_netmap_apply or tn_netmap_free.
 * Fields are read-only outside netmap*.c.  Control-plane thread only.
 */
#ifndef TN_CONTROL_NETMAP_H
#define TN_CONTROL_NETMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/tailcfg.h"

/* Limits on one MapResponse.  A full map of 10,000 headscale-like peers
 * is about 14 MiB of JSON; far beyond is a broken or hostile server. */
#define TN_NETMAP_MAX_JSON (64u * 1024 * 1024)
#define TN_NETMAP_MAX_PEERS 1000000

/* Node-ID → pointer table (open addressing; IDs must be non-zero). */
struct tn_netmap_idmap {
	int64_t *keys;
	void **vals;
	size_t cap;      /* power of two, or 0 */
	size_t n;
};

/* A named packet-filter chunk (PacketFilters key; "base" for the legacy
 * PacketFilter). */
struct tn_netmap_filter_chunk {
	char *name;
	struct tn_tailcfg_filter_rule *rules;
	size_t n_rules;
};

struct tn_netmap {
	struct tn_tailcfg_node *self;              /* NULL until a Node */
	/* Peers sorted by ID; look one up by ID with tn_netmap_peer(). */
	struct tn_tailcfg_node **peers;
	size_t n_peers;
	struct tn_tailcfg_derp_map *derp_map;      /* NULL until a DERPMap */
	struct tn_tailcfg_dns_config *dns;         /* NULL until a DNSConfig */
	char *domain;                              /* "" until sent */
	/* Packet filter: chunks sorted by name, and the effective rule list
	 * (pointers into the chunks).  filter_set is false until the first
	 * PacketFilter(s); the engine decides what "no filter yet" means. */
	bool filter_set;
	struct tn_netmap_filter_chunk *filter_chunks;
	size_t n_filter_chunks;
	const struct tn_tailcfg_filter_rule **filter;
	size_t n_filter;
	int64_t control_time;                      /* last ControlTime, or 0 */

	/* private */
	bool session_fresh;                        /* next message starts a session */
	size_t peers_cap;
	struct tn_netmap_idmap peer_ids;           /* id -> node */
	struct tn_netmap_idmap users;              /* id -> user profile */
};

/* What one tn_netmap_apply() changed.  Peer ID lists are sorted and
 * without duplicates; a peer replaced by an identical copy is not
 * "changed".  Owned by the caller: release with tn_netmap_changes_free(). */
struct tn_netmap_changes {
	bool keepalive_only;      /* KeepAlive:true: nothing else was applied */
	bool self;                /* self node added or different */
	bool derp_map;
	bool filter;              /* effective rule list different */
	bool dns;
	bool domain;
	bool user_profiles;
	bool peers_full;          /* a complete Peers list replaced the set */
	int64_t *peers_added;
	size_t n_peers_added;
	int64_t *peers_removed;
	size_t n_peers_removed;
	int64_t *peers_changed;
	size_t n_peers_changed;
	bool has_ping;
	struct tn_tailcfg_ping_request ping;
	char *pop_browser_url;    /* "" when none */
	int64_t control_time;     /* 0 when none */
};

/* An empty netmap, or NULL on ENOMEM. */
struct tn_netmap *tn_netmap_new(void);
void tn_netmap_free(struct tn_netmap *nm);

/* Parses json[0..len) as one MapResponse and applies it.  Returns 0 with
 * *out filled (out may be NULL), or -EBADMSG (malformed, wrong types, over
 * the limits) / -ENOMEM with err[0..errlen) naming the field, e.g.
 * "PeersChanged[3].Key: not a nodekey", and nm and *out unchanged/empty.
 * Never reads past len; no NUL terminator needed. */
int tn_netmap_apply(struct tn_netmap *nm, const char *json, size_t len,
		    struct tn_netmap_changes *out, char *err, size_t errlen);

void tn_netmap_changes_free(struct tn_netmap_changes *c);

/* A new map stream starts: its first non-keep-alive message replaces the
 * whole netmap (see above).  A new netmap needs no call. */
void tn_netmap_session_start(struct tn_netmap *nm);

/* The peer with this ID, or NULL.  O(1). */
const struct tn_tailcfg_node *tn_netmap_peer(const struct tn_netmap *nm,
					     int64_t id);
/* The user profile with this ID, or NULL. */
const struct tn_tailcfg_user_profile *tn_netmap_user(const struct tn_netmap *nm,
						     int64_t id);
size_t tn_netmap_user_count(const struct tn_netmap *nm);

/* The idmap itself (netmap_idmap.c). */
void tn_netmap_idmap_free(struct tn_netmap_idmap *m);
/* Makes room for n entries in all; 0 or -ENOMEM (m unchanged). */
int tn_netmap_idmap_reserve(struct tn_netmap_idmap *m, size_t n);
void *tn_netmap_idmap_get(const struct tn_netmap_idmap *m, int64_t key);
/* Inserts or replaces; returns the previous value or NULL.  Needs room
 * (tn_netmap_idmap_reserve) beforehand; never allocates. */
void *tn_netmap_idmap_put(struct tn_netmap_idmap *m, int64_t key, void *val);
/* Removes; returns the value or NULL. */
void *tn_netmap_idmap_del(struct tn_netmap_idmap *m, int64_t key);

#endif

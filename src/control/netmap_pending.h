/* Internal to netmap*.c: one MapResponse parsed, validated and fully
 * allocated (netmap_prepare.c) before it is committed to the netmap
 * (netmap.c).  Commit cannot fail: everything it needs, down to the
 * change lists and the table capacity, is allocated here first.
 */
#ifndef TN_CONTROL_NETMAP_PENDING_H
#define TN_CONTROL_NETMAP_PENDING_H

#include "control/netmap.h"
#include "control/tailcfg_parse.h"
#include "control/tailcfg_scan.h"

/* One peer operation's ID, whether the peer existed before this message,
 * and (set at commit) whether the operation changed anything. */
struct tn_nm_rec {
	int64_t id;
	bool before;
	bool modified;
};

struct tn_nm_idbool {
	int64_t id;
	bool value;
};

struct tn_nm_pending {
	bool keepalive;
	bool fresh;               /* first message of a map session */
	bool has_ping;
	struct tn_tailcfg_ping_request ping;
	char *pop_url;
	int64_t control_time;

	struct tn_tailcfg_node *self;

	struct tn_tailcfg_derp_map *derp;
	bool derp_regions_present;

	/* Peers: a full list (sorted, unique, indexed) or the deltas. */
	bool full;
	struct tn_tailcfg_node **full_nodes;
	size_t n_full;
	struct tn_netmap_idmap full_ids;
	int64_t *removed;
	size_t n_removed;
	struct tn_tailcfg_node **changed;
	size_t n_changed;
	struct tn_nm_idbool *seen;
	size_t n_seen;
	struct tn_nm_idbool *online;
	size_t n_online;
	struct tn_tailcfg_peer_change *patches;
	size_t n_patches;
	struct tn_nm_rec *recs;   /* removed, changed, seen, online, patches */
	size_t n_recs;
	bool rebuild_sorted;      /* many membership changes: re-sort at end */

	struct tn_tailcfg_dns_config *dns;

	/* The new chunk list; chunk_old[i] >= 0 says chunk i's rules are the
	 * current netmap's chunk number chunk_old[i], carried over (its name
	 * is always a fresh copy). */
	bool has_filter;
	bool filter_unset;        /* fresh session without any filter */
	struct tn_netmap_filter_chunk *chunks;
	long *chunk_old;
	size_t n_chunks;
	const struct tn_tailcfg_filter_rule **filter;
	size_t n_filter;

	struct tn_tailcfg_user_profile **users;
	size_t n_users;

	char *domain;             /* NULL: unchanged */

	/* Preallocated change lists. */
	int64_t *added;
	int64_t *gone;
	int64_t *modified;
};

/* The MapResponse as netmap.c's scan hands it over: every top-level member
 * parsed by Jansson into root, except the peer arrays, left as text to be
 * parsed one Node at a time, and the self Node's text (for its Hostinfo).
 * A span with p NULL was absent. */
struct tn_nm_input {
	json_t *root;
	struct tn_jspan node;
	struct tn_jspan peers;
	struct tn_jspan peers_changed;
};

/* Fills p from in, validating everything and reserving capacity in nm
 * (which changes no content).  0 or a negative errno with e set; p must be
 * released with tn_nm_pending_free either way. */
int tn_nm_prepare(struct tn_netmap *nm, const struct tn_nm_input *in,
		  struct tn_nm_pending *p, struct tn_tc_err *e);
void tn_nm_pending_free(struct tn_nm_pending *p);

#endif

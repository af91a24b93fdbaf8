/* MapResponse JSON → struct tn_nm_pending: every field validated and
 * every allocation done, so that netmap.c can commit without failing. */
#include "control/netmap_pending.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Membership changes above this re-sort the peer array once instead of
 * shifting it per peer. */
#define SORTED_SHIFT_MAX 16

static int too_many(struct tn_tc_err *e, const char *field, size_t n)
{
	return tn_tc_fail(e, field, "%zu entries exceed the limit of %d", n,
			  TN_NETMAP_MAX_PEERS);
}

/* The array at field (NULL when absent/null), at most the peer limit. */
static int peer_array(struct tn_tc_err *e, json_t *root, const char *field,
		      json_t **out)
{
	json_t *a = tn_tc_field(root, field);

	*out = a;
	if (!a)
		return 0;
	if (!json_is_array(a))
		return tn_tc_fail(e, field, "not an array");
	if (json_array_size(a) > TN_NETMAP_MAX_PEERS)
		return too_many(e, field, json_array_size(a));
	return 0;
}

static int peer_object(struct tn_tc_err *e, json_t *root, const char *field,
		       json_t **out)
{
	json_t *o = tn_tc_field(root, field);

	*out = o;
	if (!o)
		return 0;
	if (!json_is_object(o))
		return tn_tc_fail(e, field, "not an object");
	if (json_object_size(o) > TN_NETMAP_MAX_PEERS)
		return too_many(e, field, json_object_size(o));
	return 0;
}

/* Parses the Node array text arr one element at a time (Jansson holds one
 * peer's tree at a time) into *nodes (count *n). */
static int parse_nodes(struct tn_tc_err *e, const struct tn_jspan *arr,
		       const char *field, struct tn_tailcfg_node ***nodes,
		       size_t *n)
{
	struct tn_jscan s;
	struct tn_jspan el;
	size_t cap = 0;
	int rc;

	*nodes = NULL;
	*n = 0;
	if (!arr->p || (arr->len == 4 && !memcmp(arr->p, "null", 4)))
		return 0;
	if (tn_jscan_open(&s, arr->p, arr->len, '['))
		return tn_tc_fail(e, field, "not an array");
	while ((rc = tn_jscan_element(&s, &el)) == 1) {
		struct tn_tailcfg_node *node;
		json_error_t jerr;
		json_t *v;

		if (*n == TN_NETMAP_MAX_PEERS)
			return tn_tc_fail(e, field, "more than %d entries",
					  TN_NETMAP_MAX_PEERS);
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct tn_tailcfg_node **nn = realloc(*nodes, ncap * sizeof(*nn));

			if (!nn)
				return tn_tc_nomem(e);
			*nodes = nn;
			cap = ncap;
		}
		if (!(v = json_loadb(el.p, el.len, JSON_DECODE_ANY, &jerr))) {
			rc = tn_tc_fail(e, NULL, "invalid JSON: %s", jerr.text);
			tn_tc_prefix(e, "%s[%zu]", field, *n);
			return rc;
		}
		/* A null entry (Go would crash on it) fails as "not an object". */
		if (!(node = malloc(sizeof(*node)))) {
			json_decref(v);
			return tn_tc_nomem(e);
		}
		rc = tn_tc_node_parse(e, node, v, el.p, el.len, false);
		json_decref(v);
		if (rc) {
			free(node);
			tn_tc_prefix(e, "%s[%zu]", field, *n);
			return rc;
		}
		(*nodes)[(*n)++] = node;
		/* Peer IDs key the peer table; control never sends 0 or less. */
		if (node->id <= 0) {
			rc = tn_tc_fail(e, "ID", "must be positive");
			tn_tc_prefix(e, "%s[%zu]", field, *n - 1);
			return rc;
		}
	}
	if (rc < 0 || tn_jscan_finish(&s))
		return tn_tc_fail(e, field, "invalid JSON near byte %zu of the array",
				  tn_jscan_offset(&s));
	return 0;
}

static int cmp_node_id(const void *a, const void *b)
{
	const struct tn_tailcfg_node *x = *(struct tn_tailcfg_node *const *)a;
	const struct tn_tailcfg_node *y = *(struct tn_tailcfg_node *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Go's removeUnwantedDiscoUpdatesFromFullNetmapUpdate: a known peer that
 * is not online keeps its disco key and LastSeen unless control's LastSeen
 * is newer. */
static void keep_newer_disco(const struct tn_netmap *nm,
			     struct tn_tailcfg_node *n)
{
	const struct tn_tailcfg_node *old;

	if (tn_key_is_zero(n->disco_key) ||
	    !(old = tn_netmap_idmap_get(&nm->peer_ids, n->id)) ||
	    !memcmp(old->disco_key, n->disco_key, TN_KEY_LEN) ||
	    n->online == TN_TAILCFG_TRUE || !old->last_seen ||
	    (n->last_seen && n->last_seen > old->last_seen))
		return;
	memcpy(n->disco_key, old->disco_key, TN_KEY_LEN);
	n->last_seen = old->last_seen;
}

static int prepare_full(struct tn_netmap *nm, struct tn_nm_pending *p,
			struct tn_tc_err *e)
{
	size_t i, k = 0;

	if (tn_netmap_idmap_reserve(&p->full_ids, p->n_full))
		return tn_tc_nomem(e);
	/* Duplicate IDs: the last one wins, as in Go's map. */
	for (i = 0; i < p->n_full; i++)
		tn_netmap_idmap_put(&p->full_ids, p->full_nodes[i]->id,
				    p->full_nodes[i]);
	for (i = 0; i < p->n_full; i++) {
		struct tn_tailcfg_node *n = p->full_nodes[i];

		if (tn_netmap_idmap_get(&p->full_ids, n->id) == n) {
			p->full_nodes[k++] = n;
		} else {
			tn_tailcfg_node_free(n);
			free(n);
		}
	}
	p->n_full = k;
	qsort(p->full_nodes, p->n_full, sizeof(*p->full_nodes), cmp_node_id);
	for (i = 0; i < p->n_full; i++)
		keep_newer_disco(nm, p->full_nodes[i]);
	return 0;
}

static int parse_idbool_map(struct tn_tc_err *e, json_t *m, const char *field,
			    struct tn_nm_idbool **out, size_t *n)
{
	const char *k;
	json_t *v;

	*out = NULL;
	*n = 0;
	if (!m || !json_object_size(m))
		return 0;
	if (!(*out = calloc(json_object_size(m), sizeof(**out))))
		return tn_tc_nomem(e);
	json_object_foreach(m, k, v) {
		struct tn_nm_idbool *ib = &(*out)[*n];
		int rc;

		if (tn_tc_parse_int_key(k, INT64_MIN, INT64_MAX, &ib->id))
			rc = tn_tc_fail(e, NULL, "not a node ID");
		else if (!json_is_boolean(v) && !json_is_null(v))
			rc = tn_tc_fail(e, NULL, "not a boolean");
		else {
			ib->value = json_is_true(v);
			(*n)++;
			continue;
		}
		tn_tc_prefix(e, "%s[\"%.40s\"]", field, k);
		return rc;
	}
	return 0;
}

/* Go's removeUnwantedDiscoUpdates (not via TSMP): a patch with DiscoKey,
 * Online:false and a LastSeen not newer than the known peer's is dropped. */
static bool unwanted_disco_patch(const struct tn_netmap *nm,
				 const struct tn_tailcfg_peer_change *c)
{
	const struct tn_tailcfg_node *old;

	if (!c->has_disco_key || c->online == TN_TAILCFG_UNSET || !c->has_last_seen)
		return false;
	old = tn_netmap_idmap_get(&nm->peer_ids, c->node_id);
	if (!old || c->online == TN_TAILCFG_TRUE || !old->last_seen)
		return false;
	return !(c->last_seen > old->last_seen);
}

static int parse_patches(struct tn_netmap *nm, struct tn_nm_pending *p,
			 struct tn_tc_err *e, json_t *arr)
{
	json_t *v;
	size_t i;
	int rc;

	if (!arr || !json_array_size(arr))
		return 0;
	if (!(p->patches = calloc(json_array_size(arr), sizeof(*p->patches))))
		return tn_tc_nomem(e);
	json_array_foreach(arr, i, v) {
		struct tn_tailcfg_peer_change *c = &p->patches[p->n_patches];

		if ((rc = tn_tc_peer_change_parse(e, c, v))) {
			tn_tc_prefix(e, "PeersChangedPatch[%zu]", i);
			return rc;
		}
		if (unwanted_disco_patch(nm, c))
			tn_tailcfg_peer_change_free(c);
		else
			p->n_patches++;
	}
	return 0;
}

static int prepare_deltas(struct tn_netmap *nm, struct tn_nm_pending *p,
			  struct tn_tc_err *e, const struct tn_nm_input *in)
{
	json_t *root = in->root, *removed, *seen, *online, *patches, *v;
	size_t i, r = 0, n_new = 0;
	int rc;

	if ((rc = peer_array(e, root, "PeersRemoved", &removed)) ||
	    (rc = peer_object(e, root, "PeerSeenChange", &seen)) ||
	    (rc = peer_object(e, root, "OnlineChange", &online)) ||
	    (rc = peer_array(e, root, "PeersChangedPatch", &patches)))
		return rc;
	/* A session's first message without a full Peers list starts from no
	 * peers: every current one is removed first. */
	if ((removed && json_array_size(removed)) || (p->fresh && nm->n_peers)) {
		size_t nr = (removed ? json_array_size(removed) : 0) +
			    (p->fresh ? nm->n_peers : 0);

		if (!(p->removed = calloc(nr, sizeof(*p->removed))))
			return tn_tc_nomem(e);
		for (i = 0; p->fresh && i < nm->n_peers; i++)
			p->removed[p->n_removed++] = nm->peers[i]->id;
	}
	if (removed) {
		json_array_foreach(removed, i, v) {
			if (!json_is_integer(v)) {
				char path[40];

				snprintf(path, sizeof(path), "PeersRemoved[%zu]", i);
				return tn_tc_fail(e, path, "not an integer");
			}
			p->removed[p->n_removed++] = json_integer_value(v);
		}
	}
	if ((rc = parse_nodes(e, &in->peers_changed, "PeersChanged", &p->changed,
			      &p->n_changed)) ||
	    (rc = parse_idbool_map(e, seen, "PeerSeenChange", &p->seen, &p->n_seen)) ||
	    (rc = parse_idbool_map(e, online, "OnlineChange", &p->online, &p->n_online)) ||
	    (rc = parse_patches(nm, p, e, patches)))
		return rc;
	if (p->full)
		return 0;   /* validated, then ignored as Go does */

	for (i = 0; i < p->n_changed; i++)
		n_new += !tn_netmap_idmap_get(&nm->peer_ids, p->changed[i]->id);
	if (nm->n_peers + n_new > TN_NETMAP_MAX_PEERS)
		return tn_tc_fail(e, "PeersChanged", "more than %d peers",
				  TN_NETMAP_MAX_PEERS);
	if (tn_netmap_idmap_reserve(&nm->peer_ids, nm->n_peers + n_new))
		return tn_tc_nomem(e);
	if (nm->n_peers + n_new > nm->peers_cap) {
		size_t cap = nm->n_peers + n_new;
		struct tn_tailcfg_node **np = realloc(nm->peers, cap * sizeof(*np));

		if (!np)
			return tn_tc_nomem(e);
		nm->peers = np;
		nm->peers_cap = cap;
	}
	p->rebuild_sorted = p->n_removed + n_new > SORTED_SHIFT_MAX;

	p->n_recs = p->n_removed + p->n_changed + p->n_seen + p->n_online +
		    p->n_patches;
	if (!p->n_recs)
		return 0;
	if (!(p->recs = calloc(p->n_recs, sizeof(*p->recs))))
		return tn_tc_nomem(e);
	for (i = 0; i < p->n_removed; i++)
		p->recs[r++].id = p->removed[i];
	for (i = 0; i < p->n_changed; i++)
		p->recs[r++].id = p->changed[i]->id;
	for (i = 0; i < p->n_seen; i++)
		p->recs[r++].id = p->seen[i].id;
	for (i = 0; i < p->n_online; i++)
		p->recs[r++].id = p->online[i].id;
	for (i = 0; i < p->n_patches; i++)
		p->recs[r++].id = p->patches[i].node_id;
	for (i = 0; i < p->n_recs; i++)
		p->recs[i].before = tn_netmap_idmap_get(&nm->peer_ids, p->recs[i].id);
	return 0;
}

/* --- packet filter -------------------------------------------------------- */

static void chunk_drop(struct tn_nm_pending *p, size_t i)
{
	free(p->chunks[i].name);
	if (p->chunk_old[i] < 0)
		tn_tailcfg_filter_rules_free(p->chunks[i].rules, p->chunks[i].n_rules);
}

/* Sets chunk name (taking rules) in the sorted list p->chunks. */
static int chunk_set(struct tn_nm_pending *p, struct tn_tc_err *e,
		     const char *name, struct tn_tailcfg_filter_rule *rules,
		     size_t n)
{
	size_t i = 0;
	char *dup;

	while (i < p->n_chunks && strcmp(p->chunks[i].name, name) < 0)
		i++;
	if (i < p->n_chunks && !strcmp(p->chunks[i].name, name)) {
		if (p->chunk_old[i] < 0)
			tn_tailcfg_filter_rules_free(p->chunks[i].rules,
						     p->chunks[i].n_rules);
	} else {
		if (!(dup = strdup(name))) {
			tn_tailcfg_filter_rules_free(rules, n);
			return tn_tc_nomem(e);
		}
		memmove(&p->chunks[i + 1], &p->chunks[i],
			(p->n_chunks - i) * sizeof(*p->chunks));
		memmove(&p->chunk_old[i + 1], &p->chunk_old[i],
			(p->n_chunks - i) * sizeof(*p->chunk_old));
		p->n_chunks++;
		p->chunks[i].name = dup;
	}
	p->chunks[i].rules = rules;
	p->chunks[i].n_rules = n;
	p->chunk_old[i] = -1;
	return 0;
}

static void chunk_delete(struct tn_nm_pending *p, const char *name)
{
	for (size_t i = 0; i < p->n_chunks; i++)
		if (!strcmp(p->chunks[i].name, name)) {
			chunk_drop(p, i);
			memmove(&p->chunks[i], &p->chunks[i + 1],
				(p->n_chunks - i - 1) * sizeof(*p->chunks));
			memmove(&p->chunk_old[i], &p->chunk_old[i + 1],
				(p->n_chunks - i - 1) * sizeof(*p->chunk_old));
			p->n_chunks--;
			return;
		}
}

static int prepare_filter(struct tn_netmap *nm, struct tn_nm_pending *p,
			  struct tn_tc_err *e, json_t *root)
{
	json_t *pf = tn_tc_field(root, "PacketFilter");
	json_t *pfs = tn_tc_field(root, "PacketFilters"), *v, *star;
	struct tn_tailcfg_filter_rule *rules;
	const char *k;
	size_t n, total = 0, at = 0;
	int rc;

	if (!pf && !pfs) {
		/* A fresh session without a filter has none (Go: nil). */
		p->has_filter = p->filter_unset = p->fresh;
		return 0;
	}
	if (pfs && !json_is_object(pfs))
		return tn_tc_fail(e, "PacketFilters", "not an object");
	p->has_filter = true;
	n = nm->n_filter_chunks + 1 + (pfs ? json_object_size(pfs) : 0);
	p->chunks = calloc(n, sizeof(*p->chunks));
	p->chunk_old = calloc(n, sizeof(*p->chunk_old));
	if (!p->chunks || !p->chunk_old)
		return tn_tc_nomem(e);
	/* Chunks carry over within a session, never into a new one. */
	for (size_t i = 0; !p->fresh && i < nm->n_filter_chunks; i++) {
		if (!(p->chunks[i].name = strdup(nm->filter_chunks[i].name)))
			return tn_tc_nomem(e);
		p->chunks[i].rules = nm->filter_chunks[i].rules;
		p->chunks[i].n_rules = nm->filter_chunks[i].n_rules;
		p->chunk_old[i] = (long)i;
		p->n_chunks++;
	}
	/* The legacy PacketFilter is chunk "base"; [] means deny all. */
	if (pf) {
		if ((rc = tn_tc_filter_rules_parse(e, &rules, &n, pf))) {
			tn_tc_prefix(e, "PacketFilter");
			return rc;
		}
		if ((rc = chunk_set(p, e, "base", rules, n)))
			return rc;
	}
	if (pfs) {
		star = json_object_get(pfs, "*");
		if (star && json_is_null(star)) {
			for (size_t i = 0; i < p->n_chunks; i++)
				chunk_drop(p, i);
			p->n_chunks = 0;
		}
		json_object_foreach(pfs, k, v) {
			if (!strcmp(k, "*"))
				continue;
			if (json_is_null(v)) {
				chunk_delete(p, k);
				continue;
			}
			if ((rc = tn_tc_filter_rules_parse(e, &rules, &n, v))) {
				tn_tc_prefix(e, "PacketFilters[\"%.60s\"]", k);
				return rc;
			}
			if ((rc = chunk_set(p, e, k, rules, n)))
				return rc;
		}
	}
	for (size_t i = 0; i < p->n_chunks; i++)
		total += p->chunks[i].n_rules;
	if (total && !(p->filter = calloc(total, sizeof(*p->filter))))
		return tn_tc_nomem(e);
	for (size_t i = 0; i < p->n_chunks; i++)
		for (size_t j = 0; j < p->chunks[i].n_rules; j++)
			p->filter[at++] = &p->chunks[i].rules[j];
	p->n_filter = total;
	return 0;
}

/* --- the rest ------------------------------------------------------------- */

static int prepare_users(struct tn_netmap *nm, struct tn_nm_pending *p,
			 struct tn_tc_err *e, json_t *root)
{
	json_t *arr, *v;
	size_t i;
	int rc;

	if ((rc = peer_array(e, root, "UserProfiles", &arr)))
		return rc;
	if (!arr || !json_array_size(arr))
		return 0;
	if (!(p->users = calloc(json_array_size(arr), sizeof(*p->users))))
		return tn_tc_nomem(e);
	json_array_foreach(arr, i, v) {
		struct tn_tailcfg_user_profile *u = malloc(sizeof(*u));

		if (!u)
			return tn_tc_nomem(e);
		if ((rc = tn_tc_user_profile_parse(e, u, v))) {
			free(u);
			tn_tc_prefix(e, "UserProfiles[%zu]", i);
			return rc;
		}
		/* Go never looks up user 0; the table cannot hold it. */
		if (!u->id) {
			tn_tailcfg_user_profile_free(u);
			free(u);
			continue;
		}
		p->users[p->n_users++] = u;
	}
	if (tn_netmap_idmap_reserve(&nm->users, nm->users.n + p->n_users))
		return tn_tc_nomem(e);
	return 0;
}

static int alloc_changes(struct tn_netmap *nm, struct tn_nm_pending *p,
			 struct tn_tc_err *e)
{
	size_t na = p->full ? p->n_full : p->n_recs;
	size_t ng = p->full ? nm->n_peers : p->n_recs;

	if ((na && (!(p->added = malloc(na * sizeof(int64_t))) ||
		    !(p->modified = malloc(na * sizeof(int64_t))))) ||
	    (ng && !(p->gone = malloc(ng * sizeof(int64_t)))))
		return tn_tc_nomem(e);
	return 0;
}

int tn_nm_prepare(struct tn_netmap *nm, const struct tn_nm_input *in,
		  struct tn_nm_pending *p, struct tn_tc_err *e)
{
	json_t *root = in->root, *v;
	int rc;

	memset(p, 0, sizeof(*p));
	p->pop_url = tn_tc_empty;
	if (!json_is_object(root))
		return tn_tc_fail(e, "MapResponse", "not a JSON object");
	/* Valid on every message, keep-alive or not. */
	if ((rc = tn_tc_get_bool(e, root, "KeepAlive", &p->keepalive)) ||
	    (rc = tn_tc_get_string(e, root, "PopBrowserURL", &p->pop_url)) ||
	    (rc = tn_tc_get_time(e, root, "ControlTime", &p->control_time, NULL)))
		return rc;
	if ((v = tn_tc_field(root, "PingRequest"))) {
		if ((rc = tn_tc_ping_request_parse(e, &p->ping, v))) {
			tn_tc_prefix(e, "PingRequest");
			return rc;
		}
		p->has_ping = true;
	}
	if (p->keepalive)
		return 0;
	p->fresh = nm->session_fresh;

	if ((v = tn_tc_field(root, "Node"))) {
		if (!(p->self = malloc(sizeof(*p->self))))
			return tn_tc_nomem(e);
		if ((rc = tn_tc_node_parse(e, p->self, v, in->node.p, in->node.len,
					   true))) {
			free(p->self);
			p->self = NULL;
			tn_tc_prefix(e, "Node");
			return rc;
		}
	}
	if ((v = tn_tc_field(root, "DERPMap"))) {
		if (!(p->derp = malloc(sizeof(*p->derp))))
			return tn_tc_nomem(e);
		if ((rc = tn_tc_derp_map_parse(e, p->derp, v, &p->derp_regions_present))) {
			free(p->derp);
			p->derp = NULL;
			tn_tc_prefix(e, "DERPMap");
			return rc;
		}
	}
	if ((rc = parse_nodes(e, &in->peers, "Peers", &p->full_nodes, &p->n_full)))
		return rc;
	if (p->n_full) {
		p->full = true;
		if ((rc = prepare_full(nm, p, e)))
			return rc;
	}
	if ((rc = prepare_deltas(nm, p, e, in)))
		return rc;
	if ((v = tn_tc_field(root, "DNSConfig"))) {
		if (!(p->dns = malloc(sizeof(*p->dns))))
			return tn_tc_nomem(e);
		if ((rc = tn_tc_dns_config_parse(e, p->dns, v))) {
			free(p->dns);
			p->dns = NULL;
			tn_tc_prefix(e, "DNSConfig");
			return rc;
		}
	}
	if ((rc = prepare_filter(nm, p, e, root)) ||
	    (rc = prepare_users(nm, p, e, root)))
		return rc;
	if ((rc = tn_tc_get_string(e, root, "Domain", &p->domain)))
		return rc;
	if (!*p->domain)
		p->domain = NULL;   /* "" = unchanged */
	return alloc_changes(nm, p, e);
}

static void nodes_free(struct tn_tailcfg_node **nodes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tn_tailcfg_node_free(nodes[i]);
		free(nodes[i]);
	}
	free(nodes);
}

void tn_nm_pending_free(struct tn_nm_pending *p)
{
	tn_tailcfg_ping_request_free(&p->ping);
	tn_tc_str_free(p->pop_url);
	if (p->self) {
		tn_tailcfg_node_free(p->self);
		free(p->self);
	}
	if (p->derp) {
		tn_tailcfg_derp_map_free(p->derp);
		free(p->derp);
	}
	nodes_free(p->full_nodes, p->n_full);
	tn_netmap_idmap_free(&p->full_ids);
	free(p->removed);
	nodes_free(p->changed, p->n_changed);
	free(p->seen);
	free(p->online);
	for (size_t i = 0; i < p->n_patches; i++)
		tn_tailcfg_peer_change_free(&p->patches[i]);
	free(p->patches);
	free(p->recs);
	if (p->dns) {
		tn_tailcfg_dns_config_free(p->dns);
		free(p->dns);
	}
	for (size_t i = 0; i < p->n_chunks; i++)
		chunk_drop(p, i);
	free(p->chunks);
	free(p->chunk_old);
	free(p->filter);
	for (size_t i = 0; i < p->n_users; i++) {
		tn_tailcfg_user_profile_free(p->users[i]);
		free(p->users[i]);
	}
	free(p->users);
	tn_tc_str_free(p->domain);
	free(p->added);
	free(p->gone);
	free(p->modified);
	memset(p, 0, sizeof(*p));
}

/* The netmap and the commit half of tn_netmap_apply(): netmap_prepare.c
 * has parsed, validated and allocated everything, so nothing here fails. */
#include "control/netmap.h"
#include "control/netmap_pending.h"
#include "util/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tn_netmap *tn_netmap_new(void)
{
	struct tn_netmap *nm = calloc(1, sizeof(*nm));

	if (nm)
		nm->domain = tn_tc_empty;
	return nm;
}

static void node_destroy(struct tn_tailcfg_node *n)
{
	tn_tailcfg_node_free(n);
	free(n);
}

static void chunks_free(struct tn_netmap_filter_chunk *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].name);
		tn_tailcfg_filter_rules_free(c[i].rules, c[i].n_rules);
	}
	free(c);
}

void tn_netmap_free(struct tn_netmap *nm)
{
	if (!nm)
		return;
	if (nm->self)
		node_destroy(nm->self);
	for (size_t i = 0; i < nm->n_peers; i++)
		node_destroy(nm->peers[i]);
	free(nm->peers);
	tn_netmap_idmap_free(&nm->peer_ids);
	for (size_t i = 0; i < nm->users.cap; i++)
		if (nm->users.keys[i]) {
			tn_tailcfg_user_profile_free(nm->users.vals[i]);
			free(nm->users.vals[i]);
		}
	tn_netmap_idmap_free(&nm->users);
	if (nm->derp_map) {
		tn_tailcfg_derp_map_free(nm->derp_map);
		free(nm->derp_map);
	}
	if (nm->dns) {
		tn_tailcfg_dns_config_free(nm->dns);
		free(nm->dns);
	}
	tn_tc_str_free(nm->domain);
	chunks_free(nm->filter_chunks, nm->n_filter_chunks);
	free(nm->filter);
	free(nm);
}

const struct tn_tailcfg_node *tn_netmap_peer(const struct tn_netmap *nm,
					     int64_t id)
{
	return tn_netmap_idmap_get(&nm->peer_ids, id);
}

const struct tn_tailcfg_user_profile *tn_netmap_user(const struct tn_netmap *nm,
						     int64_t id)
{
	return tn_netmap_idmap_get(&nm->users, id);
}

size_t tn_netmap_user_count(const struct tn_netmap *nm)
{
	return nm->users.n;
}

void tn_netmap_session_start(struct tn_netmap *nm)
{
	nm->session_fresh = true;
}

void tn_netmap_changes_free(struct tn_netmap_changes *c)
{
	if (!c)
		return;
	free(c->peers_added);
	free(c->peers_removed);
	free(c->peers_changed);
	tn_tailcfg_ping_request_free(&c->ping);
	tn_tc_str_free(c->pop_browser_url);
	memset(c, 0, sizeof(*c));
	c->pop_browser_url = tn_tc_empty;
}

/* --- the ID-sorted peer array --------------------------------------------- */

static size_t lower_bound(const struct tn_netmap *nm, int64_t id)
{
	size_t lo = 0, hi = nm->n_peers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (nm->peers[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void sorted_insert(struct tn_netmap *nm, struct tn_tailcfg_node *n)
{
	size_t i = lower_bound(nm, n->id);

	memmove(&nm->peers[i + 1], &nm->peers[i],
		(nm->n_peers - i) * sizeof(*nm->peers));
	nm->peers[i] = n;
	nm->n_peers++;
}

static void sorted_remove(struct tn_netmap *nm, int64_t id)
{
	size_t i = lower_bound(nm, id);

	if (i < nm->n_peers && nm->peers[i]->id == id) {
		memmove(&nm->peers[i], &nm->peers[i + 1],
			(nm->n_peers - i - 1) * sizeof(*nm->peers));
		nm->n_peers--;
	}
}

static void sorted_replace(struct tn_netmap *nm, struct tn_tailcfg_node *n)
{
	size_t i = lower_bound(nm, n->id);

	if (i < nm->n_peers && nm->peers[i]->id == n->id)
		nm->peers[i] = n;
}

static int cmp_node_id(const void *a, const void *b)
{
	const struct tn_tailcfg_node *x = *(struct tn_tailcfg_node *const *)a;
	const struct tn_tailcfg_node *y = *(struct tn_tailcfg_node *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static void sorted_rebuild(struct tn_netmap *nm)
{
	size_t k = 0;

	for (size_t i = 0; i < nm->peer_ids.cap; i++)
		if (nm->peer_ids.keys[i])
			nm->peers[k++] = nm->peer_ids.vals[i];
	nm->n_peers = k;
	if (k)
		qsort(nm->peers, k, sizeof(*nm->peers), cmp_node_id);
}

/* --- peers ---------------------------------------------------------------- */

static void commit_full(struct tn_netmap *nm, struct tn_nm_pending *p,
			struct tn_netmap_changes *out)
{
	for (size_t i = 0; i < p->n_full; i++) {
		const struct tn_tailcfg_node *n = p->full_nodes[i], *old;

		old = tn_netmap_idmap_get(&nm->peer_ids, n->id);
		if (!old)
			p->added[out->n_peers_added++] = n->id;
		else if (!tn_tailcfg_node_equal(old, n))
			p->modified[out->n_peers_changed++] = n->id;
	}
	for (size_t i = 0; i < nm->n_peers; i++) {
		if (!tn_netmap_idmap_get(&p->full_ids, nm->peers[i]->id))
			p->gone[out->n_peers_removed++] = nm->peers[i]->id;
		node_destroy(nm->peers[i]);
	}
	free(nm->peers);
	tn_netmap_idmap_free(&nm->peer_ids);
	nm->peer_ids = p->full_ids;
	memset(&p->full_ids, 0, sizeof(p->full_ids));
	nm->peers = p->full_nodes;
	nm->n_peers = nm->peers_cap = p->n_full;
	p->full_nodes = NULL;
	p->n_full = 0;
	out->peers_full = true;
}

static bool same_array(const void *a, size_t na, const void *b, size_t nb,
		       size_t elsz)
{
	return na == nb && (na == 0 || !memcmp(a, b, na * elsz));
}

/* Applies the fields present in c to n (moving c's arrays into n);
 * returns whether anything changed. */
static bool apply_patch(struct tn_tailcfg_node *n, struct tn_tailcfg_peer_change *c)
{
	bool m = false;

	if (c->derp_region && c->derp_region != n->home_derp) {
		n->home_derp = c->derp_region;
		m = true;
	}
	if (c->cap && c->cap != n->cap) {
		n->cap = c->cap;
		m = true;
	}
	if (c->has_endpoints) {
		m |= !same_array(n->endpoints, n->n_endpoints, c->endpoints,
				 c->n_endpoints, sizeof(*c->endpoints));
		free(n->endpoints);
		n->endpoints = c->endpoints;
		n->n_endpoints = c->n_endpoints;
		c->endpoints = NULL;
		c->n_endpoints = 0;
	}
	if (c->has_key && memcmp(n->key, c->key, TN_KEY_LEN)) {
		memcpy(n->key, c->key, TN_KEY_LEN);
		m = true;
	}
	if (c->has_disco_key && memcmp(n->disco_key, c->disco_key, TN_KEY_LEN)) {
		memcpy(n->disco_key, c->disco_key, TN_KEY_LEN);
		m = true;
	}
	if (c->online != TN_TAILCFG_UNSET && c->online != n->online) {
		n->online = c->online;
		m = true;
	}
	if (c->has_last_seen && c->last_seen != n->last_seen) {
		n->last_seen = c->last_seen;
		m = true;
	}
	if (c->has_key_expiry && c->key_expiry != n->key_expiry) {
		n->key_expiry = c->key_expiry;
		m = true;
	}
	if (c->has_cap_map) {
		m |= !tn_tc_strings_equal(n->cap_map, n->n_cap_map, c->cap_map,
					  c->n_cap_map);
		tn_tc_strings_free(n->cap_map, n->n_cap_map);
		n->cap_map = c->cap_map;
		n->n_cap_map = c->n_cap_map;
		c->cap_map = NULL;
		c->n_cap_map = 0;
	}
	return m;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct tn_nm_rec *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Sorts the operation records by ID and turns each ID's before/after
 * membership and modifications into the three change lists. */
static void classify(struct tn_netmap *nm, struct tn_nm_pending *p,
		     struct tn_netmap_changes *out)
{
	size_t i = 0;

	if (!p->n_recs)
		return;
	qsort(p->recs, p->n_recs, sizeof(*p->recs), cmp_rec);
	while (i < p->n_recs) {
		int64_t id = p->recs[i].id;
		bool before = p->recs[i].before, modified = false, after;

		for (; i < p->n_recs && p->recs[i].id == id; i++)
			modified |= p->recs[i].modified;
		after = tn_netmap_idmap_get(&nm->peer_ids, id) != NULL;
		if (before && !after)
			p->gone[out->n_peers_removed++] = id;
		else if (!before && after)
			p->added[out->n_peers_added++] = id;
		else if (before && after && modified)
			p->modified[out->n_peers_changed++] = id;
	}
}

static void commit_deltas(struct tn_netmap *nm, struct tn_nm_pending *p,
			  struct tn_netmap_changes *out)
{
	bool shift = !p->rebuild_sorted;
	int64_t now = (int64_t)tn_clock_realtime();
	struct tn_tailcfg_node *n, *old;
	size_t r = 0, i;

	for (i = 0; i < p->n_removed; i++, r++) {
		n = tn_netmap_idmap_del(&nm->peer_ids, p->removed[i]);
		p->recs[r].modified = n != NULL;
		if (!n)
			continue;
		if (shift)
			sorted_remove(nm, n->id);
		node_destroy(n);
	}
	for (i = 0; i < p->n_changed; i++, r++) {
		n = p->changed[i];
		p->changed[i] = NULL;
		old = tn_netmap_idmap_put(&nm->peer_ids, n->id, n);
		if (old) {
			p->recs[r].modified = !tn_tailcfg_node_equal(old, n);
			if (shift)
				sorted_replace(nm, n);
			node_destroy(old);
		} else {
			p->recs[r].modified = true;
			if (shift)
				sorted_insert(nm, n);
		}
	}
	if (!shift)
		sorted_rebuild(nm);
	for (i = 0; i < p->n_seen; i++, r++) {
		int64_t ls = p->seen[i].value ? now : 0;

		if (!(n = tn_netmap_idmap_get(&nm->peer_ids, p->seen[i].id)))
			continue;
		p->recs[r].modified = n->last_seen != ls;
		n->last_seen = ls;
	}
	for (i = 0; i < p->n_online; i++, r++) {
		enum tn_tailcfg_optbool on = p->online[i].value ? TN_TAILCFG_TRUE
								: TN_TAILCFG_FALSE;

		if (!(n = tn_netmap_idmap_get(&nm->peer_ids, p->online[i].id)))
			continue;
		p->recs[r].modified = n->online != on;
		n->online = on;
	}
	for (i = 0; i < p->n_patches; i++, r++)
		if ((n = tn_netmap_idmap_get(&nm->peer_ids, p->patches[i].node_id)))
			p->recs[r].modified = apply_patch(n, &p->patches[i]);
	classify(nm, p, out);
}

/* --- everything else ------------------------------------------------------ */

static void commit_filter(struct tn_netmap *nm, struct tn_nm_pending *p,
			  struct tn_netmap_changes *out)
{
	bool same = nm->filter_set && nm->n_filter == p->n_filter;

	for (size_t i = 0; same && i < p->n_filter; i++)
		same = tn_tailcfg_filter_rule_equal(nm->filter[i], p->filter[i]);
	if (p->filter_unset)
		same = !nm->filter_set;
	out->filter = !same;
	/* Free the old chunks whose rules were not carried over. */
	for (size_t i = 0; i < nm->n_filter_chunks; i++) {
		bool carried = false;

		for (size_t j = 0; j < p->n_chunks && !carried; j++)
			carried = p->chunk_old[j] == (long)i;
		if (!carried)
			tn_tailcfg_filter_rules_free(nm->filter_chunks[i].rules,
						     nm->filter_chunks[i].n_rules);
		free(nm->filter_chunks[i].name);
	}
	free(nm->filter_chunks);
	free(nm->filter);
	nm->filter_chunks = p->chunks;
	nm->n_filter_chunks = p->n_chunks;
	nm->filter = p->filter;
	nm->n_filter = p->n_filter;
	nm->filter_set = !p->filter_unset;
	p->chunks = NULL;
	p->n_chunks = 0;
	p->filter = NULL;
	p->n_filter = 0;
}

static void commit_derp(struct tn_netmap *nm, struct tn_nm_pending *p,
			struct tn_netmap_changes *out)
{
	/* A DERPMap without Regions keeps the old regions and
	 * omitDefaultRegions; HomeParams are not kept, so nothing changes.
	 * Not across sessions, though. */
	if (!p->derp_regions_present && nm->derp_map && !p->fresh)
		return;
	out->derp_map = !nm->derp_map ||
			!tn_tailcfg_derp_map_equal(nm->derp_map, p->derp);
	if (nm->derp_map) {
		tn_tailcfg_derp_map_free(nm->derp_map);
		free(nm->derp_map);
	}
	nm->derp_map = p->derp;
	p->derp = NULL;
}

static void commit_users(struct tn_netmap *nm, struct tn_nm_pending *p,
			 struct tn_netmap_changes *out)
{
	/* A new session starts without profiles (the table keeps its size). */
	if (p->fresh && nm->users.n) {
		for (size_t i = 0; i < nm->users.cap; i++)
			if (nm->users.keys[i]) {
				tn_tailcfg_user_profile_free(nm->users.vals[i]);
				free(nm->users.vals[i]);
				nm->users.keys[i] = 0;
				nm->users.vals[i] = NULL;
			}
		nm->users.n = 0;
		out->user_profiles = true;
	}
	for (size_t i = 0; i < p->n_users; i++) {
		struct tn_tailcfg_user_profile *u = p->users[i], *old;

		p->users[i] = NULL;
		old = tn_netmap_idmap_put(&nm->users, u->id, u);
		if (!old || !tn_tailcfg_user_profile_equal(old, u))
			out->user_profiles = true;
		if (old) {
			tn_tailcfg_user_profile_free(old);
			free(old);
		}
	}
	p->n_users = 0;
}

/* The first message of a session: what it does not carry is gone. */
static void reset_absent(struct tn_netmap *nm, struct tn_nm_pending *p,
			 struct tn_netmap_changes *out)
{
	if (!p->self && nm->self) {
		node_destroy(nm->self);
		nm->self = NULL;
		out->self = true;
	}
	if (!p->derp && nm->derp_map) {
		tn_tailcfg_derp_map_free(nm->derp_map);
		free(nm->derp_map);
		nm->derp_map = NULL;
		out->derp_map = true;
	}
	if (!p->dns && nm->dns) {
		tn_tailcfg_dns_config_free(nm->dns);
		free(nm->dns);
		nm->dns = NULL;
		out->dns = true;
	}
	if (!p->domain && *nm->domain) {
		tn_tc_str_free(nm->domain);
		nm->domain = tn_tc_empty;
		out->domain = true;
	}
}

static void commit(struct tn_netmap *nm, struct tn_nm_pending *p,
		   struct tn_netmap_changes *out)
{
	if (p->has_ping) {
		out->has_ping = true;
		out->ping = p->ping;
		memset(&p->ping, 0, sizeof(p->ping));
	}
	out->pop_browser_url = p->pop_url;
	p->pop_url = NULL;
	if (p->control_time)
		nm->control_time = out->control_time = p->control_time;
	if (p->keepalive) {
		out->keepalive_only = true;
		return;
	}
	if (p->fresh)
		reset_absent(nm, p, out);
	nm->session_fresh = false;
	if (p->self) {
		out->self = !nm->self || !tn_tailcfg_node_equal(nm->self, p->self);
		if (nm->self)
			node_destroy(nm->self);
		nm->self = p->self;
		p->self = NULL;
	}
	if (p->full)
		commit_full(nm, p, out);
	else
		commit_deltas(nm, p, out);
	commit_users(nm, p, out);
	if (p->derp)
		commit_derp(nm, p, out);
	if (p->has_filter)
		commit_filter(nm, p, out);
	if (p->dns) {
		out->dns = !nm->dns || !tn_tailcfg_dns_config_equal(nm->dns, p->dns);
		if (nm->dns) {
			tn_tailcfg_dns_config_free(nm->dns);
			free(nm->dns);
		}
		nm->dns = p->dns;
		p->dns = NULL;
	}
	if (p->domain) {
		out->domain = strcmp(nm->domain, p->domain) != 0;
		tn_tc_str_free(nm->domain);
		nm->domain = p->domain;
		p->domain = NULL;
	}
	/* Hand the change lists over (NULL when empty). */
	if (out->n_peers_added) {
		out->peers_added = p->added;
		p->added = NULL;
	}
	if (out->n_peers_removed) {
		out->peers_removed = p->gone;
		p->gone = NULL;
	}
	if (out->n_peers_changed) {
		out->peers_changed = p->modified;
		p->modified = NULL;
	}
}

/* Walks the top-level members: the peer arrays and the self Node are kept
 * as text spans, everything else is parsed by Jansson member by member
 * into in->root.  Duplicate keys: the last one wins. */
static int scan_response(const char *json, size_t len, struct tn_nm_input *in,
			 char *err, size_t errlen)
{
	struct tn_jscan s;
	struct tn_jspan k, v;
	json_error_t jerr;
	int rc;

	if (tn_jscan_open(&s, json, len, '{')) {
		snprintf(err, errlen, "MapResponse: not a JSON object");
		return -EBADMSG;
	}
	if (!(in->root = json_object()))
		goto nomem;
	while ((rc = tn_jscan_member(&s, &k, &v)) == 1) {
		char small[64], *key = small;
		json_t *val, *decoded = NULL;

		if (tn_jscan_key_is(&k, "Peers")) {
			in->peers = v;
			continue;
		}
		if (tn_jscan_key_is(&k, "PeersChanged")) {
			in->peers_changed = v;
			continue;
		}
		if (tn_jscan_key_is(&k, "Node"))
			in->node = v;
		if (tn_jscan_key_plain(&k) && k.len - 2 < sizeof(small)) {
			memcpy(small, k.p + 1, k.len - 2);
			small[k.len - 2] = '\0';
		} else {
			decoded = json_loadb(k.p, k.len, JSON_DECODE_ANY, &jerr);
			if (!json_is_string(decoded)) {
				json_decref(decoded);
				snprintf(err, errlen, "MapResponse: invalid JSON at byte %zu: bad key",
					 (size_t)(k.p - json));
				return -EBADMSG;
			}
			key = (char *)json_string_value(decoded);
		}
		val = json_loadb(v.p, v.len, JSON_DECODE_ANY, &jerr);
		if (!val) {
			snprintf(err, errlen, "%.60s: invalid JSON at line %d column %d: %s",
				 key, jerr.line, jerr.column, jerr.text);
			json_decref(decoded);
			return -EBADMSG;
		}
		rc = json_object_set_new(in->root, key, val);
		json_decref(decoded);
		if (rc)
			goto nomem;
	}
	if (rc < 0 || tn_jscan_finish(&s)) {
		snprintf(err, errlen, "MapResponse: invalid JSON at byte %zu",
			 tn_jscan_offset(&s));
		return -EBADMSG;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

int tn_netmap_apply(struct tn_netmap *nm, const char *json, size_t len,
		    struct tn_netmap_changes *out, char *err, size_t errlen)
{
	struct tn_netmap_changes scratch;
	struct tn_nm_input in = { 0 };
	struct tn_nm_pending p;
	struct tn_tc_err e;
	int rc;

	if (!out)
		out = &scratch;
	memset(out, 0, sizeof(*out));
	out->pop_browser_url = tn_tc_empty;
	if (!err)
		errlen = 0;
	if (errlen)
		err[0] = '\0';
	if (len > TN_NETMAP_MAX_JSON) {
		snprintf(err, errlen, "MapResponse: %zu bytes exceed the limit of %u",
			 len, TN_NETMAP_MAX_JSON);
		return -EBADMSG;
	}
	if ((rc = scan_response(json, len, &in, err, errlen))) {
		json_decref(in.root);
		if (errlen)
			tn_tc_err_sanitize(err);
		return rc;
	}
	rc = tn_nm_prepare(nm, &in, &p, &e);
	/* Parsed values took copies of what they keep. */
	json_decref(in.root);
	if (rc) {
		tn_nm_pending_free(&p);
		tn_tc_err_text(&e, err, errlen);
		return rc;
	}
	commit(nm, &p, out);
	tn_nm_pending_free(&p);
	if (out == &scratch)
		tn_netmap_changes_free(&scratch);
	return 0;
}

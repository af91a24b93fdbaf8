/* tailcfg.Node, UserProfile, PeerChange and PingRequest from JSON. */
#include "control/tailcfg.h"
#include "control/tailcfg_parse.h"
#include "control/tailcfg_scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* --- Node ----------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Merges the deprecated Capabilities names into the sorted CapMap keys, as
 * Go's handleNonKeepAliveMapResponse does for the self node. */
static int merge_capabilities(struct tn_tc_err *e, struct tn_tailcfg_node *n,
			      json_t *v)
{
	char **caps, **all;
	size_t ncaps, total, k = 0;
	int rc;

	if ((rc = tn_tc_get_strings(e, v, "Capabilities", &caps, &ncaps)))
		return rc;
	if (!ncaps)
		return 0;
	total = n->n_cap_map + ncaps;
	all = malloc(total * sizeof(*all));
	if (!all) {
		tn_tc_strings_free(caps, ncaps);
		return tn_tc_nomem(e);
	}
	if (n->n_cap_map)
		memcpy(all, n->cap_map, n->n_cap_map * sizeof(*all));
	memcpy(all + n->n_cap_map, caps, ncaps * sizeof(*all));
	free(caps);
	free(n->cap_map);
	qsort(all, total, sizeof(*all), cmp_str);
	for (size_t i = 0; i < total; i++) {
		if (k && !strcmp(all[k - 1], all[i])) {
			tn_tc_str_free(all[i]);
			continue;
		}
		all[k++] = all[i];
	}
	n->cap_map = all;
	n->n_cap_map = k;
	return 0;
}

/* Go's upgradeNode: "127.3.3.40:<region>" becomes HomeDERP when HomeDERP
 * is 0; anything else in DERP is ignored. */
static int legacy_derp(struct tn_tc_err *e, struct tn_tailcfg_node *n,
		       json_t *v)
{
	static const char magic[] = TN_TAILCFG_DERP_MAGIC_IP ":";
	json_t *d = tn_tc_field(v, "DERP");
	const char *s;
	int64_t region;

	if (!d)
		return 0;
	if (!json_is_string(d))
		return tn_tc_fail(e, "DERP", "not a string");
	s = json_string_value(d);
	if (n->home_derp || strncmp(s, magic, sizeof(magic) - 1))
		return 0;
	if (!tn_tc_parse_int_key(s + sizeof(magic) - 1, INT32_MIN, INT32_MAX,
				 &region))
		n->home_derp = (int)region;
	return 0;
}

/* Hostinfo: Hostname and OS parsed, the whole object kept as JSON text
 * (a Jansson tree per peer would cost ~15 KiB each). */
static int get_hostinfo(struct tn_tc_err *e, struct tn_tailcfg_node *n,
			json_t *v, const char *raw, size_t rawlen)
{
	json_t *hi = tn_tc_field(v, "Hostinfo");
	struct tn_jspan span;
	char *dump = NULL;
	int rc;

	n->hostinfo = tn_tc_empty;
	if (!hi) {
		n->hostname = n->os = tn_tc_empty;
		return 0;
	}
	if (!json_is_object(hi))
		return tn_tc_fail(e, "Hostinfo", "not an object");
	if ((rc = tn_tc_get_string(e, hi, "Hostname", &n->hostname)) ||
	    (rc = tn_tc_get_string(e, hi, "OS", &n->os))) {
		tn_tc_prefix(e, "Hostinfo");
		return rc;
	}
	/* Jansson has validated raw, so the scanner finds the same member
	 * (the last of that name, as Jansson keeps). */
	if (!raw || !tn_jscan_find(raw, rawlen, "Hostinfo", &span)) {
		if (!(dump = json_dumps(hi, JSON_COMPACT)))
			return tn_tc_nomem(e);
		span.p = dump;
		span.len = strlen(dump);
	}
	n->hostinfo = tn_tc_strndup(span.p, span.len);
	free(dump);
	if (!n->hostinfo)
		return tn_tc_nomem(e);
	n->hostinfo_len = span.len;
	return 0;
}

int tn_tc_node_parse(struct tn_tc_err *e, struct tn_tailcfg_node *n,
		     json_t *v, const char *raw, size_t rawlen, bool self)
{
	bool allowed_present;
	int rc;

	memset(n, 0, sizeof(*n));
	if (!json_is_object(v))
		return tn_tc_fail(e, NULL, "not an object");
	if ((rc = tn_tc_get_int64(e, v, "ID", INT64_MIN, INT64_MAX, &n->id)) ||
	    (rc = tn_tc_get_string(e, v, "StableID", &n->stable_id)) ||
	    (rc = tn_tc_get_string(e, v, "Name", &n->name)) ||
	    (rc = tn_tc_get_int64(e, v, "User", INT64_MIN, INT64_MAX, &n->user)) ||
	    (rc = tn_tc_get_int64(e, v, "Sharer", INT64_MIN, INT64_MAX, &n->sharer)) ||
	    (rc = tn_tc_get_key(e, v, "Key", TN_KEY_NODE_PUBLIC, n->key, NULL)) ||
	    (rc = tn_tc_get_time(e, v, "KeyExpiry", &n->key_expiry, NULL)) ||
	    (rc = tn_tc_get_key(e, v, "Machine", TN_KEY_MACHINE_PUBLIC, n->machine, NULL)) ||
	    (rc = tn_tc_get_key(e, v, "DiscoKey", TN_KEY_DISCO_PUBLIC, n->disco_key, NULL)) ||
	    (rc = tn_tc_get_prefixes(e, v, "Addresses", &n->addresses, &n->n_addresses, NULL)) ||
	    (rc = tn_tc_get_prefixes(e, v, "AllowedIPs", &n->allowed_ips,
				     &n->n_allowed_ips, &allowed_present)) ||
	    (rc = tn_tc_get_addrports(e, v, "Endpoints", &n->endpoints, &n->n_endpoints, NULL)) ||
	    (rc = tn_tc_get_int(e, v, "HomeDERP", INT32_MIN, INT32_MAX, &n->home_derp)) ||
	    (rc = legacy_derp(e, n, v)) ||
	    (rc = get_hostinfo(e, n, v, raw, rawlen)) ||
	    (rc = tn_tc_get_time(e, v, "Created", &n->created, NULL)) ||
	    (rc = tn_tc_get_int(e, v, "Cap", INT32_MIN, INT32_MAX, &n->cap)) ||
	    (rc = tn_tc_get_strings(e, v, "Tags", &n->tags, &n->n_tags)) ||
	    (rc = tn_tc_get_prefixes(e, v, "PrimaryRoutes", &n->primary_routes,
				     &n->n_primary_routes, NULL)) ||
	    (rc = tn_tc_get_time(e, v, "LastSeen", &n->last_seen, NULL)) ||
	    (rc = tn_tc_get_optbool(e, v, "Online", &n->online)) ||
	    (rc = tn_tc_get_bool(e, v, "MachineAuthorized", &n->machine_authorized)) ||
	    (rc = tn_tc_get_bool(e, v, "Expired", &n->expired)) ||
	    (rc = tn_tc_get_bool(e, v, "UnsignedPeerAPIOnly", &n->unsigned_peer_api_only)) ||
	    (rc = tn_tc_get_bool(e, v, "IsWireGuardOnly", &n->is_wireguard_only)) ||
	    (rc = tn_tc_get_bool(e, v, "IsJailed", &n->is_jailed)) ||
	    (rc = tn_tc_get_capmap(e, v, "CapMap", &n->cap_map, &n->n_cap_map, NULL)))
		goto fail;
	if (self) {
		if ((rc = merge_capabilities(e, n, v)))
			goto fail;
	} else {
		char **caps;
		size_t ncaps;

		/* Type-checked like Go does, then dropped. */
		if ((rc = tn_tc_get_strings(e, v, "Capabilities", &caps, &ncaps)))
			goto fail;
		tn_tc_strings_free(caps, ncaps);
	}
	/* Capability version 112: a nil AllowedIPs means Addresses. */
	if (!allowed_present && n->n_addresses) {
		n->allowed_ips = malloc(n->n_addresses * sizeof(*n->allowed_ips));
		if (!n->allowed_ips) {
			rc = tn_tc_nomem(e);
			goto fail;
		}
		memcpy(n->allowed_ips, n->addresses,
		       n->n_addresses * sizeof(*n->allowed_ips));
		n->n_allowed_ips = n->n_addresses;
	}
	return 0;
fail:
	tn_tailcfg_node_free(n);
	return rc;
}

int tn_tailcfg_node_parse(struct tn_tailcfg_node *out, json_t *v,
			  char *err, size_t errlen)
{
	struct tn_tc_err e;
	int rc = tn_tc_node_parse(&e, out, v, NULL, 0, false);

	if (rc)
		tn_tc_err_text(&e, err, errlen);
	return rc;
}

void tn_tailcfg_node_free(struct tn_tailcfg_node *n)
{
	if (!n)
		return;
	tn_tc_str_free(n->stable_id);
	tn_tc_str_free(n->name);
	free(n->addresses);
	free(n->allowed_ips);
	free(n->endpoints);
	tn_tc_str_free(n->hostinfo);
	tn_tc_str_free(n->hostname);
	tn_tc_str_free(n->os);
	tn_tc_strings_free(n->tags, n->n_tags);
	free(n->primary_routes);
	tn_tc_strings_free(n->cap_map, n->n_cap_map);
	memset(n, 0, sizeof(*n));
}

static bool arr_eq(const void *a, size_t na, const void *b, size_t nb,
		   size_t elsz)
{
	return na == nb && (na == 0 || !memcmp(a, b, na * elsz));
}

bool tn_tailcfg_node_equal(const struct tn_tailcfg_node *a,
			   const struct tn_tailcfg_node *b)
{
	/* Parsed structs are zeroed before filling, so padding compares. */
	return a->id == b->id && !strcmp(a->stable_id, b->stable_id) &&
	       !strcmp(a->name, b->name) && a->user == b->user &&
	       a->sharer == b->sharer &&
	       !memcmp(a->key, b->key, TN_KEY_LEN) &&
	       a->key_expiry == b->key_expiry &&
	       !memcmp(a->machine, b->machine, TN_KEY_LEN) &&
	       !memcmp(a->disco_key, b->disco_key, TN_KEY_LEN) &&
	       arr_eq(a->addresses, a->n_addresses, b->addresses,
		      b->n_addresses, sizeof(*a->addresses)) &&
	       arr_eq(a->allowed_ips, a->n_allowed_ips, b->allowed_ips,
		      b->n_allowed_ips, sizeof(*a->allowed_ips)) &&
	       arr_eq(a->endpoints, a->n_endpoints, b->endpoints,
		      b->n_endpoints, sizeof(*a->endpoints)) &&
	       a->home_derp == b->home_derp &&
	       a->hostinfo_len == b->hostinfo_len &&
	       !memcmp(a->hostinfo, b->hostinfo, a->hostinfo_len) &&
	       a->created == b->created && a->cap == b->cap &&
	       tn_tc_strings_equal(a->tags, a->n_tags, b->tags, b->n_tags) &&
	       arr_eq(a->primary_routes, a->n_primary_routes, b->primary_routes,
		      b->n_primary_routes, sizeof(*a->primary_routes)) &&
	       a->last_seen == b->last_seen && a->online == b->online &&
	       a->machine_authorized == b->machine_authorized &&
	       a->expired == b->expired &&
	       a->unsigned_peer_api_only == b->unsigned_peer_api_only &&
	       a->is_wireguard_only == b->is_wireguard_only &&
	       a->is_jailed == b->is_jailed &&
	       tn_tc_strings_equal(a->cap_map, a->n_cap_map, b->cap_map,
				   b->n_cap_map);
}

/* --- UserProfile ---------------------------------------------------------- */

int tn_tc_user_profile_parse(struct tn_tc_err *e,
			     struct tn_tailcfg_user_profile *p, json_t *v)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(v))
		return tn_tc_fail(e, NULL, "not an object");
	if ((rc = tn_tc_get_int64(e, v, "ID", INT64_MIN, INT64_MAX, &p->id)) ||
	    (rc = tn_tc_get_string(e, v, "LoginName", &p->login_name)) ||
	    (rc = tn_tc_get_string(e, v, "DisplayName", &p->display_name)) ||
	    (rc = tn_tc_get_string(e, v, "ProfilePicURL", &p->profile_pic_url)) ||
	    (rc = tn_tc_get_strings(e, v, "Groups", &p->groups, &p->n_groups))) {
		tn_tailcfg_user_profile_free(p);
		return rc;
	}
	return 0;
}

int tn_tailcfg_user_profile_parse(struct tn_tailcfg_user_profile *out,
				  json_t *v, char *err, size_t errlen)
{
	struct tn_tc_err e;
	int rc = tn_tc_user_profile_parse(&e, out, v);

	if (rc)
		tn_tc_err_text(&e, err, errlen);
	return rc;
}

void tn_tailcfg_user_profile_free(struct tn_tailcfg_user_profile *p)
{
	if (!p)
		return;
	tn_tc_str_free(p->login_name);
	tn_tc_str_free(p->display_name);
	tn_tc_str_free(p->profile_pic_url);
	tn_tc_strings_free(p->groups, p->n_groups);
	memset(p, 0, sizeof(*p));
}

bool tn_tailcfg_user_profile_equal(const struct tn_tailcfg_user_profile *a,
				   const struct tn_tailcfg_user_profile *b)
{
	return a->id == b->id && !strcmp(a->login_name, b->login_name) &&
	       !strcmp(a->display_name, b->display_name) &&
	       !strcmp(a->profile_pic_url, b->profile_pic_url) &&
	       tn_tc_strings_equal(a->groups, a->n_groups, b->groups, b->n_groups);
}

/* --- PeerChange ----------------------------------------------------------- */

int tn_tc_peer_change_parse(struct tn_tc_err *e,
			    struct tn_tailcfg_peer_change *c, json_t *v)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(v))
		return tn_tc_fail(e, NULL, "not an object");
	if ((rc = tn_tc_get_int64(e, v, "NodeID", INT64_MIN, INT64_MAX, &c->node_id)) ||
	    (rc = tn_tc_get_int(e, v, "DERPRegion", INT32_MIN, INT32_MAX, &c->derp_region)) ||
	    (rc = tn_tc_get_int(e, v, "Cap", INT32_MIN, INT32_MAX, &c->cap)) ||
	    (rc = tn_tc_get_capmap(e, v, "CapMap", &c->cap_map, &c->n_cap_map,
				   &c->has_cap_map)) ||
	    (rc = tn_tc_get_addrports(e, v, "Endpoints", &c->endpoints,
				      &c->n_endpoints, &c->has_endpoints)) ||
	    (rc = tn_tc_get_key(e, v, "Key", TN_KEY_NODE_PUBLIC, c->key, &c->has_key)) ||
	    (rc = tn_tc_get_key(e, v, "DiscoKey", TN_KEY_DISCO_PUBLIC, c->disco_key,
				&c->has_disco_key)) ||
	    (rc = tn_tc_get_optbool(e, v, "Online", &c->online)) ||
	    (rc = tn_tc_get_time(e, v, "LastSeen", &c->last_seen, &c->has_last_seen)) ||
	    (rc = tn_tc_get_time(e, v, "KeyExpiry", &c->key_expiry, &c->has_key_expiry))) {
		tn_tailcfg_peer_change_free(c);
		return rc;
	}
	return 0;
}

int tn_tailcfg_peer_change_parse(struct tn_tailcfg_peer_change *out,
				 json_t *v, char *err, size_t errlen)
{
	struct tn_tc_err e;
	int rc = tn_tc_peer_change_parse(&e, out, v);

	if (rc)
		tn_tc_err_text(&e, err, errlen);
	return rc;
}

void tn_tailcfg_peer_change_free(struct tn_tailcfg_peer_change *c)
{
	if (!c)
		return;
	tn_tc_strings_free(c->cap_map, c->n_cap_map);
	free(c->endpoints);
	memset(c, 0, sizeof(*c));
}

/* --- PingRequest ---------------------------------------------------------- */

int tn_tc_ping_request_parse(struct tn_tc_err *e,
			     struct tn_tailcfg_ping_request *p, json_t *v)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(v))
		return tn_tc_fail(e, NULL, "not an object");
	if ((rc = tn_tc_get_string(e, v, "URL", &p->url)) ||
	    (rc = tn_tc_get_bool(e, v, "URLIsNoise", &p->url_is_noise)) ||
	    (rc = tn_tc_get_bool(e, v, "Log", &p->log)) ||
	    (rc = tn_tc_get_string(e, v, "Types", &p->types)) ||
	    (rc = tn_tc_get_ip(e, v, "IP", &p->ip)) ||
	    (rc = tn_tc_get_base64(e, v, "Payload", &p->payload, &p->payload_len))) {
		tn_tailcfg_ping_request_free(p);
		return rc;
	}
	return 0;
}

int tn_tailcfg_ping_request_parse(struct tn_tailcfg_ping_request *out,
				  json_t *v, char *err, size_t errlen)
{
	struct tn_tc_err e;
	int rc = tn_tc_ping_request_parse(&e, out, v);

	if (rc)
		tn_tc_err_text(&e, err, errlen);
	return rc;
}

void tn_tailcfg_ping_request_free(struct tn_tailcfg_ping_request *p)
{
	if (!p)
		return;
	tn_tc_str_free(p->url);
	tn_tc_str_free(p->types);
	free(p->payload);
	memset(p, 0, sizeof(*p));
}

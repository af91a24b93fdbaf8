/* What the backend tells about itself: ipnstate.Status, WhoIs, pings and
 * metrics, in tailscaled's JSON shapes (ipn/ipnstate, apitype). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/keys.h"
#include "ipn/backend_internal.h"
#include "tailnet/tailnet.h"
#include "util/clock.h"

/* Peers with traffic within this window are "active" (Go: 2 minutes of
 * WireGuard activity in wgengine's status). */
#define ACTIVE_WINDOW_NS (120 * 1000000000ULL)

static const struct tn_netmap *netmap_of(const struct tn_backend *b)
{
	return b->control && b->have_netmap ? tn_control_netmap(b->control) : NULL;
}

static json_t *time_json(int64_t ns)
{
	char buf[TN_TAILCFG_TIME_MAX];

	tn_tailcfg_time_format(buf, ns);
	return json_string(buf);
}

static json_t *prefixes_json(const struct tn_tailcfg_prefix *p, size_t n, bool addrs_only)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		char buf[TN_TAILCFG_ADDRPORT_MAX];

		if (addrs_only) {
			struct tn_tailcfg_ip ip = { .family = p[i].family };

			if (p[i].bits != (p[i].family == AF_INET ? 32 : 128))
				continue;
			memcpy(ip.addr, p[i].addr, 16);
			tn_tailcfg_ip_format(buf, &ip);
		} else {
			tn_tailcfg_prefix_format(buf, &p[i]);
		}
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *endpoints_json(const struct tn_tailcfg_addrport *ep, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		char buf[TN_TAILCFG_ADDRPORT_MAX];

		tn_tailcfg_addrport_format(buf, &ep[i]);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static bool offers_exit(const struct tn_tailcfg_node *n)
{
	bool v4 = false, v6 = false;

	for (size_t i = 0; i < n->n_allowed_ips; i++) {
		v4 |= n->allowed_ips[i].family == AF_INET && n->allowed_ips[i].bits == 0;
		v6 |= n->allowed_ips[i].family == AF_INET6 && n->allowed_ips[i].bits == 0;
	}
	return v4 && v6;
}

/* ipnstate.PeerStatus of node n (self or a peer). */
static json_t *peer_status(struct tn_backend *b, const struct tn_tailcfg_node *n, bool self)
{
	char key[TN_KEY_TEXT_MAX];
	struct tn_engine_peer_info pi = { .derp_code = "" };
	json_t *ps;
	uint64_t now = tn_clock_realtime();
	bool active;

	tn_key_to_text(key, sizeof(key), TN_KEY_NODE_PUBLIC, n->key);
	if (b->engine && !self)
		tn_engine_peer_info(b->engine, n->key, &pi);
	if (self && b->engine) {
		pi.derp_region = b->home_derp;
		pi.derp_code = tn_engine_region_code(b->engine, b->home_derp);
	} else if (!pi.derp_region) {
		pi.derp_region = n->home_derp;
		if (b->engine)
			pi.derp_code = tn_engine_region_code(b->engine, n->home_derp);
	}
	active = pi.last_handshake && now - pi.last_handshake < ACTIVE_WINDOW_NS;
	ps = json_object();
	json_object_set_new(ps, "ID", json_string(n->stable_id ? n->stable_id : ""));
	json_object_set_new(ps, "PublicKey", json_string(key));
	json_object_set_new(ps, "HostName", json_string(n->hostname ? n->hostname : ""));
	json_object_set_new(ps, "DNSName", json_string(n->name ? n->name : ""));
	json_object_set_new(ps, "OS", json_string(self ? "linux" : n->os ? n->os : ""));
	json_object_set_new(ps, "UserID", json_integer(n->user));
	json_object_set_new(ps, "TailscaleIPs", prefixes_json(n->addresses, n->n_addresses, true));
	if (n->n_allowed_ips)
		json_object_set_new(ps, "AllowedIPs",
				    prefixes_json(n->allowed_ips, n->n_allowed_ips, false));
	if (n->n_tags)
		json_object_set_new(ps, "Tags", strv_json(n->tags, n->n_tags));
	if (n->n_primary_routes)
		json_object_set_new(ps, "PrimaryRoutes",
				    prefixes_json(n->primary_routes, n->n_primary_routes, false));
	if (self && b->engine) {
		struct tn_tailcfg_addrport eps[16];
		enum tn_tailcfg_endpoint_type types[16];
		size_t ne = tn_engine_endpoints(b->engine, eps, types, 16);

		json_object_set_new(ps, "Addrs", endpoints_json(eps, ne));
	} else {
		json_object_set_new(ps, "Addrs", n->n_endpoints ? endpoints_json(n->endpoints,
										 n->n_endpoints)
							: json_null());
	}
	{
		char cur[TN_TAILCFG_ADDRPORT_MAX] = "";

		if (pi.cur_addr.family)
			tn_tailcfg_addrport_format(cur, &pi.cur_addr);
		json_object_set_new(ps, "CurAddr", json_string(cur));
	}
	json_object_set_new(ps, "Relay", json_string(pi.derp_code));
	json_object_set_new(ps, "PeerRelay", json_string(""));
	json_object_set_new(ps, "RxBytes", json_integer((json_int_t)pi.rx_bytes));
	json_object_set_new(ps, "TxBytes", json_integer((json_int_t)pi.tx_bytes));
	json_object_set_new(ps, "Created", time_json(n->created));
	json_object_set_new(ps, "LastWrite", time_json(active ? (int64_t)now : 0));
	json_object_set_new(ps, "LastSeen", time_json(n->last_seen));
	json_object_set_new(ps, "LastHandshake", time_json((int64_t)pi.last_handshake));
	json_object_set_new(ps, "Online",
			    json_boolean(self ? b->cstate == TN_CONTROL_RUNNING
					      : n->online == TN_TAILCFG_TRUE));
	json_object_set_new(ps, "ExitNode",
			    json_boolean(!self && n->stable_id && *b->prefs.exit_node_id &&
					 !strcmp(n->stable_id, b->prefs.exit_node_id)));
	json_object_set_new(ps, "ExitNodeOption", json_boolean(offers_exit(n)));
	json_object_set_new(ps, "Active", json_boolean(active));
	json_object_set_new(ps, "PeerAPIURL", json_null());
	json_object_set_new(ps, "TaildropTarget", json_integer(0));
	json_object_set_new(ps, "NoFileSharingReason", json_string(""));
	if (n->n_cap_map) {
		json_t *cm = json_object();

		for (size_t i = 0; i < n->n_cap_map; i++)
			json_object_set_new(cm, n->cap_map[i], json_null());
		json_object_set_new(ps, "CapMap", cm);
	}
	json_object_set_new(ps, "InNetworkMap", json_true());
	json_object_set_new(ps, "InMagicSock", json_boolean(pi.in_engine));
	json_object_set_new(ps, "InEngine", json_boolean(pi.in_engine));
	if (n->expired)
		json_object_set_new(ps, "Expired", json_true());
	if (n->key_expiry)
		json_object_set_new(ps, "KeyExpiry", time_json(n->key_expiry));
	return ps;
}

/* tailcfg.UserProfile (ProfilePicURL is omitempty). */
static json_t *user_json(const struct tn_tailcfg_user_profile *u)
{
	json_t *o = json_pack("{sI ss ss}", "ID", (json_int_t)u->id, "LoginName",
			      u->login_name ? u->login_name : "", "DisplayName",
			      u->display_name ? u->display_name : "");

	if (u->profile_pic_url && *u->profile_pic_url)
		json_object_set_new(o, "ProfilePicURL", json_string(u->profile_pic_url));
	return o;
}

/* The self status before a netmap: what the prefs know. */
static json_t *self_without_netmap(struct tn_backend *b)
{
	char host[256] = "", zero_key[TN_KEY_TEXT_MAX];
	static const uint8_t zero[32];

	/* Go marshals the zero key as nodekey:000...; "" does not parse. */
	tn_key_to_text(zero_key, sizeof(zero_key), TN_KEY_NODE_PUBLIC, zero);
	if (*b->prefs.hostname)
		snprintf(host, sizeof(host), "%s", b->prefs.hostname);
	else if (gethostname(host, sizeof(host)) < 0)
		host[0] = 0;
	host[sizeof(host) - 1] = 0;
	return json_pack("{ss ss ss ss ss sI so sb sb sb}", "ID", b->prefs.node_id, "PublicKey", zero_key,
			 "HostName", host, "DNSName", "", "OS", "linux", "UserID",
			 (json_int_t)b->prefs.user_id, "TailscaleIPs", json_null(), "Online", 0,
			 "InNetworkMap", 0, "InEngine", 0);
}

json_t *tn_backend_status(struct tn_backend *b, bool peers)
{
	const struct tn_netmap *nm = netmap_of(b);
	enum tn_ipn_state st = tn_backend_state(b);
	json_t *s = json_object(), *health = json_array();

	json_object_set_new(s, "Version", json_string(tn_version()));
	json_object_set_new(s, "TUN", json_boolean(strcmp(b->tun_name, TN_ENGINE_USERSPACE) != 0));
	json_object_set_new(s, "BackendState", json_string(tn_ipn_state_name(st)));
	if (*b->prefs.node_id && !b->prefs.logged_out)
		json_object_set_new(s, "HaveNodeKey", json_true());
	json_object_set_new(s, "AuthURL", json_string(b->auth_url));
	json_object_set_new(s, "TailscaleIPs",
			    nm && nm->self ? prefixes_json(nm->self->addresses, nm->self->n_addresses,
							   true)
					   : json_null());
	json_object_set_new(s, "Self", nm && nm->self ? peer_status(b, nm->self, true)
						      : self_without_netmap(b));
	if (*b->err_msg)
		json_array_append_new(health, json_string(b->err_msg));
	if (b->control && b->cstate == TN_CONTROL_CONNECTING && b->have_netmap)
		json_array_append_new(health, json_string("not connected to the control server"));
	json_object_set_new(s, "Health", health);
	if (nm) {
		const char *suffix = nm->self && nm->self->name ? strchr(nm->self->name, '.') : NULL;
		char sfx[256] = "";

		if (suffix) {
			snprintf(sfx, sizeof(sfx), "%s", suffix + 1);
			if (*sfx && sfx[strlen(sfx) - 1] == '.')
				sfx[strlen(sfx) - 1] = 0;
		}
		json_object_set_new(s, "MagicDNSSuffix", json_string(sfx));
		json_object_set_new(s, "CurrentTailnet",
				    json_pack("{ss ss sb}", "Name", nm->domain ? nm->domain : "",
					      "MagicDNSSuffix", sfx, "MagicDNSEnabled",
					      nm->dns && nm->dns->proxied));
	} else {
		json_object_set_new(s, "MagicDNSSuffix", json_string(""));
		json_object_set_new(s, "CurrentTailnet", json_null());
	}
	json_object_set_new(s, "CertDomains", json_null());
	if (peers) {
		json_t *pm = json_object(), *users = json_object();

		for (size_t i = 0; nm && i < nm->n_peers; i++) {
			char key[TN_KEY_TEXT_MAX];

			tn_key_to_text(key, sizeof(key), TN_KEY_NODE_PUBLIC, nm->peers[i]->key);
			json_object_set_new(pm, key, peer_status(b, nm->peers[i], false));
		}
		for (size_t i = 0; nm && i < nm->users.cap; i++) {
			const struct tn_tailcfg_user_profile *u = nm->users.vals[i];
			char id[24];

			if (!nm->users.keys[i] || !u)
				continue;
			snprintf(id, sizeof(id), "%lld", (long long)u->id);
			json_object_set_new(users, id, user_json(u));
		}
		json_object_set_new(s, "Peer", json_object_size(pm) ? pm : (json_decref(pm), json_null()));
		json_object_set_new(s, "User", json_object_size(users) ? users
								  : (json_decref(users), json_null()));
	} else {
		json_object_set_new(s, "Peer", json_null());
		json_object_set_new(s, "User", json_null());
	}
	json_object_set_new(s, "ClientVersion", json_null());
	return s;
}

/* --- lookups by tailnet IP ------------------------------------------------------- */

static bool node_has_ip(const struct tn_tailcfg_node *n, const struct tn_tailcfg_ip *ip)
{
	size_t alen = ip->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < n->n_addresses; i++)
		if (n->addresses[i].family == ip->family && !memcmp(n->addresses[i].addr, ip->addr, alen))
			return true;
	return false;
}

static const struct tn_tailcfg_node *node_by_ip(const struct tn_netmap *nm, const char *text,
						bool *is_self)
{
	struct tn_tailcfg_ip ip;
	char buf[128];

	snprintf(buf, sizeof(buf), "%s", text);
	/* "ip:port" or "[ip6]:port" as whois accepts. */
	if (tn_tailcfg_ip_parse(&ip, buf, strlen(buf)) < 0) {
		struct tn_tailcfg_addrport ap;

		if (tn_tailcfg_addrport_parse(&ap, buf, strlen(buf)) < 0)
			return NULL;
		ip.family = ap.family;
		memcpy(ip.addr, ap.addr, 16);
	}
	*is_self = false;
	if (nm->self && node_has_ip(nm->self, &ip)) {
		*is_self = true;
		return nm->self;
	}
	for (size_t i = 0; i < nm->n_peers; i++)
		if (node_has_ip(nm->peers[i], &ip))
			return nm->peers[i];
	return NULL;
}

/* tailcfg.Node as JSON (the fields clients read). */
static json_t *node_json(const struct tn_tailcfg_node *n)
{
	char key[TN_KEY_TEXT_MAX], machine[TN_KEY_TEXT_MAX], disco[TN_KEY_TEXT_MAX];
	json_t *o, *hi = NULL;

	tn_key_to_text(key, sizeof(key), TN_KEY_NODE_PUBLIC, n->key);
	tn_key_to_text(machine, sizeof(machine), TN_KEY_MACHINE_PUBLIC, n->machine);
	tn_key_to_text(disco, sizeof(disco), TN_KEY_DISCO_PUBLIC, n->disco_key);
	if (n->hostinfo_len)
		hi = json_loadb(n->hostinfo, n->hostinfo_len, 0, NULL);
	o = json_object();
	json_object_set_new(o, "ID", json_integer(n->id));
	json_object_set_new(o, "StableID", json_string(n->stable_id ? n->stable_id : ""));
	json_object_set_new(o, "Name", json_string(n->name ? n->name : ""));
	json_object_set_new(o, "User", json_integer(n->user));
	json_object_set_new(o, "Key", json_string(key));
	if (n->key_expiry) /* omitzero */
		json_object_set_new(o, "KeyExpiry", time_json(n->key_expiry));
	json_object_set_new(o, "Machine", json_string(machine));
	json_object_set_new(o, "DiscoKey", json_string(disco));
	json_object_set_new(o, "Addresses", prefixes_json(n->addresses, n->n_addresses, false));
	json_object_set_new(o, "AllowedIPs", prefixes_json(n->allowed_ips, n->n_allowed_ips, false));
	json_object_set_new(o, "Endpoints", endpoints_json(n->endpoints, n->n_endpoints));
	json_object_set_new(o, "HomeDERP", json_integer(n->home_derp));
	json_object_set_new(o, "Hostinfo", hi ? hi : json_object());
	json_object_set_new(o, "Created", time_json(n->created));
	json_object_set_new(o, "Cap", json_integer(n->cap));
	if (n->n_tags)
		json_object_set_new(o, "Tags", strv_json(n->tags, n->n_tags));
	if (n->n_primary_routes)
		json_object_set_new(o, "PrimaryRoutes",
				    prefixes_json(n->primary_routes, n->n_primary_routes, false));
	if (n->online != TN_TAILCFG_UNSET)
		json_object_set_new(o, "Online", json_boolean(n->online == TN_TAILCFG_TRUE));
	json_object_set_new(o, "MachineAuthorized", json_boolean(n->machine_authorized));
	{
		char computed[256] = "";

		if (n->name)
			snprintf(computed, sizeof(computed), "%.*s", (int)strcspn(n->name, "."), n->name);
		json_object_set_new(o, "ComputedName", json_string(computed));
		json_object_set_new(o, "ComputedNameWithHost", json_string(computed));
	}
	return o;
}

json_t *tn_backend_whois(struct tn_backend *b, const char *ip)
{
	const struct tn_netmap *nm = netmap_of(b);
	const struct tn_tailcfg_node *n;
	const struct tn_tailcfg_user_profile *u;
	bool self;

	if (!nm || !(n = node_by_ip(nm, ip, &self)))
		return NULL;
	u = tn_netmap_user(nm, n->user);
	return json_pack("{so so so}", "Node", node_json(n), "UserProfile",
			 u ? user_json(u) : json_pack("{sI}", "ID", (json_int_t)n->user), "CapMap",
			 json_null());
}

/* --- ping --------------------------------------------------------------------------- */

static void on_pong(void *arg, const struct tn_magicsock_pong *pong)
{
	struct tn_backend_ping *p = arg;
	struct tn_backend_ping copy = *p;
	json_t *r;

	memset(p, 0, sizeof(*p));
	r = json_pack("{ss ss ss ss sf}", "IP", copy.ip, "NodeIP", copy.node_ip, "NodeName",
		      copy.node_name, "Err", "", "LatencySeconds", (double)pong->latency_ns / 1e9);
	if (pong->direct) {
		char ep[TN_TAILCFG_ADDRPORT_MAX];

		tn_tailcfg_addrport_format(ep, &pong->endpoint);
		json_object_set_new(r, "Endpoint", json_string(ep));
		json_object_set_new(r, "PeerRelay", json_string(""));
		json_object_set_new(r, "DERPRegionID", json_integer(0));
		json_object_set_new(r, "DERPRegionCode", json_string(""));
	} else {
		json_object_set_new(r, "Endpoint", json_string(""));
		json_object_set_new(r, "PeerRelay", json_string(""));
		json_object_set_new(r, "DERPRegionID", json_integer(pong->derp_region));
		json_object_set_new(r, "DERPRegionCode",
				    json_string(copy.b->engine ? tn_engine_region_code(copy.b->engine,
										       pong->derp_region)
							       : ""));
	}
	copy.done(copy.arg, r);
}

static void on_icmp_reply(void *arg, uint64_t latency_ns)
{
	struct tn_backend_ping *p = arg;
	struct tn_backend_ping copy = *p;

	memset(p, 0, sizeof(*p));
	/* No Endpoint or region: Go's CLI then says "via ICMP". */
	copy.done(copy.arg, json_pack("{ss ss ss ss sf ss ss si ss}", "IP", copy.ip, "NodeIP",
				      copy.node_ip, "NodeName", copy.node_name, "Err", "",
				      "LatencySeconds", (double)latency_ns / 1e9, "Endpoint", "",
				      "PeerRelay", "", "DERPRegionID", 0, "DERPRegionCode", ""));
}

int tn_backend_ping(struct tn_backend *b, const char *ip, const char *type,
		    tn_backend_ping_fn done, void *arg, char *err, size_t errlen)
{
	const struct tn_netmap *nm = netmap_of(b);
	const struct tn_tailcfg_node *n;
	struct tn_backend_ping *p = NULL;
	bool self;
	int h;

	bool icmp = !strcmp(type, "ICMP");

	if (*type && strcmp(type, "disco") && !icmp) {
		snprintf(err, errlen, "ping type %s is not supported (disco and ICMP are)", type);
		return -EOPNOTSUPP;
	}
	if (!nm || !b->engine) {
		snprintf(err, errlen, "not running");
		return -ENETDOWN;
	}
	if (!(n = node_by_ip(nm, ip, &self))) {
		snprintf(err, errlen, "no matching peer");
		return -ENOENT;
	}
	for (size_t i = 0; i < TN_BACKEND_PINGS_MAX && !p; i++)
		if (!b->pings[i].b)
			p = &b->pings[i];
	if (!p) {
		snprintf(err, errlen, "too many pings in flight");
		return -EBUSY;
	}
	*p = (struct tn_backend_ping){ .b = b, .done = done, .arg = arg };
	snprintf(p->ip, sizeof(p->ip), "%s", ip);
	if (n->n_addresses) {
		struct tn_tailcfg_ip a = { .family = n->addresses[0].family };

		memcpy(a.addr, n->addresses[0].addr, 16);
		tn_tailcfg_ip_format(p->node_ip, &a);
	}
	snprintf(p->node_name, sizeof(p->node_name), "%.*s",
		 n->name ? (int)strcspn(n->name, ".") : 0, n->name ? n->name : "");
	if (self) {
		memset(p, 0, sizeof(*p));
		snprintf(err, errlen, "%s is local Tailscale IP", ip);
		return -EADDRINUSE;
	}
	if (icmp) {
		struct tn_tailcfg_ip dst;

		if (tn_tailcfg_ip_parse(&dst, ip, strlen(ip)) < 0) {
			memset(p, 0, sizeof(*p));
			snprintf(err, errlen, "ICMP ping needs an IP address");
			return -EINVAL;
		}
		p->icmp = true;
		h = tn_engine_ping_icmp(b->engine, dst.family, dst.addr, on_icmp_reply, p);
	} else {
		h = tn_engine_ping(b->engine, n->key, on_pong, p);
	}
	if (h < 0) {
		memset(p, 0, sizeof(*p));
		snprintf(err, errlen, "%s", h == -ENOKEY ? "peer has no disco key" : strerror(-h));
		return h;
	}
	p->handle = h;
	return (int)(p - b->pings) + 1;
}

void tn_backend_ping_cancel(struct tn_backend *b, int handle)
{
	struct tn_backend_ping *p;

	if (handle < 1 || handle > TN_BACKEND_PINGS_MAX)
		return;
	p = &b->pings[handle - 1];
	if (p->b != b)
		return;
	if (b->engine && p->icmp)
		tn_engine_ping_icmp_cancel(b->engine, p->handle);
	else if (b->engine)
		tn_engine_ping_cancel(b->engine, p->handle);
	memset(p, 0, sizeof(*p));
}

/* --- the DERP map ------------------------------------------------------------------ */

static void set_nonzero_int(json_t *o, const char *k, long long v)
{
	if (v)
		json_object_set_new(o, k, json_integer(v));
}

static void set_nonempty(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

/* tailcfg.DERPMap as Go marshals it (omitempty fields left out). */
json_t *tn_backend_derpmap(struct tn_backend *b)
{
	const struct tn_netmap *nm = netmap_of(b);
	const struct tn_tailcfg_derp_map *dm = nm ? nm->derp_map : NULL;
	json_t *regions = json_object();

	for (size_t i = 0; dm && i < dm->n_regions; i++) {
		const struct tn_tailcfg_derp_region *r = &dm->regions[i];
		json_t *nodes = json_array(), *ro;
		char id[16];

		for (size_t k = 0; k < r->n_nodes; k++) {
			const struct tn_tailcfg_derp_node *n = &r->nodes[k];
			json_t *no = json_pack("{ss si ss}", "Name", n->name ? n->name : "", "RegionID",
					       n->region_id, "HostName", n->host_name ? n->host_name : "");

			set_nonempty(no, "CertName", n->cert_name);
			set_nonempty(no, "IPv4", n->ipv4);
			set_nonempty(no, "IPv6", n->ipv6);
			set_nonzero_int(no, "STUNPort", n->stun_port);
			if (n->stun_only)
				json_object_set_new(no, "STUNOnly", json_true());
			set_nonzero_int(no, "DERPPort", n->derp_port);
			if (n->insecure_for_tests)
				json_object_set_new(no, "InsecureForTests", json_true());
			set_nonempty(no, "STUNTestIP", n->stun_test_ip);
			if (n->can_port80)
				json_object_set_new(no, "CanPort80", json_true());
			json_array_append_new(nodes, no);
		}
		ro = json_pack("{si ss ss so}", "RegionID", r->id, "RegionCode", r->code ? r->code : "",
			       "RegionName", r->name ? r->name : "", "Nodes", nodes);
		if (r->avoid)
			json_object_set_new(ro, "Avoid", json_true());
		if (r->no_measure_no_home)
			json_object_set_new(ro, "NoMeasureNoHome", json_true());
		snprintf(id, sizeof(id), "%d", r->id);
		json_object_set_new(regions, id, ro);
	}
	return dm ? json_pack("{so}", "Regions", regions) : (json_decref(regions), NULL);
}

/* --- netcheck ------------------------------------------------------------------------ */

json_t *tn_backend_netcheck(struct tn_backend *b)
{
	const struct tn_netcheck_report *r = b->engine ? tn_engine_netcheck(b->engine) : NULL;
	json_t *lat, *o;
	char gv4[TN_TAILCFG_ADDRPORT_MAX] = "";

	if (!r)
		return NULL;
	lat = json_object();
	for (size_t i = 0; i < r->n_regions; i++) {
		char id[16];

		if (!r->regions[i].latency_ns)
			continue;
		snprintf(id, sizeof(id), "%d", r->regions[i].id);
		json_object_set_new(lat, id, json_integer((json_int_t)r->regions[i].latency_ns));
	}
	if (r->global_v4.family)
		tn_tailcfg_addrport_format(gv4, &r->global_v4);
	/* netcheck.Report's fields, as Go's CLI prints them. */
	o = json_pack("{sb sb sb sb sb sb sb so sb sn sb sb sb si sO sO ss ss sn}", "UDP", r->udp,
		      "IPv6", 0, "IPv4", r->udp, "IPv6CanSend", 0, "IPv4CanSend", r->udp,
		      "OSHasIPv6", 0, "ICMPv4", 0, "MappingVariesByDestIP",
		      r->udp ? json_boolean(r->mapping_varies) : json_null(), "HairPinning", 0,
		      "UPnP", "PMP", 0, "PCP", 0, "CaptivePortal", 0, "PreferredDERP", r->preferred,
		      "RegionLatency", lat, "RegionV4Latency", lat, "GlobalV4", gv4, "GlobalV6", "",
		      "RegionV6Latency");
	json_decref(lat);
	return o;
}

/* --- metrics ------------------------------------------------------------------------- */

char *tn_backend_metrics(struct tn_backend *b)
{
	struct tn_engine_stats es = { 0 };
	const struct tn_netmap *nm = netmap_of(b);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	if (b->engine)
		tn_engine_stats(b->engine, &es);
#define COUNTER(name, help, v)                                                               \
	fprintf(f, "# HELP tailnetd_" name " " help "\n# TYPE tailnetd_" name " counter\n"     \
		   "tailnetd_" name " %llu\n", (unsigned long long)(v))
#define GAUGE(name, help, v)                                                                 \
	fprintf(f, "# HELP tailnetd_" name " " help "\n# TYPE tailnetd_" name " gauge\n"       \
		   "tailnetd_" name " %llu\n", (unsigned long long)(v))
	GAUGE("backend_state", "IPN state (ipn.State numbering; 6 is Running)", tn_backend_state(b));
	GAUGE("peers", "peers in the netmap", nm ? nm->n_peers : 0);
	COUNTER("rx_packets_total", "packets from peers delivered", es.rx_packets);
	COUNTER("tx_packets_total", "packets sent to peers", es.tx_packets);
	COUNTER("derp_sent_total", "packets sent through DERP", es.derp_sent);
	COUNTER("derp_received_total", "packets received through DERP", es.derp_received);
	COUNTER("udp_sent_total", "packets sent directly over UDP", es.udp_sent);
	COUNTER("udp_received_total", "packets received directly over UDP", es.udp_received);
	COUNTER("dropped_packets_total", "packets dropped", es.drops);
	COUNTER("filter_dropped_inbound_total", "packets from peers the packet filter refused",
		es.filter_in_drops);
	COUNTER("filter_dropped_outbound_total", "packets to peers the packet filter refused",
		es.filter_out_drops);
	COUNTER("disco_pings_received_total", "disco pings from peers", es.disco_pings);
	COUNTER("disco_pings_sent_total", "disco pings to peers", es.disco_pings_sent);
	COUNTER("call_me_maybe_received_total", "CallMeMaybe messages from peers", es.call_me_maybe);
	COUNTER("control_reconnects_total", "reconnections to the control server",
		b->control ? tn_control_reconnects(b->control) : 0);
#undef COUNTER
#undef GAUGE
	fclose(f);
	return out;
}

/* netmap: a full map, then every delta kind, the merge rules of Go's
 * controlclient/map.go, change reporting, atomicity and malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "control/netmap.h"
#include "util/clock.h"

/* 64 hex digits of one repeated byte. */
#define H4(x) x x x x
#define H32(x) H4(x) H4(x) H4(x) H4(x) H4(x) H4(x) H4(x) H4(x)
#define NODEKEY(b) "\"nodekey:" H32(b) "\""
#define DISCOKEY(b) "\"discokey:" H32(b) "\""
#define MKEY(b) "\"mkey:" H32(b) "\""

#define PEER2 \
	"{\"ID\":2,\"StableID\":\"2\",\"Name\":\"two.tailnet.test.\",\"User\":1," \
	"\"Key\":" NODEKEY("02") ",\"Machine\":" MKEY("12") ",\"DiscoKey\":" DISCOKEY("22") "," \
	"\"Addresses\":[\"100.64.0.2/32\",\"fd7a:115c:a1e0::2/128\"]," \
	"\"AllowedIPs\":[\"10.20.0.0/16\",\"100.64.0.2/32\",\"fd7a:115c:a1e0::2/128\"]," \
	"\"PrimaryRoutes\":[\"10.20.0.0/16\"]," \
	"\"Endpoints\":[\"192.0.2.2:41641\",\"[2001:db8::2]:41641\"],\"HomeDERP\":900," \
	"\"Hostinfo\":{\"Hostname\":\"two\",\"OS\":\"linux\"},\"Cap\":113,\"Online\":true," \
	"\"MachineAuthorized\":true}"
#define PEER3 \
	"{\"ID\":3,\"StableID\":\"3\",\"Name\":\"three.tailnet.test.\",\"User\":2," \
	"\"Key\":" NODEKEY("03") ",\"DiscoKey\":" DISCOKEY("23") "," \
	"\"Addresses\":[\"100.64.0.3/32\",\"fd7a:115c:a1e0::3/128\"]," \
	"\"DERP\":\"127.3.3.40:901\",\"Hostinfo\":{\"Hostname\":\"three\",\"OS\":\"windows\"}," \
	"\"LastSeen\":\"2026-01-01T00:00:00Z\",\"Online\":false,\"Tags\":[\"tag:srv\"]}"
#define PEER5 \
	"{\"ID\":5,\"StableID\":\"5\",\"Name\":\"five.tailnet.test.\",\"User\":1," \
	"\"Key\":" NODEKEY("05") ",\"DiscoKey\":" DISCOKEY("25") "," \
	"\"KeyExpiry\":\"2030-01-01T00:00:00Z\"," \
	"\"Addresses\":[\"100.64.0.5/32\"],\"AllowedIPs\":null," \
	"\"HomeDERP\":900,\"DERP\":\"127.3.3.40:901\",\"CapMap\":{\"x\":[]}}"

static const char full_map[] =
	"{\"Node\":{\"ID\":1,\"StableID\":\"1\",\"Name\":\"self.tailnet.test.\",\"User\":1,"
	"\"Key\":" NODEKEY("01") ",\"Machine\":" MKEY("11") ",\"DiscoKey\":" DISCOKEY("21") ","
	"\"Addresses\":[\"100.64.0.1/32\",\"fd7a:115c:a1e0::1/128\"],"
	"\"Capabilities\":[\"old-cap\",\"https://tailscale.com/cap/ssh\"],"
	"\"CapMap\":{\"https://tailscale.com/cap/is-admin\":[],\"https://tailscale.com/cap/ssh\":[]},"
	"\"MachineAuthorized\":true},"
	"\"DERPMap\":{\"Regions\":{"
	"\"900\":{\"RegionID\":900,\"RegionCode\":\"a\",\"RegionName\":\"A\",\"Nodes\":[{\"Name\":\"900a\","
	"\"RegionID\":900,\"HostName\":\"derp.tailnet.test\",\"IPv4\":\"127.0.0.1\",\"STUNPort\":3478,"
	"\"DERPPort\":443,\"InsecureForTests\":true}]},"
	"\"901\":{\"RegionID\":901,\"RegionCode\":\"b\",\"RegionName\":\"B\",\"Nodes\":[]},"
	"\"902\":null}},"
	"\"Peers\":[" PEER5 "," PEER2 "," PEER3 "],"
	"\"DNSConfig\":{\"Resolvers\":[{\"Addr\":\"1.1.1.1\"}],\"Domains\":[\"tailnet.test\"],"
	"\"Proxied\":true,\"Routes\":{\"64.100.in-addr.arpa\":[]}},"
	"\"PacketFilters\":{\"base\":[{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\","
	"\"Ports\":{\"First\":0,\"Last\":65535}}]}]},"
	"\"UserProfiles\":[{\"ID\":1,\"LoginName\":\"alice\",\"DisplayName\":\"Alice\"},"
	"{\"ID\":2,\"LoginName\":\"bob\",\"DisplayName\":\"Bob\"}],"
	"\"Domain\":\"tailnet.test\",\"CollectServices\":false,\"SSHPolicy\":{\"rules\":[]},"
	"\"ControlTime\":\"2026-11-25T07:31:54.11720573Z\",\"Debug\":{\"SomethingNew\":1}}";

static int apply_c(struct tn_netmap *nm, const char *json,
		   struct tn_netmap_changes *c)
{
	char err[TN_TAILCFG_ERR_MAX];
	int rc = tn_netmap_apply(nm, json, strlen(json), c, err, sizeof(err));

	if (rc)
		fail_msg("apply: %s", err);
	return rc;
}

static void apply_ok(struct tn_netmap *nm, const char *json)
{
	struct tn_netmap_changes c;

	apply_c(nm, json, &c);
	tn_netmap_changes_free(&c);
}

static void apply_err(struct tn_netmap *nm, const char *json, const char *want)
{
	char err[TN_TAILCFG_ERR_MAX];
	struct tn_netmap_changes c;

	assert_int_equal(tn_netmap_apply(nm, json, strlen(json), &c, err, sizeof(err)),
			 -EBADMSG);
	if (strcmp(err, want))
		fail_msg("error \"%s\", want \"%s\" for %s", err, want, json);
	/* On failure the changes are empty but still safe to free. */
	assert_false(c.self || c.peers_full || c.n_peers_added || c.has_ping);
	tn_netmap_changes_free(&c);
}

static struct tn_netmap *loaded(void)
{
	struct tn_netmap *nm = tn_netmap_new();

	assert_non_null(nm);
	apply_ok(nm, full_map);
	return nm;
}

static void assert_ids(const int64_t *ids, size_t n, const int64_t *want,
		       size_t nwant)
{
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ids[i], want[i]);
}
#define IDS(...) ((const int64_t[]){ __VA_ARGS__ }), \
	(sizeof((const int64_t[]){ __VA_ARGS__ }) / sizeof(int64_t))

static void assert_sorted(const struct tn_netmap *nm)
{
	for (size_t i = 0; i < nm->n_peers; i++) {
		assert_ptr_equal(tn_netmap_peer(nm, nm->peers[i]->id), nm->peers[i]);
		if (i)
			assert_true(nm->peers[i - 1]->id < nm->peers[i]->id);
	}
}

/* A text summary of everything a failed apply must leave alone. */
static void fingerprint(const struct tn_netmap *nm, char *buf, size_t len)
{
	size_t n = 0;

	n += (size_t)snprintf(buf + n, len - n, "self=%s/%d users=%zu dom=%s f=%zu/%zu ",
			      nm->self ? nm->self->name : "-",
			      nm->self ? nm->self->home_derp : -1,
			      tn_netmap_user_count(nm), nm->domain, nm->n_filter,
			      nm->n_filter_chunks);
	n += (size_t)snprintf(buf + n, len - n, "derp=%zu dns=%zu ",
			      nm->derp_map ? nm->derp_map->n_regions : 0,
			      nm->dns ? nm->dns->n_resolvers : 0);
	for (size_t i = 0; i < nm->n_peers && n < len; i++) {
		const struct tn_tailcfg_node *p = nm->peers[i];

		n += (size_t)snprintf(buf + n, len - n, "[%lld %s d%d e%zu o%d k%02x ls%lld]",
				      (long long)p->id, p->name, p->home_derp,
				      p->n_endpoints, p->online, p->key[0],
				      (long long)p->last_seen);
	}
}

/* --- the full map --------------------------------------------------------- */

static void full_map_applied(void **state)
{
	struct tn_netmap *nm = tn_netmap_new();
	struct tn_netmap_changes c;
	const struct tn_tailcfg_node *p;
	const struct tn_tailcfg_user_profile *u;

	apply_c(nm, full_map, &c);
	assert_true(c.self && c.derp_map && c.filter && c.dns && c.domain &&
		    c.user_profiles && c.peers_full);
	assert_false(c.keepalive_only);
	assert_ids(c.peers_added, c.n_peers_added, IDS(2, 3, 5));
	assert_int_equal(c.n_peers_removed + c.n_peers_changed, 0);
	assert_int_equal(c.control_time, 1795591914117205730LL);
	tn_netmap_changes_free(&c);

	assert_string_equal(nm->self->name, "self.tailnet.test.");
	/* Self: the deprecated Capabilities merged into the CapMap names. */
	assert_int_equal(nm->self->n_cap_map, 3);
	assert_string_equal(nm->self->cap_map[0], "https://tailscale.com/cap/is-admin");
	assert_string_equal(nm->self->cap_map[1], "https://tailscale.com/cap/ssh");
	assert_string_equal(nm->self->cap_map[2], "old-cap");
	assert_int_equal(nm->self->n_allowed_ips, 2);

	/* Peers sorted by ID whatever the order sent. */
	assert_int_equal(nm->n_peers, 3);
	assert_sorted(nm);
	p = tn_netmap_peer(nm, 2);
	assert_non_null(p);
	assert_string_equal(p->hostname, "two");
	assert_int_equal(p->n_allowed_ips, 3);
	assert_int_equal(p->n_endpoints, 2);
	assert_int_equal(p->home_derp, 900);
	assert_int_equal(p->online, TN_TAILCFG_TRUE);
	assert_int_equal(p->key[0], 2);
	assert_int_equal(p->machine[0], 0x12);
	assert_null(tn_netmap_peer(nm, 4));

	assert_int_equal(nm->derp_map->n_regions, 2);
	assert_non_null(tn_tailcfg_derp_map_region(nm->derp_map, 900));
	assert_null(tn_tailcfg_derp_map_region(nm->derp_map, 902));
	assert_true(nm->dns->proxied);
	assert_string_equal(nm->dns->resolvers[0].addr, "1.1.1.1");
	assert_true(nm->filter_set);
	assert_int_equal(nm->n_filter, 1);
	assert_string_equal(nm->filter[0]->src_ips[0], "*");
	assert_string_equal(nm->domain, "tailnet.test");
	u = tn_netmap_user(nm, 2);
	assert_non_null(u);
	assert_string_equal(u->login_name, "bob");
	assert_int_equal(nm->control_time, 1795591914117205730LL);
	tn_netmap_free(nm);
}

static void allowed_ips_null_is_addresses(void **state)
{
	struct tn_netmap *nm = loaded();
	const struct tn_tailcfg_node *three = tn_netmap_peer(nm, 3);
	const struct tn_tailcfg_node *five = tn_netmap_peer(nm, 5);

	/* Missing (3) and null (5) AllowedIPs: a copy of Addresses. */
	assert_int_equal(three->n_allowed_ips, 2);
	assert_memory_equal(three->allowed_ips, three->addresses,
			    2 * sizeof(*three->addresses));
	assert_int_equal(five->n_allowed_ips, 1);
	assert_memory_equal(five->allowed_ips, five->addresses, sizeof(*five->addresses));
	/* An explicit empty list stays empty. */
	apply_ok(nm, "{\"PeersChanged\":[{\"ID\":5,\"Key\":" NODEKEY("05")
		 ",\"Addresses\":[\"100.64.0.5/32\"],\"AllowedIPs\":[]}]}");
	assert_int_equal(tn_netmap_peer(nm, 5)->n_addresses, 1);
	assert_int_equal(tn_netmap_peer(nm, 5)->n_allowed_ips, 0);
	tn_netmap_free(nm);
}

static void legacy_derp_field(void **state)
{
	struct tn_netmap *nm = loaded();

	/* DERP "127.3.3.40:901" with no HomeDERP → 901; HomeDERP wins. */
	assert_int_equal(tn_netmap_peer(nm, 3)->home_derp, 901);
	assert_int_equal(tn_netmap_peer(nm, 5)->home_derp, 900);
	/* Anything but the magic IP is ignored. */
	apply_ok(nm, "{\"PeersChanged\":[{\"ID\":3,\"DERP\":\"10.0.0.1:7\"},"
		 "{\"ID\":6,\"DERP\":\"127.3.3.40:x\"}]}");
	assert_int_equal(tn_netmap_peer(nm, 3)->home_derp, 0);
	assert_int_equal(tn_netmap_peer(nm, 6)->home_derp, 0);
	tn_netmap_free(nm);
}

/* --- peer deltas ---------------------------------------------------------- */

static void peers_full_replace(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	/* 3 dropped, 2 unchanged, 5 changed, 7 new; duplicates: last wins;
	 * other peer fields ignored next to a non-empty Peers. */
	apply_c(nm, "{\"Peers\":[" PEER2 ",{\"ID\":7,\"Name\":\"seven\"},"
		"{\"ID\":5,\"Name\":\"old\"},{\"ID\":5,\"Name\":\"new\"}],"
		"\"PeersRemoved\":[2],\"OnlineChange\":{\"7\":true},"
		"\"PeersChangedPatch\":[{\"NodeID\":2,\"DERPRegion\":1}]}", &c);
	assert_true(c.peers_full);
	assert_false(c.self || c.derp_map || c.filter || c.dns);
	assert_ids(c.peers_added, c.n_peers_added, IDS(7));
	assert_ids(c.peers_removed, c.n_peers_removed, IDS(3));
	assert_ids(c.peers_changed, c.n_peers_changed, IDS(5));
	tn_netmap_changes_free(&c);
	assert_int_equal(nm->n_peers, 3);
	assert_sorted(nm);
	assert_string_equal(tn_netmap_peer(nm, 5)->name, "new");
	assert_int_equal(tn_netmap_peer(nm, 2)->home_derp, 900);
	assert_int_equal(tn_netmap_peer(nm, 7)->online, TN_TAILCFG_UNSET);
	/* "Peers":[] is not a replacement: nothing happens. */
	apply_c(nm, "{\"Peers\":[]}", &c);
	assert_false(c.peers_full);
	assert_int_equal(nm->n_peers, 3);
	tn_netmap_changes_free(&c);
	tn_netmap_free(nm);
}

static void peers_changed_add_replace(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	apply_c(nm, "{\"PeersChanged\":[" PEER2 ",{\"ID\":4,\"Name\":\"four\","
		"\"Key\":" NODEKEY("04") "},{\"ID\":3,\"Name\":\"three-renamed\"}]}", &c);
	assert_false(c.peers_full);
	assert_ids(c.peers_added, c.n_peers_added, IDS(4));
	/* PEER2 is identical to what we had: not reported. */
	assert_ids(c.peers_changed, c.n_peers_changed, IDS(3));
	assert_int_equal(c.n_peers_removed, 0);
	tn_netmap_changes_free(&c);
	assert_int_equal(nm->n_peers, 4);
	assert_sorted(nm);
	/* A replacement is complete: the old Tags and LastSeen are gone. */
	assert_string_equal(tn_netmap_peer(nm, 3)->name, "three-renamed");
	assert_int_equal(tn_netmap_peer(nm, 3)->n_tags, 0);
	assert_int_equal(tn_netmap_peer(nm, 3)->last_seen, 0);
	assert_int_equal(tn_netmap_peer(nm, 4)->key[31], 4);
	tn_netmap_free(nm);
}

static void peers_removed(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	apply_c(nm, "{\"PeersRemoved\":[3,99]}", &c);
	assert_ids(c.peers_removed, c.n_peers_removed, IDS(3));
	assert_int_equal(c.n_peers_added + c.n_peers_changed, 0);
	tn_netmap_changes_free(&c);
	assert_int_equal(nm->n_peers, 2);
	assert_null(tn_netmap_peer(nm, 3));
	assert_sorted(nm);
	/* Removed then re-added in one message (Go: removals first). */
	apply_c(nm, "{\"PeersRemoved\":[2],\"PeersChanged\":[{\"ID\":2,\"Name\":\"again\"}]}", &c);
	assert_ids(c.peers_changed, c.n_peers_changed, IDS(2));
	assert_int_equal(c.n_peers_added + c.n_peers_removed, 0);
	tn_netmap_changes_free(&c);
	assert_string_equal(tn_netmap_peer(nm, 2)->name, "again");
	tn_netmap_free(nm);
}

static void peers_changed_patch(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;
	const struct tn_tailcfg_node *p;
	char text[TN_TAILCFG_ADDRPORT_MAX];

	apply_c(nm, "{\"PeersChangedPatch\":[{\"NodeID\":2,\"DERPRegion\":901,\"Cap\":120,"
		"\"Endpoints\":[\"198.51.100.9:1234\"],\"Key\":" NODEKEY("a2") ","
		"\"DiscoKey\":" DISCOKEY("b2") ",\"Online\":false,"
		"\"LastSeen\":\"2026-11-25T07:32:26Z\",\"KeyExpiry\":\"2031-01-01T00:00:00Z\","
		"\"CapMap\":{\"z\":[],\"y\":null},\"KeySignature\":\"AAEC\"},"
		"{\"NodeID\":42,\"Online\":true},"
		"{\"NodeID\":3,\"DERPRegion\":0,\"Cap\":0}]}", &c);
	/* Unknown 42 ignored; 3's zero DERPRegion/Cap mean "unchanged". */
	assert_ids(c.peers_changed, c.n_peers_changed, IDS(2));
	assert_int_equal(c.n_peers_added + c.n_peers_removed, 0);
	tn_netmap_changes_free(&c);
	p = tn_netmap_peer(nm, 2);
	assert_int_equal(p->home_derp, 901);
	assert_int_equal(p->cap, 120);
	assert_int_equal(p->n_endpoints, 1);
	tn_tailcfg_addrport_format(text, &p->endpoints[0]);
	assert_string_equal(text, "198.51.100.9:1234");
	assert_int_equal(p->key[0], 0xa2);
	assert_int_equal(p->disco_key[0], 0xb2);
	assert_int_equal(p->online, TN_TAILCFG_FALSE);
	assert_int_equal(p->last_seen, 1795591946000000000LL);
	assert_int_equal(p->key_expiry, 1924992000LL * 1000000000);
	assert_int_equal(p->n_cap_map, 2);
	assert_string_equal(p->cap_map[0], "y");
	/* Fields not in the patch are untouched. */
	assert_string_equal(p->name, "two.tailnet.test.");
	assert_int_equal(p->n_allowed_ips, 3);
	assert_int_equal(tn_netmap_peer(nm, 3)->home_derp, 901);
	assert_null(tn_netmap_peer(nm, 42));

	/* Endpoints [] clears them; null leaves them; the zero KeyExpiry clears
	 * the expiry (headscale's un-expire). */
	apply_ok(nm, "{\"PeersChangedPatch\":[{\"NodeID\":2,\"Endpoints\":null},"
		 "{\"NodeID\":5,\"Endpoints\":[],\"KeyExpiry\":\"0001-01-01T00:00:00Z\"}]}");
	assert_int_equal(tn_netmap_peer(nm, 2)->n_endpoints, 1);
	assert_int_equal(tn_netmap_peer(nm, 5)->n_endpoints, 0);
	assert_int_equal(tn_netmap_peer(nm, 5)->key_expiry, 0);
	/* A patch that changes nothing is not reported. */
	apply_c(nm, "{\"PeersChangedPatch\":[{\"NodeID\":2,\"DERPRegion\":901}]}", &c);
	assert_int_equal(c.n_peers_changed, 0);
	tn_netmap_changes_free(&c);
	tn_netmap_free(nm);
}

static void patch_stale_disco_dropped(void **state)
{
	struct tn_netmap *nm = loaded();

	/* Peer 3 is offline with LastSeen 2026-01-01.  Go drops a disco-key
	 * patch that says offline and is not newer... */
	apply_ok(nm, "{\"PeersChangedPatch\":[{\"NodeID\":3,\"DiscoKey\":" DISCOKEY("99") ","
		 "\"Online\":false,\"LastSeen\":\"2025-12-31T00:00:00Z\",\"DERPRegion\":7}]}");
	assert_int_equal(tn_netmap_peer(nm, 3)->disco_key[0], 0x23);
	assert_int_equal(tn_netmap_peer(nm, 3)->home_derp, 901);  /* whole patch */
	/* ...but takes a newer one. */
	apply_ok(nm, "{\"PeersChangedPatch\":[{\"NodeID\":3,\"DiscoKey\":" DISCOKEY("99") ","
		 "\"Online\":false,\"LastSeen\":\"2026-02-01T00:00:00Z\"}]}");
	assert_int_equal(tn_netmap_peer(nm, 3)->disco_key[0], 0x99);
	/* A full map with an older LastSeen and another disco key for this
	 * offline peer keeps the known key and LastSeen. */
	apply_ok(nm, "{\"Peers\":[{\"ID\":3,\"DiscoKey\":" DISCOKEY("77") ",\"Online\":false,"
		 "\"LastSeen\":\"2026-01-15T00:00:00Z\"}]}");
	assert_int_equal(tn_netmap_peer(nm, 3)->disco_key[0], 0x99);
	assert_int_equal(tn_netmap_peer(nm, 3)->last_seen, 1769904000LL * 1000000000);
	tn_netmap_free(nm);
}

static void online_change(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	apply_c(nm, "{\"OnlineChange\":{\"2\":false,\"3\":true,\"5\":false,\"77\":true}}", &c);
	assert_ids(c.peers_changed, c.n_peers_changed, IDS(2, 3, 5));
	tn_netmap_changes_free(&c);
	assert_int_equal(tn_netmap_peer(nm, 2)->online, TN_TAILCFG_FALSE);
	assert_int_equal(tn_netmap_peer(nm, 3)->online, TN_TAILCFG_TRUE);
	assert_int_equal(tn_netmap_peer(nm, 5)->online, TN_TAILCFG_FALSE);
	assert_null(tn_netmap_peer(nm, 77));
	tn_netmap_free(nm);
}

static void peer_seen_change(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	tn_clock_set_virtual(true, 5 * TN_NSEC_PER_SEC);
	apply_c(nm, "{\"PeerSeenChange\":{\"2\":true,\"3\":false}}", &c);
	assert_ids(c.peers_changed, c.n_peers_changed, IDS(2, 3));
	tn_netmap_changes_free(&c);
	/* true = now (wall clock), false = cleared. */
	assert_int_equal(tn_netmap_peer(nm, 2)->last_seen,
			 (1767225600LL + 5) * 1000000000);
	assert_int_equal(tn_netmap_peer(nm, 3)->last_seen, 0);
	tn_clock_set_virtual(false, 0);
	tn_netmap_free(nm);
}

static void many_peers_stay_sorted(void **state)
{
	struct tn_netmap *nm = loaded();
	char json[8192];
	size_t n = 0;

	/* 30 new peers in reverse order: the re-sort path. */
	n += (size_t)snprintf(json + n, sizeof(json) - n, "{\"PeersChanged\":[");
	for (int id = 60; id > 30; id--)
		n += (size_t)snprintf(json + n, sizeof(json) - n, "%s{\"ID\":%d}",
				      id == 60 ? "" : ",", id);
	snprintf(json + n, sizeof(json) - n, "]}");
	apply_ok(nm, json);
	assert_int_equal(nm->n_peers, 33);
	assert_sorted(nm);
	/* A few: the shifting path. */
	apply_ok(nm, "{\"PeersRemoved\":[40,2],\"PeersChanged\":[{\"ID\":4},{\"ID\":100},{\"ID\":1}]}");
	assert_int_equal(nm->n_peers, 34);
	assert_sorted(nm);
	assert_int_equal(nm->peers[0]->id, 1);
	assert_int_equal(nm->peers[33]->id, 100);
	tn_netmap_free(nm);
}

/* --- everything else ------------------------------------------------------ */

static void derp_map_rules(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	/* No Regions (only HomeParams): the old regions stay. */
	apply_c(nm, "{\"DERPMap\":{\"HomeParams\":{\"RegionScore\":{\"900\":2}},"
		"\"omitDefaultRegions\":true}}", &c);
	assert_false(c.derp_map);
	tn_netmap_changes_free(&c);
	assert_int_equal(nm->derp_map->n_regions, 2);
	assert_false(nm->derp_map->omit_default_regions);
	/* The same map again is not a change. */
	apply_c(nm, "{\"DERPMap\":{\"Regions\":{\"900\":{\"RegionID\":900,\"RegionCode\":\"a\","
		"\"RegionName\":\"A\",\"Nodes\":[{\"Name\":\"900a\",\"RegionID\":900,"
		"\"HostName\":\"derp.tailnet.test\",\"IPv4\":\"127.0.0.1\",\"STUNPort\":3478,"
		"\"DERPPort\":443,\"InsecureForTests\":true}]},\"901\":{\"RegionID\":901,"
		"\"RegionCode\":\"b\",\"RegionName\":\"B\"},\"5\":null}}}", &c);
	assert_false(c.derp_map);
	tn_netmap_changes_free(&c);
	/* A new Regions replaces them all; null regions are dropped. */
	apply_c(nm, "{\"DERPMap\":{\"Regions\":{\"7\":{\"RegionID\":7,\"Nodes\":[{\"Name\":\"7a\","
		"\"HostName\":\"x\"}]},\"900\":null}}}", &c);
	assert_true(c.derp_map);
	tn_netmap_changes_free(&c);
	assert_int_equal(nm->derp_map->n_regions, 1);
	assert_int_equal(nm->derp_map->regions[0].id, 7);
	/* DERPMap null or absent: unchanged. */
	apply_ok(nm, "{\"DERPMap\":null}");
	assert_int_equal(nm->derp_map->n_regions, 1);
	tn_netmap_free(nm);
}

static void packet_filter_chunks(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	/* Named chunks join in sorted name order. */
	apply_c(nm, "{\"PacketFilters\":{\"zz\":[{\"SrcIPs\":[\"3.3.3.3\"]}],"
		"\"aa\":[{\"SrcIPs\":[\"1.1.1.1\"]},{\"SrcIPs\":[\"2.2.2.2\"]}]}}", &c);
	assert_true(c.filter);
	tn_netmap_changes_free(&c);
	assert_int_equal(nm->n_filter_chunks, 3);
	assert_int_equal(nm->n_filter, 4);
	assert_string_equal(nm->filter[0]->src_ips[0], "1.1.1.1");
	assert_string_equal(nm->filter[1]->src_ips[0], "2.2.2.2");
	assert_string_equal(nm->filter[2]->src_ips[0], "*");       /* "base" */
	assert_string_equal(nm->filter[3]->src_ips[0], "3.3.3.3");
	/* null deletes a chunk; absent leaves the filter alone. */
	apply_ok(nm, "{\"PacketFilters\":{\"aa\":null}}");
	assert_int_equal(nm->n_filter, 2);
	apply_c(nm, "{\"Domain\":\"\"}", &c);
	assert_false(c.filter);
	assert_int_equal(nm->n_filter, 2);
	tn_netmap_changes_free(&c);
	/* The legacy PacketFilter is chunk "base". */
	apply_ok(nm, "{\"PacketFilter\":[{\"SrcIPs\":[\"4.4.4.4\"]}]}");
	assert_int_equal(nm->n_filter, 2);
	assert_string_equal(nm->filter[0]->src_ips[0], "4.4.4.4");
	/* "*":null clears all chunks (base too) before the others apply. */
	apply_ok(nm, "{\"PacketFilter\":[{\"SrcIPs\":[\"5.5.5.5\"]}],"
		 "\"PacketFilters\":{\"*\":null,\"new\":[{\"SrcIPs\":[\"6.6.6.6\"]}]}}");
	assert_int_equal(nm->n_filter_chunks, 1);
	assert_string_equal(nm->filter_chunks[0].name, "new");
	assert_int_equal(nm->n_filter, 1);
	assert_string_equal(nm->filter[0]->src_ips[0], "6.6.6.6");
	/* The same rules again: no change reported. */
	apply_c(nm, "{\"PacketFilters\":{\"new\":[{\"SrcIPs\":[\"6.6.6.6\"]}]}}", &c);
	assert_false(c.filter);
	tn_netmap_changes_free(&c);
	tn_netmap_free(nm);
}

static void empty_filter_denies_all(void **state)
{
	struct tn_netmap *nm = tn_netmap_new();
	struct tn_netmap_changes c;

	assert_false(nm->filter_set);
	apply_c(nm, "{\"PacketFilter\":[]}", &c);
	assert_true(c.filter);
	tn_netmap_changes_free(&c);
	/* Set, with no rules: block everything. */
	assert_true(nm->filter_set);
	assert_int_equal(nm->n_filter, 0);
	assert_int_equal(nm->n_filter_chunks, 1);
	tn_netmap_free(nm);

	nm = loaded();
	apply_ok(nm, "{\"PacketFilters\":{\"base\":[]}}");
	assert_true(nm->filter_set);
	assert_int_equal(nm->n_filter, 0);
	tn_netmap_free(nm);
}

static void dns_config_replaced(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	apply_c(nm, "{\"DNSConfig\":{\"Resolvers\":[{\"Addr\":\"1.1.1.1\"}],\"Domains\":"
		"[\"tailnet.test\"],\"Proxied\":true,\"Routes\":{\"64.100.in-addr.arpa\":[]}}}", &c);
	assert_false(c.dns);
	tn_netmap_changes_free(&c);
	apply_c(nm, "{\"DNSConfig\":{\"Resolvers\":[{\"Addr\":\"9.9.9.9\"}],"
		"\"ExtraRecords\":[{\"Name\":\"a.b\",\"Value\":\"100.64.0.9\"}]}}", &c);
	assert_true(c.dns);
	tn_netmap_changes_free(&c);
	assert_string_equal(nm->dns->resolvers[0].addr, "9.9.9.9");
	assert_false(nm->dns->proxied);   /* replaced as a whole, not merged */
	assert_int_equal(nm->dns->n_routes, 0);
	assert_string_equal(nm->dns->extra_records[0].type, "");
	apply_ok(nm, "{\"DNSConfig\":null}");
	assert_string_equal(nm->dns->resolvers[0].addr, "9.9.9.9");
	tn_netmap_free(nm);
}

static void user_profiles_and_domain(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	apply_c(nm, "{\"UserProfiles\":[{\"ID\":2,\"LoginName\":\"bob\",\"DisplayName\":\"Robert\","
		"\"Groups\":[\"g\"]},{\"ID\":3,\"LoginName\":\"carol\"}],\"Domain\":\"\"}", &c);
	assert_true(c.user_profiles);
	assert_false(c.domain);
	tn_netmap_changes_free(&c);
	assert_int_equal(tn_netmap_user_count(nm), 3);
	assert_string_equal(tn_netmap_user(nm, 1)->display_name, "Alice");   /* kept */
	assert_string_equal(tn_netmap_user(nm, 2)->display_name, "Robert");
	assert_string_equal(tn_netmap_user(nm, 2)->groups[0], "g");
	assert_string_equal(nm->domain, "tailnet.test");   /* "" = unchanged */
	apply_c(nm, "{\"Domain\":\"example.com\"}", &c);
	assert_true(c.domain);
	tn_netmap_changes_free(&c);
	assert_string_equal(nm->domain, "example.com");
	tn_netmap_free(nm);
}

static void self_node_updates(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	apply_c(nm, "{\"Node\":null}", &c);
	assert_false(c.self);
	tn_netmap_changes_free(&c);
	assert_string_equal(nm->self->name, "self.tailnet.test.");
	apply_c(nm, "{\"Node\":{\"ID\":1,\"Name\":\"renamed.\",\"HomeDERP\":901}}", &c);
	assert_true(c.self);
	tn_netmap_changes_free(&c);
	assert_string_equal(nm->self->name, "renamed.");
	assert_int_equal(nm->self->n_cap_map, 0);
	tn_netmap_free(nm);
}

static void keepalive_ping_popup(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;
	char before[4096], after[4096];

	fingerprint(nm, before, sizeof(before));
	/* KeepAlive: everything but PingRequest, PopBrowserURL, ControlTime is
	 * ignored. */
	apply_c(nm, "{\"KeepAlive\":true,\"PeersRemoved\":[2],\"Domain\":\"x\","
		"\"PingRequest\":{\"URL\":\"http://hs/machine/ping-response?id=1\","
		"\"URLIsNoise\":true,\"Log\":true,\"Types\":\"disco,TSMP\",\"IP\":\"100.64.0.2\","
		"\"Payload\":\"R0VUIC8=\"},\"PopBrowserURL\":\"http://hs/x\","
		"\"ControlTime\":\"2026-11-25T08:00:00Z\"}", &c);
	assert_true(c.keepalive_only);
	assert_true(c.has_ping);
	assert_string_equal(c.ping.url, "http://hs/machine/ping-response?id=1");
	assert_true(c.ping.url_is_noise);
	assert_true(c.ping.log);
	assert_string_equal(c.ping.types, "disco,TSMP");
	assert_int_equal(c.ping.ip.family, AF_INET);
	assert_int_equal(c.ping.ip.addr[3], 2);
	assert_int_equal(c.ping.payload_len, 5);
	assert_memory_equal(c.ping.payload, "GET /", 5);
	assert_string_equal(c.pop_browser_url, "http://hs/x");
	assert_int_equal(c.control_time, 1795593600LL * 1000000000);
	assert_int_equal(c.n_peers_removed, 0);
	tn_netmap_changes_free(&c);
	fingerprint(nm, after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(nm->control_time, 1795593600LL * 1000000000);

	/* Headscale's bare keep-alive. */
	apply_c(nm, "{\"KeepAlive\":true}", &c);
	assert_true(c.keepalive_only);
	assert_false(c.has_ping);
	assert_string_equal(c.pop_browser_url, "");
	tn_netmap_changes_free(&c);
	/* A PingRequest on a normal message is returned too (Types "" = HEAD). */
	apply_c(nm, "{\"PingRequest\":{\"URL\":\"http://hs/p\"},\"OnlineChange\":{\"2\":false}}", &c);
	assert_false(c.keepalive_only);
	assert_true(c.has_ping);
	assert_string_equal(c.ping.types, "");
	assert_int_equal(c.ping.ip.family, 0);
	assert_ids(c.peers_changed, c.n_peers_changed, IDS(2));
	tn_netmap_changes_free(&c);
	tn_netmap_free(nm);
}

static void new_session_starts_from_nothing(void **state)
{
	struct tn_netmap *nm = loaded();
	struct tn_netmap_changes c;

	apply_ok(nm, "{\"PacketFilters\":{\"old\":[{\"SrcIPs\":[\"9.9.9.9\"]}]}}");
	assert_int_equal(nm->n_filter_chunks, 2);

	/* Same stream: a message without Peers changes no peers. */
	apply_ok(nm, "{\"Domain\":\"tailnet.test\"}");
	assert_int_equal(nm->n_peers, 3);

	/* New stream; its first message (headscale, no peers left) carries
	 * no Peers: everything it does not mention is gone. */
	tn_netmap_session_start(nm);
	apply_c(nm, "{\"KeepAlive\":true}", &c);   /* keep-alives do not count */
	tn_netmap_changes_free(&c);
	assert_int_equal(nm->n_peers, 3);
	apply_c(nm, "{\"Node\":{\"ID\":1,\"Name\":\"self.tailnet.test.\"},"
		"\"PacketFilters\":{\"base\":[{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\","
		"\"Ports\":{\"First\":0,\"Last\":65535}}]}]},"
		"\"UserProfiles\":[{\"ID\":1,\"LoginName\":\"alice\"}],"
		"\"DERPMap\":{\"HomeParams\":{}}}", &c);
	assert_ids(c.peers_removed, c.n_peers_removed, IDS(2, 3, 5));
	assert_true(c.self && c.filter && c.user_profiles && c.derp_map && c.dns && c.domain);
	tn_netmap_changes_free(&c);
	assert_int_equal(nm->n_peers, 0);
	assert_int_equal(nm->n_filter_chunks, 1);       /* "old" did not survive */
	assert_string_equal(nm->filter_chunks[0].name, "base");
	assert_int_equal(tn_netmap_user_count(nm), 1);
	assert_null(tn_netmap_user(nm, 2));
	assert_int_equal(nm->derp_map->n_regions, 0);   /* no inherited regions */
	assert_null(nm->dns);
	assert_string_equal(nm->domain, "");

	/* Back to merging: the next message is a delta again. */
	apply_ok(nm, "{\"PeersChanged\":[{\"ID\":8}]}");
	apply_ok(nm, "{\"PeersChanged\":[{\"ID\":9}]}");
	assert_int_equal(nm->n_peers, 2);

	/* A fresh session whose first message has Peers and no filter. */
	tn_netmap_session_start(nm);
	apply_c(nm, "{\"Peers\":[{\"ID\":9}],\"PeersChanged\":[{\"ID\":10}]}", &c);
	assert_ids(c.peers_removed, c.n_peers_removed, IDS(8));
	assert_true(c.filter);
	tn_netmap_changes_free(&c);
	assert_false(nm->filter_set);
	assert_int_equal(nm->n_filter, 0);
	assert_int_equal(nm->n_peers, 1);
	tn_netmap_free(nm);
}

/* --- failure -------------------------------------------------------------- */

static void bad_delta_changes_nothing(void **state)
{
	static const char *const bad[] = {
		/* fails in PeersChanged, after Node/DERPMap/removals parsed */
		"{\"Node\":{\"ID\":1,\"Name\":\"evil.\"},\"DERPMap\":{\"Regions\":{}},"
		"\"PeersRemoved\":[2,3,5],\"PeersChanged\":[{\"ID\":9},{\"ID\":10,\"Key\":\"nodekey:00\"}]}",
		/* fails last, after every other part was prepared */
		"{\"Node\":{\"ID\":1,\"Name\":\"evil.\"},\"PeersRemoved\":[2],"
		"\"PeersChanged\":[{\"ID\":9}],\"OnlineChange\":{\"3\":true},"
		"\"PeerSeenChange\":{\"5\":false},"
		"\"PeersChangedPatch\":[{\"NodeID\":3,\"DERPRegion\":7,\"Endpoints\":[]}],"
		"\"DNSConfig\":{},\"PacketFilters\":{\"*\":null,\"x\":[]},"
		"\"PacketFilter\":[{\"SrcIPs\":[\"1.1.1.1\"]}],"
		"\"UserProfiles\":[{\"ID\":9}],\"Domain\":7}",
		/* a full list with a bad entry */
		"{\"Peers\":[{\"ID\":2},{\"ID\":3,\"Addresses\":[\"bad\"]}]}",
	};
	static const char *const errs[] = {
		"PeersChanged[1].Key: not a nodekey",
		"Domain: not a string",
		"Peers[1].Addresses[0]: not an IP prefix",
	};
	struct tn_netmap *nm = loaded();
	char before[4096], after[4096];

	fingerprint(nm, before, sizeof(before));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		apply_err(nm, bad[i], errs[i]);
		fingerprint(nm, after, sizeof(after));
		assert_string_equal(before, after);
		assert_sorted(nm);
	}
	assert_int_equal(tn_netmap_peer(nm, 3)->n_endpoints, 0);
	assert_int_equal(tn_netmap_peer(nm, 3)->home_derp, 901);
	assert_int_equal(nm->n_filter, 1);
	assert_null(tn_netmap_user(nm, 9));
	/* And it still works afterwards. */
	apply_ok(nm, "{\"PeersRemoved\":[2]}");
	assert_int_equal(nm->n_peers, 2);
	tn_netmap_free(nm);
}

static void malformed_rejected(void **state)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
		{ "[]", "MapResponse: not a JSON object" },
		{ "{\"KeepAlive\":\"yes\"}", "KeepAlive: not a boolean" },
		{ "{\"Node\":[]}", "Node: not an object" },
		{ "{\"Node\":{\"ID\":\"1\"}}", "Node.ID: not an integer" },
		{ "{\"Peers\":{}}", "Peers: not an array" },
		{ "{\"Peers\":[null]}", "Peers[0]: not an object" },
		{ "{\"Peers\":[{\"ID\":0}]}", "Peers[0].ID: must be positive" },
		{ "{\"PeersChanged\":[{\"ID\":-4}]}", "PeersChanged[0].ID: must be positive" },
		{ "{\"PeersChanged\":[{\"ID\":4,\"Endpoints\":[\"[::1]:80\",\"::1:80\"]}]}",
		  "PeersChanged[0].Endpoints[1]: not an ip:port" },
		{ "{\"PeersRemoved\":[1,\"2\"]}", "PeersRemoved[1]: not an integer" },
		{ "{\"PeersRemoved\":[1.5]}", "PeersRemoved[0]: not an integer" },
		{ "{\"PeersChangedPatch\":[{\"NodeID\":2,\"Online\":1}]}",
		  "PeersChangedPatch[0].Online: not a boolean" },
		{ "{\"PeersChangedPatch\":[{\"NodeID\":2,\"LastSeen\":\"now\"}]}",
		  "PeersChangedPatch[0].LastSeen: not an RFC 3339 time" },
		{ "{\"PeersChangedPatch\":[{\"NodeID\":2,\"DiscoKey\":" NODEKEY("01") "}]}",
		  "PeersChangedPatch[0].DiscoKey: not a discokey" },
		{ "{\"OnlineChange\":{\"two\":true}}", "OnlineChange[\"two\"]: not a node ID" },
		{ "{\"PeerSeenChange\":{\"2\":1}}", "PeerSeenChange[\"2\"]: not a boolean" },
		{ "{\"DERPMap\":{\"Regions\":[]}}", "DERPMap.Regions: not an object" },
		{ "{\"DERPMap\":{\"Regions\":{\"1\":{\"Nodes\":[{\"STUNOnly\":\"no\"}]}}}}",
		  "DERPMap.Regions[1].Nodes[0].STUNOnly: not a boolean" },
		{ "{\"DNSConfig\":{\"Resolvers\":[{\"Addr\":53}]}}",
		  "DNSConfig.Resolvers[0].Addr: not a string" },
		{ "{\"PacketFilter\":{}}", "PacketFilter: not an array" },
		{ "{\"PacketFilters\":{\"base\":[{\"SrcIPs\":\"*\"}]}}",
		  "PacketFilters[\"base\"][0].SrcIPs: not an array" },
		{ "{\"PacketFilters\":{\"b\":[{\"IPProto\":[\"tcp\"]}]}}",
		  "PacketFilters[\"b\"][0].IPProto[0]: not an integer" },
		{ "{\"UserProfiles\":[{\"ID\":1,\"Groups\":[1]}]}",
		  "UserProfiles[0].Groups[0]: not a string" },
		{ "{\"PingRequest\":{\"IP\":\"1.2.3\"}}", "PingRequest.IP: not an IP address" },
		{ "{\"PingRequest\":{\"Payload\":\"***\"}}", "PingRequest.Payload: not base64" },
		{ "{\"ControlTime\":5}", "ControlTime: not an RFC 3339 time" },
		{ "{\"PopBrowserURL\":true}", "PopBrowserURL: not a string" },
	};
	struct tn_netmap *nm = loaded();
	char err[TN_TAILCFG_ERR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		apply_err(nm, cases[i].json, cases[i].err);

	/* Not JSON at all, truncated, a NUL inside, trailing garbage. */
	assert_int_equal(tn_netmap_apply(nm, "{\"Peers\":[", 10, NULL, err, sizeof(err)),
			 -EBADMSG);
	assert_string_equal(err, "MapResponse: invalid JSON at byte 10");
	apply_err(nm, "{\"Domain\":tru}", "Domain: invalid JSON at line 1 column 3: invalid token near 'tru'");
	apply_err(nm, "{\"Peers\":[{\"ID\":9},{\"ID\":9,}]}",
		  "Peers[1]: invalid JSON: string or '}' expected near '}'");
	apply_err(nm, "{\"Peers\":[{\"ID\":9}],}", "MapResponse: invalid JSON at byte 20");
	apply_err(nm, "{\"Peers\":[{\"ID\":9},]}", "Peers: invalid JSON near byte 10 of the array");
	apply_err(nm, "{\"Domain\":\"x\"} x", "MapResponse: invalid JSON at byte 15");
	apply_err(nm, " 5", "MapResponse: not a JSON object");
	assert_int_equal(tn_netmap_apply(nm, "{\"Domain\":\"a\\u0000b\"}", 21, NULL, err,
					 sizeof(err)), -EBADMSG);
	assert_int_equal(tn_netmap_apply(nm, "{} {}", 5, NULL, err, sizeof(err)), -EBADMSG);
	assert_int_equal(tn_netmap_apply(nm, "", 0, NULL, err, sizeof(err)), -EBADMSG);
	/* Only len bytes are read: the object ends before the garbage. */
	assert_int_equal(tn_netmap_apply(nm, "{\"Domain\":\"z\"}garbage", 14, NULL, err,
					 sizeof(err)), 0);
	assert_string_equal(nm->domain, "z");
	/* Escaped keys are decoded as Go does; duplicate keys: the last wins. */
	apply_ok(nm, "{\"\\u0050eers\":[{\"ID\":77}],\"Domain\":\"a\",\"Dom\\u0061in\":\"b\"}");
	assert_int_equal(nm->n_peers, 1);
	assert_int_equal(nm->peers[0]->id, 77);
	assert_string_equal(nm->domain, "b");
	/* No err buffer is fine too. */
	assert_int_equal(tn_netmap_apply(nm, "nope", 4, NULL, NULL, 0), -EBADMSG);
	tn_netmap_free(nm);
}

static void limits_refused(void **state)
{
	struct tn_netmap *nm = tn_netmap_new();
	char err[TN_TAILCFG_ERR_MAX];
	size_t n = TN_NETMAP_MAX_PEERS + 1, len = 0;
	/* Never touched: the size is refused before any byte is read. */
	char *huge = malloc(TN_NETMAP_MAX_JSON + 1);
	char *json;

	assert_non_null(huge);
	assert_int_equal(tn_netmap_apply(nm, huge, TN_NETMAP_MAX_JSON + 1, NULL, err,
					 sizeof(err)), -EBADMSG);
	assert_string_equal(err, "MapResponse: 67108865 bytes exceed the limit of 67108864");
	free(huge);

	json = malloc(32 + 2 * n);
	assert_non_null(json);
	len += (size_t)sprintf(json, "{\"PeersRemoved\":[");
	for (size_t i = 0; i < n; i++) {
		json[len++] = '0';
		json[len++] = ',';
	}
	json[len - 1] = ']';
	json[len++] = '}';
	assert_int_equal(tn_netmap_apply(nm, json, len, NULL, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "PeersRemoved: 1000001 entries exceed the limit of 1000000");
	free(json);
	tn_netmap_free(nm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_map_applied),
		cmocka_unit_test(allowed_ips_null_is_addresses),
		cmocka_unit_test(legacy_derp_field),
		cmocka_unit_test(peers_full_replace),
		cmocka_unit_test(peers_changed_add_replace),
		cmocka_unit_test(peers_removed),
		cmocka_unit_test(peers_changed_patch),
		cmocka_unit_test(patch_stale_disco_dropped),
		cmocka_unit_test(online_change),
		cmocka_unit_test(peer_seen_change),
		cmocka_unit_test(many_peers_stay_sorted),
		cmocka_unit_test(derp_map_rules),
		cmocka_unit_test(packet_filter_chunks),
		cmocka_unit_test(empty_filter_denies_all),
		cmocka_unit_test(dns_config_replaced),
		cmocka_unit_test(user_profiles_and_domain),
		cmocka_unit_test(self_node_updates),
		cmocka_unit_test(keepalive_ping_popup),
		cmocka_unit_test(new_session_starts_from_nothing),
		cmocka_unit_test(bad_delta_changes_nothing),
		cmocka_unit_test(malformed_rejected),
		cmocka_unit_test(limits_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

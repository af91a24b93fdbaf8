/* Prefs: what the user asked the node to be (want-running, control URL,
 * hostname, accept-routes/dns, advertised routes, exit node, shields-up,
 * operator, ...), in tailscaled's ipn.Prefs JSON shape so that the
 * LocalAPI serves and accepts the same documents as tailscaled's.
 *
 * The prefs file (<statedir>/prefs) is that JSON plus the profile we last
 * logged in as; it is written atomically (0600) and a malformed one is an
 * error naming the file, never silently replaced.  No private key is ever
 * part of prefs: keys live in the keys file (ipn/store.h).
 *
 * Plain data; the caller owns a struct tn_prefs and frees it with
 * tn_prefs_clear.  Any thread.
 */
#ifndef TN_IPN_PREFS_H
#define TN_IPN_PREFS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/tailcfg.h"

#define TN_PREFS_FILE "prefs"
#define TN_PREFS_MAX_ROUTES 256
#define TN_PREFS_MAX_TAGS 64
/* Go's NetfilterMode values (preftype.NetfilterMode). */
#define TN_PREFS_NETFILTER_OFF 0
#define TN_PREFS_NETFILTER_NODIVERT 1
#define TN_PREFS_NETFILTER_ON 2

struct tn_prefs {
	char *control_url;
	bool route_all;              /* --accept-routes */
	char *exit_node_id;          /* StableNodeID or "" */
	char *exit_node_ip;          /* IP text or "" */
	bool exit_node_allow_lan_access;
	bool corp_dns;               /* --accept-dns */
	bool run_ssh;
	bool want_running;
	bool logged_out;
	bool shields_up;
	char **advertise_tags;
	size_t n_advertise_tags;
	char *hostname;
	struct tn_tailcfg_prefix *advertise_routes;
	size_t n_advertise_routes;
	bool no_snat;
	int netfilter_mode;
	char *operator_user;
	/* Persist, minus keys: who we are logged in as. */
	int64_t node_id_num;
	char *node_id;               /* StableNodeID */
	char *login_name;
	char *display_name;
	int64_t user_id;
};

/* Which fields a MaskedPrefs (PATCH /localapi/v0/prefs) sets. */
enum tn_prefs_field {
	TN_PREF_CONTROL_URL = 1u << 0,
	TN_PREF_ROUTE_ALL = 1u << 1,
	TN_PREF_EXIT_NODE_ID = 1u << 2,
	TN_PREF_EXIT_NODE_IP = 1u << 3,
	TN_PREF_EXIT_NODE_ALLOW_LAN = 1u << 4,
	TN_PREF_CORP_DNS = 1u << 5,
	TN_PREF_RUN_SSH = 1u << 6,
	TN_PREF_WANT_RUNNING = 1u << 7,
	TN_PREF_LOGGED_OUT = 1u << 8,
	TN_PREF_SHIELDS_UP = 1u << 9,
	TN_PREF_ADVERTISE_TAGS = 1u << 10,
	TN_PREF_HOSTNAME = 1u << 11,
	TN_PREF_ADVERTISE_ROUTES = 1u << 12,
	TN_PREF_NO_SNAT = 1u << 13,
	TN_PREF_NETFILTER_MODE = 1u << 14,
	TN_PREF_OPERATOR_USER = 1u << 15,
};

/* tailscaled's defaults for a new node (ipn.NewPrefs): control URL
 * https://controlplane.tailscale.com, accept-dns on, netfilter on,
 * not running. */
int tn_prefs_init_default(struct tn_prefs *p);
void tn_prefs_clear(struct tn_prefs *p);
int tn_prefs_copy(struct tn_prefs *dst, const struct tn_prefs *src);
bool tn_prefs_equal(const struct tn_prefs *a, const struct tn_prefs *b);

/* The ipn.Prefs JSON object (without private keys). */
json_t *tn_prefs_to_json(const struct tn_prefs *p);

/* Reads the Prefs fields present in obj into *p (fields absent keep their
 * value).  With mask non-NULL, obj is a MaskedPrefs: only fields whose
 * "<Name>Set" is true are read, and *mask gets which.  Returns 0 or
 * -EINVAL with err naming the field ("AdvertiseRoutes: 10.0.0.1/33 is not
 * a prefix"). */
int tn_prefs_from_json(struct tn_prefs *p, const json_t *obj, unsigned *mask, char *err,
		       size_t errlen);

/* The prefs file: parse (untrusted text[0..len)) and format. */
int tn_prefs_parse(struct tn_prefs *p, const char *text, size_t len, char *err, size_t errlen);
char *tn_prefs_format(const struct tn_prefs *p);

#endif

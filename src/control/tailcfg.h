/* tailcfg: the control protocol's JSON types as C structures (Go's
 * tailscale.com/tailcfg), parsed from and written to JSON.  protocol.md
 * sections 3, 4, 5, 6.3, 10.3, 11 and 12.
 *
 * Parsed types (Node, DERPMap, DNSConfig, FilterRule, UserProfile,
 * PeerChange, PingRequest, RegisterResponse) are filled from Jansson
 * values of an untrusted MapResponse or RegisterResponse; the netmap
 * (control/netmap.h) owns them afterwards.  Go's decoding rules are kept:
 * unknown fields are ignored, JSON null and an absent field both mean the
 * zero value, a value of the wrong JSON type is an error that names the
 * field.  Field names are matched exactly (Go also matches them
 * case-insensitively; no server relies on that).
 *
 * Strings in parsed structures are never NULL: an absent or empty string
 * is "" (a shared constant; free through the _free functions only).
 * Arrays are (pointer, count) pairs, the pointer NULL when the count is 0.
 * Times are Unix nanoseconds, 0 meaning Go's zero time ("none"); times
 * outside int64 nanoseconds (before 1678 or after 2262) are clamped, and
 * 1970-01-01T00:00:00Z itself reads as 1 ns so that it is not "none".
 * Differences from Go's decoder, all on input no server sends: a NUL
 * (\u0000) in a string and invalid UTF-8 are refused (Go accepts them),
 * and a null element of Peers/PeersChanged/PeersChangedPatch is an error
 * (Go crashes on it).
 *
 * The request builders write the exact JSON Go's encoding/json writes for
 * the same struct (field order, omitempty, opt.Bool, key text forms,
 * netip text forms, RFC 3339 times).  They never log; the RegisterRequest
 * text holds the auth key, so release it with tn_tailcfg_secret_free().
 *
 * Ownership: the caller owns what it passes to a _free function.  Not
 * thread-safe by itself; the control-plane thread owns all of it.
 */
#ifndef TN_CONTROL_TAILCFG_H
#define TN_CONTROL_TAILCFG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/keys.h"

/* Error messages: "<field path>: <problem>", e.g.
 * "PeersChanged[3].Key: not a nodekey". */
#define TN_TAILCFG_ERR_MAX 256

/* Go's tailcfg.DerpMagicIP: Node.DERP is "127.3.3.40:<region>". */
#define TN_TAILCFG_DERP_MAGIC_IP "127.3.3.40"

/* An IP address (netip.Addr) as parsed or written: family AF_INET or
 * AF_INET6, network order, 4 bytes used for AF_INET. */
struct tn_tailcfg_ip {
	uint8_t family;
	uint8_t addr[16];
};

/* netip.Prefix: "100.64.0.1/32", "fd7a:115c:a1e0::1/128".  Host bits are
 * kept as written (Go does not mask them either). */
struct tn_tailcfg_prefix {
	uint8_t family;
	uint8_t bits;
	uint8_t addr[16];
};

/* netip.AddrPort: "1.2.3.4:41641" or "[2001:db8::1]:41641".  A zone
 * ("[fe80::1%eth0]:1") is accepted and dropped. */
struct tn_tailcfg_addrport {
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

/* Pointer-to-bool fields (*bool, Node.Online) and opt.Bool. */
enum tn_tailcfg_optbool {
	TN_TAILCFG_UNSET = 0,
	TN_TAILCFG_FALSE,
	TN_TAILCFG_TRUE,
};

/* tailcfg.Node (protocol.md section 5), after Go's upgradeNode: legacy
 * DERP "127.3.3.40:N" folded into home_derp, a null AllowedIPs filled in
 * from Addresses; for the self node, the names of the deprecated
 * Capabilities list are merged into cap_map. */
struct tn_tailcfg_node {
	int64_t id;
	char *stable_id;
	char *name;                /* MagicDNS FQDN with trailing dot */
	int64_t user;
	int64_t sharer;
	uint8_t key[TN_KEY_LEN];   /* WireGuard / DERP identity */
	int64_t key_expiry;        /* 0: does not expire */
	uint8_t machine[TN_KEY_LEN];
	uint8_t disco_key[TN_KEY_LEN];
	struct tn_tailcfg_prefix *addresses;
	size_t n_addresses;
	struct tn_tailcfg_prefix *allowed_ips;
	size_t n_allowed_ips;
	struct tn_tailcfg_addrport *endpoints;
	size_t n_endpoints;
	int home_derp;             /* 0: none */
	char *hostinfo;            /* the Hostinfo object's JSON text as sent,
				    * "" when absent */
	size_t hostinfo_len;
	char *hostname;            /* Hostinfo.Hostname */
	char *os;                  /* Hostinfo.OS */
	int64_t created;
	int cap;                   /* capability version, 0 if not sent */
	char **tags;
	size_t n_tags;
	struct tn_tailcfg_prefix *primary_routes;
	size_t n_primary_routes;
	int64_t last_seen;         /* 0: not set */
	enum tn_tailcfg_optbool online;
	bool machine_authorized;
	bool expired;
	bool unsigned_peer_api_only;
	bool is_wireguard_only;
	bool is_jailed;
	char **cap_map;            /* CapMap keys, sorted, no duplicates */
	size_t n_cap_map;
};

/* tailcfg.UserProfile. */
struct tn_tailcfg_user_profile {
	int64_t id;
	char *login_name;
	char *display_name;
	char *profile_pic_url;
	char **groups;
	size_t n_groups;
};

/* tailcfg.DERPNode.  stun_port 0 means 3478 and -1 no STUN; derp_port 0
 * means 443; ipv4/ipv6 are kept as text ("" = resolve host_name,
 * "none" = disabled). */
struct tn_tailcfg_derp_node {
	char *name;
	int region_id;
	char *host_name;
	char *cert_name;
	char *ipv4;
	char *ipv6;
	int stun_port;
	bool stun_only;
	int derp_port;
	bool insecure_for_tests;
	char *stun_test_ip;
	bool can_port80;
};

/* tailcfg.DERPRegion; id is the Regions map key. */
struct tn_tailcfg_derp_region {
	int id;
	int region_id;             /* the RegionID field as sent */
	char *code;
	char *name;
	double latitude;
	double longitude;
	bool avoid;
	bool no_measure_no_home;
	struct tn_tailcfg_derp_node *nodes;
	size_t n_nodes;
};

/* tailcfg.DERPMap without HomeParams; regions sorted by id, null regions
 * dropped. */
struct tn_tailcfg_derp_map {
	struct tn_tailcfg_derp_region *regions;
	size_t n_regions;
	bool omit_default_regions;
};

/* dnstype.Resolver. */
struct tn_tailcfg_dns_resolver {
	char *addr;                /* IP, IP:port or https:// URL */
	struct tn_tailcfg_ip *bootstrap;
	size_t n_bootstrap;
	bool use_with_exit_node;
};

/* One DNSConfig.Routes entry: an empty resolver list means "answer with
 * quad-100". */
struct tn_tailcfg_dns_route {
	char *suffix;
	struct tn_tailcfg_dns_resolver *resolvers;
	size_t n_resolvers;
};

/* tailcfg.DNSRecord. */
struct tn_tailcfg_dns_record {
	char *name;
	char *type;                /* "" means A or AAAA by value */
	char *value;
};

/* tailcfg.DNSConfig (protocol.md section 10.3); routes sorted by suffix. */
struct tn_tailcfg_dns_config {
	struct tn_tailcfg_dns_resolver *resolvers;
	size_t n_resolvers;
	struct tn_tailcfg_dns_route *routes;
	size_t n_routes;
	struct tn_tailcfg_dns_resolver *fallback_resolvers;
	size_t n_fallback_resolvers;
	char **domains;
	size_t n_domains;
	bool proxied;              /* MagicDNS on */
	struct tn_tailcfg_dns_record *extra_records;
	size_t n_extra_records;
	char **cert_domains;
	size_t n_cert_domains;
};

/* tailcfg.NetPortRange; ip as sent ("*", IP, CIDR, range A-B).  A
 * missing Ports object is 0-0, as in Go. */
struct tn_tailcfg_net_port_range {
	char *ip;
	uint16_t first;
	uint16_t last;
};

/* tailcfg.FilterRule (protocol.md section 11), uncompiled: the filter
 * module turns the strings into prefixes.  cap_grant holds the raw
 * CapGrant array when present (not interpreted yet). */
struct tn_tailcfg_filter_rule {
	char **src_ips;
	size_t n_src_ips;
	struct tn_tailcfg_net_port_range *dst_ports;
	size_t n_dst_ports;
	int *ip_proto;             /* empty: TCP, UDP, ICMPv4, ICMPv6 */
	size_t n_ip_proto;
	bool has_cap_grant;
	json_t *cap_grant;
	bool legacy_bits;          /* SrcBits or DstPorts[].Bits present;
				    * Go's filter refuses such rules */
};

/* tailcfg.PingRequest, handed to the caller by tn_netmap_apply. */
struct tn_tailcfg_ping_request {
	char *url;
	bool url_is_noise;
	bool log;
	char *types;               /* "" = HTTP HEAD to url */
	struct tn_tailcfg_ip ip;   /* family 0 when absent */
	uint8_t *payload;
	size_t payload_len;
};

/* tailcfg.PeerChange: each has_ flag says the field was present. */
struct tn_tailcfg_peer_change {
	int64_t node_id;
	int derp_region;           /* 0: unchanged */
	int cap;                   /* 0: unchanged */
	bool has_cap_map;
	char **cap_map;
	size_t n_cap_map;
	bool has_endpoints;
	struct tn_tailcfg_addrport *endpoints;
	size_t n_endpoints;
	bool has_key;
	uint8_t key[TN_KEY_LEN];
	bool has_disco_key;
	uint8_t disco_key[TN_KEY_LEN];
	enum tn_tailcfg_optbool online;
	bool has_last_seen;
	int64_t last_seen;
	bool has_key_expiry;
	int64_t key_expiry;
};

/* --- parsing (from Jansson values) --------------------------------------
 *
 * Each parser fills *out (zeroed first) from v and returns 0, or
 * -EBADMSG / -ENOMEM with err[0..errlen) holding the message (the path is
 * relative to v, e.g. "Key: not a nodekey") and *out left empty.  A JSON
 * null v gives the empty value. */

int tn_tailcfg_node_parse(struct tn_tailcfg_node *out, json_t *v,
			  char *err, size_t errlen);
void tn_tailcfg_node_free(struct tn_tailcfg_node *n);
bool tn_tailcfg_node_equal(const struct tn_tailcfg_node *a,
			   const struct tn_tailcfg_node *b);

int tn_tailcfg_derp_map_parse(struct tn_tailcfg_derp_map *out, json_t *v,
			      char *err, size_t errlen);
void tn_tailcfg_derp_map_free(struct tn_tailcfg_derp_map *m);
/* A deep copy of src into dst (for holders that outlive the netmap).  0 or
 * -ENOMEM (dst then holds nothing). */
int tn_tailcfg_derp_map_copy(struct tn_tailcfg_derp_map *dst, const struct tn_tailcfg_derp_map *src);
bool tn_tailcfg_derp_map_equal(const struct tn_tailcfg_derp_map *a,
			       const struct tn_tailcfg_derp_map *b);
/* The region with map key id, or NULL. */
const struct tn_tailcfg_derp_region *
tn_tailcfg_derp_map_region(const struct tn_tailcfg_derp_map *m, int id);

int tn_tailcfg_dns_config_parse(struct tn_tailcfg_dns_config *out, json_t *v,
				char *err, size_t errlen);
void tn_tailcfg_dns_config_free(struct tn_tailcfg_dns_config *c);
bool tn_tailcfg_dns_config_equal(const struct tn_tailcfg_dns_config *a,
				 const struct tn_tailcfg_dns_config *b);

/* A []FilterRule array; *out NULL and *n 0 for an empty array. */
int tn_tailcfg_filter_rules_parse(struct tn_tailcfg_filter_rule **out,
				  size_t *n, json_t *v, char *err,
				  size_t errlen);
void tn_tailcfg_filter_rules_free(struct tn_tailcfg_filter_rule *rules,
				  size_t n);
bool tn_tailcfg_filter_rule_equal(const struct tn_tailcfg_filter_rule *a,
				  const struct tn_tailcfg_filter_rule *b);

int tn_tailcfg_user_profile_parse(struct tn_tailcfg_user_profile *out,
				  json_t *v, char *err, size_t errlen);
void tn_tailcfg_user_profile_free(struct tn_tailcfg_user_profile *p);
bool tn_tailcfg_user_profile_equal(const struct tn_tailcfg_user_profile *a,
				   const struct tn_tailcfg_user_profile *b);

int tn_tailcfg_peer_change_parse(struct tn_tailcfg_peer_change *out,
				 json_t *v, char *err, size_t errlen);
void tn_tailcfg_peer_change_free(struct tn_tailcfg_peer_change *c);

int tn_tailcfg_ping_request_parse(struct tn_tailcfg_ping_request *out,
				  json_t *v, char *err, size_t errlen);
void tn_tailcfg_ping_request_free(struct tn_tailcfg_ping_request *p);

/* --- text forms ---------------------------------------------------------- */

/* Parse text[0..len) (no NUL needed).  Return 0 or -EINVAL. */
int tn_tailcfg_ip_parse(struct tn_tailcfg_ip *out, const char *text,
			size_t len);
int tn_tailcfg_prefix_parse(struct tn_tailcfg_prefix *out, const char *text,
			    size_t len);
int tn_tailcfg_addrport_parse(struct tn_tailcfg_addrport *out,
			      const char *text, size_t len);
/* RFC 3339 as Go's time.Time accepts it; the zero time gives 0. */
int tn_tailcfg_time_parse(int64_t *out_ns, const char *text, size_t len);

/* Go's netip text forms (RFC 5952 IPv6, "::ffff:1.2.3.4" for 4in6).
 * Write a NUL-terminated string to out (TN_TAILCFG_ADDRPORT_MAX bytes
 * suffice for all three) and return its length. */
#define TN_TAILCFG_ADDRPORT_MAX 56
size_t tn_tailcfg_ip_format(char *out, const struct tn_tailcfg_ip *ip);
size_t tn_tailcfg_prefix_format(char *out, const struct tn_tailcfg_prefix *p);
size_t tn_tailcfg_addrport_format(char *out,
				  const struct tn_tailcfg_addrport *ap);
/* Go's time.Time MarshalJSON body (RFC 3339 with trimmed nanoseconds, UTC);
 * 0 gives "0001-01-01T00:00:00Z".  out holds TN_TAILCFG_TIME_MAX bytes. */
#define TN_TAILCFG_TIME_MAX 40
size_t tn_tailcfg_time_format(char *out, int64_t ns);

/* --- requests (builders) -------------------------------------------------- */

/* One NetInfo.DERPLatency entry: key "<region>-v4" / "-v6", seconds. */
struct tn_tailcfg_derp_latency {
	const char *key;
	double seconds;
};

/* The Hostinfo a minimal client sends (protocol.md section 12).  NULL
 * strings and zero values are omitted, as Go's omitzero does; os NULL
 * means "linux". */
struct tn_tailcfg_hostinfo {
	const char *ipn_version;
	const char *backend_log_id;
	const char *os;
	const char *os_version;
	const char *hostname;
	bool shields_up;
	const struct tn_tailcfg_prefix *routable_ips;
	size_t n_routable_ips;
	const char *const *request_tags;
	size_t n_request_tags;
	bool has_net_info;
	struct {
		enum tn_tailcfg_optbool working_ipv6;
		enum tn_tailcfg_optbool working_udp;
		int preferred_derp;
		const struct tn_tailcfg_derp_latency *derp_latency;
		size_t n_derp_latency;     /* written sorted by key */
	} net_info;
	enum tn_tailcfg_optbool userspace;
};

/* tailcfg.RegisterRequest.  auth_key NULL or "" omits Auth; expiry 0 is
 * Go's zero time ("no request"); TN_TAILCFG_LOGOUT_EXPIRY asks for logout. */
#define TN_TAILCFG_LOGOUT_EXPIRY (123 * (int64_t)1000000000)
struct tn_tailcfg_register_request {
	int version;
	uint8_t node_key[TN_KEY_LEN];
	uint8_t old_node_key[TN_KEY_LEN];   /* zero when not rotating */
	const uint8_t *nl_key;              /* NULL: written as zero nlpub */
	const char *auth_key;               /* secret */
	int64_t expiry;
	const char *followup;               /* NULL = "" */
	const struct tn_tailcfg_hostinfo *hostinfo;   /* NULL: null */
	bool ephemeral;
};

/* tailcfg.EndpointType values for MapRequest.EndpointTypes. */
enum tn_tailcfg_endpoint_type {
	TN_TAILCFG_EP_UNKNOWN = 0,
	TN_TAILCFG_EP_LOCAL = 1,
	TN_TAILCFG_EP_STUN = 2,
	TN_TAILCFG_EP_PORTMAPPED = 3,
	TN_TAILCFG_EP_STUN4LOCALPORT = 4,
	TN_TAILCFG_EP_EXPLICIT = 5,
};

/* tailcfg.MapRequest; Compress is never sent (plain JSON responses). */
struct tn_tailcfg_map_request {
	int version;
	bool keep_alive;
	uint8_t node_key[TN_KEY_LEN];
	uint8_t disco_key[TN_KEY_LEN];
	bool stream;
	const struct tn_tailcfg_hostinfo *hostinfo;   /* NULL: null */
	const struct tn_tailcfg_addrport *endpoints;
	const enum tn_tailcfg_endpoint_type *endpoint_types; /* n_endpoints */
	size_t n_endpoints;
	bool omit_peers;
};

/* Each returns a NUL-terminated JSON text (*out, length *outlen) that the
 * caller frees with tn_tailcfg_secret_free(), or -ENOMEM / -EINVAL. */
int tn_tailcfg_register_request_json(const struct tn_tailcfg_register_request *r,
				     char **out, size_t *outlen);
int tn_tailcfg_map_request_json(const struct tn_tailcfg_map_request *r,
				char **out, size_t *outlen);
int tn_tailcfg_hostinfo_json(const struct tn_tailcfg_hostinfo *h,
			     char **out, size_t *outlen);
/* Wipes and frees a builder's output (NULL is fine). */
void tn_tailcfg_secret_free(char *s, size_t len);

/* tailcfg.RegisterResponse (protocol.md section 3.2). */
struct tn_tailcfg_register_response {
	struct {
		int64_t id;
		char *display_name;
		char *profile_pic_url;
		int64_t created;
	} user;
	struct {
		int64_t id;
		char *provider;
		char *login_name;
		char *display_name;
		char *profile_pic_url;
	} login;
	bool node_key_expired;
	bool machine_authorized;
	char *auth_url;            /* non-empty: authorisation pending */
	uint8_t *node_key_signature;
	size_t node_key_signature_len;
	char *error;               /* non-empty: failed, ignore the rest */
};

/* Parses json[0..len) (untrusted).  Returns 0, -EBADMSG with err set, or
 * -ENOMEM; *out is empty on failure. */
int tn_tailcfg_register_response_parse(struct tn_tailcfg_register_response *out,
				       const char *json, size_t len,
				       char *err, size_t errlen);
void tn_tailcfg_register_response_free(struct tn_tailcfg_register_response *r);

#endif

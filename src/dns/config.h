/* From the netmap to what MagicDNS and the OS get, in Go's two steps:
 *
 *  1. tn_dns_config_new: ipn/ipnlocal dnsConfigForNetmap — hosts (self
 *     and peer names, ExtraRecords), the default resolvers, the routes
 *     (the MagicDNS zones with no resolvers when Proxied, then the split
 *     routes), search domains.  Built as with accept-dns on; the compile
 *     step drops what accept-dns off leaves out.
 *  2. tn_dns_compile: net/dns Manager.compileConfig for Linux — what
 *     quad-100 answers itself (hosts, authoritative "local" domains) and
 *     forwards (routes with resolvers), and what the OS is told: the
 *     nameservers (quad-100, or the resolvers themselves when nothing
 *     needs quad-100), search and match domains.  An OS that cannot do
 *     split DNS (resolv.conf written directly) gives quad-100 its old
 *     nameservers as the "." route.
 *
 * Names are lower-case FQDNs with a trailing dot ("n1.tailnet.test.");
 * "." is the root.  FallbackResolvers are not used: Go uses them only
 * with an exit node.
 *
 * Ownership: a tn_dns_config owns all it holds; a tn_dns_compiled
 * borrows from the tn_dns_config it was compiled from (free it first) and
 * owns its os part.  Any thread, no shared state.
 */
#ifndef TN_DNS_CONFIG_H
#define TN_DNS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "control/netmap.h"
#include "dns/osconfig.h"

/* tsaddr.TailscaleServiceIP / TailscaleServiceIPv6. */
#define TN_DNS_SERVICE_IP4 "100.100.100.100"
#define TN_DNS_SERVICE_IP6 "fd7a:115c:a1e0::53"
/* Node capabilities that change the answers (tailcfg.NodeAttr*). */
#define TN_DNS_CAP_PEER_AAAA "magicdns-aaaa"
#define TN_DNS_CAP_SUBDOMAIN "dns-subdomain-resolve"
#define TN_DNS_CAP_IPV4_ONLY "force-register-magicdns-ipv4-only"

/* One dnstype.Resolver.  has_ipport as Go's Resolver.IPPort(): a bare IP
 * (port 53) or IP:port; DoH URLs and the like have none and are not used
 * by our forwarder. */
struct tn_dns_upstream {
	const char *addr;
	bool has_ipport;
	struct tn_tailcfg_addrport ipport;
};

struct tn_dns_route {
	const char *suffix;
	unsigned labels;                 /* "." has 0 */
	const struct tn_dns_upstream *ups;
	size_t n_ups;
};

struct tn_dns_host {
	const char *name;
	const struct tn_tailcfg_ip *addrs;
	size_t n_addrs;
};

struct tn_dns_rev {
	struct tn_tailcfg_ip ip;
	const char *name;
};

/* Go's dns.Config. */
struct tn_dns_config {
	const struct tn_dns_upstream *default_resolvers;
	size_t n_default;
	const struct tn_dns_route *routes;     /* suffix order, no duplicates */
	size_t n_routes;
	const char **search;
	size_t n_search;
	const struct tn_dns_host *hosts;       /* sorted by name */
	size_t n_hosts;
	const char **subdomain_hosts;          /* sorted */
	size_t n_subdomain_hosts;
	bool only_ipv6;                        /* we have IPv6 addresses only */
	bool ipv4_service_only;                /* TN_DNS_CAP_IPV4_ONLY */
	void *mem;                             /* private */
};

/* Go's resolver.Config. */
struct tn_dns_resolver_config {
	const struct tn_dns_host *hosts;       /* sorted by name */
	size_t n_hosts;
	const struct tn_dns_rev *rev;          /* sorted by address */
	size_t n_rev;
	const char **local_domains;
	size_t n_local_domains;
	const char **subdomain_hosts;          /* sorted */
	size_t n_subdomain_hosts;
	const struct tn_dns_route *routes;     /* most labels first */
	size_t n_routes;
};

struct tn_dns_compiled {
	struct tn_dns_resolver_config resolver;
	struct tn_dns_os_config os;            /* zero: leave the OS alone */
	void *mem;                             /* private */
};

/* What the OS side can do (Go's OSConfigurator kinds on Linux). */
enum tn_dns_os_kind {
	TN_DNS_OS_NONE = 0,    /* userspace networking: nothing is configured */
	TN_DNS_OS_DIRECT,      /* resolv.conf written by us: no split DNS */
	TN_DNS_OS_SPLIT,       /* systemd-resolved: per-link split DNS */
};

/* The config for this netmap; NULL on ENOMEM.  Expired self: empty. */
struct tn_dns_config *tn_dns_config_new(const struct tn_netmap *nm);
void tn_dns_config_free(struct tn_dns_config *c);

/* base: the OS's own nameservers and search domains, for TN_DNS_OS_DIRECT
 * (NULL: none).  NULL on ENOMEM. */
struct tn_dns_compiled *tn_dns_compile(const struct tn_dns_config *c, bool accept_dns,
				       enum tn_dns_os_kind kind,
				       const struct tn_dns_os_config *base);
void tn_dns_compiled_free(struct tn_dns_compiled *cc);

/* Suffix containment (Go's FQDN.Contains): "." contains every name. */
bool tn_dns_suffix_contains(const char *suffix, const char *name);
unsigned tn_dns_labels(const char *fqdn);

#endif

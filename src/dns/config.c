/* The netmap's DNS as resolver and OS configuration (see config.h). */
#include "dns/config.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/clock.h"

/* --- a bump allocator: a config is built once and freed at once ------- */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct chunk *head;
};

#define CHUNK_MIN 4096

static void *arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t al = alignof(max_align_t);

	n = (n + al - 1) / al * al;
	if (!n)
		n = al;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;

		if (!(c = malloc(sizeof(*c) + cap)))
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	c->used += n;
	return memset(c->data + c->used - n, 0, n);
}

static void arena_free(struct arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* --- names ------------------------------------------------------------ */

/* s[i] is a label separator: not escaped by an odd run of backslashes. */
static bool is_sep(const char *s, size_t i)
{
	size_t k = 0;

	if (s[i] != '.')
		return false;
	while (k < i && s[i - 1 - k] == '\\')
		k++;
	return k % 2 == 0;
}

unsigned tn_dns_labels(const char *fqdn)
{
	unsigned n = 0;

	if (!strcmp(fqdn, "."))
		return 0;
	for (size_t i = 0; fqdn[i]; i++)
		n += is_sep(fqdn, i);
	return n;
}

bool tn_dns_suffix_contains(const char *suffix, const char *name)
{
	size_t ls = strlen(suffix), ln = strlen(name);

	if (!strcmp(suffix, ".") || !strcmp(suffix, name))
		return true;
	return ln > ls && is_sep(name, ln - ls - 1) && !strcmp(name + ln - ls, suffix);
}

/* Go's dnsname.ToFQDN, lower-cased: a leading dot dropped, a trailing
 * one added, labels of 1..63 bytes, at most 254 bytes in all.  NULL when
 * invalid or out of memory. */
static char *to_fqdn(struct arena *a, const char *s)
{
	size_t len, start = 0;
	char *out;

	if (!s[0] || !strcmp(s, "."))
		s = ".";
	else if (s[0] == '.')
		s++;
	len = strlen(s);
	if (strcmp(s, ".")) {
		size_t body = s[len - 1] == '.' ? len - 1 : len;

		if (body + 1 > 254)
			return NULL;
		for (size_t i = 0; i <= body; i++) {
			if (i < body && s[i] != '.')
				continue;
			if (i == start || i - start > 63)
				return NULL;
			start = i + 1;
		}
		len = body;
	} else {
		len = 0;
	}
	if (!(out = arena_alloc(a, len + 2)))
		return NULL;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	out[len] = '.';
	out[len + 1] = '\0';
	return out;
}

static bool has_cap(const struct tn_tailcfg_node *n, const char *cap)
{
	for (size_t i = 0; n && i < n->n_cap_map; i++)
		if (!strcmp(n->cap_map[i], cap))
			return true;
	return false;
}

static struct tn_tailcfg_ip ip_of(uint8_t family, const uint8_t *addr)
{
	struct tn_tailcfg_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.family = family;
	memcpy(ip.addr, addr, family == AF_INET ? 4 : 16);
	return ip;
}

static int cmp_ip(const struct tn_tailcfg_ip *a, const struct tn_tailcfg_ip *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

/* --- step 1: the netmap's config -------------------------------------- */

/* A hosts-table operation, applied in netmap order after sorting by name:
 * Go's map assignment (set) or append (ExtraRecords). */
struct hop {
	const char *name;
	size_t seq;
	bool append;
	struct tn_tailcfg_ip *ips;
	size_t n;
};

static int cmp_hop(const void *x, const void *y)
{
	const struct hop *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	return c ? c : (a->seq < b->seq ? -1 : a->seq > b->seq);
}

struct build {
	struct arena *a;
	struct tn_dns_config *c;
	struct hop *hops;
	size_t n_hops;
	bool self_v6_only, want_aaaa;
	struct tn_dns_route *routes;
	size_t n_routes, routes_cap;
	const char **sub;
	size_t n_sub;
};

/* Go's set(): the node's addresses, IPv6 ones left out when the node also
 * has IPv4 (unless magicdns-aaaa), IPv4 ones when we are IPv6-only. */
static int add_node(struct build *b, const char *name, const struct tn_tailcfg_prefix *p,
		    size_t n)
{
	struct hop *h = &b->hops[b->n_hops];
	bool have4 = false;

	if (!n || !name[0])
		return 0;
	if (!(h->name = to_fqdn(b->a, name)))
		return 0;
	if (!(h->ips = arena_alloc(b->a, n * sizeof(*h->ips))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		have4 |= p[i].family == AF_INET;
	for (size_t i = 0; i < n; i++) {
		bool v6 = p[i].family == AF_INET6;

		if (b->self_v6_only ? !v6 : (v6 && have4 && !b->want_aaaa))
			continue;
		h->ips[h->n++] = ip_of(p[i].family, p[i].addr);
	}
	h->seq = b->n_hops++;
	return 0;
}

static int add_extra_record(struct build *b, const struct tn_tailcfg_dns_record *r)
{
	struct hop *h = &b->hops[b->n_hops];
	struct tn_tailcfg_ip ip;

	if (strcmp(r->type, "") && strcmp(r->type, "A") && strcmp(r->type, "AAAA"))
		return 0;
	if (tn_tailcfg_ip_parse(&ip, r->value, strlen(r->value)) ||
	    !(h->name = to_fqdn(b->a, r->name)))
		return 0;
	if (!(h->ips = arena_alloc(b->a, sizeof(*h->ips))))
		return -ENOMEM;
	h->ips[0] = ip;
	h->n = 1;
	h->append = true;
	h->seq = b->n_hops++;
	return 0;
}

static int add_subdomain_host(struct build *b, const struct tn_tailcfg_node *n)
{
	const char *f;

	if (!has_cap(n, TN_DNS_CAP_SUBDOMAIN) || !(f = to_fqdn(b->a, n->name)))
		return 0;
	b->sub[b->n_sub++] = f;
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorted hops → the hosts table: per name, sets replace and appends add. */
static int finish_hosts(struct build *b)
{
	struct tn_dns_host *hosts;
	size_t n = 0;

	qsort(b->hops, b->n_hops, sizeof(*b->hops), cmp_hop);
	if (!(hosts = arena_alloc(b->a, (b->n_hops ? b->n_hops : 1) * sizeof(*hosts))))
		return -ENOMEM;
	for (size_t i = 0; i < b->n_hops;) {
		size_t j = i, total = 0, k = 0;
		struct tn_tailcfg_ip *ips;

		while (j < b->n_hops && !strcmp(b->hops[j].name, b->hops[i].name))
			j++;
		/* The last set and the appends after it count. */
		for (size_t m = i; m < j; m++)
			total = (b->hops[m].append ? total : 0) + b->hops[m].n;
		if (!(ips = arena_alloc(b->a, (total ? total : 1) * sizeof(*ips))))
			return -ENOMEM;
		for (size_t m = i; m < j; m++) {
			if (!b->hops[m].append)
				k = 0;
			memcpy(ips + k, b->hops[m].ips, b->hops[m].n * sizeof(*ips));
			k += b->hops[m].n;
		}
		hosts[n++] = (struct tn_dns_host){ .name = b->hops[i].name, .addrs = ips,
						   .n_addrs = k };
		i = j;
	}
	b->c->hosts = hosts;
	b->c->n_hosts = n;
	qsort(b->sub, b->n_sub, sizeof(*b->sub), cmp_str);
	b->c->subdomain_hosts = b->sub;
	b->c->n_subdomain_hosts = b->n_sub;
	return 0;
}

static int upstreams(struct arena *a, const struct tn_tailcfg_dns_resolver *r, size_t n,
		     const struct tn_dns_upstream **out, size_t *n_out)
{
	struct tn_dns_upstream *u = arena_alloc(a, (n ? n : 1) * sizeof(*u));

	if (!u)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *s = r[i].addr;
		struct tn_tailcfg_ip ip;

		u[i].addr = s;
		/* Go's Resolver.IPPort: an IP (port 53) or an IP:port. */
		if (!s[0] || s[0] == 'h' || s[0] == 't')
			continue;
		if (!tn_tailcfg_ip_parse(&ip, s, strlen(s))) {
			u[i].ipport.family = ip.family;
			memcpy(u[i].ipport.addr, ip.addr, sizeof(ip.addr));
			u[i].ipport.port = 53;
			u[i].has_ipport = true;
		} else if (!tn_tailcfg_addrport_parse(&u[i].ipport, s, strlen(s))) {
			u[i].has_ipport = true;
		}
	}
	*out = u;
	*n_out = n;
	return 0;
}

/* Go's map assignment Routes[suffix] = resolvers. */
static struct tn_dns_route *set_route(struct build *b, const char *suffix)
{
	for (size_t i = 0; i < b->n_routes; i++)
		if (!strcmp(b->routes[i].suffix, suffix))
			return &b->routes[i];
	if (b->n_routes == b->routes_cap)
		return NULL;
	b->routes[b->n_routes] = (struct tn_dns_route){ .suffix = suffix,
							.labels = tn_dns_labels(suffix) };
	return &b->routes[b->n_routes++];
}

/* ipnlocal magicDNSRootDomains: our own name's domain and the reverse
 * zones of the tailnet ranges. */
static int add_magic_routes(struct build *b, const char *self_name)
{
	char buf[64];
	const char *dot, *name = self_name;
	char *suffix;
	size_t len;

	while (*name == '.')
		name++;
	len = strlen(name);
	while (len && name[len - 1] == '.')
		len--;
	if (!len)
		return 0;
	dot = memchr(name, '.', len);
	if (dot && (size_t)(dot - name) + 1 < len) {
		len -= (size_t)(dot - name) + 1;
		name = dot + 1;
	}
	if (!(suffix = arena_alloc(b->a, len + 1)))
		return -ENOMEM;
	memcpy(suffix, name, len);
	if (!(suffix = to_fqdn(b->a, suffix)))
		return 0;
	set_route(b, suffix);
	set_route(b, "0.e.1.a.c.5.1.1.a.7.d.f.ip6.arpa.");
	for (int i = 64; i <= 127; i++) {
		char *s;

		snprintf(buf, sizeof(buf), "%d.100.in-addr.arpa.", i);
		if (!(s = to_fqdn(b->a, buf)))
			return -ENOMEM;
		set_route(b, s);
	}
	return 0;
}

static int cmp_route_suffix(const void *x, const void *y)
{
	return strcmp(((const struct tn_dns_route *)x)->suffix,
		      ((const struct tn_dns_route *)y)->suffix);
}

static int build_dns(struct build *b, const struct tn_netmap *nm)
{
	const struct tn_tailcfg_dns_config *d = nm->dns;
	struct tn_dns_config *c = b->c;
	const char **search;
	int r;

	if (!d)
		return 0;
	if (!(search = arena_alloc(b->a, (d->n_domains ? d->n_domains : 1) * sizeof(*search))))
		return -ENOMEM;
	for (size_t i = 0; i < d->n_domains; i++) {
		const char *f = to_fqdn(b->a, d->domains[i]);

		if (f)
			search[c->n_search++] = f;
	}
	c->search = search;
	b->routes_cap = 66 + d->n_routes;
	if (!(b->routes = arena_alloc(b->a, b->routes_cap * sizeof(*b->routes))))
		return -ENOMEM;
	if (d->proxied && nm->self && (r = add_magic_routes(b, nm->self->name)))
		return r;
	if (d->n_resolvers &&
	    (r = upstreams(b->a, d->resolvers, d->n_resolvers, &c->default_resolvers, &c->n_default)))
		return r;
	for (size_t i = 0; i < d->n_routes; i++) {
		const char *f = to_fqdn(b->a, d->routes[i].suffix);
		struct tn_dns_route *rt;

		if (!f || !(rt = set_route(b, f)))
			continue;
		if ((r = upstreams(b->a, d->routes[i].resolvers, d->routes[i].n_resolvers, &rt->ups,
				   &rt->n_ups)))
			return r;
	}
	qsort(b->routes, b->n_routes, sizeof(*b->routes), cmp_route_suffix);
	c->routes = b->routes;
	c->n_routes = b->n_routes;
	return 0;
}

static bool self_expired(const struct tn_tailcfg_node *self)
{
	return self->expired ||
	       (self->key_expiry && self->key_expiry < (int64_t)tn_clock_realtime());
}

struct tn_dns_config *tn_dns_config_new(const struct tn_netmap *nm)
{
	const struct tn_tailcfg_node *self = nm->self;
	struct tn_dns_config *c = calloc(1, sizeof(*c));
	struct build b = { 0 };
	size_t extra = nm->dns ? nm->dns->n_extra_records : 0;
	bool has4 = false, has6 = false;

	if (!c || !(b.a = calloc(1, sizeof(*b.a))))
		goto fail;
	c->mem = b.a;
	b.c = c;
	if (self && self_expired(self))
		return c;
	for (size_t i = 0; self && i < self->n_addresses; i++) {
		has4 |= self->addresses[i].family == AF_INET;
		has6 |= self->addresses[i].family == AF_INET6;
	}
	c->only_ipv6 = b.self_v6_only = has6 && !has4;
	c->ipv4_service_only = has_cap(self, TN_DNS_CAP_IPV4_ONLY);
	b.want_aaaa = has_cap(self, TN_DNS_CAP_PEER_AAAA);
	if (!(b.hops = calloc(1 + nm->n_peers + extra, sizeof(*b.hops))) ||
	    !(b.sub = arena_alloc(b.a, (1 + nm->n_peers) * sizeof(*b.sub))))
		goto fail;
	if (self && (add_node(&b, self->name, self->addresses, self->n_addresses) ||
		     add_subdomain_host(&b, self)))
		goto fail;
	for (size_t i = 0; i < nm->n_peers; i++) {
		const struct tn_tailcfg_node *p = nm->peers[i];

		if (add_node(&b, p->name, p->addresses, p->n_addresses) ||
		    add_subdomain_host(&b, p))
			goto fail;
	}
	for (size_t i = 0; i < extra; i++)
		if (add_extra_record(&b, &nm->dns->extra_records[i]))
			goto fail;
	if (finish_hosts(&b) || build_dns(&b, nm))
		goto fail;
	free(b.hops);
	return c;
fail:
	free(b.hops);
	tn_dns_config_free(c);
	return NULL;
}

void tn_dns_config_free(struct tn_dns_config *c)
{
	if (!c)
		return;
	arena_free(c->mem);
	free(c);
}

/* --- step 2: compile -------------------------------------------------- */

static int cmp_rev(const void *x, const void *y)
{
	const struct tn_dns_rev *a = x, *b = y;
	int c = cmp_ip(&a->ip, &b->ip);

	return c ? c : strcmp(a->name, b->name);
}

/* Go's ipToHost; of several names for one address the first by name. */
static int build_rev(struct arena *a, const struct tn_dns_config *c, struct tn_dns_resolver_config *r)
{
	size_t n = 0, k = 0;
	struct tn_dns_rev *rev;

	for (size_t i = 0; i < c->n_hosts; i++)
		n += c->hosts[i].n_addrs;
	if (!(rev = arena_alloc(a, (n ? n : 1) * sizeof(*rev))))
		return -ENOMEM;
	for (size_t i = 0; i < c->n_hosts; i++)
		for (size_t j = 0; j < c->hosts[i].n_addrs; j++)
			rev[k++] = (struct tn_dns_rev){ .ip = c->hosts[i].addrs[j],
							.name = c->hosts[i].name };
	qsort(rev, n, sizeof(*rev), cmp_rev);
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || cmp_ip(&rev[k - 1].ip, &rev[i].ip))
			rev[k++] = rev[i];
	r->rev = rev;
	r->n_rev = k;
	return 0;
}

static int push_ip(struct tn_dns_os_config *o, const struct tn_tailcfg_ip *ip)
{
	struct tn_tailcfg_ip *n = realloc(o->nameservers, (o->n_nameservers + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	o->nameservers = n;
	n[o->n_nameservers++] = *ip;
	return 0;
}

static int push_str(char ***arr, size_t *n, const char *s)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	*arr = a;
	if (!(a[*n] = strdup(s)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

static void service_ip(struct tn_tailcfg_ip *ip, int family)
{
	memset(ip, 0, sizeof(*ip));
	tn_tailcfg_ip_parse(ip, family == AF_INET ? TN_DNS_SERVICE_IP4 : TN_DNS_SERVICE_IP6,
			    strlen(family == AF_INET ? TN_DNS_SERVICE_IP4 : TN_DNS_SERVICE_IP6));
}

static bool is_service_ip(const struct tn_tailcfg_ip *ip)
{
	struct tn_tailcfg_ip s4, s6;

	service_ip(&s4, AF_INET);
	service_ip(&s6, AF_INET6);
	return !cmp_ip(ip, &s4) || !cmp_ip(ip, &s6);
}

/* Go's Config.serviceIPs. */
static int service_ips(const struct tn_dns_config *c, struct tn_dns_os_config *o)
{
	struct tn_tailcfg_ip ip;
	int r = 0;

	if (!c->only_ipv6) {
		service_ip(&ip, AF_INET);
		r = push_ip(o, &ip);
	}
	if (!r && (c->only_ipv6 || !c->ipv4_service_only)) {
		service_ip(&ip, AF_INET6);
		r = push_ip(o, &ip);
	}
	return r;
}

/* Go's toIPsOnly: the resolvers that are plain IPs on port 53. */
static int ips_only(const struct tn_dns_upstream *u, size_t n, struct tn_dns_os_config *o)
{
	for (size_t i = 0; i < n; i++) {
		struct tn_tailcfg_ip ip;
		int r;

		if (!u[i].has_ipport || u[i].ipport.port != 53)
			continue;
		ip = ip_of(u[i].ipport.family, u[i].ipport.addr);
		if ((r = push_ip(o, &ip)))
			return r;
	}
	return 0;
}

static int match_domains(const struct tn_dns_config *c, struct tn_dns_os_config *o)
{
	/* c->routes is in suffix order already, as Go sorts them. */
	for (size_t i = 0; i < c->n_routes; i++) {
		int r = push_str(&o->match, &o->n_match, c->routes[i].suffix);

		if (r)
			return r;
	}
	return 0;
}

static bool same_upstreams(const struct tn_dns_route *a, const struct tn_dns_route *b)
{
	if (a->n_ups != b->n_ups)
		return false;
	for (size_t i = 0; i < a->n_ups; i++)
		if (strcmp(a->ups[i].addr, b->ups[i].addr))
			return false;
	return true;
}

/* Go's hasDefaultIPResolversOnly && !hasHostsWithoutSplitDNSRoutes. */
static bool os_can_use_resolvers(const struct tn_dns_config *c)
{
	if (!c->n_default || c->n_routes)
		return false;
	for (size_t i = 0; i < c->n_default; i++)
		if (!c->default_resolvers[i].has_ipport || c->default_resolvers[i].ipport.port != 53)
			return false;
	/* Without routes every host is a host without a route. */
	return c->n_hosts == 0;
}

static int cmp_route_labels(const void *x, const void *y)
{
	const struct tn_dns_route *a = x, *b = y;

	if (a->labels != b->labels)
		return a->labels > b->labels ? -1 : 1;
	return strcmp(a->suffix, b->suffix);
}

struct tn_dns_compiled *tn_dns_compile(const struct tn_dns_config *c, bool accept_dns,
				       enum tn_dns_os_kind kind,
				       const struct tn_dns_os_config *base)
{
	struct tn_dns_compiled *cc = calloc(1, sizeof(*cc));
	struct tn_dns_resolver_config *r;
	struct tn_dns_os_config *o;
	struct tn_dns_route *routes, *dot = NULL;
	const char **local;
	struct arena *a;
	size_t nr = 0, nl = 0;

	if (!cc || !(a = calloc(1, sizeof(*a))))
		goto fail;
	cc->mem = a;
	r = &cc->resolver;
	o = &cc->os;
	r->hosts = c->hosts;
	r->n_hosts = c->n_hosts;
	r->subdomain_hosts = c->subdomain_hosts;
	r->n_subdomain_hosts = c->n_subdomain_hosts;
	if (build_rev(a, c, r))
		goto fail;
	/* accept-dns off: Go's config then has hosts only. */
	if (!accept_dns)
		return cc;
	routes = arena_alloc(a, (c->n_routes + 1) * sizeof(*routes));
	local = arena_alloc(a, (c->n_routes ? c->n_routes : 1) * sizeof(*local));
	if (!routes || !local)
		goto fail;
	for (size_t i = 0; i < c->n_routes; i++) {
		if (!c->routes[i].n_ups)
			local[nl++] = c->routes[i].suffix;
		else
			routes[nr++] = c->routes[i];
	}
	r->local_domains = local;
	r->n_local_domains = nl;
	for (size_t i = 0; i < c->n_search; i++)
		if (push_str(&o->search, &o->n_search, c->search[i]))
			goto fail;
	if (!c->n_default && !c->n_routes)
		return cc;
	if (os_can_use_resolvers(c)) {
		if (ips_only(c->default_resolvers, c->n_default, o))
			goto fail;
		return cc;
	}
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(routes[i].suffix, "."))
			dot = &routes[i];
	if (c->n_default) {
		if (!dot)
			dot = &routes[nr++];
		*dot = (struct tn_dns_route){ .suffix = ".", .ups = c->default_resolvers,
					      .n_ups = c->n_default };
		if (service_ips(c, o))
			goto fail;
		goto done;
	}
	if (kind == TN_DNS_OS_SPLIT && c->n_routes && c->routes[0].n_ups) {
		bool single = true;

		for (size_t i = 1; i < c->n_routes; i++)
			single &= same_upstreams(&c->routes[0], &c->routes[i]);
		if (single) {
			/* resolved sends the split domains to them itself. */
			if (ips_only(c->routes[0].ups, c->routes[0].n_ups, o) || match_domains(c, o))
				goto fail;
			r->n_routes = 0;
			return cc;
		}
	}
	if (service_ips(c, o))
		goto fail;
	if (kind == TN_DNS_OS_DIRECT) {
		/* No split DNS in resolv.conf: everything comes to us, and
		 * what is not ours goes to the nameservers it had before. */
		struct tn_dns_upstream *u = arena_alloc(a, ((base ? base->n_nameservers : 0) + 1) *
								   sizeof(*u));
		size_t nu = 0;

		if (!u)
			goto fail;
		for (size_t i = 0; base && i < base->n_nameservers; i++) {
			char *text;

			if (is_service_ip(&base->nameservers[i]) ||
			    !(text = arena_alloc(a, TN_TAILCFG_ADDRPORT_MAX)))
				continue;
			tn_tailcfg_ip_format(text, &base->nameservers[i]);
			u[nu].addr = text;
			u[nu].has_ipport = true;
			u[nu].ipport.family = base->nameservers[i].family;
			memcpy(u[nu].ipport.addr, base->nameservers[i].addr, 16);
			u[nu++].ipport.port = 53;
		}
		if (!dot)
			dot = &routes[nr++];
		*dot = (struct tn_dns_route){ .suffix = ".", .ups = u, .n_ups = nu };
		for (size_t i = 0; base && i < base->n_search; i++) {
			bool have = false;

			for (size_t j = 0; j < o->n_search; j++)
				have |= !strcmp(o->search[j], base->search[i]);
			if (!have && push_str(&o->search, &o->n_search, base->search[i]))
				goto fail;
		}
	} else if (match_domains(c, o)) {
		goto fail;
	}
done:
	qsort(routes, nr, sizeof(*routes), cmp_route_labels);
	r->routes = routes;
	r->n_routes = nr;
	return cc;
fail:
	tn_dns_compiled_free(cc);
	return NULL;
}

void tn_dns_compiled_free(struct tn_dns_compiled *cc)
{
	if (!cc)
		return;
	tn_dns_os_config_clear(&cc->os);
	arena_free(cc->mem);
	free(cc);
}

/* The MagicDNS resolver's decisions (see resolver.h). */
#include "dns/resolver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns/message.h"

#define SYMBOLIC_NAME "magicdns.localhost-tailscale-daemon."
#define RDNS4 ".in-addr.arpa."
#define RDNS6 ".ip6.arpa."

/* What the local lookup found (Go's resolveLocal results). */
struct local {
	int rcode;                   /* TN_DNS_REFUSED: not ours, forward */
	struct tn_tailcfg_ip ip;     /* family 0: no record */
	const char *ptr;             /* PTR target */
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !memcmp(s + ls - lx, suffix, lx);
}

/* Go's dnsname.HasSuffix for names without trailing dots: name is
 * "<something>.<suffix>". */
static bool has_label_suffix(const char *name, size_t len, const char *suffix)
{
	size_t ls = strlen(suffix);

	return len > ls + 1 && !memcmp(name + len - ls, suffix, ls) && name[len - ls - 1] == '.';
}

static void set_ip(struct tn_tailcfg_ip *ip, int family, const char *text)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = (uint8_t)family;
	inet_pton(family, text, ip->addr);
}

static int cmp_host(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tn_dns_host *)elem)->name);
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static const struct tn_dns_host *find_host(const struct tn_dns_resolver_config *rc, const char *name)
{
	return rc->n_hosts ? bsearch(name, rc->hosts, rc->n_hosts, sizeof(*rc->hosts), cmp_host) : NULL;
}

static bool in_local_domain(const struct tn_dns_resolver_config *rc, const char *name)
{
	for (size_t i = 0; i < rc->n_local_domains; i++)
		if (tn_dns_suffix_contains(rc->local_domains[i], name))
			return true;
	return false;
}

/* strconv.ParseUint(s, 0, 32) without underscores. */
static bool parse_site_id(const char *s, size_t len, uint32_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (len > 1 && s[0] == '0') {
		switch (s[1]) {
		case 'x': base = 16; s += 2; len -= 2; break;
		case 'o': base = 8; s += 2; len -= 2; break;
		case 'b': base = 2; s += 2; len -= 2; break;
		default: base = 8; s++; len--; break;
		}
	}
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else
			return false;
		if (d >= base || (v = v * base + d) > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* Go's resolveViaDomain: true when name is a 4via6 name; l->ip is then
 * its address (none for A, as Go answers). */
static bool resolve_via(const char *name, uint16_t type, struct local *l)
{
	char fqdn[TN_DNS_TEXT_MAX], ip4[TN_DNS_TEXT_MAX];
	const char *site, *dot, *v;
	size_t len = strlen(name) - 1, site_len, ip_len;
	uint8_t a[16];
	uint32_t id;

	if ((type != TN_DNS_TYPE_A && type != TN_DNS_TYPE_AAAA && type != TN_DNS_TYPE_ALL) ||
	    len < strlen("via-X.0.0.0.0"))
		return false;
	memcpy(fqdn, name, len);
	fqdn[len] = '\0';
	if (strstr(fqdn, "-via-")) {
		/* "192-168-1-2-via-7" alone or in *.ts.net / *.tailscale.net. */
		size_t first = strcspn(fqdn, ".");
		const char *dom = fqdn[first] ? fqdn + first + 1 : "";

		if (*dom && !has_label_suffix(dom, strlen(dom), "ts.net") &&
		    !has_label_suffix(dom, strlen(dom), "tailscale.net"))
			return false;
		if (!(v = strstr(fqdn, "-via-")) || v >= fqdn + first)
			return false;
		site = v + 5;
		site_len = (size_t)(fqdn + first - site);
		ip_len = (size_t)(v - fqdn);
		memcpy(ip4, fqdn, ip_len);
		for (size_t i = 0; i < ip_len; i++)
			if (ip4[i] == '-')
				ip4[i] = '.';
	} else if (!strncmp(fqdn, "via-", 4)) {
		/* "via-7.192.168.1.2" */
		if (!(dot = strchr(fqdn, '.')))
			return false;
		site = fqdn + 4;
		site_len = (size_t)(dot - site);
		ip_len = len - (size_t)(dot + 1 - fqdn);
		memcpy(ip4, dot + 1, ip_len);
	} else {
		/* "192.168.1.2.via-7" */
		if (!(dot = strrchr(fqdn, '.')) || strncmp(dot + 1, "via-", 4))
			return false;
		site = dot + 5;
		site_len = len - (size_t)(site - fqdn);
		ip_len = (size_t)(dot - fqdn);
		memcpy(ip4, fqdn, ip_len);
	}
	ip4[ip_len] = '\0';
	if (inet_pton(AF_INET, ip4, a + 12) == 1) {
		if (!parse_site_id(site, site_len, &id))
			return false;
		memset(&l->ip, 0, sizeof(l->ip));
		l->rcode = TN_DNS_NOERROR;
		if (type == TN_DNS_TYPE_A)
			return true;
		/* tsaddr.MapVia: fd7a:115c:a1e0:b1a:0:<site>:<ipv4>. */
		set_ip(&l->ip, AF_INET6, "fd7a:115c:a1e0:b1a::");
		l->ip.addr[8] = (uint8_t)(id >> 24);
		l->ip.addr[9] = (uint8_t)(id >> 16);
		l->ip.addr[10] = (uint8_t)(id >> 8);
		l->ip.addr[11] = (uint8_t)id;
		memcpy(l->ip.addr + 12, a + 12, 4);
		return true;
	}
	if (inet_pton(AF_INET6, ip4, a) == 1 && parse_site_id(site, site_len, &id)) {
		/* Go maps nothing for an IPv6 "IPv4": the name exists, empty. */
		memset(&l->ip, 0, sizeof(l->ip));
		l->rcode = TN_DNS_NOERROR;
		return true;
	}
	return false;
}

/* Go's resolveLocal. */
static void resolve_local(const struct tn_dns_resolver_config *rc, const char *name,
			  uint16_t type, struct local *l)
{
	const struct tn_dns_host *h;
	size_t len = strlen(name);
	int want = 0;

	memset(l, 0, sizeof(*l));
	if (has_label_suffix(name, len - 1, "onion")) {
		l->rcode = TN_DNS_NXDOMAIN;
		return;
	}
	if (!strcmp(name, SYMBOLIC_NAME) && (type == TN_DNS_TYPE_A || type == TN_DNS_TYPE_AAAA)) {
		if (type == TN_DNS_TYPE_A)
			set_ip(&l->ip, AF_INET, TN_DNS_SERVICE_IP4);
		else
			set_ip(&l->ip, AF_INET6, TN_DNS_SERVICE_IP6);
		return;
	}
	if (resolve_via(name, type, l))
		return;
	if (!(h = find_host(rc, name))) {
		/* A dns-subdomain-resolve host answers for names below it. */
		for (const char *p = strchr(name, '.'); p && p[1]; p = strchr(p + 1, '.')) {
			if (rc->n_subdomain_hosts &&
			    bsearch(p + 1, rc->subdomain_hosts, rc->n_subdomain_hosts,
				    sizeof(*rc->subdomain_hosts), cmp_name)) {
				h = find_host(rc, p + 1);
				break;
			}
		}
	}
	if (!h) {
		l->rcode = in_local_domain(rc, name) ? TN_DNS_NXDOMAIN : TN_DNS_REFUSED;
		return;
	}
	switch (type) {
	case TN_DNS_TYPE_A:
		want = AF_INET;
		break;
	case TN_DNS_TYPE_AAAA:
		want = AF_INET6;
		break;
	case TN_DNS_TYPE_ALL:
		if (h->n_addrs)
			l->ip = h->addrs[0];
		return;
	case TN_DNS_TYPE_NS:
	case TN_DNS_TYPE_SOA:
	case TN_DNS_TYPE_AXFR:
	case TN_DNS_TYPE_HINFO:
		l->rcode = TN_DNS_NOTIMP;
		return;
	default:
		return;
	}
	for (size_t i = 0; i < h->n_addrs; i++)
		if (h->addrs[i].family == want) {
			l->ip = h->addrs[i];
			return;
		}
}

/* Go's rdnsNameToIPv4/IPv6: exactly four decimal octets, or 32 nibbles. */
static bool rdns_to_ip(const char *name, struct tn_tailcfg_ip *ip)
{
	size_t len = strlen(name);
	char buf[64];

	memset(ip, 0, sizeof(*ip));
	if (ends_with(name, RDNS4)) {
		uint8_t a[4];

		len -= strlen(RDNS4);
		if (len >= sizeof(buf))
			return false;
		memcpy(buf, name, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET, buf, a) != 1)
			return false;
		ip->family = AF_INET;
		for (int i = 0; i < 4; i++)
			ip->addr[i] = a[3 - i];
		return true;
	}
	if (ends_with(name, RDNS6) && len - strlen(RDNS6) == 63) {
		for (int i = 0; i < 32; i++) {
			char c = name[2 * i];
			int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

			if (v < 0 || (i < 31 && name[2 * i + 1] != '.'))
				return false;
			/* Nibble i counts from the address's last one. */
			ip->addr[15 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
		}
		ip->family = AF_INET6;
		return true;
	}
	return false;
}

static const char *lookup_rev(const struct tn_dns_resolver_config *rc, const struct tn_tailcfg_ip *ip)
{
	size_t lo = 0, hi = rc->n_rev, n = ip->family == AF_INET ? 4 : 16;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tn_tailcfg_ip *m = &rc->rev[mid].ip;
		int c = m->family != ip->family ? (m->family == AF_INET ? -1 : 1)
						 : memcmp(m->addr, ip->addr, n);

		if (!c)
			return rc->rev[mid].name;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Go's fqdnForIPLocked. */
static void fqdn_for_ip(const struct tn_dns_resolver_config *rc, const struct tn_tailcfg_ip *ip,
			const char *name, struct local *l)
{
	struct tn_tailcfg_ip s;

	set_ip(&s, ip->family, ip->family == AF_INET ? TN_DNS_SERVICE_IP4 : TN_DNS_SERVICE_IP6);
	if (!memcmp(s.addr, ip->addr, 16)) {
		l->rcode = TN_DNS_NOERROR;
		l->ptr = SYMBOLIC_NAME;
		return;
	}
	if ((l->ptr = lookup_rev(rc, ip))) {
		l->rcode = TN_DNS_NOERROR;
		return;
	}
	l->rcode = in_local_domain(rc, name) ? TN_DNS_NXDOMAIN : TN_DNS_REFUSED;
}

/* Go's resolveLocalReverse. */
static void resolve_reverse(const struct tn_dns_resolver_config *rc, const char *name, struct local *l)
{
	static const uint8_t four_to_six[13] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0, 0xab, 0x12,
						 0x48, 0x43, 0xcd, 0x96, 0x62 };
	struct tn_tailcfg_ip ip;

	memset(l, 0, sizeof(*l));
	if (!rdns_to_ip(name, &ip)) {
		l->rcode = TN_DNS_REFUSED;
		return;
	}
	/* fd7a:115c:a1e0:ab12:4843:cd96:6200::/104 carries 100.x.y.z. */
	if (ip.family == AF_INET6 && !memcmp(ip.addr, four_to_six, sizeof(four_to_six))) {
		struct tn_tailcfg_ip v4;

		memset(&v4, 0, sizeof(v4));
		v4.family = AF_INET;
		v4.addr[0] = 100;
		memcpy(v4.addr + 1, ip.addr + 13, 3);
		fqdn_for_ip(rc, &v4, name, l);
		if (l->rcode == TN_DNS_NOERROR)
			return;
	}
	fqdn_for_ip(rc, &ip, name, l);
}

/* RFC 6763 12: the five DNS-SD browsing names. */
static bool bonjour(const char *name)
{
	static const char *const first[] = { "b.", "db.", "r.", "dr.", "lb." };

	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
		size_t n = strlen(first[i]);

		if (!strncmp(name, first[i], n) && !strncmp(name + n, "_dns-sd._udp.", 13))
			return true;
	}
	return false;
}

/* The query's header flags a reply keeps: opcode, AA, TC, RD, RA, AD, CD
 * (what dnsmessage.Header carries over; Z is dropped). */
static uint16_t kept_flags(uint16_t f)
{
	return f & (0x7800 | TN_DNS_AA | TN_DNS_TC | TN_DNS_RD | TN_DNS_RA | TN_DNS_AD | TN_DNS_CD);
}

/* Go's marshalResponse. */
static int marshal(const struct tn_dns_header *qh, const struct tn_dns_question *q, int rcode,
		   const struct local *l, uint8_t *out, size_t cap)
{
	struct tn_dns_builder b;
	uint16_t f = kept_flags(qh->flags) | TN_DNS_QR | TN_DNS_AA;

	if (f & TN_DNS_RD)
		f |= TN_DNS_RA;
	tn_dns_builder_init(&b, out, cap, qh->id, (uint16_t)((f & ~0xf) | rcode));
	if (q && (q->type || rcode == TN_DNS_NOERROR))
		tn_dns_builder_question(&b, q);
	if (q && l && rcode == TN_DNS_NOERROR) {
		if (l->ip.family == AF_INET)
			tn_dns_builder_answer(&b, TN_DNS_TYPE_A, TN_DNS_TTL, l->ip.addr, 4);
		else if (l->ip.family == AF_INET6)
			tn_dns_builder_answer(&b, TN_DNS_TYPE_AAAA, TN_DNS_TTL, l->ip.addr, 16);
		if (l->ptr) {
			struct tn_dns_name target;

			if (tn_dns_name_from_text(&target, l->ptr))
				return -EINVAL;
			tn_dns_builder_answer(&b, TN_DNS_TYPE_PTR, TN_DNS_TTL, target.wire, target.len);
		}
	}
	return tn_dns_builder_finish(&b);
}

static int reply_with(uint16_t id, uint16_t flags, const struct tn_dns_question *q, uint8_t *out,
		      size_t cap)
{
	struct tn_dns_builder b;

	tn_dns_builder_init(&b, out, cap, id, flags);
	tn_dns_builder_question(&b, q);
	return tn_dns_builder_finish(&b);
}

int tn_dns_servfail(const uint8_t *query, size_t len, uint8_t *out, size_t cap)
{
	struct tn_dns_header h;
	struct tn_dns_question q;
	size_t off = TN_DNS_HEADER_LEN;

	if (tn_dns_header_read(&h, query, len) || (h.flags & TN_DNS_QR) || !h.qdcount ||
	    tn_dns_question_read(&q, query, len, &off))
		return -EBADMSG;
	return reply_with(h.id, (uint16_t)((kept_flags(h.flags) & ~0xf) | TN_DNS_QR | TN_DNS_AA |
					   TN_DNS_SERVFAIL),
			  &q, out, cap);
}

size_t tn_dns_udp_limit(const uint8_t *query, size_t len)
{
	struct tn_dns_msg m;

	if (tn_dns_msg_parse(&m, query, len) || !m.has_opt || m.udp_size < TN_DNS_UDP_DEFAULT)
		return TN_DNS_UDP_DEFAULT;
	return m.udp_size;
}

void tn_dns_set_tc_if_over(uint8_t *msg, size_t len, size_t max)
{
	if (len >= TN_DNS_HEADER_LEN && len > max)
		msg[2] |= TN_DNS_TC >> 8;
}

void tn_dns_clamp_edns(uint8_t *msg, size_t len, uint16_t max)
{
	struct tn_dns_msg m;

	if (!tn_dns_msg_parse(&m, msg, len) && m.has_opt && m.edns_version == 0 && m.udp_size > max)
		tn_dns_put16(msg + m.opt_class_off, max);
}

static int finish(struct tn_dns_decision *d, int n, uint8_t *out)
{
	if (n < 0)
		return n == -EINVAL ? (d->action = TN_DNS_DROP, 0) : n;
	tn_dns_set_tc_if_over(out, (size_t)n, d->max_udp);
	d->action = TN_DNS_REPLY;
	d->len = (size_t)n;
	return 0;
}

int tn_dns_resolve(const struct tn_dns_resolver_config *rc, const uint8_t *query, size_t len,
		   uint8_t *out, size_t cap, struct tn_dns_decision *d)
{
	struct tn_dns_header h;
	struct tn_dns_question q;
	struct local l;
	char name[TN_DNS_TEXT_MAX];
	size_t off = TN_DNS_HEADER_LEN;
	const struct tn_dns_route *route = NULL;

	memset(d, 0, sizeof(*d));
	if (tn_dns_header_read(&h, query, len))
		return 0;
	d->max_udp = tn_dns_udp_limit(query, len);
	if ((h.flags & TN_DNS_QR) || !h.qdcount || tn_dns_question_read(&q, query, len, &off))
		return finish(d, marshal(&h, NULL, TN_DNS_FORMERR, NULL, out, cap), out);
	if (tn_dns_name_to_text(&q.name, name, sizeof(name), true) < 0)
		return finish(d, marshal(&h, &q, TN_DNS_FORMERR, NULL, out, cap), out);

	if (q.type == TN_DNS_TYPE_PTR) {
		if (bonjour(name))
			l.rcode = TN_DNS_REFUSED;
		else
			resolve_reverse(rc, name, &l);
	} else {
		resolve_local(rc, name, q.type, &l);
	}
	if (l.rcode != TN_DNS_REFUSED)
		return finish(d, marshal(&h, &q, l.rcode, &l, out, cap), out);

	/* Not ours: the forwarder's part. */
	if (bonjour(name))
		return finish(d, reply_with(h.id,
					    (uint16_t)(((kept_flags(h.flags) & ~(0xf | TN_DNS_RA)) |
							TN_DNS_QR | TN_DNS_NXDOMAIN) |
						       ((h.flags & TN_DNS_RD) ? TN_DNS_RA : 0)),
					    &q, out, cap),
			      out);
	for (size_t i = 0; i < rc->n_routes && !route; i++)
		if (tn_dns_suffix_contains(rc->routes[i].suffix, name))
			route = &rc->routes[i];
	if (route)
		for (size_t i = 0; i < route->n_ups; i++)
			if (route->ups[i].has_ipport) {
				d->action = TN_DNS_FORWARD;
				d->route = route;
				return 0;
			}
	return finish(d, tn_dns_servfail(query, len, out, cap), out);
}

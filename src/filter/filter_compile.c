/* Compiling FilterRules into the matcher of filter.c: Go's
 * MatchesFromFilterRules and parseIPSet (wgengine/filter/tailcfg.go),
 * then per family Go's matchesFamily, with the pruning and grouping that
 * filter.h describes.  Also the digest used to notice that a netmap's
 * filter inputs have not changed. */
#include "filter/filter_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/blake2s.h"

/* An empty IPProto means these (Go's defaultProtos). */
static const uint8_t default_protos[] = {
	TN_IPPROTO_TCP, TN_IPPROTO_UDP, TN_IPPROTO_ICMP, TN_IPPROTO_ICMPV6,
};

struct dst_ent {
	struct tn_ipset_range r;
	uint16_t first, last;
};

/* One rule, parsed: per family [0] IPv4, [1] IPv6. */
struct rule_c {
	struct tn_ipset src[2];          /* address sources, normalized */
	struct tn_ipset cap[2];          /* addresses of capability holders */
	const char **caps;               /* "cap:" names (borrowed) */
	size_t n_caps;
	struct dst_ent *dst[2];
	size_t n_dst[2], cap_dst[2];
	uint64_t proto[4];
};

struct compile {
	const struct tn_filter_config *cfg;
	struct rule_c *rc;
	size_t n_skipped;
	char *warn;
	size_t warnlen;
};

static void skipped(struct compile *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void skipped(struct compile *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->n_skipped++ && c->warn && c->warnlen) {
		va_start(ap, fmt);
		vsnprintf(c->warn, c->warnlen, fmt, ap);
		va_end(ap);
	}
}

static int fam_of(uint8_t family)
{
	return family == AF_INET ? 0 : 1;
}

static int version_of(int fam)
{
	return fam ? 6 : 4;
}

/* The zone of an address text ("" when none). */
static const char *zone_of(const char *text, size_t len, size_t *zlen)
{
	const char *pct = memchr(text, '%', len);

	*zlen = pct ? len - (size_t)(pct - text) - 1 : 0;
	return pct ? pct + 1 : "";
}

/* Go's parseIPSet: "*", "cap:NAME", a CIDR without host bits, a range
 * "A-B" of one family, or one IP.  Ranges go to out[family]; a capability
 * name to *cap.  0 (ranges), 1 (capability), -EINVAL or -ENOMEM. */
static int parse_ipset(const char *s, struct tn_ipset out[2], const char **cap)
{
	static const uint8_t zero[16];
	struct tn_tailcfg_ip a, b;
	const char *dash;
	size_t len = strlen(s);

	if (!strcmp(s, "*")) {
		if (tn_ipset_add_prefix(&out[0], 4, zero, 0) ||
		    tn_ipset_add_prefix(&out[1], 6, zero, 0))
			return -ENOMEM;
		return 0;
	}
	if (!strncmp(s, "cap:", 4)) {
		*cap = s + 4;
		return 1;
	}
	if (strchr(s, '/')) {
		struct tn_tailcfg_prefix p;
		int v;

		if (tn_tailcfg_prefix_parse(&p, s, len))
			return -EINVAL;
		v = version_of(fam_of(p.family));
		if (tn_ipset_prefix_has_host_bits(v, p.addr, p.bits))
			return -EINVAL;
		return tn_ipset_add_prefix(&out[fam_of(p.family)], v, p.addr, p.bits);
	}
	dash = strchr(s, '-');
	if (dash && !strchr(dash + 1, '-')) {
		size_t alen = (size_t)(dash - s), blen = len - alen - 1, za, zb;
		const char *zoa = zone_of(s, alen, &za), *zob = zone_of(dash + 1, blen, &zb);
		struct tn_addr128 lo, hi;
		int fam;

		if (tn_tailcfg_ip_parse(&a, s, alen) || tn_tailcfg_ip_parse(&b, dash + 1, blen) ||
		    a.family != b.family || za != zb || memcmp(zoa, zob, za))
			return -EINVAL;
		fam = fam_of(a.family);
		lo = tn_addr128_from_bytes(version_of(fam), a.addr);
		hi = tn_addr128_from_bytes(version_of(fam), b.addr);
		if (tn_addr128_cmp(lo, hi) > 0)
			return -EINVAL;
		return tn_ipset_add(&out[fam], lo, hi);
	}
	if (tn_tailcfg_ip_parse(&a, s, len))
		return -EINVAL;
	return tn_ipset_add_prefix(&out[fam_of(a.family)], version_of(fam_of(a.family)), a.addr,
				   a.family == AF_INET ? 32 : 128);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's srcIPHasCapForFilter: the node (self or peer) owning an address
 * has the capability in its CapMap.  The empty name matches nobody. */
static bool node_has_cap(const struct tn_tailcfg_node *n, const char *cap)
{
	return *cap && n->n_cap_map &&
	       bsearch(&cap, n->cap_map, n->n_cap_map, sizeof(*n->cap_map), cmp_str);
}

static int add_holder(const struct tn_tailcfg_node *n, const char **caps, size_t n_caps,
		      struct tn_ipset out[2])
{
	size_t i;

	for (i = 0; i < n_caps && !node_has_cap(n, caps[i]); i++)
		;
	if (i == n_caps)
		return 0;
	/* Only single addresses name a node (Go's nodeByAddr). */
	for (size_t j = 0; j < n->n_addresses; j++) {
		const struct tn_tailcfg_prefix *p = &n->addresses[j];
		int fam = fam_of(p->family);

		if (p->bits == (fam ? 128 : 32) &&
		    tn_ipset_add_prefix(&out[fam], version_of(fam), p->addr, p->bits))
			return -ENOMEM;
	}
	return 0;
}

static int resolve_caps(const struct tn_filter_config *cfg, const char **caps, size_t n_caps,
			struct tn_ipset out[2])
{
	if (cfg->self && add_holder(cfg->self, caps, n_caps, out))
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (add_holder(cfg->peers[i], caps, n_caps, out))
			return -ENOMEM;
	tn_ipset_normalize(&out[0]);
	tn_ipset_normalize(&out[1]);
	return 0;
}

static void rule_c_free(struct rule_c *rc)
{
	for (int f = 0; f < 2; f++) {
		tn_ipset_free(&rc->src[f]);
		tn_ipset_free(&rc->cap[f]);
		free(rc->dst[f]);
	}
	free(rc->caps);
}

static int add_dst(struct rule_c *rc, int fam, const struct tn_ipset_range *r, uint16_t first,
		   uint16_t last)
{
	if (rc->n_dst[fam] == rc->cap_dst[fam]) {
		size_t cap = rc->cap_dst[fam] ? 2 * rc->cap_dst[fam] : 4;
		struct dst_ent *d = realloc(rc->dst[fam], cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		rc->dst[fam] = d;
		rc->cap_dst[fam] = cap;
	}
	rc->dst[fam][rc->n_dst[fam]++] = (struct dst_ent){ *r, first, last };
	return 0;
}

static int compile_rule(struct compile *c, size_t idx, const struct tn_tailcfg_filter_rule *r,
			struct rule_c *rc)
{
	int rv;

	if (!r->n_ip_proto)
		for (size_t i = 0; i < sizeof(default_protos); i++)
			rc->proto[default_protos[i] >> 6] |= 1ULL << (default_protos[i] & 63);
	for (size_t i = 0; i < r->n_ip_proto; i++)   /* Go drops numbers outside 0-255 */
		if (r->ip_proto[i] >= 0 && r->ip_proto[i] <= 255)
			rc->proto[r->ip_proto[i] >> 6] |= 1ULL << (r->ip_proto[i] & 63);
	if (r->n_src_ips && !(rc->caps = calloc(r->n_src_ips, sizeof(*rc->caps))))
		return -ENOMEM;
	for (size_t i = 0; i < r->n_src_ips; i++) {
		const char *cap = NULL;

		rv = parse_ipset(r->src_ips[i], rc->src, &cap);
		if (rv == -ENOMEM)
			return rv;
		if (rv < 0)
			skipped(c, "rule %zu: SrcIPs %zu: invalid %.64s", idx, i, r->src_ips[i]);
		else if (rv == 1)
			rc->caps[rc->n_caps++] = cap;
	}
	tn_ipset_normalize(&rc->src[0]);
	tn_ipset_normalize(&rc->src[1]);
	for (size_t i = 0; i < r->n_dst_ports; i++) {
		const struct tn_tailcfg_net_port_range *d = &r->dst_ports[i];
		struct tn_ipset tmp[2] = { { 0 }, { 0 } };
		const char *cap = NULL;

		rv = parse_ipset(d->ip, tmp, &cap);
		if (rv == 0) {
			for (int f = 0; f < 2 && rv == 0; f++)
				for (size_t j = 0; j < tmp[f].n && rv == 0; j++)
					rv = add_dst(rc, f, &tmp[f].r[j], d->first, d->last);
		} else if (rv != -ENOMEM) {
			skipped(c, "rule %zu: DstPorts %zu: %s %.64s", idx, i,
				rv == 1 ? "capability not allowed:" : "invalid", d->ip);
			rv = 0;
		}
		tn_ipset_free(&tmp[0]);
		tn_ipset_free(&tmp[1]);
		if (rv)
			return rv;
	}
	if (rc->n_caps)
		return resolve_caps(c->cfg, rc->caps, rc->n_caps, rc->cap);
	return 0;
}

/* --- grouping ------------------------------------------------------------- */

struct ent {
	uint64_t proto[4];
	struct tn_addr128 dlo, dhi;
	uint16_t pfirst, plast;
	uint32_t rule;
};

static int cmp_ent_group(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int r;

	if (x->pfirst != y->pfirst)
		return x->pfirst < y->pfirst ? -1 : 1;
	if (x->plast != y->plast)
		return x->plast < y->plast ? -1 : 1;
	if ((r = tn_addr128_cmp(x->dlo, y->dlo)) || (r = tn_addr128_cmp(x->dhi, y->dhi)))
		return r;
	return memcmp(x->proto, y->proto, sizeof(x->proto));
}

static int cmp_ent_dst(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int r = tn_addr128_cmp(x->dlo, y->dlo);

	return r ? r : tn_addr128_cmp(x->dhi, y->dhi);
}

static bool proto_empty(const uint64_t p[4])
{
	return !(p[0] | p[1] | p[2] | p[3]);
}

struct fam_build {
	struct tn_ipset pool;
	struct tn_filter_group *groups;
	size_t n_groups;
	struct tn_filter_reach *reach;
	size_t n_reach;
};

/* Normalizes set and appends it to the pool: *off, *n. */
static int to_pool(struct tn_ipset *pool, struct tn_ipset *set, uint32_t *off, uint32_t *n)
{
	tn_ipset_normalize(set);
	if (pool->n + set->n > UINT32_MAX)
		return -E2BIG;
	*off = (uint32_t)pool->n;
	*n = (uint32_t)set->n;
	return tn_ipset_add_all(pool, set->r, set->n);
}

static int build_group(struct compile *c, struct fam_build *fb, int fam, const struct ent *run,
		       size_t n)
{
	struct tn_ipset all = { 0 }, plain = { 0 };
	struct tn_filter_group g;
	bool caps = false;
	int rv = 0;

	for (size_t i = 0; i < n && !rv; i++) {
		const struct rule_c *rc = &c->rc[run[i].rule];

		rv = tn_ipset_add_all(&all, rc->src[fam].r, rc->src[fam].n);
		if (!rv && rc->n_caps) {
			caps = true;
			rv = tn_ipset_add_all(&all, rc->cap[fam].r, rc->cap[fam].n);
		}
	}
	if (rv || !all.n)
		goto out;
	memset(&g, 0, sizeof(g));
	memcpy(g.proto, run->proto, sizeof(g.proto));
	g.dlo = run->dlo;
	g.dhi = run->dhi;
	g.pfirst = run->pfirst;
	g.plast = run->plast;
	if ((rv = to_pool(&fb->pool, &all, &g.src, &g.n_src)))
		goto out;
	g.plain = g.src;
	g.n_plain = g.n_src;
	if (caps) {
		for (size_t i = 0; i < n && !rv; i++)
			rv = tn_ipset_add_all(&plain, c->rc[run[i].rule].src[fam].r,
					      c->rc[run[i].rule].src[fam].n);
		if (rv || (rv = to_pool(&fb->pool, &plain, &g.plain, &g.n_plain)))
			goto out;
	}
	fb->groups[fb->n_groups++] = g;
out:
	tn_ipset_free(&all);
	tn_ipset_free(&plain);
	return rv;
}

static int build_reach(struct compile *c, struct fam_build *fb, int fam, const struct ent *run,
		       size_t n)
{
	struct tn_ipset set = { 0 };
	struct tn_filter_reach *r = &fb->reach[fb->n_reach];
	int rv = 0;

	for (size_t i = 0; i < n && !rv; i++)
		rv = tn_ipset_add_all(&set, c->rc[run[i].rule].src[fam].r,
				      c->rc[run[i].rule].src[fam].n);
	if (!rv && set.n) {
		r->dlo = run->dlo;
		r->dhi = run->dhi;
		if (!(rv = to_pool(&fb->pool, &set, &r->src, &r->n_src)))
			fb->n_reach++;
	}
	tn_ipset_free(&set);
	return rv;
}

static int build_family(struct compile *c, struct tn_filter *f, int fam, struct tn_ipset *local)
{
	struct tn_filter_family *ff = &f->fam[fam];
	struct fam_build fb = { 0 };
	struct tn_ipset capset = { 0 };
	struct ent *ents = NULL;
	size_t n = 0, total = 0;
	int rv = -ENOMEM;

	for (size_t i = 0; i < c->cfg->n_rules; i++)
		total += c->rc[i].n_dst[fam];
	if (total && !(ents = malloc(total * sizeof(*ents))))
		goto out;
	for (size_t i = 0; i < c->cfg->n_rules && !f->denies_all; i++) {
		const struct rule_c *rc = &c->rc[i];

		/* Go's matchesFamily keeps a rule with sources (addresses or
		 * capabilities) and destinations in this family. */
		if ((!rc->src[fam].n && !rc->n_caps) || !rc->n_dst[fam])
			continue;
		if (rc->n_caps && tn_ipset_add_all(&capset, rc->cap[fam].r, rc->cap[fam].n))
			goto out;
		for (size_t j = 0; j < rc->n_dst[fam]; j++) {
			const struct dst_ent *d = &rc->dst[fam][j];

			/* Only local destinations get past the first check. */
			if (!tn_ipset_overlaps(local->r, local->n, d->r.lo, d->r.hi))
				continue;
			memcpy(ents[n].proto, rc->proto, sizeof(rc->proto));
			ents[n].dlo = d->r.lo;
			ents[n].dhi = d->r.hi;
			ents[n].pfirst = d->first;
			ents[n].plast = d->last;
			ents[n].rule = (uint32_t)i;
			n++;
		}
	}
	if (n && (!(fb.groups = malloc(n * sizeof(*fb.groups))) ||
		  !(fb.reach = malloc(n * sizeof(*fb.reach)))))
		goto out;
	rv = 0;
	if (n > 1)
		qsort(ents, n, sizeof(*ents), cmp_ent_group);
	for (size_t i = 0, j; i < n && !rv; i = j) {
		for (j = i + 1; j < n && !cmp_ent_group(&ents[i], &ents[j]); j++)
			;
		if (!proto_empty(ents[i].proto))
			rv = build_group(c, &fb, fam, ents + i, j - i);
	}
	if (n > 1)
		qsort(ents, n, sizeof(*ents), cmp_ent_dst);
	for (size_t i = 0, j; i < n && !rv; i = j) {
		for (j = i + 1; j < n && !cmp_ent_dst(&ents[i], &ents[j]); j++)
			;
		rv = build_reach(c, &fb, fam, ents + i, j - i);
	}
	if (!rv)
		rv = to_pool(&fb.pool, &capset, &ff->cap_src, &ff->n_cap_src);
	/* Never NULL, so that the matcher's pool + offset is always defined. */
	if (!rv && !fb.pool.r && !(fb.pool.r = malloc(sizeof(*fb.pool.r))))
		rv = -ENOMEM;
	if (rv || (rv = tn_filter_portindex_build(&ff->ports, fb.groups, fb.n_groups)))
		goto out;
	ff->local = local->r;
	ff->n_local = local->n;
	local->r = NULL;
	ff->pool = fb.pool.r;
	ff->n_pool = fb.pool.n;
	ff->groups = fb.groups;
	ff->n_groups = fb.n_groups;
	ff->reach = fb.reach;
	ff->n_reach = fb.n_reach;
	memset(&fb, 0, sizeof(fb));
out:
	free(ents);
	tn_ipset_free(&capset);
	tn_ipset_free(&fb.pool);
	free(fb.groups);
	free(fb.reach);
	return rv;
}

static int build_local(const struct tn_filter_config *cfg, struct tn_ipset local[2])
{
	for (size_t i = 0; i < cfg->n_local; i++) {
		const struct tn_tailcfg_prefix *p = &cfg->local[i];
		int fam = fam_of(p->family);

		if (tn_ipset_add_prefix(&local[fam], version_of(fam), p->addr, p->bits))
			return -ENOMEM;
	}
	tn_ipset_normalize(&local[0]);
	tn_ipset_normalize(&local[1]);
	return 0;
}

int tn_filter_new(struct tn_filter **out, const struct tn_filter_config *cfg, char *warn,
		  size_t warnlen)
{
	struct compile c = { .cfg = cfg, .warn = warn, .warnlen = warnlen };
	struct tn_ipset local[2] = { { 0 }, { 0 } };
	struct tn_filter *f;
	int rv = -ENOMEM;

	*out = NULL;
	if (warn && warnlen)
		warn[0] = '\0';
	if (!(f = calloc(1, sizeof(*f))))
		return -ENOMEM;
	f->n_rules = cfg->n_rules;
	if ((rv = tn_filter_config_digest(cfg, f->digest)))
		goto out;
	rv = -ENOMEM;
	if (cfg->n_rules && !(c.rc = calloc(cfg->n_rules, sizeof(*c.rc))))
		goto out;
	for (size_t i = 0; i < cfg->n_rules; i++)
		if (cfg->rules[i]->legacy_bits) {
			/* Go's MatchesFromFilterRules fails: no rules at all. */
			f->denies_all = true;
			skipped(&c, "rule %zu: SrcBits/Bits (a filter for old clients): nothing allowed", i);
		}
	for (size_t i = 0; i < cfg->n_rules && !f->denies_all; i++)
		if ((rv = compile_rule(&c, i, cfg->rules[i], &c.rc[i])))
			goto out;
	if ((rv = build_local(cfg, local)) || (rv = build_family(&c, f, 0, &local[0])) ||
	    (rv = build_family(&c, f, 1, &local[1])))
		goto out;
	if (c.n_skipped > 1 && warn && warnlen) {
		size_t l = strlen(warn);

		snprintf(warn + l, warnlen - l, " (and %zu more skipped)", c.n_skipped - 1);
	}
	f->n_skipped = c.n_skipped;
	*out = f;
	f = NULL;
	rv = 0;
out:
	for (size_t i = 0; c.rc && i < cfg->n_rules; i++)
		rule_c_free(&c.rc[i]);
	free(c.rc);
	tn_ipset_free(&local[0]);
	tn_ipset_free(&local[1]);
	tn_filter_free(f);
	return rv;
}

void tn_filter_free(struct tn_filter *f)
{
	if (!f)
		return;
	for (int i = 0; i < 2; i++) {
		free(f->fam[i].local);
		free(f->fam[i].pool);
		free(f->fam[i].groups);
		tn_filter_portindex_free(&f->fam[i].ports);
		free(f->fam[i].reach);
	}
	free(f);
}

const uint8_t *tn_filter_digest(const struct tn_filter *f)
{
	return f->digest;
}

void tn_filter_info(const struct tn_filter *f, struct tn_filter_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!f)
		return;
	out->rules = f->n_rules;
	out->skipped = f->n_skipped;
	out->denies_all = f->denies_all;
	for (int i = 0; i < 2; i++) {
		out->groups += f->fam[i].n_groups;
		out->ranges += f->fam[i].n_pool;
	}
}

/* --- digest --------------------------------------------------------------- */

struct sbuf {
	uint8_t *p;
	size_t n, cap;
	bool oom;
};

static void put(struct sbuf *b, const void *data, size_t len)
{
	if (b->oom || !len)
		return;
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap < b->n + len)
			cap *= 2;
		if (!(p = realloc(b->p, cap))) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
}

static void put_u64(struct sbuf *b, uint64_t v)
{
	put(b, &v, sizeof(v));
}

/* Length-prefixed, so that concatenations cannot collide. */
static void put_str(struct sbuf *b, const char *s)
{
	size_t len = strlen(s);

	put_u64(b, len);
	put(b, s, len);
}

static void put_caps(struct sbuf *b, const struct tn_filter_config *cfg,
		     const struct tn_tailcfg_filter_rule *r)
{
	struct tn_ipset set[2] = { { 0 }, { 0 } };
	const char **caps = calloc(r->n_src_ips, sizeof(*caps));
	size_t n = 0;

	if (!caps) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < r->n_src_ips; i++)
		if (!strncmp(r->src_ips[i], "cap:", 4))
			caps[n++] = r->src_ips[i] + 4;
	if (n && resolve_caps(cfg, caps, n, set))
		b->oom = true;
	for (int f = 0; f < 2; f++) {
		put_u64(b, set[f].n);
		put(b, set[f].r, set[f].n * sizeof(*set[f].r));
		tn_ipset_free(&set[f]);
	}
	free(caps);
}

int tn_filter_config_digest(const struct tn_filter_config *cfg,
			    uint8_t out[TN_FILTER_DIGEST_LEN])
{
	struct sbuf b = { 0 };
	int rv;

	put_str(&b, "tailnetd filter config 1");
	put_u64(&b, cfg->n_rules);
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct tn_tailcfg_filter_rule *r = cfg->rules[i];
		bool caps = false;

		put_u64(&b, r->n_src_ips);
		for (size_t j = 0; j < r->n_src_ips; j++) {
			put_str(&b, r->src_ips[j]);
			caps |= !strncmp(r->src_ips[j], "cap:", 4);
		}
		put_u64(&b, r->n_dst_ports);
		for (size_t j = 0; j < r->n_dst_ports; j++) {
			put_str(&b, r->dst_ports[j].ip);
			put_u64(&b, (uint64_t)r->dst_ports[j].first << 16 | r->dst_ports[j].last);
		}
		put_u64(&b, r->n_ip_proto);
		for (size_t j = 0; j < r->n_ip_proto; j++)
			put_u64(&b, (uint64_t)(int64_t)r->ip_proto[j]);
		put_u64(&b, r->legacy_bits);
		if (caps)
			put_caps(&b, cfg, r);
	}
	put_u64(&b, cfg->n_local);
	for (size_t i = 0; i < cfg->n_local; i++) {
		put_u64(&b, (uint64_t)cfg->local[i].family << 8 | cfg->local[i].bits);
		put(&b, cfg->local[i].addr, sizeof(cfg->local[i].addr));
	}
	rv = b.oom ? -ENOMEM : tn_blake2s(out, b.p, b.n);
	free(b.p);
	return rv < 0 ? -ENOMEM : 0;
}

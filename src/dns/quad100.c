/* The quad-100 service: IP/UDP in and out, the resolver, the forwarder
 * and the OS configuration tied together (see quad100.h). */
#include "dns/quad100.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns/config.h"
#include "dns/forwarder.h"
#include "dns/message.h"
#include "dns/resolver.h"
#include "net/checksum.h"
#include "util/log.h"

#define IP4_HDR 20
#define IP6_HDR 40
#define UDP_HDR 8
#define DNS_PORT 53
/* Local answers are far smaller; forwarded ones are cut to this. */
#define REPLY_MAX (TN_DNS_MAX_RESPONSE + 1)

struct tn_dns_quad100 {
	struct tn_loop *loop;
	tn_dns_deliver_fn deliver;
	void *ctx;
	char *ifname;                       /* NULL: userspace */
	struct tn_dns_os_options os_opts;
	bool have_os_opts;
	struct tn_dns_os *os;               /* created at the first accept-dns on */
	bool accept_dns;
	struct tn_dns_config *cfg;          /* from the last netmap */
	struct tn_dns_compiled *cc;         /* borrows cfg */
	struct tn_dns_os_config applied;    /* what the OS has from us */
	struct tn_dns_forwarder *fwd;
	struct tn_dns_stats stats;
	bool defer, in_packet;
	struct deferred *deferred, **deferred_tail;
	size_t n_deferred;
	struct tn_timer *defer_timer;
	uint8_t answer[REPLY_MAX];
	uint8_t pkt[IP6_HDR + UDP_HDR + REPLY_MAX];
};

static const struct tn_dns_resolver_config no_config;

struct deferred {
	struct deferred *next;
	size_t len;
	uint8_t pkt[];
};

static void deliver_deferred(struct tn_timer *t, void *arg)
{
	struct tn_dns_quad100 *q = arg;

	while (q->deferred) {
		struct deferred *d = q->deferred;

		q->deferred = d->next;
		q->n_deferred--;
		q->deliver(q->ctx, d->pkt, d->len);
		free(d);
	}
	q->deferred_tail = &q->deferred;
}

static void out(struct tn_dns_quad100 *q, uint8_t *pkt, size_t len)
{
	struct deferred *d;

	if (!q->defer || !q->in_packet) {
		q->stats.answered++;
		q->deliver(q->ctx, pkt, len);
		return;
	}
	if (q->n_deferred >= TN_DNS_QUAD100_MAX_DEFERRED || !(d = malloc(sizeof(*d) + len))) {
		q->stats.dropped++;
		return;
	}
	memcpy(d->pkt, pkt, len);
	d->len = len;
	d->next = NULL;
	*q->deferred_tail = d;
	q->deferred_tail = &d->next;
	q->n_deferred++;
	q->stats.answered++;
	tn_timer_arm(q->defer_timer, 0, 0);
}

/* Sends dns[0..len) back to client as one IP/UDP packet. */
static void reply(struct tn_dns_quad100 *q, const struct tn_dns_client *c, const uint8_t *dns,
		  size_t len)
{
	bool v4 = c->family == AF_INET;
	size_t ip_len = v4 ? IP4_HDR : IP6_HDR, alen = v4 ? 4 : 16, ulen = UDP_HDR + len;
	uint8_t *p = q->pkt, *u = p + ip_len;
	uint16_t sum;

	if (len > REPLY_MAX)
		return;
	memset(p, 0, ip_len + UDP_HDR);
	if (v4) {
		p[0] = 0x45;
		tn_dns_put16(p + 2, (uint16_t)(ip_len + ulen));
		tn_dns_put16(p + 6, 0x4000);     /* DF */
		p[8] = 64;
		p[9] = IPPROTO_UDP;
		memcpy(p + 12, c->dst, 4);
		memcpy(p + 16, c->src, 4);
		tn_dns_put16(p + 10, (uint16_t)~tn_csum_fold(tn_csum_add(0, p, IP4_HDR)));
	} else {
		p[0] = 0x60;
		tn_dns_put16(p + 4, (uint16_t)ulen);
		p[6] = IPPROTO_UDP;
		p[7] = 64;
		memcpy(p + 8, c->dst, 16);
		memcpy(p + 24, c->src, 16);
	}
	tn_dns_put16(u, c->dport);
	tn_dns_put16(u + 2, c->sport);
	tn_dns_put16(u + 4, (uint16_t)ulen);
	memcpy(u + UDP_HDR, dns, len);
	sum = (uint16_t)~tn_csum_fold(tn_csum_add(tn_csum_pseudo(c->dst, c->src, alen, IPPROTO_UDP,
								   (uint32_t)ulen),
						  u, ulen));
	tn_dns_put16(u + 6, sum ? sum : 0xffff);
	out(q, p, ip_len + ulen);
}

static void forwarded(void *ctx, const struct tn_dns_client *client, const uint8_t *query,
		      size_t qlen, const uint8_t *resp, size_t len)
{
	struct tn_dns_quad100 *q = ctx;
	int n;

	if (resp) {
		reply(q, client, resp, len);
		return;
	}
	if ((n = tn_dns_servfail(query, qlen, q->answer, sizeof(q->answer))) > 0)
		reply(q, client, q->answer, (size_t)n);
	else
		q->stats.dropped++;
}

/* The UDP payload of an IPv4 or IPv6 packet to port 53, and who sent it;
 * NULL when it is anything else. */
static const uint8_t *parse_udp(const uint8_t *p, size_t len, struct tn_dns_client *c, size_t *dlen)
{
	size_t ip_len, total;
	const uint8_t *u;
	size_t ulen;

	memset(c, 0, sizeof(*c));
	if ((p[0] >> 4) == 4) {
		ip_len = (size_t)(p[0] & 0xf) * 4;
		total = tn_dns_get16(p + 2);
		/* No options beyond the header, no fragments, UDP. */
		if (ip_len < IP4_HDR || total > len || total < ip_len + UDP_HDR ||
		    (tn_dns_get16(p + 6) & 0x3fff) || p[9] != IPPROTO_UDP)
			return NULL;
		c->family = AF_INET;
		memcpy(c->src, p + 12, 4);
		memcpy(c->dst, p + 16, 4);
	} else {
		ip_len = IP6_HDR;
		total = IP6_HDR + (size_t)tn_dns_get16(p + 4);
		/* Extension headers (fragments among them) are not taken. */
		if (total > len || total < ip_len + UDP_HDR || p[6] != IPPROTO_UDP)
			return NULL;
		c->family = AF_INET6;
		memcpy(c->src, p + 8, 16);
		memcpy(c->dst, p + 24, 16);
	}
	u = p + ip_len;
	ulen = tn_dns_get16(u + 4);
	if (ulen < UDP_HDR || ulen > total - ip_len || tn_dns_get16(u + 2) != DNS_PORT)
		return NULL;
	c->sport = tn_dns_get16(u);
	c->dport = DNS_PORT;
	*dlen = ulen - UDP_HDR;
	return u + UDP_HDR;
}

void tn_dns_quad100_packet(struct tn_dns_quad100 *q, const uint8_t *pkt, size_t len)
{
	const struct tn_dns_resolver_config *rc = q->cc ? &q->cc->resolver : &no_config;
	struct tn_dns_decision d;
	struct tn_dns_client c;
	const uint8_t *dns;
	size_t dlen;
	int r;

	if (!tn_dns_is_quad100(pkt, len) || !(dns = parse_udp(pkt, len, &c, &dlen))) {
		q->stats.dropped++;
		return;
	}
	q->stats.queries++;
	if (tn_dns_resolve(rc, dns, dlen, q->answer, sizeof(q->answer), &d) < 0)
		d.action = TN_DNS_DROP;
	q->in_packet = true;
	switch (d.action) {
	case TN_DNS_REPLY:
		reply(q, &c, q->answer, d.len);
		break;
	case TN_DNS_FORWARD:
		r = tn_dns_forwarder_query(q->fwd, dns, dlen, d.max_udp, d.route, &c);
		if (!r)
			q->stats.forwarded++;
		else if (r == -EINVAL && (r = tn_dns_servfail(dns, dlen, q->answer, sizeof(q->answer))) > 0)
			reply(q, &c, q->answer, (size_t)r);
		else
			q->stats.dropped++;
		break;
	case TN_DNS_DROP:
		q->stats.dropped++;
		break;
	}
	q->in_packet = false;
}

static bool os_wanted(const struct tn_dns_quad100 *q)
{
	return q->ifname && q->accept_dns;
}

/* Compiles the config for the current preference and OS, installs it and
 * tells the OS what changed. */
static int recompile(struct tn_dns_quad100 *q)
{
	enum tn_dns_os_kind kind = TN_DNS_OS_NONE;
	struct tn_dns_os_config base = { 0 };
	struct tn_dns_compiled *cc;
	bool have_base = false;
	int r = 0;

	if (os_wanted(q) && !q->os &&
	    !(q->os = tn_dns_os_new(q->ifname, q->have_os_opts ? &q->os_opts : NULL)))
		return -ENOMEM;
	if (!q->cfg)
		return 0;
	if (os_wanted(q)) {
		kind = tn_dns_os_split(q->os) ? TN_DNS_OS_SPLIT : TN_DNS_OS_DIRECT;
		have_base = kind == TN_DNS_OS_DIRECT && !tn_dns_os_base(q->os, &base);
	}
	cc = tn_dns_compile(q->cfg, q->accept_dns, kind, have_base ? &base : NULL);
	tn_dns_os_config_clear(&base);
	if (!cc)
		return -ENOMEM;
	tn_dns_compiled_free(q->cc);
	q->cc = cc;
	if (q->os && !tn_dns_os_config_equal(&cc->os, &q->applied)) {
		const struct tn_dns_os_config *want = os_wanted(q) ? &cc->os : &(struct tn_dns_os_config){ 0 };

		if (!(r = tn_dns_os_set(q->os, want))) {
			tn_dns_os_config_clear(&q->applied);
			r = tn_dns_os_config_copy(&q->applied, want);
			if (!tn_dns_os_config_is_zero(want))
				tn_log_info("dns", "OS DNS points at quad-100");
		}
	}
	return r;
}

int tn_dns_quad100_set_netmap(struct tn_dns_quad100 *q, const struct tn_netmap *nm)
{
	struct tn_dns_config *cfg = tn_dns_config_new(nm), *old = q->cfg;
	struct tn_dns_compiled *old_cc = q->cc;
	int r;

	if (!cfg)
		return -ENOMEM;
	/* The compiled config borrows from cfg: keep the old pair alive
	 * until the new one is in. */
	q->cfg = cfg;
	q->cc = NULL;
	if ((r = recompile(q)) == -ENOMEM && !q->cc) {
		q->cfg = old;
		q->cc = old_cc;
		tn_dns_config_free(cfg);
		return r;
	}
	tn_dns_compiled_free(old_cc);
	tn_dns_config_free(old);
	return r;
}

int tn_dns_quad100_set_accept_dns(struct tn_dns_quad100 *q, bool accept_dns)
{
	if (q->accept_dns == accept_dns)
		return 0;
	q->accept_dns = accept_dns;
	return recompile(q);
}

struct tn_dns_quad100 *tn_dns_quad100_new(struct tn_loop *loop,
					  const struct tn_dns_quad100_options *opts,
					  tn_dns_deliver_fn deliver, void *ctx)
{
	struct tn_dns_quad100 *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->loop = loop;
	q->deliver = deliver;
	q->ctx = ctx;
	if (opts && opts->ifname && !(q->ifname = strdup(opts->ifname)))
		goto fail;
	if (opts && opts->os) {
		q->os_opts = *opts->os;
		q->have_os_opts = true;
	}
	q->deferred_tail = &q->deferred;
	if (opts && opts->defer_replies) {
		q->defer = true;
		if (!(q->defer_timer = tn_timer_new(loop, deliver_deferred, q)))
			goto fail;
	}
	if (!(q->fwd = tn_dns_forwarder_new(loop, forwarded, q)))
		goto fail;
	return q;
fail:
	tn_dns_quad100_free(q);
	return NULL;
}

void tn_dns_quad100_free(struct tn_dns_quad100 *q)
{
	if (!q)
		return;
	tn_dns_forwarder_free(q->fwd);
	tn_timer_free(q->defer_timer);
	while (q->deferred) {
		struct deferred *d = q->deferred;

		q->deferred = d->next;
		free(d);
	}
	tn_dns_os_free(q->os);
	tn_dns_os_config_clear(&q->applied);
	tn_dns_compiled_free(q->cc);
	tn_dns_config_free(q->cfg);
	free(q->ifname);
	free(q);
}

void tn_dns_quad100_stats(const struct tn_dns_quad100 *q, struct tn_dns_stats *out)
{
	*out = q->stats;
	out->fwd_timeouts = tn_dns_forwarder_stats(q->fwd)->timeouts;
}

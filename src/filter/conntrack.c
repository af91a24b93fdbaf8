/* The filter's flow table (see conntrack.h): flows in one array, chained
 * from a bucket array by a seeded hash, with an LRU list through them;
 * indices rather than pointers, all allocated at creation. */
#include "filter/conntrack.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define NONE UINT32_MAX

/* A flow as its inbound packets name it: the peer's side is "remote". */
struct flow_key {
	struct tn_addr128 remote, local;
	uint16_t rport, lport;
	uint8_t proto, version;
};

struct flow {
	struct flow_key k;
	uint64_t expires;
	uint32_t chain;            /* next in bucket, or next free */
	uint32_t newer, older;     /* LRU neighbours */
	uint32_t bucket;
};

struct tn_conntrack {
	struct flow *flows;
	uint32_t *buckets;
	uint32_t mask;             /* buckets - 1 */
	uint32_t max, n;
	uint32_t free_head, newest, oldest;
	uint64_t seed;             /* so that a peer cannot aim at one bucket */
};

struct tn_conntrack *tn_conntrack_new(size_t max_flows)
{
	struct tn_conntrack *ct;
	size_t nb = 1;

	if (max_flows < 1 || max_flows > (1u << 24))
		return NULL;
	while (nb < 2 * max_flows)
		nb <<= 1;
	if (!(ct = calloc(1, sizeof(*ct))))
		return NULL;
	ct->flows = calloc(max_flows, sizeof(*ct->flows));
	ct->buckets = malloc(nb * sizeof(*ct->buckets));
	if (!ct->flows || !ct->buckets) {
		tn_conntrack_free(ct);
		return NULL;
	}
	ct->mask = (uint32_t)(nb - 1);
	ct->max = (uint32_t)max_flows;
	if (getrandom(&ct->seed, sizeof(ct->seed), GRND_NONBLOCK) != sizeof(ct->seed))
		ct->seed = (uint64_t)(uintptr_t)ct ^ tn_clock_now();
	tn_conntrack_flush(ct);
	return ct;
}

void tn_conntrack_free(struct tn_conntrack *ct)
{
	if (!ct)
		return;
	free(ct->flows);
	free(ct->buckets);
	free(ct);
}

void tn_conntrack_flush(struct tn_conntrack *ct)
{
	memset(ct->buckets, 0xff, ((size_t)ct->mask + 1) * sizeof(*ct->buckets));
	for (uint32_t i = 0; i < ct->max; i++)
		ct->flows[i].chain = i + 1 < ct->max ? i + 1 : NONE;
	ct->free_head = 0;
	ct->newest = ct->oldest = NONE;
	ct->n = 0;
}

size_t tn_conntrack_count(const struct tn_conntrack *ct)
{
	return ct->n;
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t rotl(uint64_t v, int r)
{
	return v << r | v >> (64 - r);
}

static uint32_t bucket_of(const struct tn_conntrack *ct, const struct flow_key *k)
{
	uint64_t h = mix(ct->seed ^ k->remote.hi ^ rotl(k->local.hi, 32));

	h = mix(h ^ k->remote.lo ^ rotl(k->local.lo, 21));
	h = mix(h ^ ((uint64_t)k->rport << 32 | (uint64_t)k->lport << 16 |
		     (uint64_t)k->proto << 8 | k->version));
	return (uint32_t)h & ct->mask;
}

static bool key_equal(const struct flow_key *a, const struct flow_key *b)
{
	return a->remote.lo == b->remote.lo && a->remote.hi == b->remote.hi &&
	       a->local.lo == b->local.lo && a->local.hi == b->local.hi &&
	       a->rport == b->rport && a->lport == b->lport && a->proto == b->proto &&
	       a->version == b->version;
}

static void lru_unlink(struct tn_conntrack *ct, uint32_t i)
{
	struct flow *f = &ct->flows[i];

	if (f->newer != NONE)
		ct->flows[f->newer].older = f->older;
	else
		ct->newest = f->older;
	if (f->older != NONE)
		ct->flows[f->older].newer = f->newer;
	else
		ct->oldest = f->newer;
}

static void lru_push_newest(struct tn_conntrack *ct, uint32_t i)
{
	struct flow *f = &ct->flows[i];

	f->newer = NONE;
	f->older = ct->newest;
	if (ct->newest != NONE)
		ct->flows[ct->newest].newer = i;
	ct->newest = i;
	if (ct->oldest == NONE)
		ct->oldest = i;
}

static void remove_flow(struct tn_conntrack *ct, uint32_t i)
{
	struct flow *f = &ct->flows[i];
	uint32_t *link = &ct->buckets[f->bucket];

	while (*link != i)
		link = &ct->flows[*link].chain;
	*link = f->chain;
	lru_unlink(ct, i);
	f->chain = ct->free_head;
	ct->free_head = i;
	ct->n--;
}

static uint32_t find(struct tn_conntrack *ct, const struct flow_key *k, uint32_t b)
{
	for (uint32_t i = ct->buckets[b]; i != NONE; i = ct->flows[i].chain)
		if (key_equal(&ct->flows[i].k, k))
			return i;
	return NONE;
}

static uint64_t timeout_of(const struct flow_key *k)
{
	return k->rport == 53 ? TN_CONNTRACK_DNS_TIMEOUT : TN_CONNTRACK_UDP_TIMEOUT;
}

static bool tracked(const struct tn_packet *p)
{
	return p->proto == TN_IPPROTO_UDP || p->proto == TN_IPPROTO_SCTP;
}

static void refresh(struct tn_conntrack *ct, uint32_t i, uint64_t now)
{
	ct->flows[i].expires = now + timeout_of(&ct->flows[i].k);
	if (ct->newest != i) {
		lru_unlink(ct, i);
		lru_push_newest(ct, i);
	}
}

void tn_conntrack_note(struct tn_conntrack *ct, const struct tn_packet *p, uint64_t now)
{
	struct flow_key k;
	uint32_t b, i;

	if (!tracked(p))
		return;
	memset(&k, 0, sizeof(k));
	k.remote = p->dst;
	k.rport = p->dport;
	k.local = p->src;
	k.lport = p->sport;
	k.proto = p->proto;
	k.version = p->version;
	b = bucket_of(ct, &k);
	if ((i = find(ct, &k, b)) != NONE) {
		refresh(ct, i, now);
		return;
	}
	/* Reclaim an expired flow at the old end, else the oldest if full. */
	if (ct->oldest != NONE &&
	    (ct->free_head == NONE || now >= ct->flows[ct->oldest].expires))
		remove_flow(ct, ct->oldest);
	i = ct->free_head;
	ct->free_head = ct->flows[i].chain;
	ct->flows[i].k = k;
	ct->flows[i].bucket = b;
	ct->flows[i].chain = ct->buckets[b];
	ct->buckets[b] = i;
	ct->flows[i].expires = now + timeout_of(&k);
	lru_push_newest(ct, i);
	ct->n++;
}

bool tn_conntrack_lookup(struct tn_conntrack *ct, const struct tn_packet *p, uint64_t now)
{
	struct flow_key k;
	uint32_t i;

	if (!tracked(p) || !ct->n)
		return false;
	memset(&k, 0, sizeof(k));
	k.remote = p->src;
	k.rport = p->sport;
	k.local = p->dst;
	k.lport = p->dport;
	k.proto = p->proto;
	k.version = p->version;
	if ((i = find(ct, &k, bucket_of(ct, &k))) == NONE)
		return false;
	if (now >= ct->flows[i].expires) {
		remove_flow(ct, i);
		return false;
	}
	refresh(ct, i, now);
	return true;
}

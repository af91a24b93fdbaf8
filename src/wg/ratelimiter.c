#include "wg/ratelimiter.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "util/clock.h"

/* Tokens are nanoseconds of credit: a packet costs 1/20 s and the bucket
 * holds five packets' worth, so the burst is part of the bucket size
 * rather than of the rate (as in the Linux module). */
#define PACKET_COST (TN_NSEC_PER_SEC / TN_WG_RATELIMITER_PACKETS_PER_SECOND)
#define TOKEN_MAX (PACKET_COST * TN_WG_RATELIMITER_BURST)
/* Average chain length when the table is full, as in the Linux module. */
#define ENTRIES_PER_BUCKET 8
#define MIN_BUCKETS 16

struct entry {
	struct entry *next;
	uint64_t ip;          /* the v4 address, or the v6 /64 */
	uint64_t last_ns;
	uint64_t tokens;
	int family;
};

struct tn_wg_ratelimiter {
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t nbuckets;      /* a power of two */
	size_t count, max_entries;
	uint64_t k0, k1;      /* hash key */
};

_Static_assert(TN_NSEC_PER_SEC % TN_WG_RATELIMITER_PACKETS_PER_SECOND == 0,
	       "the packet cost must be a whole number of nanoseconds");

struct tn_wg_ratelimiter *tn_wg_ratelimiter_new(void)
{
	return tn_wg_ratelimiter_new_bounded(0);
}

struct tn_wg_ratelimiter *tn_wg_ratelimiter_new_bounded(size_t max_entries)
{
	struct tn_wg_ratelimiter *rl = calloc(1, sizeof(*rl));
	uint64_t key[2];

	if (!rl)
		return NULL;
	rl->max_entries = max_entries ? max_entries : TN_WG_RATELIMITER_MAX_ENTRIES;
	rl->nbuckets = MIN_BUCKETS;
	while (rl->nbuckets < rl->max_entries / ENTRIES_PER_BUCKET)
		rl->nbuckets *= 2;
	rl->buckets = calloc(rl->nbuckets, sizeof(*rl->buckets));
	if (!rl->buckets)
		goto fail;
	/* The hash key only spreads sources; a weak key degrades speed,
	 * never correctness, so a short read is not fatal. */
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		key[0] = (uint64_t)(uintptr_t)rl ^ tn_clock_now();
		key[1] = ~key[0];
	}
	rl->k0 = key[0];
	rl->k1 = key[1];
	if (pthread_mutex_init(&rl->lock, NULL))
		goto fail;
	return rl;
fail:
	free(rl->buckets);
	free(rl);
	return NULL;
}

void tn_wg_ratelimiter_free(struct tn_wg_ratelimiter *rl)
{
	if (!rl)
		return;
	for (size_t i = 0; i < rl->nbuckets; i++) {
		for (struct entry *e = rl->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	pthread_mutex_destroy(&rl->lock);
	free(rl->buckets);
	free(rl);
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3)                                         \
	do {                                                             \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                   \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                   \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/* SipHash-1-3 of the two words (ip, family): keyed, so the bucket of a
 * source cannot be predicted from outside. */
static size_t bucket_of(const struct tn_wg_ratelimiter *rl, uint64_t ip,
			int family)
{
	uint64_t v0 = rl->k0 ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = rl->k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = rl->k0 ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = rl->k1 ^ UINT64_C(0x7465646279746573);
	uint64_t m[2] = { ip, (uint64_t)family }, b = UINT64_C(16) << 56;

	for (int i = 0; i < 2; i++) {
		v3 ^= m[i];
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return (size_t)((v0 ^ v1 ^ v2 ^ v3) & (rl->nbuckets - 1));
}

bool tn_wg_ratelimiter_allow(struct tn_wg_ratelimiter *rl, const uint8_t *addr,
			     int family)
{
	uint64_t ip = 0, now;
	struct entry *e;
	size_t b;
	bool ok;

	if (family == AF_INET)
		memcpy(&ip, addr, 4);
	else if (family == AF_INET6)
		memcpy(&ip, addr, 8); /* the /64 */
	else
		return false;

	pthread_mutex_lock(&rl->lock);
	now = tn_clock_now();
	b = bucket_of(rl, ip, family);
	for (e = rl->buckets[b]; e; e = e->next) {
		if (e->ip == ip && e->family == family) {
			uint64_t tokens = e->tokens + (now - e->last_ns);

			if (tokens > TOKEN_MAX)
				tokens = TOKEN_MAX;
			e->last_ns = now;
			ok = tokens >= PACKET_COST;
			e->tokens = ok ? tokens - PACKET_COST : tokens;
			goto out;
		}
	}
	/* A new source starts with a full bucket, this packet paid for. */
	ok = false;
	if (rl->count >= rl->max_entries || !(e = malloc(sizeof(*e))))
		goto out;
	e->ip = ip;
	e->family = family;
	e->last_ns = now;
	e->tokens = TOKEN_MAX - PACKET_COST;
	e->next = rl->buckets[b];
	rl->buckets[b] = e;
	rl->count++;
	ok = true;
out:
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

size_t tn_wg_ratelimiter_gc(struct tn_wg_ratelimiter *rl)
{
	size_t dropped = 0;
	uint64_t now;

	pthread_mutex_lock(&rl->lock);
	now = tn_clock_now();
	for (size_t i = 0; i < rl->nbuckets; i++) {
		for (struct entry **pp = &rl->buckets[i], *e; (e = *pp);) {
			if (now - e->last_ns > TN_WG_RATELIMITER_IDLE_NS) {
				*pp = e->next;
				free(e);
				dropped++;
			} else {
				pp = &e->next;
			}
		}
	}
	rl->count -= dropped;
	pthread_mutex_unlock(&rl->lock);
	return dropped;
}

size_t tn_wg_ratelimiter_count(struct tn_wg_ratelimiter *rl)
{
	size_t n;

	pthread_mutex_lock(&rl->lock);
	n = rl->count;
	pthread_mutex_unlock(&rl->lock);
	return n;
}

/* The device: identity, peer set, local index table, configuration API. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "util/clock.h"
#include "wg/peer.h"
#include "wg/timers.h"

#define DEFAULT_MTU 1280
#define MAX_MTU 65535

struct tn_wg_device *tn_wg_device_new(struct tn_loop *loop, const struct tn_wg_path_ops *path,
				      void *path_ctx, tn_wg_deliver_fn deliver, void *deliver_ctx)
{
	struct tn_wg_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->loop = loop;
	dev->path = path;
	dev->path_ctx = path_ctx;
	dev->deliver = deliver;
	dev->deliver_ctx = deliver_ctx;
	dev->mtu = DEFAULT_MTU;
	dev->scratch_len = TN_WG_DATA_MIN_LEN + MAX_MTU + 16;
	dev->scratch = malloc(dev->scratch_len);
	dev->rx_scratch_len = 65536;
	dev->rx_scratch = malloc(dev->rx_scratch_len);
	dev->ratelimiter = tn_wg_ratelimiter_new();
	tn_wg_allowedips_init(&dev->aips);
	if (!dev->scratch || !dev->rx_scratch || !dev->ratelimiter) {
		tn_wg_device_free(dev);
		return NULL;
	}
	return dev;
}

void tn_wg_device_free(struct tn_wg_device *dev)
{
	if (!dev)
		return;
	while (dev->npeers)
		tn_wg_peer_remove(dev->peers[dev->npeers - 1]);
	free(dev->peers);
	free(dev->index);
	tn_wg_allowedips_free(&dev->aips);
	tn_wg_ratelimiter_free(dev->ratelimiter);
	free(dev->scratch);
	free(dev->rx_scratch);
	tn_crypto_wipe(&dev->id, sizeof(dev->id));
	tn_crypto_wipe(&dev->cookie_checker, sizeof(dev->cookie_checker));
	free(dev);
}

int tn_wg_device_set_private_key(struct tn_wg_device *dev, const uint8_t priv[TN_WG_KEY_LEN])
{
	struct tn_wg_identity id;
	int r = tn_wg_identity_init(&id, priv);

	if (r < 0)
		return -EINVAL;
	for (size_t i = 0; i < dev->npeers; i++) {
		struct tn_wg_peer *p = dev->peers[i];

		if (tn_crypto_equal(p->pub, id.pub, TN_WG_KEY_LEN)) {
			tn_crypto_wipe(&id, sizeof(id));
			return -EINVAL; /* a peer with our own key */
		}
	}
	dev->id = id;
	dev->has_identity = true;
	tn_crypto_wipe(&id, sizeof(id));
	for (size_t i = 0; i < dev->npeers; i++) {
		struct tn_wg_peer *p = dev->peers[i];
		struct tn_wg_handshake hs;
		uint8_t psk[TN_WG_KEY_LEN];

		memcpy(psk, p->hs.psk, sizeof(psk));
		tn_wg_peer_clear_keypairs(p);
		if (p->hs.local_index)
			tn_wg_index_del(dev, p->hs.local_index);
		if (tn_wg_handshake_init(&hs, &dev->id, p->pub, psk) == 0)
			p->hs = hs;
		tn_crypto_wipe(&hs, sizeof(hs));
		tn_crypto_wipe(psk, sizeof(psk));
	}
	return 0;
}

const uint8_t *tn_wg_device_public_key(const struct tn_wg_device *dev)
{
	return dev->has_identity ? dev->id.pub : NULL;
}

const struct tn_wg_stats *tn_wg_device_stats(const struct tn_wg_device *dev)
{
	return &dev->stats;
}

void tn_wg_device_set_mtu(struct tn_wg_device *dev, unsigned mtu)
{
	dev->mtu = mtu > MAX_MTU ? MAX_MTU : mtu;
}

void tn_wg_log_drop(struct tn_wg_device *dev, const char *fmt, ...)
{
	char msg[256];
	uint64_t now;
	va_list ap;

	if (tn_log_get_level() < TN_LOG_DEBUG)
		return;
	now = tn_clock_now();
	if (dev->drop_log_time && now - dev->drop_log_time < TN_NSEC_PER_SEC)
		return;
	dev->drop_log_time = now ? now : 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tn_log_debug("wg", "dropped: %s (at most one such line per second)", msg);
}

/* ---- local index table: random 32-bit indices, open addressing ---- */

static size_t index_slot(uint32_t index, size_t cap)
{
	/* Indices are random already; a multiplicative hash spreads test ones. */
	return (size_t)((index * 2654435761u) & (cap - 1));
}

/* Rebuilds the table without tombstones: at the same size when they were
 * what filled it (handshakes come and go all the time), doubled when live
 * entries need the room.  Without the same-size case the table would grow
 * with every handshake ever made. */
static int index_rehash(struct tn_wg_device *dev)
{
	size_t cap = !dev->index_cap ? 64
		: dev->index_live * 4 >= dev->index_cap ? dev->index_cap * 2 : dev->index_cap;
	struct tn_wg_index_entry *old = dev->index, *t = calloc(cap, sizeof(*t));
	size_t oldcap = dev->index_cap;

	if (!t)
		return -ENOMEM;
	dev->index = t;
	dev->index_cap = cap;
	dev->index_used = 0;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].index || old[i].tombstone)
			continue;
		size_t s = index_slot(old[i].index, cap);

		while (t[s].index)
			s = (s + 1) & (cap - 1);
		t[s] = old[i];
		dev->index_used++;
	}
	free(old);
	return 0;
}

int tn_wg_index_add(struct tn_wg_device *dev, struct tn_wg_peer *peer,
		    struct tn_wg_keypair *kp, uint32_t *out_index)
{
	int r;

	if ((dev->index_used + 1) * 2 > dev->index_cap && (r = index_rehash(dev)) < 0)
		return r;
	for (;;) {
		uint32_t idx;

		if ((r = tn_crypto_random(&idx, sizeof(idx))) < 0)
			return r;
		if (!idx || tn_wg_index_find(dev, idx))
			continue;
		size_t s = index_slot(idx, dev->index_cap);

		while (dev->index[s].index && !dev->index[s].tombstone)
			s = (s + 1) & (dev->index_cap - 1);
		if (!dev->index[s].index)
			dev->index_used++;
		dev->index_live++;
		dev->index[s] = (struct tn_wg_index_entry){ .index = idx, .peer = peer, .keypair = kp };
		*out_index = idx;
		return 0;
	}
}

struct tn_wg_index_entry *tn_wg_index_find(struct tn_wg_device *dev, uint32_t index)
{
	if (!dev->index_cap || !index)
		return NULL;
	for (size_t s = index_slot(index, dev->index_cap);; s = (s + 1) & (dev->index_cap - 1)) {
		struct tn_wg_index_entry *e = &dev->index[s];

		if (!e->index)
			return NULL;
		if (!e->tombstone && e->index == index)
			return e;
	}
}

void tn_wg_index_del(struct tn_wg_device *dev, uint32_t index)
{
	struct tn_wg_index_entry *e = tn_wg_index_find(dev, index);

	if (e) {
		dev->index_live--;
		e->tombstone = true;
		e->peer = NULL;
		e->keypair = NULL;
	}
}

/* ---- peers: kept sorted by public key, found by binary search (the
 * DERP receive path looks a peer up for every packet) ---- */

/* Where pub is, or would go, in dev->peers. */
static size_t peer_pos(const struct tn_wg_device *dev, const uint8_t pub[TN_WG_KEY_LEN], bool *found)
{
	size_t lo = 0, hi = dev->npeers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(dev->peers[mid]->pub, pub, TN_WG_KEY_LEN);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

int tn_wg_peer_add(struct tn_wg_device *dev, const uint8_t pub[TN_WG_KEY_LEN],
		   const uint8_t psk[TN_WG_KEY_LEN], struct tn_wg_peer **out)
{
	struct tn_wg_peer *p;
	bool found;
	size_t pos = peer_pos(dev, pub, &found);
	int r;

	if (found)
		return -EEXIST;
	if (dev->has_identity && tn_crypto_equal(pub, dev->id.pub, TN_WG_KEY_LEN))
		return -EINVAL;
	if (dev->npeers == dev->peers_cap) {
		size_t cap = dev->peers_cap ? dev->peers_cap * 2 : 8;
		struct tn_wg_peer **n = realloc(dev->peers, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		dev->peers = n;
		dev->peers_cap = cap;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	p->dev = dev;
	memcpy(p->pub, pub, TN_WG_KEY_LEN);
	if (dev->has_identity && (r = tn_wg_handshake_init(&p->hs, &dev->id, pub, psk)) < 0) {
		free(p);
		return r;
	}
	if (!dev->has_identity && psk)
		memcpy(p->hs.psk, psk, TN_WG_KEY_LEN);
	if ((r = tn_wg_timers_init(p)) < 0) {
		tn_wg_timers_free(p);
		tn_crypto_wipe(p, sizeof(*p));
		free(p);
		return r;
	}
	memmove(dev->peers + pos + 1, dev->peers + pos, (dev->npeers - pos) * sizeof(*dev->peers));
	dev->peers[pos] = p;
	dev->npeers++;
	if (out)
		*out = p;
	return 0;
}

struct tn_wg_peer *tn_wg_peer_lookup(struct tn_wg_device *dev, const uint8_t pub[TN_WG_KEY_LEN])
{
	bool found;
	size_t pos = peer_pos(dev, pub, &found);

	return found ? dev->peers[pos] : NULL;
}

size_t tn_wg_device_peers(struct tn_wg_device *dev, struct tn_wg_peer ***out)
{
	if (out) {
		*out = malloc((dev->npeers ? dev->npeers : 1) * sizeof(**out));
		if (!*out)
			return 0;
		if (dev->npeers)
			memcpy(*out, dev->peers, dev->npeers * sizeof(**out));
	}
	return dev->npeers;
}

void tn_wg_peer_remove(struct tn_wg_peer *peer)
{
	struct tn_wg_device *dev = peer->dev;
	bool found;
	size_t pos = peer_pos(dev, peer->pub, &found);

	if (found) {
		dev->npeers--;
		memmove(dev->peers + pos, dev->peers + pos + 1, (dev->npeers - pos) * sizeof(*dev->peers));
	}
	tn_wg_allowedips_remove_by_peer(&dev->aips, peer);
	tn_wg_timers_free(peer);
	tn_wg_peer_clear_keypairs(peer);
	if (peer->hs.local_index)
		tn_wg_index_del(dev, peer->hs.local_index);
	tn_wg_peer_purge_staged(peer);
	tn_crypto_wipe(peer, sizeof(*peer));
	free(peer);
}

int tn_wg_peer_add_allowed_ip(struct tn_wg_peer *peer, int family, const uint8_t *addr,
			      uint8_t cidr)
{
	return tn_wg_allowedips_insert(&peer->dev->aips, family, addr, cidr, peer);
}

void tn_wg_peer_clear_allowed_ips(struct tn_wg_peer *peer)
{
	tn_wg_allowedips_remove_by_peer(&peer->dev->aips, peer);
}

void tn_wg_peer_set_endpoint(struct tn_wg_peer *peer, const struct sockaddr *sa, socklen_t len)
{
	if (!sa || len > sizeof(peer->endpoint.addr)) {
		peer->endpoint.len = 0;
		return;
	}
	memcpy(&peer->endpoint.addr, sa, len);
	peer->endpoint.len = len;
	peer->endpoint.seen = 0;
}

void tn_wg_peer_confirm_endpoint(struct tn_wg_peer *peer, const struct sockaddr *sa, socklen_t len)
{
	tn_wg_peer_set_endpoint(peer, sa, len);
	if (peer->endpoint.len)
		peer->endpoint.seen = tn_clock_now();
}

const struct tn_wg_endpoint *tn_wg_peer_endpoint(const struct tn_wg_peer *peer)
{
	return &peer->endpoint;
}

const uint8_t *tn_wg_peer_public_key(const struct tn_wg_peer *peer)
{
	return peer->pub;
}

uint64_t tn_wg_peer_last_handshake(const struct tn_wg_peer *peer)
{
	return peer->last_handshake_wall;
}

void tn_wg_peer_set_path_data(struct tn_wg_peer *peer, void *data)
{
	peer->path_data = data;
}

void *tn_wg_peer_path_data(const struct tn_wg_peer *peer)
{
	return peer->path_data;
}

void tn_wg_peer_initiate_handshake(struct tn_wg_peer *peer)
{
	tn_wg_send_initiation(peer, false);
}

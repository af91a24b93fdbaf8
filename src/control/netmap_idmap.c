/* The netmap's ID → pointer table: open addressing with linear probing,
 * load kept at or below one half, deletion by backward shift (no
 * tombstones), key 0 marks an empty slot.  Lookup is O(1) expected. */
#include "control/netmap.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64's finaliser: IDs are often sequential. */
static size_t slot_of(int64_t key, size_t cap)
{
	uint64_t x = (uint64_t)key;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (size_t)x & (cap - 1);
}

void tn_netmap_idmap_free(struct tn_netmap_idmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static void insert_fresh(int64_t *keys, void **vals, size_t cap, int64_t key,
			 void *val)
{
	size_t i = slot_of(key, cap);

	while (keys[i])
		i = (i + 1) & (cap - 1);
	keys[i] = key;
	vals[i] = val;
}

int tn_netmap_idmap_reserve(struct tn_netmap_idmap *m, size_t n)
{
	size_t cap = 16;
	int64_t *keys;
	void **vals;

	if (n > SIZE_MAX / 4)
		return -ENOMEM;
	while (cap < 2 * n)
		cap *= 2;
	if (cap <= m->cap)
		return 0;
	keys = calloc(cap, sizeof(*keys));
	vals = calloc(cap, sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			insert_fresh(keys, vals, cap, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

void *tn_netmap_idmap_get(const struct tn_netmap_idmap *m, int64_t key)
{
	size_t i;

	if (!m->cap || !key)
		return NULL;
	for (i = slot_of(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return NULL;
}

void *tn_netmap_idmap_put(struct tn_netmap_idmap *m, int64_t key, void *val)
{
	size_t i;

	assert(key && m->cap);
	for (i = slot_of(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			void *old = m->vals[i];

			m->vals[i] = val;
			return old;
		}
	assert(2 * (m->n + 1) <= m->cap);
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return NULL;
}

void *tn_netmap_idmap_del(struct tn_netmap_idmap *m, int64_t key)
{
	size_t mask = m->cap - 1, i, j;
	void *val;

	if (!m->cap || !key)
		return NULL;
	for (i = slot_of(key, m->cap); m->keys[i]; i = (i + 1) & mask)
		if (m->keys[i] == key)
			break;
	if (!m->keys[i])
		return NULL;
	val = m->vals[i];
	/* Backward shift: move later members of the probe run into the hole
	 * unless their home slot lies cyclically in (hole, them]. */
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		size_t home = slot_of(m->keys[j], m->cap);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->vals[i] = NULL;
	m->n--;
	return val;
}

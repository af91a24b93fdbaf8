/* Address range sets for the packet filter (see ipset.h). */
#include "filter/ipset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Sets this small are searched linearly: cheaper than the branches of a
 * binary search (the typical local set has two ranges per family). */
#define LINEAR_MAX 4

int tn_ipset_add(struct tn_ipset *s, struct tn_addr128 lo, struct tn_addr128 hi)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct tn_ipset_range *r;

		if (cap > SIZE_MAX / sizeof(*r) || !(r = realloc(s->r, cap * sizeof(*r))))
			return -ENOMEM;
		s->r = r;
		s->cap = cap;
	}
	s->r[s->n].lo = lo;
	s->r[s->n].hi = hi;
	s->n++;
	return 0;
}

int tn_ipset_add_all(struct tn_ipset *s, const struct tn_ipset_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tn_ipset_add(s, r[i].lo, r[i].hi))
			return -ENOMEM;
	return 0;
}

/* The host mask of a prefix: the bits below it set. */
static struct tn_addr128 host_mask(int version, unsigned bits)
{
	struct tn_addr128 m = { 0, 0 };
	unsigned host = (version == 4 ? 32u : 128u) - bits;

	if (host >= 128) {
		m.hi = m.lo = UINT64_MAX;
	} else if (host >= 64) {
		m.lo = UINT64_MAX;
		m.hi = host == 64 ? 0 : UINT64_MAX >> (128 - host);
	} else if (host > 0) {
		m.lo = UINT64_MAX >> (64 - host);
	}
	return m;
}

struct tn_ipset_range tn_ipset_prefix_range(int version, const uint8_t *addr, unsigned bits)
{
	struct tn_addr128 a = tn_addr128_from_bytes(version, addr);
	struct tn_addr128 m = host_mask(version, bits);
	struct tn_ipset_range r;

	r.lo.hi = a.hi & ~m.hi;
	r.lo.lo = a.lo & ~m.lo;
	r.hi.hi = a.hi | m.hi;
	r.hi.lo = a.lo | m.lo;
	return r;
}

bool tn_ipset_prefix_has_host_bits(int version, const uint8_t *addr, unsigned bits)
{
	struct tn_addr128 a = tn_addr128_from_bytes(version, addr);
	struct tn_addr128 m = host_mask(version, bits);

	return (a.hi & m.hi) || (a.lo & m.lo);
}

int tn_ipset_add_prefix(struct tn_ipset *s, int version, const uint8_t *addr, unsigned bits)
{
	struct tn_ipset_range r = tn_ipset_prefix_range(version, addr, bits);

	return tn_ipset_add(s, r.lo, r.hi);
}

static int cmp_range(const void *a, const void *b)
{
	const struct tn_ipset_range *x = a, *y = b;

	return tn_addr128_cmp(x->lo, y->lo);
}

/* a + 1 == b, without overflow. */
static bool adjacent(struct tn_addr128 a, struct tn_addr128 b)
{
	if (a.lo == UINT64_MAX)
		return a.hi != UINT64_MAX && b.hi == a.hi + 1 && b.lo == 0;
	return b.hi == a.hi && b.lo == a.lo + 1;
}

void tn_ipset_normalize(struct tn_ipset *s)
{
	size_t out = 0;

	if (s->n < 2)
		return;
	qsort(s->r, s->n, sizeof(*s->r), cmp_range);
	for (size_t i = 1; i < s->n; i++) {
		struct tn_ipset_range *last = &s->r[out];

		if (tn_addr128_le(s->r[i].lo, last->hi) || adjacent(last->hi, s->r[i].lo)) {
			if (tn_addr128_cmp(s->r[i].hi, last->hi) > 0)
				last->hi = s->r[i].hi;
		} else {
			s->r[++out] = s->r[i];
		}
	}
	s->n = out + 1;
}

void tn_ipset_free(struct tn_ipset *s)
{
	free(s->r);
	memset(s, 0, sizeof(*s));
}

/* The index of the last range with lo <= a, or n when there is none. */
static size_t floor_index(const struct tn_ipset_range *r, size_t n, struct tn_addr128 a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tn_addr128_le(r[mid].lo, a))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : n;
}

bool tn_ipset_contains(const struct tn_ipset_range *r, size_t n, struct tn_addr128 a)
{
	size_t i;

	if (n <= LINEAR_MAX) {
		for (i = 0; i < n; i++)
			if (tn_addr128_le(r[i].lo, a) && tn_addr128_le(a, r[i].hi))
				return true;
		return false;
	}
	i = floor_index(r, n, a);
	return i < n && tn_addr128_le(a, r[i].hi);
}

bool tn_ipset_overlaps(const struct tn_ipset_range *r, size_t n, struct tn_addr128 lo,
		       struct tn_addr128 hi)
{
	size_t i = floor_index(r, n, hi);

	/* The last range starting at or before hi overlaps iff it ends at or
	 * after lo (earlier ones end before it starts: disjoint, sorted). */
	return i < n && tn_addr128_le(lo, r[i].hi);
}

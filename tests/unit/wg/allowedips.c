/* Longest-prefix-match table: the cases of the Linux module's allowedips
 * self-test re-stated as tables, plus our own edge cases and a randomized
 * comparison against a linear-scan model. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "wg/allowedips.h"

/* Peers are just distinct addresses. */
static char peer_storage[8];
#define A ((void *)&peer_storage[0])
#define B ((void *)&peer_storage[1])
#define C ((void *)&peer_storage[2])
#define D ((void *)&peer_storage[3])
#define E ((void *)&peer_storage[4])
#define F ((void *)&peer_storage[5])
#define G ((void *)&peer_storage[6])
#define H ((void *)&peer_storage[7])

/* An address as 16 bytes; IPv4 uses the first 4.  v6 is written as four
 * 32-bit words, as the Linux self-test does. */
struct addr {
	int family;
	uint8_t b[16];
};

static struct addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (struct addr){ AF_INET, { a, b, c, d } };
}

static struct addr v6(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	struct addr r = { AF_INET6, { 0 } };
	uint32_t w[4] = { a, b, c, d };

	for (int i = 0; i < 16; i++)
		r.b[i] = (uint8_t)(w[i / 4] >> (24 - 8 * (i % 4)));
	return r;
}

static void insert(struct tn_wg_allowedips *t, void *peer, struct addr a,
		   uint8_t cidr)
{
	assert_int_equal(tn_wg_allowedips_insert(t, a.family, a.b, cidr, peer), 0);
}

static void *lookup(const struct tn_wg_allowedips *t, struct addr a)
{
	return tn_wg_allowedips_lookup(t, a.family, a.b);
}

struct route {
	void *peer;
	struct addr a;
	uint8_t cidr;
};

struct probe {
	void *want;
	struct addr a;
};

static void insert_all(struct tn_wg_allowedips *t, const struct route *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		insert(t, r[i].peer, r[i].a, r[i].cidr);
}

static void probe_all(const struct tn_wg_allowedips *t, const struct probe *p,
		      size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lookup(t, p[i].a) != p[i].want)
			fail_msg("probe %zu: wrong peer", i + 1);
}

#define N(x) (sizeof(x) / sizeof((x)[0]))

/* The Linux self-test's static table and its lookups, then its removal
 * checks, all on one table as there. */
static void linux_selftest(void **state)
{
	const struct route routes[] = {
		{ A, v4(192, 168, 4, 0), 24 },
		{ B, v4(192, 168, 4, 4), 32 },
		{ C, v4(192, 168, 0, 0), 16 },
		{ D, v4(192, 95, 5, 64), 27 },
		{ C, v4(192, 95, 5, 65), 27 }, /* replaces D; host bits masked */
		{ D, v6(0x26075300, 0x60006b00, 0, 0xc05f0543), 128 },
		{ C, v6(0x26075300, 0x60006b00, 0, 0), 64 },
		{ E, v4(0, 0, 0, 0), 0 },
		{ E, v6(0, 0, 0, 0), 0 },
		{ F, v6(0, 0, 0, 0), 0 },      /* replaces E */
		{ G, v6(0x24046800, 0, 0, 0), 32 },
		{ H, v6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef), 64 },
		{ A, v6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef), 128 },
		{ C, v6(0x24446800, 0x40e40800, 0xdeaebeef, 0x0defbeef), 128 },
		{ B, v6(0x24446800, 0xf0e40800, 0xeeaebeef, 0), 98 },
		{ G, v4(64, 15, 112, 0), 20 },
		{ H, v4(64, 15, 123, 211), 25 }, /* host bits masked */
		{ A, v4(10, 0, 0, 0), 25 },
		{ B, v4(10, 0, 0, 128), 25 },
		{ A, v4(10, 1, 0, 0), 30 },
		{ B, v4(10, 1, 0, 4), 30 },
		{ C, v4(10, 1, 0, 8), 29 },
		{ D, v4(10, 1, 0, 16), 29 },
	};
	const struct probe probes[] = {
		{ A, v4(192, 168, 4, 20) },
		{ A, v4(192, 168, 4, 0) },
		{ B, v4(192, 168, 4, 4) },
		{ C, v4(192, 168, 200, 182) },
		{ C, v4(192, 95, 5, 68) },
		{ E, v4(192, 95, 5, 96) },
		{ D, v6(0x26075300, 0x60006b00, 0, 0xc05f0543) },
		{ C, v6(0x26075300, 0x60006b00, 0, 0xc02e01ee) },
		{ F, v6(0x26075300, 0x60006b01, 0, 0) },
		{ G, v6(0x24046800, 0x40040806, 0, 0x1006) },
		{ G, v6(0x24046800, 0x40040806, 0x1234, 0x5678) },
		{ F, v6(0x240467ff, 0x40040806, 0x1234, 0x5678) },
		{ F, v6(0x24046801, 0x40040806, 0x1234, 0x5678) },
		{ H, v6(0x24046800, 0x40040800, 0x1234, 0x5678) },
		{ H, v6(0x24046800, 0x40040800, 0, 0) },
		{ H, v6(0x24046800, 0x40040800, 0x10101010, 0x10101010) },
		{ A, v6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef) },
		{ G, v4(64, 15, 116, 26) },
		{ G, v4(64, 15, 127, 3) },
		{ G, v4(64, 15, 123, 1) },
		{ H, v4(64, 15, 123, 128) },
		{ H, v4(64, 15, 123, 129) },
		{ A, v4(10, 0, 0, 52) },
		{ B, v4(10, 0, 0, 220) },
		{ A, v4(10, 1, 0, 2) },
		{ B, v4(10, 1, 0, 6) },
		{ C, v4(10, 1, 0, 10) },
		{ D, v4(10, 1, 0, 20) },
	};
	const struct addr spread[] = {
		v4(1, 0, 0, 0), v4(64, 0, 0, 0), v4(128, 0, 0, 0),
		v4(192, 0, 0, 0), v4(255, 0, 0, 0),
	};
	const struct addr a6 = v6(0x24446801, 0x40e40800, 0xdeaebeef, 0x0defbeef);
	const struct addr b6 = v6(0x24446800, 0xf0e40800, 0xeeaebeef, 0);
	const struct addr b6_host = v6(0x24446800, 0xf0e40800, 0xeeaebeef, 0x10101010);
	struct tn_wg_allowedips t;

	tn_wg_allowedips_init(&t);
	insert_all(&t, routes, N(routes));
	probe_all(&t, probes, N(probes));

	/* Removing a peer takes all of its prefixes, spread over the trie. */
	for (size_t i = 0; i < N(spread); i++)
		insert(&t, A, spread[i], 32);
	tn_wg_allowedips_remove_by_peer(&t, A);
	for (size_t i = 0; i < N(spread); i++)
		assert_ptr_not_equal(lookup(&t, spread[i]), A);

	/* Removing one prefix needs an exact prefix and the right peer. */
	insert(&t, A, v4(1, 0, 0, 0), 32);
	insert(&t, A, v4(192, 0, 0, 0), 24);
	insert(&t, A, a6, 128);
	insert(&t, A, b6, 98);
	assert_ptr_equal(lookup(&t, v4(1, 0, 0, 0)), A);
	assert_ptr_equal(lookup(&t, v4(192, 0, 0, 1)), A);
	assert_ptr_equal(lookup(&t, a6), A);
	assert_ptr_equal(lookup(&t, b6_host), A);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET, v4(192, 0, 0, 0).b, 32, A), -ENOENT);
	assert_ptr_equal(lookup(&t, v4(192, 0, 0, 1)), A);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET, v4(192, 0, 0, 0).b, 24, A), 0);
	assert_ptr_not_equal(lookup(&t, v4(192, 0, 0, 1)), A);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET, v4(1, 0, 0, 0).b, 32, A), 0);
	assert_ptr_not_equal(lookup(&t, v4(1, 0, 0, 0)), A);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET6, a6.b, 96, A), -ENOENT);
	assert_ptr_equal(lookup(&t, a6), A);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET6, a6.b, 128, A), 0);
	assert_ptr_not_equal(lookup(&t, a6), A);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET6, b6.b, 98, B), -ENOENT);
	assert_ptr_equal(lookup(&t, b6_host), A);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET6, b6.b, 98, A), 0);
	assert_ptr_not_equal(lookup(&t, b6_host), A);

	/* A prefix and a longer one inside it, both of one peer. */
	tn_wg_allowedips_free(&t);
	insert(&t, A, v4(192, 168, 0, 0), 16);
	insert(&t, A, v4(192, 168, 0, 0), 24);
	tn_wg_allowedips_remove_by_peer(&t, A);
	assert_null(lookup(&t, v4(192, 168, 0, 1)));
	assert_null(t.root4);
	tn_wg_allowedips_free(&t);
}

/* 128 host routes each differing from all-ones in one bit: the deepest
 * possible trie (every level a glue node). */
static void deepest_trie(void **state)
{
	struct tn_wg_allowedips t;
	struct addr a = { AF_INET6, { 0 } };

	tn_wg_allowedips_init(&t);
	for (int i = 0; i < 128; i++) {
		memset(a.b, 0xff, 16);
		a.b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
		insert(&t, i % 2 ? A : B, a, 128);
	}
	assert_int_equal(tn_wg_allowedips_count(&t, A), 64);
	assert_int_equal(tn_wg_allowedips_count(&t, B), 64);
	for (int i = 0; i < 128; i++) {
		memset(a.b, 0xff, 16);
		a.b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
		assert_ptr_equal(lookup(&t, a), i % 2 ? A : B);
	}
	memset(a.b, 0xff, 16);
	assert_null(lookup(&t, a));
	tn_wg_allowedips_remove_by_peer(&t, B);
	for (int i = 0; i < 128; i++) {
		memset(a.b, 0xff, 16);
		a.b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
		assert_ptr_equal(lookup(&t, a), i % 2 ? A : NULL);
	}
	tn_wg_allowedips_free(&t);
	assert_null(t.root6);
	assert_int_equal(tn_wg_allowedips_count(&t, A), 0);
}

struct seen {
	int family;
	uint8_t addr[16];
	uint8_t cidr;
};

struct collect {
	struct seen s[16];
	int n;
};

static int collect_fn(void *ctx, int family, const uint8_t *addr, uint8_t cidr)
{
	struct collect *c = ctx;

	if (c->n == 16)
		return -1;
	c->s[c->n].family = family;
	memset(c->s[c->n].addr, 0, 16);
	memcpy(c->s[c->n].addr, addr, family == AF_INET ? 4 : 16);
	c->s[c->n].cidr = cidr;
	c->n++;
	return 0;
}

static int stop_fn(void *ctx, int family, const uint8_t *addr, uint8_t cidr)
{
	return ++*(int *)ctx == 2 ? 42 : 0;
}

/* The Linux self-test's iteration check: masked prefixes come back, here in
 * insertion order. */
static void iterate_peer(void **state)
{
	const struct route routes[] = {
		{ A, v4(192, 95, 5, 93), 27 },
		{ A, v6(0x26075300, 0x60006b00, 0, 0xc05f0543), 128 },
		{ A, v4(10, 1, 0, 20), 29 },
		{ A, v6(0x26075300, 0x6d8a6bf8, 0xdab1f1df, 0xc05f1523), 83 },
		{ A, v6(0x26075300, 0x6d8a6bf8, 0xdab1f1df, 0xc05f1523), 21 },
		{ B, v4(10, 0, 0, 0), 8 },
	};
	const struct route want[] = {
		{ A, v4(192, 95, 5, 64), 27 },
		{ A, v6(0x26075300, 0x60006b00, 0, 0xc05f0543), 128 },
		{ A, v4(10, 1, 0, 16), 29 },
		{ A, v6(0x26075300, 0x6d8a6bf8, 0xdab1e000, 0), 83 },
		{ A, v6(0x26075000, 0, 0, 0), 21 },
	};
	struct tn_wg_allowedips t;
	struct collect c = { .n = 0 };
	int calls = 0;

	tn_wg_allowedips_init(&t);
	insert_all(&t, routes, N(routes));
	assert_int_equal(tn_wg_allowedips_foreach(&t, A, collect_fn, &c), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(tn_wg_allowedips_count(&t, A), 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(c.s[i].family, want[i].a.family);
		assert_int_equal(c.s[i].cidr, want[i].cidr);
		assert_memory_equal(c.s[i].addr, want[i].a.b, 16);
	}
	assert_int_equal(tn_wg_allowedips_foreach(&t, A, stop_fn, &calls), 42);
	assert_int_equal(calls, 2);
	c.n = 0;
	assert_int_equal(tn_wg_allowedips_foreach(&t, C, collect_fn, &c), 0);
	assert_int_equal(c.n, 0);
	tn_wg_allowedips_free(&t);
}

static void longest_prefix_v4(void **state)
{
	const struct route routes[] = {
		{ A, v4(0, 0, 0, 0), 0 },
		{ B, v4(10, 0, 0, 0), 8 },
		{ C, v4(10, 1, 0, 0), 16 },
		{ D, v4(10, 1, 2, 0), 24 },
		{ E, v4(10, 1, 2, 3), 32 },
		{ F, v4(100, 64, 0, 0), 10 },
		{ G, v4(255, 255, 255, 255), 32 },
		{ H, v4(128, 0, 0, 0), 1 },
	};
	const struct probe probes[] = {
		{ A, v4(9, 255, 255, 255) },
		{ A, v4(0, 0, 0, 0) },
		{ B, v4(10, 0, 0, 1) },
		{ B, v4(10, 255, 0, 1) },
		{ C, v4(10, 1, 3, 3) },
		{ D, v4(10, 1, 2, 2) },
		{ D, v4(10, 1, 2, 4) },
		{ E, v4(10, 1, 2, 3) },
		{ F, v4(100, 100, 1, 1) },
		{ F, v4(100, 127, 255, 255) },
		{ A, v4(100, 128, 0, 0) },
		{ H, v4(128, 0, 0, 0) },
		{ H, v4(255, 255, 255, 254) },
		{ G, v4(255, 255, 255, 255) },
	};
	struct tn_wg_allowedips t;

	tn_wg_allowedips_init(&t);
	insert_all(&t, routes, N(routes));
	probe_all(&t, probes, N(probes));
	/* No v4 route leaks into v6 and the reverse. */
	assert_null(lookup(&t, v6(0x0a010203, 0, 0, 0)));
	tn_wg_allowedips_free(&t);
}

static void longest_prefix_v6(void **state)
{
	const struct route routes[] = {
		{ A, v6(0xfd7a115c, 0xa1e00000, 0, 0), 48 },     /* fd7a:115c:a1e0::/48 */
		{ B, v6(0xfd7a115c, 0xa1e00000, 0, 0x01), 128 },
		{ C, v6(0x20010db8, 0, 0, 0), 32 },
		{ D, v6(0x20010db8, 0x00010000, 0, 0), 64 },
		{ E, v6(0x20010db8, 0x00010000, 0x80000000, 0), 65 },
		{ F, v6(0, 0, 0, 0), 0 },
		{ G, v6(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff), 128 },
		{ H, v6(0x20010db8, 0x00010000, 0, 0x01), 127 }, /* ::0 and ::1 */
	};
	const struct probe probes[] = {
		{ A, v6(0xfd7a115c, 0xa1e0ffff, 1, 2) },
		{ B, v6(0xfd7a115c, 0xa1e00000, 0, 0x01) },
		{ A, v6(0xfd7a115c, 0xa1e00000, 0, 0x02) },
		{ F, v6(0xfd7a115c, 0xa1e10000, 0, 0) },
		{ C, v6(0x20010db8, 0xffff0000, 0, 0) },
		{ D, v6(0x20010db8, 0x00010000, 0x7fffffff, 0xffffffff) },
		{ E, v6(0x20010db8, 0x00010000, 0x80000000, 0) },
		{ E, v6(0x20010db8, 0x00010000, 0xffffffff, 0xffffffff) },
		{ H, v6(0x20010db8, 0x00010000, 0, 0) },
		{ H, v6(0x20010db8, 0x00010000, 0, 1) },
		{ D, v6(0x20010db8, 0x00010000, 0, 2) },
		{ G, v6(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff) },
		{ F, v6(0xffffffff, 0xffffffff, 0xffffffff, 0xfffffffe) },
		{ F, v6(0, 0, 0, 0) },
	};
	struct tn_wg_allowedips t;

	tn_wg_allowedips_init(&t);
	insert_all(&t, routes, N(routes));
	probe_all(&t, probes, N(probes));
	assert_null(lookup(&t, v4(10, 0, 0, 1)));
	tn_wg_allowedips_free(&t);
}

/* /0 is a default route per family; removing it falls back to nothing. */
static void default_routes(void **state)
{
	struct tn_wg_allowedips t;

	tn_wg_allowedips_init(&t);
	assert_null(lookup(&t, v4(1, 2, 3, 4)));
	insert(&t, A, v4(1, 2, 3, 4), 0);  /* host bits masked to 0.0.0.0/0 */
	assert_ptr_equal(lookup(&t, v4(1, 2, 3, 4)), A);
	assert_ptr_equal(lookup(&t, v4(255, 0, 0, 0)), A);
	assert_null(lookup(&t, v6(1, 2, 3, 4)));
	insert(&t, B, v6(0, 0, 0, 0), 0);
	insert(&t, C, v4(8, 8, 8, 8), 32);
	assert_ptr_equal(lookup(&t, v6(1, 2, 3, 4)), B);
	assert_ptr_equal(lookup(&t, v4(8, 8, 8, 8)), C);
	assert_ptr_equal(lookup(&t, v4(8, 8, 8, 9)), A);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET, v4(0, 0, 0, 0).b, 0, NULL), 0);
	assert_null(lookup(&t, v4(8, 8, 8, 9)));
	assert_ptr_equal(lookup(&t, v4(8, 8, 8, 8)), C);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET, v4(0, 0, 0, 0).b, 0, NULL), -ENOENT);
	tn_wg_allowedips_free(&t);
}

/* Replacing a prefix moves it between peers' lists. */
static void replace_moves_prefix(void **state)
{
	struct tn_wg_allowedips t;

	tn_wg_allowedips_init(&t);
	insert(&t, A, v4(10, 0, 0, 0), 8);
	insert(&t, A, v4(10, 0, 0, 0), 8); /* same peer: no change */
	insert(&t, A, v4(11, 0, 0, 0), 8);
	assert_int_equal(tn_wg_allowedips_count(&t, A), 2);
	insert(&t, B, v4(10, 9, 9, 9), 8);
	assert_int_equal(tn_wg_allowedips_count(&t, A), 1);
	assert_int_equal(tn_wg_allowedips_count(&t, B), 1);
	assert_ptr_equal(lookup(&t, v4(10, 1, 1, 1)), B);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET, v4(10, 0, 0, 0).b, 8, A), -ENOENT);
	tn_wg_allowedips_remove_by_peer(&t, A);
	assert_ptr_equal(lookup(&t, v4(10, 1, 1, 1)), B);
	assert_null(lookup(&t, v4(11, 1, 1, 1)));
	tn_wg_allowedips_free(&t);
}

/* Removing one peer leaves the others' routes, including nested ones. */
static void remove_one_peer_keeps_others(void **state)
{
	const struct route routes[] = {
		{ A, v4(10, 0, 0, 0), 8 },
		{ B, v4(10, 1, 0, 0), 16 },
		{ A, v4(10, 1, 1, 0), 24 },
		{ C, v4(10, 1, 1, 128), 25 },
		{ A, v6(0xfd000000, 0, 0, 0), 8 },
		{ B, v6(0xfd000000, 0, 0, 1), 128 },
		{ C, v4(0, 0, 0, 0), 0 },
	};
	const struct probe after[] = {
		{ C, v4(10, 2, 0, 0) },
		{ B, v4(10, 1, 0, 1) },
		{ B, v4(10, 1, 1, 1) },
		{ C, v4(10, 1, 1, 129) },
		{ NULL, v6(0xfd000000, 0, 0, 2) },
		{ B, v6(0xfd000000, 0, 0, 1) },
	};
	struct tn_wg_allowedips t;

	tn_wg_allowedips_init(&t);
	insert_all(&t, routes, N(routes));
	assert_ptr_equal(lookup(&t, v4(10, 1, 1, 1)), A);
	tn_wg_allowedips_remove_by_peer(&t, A);
	assert_int_equal(tn_wg_allowedips_count(&t, A), 0);
	assert_int_equal(tn_wg_allowedips_count(&t, B), 2);
	assert_int_equal(tn_wg_allowedips_count(&t, C), 2);
	probe_all(&t, after, N(after));
	tn_wg_allowedips_remove_by_peer(&t, B);
	tn_wg_allowedips_remove_by_peer(&t, C);
	assert_null(t.root4);
	assert_null(t.root6);
	assert_int_equal(t.peers_len, 0);
	tn_wg_allowedips_free(&t);
}

static void bad_arguments(void **state)
{
	struct tn_wg_allowedips t;
	const uint8_t z[16] = { 0 };

	tn_wg_allowedips_init(&t);
	assert_int_equal(tn_wg_allowedips_insert(&t, AF_INET, z, 33, A), -EINVAL);
	assert_int_equal(tn_wg_allowedips_insert(&t, AF_INET6, z, 129, A), -EINVAL);
	assert_int_equal(tn_wg_allowedips_insert(&t, AF_UNIX, z, 8, A), -EINVAL);
	assert_int_equal(tn_wg_allowedips_insert(&t, AF_INET, z, 8, NULL), -EINVAL);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET, z, 33, A), -EINVAL);
	assert_int_equal(tn_wg_allowedips_remove(&t, AF_INET, z, 8, A), -ENOENT);
	assert_null(tn_wg_allowedips_lookup(&t, AF_UNIX, z));
	tn_wg_allowedips_remove_by_peer(&t, A); /* unknown peer: no-op */
	tn_wg_allowedips_free(&t);
}

/* ---- randomized comparison against a linear scan --------------------------- */

struct naive {
	int family;
	uint8_t b[16];
	uint8_t cidr;
	void *peer;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

static void mask_bytes(uint8_t *b, int len, unsigned cidr)
{
	for (int i = 0; i < len; i++) {
		unsigned have = cidr > 8u * (unsigned)i ? cidr - 8u * (unsigned)i : 0;

		b[i] &= have >= 8 ? 0xff : (uint8_t)(0xff00 >> have);
	}
}

static bool naive_match(const struct naive *n, int family, const uint8_t *a)
{
	uint8_t tmp[16];
	int len = family == AF_INET ? 4 : 16;

	memcpy(tmp, a, (size_t)len);
	mask_bytes(tmp, len, n->cidr);
	return n->family == family && !memcmp(tmp, n->b, (size_t)len);
}

static void *naive_lookup(const struct naive *tab, size_t n, int family,
			  const uint8_t *a)
{
	int best = -1;
	void *peer = NULL;

	for (size_t i = 0; i < n; i++)
		if (tab[i].peer && naive_match(&tab[i], family, a) && tab[i].cidr > best) {
			best = tab[i].cidr;
			peer = tab[i].peer;
		}
	return peer;
}

static void naive_insert(struct naive *tab, size_t *n, int family,
			 const uint8_t *a, uint8_t cidr, void *peer)
{
	struct naive x = { .family = family, .cidr = cidr, .peer = peer };
	int len = family == AF_INET ? 4 : 16;

	memcpy(x.b, a, (size_t)len);
	mask_bytes(x.b, len, cidr);
	for (size_t i = 0; i < *n; i++)
		if (tab[i].peer && tab[i].family == family && tab[i].cidr == cidr &&
		    !memcmp(tab[i].b, x.b, 16)) {
			tab[i].peer = peer;
			return;
		}
	tab[(*n)++] = x;
}

enum { NPEERS = 64, NBASE = 60, NMUTATE = 30, NROUTES = 2 * NBASE * (NMUTATE + 1) };

/* A query address: random, or (usually) inside a random known prefix so
 * that deep matches are exercised. */
static void random_query(const struct naive *tab, size_t n, int family, uint8_t *q)
{
	int len = family == AF_INET ? 4 : 16;

	for (int i = 0; i < len; i++)
		q[i] = (uint8_t)rnd();
	if (rnd() % 4) {
		const struct naive *r = &tab[rnd() % n];

		if (r->family == family) {
			/* Keep the prefix bits, and sometimes a few more. */
			unsigned keep = r->cidr + (unsigned)(rnd() % 3);
			uint8_t host[16];

			if (keep > 8u * (unsigned)len)
				keep = 8u * (unsigned)len;
			memcpy(host, q, 16);
			memcpy(q, r->b, 16);
			for (int i = 0; i < len; i++) {
				unsigned have = keep > 8u * (unsigned)i ? keep - 8u * (unsigned)i : 0;
				uint8_t m = have >= 8 ? 0xff : (uint8_t)(0xff00 >> have);

				q[i] = (uint8_t)((q[i] & m) | (host[i] & ~m));
			}
		}
	}
}

static void check_queries(const struct tn_wg_allowedips *t,
			  const struct naive *tab, size_t n, int count)
{
	for (int i = 0; i < count; i++) {
		int family = i % 2 ? AF_INET6 : AF_INET;
		uint8_t q[16] = { 0 };

		random_query(tab, n, family, q);
		if (tn_wg_allowedips_lookup(t, family, q) !=
		    naive_lookup(tab, n, family, q))
			fail_msg("query %d (family %d) differs from the model", i, family);
	}
}

static void randomized_against_linear_scan(void **state)
{
	static struct naive tab[NROUTES];
	static char peers[NPEERS];
	struct tn_wg_allowedips t;
	size_t n = 0;

	rng_state = 0x853c49e6748fea9bULL;
	tn_wg_allowedips_init(&t);
	/* Random prefixes, and mutations of each that share a random number
	 * of leading bits, as the Linux random test builds them. */
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET, len = fam ? 16 : 4;

		for (int i = 0; i < NBASE; i++) {
			uint8_t base[16] = { 0 };

			for (int k = 0; k < len; k++)
				base[k] = (uint8_t)rnd();
			for (int j = 0; j <= NMUTATE; j++) {
				uint8_t a[16] = { 0 };
				unsigned share = (unsigned)(rnd() % (8u * (unsigned)len));
				uint8_t cidr = (uint8_t)(rnd() % (8u * (unsigned)len + 1));
				void *peer = &peers[rnd() % NPEERS];

				memcpy(a, base, 16);
				for (int k = 0; k < len; k++) {
					unsigned have = share > 8u * (unsigned)k ? share - 8u * (unsigned)k : 0;
					uint8_t m = have >= 8 ? 0xff : (uint8_t)(0xff00 >> have);

					a[k] = (uint8_t)((a[k] & m) | ((uint8_t)rnd() & ~m));
				}
				if (j == 0)
					memcpy(a, base, 16);
				assert_int_equal(tn_wg_allowedips_insert(&t, family, a, cidr, peer), 0);
				naive_insert(tab, &n, family, a, cidr, peer);
			}
		}
	}
	check_queries(&t, tab, n, 20000);

	/* Remove single prefixes, then whole peers, checking as we go. */
	for (int i = 0; i < 300; i++) {
		struct naive *r = &tab[rnd() % n];

		if (!r->peer)
			continue;
		assert_int_equal(tn_wg_allowedips_remove(&t, r->family, r->b, r->cidr, r->peer), 0);
		r->peer = NULL;
	}
	check_queries(&t, tab, n, 20000);
	for (int p = 0; p < NPEERS; p++) {
		size_t want = 0;

		for (size_t i = 0; i < n; i++)
			want += tab[i].peer == &peers[p];
		assert_int_equal(tn_wg_allowedips_count(&t, &peers[p]), want);
		tn_wg_allowedips_remove_by_peer(&t, &peers[p]);
		for (size_t i = 0; i < n; i++)
			if (tab[i].peer == &peers[p])
				tab[i].peer = NULL;
		check_queries(&t, tab, n, 300);
	}
	assert_null(t.root4);
	assert_null(t.root6);
	tn_wg_allowedips_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(linux_selftest),
		cmocka_unit_test(deepest_trie),
		cmocka_unit_test(iterate_peer),
		cmocka_unit_test(longest_prefix_v4),
		cmocka_unit_test(longest_prefix_v6),
		cmocka_unit_test(default_routes),
		cmocka_unit_test(replace_moves_prefix),
		cmocka_unit_test(remove_one_peer_keeps_others),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(randomized_against_linear_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Handshake rate limiter on the virtual clock: the expectations of the
 * Linux module's ratelimiter self-test (timings and capacity), plus GC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "util/clock.h"
#include "wg/ratelimiter.h"

#define MS TN_NSEC_PER_MSEC
#define TURN (TN_NSEC_PER_SEC / TN_WG_RATELIMITER_PACKETS_PER_SECOND) /* 50 ms */

static int setup(void **state)
{
	tn_clock_set_virtual(true, 1000 * TN_NSEC_PER_SEC);
	*state = tn_wg_ratelimiter_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	tn_wg_ratelimiter_free(*state);
	tn_clock_set_virtual(false, 0);
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The Linux self-test's schedule: a burst of 5, then one token per 50 ms.
 * Alongside each step a fresh IPv4 source is always allowed, an IPv6
 * source whose low 64 bits change every step still shares one bucket (its
 * /64), and a fresh /64 is always allowed. */
static void linux_timings(void **state)
{
	static const struct {
		uint64_t sleep_before;
		bool ok;
	} steps[] = {
		{ 0, true }, { 0, true }, { 0, true }, { 0, true }, { 0, true },
		{ 0, false },
		{ TURN, true },
		{ 0, false },
		{ 2 * TURN, true },
		{ 0, true },
		{ 0, false },
	};
	struct tn_wg_ratelimiter *rl = *state;
	uint8_t a4[4], a6[16] = { 0 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		tn_clock_advance(steps[i].sleep_before);

		put_be32(a4, 8182);
		assert_int_equal(tn_wg_ratelimiter_allow(rl, a4, AF_INET), steps[i].ok);
		put_be32(a4, 8182 + (uint32_t)i + 1);
		assert_true(tn_wg_ratelimiter_allow(rl, a4, AF_INET));

		put_be32(a6, 1212);
		put_be32(a6 + 4, 289188);
		put_be32(a6 + 8, (uint32_t)i);
		put_be32(a6 + 12, (uint32_t)i);
		assert_int_equal(tn_wg_ratelimiter_allow(rl, a6, AF_INET6), steps[i].ok);
		put_be32(a6, 1212 + (uint32_t)i + 1);
		assert_true(tn_wg_ratelimiter_allow(rl, a6, AF_INET6));
	}
}

/* A bucket holds at most 5 tokens however long the source was quiet, and a
 * partial token is kept until it completes. */
static void refill_is_capped_and_exact(void **state)
{
	struct tn_wg_ratelimiter *rl = *state;
	const uint8_t a[4] = { 192, 0, 2, 1 };

	for (int i = 0; i < 5; i++)
		assert_true(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	assert_false(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	tn_clock_advance(TURN - 1);
	assert_false(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	tn_clock_advance(1);
	assert_true(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	/* 900 ms of quiet (GC would not have run yet: under 1 s). */
	tn_clock_advance(900 * MS);
	for (int i = 0; i < 5; i++)
		assert_true(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	assert_false(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	/* A steady 20/s gets through indefinitely. */
	for (int i = 0; i < 100; i++) {
		tn_clock_advance(TURN);
		assert_true(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	}
	assert_false(tn_wg_ratelimiter_allow(rl, a, AF_INET));
}

/* Sources are independent; v4 and v6 never share a bucket; v6 addresses
 * in one /64 do, and a different /64 does not. */
static void sources_are_independent(void **state)
{
	struct tn_wg_ratelimiter *rl = *state;
	const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	uint8_t x[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t v4_as_v6[16] = { 10, 0, 0, 1 };

	for (int i = 0; i < 5; i++)
		assert_true(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	assert_false(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	assert_true(tn_wg_ratelimiter_allow(rl, b, AF_INET));
	assert_true(tn_wg_ratelimiter_allow(rl, v4_as_v6, AF_INET6));

	for (int i = 0; i < 5; i++) {
		x[15] = (uint8_t)i; /* same /64, different hosts */
		x[9] = (uint8_t)(7 * i);
		assert_true(tn_wg_ratelimiter_allow(rl, x, AF_INET6));
	}
	assert_false(tn_wg_ratelimiter_allow(rl, x, AF_INET6));
	x[7] = 2; /* the next /64 */
	assert_true(tn_wg_ratelimiter_allow(rl, x, AF_INET6));
	assert_int_equal(tn_wg_ratelimiter_count(rl), 5);
	assert_false(tn_wg_ratelimiter_allow(rl, a, AF_UNIX));
}

/* GC drops sources idle for more than one second, and only those. */
static void gc_removes_idle_entries(void **state)
{
	struct tn_wg_ratelimiter *rl = *state;
	const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };

	for (int i = 0; i < 5; i++)
		assert_true(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	assert_false(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	tn_clock_advance(500 * MS);
	assert_true(tn_wg_ratelimiter_allow(rl, b, AF_INET));
	assert_int_equal(tn_wg_ratelimiter_count(rl), 2);

	tn_clock_advance(500 * MS); /* a: idle exactly 1 s, kept */
	assert_int_equal(tn_wg_ratelimiter_gc(rl), 0);
	tn_clock_advance(1);        /* a: idle 1 s + 1 ns, dropped */
	assert_int_equal(tn_wg_ratelimiter_gc(rl), 1);
	assert_int_equal(tn_wg_ratelimiter_count(rl), 1);
	tn_clock_advance(500 * MS);
	assert_int_equal(tn_wg_ratelimiter_gc(rl), 1);
	assert_int_equal(tn_wg_ratelimiter_count(rl), 0);
	assert_int_equal(tn_wg_ratelimiter_gc(rl), 0);
	/* A returning source starts over with a full burst. */
	for (int i = 0; i < 5; i++)
		assert_true(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	assert_false(tn_wg_ratelimiter_allow(rl, a, AF_INET));
}

/* The Linux capacity test: max_entries distinct sources are admitted, the
 * next one is refused; after GC there is room again. */
static void capacity_is_bounded(void **state)
{
	enum { MAX = 100 };
	struct tn_wg_ratelimiter *rl = tn_wg_ratelimiter_new_bounded(MAX);
	uint8_t a[4];

	assert_non_null(rl);
	for (uint32_t i = 0; i <= MAX; i++) {
		put_be32(a, i);
		assert_int_equal(tn_wg_ratelimiter_allow(rl, a, AF_INET), i != MAX);
	}
	assert_int_equal(tn_wg_ratelimiter_count(rl), MAX);
	/* Known sources still get their tokens while the table is full. */
	put_be32(a, 7);
	assert_true(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	tn_clock_advance(TN_WG_RATELIMITER_IDLE_NS + 1);
	assert_int_equal(tn_wg_ratelimiter_gc(rl), MAX);
	put_be32(a, MAX);
	assert_true(tn_wg_ratelimiter_allow(rl, a, AF_INET));
	tn_wg_ratelimiter_free(rl);
}

/* Many sources spread over the default table; free releases them all. */
static void many_sources(void **state)
{
	struct tn_wg_ratelimiter *rl = *state;
	uint8_t a[16] = { 0xfd };

	for (uint32_t i = 0; i < 20000; i++) {
		put_be32(a + 4, i);
		assert_true(tn_wg_ratelimiter_allow(rl, a, AF_INET6));
	}
	assert_int_equal(tn_wg_ratelimiter_count(rl), 20000);
	tn_wg_ratelimiter_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(linux_timings, setup, teardown),
		cmocka_unit_test_setup_teardown(refill_is_capped_and_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(sources_are_independent, setup, teardown),
		cmocka_unit_test_setup_teardown(gc_removes_idle_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(capacity_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(many_sources, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

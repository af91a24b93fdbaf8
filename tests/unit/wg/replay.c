/* The anti-replay window, checked against the edge cases of the Linux
 * module's counter self-test (selftest/counter.c), re-stated as tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wg/replay.h"

#define WIN TN_WG_REPLAY_WINDOW
#define LIM (TN_WG_REPLAY_WINDOW + 1) /* one past the window */
#define REJ TN_WG_REJECT_AFTER_MESSAGES

struct step {
	uint64_t counter;
	bool ok;
};

static void run(struct tn_wg_replay *r, const struct step *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool got = tn_wg_replay_check(r, s[i].counter);

		if (got != s[i].ok)
			fail_msg("step %zu: counter %llu: got %d, want %d", i + 1,
				 (unsigned long long)s[i].counter, got, s[i].ok);
	}
}

static void constants(void **state)
{
	assert_int_equal(TN_WG_REPLAY_BITS_TOTAL, 8192);
	assert_int_equal(WIN, 8128);
	/* 2^64 - 8128 - 2: the Linux module's U64_MAX - COUNTER_WINDOW_SIZE - 1. */
	assert_true(REJ == UINT64_C(0xffffffffffffe03e));
}

/* The main sequence: duplicates, out of order within the window, the
 * window edge after jumps, and the reject-after limit. */
static void linux_sequence(void **state)
{
	static const struct step steps[] = {
		{ 0, true },
		{ 1, true },
		{ 1, false },                  /* duplicate */
		{ 9, true },                   /* jump ahead */
		{ 8, true },                   /* behind, within the window */
		{ 7, true },
		{ 7, false },
		{ LIM, true },                 /* head = LIM */
		{ LIM - 1, true },
		{ LIM - 1, false },
		{ LIM - 2, true },
		{ 2, true },                   /* exactly WIN - 1 behind */
		{ 2, false },
		{ LIM + 16, true },
		{ 3, false },                  /* now outside the window */
		{ LIM + 16, false },
		{ LIM * 4, true },             /* far jump */
		{ LIM * 4 - (LIM - 1), true }, /* exactly WIN behind: accepted */
		{ 10, false },
		{ LIM * 4 - LIM, false },      /* WIN + 1 behind: too old */
		{ LIM * 4 - (LIM + 1), false },
		{ LIM * 4 - (LIM - 2), true },
		{ LIM * 4 + 1 - LIM, false },  /* already seen (step 18) */
		{ 0, false },
		{ REJ, false },                /* at the limit */
		{ REJ - 1, true },             /* the last usable counter */
		{ REJ, false },
		{ REJ - 1, false },
		{ REJ - 2, true },
		{ REJ + 1, false },
		{ REJ + 2, false },
		{ REJ - 2, false },
		{ REJ - 3, true },
		{ 0, false },
	};
	struct tn_wg_replay r;

	tn_wg_replay_init(&r);
	run(&r, steps, sizeof(steps) / sizeof(steps[0]));
}

/* 1..WIN ascending, then 0 is exactly WIN behind: accepted once. */
static void fill_window_then_oldest(void **state)
{
	struct tn_wg_replay r;

	tn_wg_replay_init(&r);
	for (uint64_t i = 1; i <= WIN; i++)
		assert_true(tn_wg_replay_check(&r, i));
	assert_true(tn_wg_replay_check(&r, 0));
	assert_false(tn_wg_replay_check(&r, 0));
}

/* 2..WIN+1 ascending: 1 is WIN behind (accepted), 0 is WIN + 1 behind. */
static void fill_window_shifted(void **state)
{
	struct tn_wg_replay r;

	tn_wg_replay_init(&r);
	for (uint64_t i = 2; i <= WIN + 1; i++)
		assert_true(tn_wg_replay_check(&r, i));
	assert_true(tn_wg_replay_check(&r, 1));
	assert_false(tn_wg_replay_check(&r, 0));
}

/* Descending WIN..0: every one is within the window of the first. */
static void descending_full_window(void **state)
{
	struct tn_wg_replay r;

	tn_wg_replay_init(&r);
	for (uint64_t i = WIN + 1; i-- > 0;)
		assert_true(tn_wg_replay_check(&r, i));
}

/* Descending WIN+1..1, then 0 is one too far behind. */
static void descending_then_too_old(void **state)
{
	struct tn_wg_replay r;

	tn_wg_replay_init(&r);
	for (uint64_t i = WIN + 2; i-- > 1;)
		assert_true(tn_wg_replay_check(&r, i));
	assert_false(tn_wg_replay_check(&r, 0));
}

/* Descending WIN..1, then a new head WIN+1 pushes 0 out. */
static void descending_then_advance(void **state)
{
	struct tn_wg_replay r;

	tn_wg_replay_init(&r);
	for (uint64_t i = WIN + 1; i-- > 1;)
		assert_true(tn_wg_replay_check(&r, i));
	assert_true(tn_wg_replay_check(&r, WIN + 1));
	assert_false(tn_wg_replay_check(&r, 0));
}

/* Descending WIN..1, then 0 (still inside), then WIN+1. */
static void descending_then_oldest_then_advance(void **state)
{
	struct tn_wg_replay r;

	tn_wg_replay_init(&r);
	for (uint64_t i = WIN + 1; i-- > 1;)
		assert_true(tn_wg_replay_check(&r, i));
	assert_true(tn_wg_replay_check(&r, 0));
	assert_true(tn_wg_replay_check(&r, WIN + 1));
}

/* A jump of more than the whole ring clears stale bits: counters that alias
 * old ring positions are new again if inside the new window. */
static void far_jump_clears_ring(void **state)
{
	struct tn_wg_replay r;
	uint64_t base = 5 * TN_WG_REPLAY_BITS_TOTAL;

	tn_wg_replay_init(&r);
	for (uint64_t i = 0; i < 200; i++)
		assert_true(tn_wg_replay_check(&r, i));
	assert_true(tn_wg_replay_check(&r, base + 100));
	/* base + i aliases i in the ring. */
	for (uint64_t i = 0; i < 100; i++)
		assert_true(tn_wg_replay_check(&r, base + i));
	for (uint64_t i = 0; i < 200; i++)
		assert_false(tn_wg_replay_check(&r, i));
	assert_false(tn_wg_replay_check(&r, base + 100));
	/* A jump of exactly one ring's worth of words. */
	assert_true(tn_wg_replay_check(&r, base + 100 + TN_WG_REPLAY_BITS_TOTAL));
	assert_true(tn_wg_replay_check(&r, base + 101 + TN_WG_REPLAY_BITS_TOTAL - WIN));
	assert_false(tn_wg_replay_check(&r, base + 100 + TN_WG_REPLAY_BITS_TOTAL - WIN - 1));
}

/* Random out-of-order arrivals within a sliding window, against a naive
 * model: a counter is new iff never seen and not more than WIN behind. */
static void randomized_against_model(void **state)
{
	enum { N = 40000 };
	static bool seen[N + 64];
	struct tn_wg_replay r;
	uint64_t rng = 0x9e3779b97f4a7c15ULL, max = 0;
	bool any = false;

	tn_wg_replay_init(&r);
	for (int i = 0; i < 200000; i++) {
		uint64_t c;
		bool want;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		/* Mostly near the head, sometimes far behind. */
		c = (uint64_t)i / 5 + rng % 64;
		if (rng % 7 == 0 && c > 9000)
			c -= 8000 + (rng >> 20) % 300;
		if (c >= N)
			c = N - 1;
		want = !seen[c] && (!any || c + WIN >= max);
		assert_int_equal(tn_wg_replay_check(&r, c), want);
		if (want) {
			seen[c] = true;
			if (!any || c > max)
				max = c;
			any = true;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(constants),
		cmocka_unit_test(linux_sequence),
		cmocka_unit_test(fill_window_then_oldest),
		cmocka_unit_test(fill_window_shifted),
		cmocka_unit_test(descending_full_window),
		cmocka_unit_test(descending_then_too_old),
		cmocka_unit_test(descending_then_advance),
		cmocka_unit_test(descending_then_oldest_then_advance),
		cmocka_unit_test(far_jump_clears_ring),
		cmocka_unit_test(randomized_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

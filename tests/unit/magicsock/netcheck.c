/* Netcheck's home-region choice (Go's hysteresis, protocol.md §8.2): the
 * fastest region wins when there is no home yet; an existing home stays
 * unless the new best is at least 10 ms faster than the home's latency now
 * and not above 2/3 of it (Go's integer arithmetic); a home that stopped
 * answering is replaced; nothing answering keeps what there is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "magicsock/netcheck.h"

#define MS 1000000ULL

static void choice_table(void **state)
{
	static const struct {
		uint64_t lat[3]; /* regions 1, 2, 3; 0 = no answer */
		int old, want;
	} cases[] = {
		{ { 30 * MS, 20 * MS, 40 * MS }, 0, 2 },   /* no home yet: fastest */
		{ { 30 * MS, 30 * MS, 40 * MS }, 0, 1 },   /* tie: lowest id */
		{ { 30 * MS, 21 * MS, 0 }, 1, 1 },         /* 9 ms better: stay */
		{ { 30 * MS, 20 * MS, 0 }, 1, 2 },         /* 10 ms, and 20 is not above 2/3 of 30: move */
		{ { 30 * MS, 21 * MS - 1, 0 }, 1, 1 },     /* just under 10 ms better: stay */
		{ { 31 * MS, 21 * MS, 0 }, 1, 1 },         /* 10 ms, but 21 > 2/3 of 31: stay */
		{ { 30 * MS, 19 * MS, 0 }, 1, 2 },         /* 11 ms and below 2/3: move */
		{ { 100 * MS, 80 * MS, 0 }, 1, 1 },        /* 20 ms better but 80 > 66.7: stay */
		{ { 100 * MS, 60 * MS, 0 }, 1, 2 },        /* well better: move */
		{ { 6 * MS, 1 * MS, 0 }, 1, 1 },           /* 1/6 but only 5 ms: stay */
		{ { 0, 50 * MS, 60 * MS }, 1, 2 },         /* home silent: fastest */
		{ { 0, 0, 0 }, 3, 3 },                     /* nothing answers: keep */
		{ { 0, 0, 0 }, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tn_netcheck_region r[3];

		for (int k = 0; k < 3; k++)
			r[k] = (struct tn_netcheck_region){ k + 1, cases[i].lat[k] };
		/* The old home's latency this round is its entry (Go compares
		 * against the current report). */
		uint64_t old_now = cases[i].old ? cases[i].lat[cases[i].old - 1] : 0;
		int got = tn_netcheck_choose(r, 3, cases[i].old, old_now);

		if (got != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, got, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(choice_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

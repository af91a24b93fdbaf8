#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/clock.h"

static void real_clock_is_monotonic(void **state)
{
	uint64_t a = tn_clock_now(), b = tn_clock_now();

	assert_false(tn_clock_is_virtual());
	assert_true(b >= a);
	assert_true(a > 0);
}

static void virtual_clock_moves_only_when_advanced(void **state)
{
	tn_clock_set_virtual(true, 1000);
	assert_true(tn_clock_is_virtual());
	assert_int_equal(tn_clock_now(), 1000);
	assert_int_equal(tn_clock_now(), 1000);
	tn_clock_advance(5 * TN_NSEC_PER_SEC);
	assert_int_equal(tn_clock_now(), 1000 + 5 * TN_NSEC_PER_SEC);
	tn_clock_set_virtual(false, 0);
	assert_false(tn_clock_is_virtual());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_clock_is_monotonic),
		cmocka_unit_test(virtual_clock_moves_only_when_advanced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

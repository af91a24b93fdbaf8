/* Driving a real event loop in unit tests: RUN_UNTIL(loop, cond) runs it
 * until cond holds or WAIT_MS of real time passed (a hang fails the test
 * instead of stalling the suite); run_for() runs it for a fixed time, to
 * see that nothing more happens. */
#ifndef TN_TESTS_UNIT_LOOP_WAIT_H
#define TN_TESTS_UNIT_LOOP_WAIT_H

#include <stdint.h>
#include <time.h>

#include "event/loop.h"

#define UNUSED __attribute__((unused))
#define WAIT_MS 10000

UNUSED static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#define RUN_UNTIL(loop, cond)                                          \
	do {                                                           \
		uint64_t end_ = mono_ms() + WAIT_MS;                   \
		while (!(cond) && mono_ms() < end_)                    \
			tn_loop_run_once((loop), 10);                  \
	} while (0)

UNUSED static void run_for(struct tn_loop *loop, unsigned ms)
{
	uint64_t end = mono_ms() + ms;

	while (mono_ms() < end)
		tn_loop_run_once(loop, 5);
}

#endif

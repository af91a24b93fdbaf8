#include "util/clock.h"

#include <time.h>

static bool virtual_on;
static uint64_t virtual_now;

uint64_t tn_clock_now(void)
{
	struct timespec ts;

	if (virtual_on)
		return virtual_now;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * TN_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t tn_clock_realtime(void)
{
	struct timespec ts;

	if (virtual_on)
		return 1767225600ULL * TN_NSEC_PER_SEC + virtual_now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * TN_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void tn_clock_set_virtual(bool on, uint64_t start_ns)
{
	virtual_on = on;
	virtual_now = start_ns;
}

bool tn_clock_is_virtual(void)
{
	return virtual_on;
}

void tn_clock_advance(uint64_t ns)
{
	if (virtual_on)
		virtual_now += ns;
}

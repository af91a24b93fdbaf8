#include "util/backoff.h"

#include <sys/random.h>

#include "util/clock.h"

uint64_t tn_backoff_ns(unsigned failures, uint64_t max_ns)
{
	uint64_t d = (uint64_t)failures * failures * 10 * TN_NSEC_PER_MSEC;
	uint32_t r = 0;

	if (failures > 2000 || d > max_ns)
		d = max_ns;
	/* Jitter needs no secret: a failed getrandom just means none. */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = 1u << 31;
	return d / 2 + (uint64_t)((double)d * (r / 4294967296.0));
}

/* The one monotonic clock of the process.
 *
 * Everything that measures time (timers, WireGuard and control timeouts)
 * reads tn_clock_now().  Tests switch it to a virtual clock that only moves
 * when they call tn_clock_advance(), so timer logic is tested without sleeps.
 * Not thread-safe to switch modes while other threads read it.
 */
#ifndef TN_UTIL_CLOCK_H
#define TN_UTIL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define TN_NSEC_PER_MSEC 1000000ULL
#define TN_NSEC_PER_SEC  1000000000ULL

/* Monotonic nanoseconds (CLOCK_MONOTONIC, or the virtual clock). */
uint64_t tn_clock_now(void);

/* Wall-clock nanoseconds since the Unix epoch (CLOCK_REALTIME); under the
 * virtual clock, 2026-01-01T00:00:00Z plus the virtual time.  Only for
 * values that must be wall time on the wire (WireGuard TAI64N stamps). */
uint64_t tn_clock_realtime(void);

/* Switch to a virtual clock starting at start_ns (true) or back to the real
 * one (false). */
void tn_clock_set_virtual(bool on, uint64_t start_ns);
bool tn_clock_is_virtual(void);

/* Move the virtual clock forward.  No effect on the real clock. */
void tn_clock_advance(uint64_t ns);

#endif

/* Reconnect backoff shared by the control and DERP clients: n² · 10 ms
 * after the n-th failure in a row, capped, with ±50% jitter so that many
 * nodes do not come back in step (Go's controlclient does the same).
 * Pure function apart from the random jitter; any thread.
 */
#ifndef TN_UTIL_BACKOFF_H
#define TN_UTIL_BACKOFF_H

#include <stdint.h>

uint64_t tn_backoff_ns(unsigned failures, uint64_t max_ns);

#endif

/* Handshake rate limiter, used while the device is under load (as the
 * Linux module's ratelimiter.c): a token bucket per source address, 20
 * handshake packets per second with a burst of 5.  IPv4 sources are keyed
 * by the whole address, IPv6 sources by their /64, since one host usually
 * owns a whole /64.
 *
 * Entries idle for more than TN_WG_RATELIMITER_IDLE_NS are dropped by
 * tn_wg_ratelimiter_gc(), which the owner calls about once a second (from
 * a timer).  The table is bounded: once it holds max_entries sources, new
 * sources are refused until GC frees room.  Buckets are chosen with a
 * keyed hash (random per table) so that remote senders cannot aim at one
 * chain.  Time is tn_clock_now(), so tests run on the virtual clock.
 *
 * Ownership: _new returns a table the caller _frees.  Threads: every
 * function may be called from any thread; an internal mutex serialises
 * them (the handshake workers share one table).
 */
#ifndef TN_WG_RATELIMITER_H
#define TN_WG_RATELIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TN_WG_RATELIMITER_PACKETS_PER_SECOND 20
#define TN_WG_RATELIMITER_BURST 5
/* Forget a source after this much silence: a bucket idle for a second has
 * refilled anyway (5 tokens take 250 ms), so nothing is lost. */
#define TN_WG_RATELIMITER_IDLE_NS 1000000000ULL
/* Default bound, as the Linux module on hosts with more than 1 GiB of RAM
 * (8192 buckets x 8); about 3 MiB when full. */
#define TN_WG_RATELIMITER_MAX_ENTRIES 65536

struct tn_wg_ratelimiter;

/* A table for at most TN_WG_RATELIMITER_MAX_ENTRIES sources.  NULL if out
 * of memory. */
struct tn_wg_ratelimiter *tn_wg_ratelimiter_new(void);

/* The same with another bound (0: the default), for tests and small
 * devices. */
struct tn_wg_ratelimiter *tn_wg_ratelimiter_new_bounded(size_t max_entries);

void tn_wg_ratelimiter_free(struct tn_wg_ratelimiter *rl);

/* Charges one packet to the source addr (4 bytes for AF_INET, 16 for
 * AF_INET6).  True if it may be processed; false if its bucket is empty,
 * the table is full, memory is short or family is neither. */
bool tn_wg_ratelimiter_allow(struct tn_wg_ratelimiter *rl, const uint8_t *addr,
			     int family);

/* Drops entries idle for more than TN_WG_RATELIMITER_IDLE_NS.  Returns how
 * many were dropped. */
size_t tn_wg_ratelimiter_gc(struct tn_wg_ratelimiter *rl);

/* Number of sources currently tracked. */
size_t tn_wg_ratelimiter_count(struct tn_wg_ratelimiter *rl);

#endif

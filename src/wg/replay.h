/* The receive-side anti-replay window of one WireGuard keypair: RFC 6479's
 * ring of bitmap words, as the Linux module's counter_validate() keeps it.
 *
 * The ring holds TN_WG_REPLAY_BITS_TOTAL bits; one word of it is always being
 * recycled, so TN_WG_REPLAY_WINDOW counters behind the highest one seen are
 * still accepted once each.  Counters at or beyond
 * TN_WG_REJECT_AFTER_MESSAGES are refused: the keypair must be replaced
 * before the counter could wrap.
 *
 * Call tn_wg_replay_check() only after the packet authenticated (AEAD open
 * succeeded): a forged counter must not move the window.  The struct is
 * plain caller-owned memory (embed it in the keypair); no allocation.  Not
 * thread-safe: the caller serialises checks on one window (the keypair's
 * receive lock).
 */
#ifndef TN_WG_REPLAY_H
#define TN_WG_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define TN_WG_REPLAY_WORD_BITS 64
/* Bits in the ring; a power of two so the ring index is a mask. */
#define TN_WG_REPLAY_BITS_TOTAL 8192
/* One word is the one being zeroed as the window slides. */
#define TN_WG_REPLAY_WINDOW (TN_WG_REPLAY_BITS_TOTAL - TN_WG_REPLAY_WORD_BITS)
/* The WireGuard paper's Reject-After-Messages (2^64 - 2^13 - 1 in the Linux
 * module's form: U64_MAX - COUNTER_WINDOW_SIZE - 1). */
#define TN_WG_REJECT_AFTER_MESSAGES (UINT64_MAX - TN_WG_REPLAY_WINDOW - 1)

struct tn_wg_replay {
	/* 1 + the highest counter accepted, 0 before the first. */
	uint64_t next;
	uint64_t ring[TN_WG_REPLAY_BITS_TOTAL / TN_WG_REPLAY_WORD_BITS];
};

/* An empty window: every counter below TN_WG_REJECT_AFTER_MESSAGES is new. */
void tn_wg_replay_init(struct tn_wg_replay *r);

/* Checks counter and marks it seen.  True if it is new: not seen before,
 * not more than TN_WG_REPLAY_WINDOW behind the highest counter seen and
 * below TN_WG_REJECT_AFTER_MESSAGES.  False otherwise (drop the packet). */
bool tn_wg_replay_check(struct tn_wg_replay *r, uint64_t counter);

#endif

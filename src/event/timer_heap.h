/* Private to src/event: the timer min-heap a loop embeds.
 *
 * loop.c owns one tn_timer_heap per loop and drives it; timer.c implements
 * it and the tn_timer_* API.  Loop thread only.
 */
#ifndef TN_EVENT_TIMER_HEAP_H
#define TN_EVENT_TIMER_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "event/loop.h"

struct tn_timer_heap {
	struct tn_loop *loop;
	struct tn_timer **v;   /* v[0] is the earliest (deadline, seq) */
	size_t len;
	size_t cap;            /* >= number of timers, so arming never allocates */
	size_t count;          /* timers that exist */
	uint64_t seq;          /* next arm sequence number */
	struct tn_timer *all;  /* every timer of the loop, for tn_loop_free */
};

void tn_timer_heap_init(struct tn_timer_heap *h, struct tn_loop *loop);
/* Frees every timer of the heap and the heap's storage. */
void tn_timer_heap_destroy(struct tn_timer_heap *h);
/* Earliest deadline, UINT64_MAX if nothing is armed. */
uint64_t tn_timer_heap_next(const struct tn_timer_heap *h);
/* Runs the callbacks of timers due at now that were armed before this call;
 * returns how many ran. */
int tn_timer_heap_run(struct tn_timer_heap *h, uint64_t now);

/* Defined in loop.c: the heap embedded in a loop. */
struct tn_timer_heap *tn_loop_timer_heap(struct tn_loop *loop);

#endif

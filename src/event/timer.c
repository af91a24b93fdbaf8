/* Timers: a binary min-heap ordered by (deadline, arm sequence).
 *
 * Each timer stores its heap index, so arm, cancel and free are O(log n)
 * with no search.  The arm sequence breaks ties (equal deadlines fire in
 * the order armed) and marks timers armed while due timers are being run:
 * those wait for the next round, so a callback that re-arms with delay 0
 * cannot keep tn_timer_heap_run going forever.
 */
#include "event/timer_heap.h"

#include <stdlib.h>

#include "util/clock.h"

#define IDLE SIZE_MAX /* heap index of a timer that is not armed */

struct tn_timer {
	struct tn_timer_heap *heap;
	tn_timer_cb cb;
	void *arg;
	uint64_t deadline;
	uint64_t period;        /* 0: one-shot */
	uint64_t seq;           /* when armed; orders equal deadlines */
	size_t idx;             /* in heap->v, or IDLE */
	struct tn_timer *prev;  /* heap->all */
	struct tn_timer *next;
};

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static bool before(const struct tn_timer *a, const struct tn_timer *b)
{
	return a->deadline < b->deadline ||
	       (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(struct tn_timer_heap *h, size_t i, struct tn_timer *t)
{
	h->v[i] = t;
	t->idx = i;
}

static void sift_up(struct tn_timer_heap *h, size_t i)
{
	struct tn_timer *t = h->v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(t, h->v[parent]))
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, t);
}

static void sift_down(struct tn_timer_heap *h, size_t i)
{
	struct tn_timer *t = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->len)
			break;
		if (c + 1 < h->len && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], t))
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, t);
}

/* Restore the heap after t's key changed in place. */
static void fix(struct tn_timer_heap *h, size_t i)
{
	if (i > 0 && before(h->v[i], h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

static void heap_remove(struct tn_timer_heap *h, struct tn_timer *t)
{
	size_t i = t->idx;
	struct tn_timer *last = h->v[--h->len];

	t->idx = IDLE;
	if (last == t)
		return;
	place(h, i, last);
	fix(h, i);
}

void tn_timer_heap_init(struct tn_timer_heap *h, struct tn_loop *loop)
{
	*h = (struct tn_timer_heap){ .loop = loop };
}

void tn_timer_heap_destroy(struct tn_timer_heap *h)
{
	struct tn_timer *t, *next;

	for (t = h->all; t; t = next) {
		next = t->next;
		free(t);
	}
	free(h->v);
	*h = (struct tn_timer_heap){ 0 };
}

uint64_t tn_timer_heap_next(const struct tn_timer_heap *h)
{
	return h->len ? h->v[0]->deadline : UINT64_MAX;
}

/* The deadline after t->deadline on t's schedule that is later than now. */
static uint64_t next_deadline(const struct tn_timer *t, uint64_t now)
{
	uint64_t missed;

	if (now < t->deadline)	/* cannot happen for a due timer */
		return add_sat(t->deadline, t->period);
	missed = (now - t->deadline) / t->period;
	return add_sat(t->deadline, mul_sat(missed + 1, t->period));
}

int tn_timer_heap_run(struct tn_timer_heap *h, uint64_t now)
{
	/* Timers armed from here on get seq >= round.  Their deadlines are
	 * >= now (the clock does not go back), so in (deadline, seq) order
	 * they come after every timer that was already due: stopping at the
	 * first of them loses nothing. */
	uint64_t round = h->seq;
	int n = 0;

	while (h->len) {
		struct tn_timer *t = h->v[0];

		if (t->deadline > now || t->seq >= round)
			break;
		if (t->period) {
			t->deadline = next_deadline(t, now);
			t->seq = h->seq++;
			sift_down(h, 0);
		} else {
			heap_remove(h, t);
		}
		/* t may be freed by its callback: not touched after. */
		t->cb(t, t->arg);
		n++;
	}
	return n;
}

struct tn_timer *tn_timer_new(struct tn_loop *loop, tn_timer_cb cb, void *arg)
{
	struct tn_timer_heap *h = tn_loop_timer_heap(loop);
	struct tn_timer *t;

	if (!cb)
		return NULL;
	if (h->count == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		struct tn_timer **v = reallocarray(h->v, cap, sizeof(*v));

		if (!v)
			return NULL;
		h->v = v;
		h->cap = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->heap = h;
	t->cb = cb;
	t->arg = arg;
	t->idx = IDLE;
	t->next = h->all;
	if (h->all)
		h->all->prev = t;
	h->all = t;
	h->count++;
	return t;
}

void tn_timer_free(struct tn_timer *t)
{
	struct tn_timer_heap *h;

	if (!t)
		return;
	h = t->heap;
	tn_timer_cancel(t);
	if (t->prev)
		t->prev->next = t->next;
	else
		h->all = t->next;
	if (t->next)
		t->next->prev = t->prev;
	h->count--;
	free(t);
}

void tn_timer_arm(struct tn_timer *t, uint64_t delay_ns, uint64_t period_ns)
{
	struct tn_timer_heap *h = t->heap;

	t->deadline = add_sat(tn_clock_now(), delay_ns);
	t->period = period_ns;
	t->seq = h->seq++;
	if (t->idx == IDLE) {
		/* cap >= count (tn_timer_new), so there is room. */
		place(h, h->len++, t);
		sift_up(h, t->idx);
	} else {
		fix(h, t->idx);
	}
}

void tn_timer_cancel(struct tn_timer *t)
{
	if (t->idx != IDLE)
		heap_remove(t->heap, t);
}

bool tn_timer_armed(const struct tn_timer *t)
{
	return t->idx != IDLE;
}

uint64_t tn_timer_deadline(const struct tn_timer *t)
{
	return t->idx != IDLE ? t->deadline : UINT64_MAX;
}

struct tn_loop *tn_timer_loop(const struct tn_timer *t)
{
	return t->heap->loop;
}

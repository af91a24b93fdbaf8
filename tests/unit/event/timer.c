/* Timers on the virtual clock: nothing here sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event/loop.h"
#include "util/clock.h"

#define MS TN_NSEC_PER_MSEC
#define T0 (1000 * TN_NSEC_PER_SEC) /* virtual start; any value works */

/* Deterministic PRNG, so a failure reproduces. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static int setup(void **state)
{
	tn_clock_set_virtual(true, T0);
	rng_state = 0x9e3779b97f4a7c15ULL;
	*state = tn_loop_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	tn_loop_free(*state);
	tn_clock_set_virtual(false, 0);
	return 0;
}

/* A counting callback: arg is a struct hits. */
struct hits {
	int n;
	uint64_t at[16];        /* clock at each call */
	uint64_t deadline[16];  /* tn_timer_deadline inside the callback */
	bool armed[16];
};

static void count_cb(struct tn_timer *t, void *arg)
{
	struct hits *h = arg;

	if (h->n < 16) {
		h->at[h->n] = tn_clock_now();
		h->deadline[h->n] = tn_timer_deadline(t);
		h->armed[h->n] = tn_timer_armed(t);
	}
	h->n++;
}

static void step(struct tn_loop *loop, uint64_t ns)
{
	tn_clock_advance(ns);
	assert_true(tn_loop_run_once(loop, 0) >= 0);
}

static void new_timer_is_disarmed(void **state)
{
	struct tn_loop *loop = *state;
	struct hits h = { 0 };
	struct tn_timer *t = tn_timer_new(loop, count_cb, &h);

	assert_non_null(t);
	assert_ptr_equal(tn_timer_loop(t), loop);
	assert_false(tn_timer_armed(t));
	assert_true(tn_timer_deadline(t) == UINT64_MAX);
	assert_true(tn_loop_next_deadline(loop) == UINT64_MAX);
	tn_timer_arm(t, 5 * MS, 0);
	assert_true(tn_timer_armed(t));
	assert_true(tn_timer_deadline(t) == T0 + 5 * MS);
	assert_true(tn_loop_next_deadline(loop) == T0 + 5 * MS);
	tn_timer_free(t);
	assert_true(tn_loop_next_deadline(loop) == UINT64_MAX);
	tn_timer_free(NULL);
	assert_null(tn_timer_new(loop, NULL, NULL));
}

static void oneshot_fires_once_when_due(void **state)
{
	struct tn_loop *loop = *state;
	struct hits h = { 0 };
	struct tn_timer *t = tn_timer_new(loop, count_cb, &h);

	tn_timer_arm(t, 100 * MS, 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	step(loop, 99 * MS);
	assert_int_equal(h.n, 0);
	tn_clock_advance(1 * MS);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(h.n, 1);
	assert_true(h.at[0] == T0 + 100 * MS);
	assert_false(h.armed[0]);       /* one-shot: disarmed in its callback */
	assert_false(tn_timer_armed(t));
	step(loop, 10 * TN_NSEC_PER_SEC);
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	assert_int_equal(h.n, 1);
	tn_timer_free(t);
}

static void delay_zero_fires_on_next_run_once(void **state)
{
	struct tn_loop *loop = *state;
	struct hits h = { 0 };
	struct tn_timer *t = tn_timer_new(loop, count_cb, &h);

	tn_timer_arm(t, 0, 0);
	assert_true(tn_loop_next_deadline(loop) == T0);
	assert_int_equal(h.n, 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(h.n, 1);
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	assert_int_equal(h.n, 1);
	tn_timer_free(t);
}

static void periodic_keeps_its_schedule(void **state)
{
	struct tn_loop *loop = *state;
	struct hits h = { 0 };
	struct tn_timer *t = tn_timer_new(loop, count_cb, &h);

	tn_timer_arm(t, 5 * MS, 10 * MS);       /* due at 5, 15, 25, ... */
	step(loop, 4 * MS);
	assert_int_equal(h.n, 0);
	step(loop, 3 * MS);                     /* now 7: late by 2 */
	assert_int_equal(h.n, 1);
	assert_true(h.armed[0]);                /* re-armed before the call */
	assert_true(h.deadline[0] == T0 + 15 * MS);  /* not 7 + 10 */
	step(loop, 7 * MS);                     /* 14 */
	assert_int_equal(h.n, 1);
	step(loop, 1 * MS);                     /* 15 */
	assert_int_equal(h.n, 2);
	assert_true(h.at[1] == T0 + 15 * MS);
	assert_true(tn_timer_deadline(t) == T0 + 25 * MS);
	for (int i = 0; i < 10; i++)            /* 25, 35, ..., 115 */
		step(loop, 10 * MS);
	assert_int_equal(h.n, 12);
	assert_true(tn_timer_deadline(t) == T0 + 125 * MS);
	tn_timer_cancel(t);
	step(loop, 100 * MS);
	assert_int_equal(h.n, 12);
	tn_timer_free(t);
}

static void periodic_skips_missed_periods(void **state)
{
	struct tn_loop *loop = *state;
	struct hits h = { 0 };
	struct tn_timer *t = tn_timer_new(loop, count_cb, &h);

	tn_timer_arm(t, 10 * MS, 10 * MS);      /* due at 10, 20, 30, ... */
	tn_clock_advance(55 * MS);              /* 10..50 all missed */
	assert_int_equal(tn_loop_run_once(loop, 0), 1);   /* once, no burst */
	assert_int_equal(h.n, 1);
	assert_true(tn_timer_deadline(t) == T0 + 60 * MS); /* still on grid */
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	/* Exactly on a grid point: that point counts as missed too. */
	tn_clock_advance(15 * MS);              /* 70 */
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_true(tn_timer_deadline(t) == T0 + 80 * MS);
	tn_timer_free(t);
}

static void cancel_before_due_never_fires(void **state)
{
	struct tn_loop *loop = *state;
	struct hits h = { 0 };
	struct tn_timer *t = tn_timer_new(loop, count_cb, &h);

	tn_timer_arm(t, 10 * MS, 0);
	step(loop, 9 * MS);
	tn_timer_cancel(t);
	assert_false(tn_timer_armed(t));
	assert_true(tn_timer_deadline(t) == UINT64_MAX);
	tn_timer_cancel(t);                     /* twice is harmless */
	step(loop, 1 * TN_NSEC_PER_SEC);
	assert_int_equal(h.n, 0);
	tn_timer_free(t);
}

static void rearm_moves_the_deadline(void **state)
{
	struct tn_loop *loop = *state;
	struct hits h = { 0 };
	struct tn_timer *t = tn_timer_new(loop, count_cb, &h);
	struct tn_timer *other = tn_timer_new(loop, count_cb, &h);

	tn_timer_arm(other, 50 * MS, 0);
	tn_timer_arm(t, 100 * MS, 0);
	tn_timer_arm(t, 10 * MS, 0);            /* earlier */
	assert_true(tn_loop_next_deadline(loop) == T0 + 10 * MS);
	step(loop, 10 * MS);
	assert_int_equal(h.n, 1);
	tn_timer_arm(t, 10 * MS, 0);            /* due at 20 */
	tn_timer_arm(t, 90 * MS, 0);            /* later: due at 100 */
	step(loop, 30 * MS);                    /* 40 */
	assert_int_equal(h.n, 1);
	step(loop, 10 * MS);                    /* 50: other */
	assert_int_equal(h.n, 2);
	step(loop, 49 * MS);
	assert_int_equal(h.n, 2);
	step(loop, 1 * MS);                     /* 100 */
	assert_int_equal(h.n, 3);
	tn_timer_free(t);
	tn_timer_free(other);
}

/* Re-arms itself while count < limit. */
struct again {
	int n, limit;
	uint64_t delay;
	uint64_t at[8];
};

static void again_cb(struct tn_timer *t, void *arg)
{
	struct again *a = arg;

	a->at[a->n++] = tn_clock_now();
	if (a->n < a->limit)
		tn_timer_arm(t, a->delay, 0);
}

static void rearm_from_own_callback(void **state)
{
	struct tn_loop *loop = *state;
	struct again a = { .limit = 3, .delay = 5 * MS };
	struct tn_timer *t = tn_timer_new(loop, again_cb, &a);

	tn_timer_arm(t, 10 * MS, 0);
	for (int i = 0; i < 30; i++)
		step(loop, 1 * MS);
	assert_int_equal(a.n, 3);
	assert_true(a.at[0] == T0 + 10 * MS);
	assert_true(a.at[1] == T0 + 15 * MS);
	assert_true(a.at[2] == T0 + 20 * MS);
	assert_false(tn_timer_armed(t));
	tn_timer_free(t);
}

static void rearm_with_zero_delay_waits_for_next_round(void **state)
{
	struct tn_loop *loop = *state;
	struct again a = { .limit = 4, .delay = 0 };
	struct tn_timer *t = tn_timer_new(loop, again_cb, &a);

	tn_timer_arm(t, 0, 0);
	/* Each run_once fires it once, even though it is always due. */
	for (int i = 1; i <= 4; i++) {
		assert_int_equal(tn_loop_run_once(loop, 0), 1);
		assert_int_equal(a.n, i);
	}
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	tn_timer_free(t);
}

static void free_self_cb(struct tn_timer *t, void *arg)
{
	(*(int *)arg)++;
	tn_timer_free(t);
}

static void free_self_inside_callback(void **state)
{
	struct tn_loop *loop = *state;
	int n1 = 0, n2 = 0;
	struct hits h = { 0 };
	struct tn_timer *oneshot = tn_timer_new(loop, free_self_cb, &n1);
	struct tn_timer *periodic = tn_timer_new(loop, free_self_cb, &n2);
	struct tn_timer *later = tn_timer_new(loop, count_cb, &h);

	tn_timer_arm(oneshot, 1 * MS, 0);
	tn_timer_arm(periodic, 1 * MS, 1 * MS);
	tn_timer_arm(later, 2 * MS, 0);
	step(loop, 5 * MS);                     /* all three in one round */
	assert_int_equal(n1, 1);
	assert_int_equal(n2, 1);
	assert_int_equal(h.n, 1);               /* the heap survived */
	step(loop, 5 * MS);
	assert_int_equal(n2, 1);
	assert_true(tn_loop_next_deadline(loop) == UINT64_MAX);
	tn_timer_free(later);
}

/* First of two due timers frees, cancels or re-arms the second. */
struct victim {
	struct tn_timer *other;
	int action;     /* 0 free, 1 cancel, 2 re-arm 1 ms later */
	int n;
};

static void hit_other_cb(struct tn_timer *t, void *arg)
{
	struct victim *v = arg;

	v->n++;
	if (v->action == 0)
		tn_timer_free(v->other);
	else if (v->action == 1)
		tn_timer_cancel(v->other);
	else
		tn_timer_arm(v->other, 1 * MS, 0);
}

static void callback_frees_cancels_or_rearms_another_due_timer(void **state)
{
	struct tn_loop *loop = *state;

	for (int action = 0; action < 3; action++) {
		struct hits h = { 0 };
		struct victim v = { .action = action };
		struct tn_timer *first = tn_timer_new(loop, hit_other_cb, &v);

		v.other = tn_timer_new(loop, count_cb, &h);
		tn_timer_arm(first, 1 * MS, 0);
		tn_timer_arm(v.other, 2 * MS, 0);
		tn_clock_advance(3 * MS);      /* both due */
		assert_int_equal(tn_loop_run_once(loop, 0), 1);
		assert_int_equal(v.n, 1);
		assert_int_equal(h.n, 0);
		step(loop, 1 * MS);
		assert_int_equal(h.n, action == 2 ? 1 : 0);
		tn_timer_free(first);
		if (action != 0)
			tn_timer_free(v.other);
	}
}

static void loop_free_releases_armed_timers(void **state)
{
	struct tn_loop *loop = tn_loop_new();
	struct hits h = { 0 };

	assert_non_null(loop);
	for (int i = 0; i < 100; i++) {
		struct tn_timer *t = tn_timer_new(loop, count_cb, &h);

		assert_non_null(t);
		if (i % 2)
			tn_timer_arm(t, (uint64_t)i * MS, i % 3 ? 0 : MS);
	}
	tn_loop_free(loop);     /* LeakSanitizer checks the rest */
	assert_int_equal(h.n, 0);
}

/* Ordering: many timers, random deadlines with ties, armed in random order,
 * fire in (deadline, arm order) order and never before or after their
 * run_once. */
#define NORDER 2000

struct order {
	int fired[NORDER];
	int nfired;
};

struct order_timer {
	struct order *o;
	int id;
};

static void order_cb(struct tn_timer *t, void *arg)
{
	struct order_timer *ot = arg;

	assert_true(tn_timer_deadline(t) == UINT64_MAX);
	assert_true(ot->o->nfired < NORDER);
	ot->o->fired[ot->o->nfired++] = ot->id;
}

static void many_timers_fire_in_deadline_order(void **state)
{
	struct tn_loop *loop = *state;
	static struct order o;
	static struct order_timer ots[NORDER];
	static struct tn_timer *ts[NORDER];
	static uint64_t deadline[NORDER];
	static int arm_rank[NORDER], perm[NORDER];
	uint64_t prev_now = tn_clock_now();
	int checked = 0;

	memset(&o, 0, sizeof(o));
	for (int i = 0; i < NORDER; i++) {
		perm[i] = i;
		ots[i] = (struct order_timer){ .o = &o, .id = i };
		ts[i] = tn_timer_new(loop, order_cb, &ots[i]);
		assert_non_null(ts[i]);
	}
	for (int i = NORDER - 1; i > 0; i--) {  /* shuffle the arm order */
		int j = (int)(rnd() % (uint64_t)(i + 1)), x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	for (int k = 0; k < NORDER; k++) {
		int i = perm[k];
		/* 500 distinct values for 2000 timers: plenty of ties. */
		uint64_t delay = (rnd() % 500) * 100 * 1000;

		tn_timer_arm(ts[i], delay, 0);
		deadline[i] = T0 + delay;
		arm_rank[i] = k;
	}
	while (o.nfired < NORDER) {
		uint64_t now;

		tn_clock_advance(rnd() % (3 * MS));
		now = tn_clock_now();
		assert_true(now < T0 + 10 * TN_NSEC_PER_SEC);
		assert_true(tn_loop_run_once(loop, 0) >= 0);
		for (; checked < o.nfired; checked++) {
			int id = o.fired[checked];

			assert_true(deadline[id] <= now);      /* not early */
			assert_true(deadline[id] > prev_now ||
				    prev_now == T0);           /* not late */
		}
		prev_now = now;
	}
	for (int k = 1; k < NORDER; k++) {
		int a = o.fired[k - 1], b = o.fired[k];

		assert_true(deadline[a] <= deadline[b]);
		if (deadline[a] == deadline[b])
			assert_true(arm_rank[a] < arm_rank[b]);
	}
	for (int i = 0; i < NORDER; i++) {
		assert_false(tn_timer_armed(ts[i]));
		tn_timer_free(ts[i]);
	}
}

/* Heap stress against a model: 10,000 timers, random arm / re-arm / cancel /
 * free / new, interleaved with partial runs; everything fires in order. */
#define NSTRESS 10000

struct stress {
	struct tn_timer *t[NSTRESS];
	bool armed[NSTRESS];
	uint64_t deadline[NSTRESS];
	uint64_t seq[NSTRESS];
	int ids[NSTRESS];
	int fired[NSTRESS];
	int nfired;
};

static struct stress *stress; /* the one of heap_stress_against_model */

static void stress_cb(struct tn_timer *t, void *arg)
{
	assert_true(stress->nfired < NSTRESS);
	stress->fired[stress->nfired++] = *(int *)arg;
}

/* The order the model expects: (deadline, arm sequence). */
static int cmp_model(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;

	if (stress->deadline[a] != stress->deadline[b])
		return stress->deadline[a] < stress->deadline[b] ? -1 : 1;
	return stress->seq[a] < stress->seq[b] ? -1 : stress->seq[a] > stress->seq[b];
}

static void heap_stress_against_model(void **state)
{
	struct tn_loop *loop = *state;
	struct stress *s = calloc(1, sizeof(*s));
	int *expect = calloc(NSTRESS, sizeof(int));
	uint64_t seq = 0;

	assert_non_null(s);
	assert_non_null(expect);
	stress = s;
	for (int i = 0; i < NSTRESS; i++) {
		s->ids[i] = i;
		s->t[i] = tn_timer_new(loop, stress_cb, &s->ids[i]);
		assert_non_null(s->t[i]);
	}
	for (int phase = 0; phase < 20; phase++) {
		uint64_t now, min = UINT64_MAX;
		int nexp = 0;

		for (int op = 0; op < 20000; op++) {
			int i = (int)(rnd() % NSTRESS);
			unsigned what = (unsigned)(rnd() % 10);

			if (what < 6) {                 /* arm or re-arm */
				uint64_t delay = rnd() % (2 * TN_NSEC_PER_SEC);

				tn_timer_arm(s->t[i], delay, 0);
				s->armed[i] = true;
				s->deadline[i] = tn_clock_now() + delay;
				s->seq[i] = seq++;
			} else if (what < 9) {          /* cancel */
				tn_timer_cancel(s->t[i]);
				s->armed[i] = false;
			} else {                        /* free and replace */
				tn_timer_free(s->t[i]);
				s->t[i] = tn_timer_new(loop, stress_cb, &s->ids[i]);
				assert_non_null(s->t[i]);
				s->armed[i] = false;
			}
			assert_int_equal(tn_timer_armed(s->t[i]), s->armed[i]);
		}
		for (int i = 0; i < NSTRESS; i++)
			if (s->armed[i] && s->deadline[i] < min)
				min = s->deadline[i];
		assert_true(tn_loop_next_deadline(loop) == min);

		/* Last phase: run everything; otherwise part of it. */
		tn_clock_advance(phase == 19 ? 3 * TN_NSEC_PER_SEC
					     : rnd() % (1 * TN_NSEC_PER_SEC));
		now = tn_clock_now();
		for (int i = 0; i < NSTRESS; i++)
			if (s->armed[i] && s->deadline[i] <= now)
				expect[nexp++] = i;
		qsort(expect, (size_t)nexp, sizeof(int), cmp_model);
		s->nfired = 0;
		assert_int_equal(tn_loop_run_once(loop, 0), nexp);
		assert_int_equal(s->nfired, nexp);
		assert_memory_equal(s->fired, expect, (size_t)nexp * sizeof(int));
		for (int k = 0; k < nexp; k++)
			s->armed[expect[k]] = false;
	}
	assert_true(tn_loop_next_deadline(loop) == UINT64_MAX);
	for (int i = 0; i < NSTRESS; i++)
		tn_timer_free(s->t[i]);
	free(expect);
	free(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(new_timer_is_disarmed),
		T(oneshot_fires_once_when_due),
		T(delay_zero_fires_on_next_run_once),
		T(periodic_keeps_its_schedule),
		T(periodic_skips_missed_periods),
		T(cancel_before_due_never_fires),
		T(rearm_moves_the_deadline),
		T(rearm_from_own_callback),
		T(rearm_with_zero_delay_waits_for_next_round),
		T(free_self_inside_callback),
		T(callback_frees_cancels_or_rearms_another_due_timer),
		T(loop_free_releases_armed_timers),
		T(many_timers_fire_in_deadline_order),
		T(heap_stress_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

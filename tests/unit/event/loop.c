/* The loop: fds, deletion during dispatch, signals, threads, real clock. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "event/loop.h"
#include "util/clock.h"

#define MS TN_NSEC_PER_MSEC
/* A test that waits on another thread gives up after this long instead of
 * hanging the suite (it then fails on the watchdog flag). */
#define WATCHDOG_NS (10 * TN_NSEC_PER_SEC)

static int setup(void **state)
{
	*state = tn_loop_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	tn_loop_free(*state);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void watchdog_cb(struct tn_timer *t, void *arg)
{
	*(bool *)arg = true;
	tn_loop_stop(tn_timer_loop(t));
}

/* A real-clock timer that stops the loop if the test hangs. */
static struct tn_timer *watchdog(struct tn_loop *loop, bool *fired)
{
	struct tn_timer *t = tn_timer_new(loop, watchdog_cb, fired);

	assert_non_null(t);
	tn_timer_arm(t, WATCHDOG_NS, 0);
	return t;
}

struct seen {
	int n;
	int fd;
	unsigned events;
};

static void seen_cb(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct seen *s = arg;

	s->n++;
	s->fd = fd;
	s->events = events;
}

static void write_byte(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

static void pipe_read_readiness(void **state)
{
	struct tn_loop *loop = *state;
	struct seen s = { 0 };
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(tn_loop_add_fd(loop, p[0], TN_EV_READ, seen_cb, &s), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	assert_int_equal(s.n, 0);
	write_byte(p[1]);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.fd, p[0]);
	assert_int_equal(s.events, TN_EV_READ);
	/* Level-triggered: still readable until drained. */
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(tn_loop_del_fd(loop, p[0]), 0);
	write_byte(p[1]);
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	assert_int_equal(s.n, 2);
	close(p[0]);
	close(p[1]);
}

static void write_interest_and_modify(void **state)
{
	struct tn_loop *loop = *state;
	struct seen s = { 0 };
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(tn_loop_add_fd(loop, sv[0], TN_EV_WRITE, seen_cb, &s), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(s.events, TN_EV_WRITE);
	assert_int_equal(tn_loop_mod_fd(loop, sv[0], TN_EV_READ), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	write_byte(sv[1]);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(s.events, TN_EV_READ);
	assert_int_equal(tn_loop_mod_fd(loop, sv[0], TN_EV_READ | TN_EV_WRITE), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(s.events, TN_EV_READ | TN_EV_WRITE);
	assert_int_equal(tn_loop_mod_fd(loop, sv[0], 0), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(tn_loop_del_fd(loop, sv[0]), 0);
	close(sv[0]);
	close(sv[1]);
}

static void hangup_and_error_are_reported(void **state)
{
	struct tn_loop *loop = *state;
	struct seen r = { 0 }, w = { 0 };
	int p[2], q[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	/* Interest 0 still hears hang-ups and errors. */
	assert_int_equal(tn_loop_add_fd(loop, p[0], 0, seen_cb, &r), 0);
	assert_int_equal(tn_loop_add_fd(loop, q[1], TN_EV_READ, seen_cb, &w), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	close(p[1]);    /* reader sees HUP */
	close(q[0]);    /* writer sees ERROR */
	assert_int_equal(tn_loop_run_once(loop, 0), 2);
	assert_int_equal(r.events, TN_EV_HUP);
	assert_true(w.events & TN_EV_ERROR);
	assert_false(w.events & TN_EV_WRITE); /* not asked for */
	assert_int_equal(tn_loop_del_fd(loop, p[0]), 0);
	assert_int_equal(tn_loop_del_fd(loop, q[1]), 0);
	close(p[0]);
	close(q[1]);
}

static void fd_argument_errors(void **state)
{
	struct tn_loop *loop = *state;
	struct seen s = { 0 };
	FILE *f = tmpfile();
	int p[2], high;

	assert_non_null(f);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(tn_loop_add_fd(loop, -1, TN_EV_READ, seen_cb, &s), -EBADF);
	assert_int_equal(tn_loop_add_fd(loop, p[0], 4, seen_cb, &s), -EINVAL);
	assert_int_equal(tn_loop_add_fd(loop, p[0], TN_EV_READ, NULL, &s), -EINVAL);
	assert_int_equal(tn_loop_add_fd(loop, fileno(f), TN_EV_READ, seen_cb, &s),
			 -EPERM);        /* epoll refuses regular files */
	assert_int_equal(tn_loop_del_fd(loop, p[0]), -ENOENT);
	assert_int_equal(tn_loop_mod_fd(loop, p[0], TN_EV_READ), -ENOENT);
	assert_int_equal(tn_loop_del_fd(loop, -5), -ENOENT);
	assert_int_equal(tn_loop_del_fd(loop, 1 << 20), -ENOENT);
	assert_int_equal(tn_loop_add_fd(loop, p[0], TN_EV_READ, seen_cb, &s), 0);
	assert_int_equal(tn_loop_add_fd(loop, p[0], TN_EV_READ, seen_cb, &s), -EEXIST);
	assert_int_equal(tn_loop_mod_fd(loop, p[0], 16), -EINVAL);
	/* A high fd number grows the table. */
	high = fcntl(p[1], F_DUPFD_CLOEXEC, 700);
	assert_true(high >= 700);
	assert_int_equal(tn_loop_add_fd(loop, high, TN_EV_WRITE, seen_cb, &s), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(s.fd, high);
	assert_int_equal(tn_loop_del_fd(loop, high), 0);
	assert_int_equal(tn_loop_del_fd(loop, p[0]), 0);
	close(high);
	close(p[0]);
	close(p[1]);
	fclose(f);
}

/* Two readable pipes; whichever callback runs first acts on the other,
 * whose event is then still pending in the same epoll batch. */
enum { DEL_CLOSE_FREE, DEL_REUSE_NUMBER, MOD_TO_NONE };

struct batch {
	int action;
	int calls;
	struct peer *runner, *victim;
	struct seen reused;     /* the new registration under the old number */
};

struct peer {
	struct batch *b;
	int rfd, wfd;
	struct peer *other;
};

static void peer_cb(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct peer *me = arg, *o = me->other;
	struct batch *b = me->b;
	int q[2];

	b->calls++;
	assert_int_equal(fd, me->rfd);
	if (!o)
		return;         /* a later run, after the test's action */
	me->other = o->other = NULL;
	b->runner = me;
	b->victim = o;
	switch (b->action) {
	case DEL_CLOSE_FREE:
		assert_int_equal(tn_loop_del_fd(loop, o->rfd), 0);
		close(o->rfd);
		close(o->wfd);
		free(o);        /* a stale dispatch would read freed memory */
		b->victim = NULL;
		break;
	case DEL_REUSE_NUMBER:
		/* An empty pipe under the same fd number, watched anew: the
		 * stale event must not reach the new registration. */
		assert_int_equal(tn_loop_del_fd(loop, o->rfd), 0);
		assert_int_equal(pipe(q), 0);
		assert_int_equal(dup2(q[0], o->rfd), o->rfd);
		close(q[0]);
		close(o->wfd);  /* the new pipe stays open: no hang-up */
		o->wfd = q[1];
		assert_int_equal(tn_loop_add_fd(loop, o->rfd, TN_EV_READ, seen_cb,
						&b->reused), 0);
		break;
	case MOD_TO_NONE:
		assert_int_equal(tn_loop_mod_fd(loop, o->rfd, 0), 0);
		break;
	}
}

static struct peer *new_peer(struct tn_loop *loop, struct batch *b)
{
	struct peer *p = calloc(1, sizeof(*p));
	int fds[2];

	assert_non_null(p);
	assert_int_equal(pipe(fds), 0);
	*p = (struct peer){ .b = b, .rfd = fds[0], .wfd = fds[1] };
	write_byte(p->wfd);
	assert_int_equal(tn_loop_add_fd(loop, p->rfd, TN_EV_READ, peer_cb, p), 0);
	return p;
}

static void drop_peer(struct tn_loop *loop, struct peer *p)
{
	assert_int_equal(tn_loop_del_fd(loop, p->rfd), 0);
	close(p->rfd);
	close(p->wfd);
	free(p);
}

static void callback_acts_on_fd_pending_in_same_batch(void **state)
{
	struct tn_loop *loop = *state;

	for (int action = DEL_CLOSE_FREE; action <= MOD_TO_NONE; action++) {
		struct batch b = { .action = action };
		struct peer *p = new_peer(loop, &b), *q = new_peer(loop, &b);

		p->other = q;
		q->other = p;
		/* Both are ready in one batch; only the first one runs. */
		assert_int_equal(tn_loop_run_once(loop, 0), 1);
		assert_int_equal(b.calls, 1);
		assert_non_null(b.runner);
		/* Next batch: the runner (still readable) and nothing else. */
		assert_int_equal(tn_loop_run_once(loop, 0), 1);
		assert_int_equal(b.calls, 2);
		assert_int_equal(b.reused.n, 0);
		if (action == MOD_TO_NONE) {
			/* The victim is back once it asks for READ again. */
			assert_int_equal(tn_loop_mod_fd(loop, b.victim->rfd,
							TN_EV_READ), 0);
			assert_int_equal(tn_loop_run_once(loop, 0), 2);
		}
		drop_peer(loop, b.runner);
		if (b.victim)
			drop_peer(loop, b.victim);
	}
}

/* Deletes its own fd and re-adds the same number with another callback. */
static void readd_self_cb(struct tn_loop *loop, int fd, unsigned events,
			  void *arg)
{
	struct seen *s = arg;

	s->n++;
	assert_int_equal(tn_loop_del_fd(loop, fd), 0);
	assert_int_equal(tn_loop_del_fd(loop, fd), -ENOENT);
	assert_int_equal(tn_loop_add_fd(loop, fd, TN_EV_READ, seen_cb, s + 1), 0);
}

static void delete_and_readd_self_inside_callback(void **state)
{
	struct tn_loop *loop = *state;
	struct seen s[2] = { 0 };
	int p[2];

	assert_int_equal(pipe(p), 0);
	write_byte(p[1]);
	assert_int_equal(tn_loop_add_fd(loop, p[0], TN_EV_READ, readd_self_cb, s), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(s[0].n, 1);
	assert_int_equal(s[1].n, 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(s[0].n, 1);
	assert_int_equal(s[1].n, 1);
	assert_int_equal(tn_loop_del_fd(loop, p[0]), 0);
	close(p[0]);
	close(p[1]);
}

static void nested_run_cb(struct tn_loop *loop, int fd, unsigned events,
			  void *arg)
{
	int *r = arg;

	r[0] = tn_loop_run_once(loop, 0);
	r[1] = tn_loop_run(loop);
}

static void run_from_callback_is_refused(void **state)
{
	struct tn_loop *loop = *state;
	int r[2] = { 0, 0 }, p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(tn_loop_add_fd(loop, p[1], TN_EV_WRITE, nested_run_cb, r), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(r[0], -EBUSY);
	assert_int_equal(r[1], -EBUSY);
	assert_int_equal(tn_loop_del_fd(loop, p[1]), 0);
	close(p[0]);
	close(p[1]);
}

struct sigseen {
	int n;
	int signo;
	struct tn_loop *loop;
};

static void sig_cb(struct tn_loop *loop, int signo, void *arg)
{
	struct sigseen *s = arg;

	s->n++;
	s->signo = signo;
	s->loop = loop;
}

static void signal_reaches_its_callback(void **state)
{
	struct tn_loop *loop = *state;
	struct sigseen u1 = { 0 }, u2 = { 0 };
	sigset_t cur;

	assert_int_equal(tn_loop_add_signal(loop, SIGUSR1, sig_cb, &u1), 0);
	assert_int_equal(tn_loop_add_signal(loop, SIGUSR2, sig_cb, &u2), 0);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
	assert_true(sigismember(&cur, SIGUSR1));
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 1);
	assert_int_equal(u1.n, 1);
	assert_int_equal(u1.signo, SIGUSR1);
	assert_ptr_equal(u1.loop, loop);
	assert_int_equal(u2.n, 0);
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(tn_loop_run_once(loop, 0), 2);
	assert_int_equal(u1.n, 2);
	assert_int_equal(u2.n, 1);
	assert_int_equal(u2.signo, SIGUSR2);
	assert_int_equal(tn_loop_run_once(loop, 0), 0);
}

static void signal_argument_errors(void **state)
{
	struct tn_loop *loop = *state;
	struct sigseen s = { 0 };

	assert_int_equal(tn_loop_add_signal(loop, SIGKILL, sig_cb, &s), -EINVAL);
	assert_int_equal(tn_loop_add_signal(loop, SIGSTOP, sig_cb, &s), -EINVAL);
	assert_int_equal(tn_loop_add_signal(loop, 0, sig_cb, &s), -EINVAL);
	assert_int_equal(tn_loop_add_signal(loop, NSIG, sig_cb, &s), -EINVAL);
	assert_int_equal(tn_loop_add_signal(loop, SIGUSR1, NULL, &s), -EINVAL);
	assert_int_equal(tn_loop_add_signal(loop, SIGUSR1, sig_cb, &s), 0);
	assert_int_equal(tn_loop_add_signal(loop, SIGUSR1, sig_cb, &s), -EEXIST);
}

static void *stop_later(void *arg)
{
	sleep_ms(20);
	tn_loop_stop(arg);
	return NULL;
}

static void stop_from_another_thread(void **state)
{
	struct tn_loop *loop = *state;
	bool timed_out = false;
	struct tn_timer *wd = watchdog(loop, &timed_out);
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, stop_later, loop), 0);
	assert_int_equal(tn_loop_run(loop), 0);   /* blocks until stopped */
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_false(timed_out);
	tn_timer_free(wd);
}

static void stop_cb(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	(*(int *)arg)++;
	tn_loop_stop(loop);
}

static void stop_before_run_and_from_callback(void **state)
{
	struct tn_loop *loop = *state;
	int n = 0, p[2];

	tn_loop_stop(loop);
	assert_int_equal(tn_loop_run(loop), 0);   /* returns at once */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(tn_loop_add_fd(loop, p[1], TN_EV_WRITE, stop_cb, &n), 0);
	assert_int_equal(tn_loop_run(loop), 0);
	assert_int_equal(n, 1);                   /* one iteration */
	assert_int_equal(tn_loop_run(loop), 0);   /* each stop ends one run */
	assert_int_equal(n, 2);
	assert_int_equal(tn_loop_del_fd(loop, p[1]), 0);
	close(p[0]);
	close(p[1]);
}

static void *wake_later(void *arg)
{
	sleep_ms(20);
	tn_loop_wake(arg);
	return NULL;
}

static void wake_from_another_thread_ends_the_wait(void **state)
{
	struct tn_loop *loop = *state;
	bool timed_out = false;
	struct tn_timer *wd = watchdog(loop, &timed_out);
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, wake_later, loop), 0);
	assert_int_equal(tn_loop_run_once(loop, -1), 0);  /* woken, no callback */
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_false(timed_out);
	tn_timer_free(wd);
}

/* Posts from several threads: all run, on the loop thread, each thread's
 * in the order posted. */
#define POSTERS 3
#define POSTS 2000

struct posted {
	pthread_t loop_thread;
	int next[POSTERS];      /* next sequence number expected per poster */
	int total;
	bool wrong_thread, out_of_order;
};

struct poster;

struct msg {
	struct poster *who;
	int seq;
};

struct poster {
	struct tn_loop *loop;
	int id;
	struct posted *p;
	struct msg msg[POSTS];
	int failed;
};

static void posted_cb(struct tn_loop *loop, void *arg)
{
	struct msg *m = arg;
	struct posted *p = m->who->p;

	if (!pthread_equal(pthread_self(), p->loop_thread))
		p->wrong_thread = true;
	if (m->seq != p->next[m->who->id])
		p->out_of_order = true;
	p->next[m->who->id] = m->seq + 1;
	if (++p->total == POSTERS * POSTS)
		tn_loop_stop(loop);
}

static void *post_many(void *arg)
{
	struct poster *me = arg;

	for (int i = 0; i < POSTS; i++) {
		me->msg[i].who = me;
		me->msg[i].seq = i;
		if (tn_loop_post(me->loop, posted_cb, &me->msg[i]) < 0)
			me->failed++;
		if (i % 256 == 0)
			sched_yield();
	}
	return NULL;
}

static void post_from_threads_runs_on_loop_thread_in_order(void **state)
{
	struct tn_loop *loop = *state;
	struct posted p = { .loop_thread = pthread_self() };
	static struct poster posters[POSTERS];
	pthread_t th[POSTERS];
	bool timed_out = false;
	struct tn_timer *wd = watchdog(loop, &timed_out);

	for (int i = 0; i < POSTERS; i++) {
		posters[i] = (struct poster){ .loop = loop, .id = i, .p = &p };
		assert_int_equal(pthread_create(&th[i], NULL, post_many,
						&posters[i]), 0);
	}
	assert_int_equal(tn_loop_run(loop), 0);
	for (int i = 0; i < POSTERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(posters[i].failed, 0);
		assert_int_equal(p.next[i], POSTS);
	}
	assert_false(timed_out);
	assert_int_equal(p.total, POSTERS * POSTS);
	assert_false(p.wrong_thread);
	assert_false(p.out_of_order);
	tn_timer_free(wd);
}

struct fired {
	int n;
	uint64_t at;
};

static void fired_cb(struct tn_timer *t, void *arg)
{
	struct fired *f = arg;

	f->n++;
	f->at = tn_clock_now();
}

static void real_clock_wait_ends_at_timer_deadline(void **state)
{
	struct tn_loop *loop = *state;
	struct fired f = { 0 };
	struct tn_timer *t = tn_timer_new(loop, fired_cb, &f);
	uint64_t deadline;
	int iterations = 0;

	assert_false(tn_clock_is_virtual());
	tn_timer_arm(t, 30 * MS + 123, 0);      /* not a whole millisecond */
	deadline = tn_timer_deadline(t);
	while (f.n == 0) {
		/* Bounded: without the timer this would block for ever. */
		assert_true(++iterations <= 2);
		assert_true(tn_loop_run_once(loop, -1) >= 0);
	}
	assert_int_equal(f.n, 1);
	assert_true(f.at >= deadline);          /* never early */
	tn_timer_free(t);
}

static void real_clock_max_wait_bounds_the_wait(void **state)
{
	struct tn_loop *loop = *state;
	struct fired f = { 0 };
	struct tn_timer *t = tn_timer_new(loop, fired_cb, &f);
	uint64_t start = tn_clock_now();

	tn_timer_arm(t, WATCHDOG_NS, 0);
	assert_int_equal(tn_loop_run_once(loop, 5), 0);
	assert_true(tn_clock_now() - start >= 5 * MS);
	assert_int_equal(f.n, 0);
	tn_timer_free(t);
}

static void never_cb(struct tn_loop *loop, void *arg)
{
	(*(int *)arg)++;
}

static void loop_free_releases_everything(void **state)
{
	struct tn_loop *loop = tn_loop_new();
	struct seen s = { 0 };
	struct sigseen sg = { 0 };
	int n = 0, p[2];

	assert_non_null(loop);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(tn_loop_add_fd(loop, p[0], TN_EV_READ, seen_cb, &s), 0);
	assert_int_equal(tn_loop_add_fd(loop, p[1], TN_EV_WRITE, seen_cb, &s), 0);
	assert_int_equal(tn_loop_add_signal(loop, SIGUSR1, sig_cb, &sg), 0);
	tn_timer_arm(tn_timer_new(loop, fired_cb, NULL), MS, MS);
	assert_int_equal(tn_loop_post(loop, never_cb, &n), 0);
	tn_loop_free(loop);     /* LeakSanitizer checks the rest */
	tn_loop_free(NULL);
	assert_int_equal(n, 0); /* dropped, not run */
	/* The loop never closes fds it did not open. */
	write_byte(p[1]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(pipe_read_readiness),
		T(write_interest_and_modify),
		T(hangup_and_error_are_reported),
		T(fd_argument_errors),
		T(callback_acts_on_fd_pending_in_same_batch),
		T(delete_and_readd_self_inside_callback),
		T(run_from_callback_is_refused),
		T(signal_reaches_its_callback),
		T(signal_argument_errors),
		T(stop_from_another_thread),
		T(stop_before_run_and_from_callback),
		T(wake_from_another_thread_ends_the_wait),
		T(post_from_threads_runs_on_loop_thread_in_order),
		T(real_clock_wait_ends_at_timer_deadline),
		T(real_clock_max_wait_bounds_the_wait),
		T(loop_free_releases_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The event loop: epoll dispatch, fd table, signalfd, eventfd wakeups.
 *
 * Deleting an fd from inside a callback: epoll never gets a pointer.  Each
 * registration carries (fd, generation) in epoll_event.data and dispatch
 * looks it up in the fd table, so an event still pending in the batch for
 * an fd that a callback deleted (or deleted and re-added under the same
 * number) finds no entry or a newer generation and is dropped.  Entries can
 * therefore be freed at once, and no stale pointer can outlive a batch even
 * if an fd is closed before tn_loop_del_fd.
 *
 * Cross-thread requests (tn_loop_post) go on a lock-free LIFO stack that the
 * loop thread takes whole with one atomic exchange (no ABA: nobody else
 * pops) and reverses into posting order; an eventfd write wakes the loop.
 */
#include "event/loop.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "event/timer_heap.h"
#include "util/clock.h"
#include "util/log.h"

/* Events taken per epoll_wait; more stay pending for the next call. */
#define MAX_EVENTS 64
/* Smallest fd table; it grows by doubling to the highest fd seen. */
#define MIN_FDS 64

struct fd_entry {
	int fd;
	uint32_t gen;          /* matches the epoll_event.data of this add */
	unsigned events;       /* TN_EV_READ | TN_EV_WRITE */
	bool internal;         /* the loop's own eventfd/signalfd */
	tn_fd_cb cb;
	void *arg;
};

struct post {
	tn_loop_cb cb;
	void *arg;
	struct post *next;
};

struct sig_handler {
	tn_signal_cb cb;
	void *arg;
};

struct tn_loop {
	int epfd;
	struct fd_entry **fds;  /* indexed by fd number */
	size_t nfds;
	uint32_t gen;           /* last generation handed out */
	bool running;           /* inside tn_loop_run_once */
	unsigned calls;         /* user callbacks run, for run_once's result */
	struct tn_timer_heap timers;

	struct fd_entry wake;   /* eventfd: posts, stop, wake */
	_Atomic(struct post *) posts;
	atomic_bool stop;

	struct fd_entry sig;    /* signalfd, fd -1 until the first signal */
	sigset_t sigmask;
	struct sig_handler sigs[NSIG];
};

struct tn_timer_heap *tn_loop_timer_heap(struct tn_loop *loop)
{
	return &loop->timers;
}

static uint64_t pack(int fd, uint32_t gen)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

static uint32_t epoll_mask(unsigned events)
{
	return (events & TN_EV_READ ? EPOLLIN : 0) |
	       (events & TN_EV_WRITE ? EPOLLOUT : 0);
}

static unsigned tn_mask(uint32_t ev)
{
	return (ev & EPOLLIN ? TN_EV_READ : 0) |
	       (ev & EPOLLOUT ? TN_EV_WRITE : 0) |
	       (ev & EPOLLERR ? TN_EV_ERROR : 0) |
	       (ev & EPOLLHUP ? TN_EV_HUP : 0);
}

static struct fd_entry *lookup(const struct tn_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nfds)
		return NULL;
	return loop->fds[fd];
}

static int grow_table(struct tn_loop *loop, int fd)
{
	size_t n = loop->nfds ? loop->nfds : MIN_FDS;
	struct fd_entry **fds;

	while (n <= (size_t)fd)
		n *= 2;
	if (n == loop->nfds)
		return 0;
	fds = reallocarray(loop->fds, n, sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	memset(fds + loop->nfds, 0, (n - loop->nfds) * sizeof(*fds));
	loop->fds = fds;
	loop->nfds = n;
	return 0;
}

/* Put e (already filled in but for gen) in the table and in epoll. */
static int attach(struct tn_loop *loop, struct fd_entry *e)
{
	struct epoll_event ev = { .events = epoll_mask(e->events) };
	int r;

	if (e->fd < 0)
		return -EBADF;
	if (lookup(loop, e->fd))
		return -EEXIST;
	r = grow_table(loop, e->fd);
	if (r < 0)
		return r;
	if (++loop->gen == 0)
		loop->gen = 1;
	e->gen = loop->gen;
	ev.data.u64 = pack(e->fd, e->gen);
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, e->fd, &ev) < 0)
		return -errno;
	loop->fds[e->fd] = e;
	return 0;
}

static void detach(struct tn_loop *loop, struct fd_entry *e)
{
	/* EBADF/ENOENT: the fd was closed first, and epoll dropped it. */
	(void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, e->fd, NULL);
	loop->fds[e->fd] = NULL;
}

int tn_loop_add_fd(struct tn_loop *loop, int fd, unsigned events,
		   tn_fd_cb cb, void *arg)
{
	struct fd_entry *e;
	int r;

	if (!cb || (events & ~(unsigned)(TN_EV_READ | TN_EV_WRITE)))
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = (struct fd_entry){ .fd = fd, .events = events, .cb = cb, .arg = arg };
	r = attach(loop, e);
	if (r < 0)
		free(e);
	return r;
}

int tn_loop_mod_fd(struct tn_loop *loop, int fd, unsigned events)
{
	struct fd_entry *e = lookup(loop, fd);
	struct epoll_event ev = { .events = epoll_mask(events) };

	if (!e || e->internal)
		return -ENOENT;
	if (events & ~(unsigned)(TN_EV_READ | TN_EV_WRITE))
		return -EINVAL;
	ev.data.u64 = pack(e->fd, e->gen);
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	e->events = events;
	return 0;
}

int tn_loop_del_fd(struct tn_loop *loop, int fd)
{
	struct fd_entry *e = lookup(loop, fd);

	if (!e || e->internal)
		return -ENOENT;
	detach(loop, e);
	free(e);
	return 0;
}

static void on_wake(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct post *p, *next, *fifo = NULL;
	uint64_t count;

	/* Reset the counter before taking the posts: a post pushed after the
	 * exchange below writes the eventfd again, so it is never lost. */
	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		tn_log_warn("event", "eventfd read: %s", strerror(errno));
	p = atomic_exchange_explicit(&loop->posts, NULL, memory_order_acquire);
	for (; p; p = next) {
		next = p->next;
		p->next = fifo;
		fifo = p;
	}
	for (p = fifo; p; p = next) {
		next = p->next;
		p->cb(loop, p->arg);
		loop->calls++;
		free(p);
	}
}

static void on_signal(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct signalfd_siginfo si[16];
	ssize_t n;

	while ((n = read(fd, si, sizeof(si))) > 0) {
		for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++) {
			uint32_t signo = si[i].ssi_signo;

			if (signo < NSIG && loop->sigs[signo].cb) {
				loop->sigs[signo].cb(loop, (int)signo,
						     loop->sigs[signo].arg);
				loop->calls++;
			}
		}
	}
	if (n < 0 && errno != EAGAIN)
		tn_log_warn("event", "signalfd read: %s", strerror(errno));
}

struct tn_loop *tn_loop_new(void)
{
	struct tn_loop *loop = calloc(1, sizeof(*loop));
	int r;

	if (!loop)
		return NULL;
	tn_timer_heap_init(&loop->timers, loop);
	atomic_init(&loop->posts, NULL);
	atomic_init(&loop->stop, false);
	sigemptyset(&loop->sigmask);
	loop->sig.fd = -1;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		r = -errno;
		goto fail;
	}
	loop->wake = (struct fd_entry){
		.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC),
		.events = TN_EV_READ, .internal = true, .cb = on_wake,
	};
	if (loop->wake.fd < 0) {
		r = -errno;
		goto fail_epoll;
	}
	r = attach(loop, &loop->wake);
	if (r < 0)
		goto fail_wake;
	return loop;

fail_wake:
	close(loop->wake.fd);
fail_epoll:
	close(loop->epfd);
fail:
	free(loop->fds);
	free(loop);
	errno = -r;
	return NULL;
}

void tn_loop_free(struct tn_loop *loop)
{
	struct post *p, *next;

	if (!loop)
		return;
	assert(!loop->running);
	for (size_t i = 0; i < loop->nfds; i++)
		if (loop->fds[i] && !loop->fds[i]->internal)
			free(loop->fds[i]);
	free(loop->fds);
	for (p = atomic_load(&loop->posts); p; p = next) {
		next = p->next;
		free(p);
	}
	tn_timer_heap_destroy(&loop->timers);
	if (loop->sig.fd >= 0)
		close(loop->sig.fd);
	close(loop->wake.fd);
	close(loop->epfd);
	free(loop);
}

int tn_loop_add_signal(struct tn_loop *loop, int signo, tn_signal_cb cb,
		       void *arg)
{
	sigset_t one, mask = loop->sigmask;
	int r;

	if (!cb || signo <= 0 || signo >= NSIG ||
	    signo == SIGKILL || signo == SIGSTOP)
		return -EINVAL;
	if (loop->sigs[signo].cb)
		return -EEXIST;
	sigemptyset(&one);
	/* glibc refuses the signals it reserves for itself (32, 33). */
	if (sigaddset(&one, signo) < 0 || sigaddset(&mask, signo) < 0)
		return -EINVAL;
	r = pthread_sigmask(SIG_BLOCK, &one, NULL);
	if (r)
		return -r;
	if (loop->sig.fd < 0) {
		loop->sig = (struct fd_entry){
			.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC),
			.events = TN_EV_READ, .internal = true, .cb = on_signal,
		};
		if (loop->sig.fd < 0)
			return -errno;
		r = attach(loop, &loop->sig);
		if (r < 0) {
			close(loop->sig.fd);
			loop->sig.fd = -1;
			return r;
		}
	} else if (signalfd(loop->sig.fd, &mask, 0) < 0) {
		return -errno;
	}
	loop->sigmask = mask;
	loop->sigs[signo] = (struct sig_handler){ .cb = cb, .arg = arg };
	return 0;
}

/* The epoll timeout: max_wait_ms, shortened to the earliest deadline. */
static int wait_ms(const struct tn_loop *loop, int max_wait_ms)
{
	uint64_t deadline = tn_timer_heap_next(&loop->timers), now, ms;
	int t;

	if (deadline == UINT64_MAX)
		return max_wait_ms;
	now = tn_clock_now();
	if (deadline <= now)
		return 0;
	if (tn_clock_is_virtual())
		return max_wait_ms;
	/* Round up, so the wait never ends before the deadline and the loop
	 * does not spin through sub-millisecond remainders. */
	ms = (deadline - now + TN_NSEC_PER_MSEC - 1) / TN_NSEC_PER_MSEC;
	t = ms > INT_MAX ? INT_MAX : (int)ms;
	return max_wait_ms < 0 || t < max_wait_ms ? t : max_wait_ms;
}

int tn_loop_run_once(struct tn_loop *loop, int max_wait_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int n;

	if (loop->running)
		return -EBUSY;
	n = epoll_wait(loop->epfd, evs, MAX_EVENTS, wait_ms(loop, max_wait_ms));
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;	/* a handler ran; timers may still be due */
	}
	loop->running = true;
	loop->calls = 0;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
		struct fd_entry *e = lookup(loop, fd);
		unsigned mask;

		/* Deleted (maybe re-added) by an earlier callback. */
		if (!e || e->gen != gen)
			continue;
		mask = tn_mask(evs[i].events) &
		       (e->events | TN_EV_ERROR | TN_EV_HUP);
		if (!mask)
			continue;
		if (!e->internal)
			loop->calls++;
		/* e may be freed by the callback: not touched after. */
		e->cb(loop, fd, mask, e->arg);
	}
	loop->calls += (unsigned)tn_timer_heap_run(&loop->timers, tn_clock_now());
	loop->running = false;
	return loop->calls > INT_MAX ? INT_MAX : (int)loop->calls;
}

int tn_loop_run(struct tn_loop *loop)
{
	int r;

	if (loop->running)
		return -EBUSY;
	while (!atomic_exchange(&loop->stop, false)) {
		r = tn_loop_run_once(loop, -1);
		if (r < 0)
			return r;
	}
	return 0;
}

void tn_loop_wake(struct tn_loop *loop)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is saturated, so the loop is awake anyway. */
	if (write(loop->wake.fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		tn_log_warn("event", "eventfd write: %s", strerror(errno));
}

void tn_loop_stop(struct tn_loop *loop)
{
	atomic_store(&loop->stop, true);
	tn_loop_wake(loop);
}

int tn_loop_post(struct tn_loop *loop, tn_loop_cb cb, void *arg)
{
	struct post *p = malloc(sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->cb = cb;
	p->arg = arg;
	p->next = atomic_load_explicit(&loop->posts, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&loop->posts, &p->next, p,
			memory_order_release, memory_order_relaxed))
		;
	tn_loop_wake(loop);
	return 0;
}

uint64_t tn_loop_next_deadline(const struct tn_loop *loop)
{
	return tn_timer_heap_next(&loop->timers);
}

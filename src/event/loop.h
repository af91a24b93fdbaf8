/* The event loop: one thread, epoll, timers, signals, cross-thread wakeups.
 *
 * One loop owns the control plane (docs/design.md, Process model).  It
 * multiplexes file descriptors (level-triggered epoll), timers (a binary
 * min-heap keyed on tn_clock_now(), so tests drive them with the virtual
 * clock), signals (signalfd) and requests from other threads (eventfd).
 *
 * Threads: everything here is for the loop's own thread (the one that calls
 * tn_loop_run / tn_loop_run_once), except tn_loop_wake, tn_loop_stop and
 * tn_loop_post, which any thread may call while the loop exists.  Other
 * threads must be done with them before tn_loop_free.
 *
 * Ownership: the caller owns the loop (tn_loop_new / tn_loop_free) and its
 * file descriptors: the loop never closes a registered fd; call
 * tn_loop_del_fd before close(), because epoll only forgets an fd when its
 * last duplicate is closed.  Timers belong to their loop: tn_timer_free
 * releases one early, tn_loop_free releases any left (pointers to them are
 * then dangling).  Callback arguments are borrowed, never freed by the loop.
 *
 * Callbacks run on the loop thread and may add, modify or delete any fd,
 * timer or post, including their own: deleting an fd whose event is still
 * pending in the same epoll batch means its callback is not called.  They
 * must not call tn_loop_run / tn_loop_run_once (-EBUSY) or tn_loop_free.
 *
 * Errors are negative errno values.
 */
#ifndef TN_EVENT_LOOP_H
#define TN_EVENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct tn_loop;
struct tn_timer;

/* Interest given to tn_loop_add_fd / tn_loop_mod_fd. */
enum {
	TN_EV_READ = 1,
	TN_EV_WRITE = 2,
};
/* Reported to callbacks in addition, whatever the interest.  Readiness is
 * level-triggered: a callback that sees TN_EV_HUP or TN_EV_ERROR and does
 * not delete (or drain) its fd is called again on every run. */
enum {
	TN_EV_ERROR = 4,
	TN_EV_HUP = 8,
};

typedef void (*tn_fd_cb)(struct tn_loop *loop, int fd, unsigned events,
			 void *arg);
typedef void (*tn_timer_cb)(struct tn_timer *timer, void *arg);
typedef void (*tn_signal_cb)(struct tn_loop *loop, int signo, void *arg);
typedef void (*tn_loop_cb)(struct tn_loop *loop, void *arg);

/* NULL on failure, with errno set (ENOMEM, EMFILE, ...). */
struct tn_loop *tn_loop_new(void);
/* Releases the loop, its timers and its signalfd/eventfd.  Registered fds
 * stay open; posts not yet run are dropped without being called; signals
 * added with tn_loop_add_signal stay blocked.  NULL is a no-op. */
void tn_loop_free(struct tn_loop *loop);

/* Watch fd for events (TN_EV_READ | TN_EV_WRITE, or 0 for errors and
 * hang-ups only).  -EEXIST if fd is already watched, -EBADF, -EINVAL, or
 * what epoll_ctl says (-EPERM for regular files). */
int tn_loop_add_fd(struct tn_loop *loop, int fd, unsigned events,
		   tn_fd_cb cb, void *arg);
/* Change the interest of a watched fd; a pending event in the current batch
 * is filtered by the new interest.  -ENOENT if fd is not watched. */
int tn_loop_mod_fd(struct tn_loop *loop, int fd, unsigned events);
/* Stop watching fd.  Safe from any callback, for any fd.  -ENOENT if fd is
 * not watched. */
int tn_loop_del_fd(struct tn_loop *loop, int fd);

/* Call cb on the loop thread whenever signo arrives.  Blocks signo in the
 * calling thread's mask and reads it from a signalfd, so add signals before
 * starting other threads (they inherit the mask); otherwise a thread that
 * does not block it takes the signal with its default action.  Only one
 * loop per process should handle signals.  -EINVAL (SIGKILL, SIGSTOP, out
 * of range, reserved by libc), -EEXIST if already added. */
int tn_loop_add_signal(struct tn_loop *loop, int signo, tn_signal_cb cb,
		       void *arg);

/* Wait for events for at most max_wait_ms (< 0: no limit; 0: do not wait),
 * shortened to the earliest timer deadline, then run fd, signal and posted
 * callbacks and then the timers that are due.  Returns the number of
 * callbacks run, or a negative errno (-EBUSY when called from a callback).
 * With the virtual clock timers do not shorten the wait (sleeping does not
 * advance virtual time): tests call tn_loop_run_once(loop, 0). */
int tn_loop_run_once(struct tn_loop *loop, int max_wait_ms);
/* Run until tn_loop_stop.  Returns 0, or a negative errno from the wait.
 * A stop requested before tn_loop_run is entered makes it return at once;
 * each stop request ends one tn_loop_run. */
int tn_loop_run(struct tn_loop *loop);

/* Any thread: make tn_loop_run return after the current iteration. */
void tn_loop_stop(struct tn_loop *loop);
/* Any thread: end the loop's current (or next) wait early. */
void tn_loop_wake(struct tn_loop *loop);
/* Any thread: run cb(loop, arg) once on the loop thread, soon, in the order
 * posted.  -ENOMEM. */
int tn_loop_post(struct tn_loop *loop, tn_loop_cb cb, void *arg);

/* Earliest armed timer deadline, UINT64_MAX if none. */
uint64_t tn_loop_next_deadline(const struct tn_loop *loop);

/* Timers.  A new timer is disarmed; NULL on ENOMEM.  Arming never fails. */
struct tn_timer *tn_timer_new(struct tn_loop *loop, tn_timer_cb cb, void *arg);
/* Disarms and frees.  Safe from any callback, including the timer's own.
 * NULL is a no-op. */
void tn_timer_free(struct tn_timer *timer);

/* (Re)arm: first due at tn_clock_now() + delay_ns, then, if period_ns is
 * not 0, every period_ns on the original schedule: the next deadline is the
 * previous deadline + period_ns, not the time the callback ran + period_ns.
 * When the loop fell a period or more behind, the callback runs once and
 * the missed deadlines are skipped: the next one is the first point of the
 * schedule strictly after now (no burst of catch-up calls).
 *
 * A timer is due when its deadline <= tn_clock_now(); delay 0 makes it due
 * at the next tn_loop_run_once.  A timer armed from a timer callback never
 * runs in the same round, so re-arming with delay 0 cannot starve the loop.
 * A periodic timer is re-armed before its callback runs, which may cancel,
 * re-arm or free it. */
void tn_timer_arm(struct tn_timer *timer, uint64_t delay_ns,
		  uint64_t period_ns);
/* No effect if not armed. */
void tn_timer_cancel(struct tn_timer *timer);
bool tn_timer_armed(const struct tn_timer *timer);
/* Absolute deadline on the tn_clock_now() scale; UINT64_MAX if not armed. */
uint64_t tn_timer_deadline(const struct tn_timer *timer);
struct tn_loop *tn_timer_loop(const struct tn_timer *timer);

#endif

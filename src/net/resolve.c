/* c-ares lookups on the event loop.
 *
 * c-ares tells us which of its sockets want reading or writing through the
 * socket-state callback; we mirror that into loop registrations, hand
 * readiness back with ares_process_fd, and keep one timer armed at
 * ares_timeout() for retransmissions.  The completion callback of c-ares may
 * run inside ares_getaddrinfo (hosts file, numeric names) or inside
 * ares_process_fd, where destroying the channel is not allowed; so it only
 * records the result and the same timer, armed at 0, delivers it from a
 * clean stack after the channel is gone.
 */
#include "net/resolve.h"

#include <ares.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/loop.h"
#include "util/clock.h"

struct tn_resolve {
	struct tn_loop *loop;
	ares_channel ch;
	struct tn_timer *timer;   /* c-ares timeouts; at 0 once done */
	char *name;
	uint16_t port;
	tn_resolve_cb cb;
	void *arg;
	int *fds;                 /* c-ares sockets registered with the loop */
	size_t nfds, fds_cap;
	bool done;                /* result recorded, waiting for delivery */
	bool in_cb;
	int err;
	char msg[256];
	struct sockaddr_storage *addrs;
	size_t count;
};

static struct {
	char *servers;
	unsigned timeout_ms;
	unsigned tries;
} config;

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_status;

static void lib_init(void)
{
	lib_status = ares_library_init(ARES_LIB_INIT_ALL);
}

int tn_resolve_set_config(const struct tn_resolve_config *cfg)
{
	char *servers = NULL;

	if (cfg && cfg->servers && !(servers = strdup(cfg->servers)))
		return -ENOMEM;
	free(config.servers);
	config.servers = servers;
	config.timeout_ms = cfg ? cfg->timeout_ms : 0;
	config.tries = cfg ? cfg->tries : 0;
	return 0;
}

static void fail(struct tn_resolve *q, int err, const char *why)
{
	q->done = true;
	q->err = err;
	snprintf(q->msg, sizeof(q->msg), "resolving %s: %s", q->name, why);
}

/* c-ares messages start with a capital ("Domain name not found"); ours
 * read as one lowercase clause after the prefix. */
static void fail_ares(struct tn_resolve *q, int status)
{
	char why[128];
	int err;

	snprintf(why, sizeof(why), "%s", ares_strerror(status));
	why[0] = (char)tolower((unsigned char)why[0]);
	switch (status) {
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
	case ARES_ENONAME:
		err = -ENOENT;
		break;
	case ARES_ETIMEOUT:
		err = -ETIMEDOUT;
		break;
	case ARES_ECONNREFUSED:
		err = -ECONNREFUSED;
		break;
	case ARES_ENOMEM:
		err = -ENOMEM;
		break;
	default:
		err = -EIO;
		break;
	}
	fail(q, err, why);
}

static void addrinfo_cb(void *arg, int status, int timeouts,
			struct ares_addrinfo *res)
{
	struct tn_resolve *q = arg;
	struct ares_addrinfo_node *n;
	size_t count = 0;

	(void)timeouts;
	if (q->done) {            /* ARES_EDESTRUCTION after a failure */
		ares_freeaddrinfo(res);
		return;
	}
	if (status != ARES_SUCCESS) {
		fail_ares(q, status);
		ares_freeaddrinfo(res);
		return;
	}
	for (n = res ? res->nodes : NULL; n; n = n->ai_next)
		if (n->ai_family == AF_INET || n->ai_family == AF_INET6)
			count++;
	if (count == 0) {
		fail(q, -ENOENT, "no addresses");
		ares_freeaddrinfo(res);
		return;
	}
	q->addrs = calloc(count, sizeof(*q->addrs));
	if (!q->addrs) {
		fail(q, -ENOMEM, "out of memory");
		ares_freeaddrinfo(res);
		return;
	}
	for (n = res->nodes; n; n = n->ai_next) {
		struct sockaddr_storage *ss = &q->addrs[q->count];

		if (n->ai_family == AF_INET &&
		    n->ai_addrlen >= sizeof(struct sockaddr_in)) {
			memcpy(ss, n->ai_addr, sizeof(struct sockaddr_in));
			((struct sockaddr_in *)ss)->sin_port = htons(q->port);
		} else if (n->ai_family == AF_INET6 &&
			   n->ai_addrlen >= sizeof(struct sockaddr_in6)) {
			memcpy(ss, n->ai_addr, sizeof(struct sockaddr_in6));
			((struct sockaddr_in6 *)ss)->sin6_port = htons(q->port);
		} else {
			continue;
		}
		q->count++;
	}
	q->done = true;
	ares_freeaddrinfo(res);
}

static void sock_cb(struct tn_loop *loop, int fd, unsigned events, void *arg);

static void sock_state_cb(void *data, ares_socket_t fd, int readable,
			  int writable)
{
	struct tn_resolve *q = data;
	unsigned ev = (readable ? TN_EV_READ : 0) | (writable ? TN_EV_WRITE : 0);
	size_t i;
	int r;

	for (i = 0; i < q->nfds && q->fds[i] != fd; i++)
		;
	if (!readable && !writable) {             /* c-ares closes it */
		if (i < q->nfds) {
			tn_loop_del_fd(q->loop, fd);
			q->fds[i] = q->fds[--q->nfds];
		}
		return;
	}
	if (i < q->nfds) {
		r = tn_loop_mod_fd(q->loop, fd, ev);
	} else {
		if (q->nfds == q->fds_cap) {
			size_t cap = q->fds_cap ? 2 * q->fds_cap : 4;
			int *fds = realloc(q->fds, cap * sizeof(*fds));

			if (!fds) {
				if (!q->done)
					fail(q, -ENOMEM, "out of memory");
				return;
			}
			q->fds = fds;
			q->fds_cap = cap;
		}
		r = tn_loop_add_fd(q->loop, fd, ev, sock_cb, q);
		if (r == 0)
			q->fds[q->nfds++] = fd;
	}
	if (r < 0 && !q->done) {
		char why[96];

		snprintf(why, sizeof(why), "watching a DNS socket: %s",
			 strerror(-r));
		fail(q, r, why);
	}
}

/* After c-ares ran: deliver at the next loop round if the lookup finished,
 * else wake up for its next retransmission. */
static void rearm(struct tn_resolve *q)
{
	struct timeval tv;

	if (q->done) {
		tn_timer_arm(q->timer, 0, 0);
		return;
	}
	if (ares_timeout(q->ch, NULL, &tv))
		tn_timer_arm(q->timer, (uint64_t)tv.tv_sec * TN_NSEC_PER_SEC +
				       (uint64_t)tv.tv_usec * 1000, 0);
	else
		tn_timer_cancel(q->timer);
}

static void sock_cb(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_resolve *q = arg;

	(void)loop;
	if (q->done)
		return;
	ares_process_fd(q->ch,
			events & (TN_EV_READ | TN_EV_ERROR | TN_EV_HUP) ? fd : ARES_SOCKET_BAD,
			events & TN_EV_WRITE ? fd : ARES_SOCKET_BAD);
	rearm(q);
}

/* Destroys the channel (and so its sockets); the result stays. */
static void release(struct tn_resolve *q)
{
	if (q->ch) {
		ares_destroy(q->ch);
		q->ch = NULL;
	}
	for (size_t i = 0; i < q->nfds; i++)
		tn_loop_del_fd(q->loop, q->fds[i]);
	q->nfds = 0;
	tn_timer_free(q->timer);
	q->timer = NULL;
}

static void destroy(struct tn_resolve *q)
{
	release(q);
	free(q->fds);
	free(q->addrs);
	free(q->name);
	free(q);
}

static void timer_cb(struct tn_timer *t, void *arg)
{
	struct tn_resolve *q = arg;
	struct tn_resolve_result res;

	(void)t;
	if (!q->done) {
		ares_process_fd(q->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		rearm(q);
		return;
	}
	release(q);
	res.err = q->err;
	res.error = q->err ? q->msg : NULL;
	res.count = q->err ? 0 : q->count;
	res.addrs = q->err ? NULL : q->addrs;
	q->in_cb = true;
	q->cb(&res, q->arg);
	destroy(q);
}

int tn_resolve_numeric(const char *host, uint16_t port,
		       struct sockaddr_storage *out)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;

	/* AI_NUMERICHOST: glibc parses the literal and asks nobody. */
	if (getaddrinfo(host, NULL, &hints, &ai) != 0 || !ai)
		return -EINVAL;
	if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
	    ai->ai_addrlen > sizeof(*out)) {
		freeaddrinfo(ai);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out, ai->ai_addr, ai->ai_addrlen);
	if (ai->ai_family == AF_INET6)
		((struct sockaddr_in6 *)out)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)out)->sin_port = htons(port);
	freeaddrinfo(ai);
	return 0;
}

int tn_resolve_start(struct tn_loop *loop, const char *name, uint16_t port,
		     tn_resolve_cb cb, void *arg, struct tn_resolve **out)
{
	struct ares_addrinfo_hints hints = { .ai_family = AF_UNSPEC,
					     .ai_socktype = SOCK_STREAM };
	struct ares_options opts = { 0 };
	int optmask = ARES_OPT_SOCK_STATE_CB;
	struct tn_resolve *q;
	int st;

	if (!loop || !name || !*name || !cb || !out)
		return -EINVAL;
	pthread_once(&lib_once, lib_init);
	if (lib_status != ARES_SUCCESS)
		return -ENOMEM;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->loop = loop;
	q->port = port;
	q->cb = cb;
	q->arg = arg;
	q->name = strdup(name);
	q->timer = tn_timer_new(loop, timer_cb, q);
	if (!q->name || !q->timer)
		goto nomem;
	/* c-ares 1.18 sends some literals to the DNS servers; never do. */
	{
		struct sockaddr_storage ss;

		if (tn_resolve_numeric(name, port, &ss) == 0) {
			q->addrs = malloc(sizeof(*q->addrs));
			if (!q->addrs)
				goto nomem;
			q->addrs[0] = ss;
			q->count = 1;
			q->done = true;
			tn_timer_arm(q->timer, 0, 0);
			*out = q;
			return 0;
		}
	}

	opts.sock_state_cb = sock_state_cb;
	opts.sock_state_cb_data = q;
	if (config.timeout_ms) {
		opts.timeout = (int)config.timeout_ms;
		optmask |= ARES_OPT_TIMEOUTMS;
	}
	if (config.tries) {
		opts.tries = (int)config.tries;
		optmask |= ARES_OPT_TRIES;
	}
	st = ares_init_options(&q->ch, &opts, optmask);
	if (st != ARES_SUCCESS) {
		/* A broken resolv.conf is reported like a failed lookup. */
		q->ch = NULL;
		if (st == ARES_ENOMEM)
			goto nomem;
		fail_ares(q, st);
		tn_timer_arm(q->timer, 0, 0);
		*out = q;
		return 0;
	}
	if (config.servers) {
		st = ares_set_servers_ports_csv(q->ch, config.servers);
		if (st != ARES_SUCCESS) {
			fail_ares(q, st);
			tn_timer_arm(q->timer, 0, 0);
			*out = q;
			return 0;
		}
	}
	ares_getaddrinfo(q->ch, name, NULL, &hints, addrinfo_cb, q);
	rearm(q);
	*out = q;
	return 0;
nomem:
	destroy(q);
	return -ENOMEM;
}

void tn_resolve_cancel(struct tn_resolve *q)
{
	if (!q || q->in_cb)
		return;
	/* ares_destroy ends the lookup with ARES_EDESTRUCTION; make the
	 * completion callback ignore it. */
	q->done = true;
	destroy(q);
}

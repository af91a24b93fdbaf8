/* Upstream forwarding over UDP (see forwarder.h). */
#include "dns/forwarder.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/message.h"
#include "dns/resolver.h"
#include "util/log.h"

enum up_state { UP_WAITING, UP_FAILED };

struct pending;

struct upstream {
	struct pending *q;
	int fd;
	enum up_state state;
};

struct pending {
	struct tn_dns_forwarder *f;
	struct pending *prev, *next;
	struct tn_dns_client client;
	uint8_t *query;
	size_t len, max_udp;
	uint16_t id;
	struct tn_dns_question question;
	struct tn_timer *timer;
	struct upstream ups[TN_DNS_FWD_MAX_UPSTREAMS];
	size_t n_ups, n_failed;
	/* The first failure: a REFUSED or SERVFAIL response kept to pass
	 * on, or a transport error (kept_len 0). */
	bool failed_any, saw_non_refused;
	uint8_t *kept;
	size_t kept_len;
	int kept_rcode;
};

struct tn_dns_forwarder {
	struct tn_loop *loop;
	tn_dns_fwd_done_fn done;
	void *ctx;
	struct pending *head;
	size_t n_pending;
	struct tn_dns_fwd_stats stats;
	/* One more than the largest response, to see truncation. */
	uint8_t rx[TN_DNS_MAX_RESPONSE + 1];
};

static void pending_free(struct pending *q)
{
	struct tn_dns_forwarder *f = q->f;

	for (size_t i = 0; i < q->n_ups; i++)
		if (q->ups[i].fd >= 0) {
			tn_loop_del_fd(f->loop, q->ups[i].fd);
			close(q->ups[i].fd);
		}
	tn_timer_free(q->timer);
	if (q->prev)
		q->prev->next = q->next;
	else if (f->head == q)
		f->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	f->n_pending--;
	free(q->kept);
	free(q->query);
	free(q);
}

static void complete(struct pending *q, const uint8_t *resp, size_t len)
{
	struct tn_dns_forwarder *f = q->f;

	if (resp)
		f->stats.answered++;
	else
		f->stats.failed++;
	f->done(f->ctx, &q->client, q->query, q->len, resp, len);
	pending_free(q);
}

static void close_upstream(struct upstream *u)
{
	tn_loop_del_fd(u->q->f->loop, u->fd);
	close(u->fd);
	u->fd = -1;
}

/* One resolver failed (rcode: its SERVFAIL/REFUSED response in resp, or
 * -1 for a transport error); the last failure decides the reply. */
static void upstream_failed(struct upstream *u, int rcode, const uint8_t *resp, size_t len)
{
	struct pending *q = u->q;

	u->state = UP_FAILED;
	close_upstream(u);
	if (rcode != TN_DNS_REFUSED)
		q->saw_non_refused = true;
	if (!q->failed_any) {
		q->failed_any = true;
		q->kept_rcode = rcode;
		if (resp && (q->kept = malloc(len))) {
			memcpy(q->kept, resp, len);
			q->kept_len = len;
		}
	}
	if (++q->n_failed < q->n_ups)
		return;
	/* Go: an upstream SERVFAIL if that came first, the first REFUSED if
	 * all refused, else a SERVFAIL of our own. */
	if (q->kept_len && (q->saw_non_refused ? q->kept_rcode == TN_DNS_SERVFAIL : true))
		complete(q, q->kept, q->kept_len);
	else
		complete(q, NULL, 0);
}

/* The response answers our query: same ID, and the same question
 * (ignoring case: servers may change it) when it has one. */
static bool matches(const struct pending *q, const uint8_t *resp, size_t len)
{
	struct tn_dns_header h;
	struct tn_dns_question rq;
	size_t off = TN_DNS_HEADER_LEN;

	if (tn_dns_header_read(&h, resp, len) || h.id != q->id || !(h.flags & TN_DNS_QR))
		return false;
	if (!h.qdcount)
		return TN_DNS_RCODE(h.flags) != TN_DNS_NOERROR;
	return !tn_dns_question_read(&rq, resp, len, &off) && rq.type == q->question.type &&
	       rq.qclass == q->question.qclass &&
	       tn_dns_name_equal_nocase(&rq.name, &q->question.name);
}

static void upstream_readable(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct upstream *u = arg;
	struct pending *q = u->q;
	struct tn_dns_forwarder *f = q->f;

	for (;;) {
		ssize_t n = recv(fd, f->rx, sizeof(f->rx), MSG_TRUNC);
		size_t len;
		int rcode;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* ICMP unreachable and the like. */
			upstream_failed(u, -1, NULL, 0);
			return;
		}
		len = (size_t)n > TN_DNS_MAX_RESPONSE ? TN_DNS_MAX_RESPONSE : (size_t)n;
		if (!matches(q, f->rx, len)) {
			f->stats.stray++;
			continue;
		}
		rcode = TN_DNS_RCODE(f->rx[3]);
		if (rcode == TN_DNS_SERVFAIL || rcode == TN_DNS_REFUSED) {
			upstream_failed(u, rcode, f->rx, len);
			return;
		}
		if ((size_t)n > len)
			f->rx[2] |= TN_DNS_TC >> 8;
		tn_dns_set_tc_if_over(f->rx, len, q->max_udp);
		tn_dns_clamp_edns(f->rx, len, TN_DNS_MAX_RESPONSE);
		complete(q, f->rx, len);
		return;
	}
}

static void timed_out(struct tn_timer *t, void *arg)
{
	struct pending *q = arg;

	q->f->stats.timeouts++;
	pending_free(q);
}

static bool is_quad100(const struct tn_tailcfg_addrport *a)
{
	static const uint8_t v4[4] = { 100, 100, 100, 100 };
	static const uint8_t v6[16] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0x53 };

	return a->family == AF_INET ? !memcmp(a->addr, v4, 4) : !memcmp(a->addr, v6, 16);
}

/* A connected non-blocking socket to a, with the query sent; -1 when
 * that failed. */
static int open_upstream(const struct tn_dns_upstream *a, const uint8_t *query, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (a->ipport.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->ipport.port);
		memcpy(&s4->sin_addr, a->ipport.addr, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->ipport.port);
		memcpy(&s6->sin6_addr, a->ipport.addr, 16);
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) || send(fd, query, len, 0) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

int tn_dns_forwarder_query(struct tn_dns_forwarder *f, const uint8_t *query, size_t len,
			   size_t max_udp, const struct tn_dns_route *route,
			   const struct tn_dns_client *client)
{
	struct tn_dns_header h;
	struct pending *q;
	size_t off = TN_DNS_HEADER_LEN;

	if (f->n_pending >= TN_DNS_FWD_MAX_PENDING) {
		f->stats.dropped_full++;
		return -EBUSY;
	}
	if (!(q = calloc(1, sizeof(*q))))
		return -ENOMEM;
	if (tn_dns_header_read(&h, query, len) ||
	    tn_dns_question_read(&q->question, query, len, &off)) {
		free(q);
		return -EINVAL;
	}
	if (!(q->query = malloc(len)) || !(q->timer = tn_timer_new(f->loop, timed_out, q))) {
		free(q->query);
		free(q);
		return -ENOMEM;
	}
	q->f = f;
	memcpy(q->query, query, len);
	q->len = len;
	q->id = h.id;
	q->max_udp = max_udp;
	q->client = *client;
	tn_dns_clamp_edns(q->query, len, TN_DNS_MAX_RESPONSE);
	q->next = f->head;
	if (f->head)
		f->head->prev = q;
	f->head = q;
	f->n_pending++;
	for (size_t i = 0; i < route->n_ups && q->n_ups < TN_DNS_FWD_MAX_UPSTREAMS; i++) {
		const struct tn_dns_upstream *a = &route->ups[i];
		struct upstream *u = &q->ups[q->n_ups];

		if (!a->has_ipport || is_quad100(&a->ipport))
			continue;
		u->q = q;
		if ((u->fd = open_upstream(a, q->query, len)) < 0)
			continue;
		if (tn_loop_add_fd(f->loop, u->fd, TN_EV_READ, upstream_readable, u) < 0) {
			close(u->fd);
			continue;
		}
		q->n_ups++;
	}
	if (!q->n_ups) {
		pending_free(q);
		return -EINVAL;
	}
	f->stats.queries++;
	tn_timer_arm(q->timer, TN_DNS_FWD_TIMEOUT_NS, 0);
	return 0;
}

struct tn_dns_forwarder *tn_dns_forwarder_new(struct tn_loop *loop, tn_dns_fwd_done_fn done,
					      void *ctx)
{
	struct tn_dns_forwarder *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->loop = loop;
	f->done = done;
	f->ctx = ctx;
	return f;
}

void tn_dns_forwarder_free(struct tn_dns_forwarder *f)
{
	if (!f)
		return;
	while (f->head)
		pending_free(f->head);
	free(f);
}

const struct tn_dns_fwd_stats *tn_dns_forwarder_stats(const struct tn_dns_forwarder *f)
{
	return &f->stats;
}

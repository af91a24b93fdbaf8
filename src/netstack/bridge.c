/* Relayed byte streams: a local socket (fd) on one side; an lwIP TCP
 * connection or another socket on the other.  Both directions respect
 * backpressure:
 *  - peer -> fd: lwIP's pbufs are queued as they arrive and written with
 *    writev; tcp_recved() opens lwIP's window only for bytes the socket
 *    took, so a slow reader closes the window instead of growing memory;
 *  - fd -> peer: the socket is read only while lwIP's send buffer and
 *    segment queue have room (tcp_sndbuf / tcp_sndqueuelen); the sent
 *    callback resumes it.
 * Half-closes pass through (FIN <-> shutdown(SHUT_WR)); an error or reset
 * on either side resets the other.  lwIP callbacks only queue work (see
 * internal.h); the work runs in tn_ns_bridge_run. */
#include "netstack/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lwip/priv/tcp_priv.h"

#include "event/loop.h"

/* Received chains queued per connection: lwIP's 64 KiB window in full
 * segments is ~53; small segments are appended to the last chain. */
#define RING 128
/* Buffer per direction for socket-to-socket relays. */
#define FD_BUF 65536
/* iovecs per writev. */
#define IOV_MAX_BATCH 64

struct buf {
	uint8_t *p;
	size_t off, len, cap;         /* p[off..len) is pending */
};

struct tn_ns_bridge {
	struct tn_netstack *ns;
	struct tn_ns_bridge *prev, *next;
	struct tn_ns_bridge *work_next;
	bool queued;

	int fd;                       /* the local side */
	int peer_fd;                  /* the other side as a socket, or -1 */
	struct tcp_pcb *pcb;          /* the other side in lwIP; NULL once gone */
	bool is_pcb;

	unsigned fd_events, peer_events;   /* interest registered */
	bool fd_watched, peer_watched;
	bool fd_readable, peer_readable;   /* seen readable, not drained */
	bool fd_eof;                  /* fd sent EOF */
	bool peer_eof;                /* the peer sent FIN/EOF */
	bool peer_shut;               /* our FIN went to the peer */
	bool fd_shut;                 /* shutdown(fd, SHUT_WR) done */
	bool reset;                   /* tear down with resets */

	struct buf to_fd, to_peer;
	struct pbuf *rq[RING];        /* lwIP -> fd */
	unsigned rq_head, rq_n;
	u16_t rq_off;                 /* into rq[rq_head]'s first pbuf */
};

static void on_fd(struct tn_loop *loop, int fd, unsigned events, void *arg);
static void on_peer_fd(struct tn_loop *loop, int fd, unsigned events, void *arg);

static void queue_work(struct tn_ns_bridge *b)
{
	if (b->queued)
		return;
	b->queued = true;
	b->work_next = b->ns->work;
	b->ns->work = b;
	tn_ns_want_work(b->ns);
}

static bool buf_empty(const struct buf *x)
{
	return x->off == x->len;
}

/* Appends data; the buffer only ever grows to what it must hold. */
static int buf_put(struct buf *x, const void *data, size_t len, size_t cap)
{
	if (!len)
		return 0;
	if (!x->p) {
		if (!(x->p = malloc(cap > len ? cap : len)))
			return -ENOMEM;
		x->cap = cap > len ? cap : len;
	}
	if (x->off == x->len)
		x->off = x->len = 0;
	memcpy(x->p + x->len, data, len);
	x->len += len;
	return 0;
}

/* lwIP callbacks: record, queue, return. */

static err_t pcb_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct tn_ns_bridge *b = arg;

	(void)pcb;
	(void)err;
	if (!p) {
		b->peer_eof = true;
	} else if (b->rq_n < RING) {
		b->rq[(b->rq_head + b->rq_n++) % RING] = p;
	} else {
		struct pbuf *last = b->rq[(b->rq_head + RING - 1) % RING];

		/* Tiny segments: grow the last chain while its length fits. */
		if ((size_t)last->tot_len + p->tot_len > 0xffff)
			return ERR_MEM;   /* lwIP keeps it and offers it again */
		pbuf_cat(last, p);
	}
	queue_work(b);
	return ERR_OK;
}

static err_t pcb_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	queue_work(arg);
	return ERR_OK;
}

static void pcb_err(void *arg, err_t err)
{
	struct tn_ns_bridge *b = arg;

	/* The pcb is gone.  ERR_CLSD after our FIN: lwIP finished the close
	 * on its own (both FINs exchanged); anything else is a reset. */
	b->pcb = NULL;
	if (err == ERR_CLSD && b->peer_shut)
		b->peer_eof = true;
	else
		b->reset = true;
	queue_work(b);
}

static void detach_pcb(struct tn_ns_bridge *b)
{
	tcp_arg(b->pcb, NULL);
	tcp_recv(b->pcb, NULL);
	tcp_sent(b->pcb, NULL);
	tcp_err(b->pcb, NULL);
}

static void ring_free(struct tn_ns_bridge *b)
{
	while (b->rq_n) {
		pbuf_free(b->rq[b->rq_head]);
		b->rq_head = (b->rq_head + 1) % RING;
		b->rq_n--;
	}
	b->rq_off = 0;
}

static void bridge_free(struct tn_ns_bridge *b)
{
	struct tn_netstack *ns = b->ns;

	if (b->queued) {
		struct tn_ns_bridge **pp = &ns->work;

		while (*pp != b)
			pp = &(*pp)->work_next;
		*pp = b->work_next;
	}
	if (b->prev)
		b->prev->next = b->next;
	else
		ns->bridges = b->next;
	if (b->next)
		b->next->prev = b->prev;
	ns->n_bridges--;
	ring_free(b);
	free(b->to_fd.p);
	free(b->to_peer.p);
	free(b);
}

/* Ends the relay.  Graceful: the pcb is handed back to lwIP to finish
 * its close; reset: both sides see a reset. */
static void finish(struct tn_ns_bridge *b)
{
	struct tn_netstack *ns = b->ns;

	if (b->fd_watched)
		tn_loop_del_fd(ns->loop, b->fd);
	if (b->peer_watched)
		tn_loop_del_fd(ns->loop, b->peer_fd);
	if (b->pcb) {
		detach_pcb(b);
		if (b->reset || tcp_close(b->pcb) != ERR_OK)
			tcp_abort(b->pcb);
	}
	if (b->reset) {
		tn_ns_close_reset(b->fd);
		if (b->peer_fd >= 0)
			tn_ns_close_reset(b->peer_fd);
	} else {
		close(b->fd);
		if (b->peer_fd >= 0)
			close(b->peer_fd);
	}
	bridge_free(b);
}

/* Writes what is pending for fd: to_fd, then the lwIP chains.  false on
 * a write error (b->reset set). */
static bool flush_to_fd(struct tn_ns_bridge *b)
{
	struct iovec iov[IOV_MAX_BATCH];

	while (!buf_empty(&b->to_fd)) {
		ssize_t w = write(b->fd, b->to_fd.p + b->to_fd.off, b->to_fd.len - b->to_fd.off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return true;
			b->reset = true;
			return false;
		}
		b->to_fd.off += (size_t)w;
	}
	while (b->rq_n) {
		size_t n = 0, total = 0, left;
		unsigned i = 0;
		u16_t off = b->rq_off;
		ssize_t w;

		for (; i < b->rq_n && n < IOV_MAX_BATCH; i++)
			for (struct pbuf *q = b->rq[(b->rq_head + i) % RING]; q && n < IOV_MAX_BATCH;
			     q = q->next) {
				if (q->len > off) {
					iov[n].iov_base = (uint8_t *)q->payload + off;
					iov[n++].iov_len = q->len - off;
					total += q->len - off;
				}
				off = 0;
			}
		w = 0;
		if (total) {
			w = writev(b->fd, iov, (int)n);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					return true;
				b->reset = true;
				return false;
			}
		}
		/* Consume w bytes (and empty pbufs) from the front. */
		left = (size_t)w;
		while (b->rq_n) {
			struct pbuf *p = b->rq[b->rq_head], *next;
			size_t avail = (size_t)(p->len - b->rq_off);

			if (left < avail) {
				b->rq_off = (u16_t)(b->rq_off + left);
				break;
			}
			left -= avail;
			b->rq_off = 0;
			next = p->next;
			if (next) {
				/* The chain's reference to next becomes ours. */
				p->next = NULL;
				p->tot_len = p->len;
				b->rq[b->rq_head] = next;
			} else {
				b->rq_head = (b->rq_head + 1) % RING;
				b->rq_n--;
			}
			pbuf_free(p);
		}
		if (b->pcb) {
			for (size_t done = (size_t)w; done;) {
				u16_t chunk = done > 0xffff ? 0xffff : (u16_t)done;

				tcp_recved(b->pcb, chunk);
				done -= chunk;
			}
		}
		if ((size_t)w < total)
			return true;  /* the socket is full */
	}
	return true;
}

/* Room in lwIP's send queue now: bytes that tcp_write will take whole. */
static size_t pcb_room(const struct tcp_pcb *pcb)
{
	size_t room = tcp_sndbuf(pcb), mss = pcb->mss ? pcb->mss : 536;
	int segs = TCP_SND_QUEUELEN - (int)tcp_sndqueuelen(pcb) - 2;

	if (segs <= 0)
		return 0;
	if (room > (size_t)segs * mss)
		room = (size_t)segs * mss;
	/* Avoid dribbling tiny writes while a lot is in flight. */
	if (room < mss && tcp_sndbuf(pcb) < TCP_SND_BUF / 2)
		return 0;
	return room;
}

/* fd (and to_peer) -> lwIP.  false on error (b->reset set). */
static bool pump_to_pcb(struct tn_ns_bridge *b)
{
	struct tn_netstack *ns = b->ns;
	bool wrote = false;

	while (!buf_empty(&b->to_peer)) {
		size_t room = pcb_room(b->pcb), n = b->to_peer.len - b->to_peer.off;

		if (!room)
			break;
		if (n > room)
			n = room;
		if (tcp_write(b->pcb, b->to_peer.p + b->to_peer.off, (u16_t)n,
			      TCP_WRITE_FLAG_COPY) != ERR_OK) {
			b->reset = true;
			return false;
		}
		b->to_peer.off += n;
		wrote = true;
	}
	while (buf_empty(&b->to_peer) && b->fd_readable && !b->fd_eof) {
		size_t room = pcb_room(b->pcb);
		ssize_t r;

		if (!room)
			break;
		r = read(b->fd, ns->io_buf, room < sizeof(ns->io_buf) ? room : sizeof(ns->io_buf));
		if (r > 0) {
			if (tcp_write(b->pcb, ns->io_buf, (u16_t)r, TCP_WRITE_FLAG_COPY) != ERR_OK) {
				b->reset = true;
				return false;
			}
			wrote = true;
		} else if (r == 0) {
			b->fd_eof = true;
		} else if (errno == EAGAIN) {
			b->fd_readable = false;
		} else if (errno != EINTR) {
			b->reset = true;
			return false;
		}
	}
	if (b->fd_eof && buf_empty(&b->to_peer) && !b->peer_shut) {
		if (tcp_shutdown(b->pcb, 0, 1) != ERR_OK) {
			b->reset = true;
			return false;
		}
		b->peer_shut = true;
		wrote = true;
	}
	if (wrote)
		tcp_output(b->pcb);
	return true;
}

/* One direction between two sockets: src -> x -> dst. */
static bool pump_fds(int src, int dst, struct buf *x, bool *readable, bool *eof, bool *dst_shut)
{
	for (;;) {
		while (!buf_empty(x)) {
			ssize_t w = write(dst, x->p + x->off, x->len - x->off);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				return errno == EAGAIN;
			}
			x->off += (size_t)w;
		}
		if (!*readable || *eof)
			break;
		if (x->cap < FD_BUF) {
			uint8_t *np = realloc(x->p, FD_BUF);

			if (!np)
				return false;
			x->p = np;
			x->cap = FD_BUF;
		}
		ssize_t r = read(src, x->p, FD_BUF);

		if (r > 0) {
			x->off = 0;
			x->len = (size_t)r;
		} else if (r == 0) {
			*eof = true;
		} else if (errno == EAGAIN) {
			*readable = false;
		} else if (errno != EINTR) {
			return false;
		}
	}
	if (*eof && buf_empty(x) && !*dst_shut) {
		shutdown(dst, SHUT_WR);
		*dst_shut = true;
	}
	return true;
}

static void watch(struct tn_ns_bridge *b, int fd, bool *watched, unsigned *cur, unsigned want,
		  tn_fd_cb cb)
{
	if (!*watched) {
		if (!want || tn_loop_add_fd(b->ns->loop, fd, want, cb, b) < 0)
			return;
		*watched = true;
	} else if (want != *cur) {
		tn_loop_mod_fd(b->ns->loop, fd, want);
	}
	*cur = want;
}

static void service(struct tn_ns_bridge *b)
{
	unsigned want_fd = 0, want_peer = 0;
	bool ok = true;

	if (b->reset) {
		finish(b);
		return;
	}
	ok = flush_to_fd(b);
	if (ok && b->is_pcb && b->pcb)
		ok = pump_to_pcb(b);
	if (ok && !b->is_pcb) {
		ok = pump_fds(b->fd, b->peer_fd, &b->to_peer, &b->fd_readable, &b->fd_eof,
			      &b->peer_shut) &&
		     pump_fds(b->peer_fd, b->fd, &b->to_fd, &b->peer_readable, &b->peer_eof,
			      &b->fd_shut);
		if (!ok)
			b->reset = true;
	}
	if (!ok || b->reset) {
		finish(b);
		return;
	}
	/* The peer is done sending and all of it is written: pass the EOF. */
	if (b->is_pcb && b->peer_eof && !b->rq_n && buf_empty(&b->to_fd) && !b->fd_shut) {
		shutdown(b->fd, SHUT_WR);
		b->fd_shut = true;
	}
	if (b->is_pcb && !b->pcb && !b->peer_shut) {
		/* lwIP closed without our FIN going out: nothing more can. */
		b->fd_eof = b->peer_shut = true;
	}
	if (b->fd_shut && b->peer_shut && (b->is_pcb ? true : buf_empty(&b->to_peer))) {
		finish(b);
		return;
	}
	/* Interest: read while the other side has room, write while data
	 * waits. */
	if (!b->fd_eof && !b->fd_readable) {
		if (b->is_pcb ? (b->pcb && buf_empty(&b->to_peer) && pcb_room(b->pcb))
			      : buf_empty(&b->to_peer))
			want_fd |= TN_EV_READ;
	}
	if (!buf_empty(&b->to_fd) || b->rq_n)
		want_fd |= TN_EV_WRITE;
	watch(b, b->fd, &b->fd_watched, &b->fd_events, want_fd, on_fd);
	if (!b->is_pcb) {
		if (!b->peer_eof && !b->peer_readable && buf_empty(&b->to_fd))
			want_peer |= TN_EV_READ;
		if (!buf_empty(&b->to_peer))
			want_peer |= TN_EV_WRITE;
		watch(b, b->peer_fd, &b->peer_watched, &b->peer_events, want_peer, on_peer_fd);
	}
}

static void on_fd_events(struct tn_ns_bridge *b, int fd, unsigned events, bool *readable,
			 bool *watched, unsigned *cur)
{
	struct tn_netstack *ns = b->ns;

	if (events & (TN_EV_READ | TN_EV_HUP | TN_EV_ERROR))
		*readable = true;
	if ((events & (TN_EV_HUP | TN_EV_ERROR)) && !(*cur & TN_EV_READ)) {
		/* Hang-ups are reported whatever the interest: stop watching
		 * until we want to read (which then sees the EOF or error). */
		tn_loop_del_fd(ns->loop, fd);
		*watched = false;
		*cur = 0;
	}
	tn_ns_enter(ns);
	queue_work(b);
	tn_ns_leave(ns);
}

static void on_fd(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_ns_bridge *b = arg;

	(void)loop;
	on_fd_events(b, fd, events, &b->fd_readable, &b->fd_watched, &b->fd_events);
}

static void on_peer_fd(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_ns_bridge *b = arg;

	(void)loop;
	on_fd_events(b, fd, events, &b->peer_readable, &b->peer_watched, &b->peer_events);
}

void tn_ns_bridge_run(struct tn_netstack *ns)
{
	while (ns->work) {
		struct tn_ns_bridge *b = ns->work;

		ns->work = b->work_next;
		b->queued = false;
		service(b);
	}
}

static struct tn_ns_bridge *bridge_new(struct tn_netstack *ns, int fd, const void *to_fd,
				       size_t to_fd_len, const void *to_peer, size_t to_peer_len)
{
	struct tn_ns_bridge *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->ns = ns;
	b->fd = fd;
	b->peer_fd = -1;
	if (buf_put(&b->to_fd, to_fd, to_fd_len, to_fd_len) < 0 ||
	    buf_put(&b->to_peer, to_peer, to_peer_len, to_peer_len) < 0) {
		free(b->to_fd.p);
		free(b);
		return NULL;
	}
	/* Unknown until the loop says otherwise; a read costs one EAGAIN. */
	b->fd_readable = true;
	b->next = ns->bridges;
	if (ns->bridges)
		ns->bridges->prev = b;
	ns->bridges = b;
	ns->n_bridges++;
	return b;
}

struct tn_ns_bridge *tn_ns_bridge_pcb(struct tn_netstack *ns, int fd, struct tcp_pcb *pcb,
				      const void *to_fd, size_t to_fd_len,
				      const void *to_peer, size_t to_peer_len)
{
	struct tn_ns_bridge *b = bridge_new(ns, fd, to_fd, to_fd_len, to_peer, to_peer_len);

	if (!b) {
		tn_ns_close_reset(fd);
		return NULL;          /* the caller aborts the pcb */
	}
	b->is_pcb = true;
	b->pcb = pcb;
	tcp_nagle_disable(pcb);
	tcp_arg(pcb, b);
	tcp_recv(pcb, pcb_recv);
	tcp_sent(pcb, pcb_sent);
	tcp_err(pcb, pcb_err);
	tn_ns_tune_socket(fd);
	queue_work(b);
	return b;
}

struct tn_ns_bridge *tn_ns_bridge_fds(struct tn_netstack *ns, int fd, int peer_fd,
				      const void *to_fd, size_t to_fd_len,
				      const void *to_peer, size_t to_peer_len)
{
	struct tn_ns_bridge *b = bridge_new(ns, fd, to_fd, to_fd_len, to_peer, to_peer_len);

	if (!b) {
		tn_ns_close_reset(fd);
		tn_ns_close_reset(peer_fd);
		return NULL;
	}
	b->peer_fd = peer_fd;
	b->peer_readable = true;
	tn_ns_tune_socket(fd);
	tn_ns_tune_socket(peer_fd);
	queue_work(b);
	return b;
}

void tn_ns_bridge_free_all(struct tn_netstack *ns)
{
	while (ns->bridges) {
		ns->bridges->reset = true;
		finish(ns->bridges);
	}
}

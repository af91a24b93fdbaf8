/* Non-blocking byte-stream client connections on the event loop: TCP, or
 * TLS over TCP, to a host name (resolved with c-ares, see net/resolve.h) or
 * an IP literal.  Used by the control client (HTTP/1.1, then the ts2021
 * upgrade) and the DERP client.
 *
 * Dialing: the addresses of the name are tried one after another (RFC 6724
 * order from c-ares; no Happy Eyeballs).  As in Go's dialSerial, an attempt
 * gets an equal share of the time left (at least TN_CONN_MIN_ATTEMPT_NS), so
 * one black-holed address cannot eat the whole budget.  timeout_ns bounds
 * resolution + connect + TLS handshake together; 0 means no limit.  If all
 * addresses fail, the error is the first address's.  Sockets get
 * TCP_NODELAY and TCP keepalive (TN_CONN_KEEPALIVE_S, as Go's dialer).
 *
 * Events (callback arguments are borrowed):
 *   CONNECTED  once, after the TCP connect (and the TLS handshake).
 *   READABLE   data (or the end of the stream, or an error) can be read:
 *              call tn_conn_read until it returns -EAGAIN.  Readiness is
 *              level-triggered, so a callback that leaves data unread is
 *              called again; bytes already decrypted inside OpenSSL and
 *              bytes given back with tn_conn_unread are announced too,
 *              though the socket is quiet.
 *   WRITABLE   output that tn_conn_write had to buffer has all been sent.
 *              Not sent when writes went straight out.
 *   CLOSED     the peer ended the stream (seen by tn_conn_read returning 0).
 *   ERROR      the dial or the stream failed: tn_conn_error says why.
 * CLOSED and ERROR come once, from the loop (never from inside
 * tn_conn_read / tn_conn_write, which return the condition themselves), and
 * nothing follows them; the caller still calls tn_conn_close.  No event is
 * ever delivered from inside tn_conn_dial.
 *
 * No read-ahead: tn_conn_read returns bytes in stream order and the
 * connection never holds bytes the caller has not been offered (OpenSSL's
 * record buffering aside, which tn_conn_read drains).  A parser that read
 * past the end of what it owns (an HTTP 101 head followed by the first bytes
 * of the upgraded protocol) gives the rest back with tn_conn_unread and
 * hands the connection to its next owner with tn_conn_set_cb.
 *
 * Ownership: tn_conn_dial returns a connection the caller must release with
 * tn_conn_close (also after CLOSED/ERROR); closing drops unsent output and
 * sends a TLS close_notify if the session is healthy.  tn_conn_close is safe
 * from inside the connection's own callback: the memory goes when the
 * callback returns, and no further event is delivered.
 *
 * Threads: the loop's thread only.
 */
#ifndef TN_NET_CONN_H
#define TN_NET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/tls.h"

struct tn_loop;
struct tn_conn;
struct ssl_st;

/* Bound on output buffered per connection: the largest message callers
 * write whole (DERP frames and HTTP/2 frames are far smaller) with room to
 * queue several while the peer reads slowly. */
#define TN_CONN_MAX_OUTPUT (4u << 20)
/* Shortest share of the timeout one address attempt gets (Go: 2 s). */
#define TN_CONN_MIN_ATTEMPT_NS (2ULL * 1000000000ULL)
/* TCP keepalive idle time and probe interval, as Go's net.Dialer default,
 * so a dead control or DERP connection is noticed within minutes. */
#define TN_CONN_KEEPALIVE_S 15

enum tn_conn_event {
	TN_CONN_CONNECTED,
	TN_CONN_READABLE,
	TN_CONN_WRITABLE,
	TN_CONN_CLOSED,
	TN_CONN_ERROR,
};

typedef void (*tn_conn_cb)(struct tn_conn *c, enum tn_conn_event ev, void *arg);

/* Start connecting to host:port; tls NULL for plain TCP (tls is copied).
 * host is a DNS name or an IPv4/IPv6 literal (brackets allowed: "[::1]").
 * Returns 0 with *out set, -EINVAL (empty host, port 0, NULL cb, malformed
 * cert_pin or alpn) or -ENOMEM.  Everything else, an unreadable ca_file
 * included, arrives as TN_CONN_ERROR. */
int tn_conn_dial(struct tn_loop *loop, const char *host, uint16_t port,
		 const struct tn_tls_opts *tls, uint64_t timeout_ns,
		 tn_conn_cb cb, void *arg, struct tn_conn **out);

/* >0 bytes read; 0 when the peer has closed (then CLOSED follows); -EAGAIN
 * when nothing is available (or not connected yet); another negative errno
 * when the stream failed (then ERROR follows, and tn_conn_error says why).
 * After CLOSED or ERROR it keeps returning 0 or that errno.  -EINVAL for
 * len 0. */
ssize_t tn_conn_read(struct tn_conn *c, void *buf, size_t len);

/* Takes all len bytes and returns len, sending what the socket accepts now
 * and buffering the rest (also before CONNECTED: it is sent once
 * connected).  -ENOBUFS (nothing taken) if the bytes would not fit under
 * TN_CONN_MAX_OUTPUT with what is already pending: wait for WRITABLE.  A
 * negative errno when the stream has failed (ERROR follows, if not already
 * delivered); -EPIPE after CLOSED. */
ssize_t tn_conn_write(struct tn_conn *c, const void *buf, size_t len);

/* Bytes taken by tn_conn_write but not yet handed to the kernel. */
size_t tn_conn_pending_output(const struct tn_conn *c);

/* Put bytes back in front of the stream: the next tn_conn_read returns
 * them first, and a READABLE event announces them.  -ENOMEM. */
int tn_conn_unread(struct tn_conn *c, const void *buf, size_t len);

/* Route further events to another callback (a new owner of the stream). */
void tn_conn_set_cb(struct tn_conn *c, tn_conn_cb cb, void *arg);

/* Release the connection (see Ownership above).  NULL is a no-op. */
void tn_conn_close(struct tn_conn *c);

/* Why the connection failed: "resolving example.com: domain name not
 * found", "connect 10.0.0.1:443: connection refused", "TLS: certificate
 * verify failed: ...", "connect 10.0.0.1:443: timed out after 10 s";
 * "connection closed by peer" after CLOSED; "" while healthy. */
const char *tn_conn_error(const struct tn_conn *c);
/* The negative errno of that failure (-ECONNREFUSED, -ETIMEDOUT, -ENOENT
 * for unknown names, -EPROTO for TLS failures, ...); 0 while healthy or
 * after CLOSED. */
int tn_conn_error_code(const struct tn_conn *c);

/* "192.0.2.1:443" / "[2001:db8::1]:443": the address connected to, or being
 * tried; "" before the first attempt. */
const char *tn_conn_peer(const struct tn_conn *c);

/* The TLS session (borrowed; NULL for plain TCP), for inspection after
 * CONNECTED: negotiated ALPN, the peer's chain (DERP's meta certificate).
 * Never read or write through it. */
struct ssl_st *tn_conn_ssl(const struct tn_conn *c);

#endif

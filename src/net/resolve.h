/* Asynchronous host name resolution (A and AAAA) with c-ares, driven by the
 * event loop: the loop never blocks in getaddrinfo.
 *
 * Each lookup gets its own c-ares channel, so /etc/resolv.conf, the hosts
 * file and /etc/nsswitch.conf are read afresh every time (network
 * namespaces bind-mount their own; the daemon may rewrite them).  Lookups
 * are rare (control server and DERP dials), so the per-lookup set-up is
 * cheaper than keeping a channel's view of the configuration fresh.
 *
 * Addresses come back in c-ares' RFC 6724 order, IPv6 and IPv4 mixed, with
 * the requested port filled in.  Numeric hosts ("192.0.2.1", "::1") are
 * answered without DNS.
 *
 * Ownership: a query frees itself after its callback returns; until then the
 * caller may cancel it (tn_resolve_cancel), after which the callback is
 * never called.  The result passed to the callback is borrowed for the
 * duration of the call.  Loop thread only.
 */
#ifndef TN_NET_RESOLVE_H
#define TN_NET_RESOLVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct tn_loop;
struct tn_resolve;

struct tn_resolve_result {
	int err;                              /* 0 or a negative errno */
	const char *error;                    /* err != 0: "resolving NAME: why" */
	size_t count;                         /* err == 0: at least 1 */
	const struct sockaddr_storage *addrs; /* AF_INET or AF_INET6, port set */
};

typedef void (*tn_resolve_cb)(const struct tn_resolve_result *res, void *arg);

/* Start resolving name.  The callback always runs later from the loop (never
 * inside this call), once.  Errors in the result: -ENOENT (no such name or
 * no addresses), -ETIMEDOUT (no server answered), -ECONNREFUSED, -EIO (other
 * DNS failures), -ENOMEM.  Returns 0, -EINVAL (empty name) or -ENOMEM. */
int tn_resolve_start(struct tn_loop *loop, const char *name, uint16_t port,
		     tn_resolve_cb cb, void *arg, struct tn_resolve **out);

/* An IP literal ("192.0.2.1", "2001:db8::1", "fe80::1%eth0"; no brackets)
 * as a socket address with port; no DNS, no blocking.  0, or -EINVAL if host
 * is not a literal. */
int tn_resolve_numeric(const char *host, uint16_t port,
		       struct sockaddr_storage *out);

/* Abandon a query whose callback has not run yet; NULL is a no-op.  Also
 * safe (and without effect) from inside its own callback. */
void tn_resolve_cancel(struct tn_resolve *q);

/* Process-wide overrides, mainly for tests that run their own DNS server.
 * Only for the loop thread, with no lookups in flight. */
struct tn_resolve_config {
	const char *servers;   /* "ip[:port],[ip6]:port,..." instead of the
				  nameservers of resolv.conf; NULL: resolv.conf */
	unsigned timeout_ms;   /* first per-try timeout; 0: resolv.conf/c-ares */
	unsigned tries;        /* tries per server; 0: resolv.conf/c-ares */
};

/* Copies cfg; NULL restores the defaults.  -ENOMEM. */
int tn_resolve_set_config(const struct tn_resolve_config *cfg);

#endif

/* The proxies' clients before their streams are relayed: shared by
 * proxy.c (listeners, accepting, reading, closing), socks5_conn.c,
 * socks5_udp.c and httpproxy_conn.c.  Internal to src/netstack.
 *
 * A client's socket is read by proxy.c, which hands the bytes to the
 * protocol (tn_ns_socks_input / tn_ns_http_input).  Once the destination
 * is dialled, the socket goes to a bridge (tn_ns_client_handoff) and the
 * client is freed.  Errors are answered in the protocol and the socket
 * is closed gracefully (tn_ns_client_fail): the reply is written, our
 * side shut, and what the client still sends is read and dropped for a
 * moment so the reply is not lost to a reset.
 * Threads: the loop's thread only.
 */
#ifndef TN_NETSTACK_PROXY_H
#define TN_NETSTACK_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/http1.h"
#include "netstack/httpproxy.h"
#include "netstack/internal.h"
#include "netstack/socks5.h"

struct tn_ns_assoc;

struct tn_ns_proxy {
	struct tn_netstack *ns;
	int fd;
	bool socks, http;             /* what this listener serves */
	bool auth;                    /* SOCKS5 needs username/password */
	char user[256], pass[256];
	struct sockaddr_storage addr; /* bound */
	struct tn_timer *retry;       /* accepting paused (out of fds) */
};

enum tn_ns_client_kind {
	TN_NS_CLIENT_SNIFF,           /* a shared port: first byte decides */
	TN_NS_CLIENT_SOCKS,
	TN_NS_CLIENT_HTTP,
};

enum tn_ns_client_state {
	TN_NS_C_GREETING,             /* SOCKS5 */
	TN_NS_C_AUTH,
	TN_NS_C_REQUEST,
	TN_NS_C_HEAD,                 /* HTTP */
	TN_NS_C_DIALING,
	TN_NS_C_UDP,                  /* SOCKS5 association running */
	TN_NS_C_CLOSING,              /* reply sent, draining */
};

/* Bytes a SOCKS5 client may send before its reply: greeting, credentials,
 * request, and some data sent early. */
#define TN_NS_SOCKS_IN (TN_SOCKS5_GREETING_MAX + TN_SOCKS5_AUTH_MAX + TN_SOCKS5_REQUEST_MAX + 1024)

struct tn_ns_client {
	struct tn_ns_client *prev, *next;
	struct tn_netstack *ns;
	struct tn_ns_proxy *proxy;
	int fd;
	enum tn_ns_client_kind kind;
	enum tn_ns_client_state state;
	unsigned events;              /* interest registered */
	struct tn_timer *timer;
	struct tn_ns_dial *dial;
	/* SOCKS5 */
	uint8_t in[TN_NS_SOCKS_IN];
	size_t in_len;
	struct tn_socks5_addr dst;
	struct tn_ns_assoc *assoc;
	/* HTTP */
	struct tn_http1_head *head;
	struct tn_httpproxy_req req;
	uint8_t *extra;               /* bytes after the head */
	size_t extra_len;
};

/* proxy.c */
void tn_ns_client_watch(struct tn_ns_client *c, unsigned events);
/* Writes reply (may be NULL) and closes gracefully; counts a bad request
 * when bad. */
void tn_ns_client_fail(struct tn_ns_client *c, const void *reply, size_t len, bool bad);
/* Writes a short reply now (the socket is ours and nearly empty); false
 * if it could not be written whole. */
bool tn_ns_client_send(struct tn_ns_client *c, const void *buf, size_t len);
/* The socket now belongs to someone else: forget it and free c. */
void tn_ns_client_handoff(struct tn_ns_client *c);
void tn_ns_client_free(struct tn_ns_client *c);

/* socks5_conn.c: bytes arrived in c->in. */
void tn_ns_socks_input(struct tn_ns_client *c);
/* socks5_udp.c: starts an association for c (replies to the client). */
void tn_ns_assoc_start(struct tn_ns_client *c);
void tn_ns_assoc_free(struct tn_ns_assoc *a);

/* httpproxy_conn.c: bytes arrived (not kept by the caller). */
void tn_ns_http_input(struct tn_ns_client *c, const uint8_t *data, size_t len);

#endif

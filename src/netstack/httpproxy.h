/* The HTTP proxy's requests, on parsed heads only (net/http1.h does the
 * bytes): what a request asks for, the head forwarded to the origin, and
 * the error responses.  Like tailscaled's outbound HTTP proxy
 * (cmd/tailscaled/proxy.go):
 *
 *  - "CONNECT host:port" opens a tunnel (host a name, an IPv4 literal or
 *    a bracketed IPv6 literal; the port is required);
 *  - any other method needs an absolute "http://authority/path" target
 *    (a path or "*" is "bogus RequestURI; must be absolute URL or
 *    CONNECT", 400).  The request goes to the origin in origin form, with
 *    Host set to the URL's authority, the hop-by-hop fields removed
 *    (Connection and the fields it names, Proxy-Connection, Keep-Alive,
 *    Proxy-Authenticate, Proxy-Authorization, TE; Upgrade unless the
 *    client asks to upgrade) and "Connection: close" added ("Connection:
 *    Upgrade" when upgrading), so one request is relayed per connection
 *    and the body and response pass through unchanged.
 *
 * https:// targets are refused (use CONNECT), as are userinfo in the
 * authority and ports outside 1-65535.
 *
 * No allocation, no global state; any thread.
 */
#ifndef TN_NETSTACK_HTTPPROXY_H
#define TN_NETSTACK_HTTPPROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http1.h"

struct tn_httpproxy_req {
	bool connect;
	bool upgrade;                 /* forward: the client asks to upgrade */
	char host[256];               /* without brackets */
	uint16_t port;
	char authority[264];          /* as in the target: host[:port] */
	const char *path;             /* forward: into the head's target */
	size_t path_len;              /* 0: the target had no path ("/") */
};

/* Interprets a parsed request head.  Returns 0, or the HTTP status to
 * answer with (400) and a fixed message in *why. */
int tn_httpproxy_parse(const struct tn_http1_head *h, struct tn_httpproxy_req *r,
		       const char **why);

/* The head to send to the origin for a forwarded request (not CONNECT).
 * Returns its length, or -ENOSPC / -EMSGSIZE / -EINVAL from the builder. */
int tn_httpproxy_rewrite(const struct tn_http1_head *h, const struct tn_httpproxy_req *r,
			 char *out, size_t outlen);

/* An error response in the manner of Go's http.Error: text/plain body
 * msg + "\n", "Connection: close"; connect_error (may be NULL) goes into
 * a Tailscale-Connect-Error field, as tailscaled sets it when a CONNECT
 * dial fails.  Control characters in the texts become spaces.  Returns
 * the length or -ENOSPC. */
int tn_httpproxy_error(char *out, size_t outlen, int status, const char *msg,
		       const char *connect_error);

/* "HTTP/1.1 200 OK\r\n\r\n": what tailscaled answers a CONNECT with. */
#define TN_HTTPPROXY_CONNECT_OK "HTTP/1.1 200 OK\r\n\r\n"

#endif

/* http:// and https:// URLs as the control and DERP clients use them:
 * scheme, host (a name, IPv4, or bracketed IPv6), port (the scheme's
 * default when absent) and the path with its query.  No user info, no
 * fragments.  Pure function, any thread.
 */
#ifndef TN_NET_URL_H
#define TN_NET_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tn_url {
	bool tls;           /* https */
	char host[256];     /* without brackets */
	uint16_t port;
	const char *path;   /* points into the parsed string; "/" when absent */
	bool default_port;  /* the port was not written */
};

/* Returns 0, or -EINVAL for anything else (unknown scheme, empty host,
 * bad port, a path not starting with '/'). */
int tn_url_parse(struct tn_url *u, const char *url);

/* The Host header / :authority for u: host, bracketed if IPv6, with the
 * port unless it is the scheme's default. */
void tn_url_authority(const struct tn_url *u, char *out, size_t len);

#endif

/* Fuzz target for the HTTP proxy's request handling (src/netstack/
 * httpproxy.c over net/http1.c): what a proxy client sends.
 *
 * The input is parsed as a request head; an accepted head is interpreted
 * as a proxy request.  A CONNECT must name a host and a port 1-65535; a
 * forwarded request is rewritten, and the rewritten head must parse again
 * as a request in origin form ("/..."), with the same method, Host set to
 * the URL's authority, no hop-by-hop fields and Connection close or
 * Upgrade.  Error responses built from pieces of the input must parse as
 * responses whose Content-Length matches their body.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netstack/httpproxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tn_http1_head head, again, resp;
static char out[TN_HTTP1_HEAD_MAX + 1024];

static void check_forward(const struct tn_http1_head *h, const struct tn_httpproxy_req *r)
{
	static const char *const gone[] = { "Proxy-Connection", "Proxy-Authorization",
					    "Keep-Alive", "TE", "Proxy-Authenticate" };
	const char *conn;
	int n = tn_httpproxy_rewrite(h, r, out, sizeof(out));

	if (n == -EMSGSIZE || n == -ENOSPC)
		return;          /* "name: value" can outgrow "name:value" */
	if (n <= 0 || (size_t)n >= sizeof(out))
		abort();
	tn_http1_head_init(&again, TN_HTTP1_REQUEST);
	if (tn_http1_head_feed(&again, out, (size_t)n) != n)
		abort();
	if (strcmp(again.method, h->method) || again.target[0] != '/')
		abort();
	if (strcmp(tn_http1_header(&again, "Host"), r->authority))
		abort();
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		if (tn_http1_header(&again, gone[i]))
			abort();
	conn = tn_http1_header(&again, "Connection");
	if (!conn || (strcmp(conn, "close") && strcmp(conn, "Upgrade")))
		abort();
	if (!strcmp(conn, "close") && tn_http1_header(&again, "Upgrade"))
		abort();
	if (again.chunked != h->chunked || again.content_length != h->content_length)
		abort();
}

static void check_error(const uint8_t *data, size_t size)
{
	char msg[64], cerr[64];
	size_t half = size / 2, a = half < sizeof(msg) - 1 ? half : sizeof(msg) - 1,
	       b = size - half < sizeof(cerr) - 1 ? size - half : sizeof(cerr) - 1;
	const char *cl;
	int n;

	memcpy(msg, data, a);
	msg[a] = '\0';
	memcpy(cerr, data + half, b);
	cerr[b] = '\0';
	n = tn_httpproxy_error(out, sizeof(out), 400 + (int)(size % 200), msg, size & 1 ? cerr : NULL);
	if (n <= 0)
		abort();
	tn_http1_head_init(&resp, TN_HTTP1_RESPONSE);
	int r = tn_http1_head_feed(&resp, out, (size_t)n);

	if (r <= 0 || !(cl = tn_http1_header(&resp, "Content-Length")) ||
	    (size_t)strtoul(cl, NULL, 10) != (size_t)n - (size_t)r)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_httpproxy_req r;
	const char *why;
	int n, status;

	check_error(data, size);
	tn_http1_head_init(&head, TN_HTTP1_REQUEST);
	n = tn_http1_head_feed(&head, data, size);
	if (n <= 0)
		return 0;
	status = tn_httpproxy_parse(&head, &r, &why);
	if (status) {
		if (status != 400 || !why || !why[0])
			abort();
		return 0;
	}
	if (!r.host[0] || !r.port || !r.authority[0])
		abort();
	if (!memchr(r.host, '\0', sizeof(r.host)) || !memchr(r.authority, '\0', sizeof(r.authority)))
		abort();
	if (r.connect) {
		if (strcmp(head.method, "CONNECT") || strcmp(r.authority, head.target))
			abort();
		if (tn_httpproxy_rewrite(&head, &r, out, sizeof(out)) != -EINVAL)
			abort();
		return 0;
	}
	if (strncasecmp(head.target, "http://", 7) || r.path < head.target ||
	    r.path + r.path_len != head.target + strlen(head.target))
		abort();
	check_forward(&head, &r);
	return 0;
}

#include "netstack/httpproxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char bogus[] = "bogus RequestURI; must be absolute URL or CONNECT";

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

/* 1-65535 in decimal, s[0..len). */
static bool parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned v = 0;

	if (!len || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (!v || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* host[:port] or [v6][:port] at s[0..len).  need_port: CONNECT. */
static bool parse_authority(const char *s, size_t len, bool need_port, uint16_t dflt,
			    struct tn_httpproxy_req *r)
{
	const char *host = s, *rest;
	size_t hlen;

	if (!len || len >= sizeof(r->authority))
		return false;
	if (s[0] == '[') {
		const char *end = memchr(s, ']', len);
		unsigned char a6[16];

		if (!end)
			return false;
		host = s + 1;
		hlen = (size_t)(end - host);
		if (!hlen || hlen >= 64)
			return false;
		memcpy(r->host, host, hlen);
		r->host[hlen] = '\0';
		if (inet_pton(AF_INET6, r->host, a6) != 1)
			return false;
		rest = end + 1;
	} else {
		const char *colon = memchr(s, ':', len);

		hlen = colon ? (size_t)(colon - s) : len;
		if (!hlen || hlen > 253)
			return false;
		for (size_t i = 0; i < hlen; i++)
			if (!host_char(s[i]))
				return false;
		memcpy(r->host, s, hlen);
		r->host[hlen] = '\0';
		rest = s + hlen;
	}
	if (rest == s + len) {
		if (need_port)
			return false;
		r->port = dflt;
	} else if (*rest != ':' || !parse_port(rest + 1, (size_t)(s + len - rest - 1), &r->port)) {
		return false;
	}
	memcpy(r->authority, s, len);
	r->authority[len] = '\0';
	return true;
}

int tn_httpproxy_parse(const struct tn_http1_head *h, struct tn_httpproxy_req *r,
		       const char **why)
{
	const char *t = h->target, *auth, *end;
	static const char scheme[] = "http://";

	memset(r, 0, sizeof(*r));
	*why = "";
	if (!strcmp(h->method, "CONNECT")) {
		r->connect = true;
		if (!parse_authority(t, strlen(t), true, 0, r)) {
			*why = "CONNECT target must be host:port";
			return 400;
		}
		return 0;
	}
	if (t[0] == '/' || !strcmp(t, "*")) {
		*why = bogus;
		return 400;
	}
	if (strncasecmp(t, scheme, sizeof(scheme) - 1)) {
		*why = strncasecmp(t, "https://", 8) ? bogus
			: "https:// URLs are not forwarded; use CONNECT";
		return 400;
	}
	auth = t + sizeof(scheme) - 1;
	end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', (size_t)(end - auth)) ||
	    !parse_authority(auth, (size_t)(end - auth), false, 80, r)) {
		*why = "malformed host in URL";
		return 400;
	}
	r->path = end;
	r->path_len = strlen(end);
	r->upgrade = tn_http1_header(h, "Upgrade") &&
		     tn_http1_header_has_token(h, "Connection", "upgrade");
	return 0;
}

static bool hop_by_hop(const struct tn_http1_head *h, const char *name, bool upgrade)
{
	static const char *const always[] = {
		"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
		"Proxy-Authorization", "TE", "Host",
	};

	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if (!strcasecmp(name, always[i]))
			return true;
	if (!strcasecmp(name, "Upgrade"))
		return !upgrade;
	/* The body passes through as framed: its framing stays, whatever
	 * Connection names (dropping it would let the body pose as a second
	 * request). */
	if (!strcasecmp(name, "Content-Length") || !strcasecmp(name, "Transfer-Encoding"))
		return false;
	/* Fields the client's Connection names are for the hop too. */
	return tn_http1_header_has_token(h, "Connection", name);
}

int tn_httpproxy_rewrite(const struct tn_http1_head *h, const struct tn_httpproxy_req *r,
			 char *out, size_t outlen)
{
	struct tn_http1_header fields[TN_HTTP1_HEADERS_MAX + 2];
	char target[TN_HTTP1_HEAD_MAX + 2];
	size_t n = 0, tlen = 0;

	if (r->connect || r->path_len + 2 > sizeof(target))
		return -EINVAL;
	if (!r->path_len || r->path[0] == '?')
		target[tlen++] = '/';
	memcpy(target + tlen, r->path, r->path_len);
	target[tlen + r->path_len] = '\0';
	fields[n++] = (struct tn_http1_header){ "Host", r->authority };
	for (size_t i = 0; i < h->n_headers; i++)
		if (!hop_by_hop(h, h->headers[i].name, r->upgrade))
			fields[n++] = h->headers[i];
	fields[n++] = (struct tn_http1_header){ "Connection", r->upgrade ? "Upgrade" : "close" };
	if (n > TN_HTTP1_HEADERS_MAX)
		return -EMSGSIZE;
	return tn_http1_request_build(out, outlen, h->method, target, fields, n);
}

static void clean(char *dst, size_t dlen, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < dlen; i++)
		dst[i] = ((unsigned char)src[i] < ' ' || src[i] == 0x7f) ? ' ' : src[i];
	dst[i] = '\0';
	/* The builder refuses leading and trailing whitespace in values. */
	while (i && dst[i - 1] == ' ')
		dst[--i] = '\0';
}

int tn_httpproxy_error(char *out, size_t outlen, int status, const char *msg,
		       const char *connect_error)
{
	char body[256], cerr[256], clen[24];
	struct tn_http1_header f[5];
	size_t n = 0, blen;
	const char *ce = cerr;
	int r;

	clean(body, sizeof(body) - 1, msg);
	blen = strlen(body);
	body[blen++] = '\n';
	body[blen] = '\0';
	snprintf(clen, sizeof(clen), "%zu", blen);
	f[n++] = (struct tn_http1_header){ "Content-Type", "text/plain; charset=utf-8" };
	f[n++] = (struct tn_http1_header){ "X-Content-Type-Options", "nosniff" };
	if (connect_error) {
		clean(cerr, sizeof(cerr), connect_error);
		while (*ce == ' ')
			ce++;
		if (*ce)
			f[n++] = (struct tn_http1_header){ "Tailscale-Connect-Error", ce };
	}
	f[n++] = (struct tn_http1_header){ "Connection", "close" };
	f[n++] = (struct tn_http1_header){ "Content-Length", clen };
	r = tn_http1_response_build(out, outlen, status, NULL, f, n);
	if (r < 0)
		return r;
	if ((size_t)r + blen >= outlen)
		return -ENOSPC;
	memcpy(out + r, body, blen + 1);
	return r + (int)blen;
}

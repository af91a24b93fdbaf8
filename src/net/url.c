#include "net/url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tn_url_parse(struct tn_url *u, const char *url)
{
	const char *p = url, *h;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (!strncmp(p, "https://", 8)) {
		u->tls = true;
		u->port = 443;
		p += 8;
	} else if (!strncmp(p, "http://", 7)) {
		u->port = 80;
		p += 7;
	} else {
		return -EINVAL;
	}
	h = p;
	if (*p == '[') {
		const char *e = strchr(p, ']');

		if (!e)
			return -EINVAL;
		h = p + 1;
		n = (size_t)(e - h);
		p = e + 1;
	} else {
		n = strcspn(p, ":/?#@");
		p += n;
	}
	if (!n || n >= sizeof(u->host) || memchr(h, '@', n))
		return -EINVAL;
	memcpy(u->host, h, n);
	u->host[n] = '\0';
	u->default_port = true;
	if (*p == ':') {
		char *e;
		unsigned long v = strtoul(p + 1, &e, 10);

		if (e == p + 1 || !v || v > 65535 || (*e && *e != '/' && *e != '?'))
			return -EINVAL;
		u->port = (uint16_t)v;
		u->default_port = false;
		p = e;
	}
	if (*p == '?')
		return -EINVAL; /* a query without a path */
	u->path = *p ? p : "/";
	return *u->path == '/' && !strchr(u->path, '#') ? 0 : -EINVAL;
}

void tn_url_authority(const struct tn_url *u, char *out, size_t len)
{
	bool v6 = strchr(u->host, ':') != NULL;

	if (u->default_port)
		snprintf(out, len, v6 ? "[%s]" : "%s", u->host);
	else
		snprintf(out, len, v6 ? "[%s]:%u" : "%s:%u", u->host, u->port);
}

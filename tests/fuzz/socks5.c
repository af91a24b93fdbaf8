/* Fuzz target for the SOCKS5 parsers (src/netstack/socks5.c): what a
 * proxy client sends before its reply, and the datagrams of a UDP
 * association.
 *
 * The input is parsed as a greeting, credentials, a request and a UDP
 * datagram.  For each parser: a message it accepts ends inside the input
 * and parses alone to the same length; a shorter prefix of it never
 * parses; an input it wants more of has only prefixes it wants more of.
 * Accepted addresses are checked (a domain 1-255 bytes of host-name
 * characters, NUL-terminated) and UDP headers must survive a rebuild.
 * Then the input runs as one client's stream: greeting, credentials,
 * request, each consuming its bytes, as the proxy does.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "netstack/socks5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char user[256], pass[256];

static int greeting(const uint8_t *d, size_t n)
{
	bool none, pw;

	return tn_socks5_parse_greeting(d, n, &none, &pw);
}

static int auth(const uint8_t *d, size_t n)
{
	return tn_socks5_parse_auth(d, n, user, pass);
}

static struct tn_socks5_addr dst;
static uint8_t cmd;

static int request(const uint8_t *d, size_t n)
{
	return tn_socks5_parse_request(d, n, &cmd, &dst);
}

static void check_addr(const struct tn_socks5_addr *a)
{
	char host[256];

	if (a->atyp == TN_SOCKS5_ATYP_DOMAIN) {
		size_t len = strnlen(a->host, sizeof(a->host));

		if (len == 0 || len > 255)
			abort();
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)a->host[i] <= ' ' || (unsigned char)a->host[i] >= 0x7f ||
			    a->host[i] == '/' || a->host[i] == '@')
				abort();
	} else if (a->atyp != TN_SOCKS5_ATYP_IPV4 && a->atyp != TN_SOCKS5_ATYP_IPV6) {
		abort();
	}
	tn_socks5_addr_host(a, host, sizeof(host));
	if (!memchr(host, '\0', sizeof(host)))
		abort();
}

/* The prefix properties of one parser over the input. */
static void prefixes(int (*parse)(const uint8_t *, size_t), const uint8_t *d, size_t n)
{
	int r = parse(d, n);

	if (r > 0) {
		if ((size_t)r > n || parse(d, (size_t)r) != r)
			abort();
		for (size_t k = 0; k < (size_t)r; k++)
			if (parse(d, k) > 0)
				abort();
	} else if (r == 0) {
		for (size_t k = 0; k < n; k++)
			if (parse(d, k) != 0)
				abort();
	} else if (r != -EPROTO && r != -EBADMSG && r != -EAFNOSUPPORT) {
		abort();
	}
}

static void udp(const uint8_t *d, size_t n)
{
	struct tn_socks5_addr a, b;
	uint8_t hdr[TN_SOCKS5_UDP_HEADER_MAX];
	int r = tn_socks5_parse_udp(d, n, &a), h;

	if (r < 0) {
		if (r != -EBADMSG && r != -EOPNOTSUPP && r != -EAFNOSUPPORT)
			abort();
		return;
	}
	if ((size_t)r > n || r < 8)   /* a one-letter domain */
		abort();
	check_addr(&a);
	h = tn_socks5_build_udp_header(hdr, sizeof(hdr), &a);
	if (h != r || memcmp(hdr + 3, d + 3, (size_t)r - 3))
		abort();
	if (tn_socks5_parse_udp(hdr, (size_t)h, &b) != h || b.atyp != a.atyp || b.port != a.port ||
	    memcmp(b.ip, a.ip, 16) || strcmp(b.host, a.host))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	int r;

	prefixes(greeting, data, size);
	prefixes(auth, data, size);
	prefixes(request, data, size);
	if (request(data, size) > 0)
		check_addr(&dst);
	udp(data, size);

	/* One client's stream, with credentials when it offers them. */
	bool none, pw;

	r = tn_socks5_parse_greeting(data, size, &none, &pw);
	if (r <= 0)
		return 0;
	off = (size_t)r;
	if (pw) {
		r = tn_socks5_parse_auth(data + off, size - off, user, pass);
		if (r <= 0)
			return 0;
		if (strlen(user) > 255 || strlen(pass) > 255)
			abort();
		off += (size_t)r;
	}
	r = tn_socks5_parse_request(data + off, size - off, &cmd, &dst);
	if (r > 0) {
		uint8_t reply[TN_SOCKS5_REPLY_MAX];
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };

		check_addr(&dst);
		if (off + (size_t)r > size)
			abort();
		memcpy(&s6.sin6_addr, dst.ip, 16);
		if (tn_socks5_build_reply(reply, sizeof(reply), cmd, (struct sockaddr *)&s6) != 22)
			abort();
	}
	return 0;
}

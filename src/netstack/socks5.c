#include "netstack/socks5.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int tn_socks5_parse_greeting(const uint8_t *buf, size_t len, bool *offers_none,
			     bool *offers_password)
{
	size_t n;

	*offers_none = *offers_password = false;
	if (len < 1)
		return 0;
	if (buf[0] != TN_SOCKS5_VERSION)
		return -EPROTO;
	if (len < 2)
		return 0;
	n = buf[1];
	if (len < 2 + n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (buf[2 + i] == TN_SOCKS5_METHOD_NONE)
			*offers_none = true;
		else if (buf[2 + i] == TN_SOCKS5_METHOD_PASSWORD)
			*offers_password = true;
	}
	return (int)(2 + n);
}

int tn_socks5_parse_auth(const uint8_t *buf, size_t len, char user[256], char pass[256])
{
	size_t ulen, plen;

	user[0] = pass[0] = '\0';
	if (len < 1)
		return 0;
	if (buf[0] != TN_SOCKS5_AUTH_VERSION)
		return -EPROTO;
	if (len < 2)
		return 0;
	ulen = buf[1];
	if (len < 3 + ulen)
		return 0;
	plen = buf[2 + ulen];
	if (len < 3 + ulen + plen)
		return 0;
	if (memchr(buf + 2, 0, ulen) || memchr(buf + 3 + ulen, 0, plen))
		return -EBADMSG;
	memcpy(user, buf + 2, ulen);
	user[ulen] = '\0';
	memcpy(pass, buf + 3 + ulen, plen);
	pass[plen] = '\0';
	return (int)(3 + ulen + plen);
}

static bool host_byte_ok(uint8_t c)
{
	return c > ' ' && c < 0x7f && c != '/' && c != '\\' && c != '@';
}

/* ATYP DST.ADDR DST.PORT at buf[0..len). */
static int parse_addr(const uint8_t *buf, size_t len, struct tn_socks5_addr *a)
{
	size_t alen;

	memset(a, 0, sizeof(*a));
	if (len < 1)
		return 0;
	a->atyp = buf[0];
	switch (a->atyp) {
	case TN_SOCKS5_ATYP_IPV4:
		alen = 4;
		break;
	case TN_SOCKS5_ATYP_IPV6:
		alen = 16;
		break;
	case TN_SOCKS5_ATYP_DOMAIN:
		if (len < 2)
			return 0;
		alen = 1 + (size_t)buf[1];
		if (alen == 1)
			return -EBADMSG;
		break;
	default:
		return -EAFNOSUPPORT;
	}
	if (len < 1 + alen + 2)
		return 0;
	if (a->atyp == TN_SOCKS5_ATYP_DOMAIN) {
		for (size_t i = 2; i < 1 + alen; i++)
			if (!host_byte_ok(buf[i]))
				return -EBADMSG;
		memcpy(a->host, buf + 2, alen - 1);
		a->host[alen - 1] = '\0';
	} else {
		memcpy(a->ip, buf + 1, alen);
	}
	a->port = (uint16_t)(buf[1 + alen] << 8 | buf[2 + alen]);
	return (int)(1 + alen + 2);
}

int tn_socks5_parse_request(const uint8_t *buf, size_t len, uint8_t *cmd,
			    struct tn_socks5_addr *dst)
{
	int r;

	*cmd = 0;
	if (len < 1)
		return 0;
	if (buf[0] != TN_SOCKS5_VERSION)
		return -EPROTO;
	if (len < 3)
		return 0;
	if (buf[2] != 0)
		return -EBADMSG;
	*cmd = buf[1];
	r = parse_addr(buf + 3, len - 3, dst);
	return r > 0 ? r + 3 : r;
}

int tn_socks5_parse_udp(const uint8_t *buf, size_t len, struct tn_socks5_addr *dst)
{
	int r;

	if (len < 4 || buf[0] != 0 || buf[1] != 0)
		return -EBADMSG;
	if (buf[2] != 0)
		return -EOPNOTSUPP;
	r = parse_addr(buf + 3, len - 3, dst);
	if (r == 0)
		return -EBADMSG;      /* a datagram is all there is */
	return r > 0 ? r + 3 : r;
}

int tn_socks5_build_reply(uint8_t *out, size_t outlen, uint8_t rep, const struct sockaddr *bind)
{
	size_t n = 10;

	if (bind && bind->sa_family == AF_INET6)
		n = 22;
	if (outlen < n)
		return -ENOSPC;
	memset(out, 0, n);
	out[0] = TN_SOCKS5_VERSION;
	out[1] = rep;
	if (n == 22) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)bind;

		out[3] = TN_SOCKS5_ATYP_IPV6;
		memcpy(out + 4, &s6->sin6_addr, 16);
		memcpy(out + 20, &s6->sin6_port, 2);
	} else {
		out[3] = TN_SOCKS5_ATYP_IPV4;
		if (bind && bind->sa_family == AF_INET) {
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)bind;

			memcpy(out + 4, &s4->sin_addr, 4);
			memcpy(out + 8, &s4->sin_port, 2);
		}
	}
	return (int)n;
}

int tn_socks5_build_udp_header(uint8_t *out, size_t outlen, const struct tn_socks5_addr *a)
{
	size_t alen, n;

	switch (a->atyp) {
	case TN_SOCKS5_ATYP_IPV4:
		alen = 4;
		break;
	case TN_SOCKS5_ATYP_IPV6:
		alen = 16;
		break;
	case TN_SOCKS5_ATYP_DOMAIN:
		alen = strnlen(a->host, sizeof(a->host));
		if (!alen || alen > 255)
			return -EINVAL;
		alen++;
		break;
	default:
		return -EINVAL;
	}
	n = 4 + alen + 2;
	if (outlen < n)
		return -ENOSPC;
	out[0] = out[1] = out[2] = 0;
	out[3] = a->atyp;
	if (a->atyp == TN_SOCKS5_ATYP_DOMAIN) {
		out[4] = (uint8_t)(alen - 1);
		memcpy(out + 5, a->host, alen - 1);
	} else {
		memcpy(out + 4, a->ip, alen);
	}
	out[4 + alen] = (uint8_t)(a->port >> 8);
	out[5 + alen] = (uint8_t)a->port;
	return (int)n;
}

void tn_socks5_addr_host(const struct tn_socks5_addr *a, char *out, size_t outlen)
{
	if (!outlen)
		return;
	out[0] = '\0';
	if (a->atyp == TN_SOCKS5_ATYP_IPV4)
		inet_ntop(AF_INET, a->ip, out, (socklen_t)outlen);
	else if (a->atyp == TN_SOCKS5_ATYP_IPV6)
		inet_ntop(AF_INET6, a->ip, out, (socklen_t)outlen);
	else
		snprintf(out, outlen, "%s", a->host);
}

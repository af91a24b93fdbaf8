/* SOCKS5 messages on bytes only (RFC 1928, RFC 1929 username/password):
 * the client's greeting, its credentials, its request, the header of a
 * UDP datagram relayed through an association, and the replies.  No
 * sockets here: the proxy feeds what it read and writes what the builders
 * produce, so every parser is fuzzed on its own.
 *
 * Parsers take (buf, len) as read so far and return the bytes the message
 * took (> 0), 0 when more bytes are needed, or a negative errno when no
 * more bytes can make it valid.  They never read past len.
 *
 * No allocation, no global state; any thread.
 */
#ifndef TN_NETSTACK_SOCKS5_H
#define TN_NETSTACK_SOCKS5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TN_SOCKS5_VERSION 5
#define TN_SOCKS5_AUTH_VERSION 1          /* RFC 1929 */

enum {
	TN_SOCKS5_METHOD_NONE = 0x00,
	TN_SOCKS5_METHOD_PASSWORD = 0x02,
	TN_SOCKS5_METHOD_UNACCEPTABLE = 0xff,
};

enum {
	TN_SOCKS5_CMD_CONNECT = 1,
	TN_SOCKS5_CMD_BIND = 2,
	TN_SOCKS5_CMD_UDP_ASSOCIATE = 3,
};

enum {
	TN_SOCKS5_ATYP_IPV4 = 1,
	TN_SOCKS5_ATYP_DOMAIN = 3,
	TN_SOCKS5_ATYP_IPV6 = 4,
};

/* Reply codes (RFC 1928 section 6). */
enum {
	TN_SOCKS5_OK = 0,
	TN_SOCKS5_GENERAL_FAILURE = 1,
	TN_SOCKS5_NOT_ALLOWED = 2,
	TN_SOCKS5_NET_UNREACHABLE = 3,
	TN_SOCKS5_HOST_UNREACHABLE = 4,
	TN_SOCKS5_REFUSED = 5,
	TN_SOCKS5_TTL_EXPIRED = 6,
	TN_SOCKS5_CMD_UNSUPPORTED = 7,
	TN_SOCKS5_ATYP_UNSUPPORTED = 8,
};

/* Longest greeting (2 + 255 methods), credentials (3 + 255 + 255) and
 * request (4 + 1 + 255 + 2): what a client may send before its reply. */
#define TN_SOCKS5_GREETING_MAX 257
#define TN_SOCKS5_AUTH_MAX 513
#define TN_SOCKS5_REQUEST_MAX 262
/* A reply or UDP header with an IPv6 address (4 + 16 + 2), and with the
 * longest domain (4 + 1 + 255 + 2). */
#define TN_SOCKS5_REPLY_MAX 22
#define TN_SOCKS5_UDP_HEADER_MAX 262

/* A destination as the client wrote it. */
struct tn_socks5_addr {
	uint8_t atyp;                 /* TN_SOCKS5_ATYP_* */
	uint8_t ip[16];               /* IPV4: 4 bytes, IPV6: 16 */
	char host[256];               /* DOMAIN: NUL-terminated, 1-255 bytes */
	uint16_t port;                /* host order */
};

/* Greeting: VER NMETHODS METHODS.  Sets which of the two methods we
 * support are offered.  -EPROTO: not version 5. */
int tn_socks5_parse_greeting(const uint8_t *buf, size_t len, bool *offers_none,
			     bool *offers_password);

/* RFC 1929 request: VER(1) ULEN UNAME PLEN PASSWD.  user and pass get
 * NUL-terminated copies (256 bytes each); a NUL inside either is refused
 * (-EBADMSG).  -EPROTO: not sub-negotiation version 1. */
int tn_socks5_parse_auth(const uint8_t *buf, size_t len, char user[256], char pass[256]);

/* Request: VER CMD RSV ATYP DST.ADDR DST.PORT.  -EPROTO: not version 5;
 * -EBADMSG: RSV not 0, or a domain that is empty or holds a byte that
 * cannot be in a host name (controls, space, '/', '\\', '@', DEL);
 * -EAFNOSUPPORT: an address type not in RFC 1928 (the reply is then
 * TN_SOCKS5_ATYP_UNSUPPORTED).  The command is returned as sent, even one
 * we do not support. */
int tn_socks5_parse_request(const uint8_t *buf, size_t len, uint8_t *cmd,
			    struct tn_socks5_addr *dst);

/* A datagram from the client of an association: RSV(2) FRAG ATYP
 * DST.ADDR DST.PORT DATA.  Returns the header length (the data follows);
 * -EBADMSG: too short, RSV not 0, bad domain; -EAFNOSUPPORT: unknown
 * address type; -EOPNOTSUPP: a fragment (FRAG != 0; RFC 1928 lets us drop
 * them). */
int tn_socks5_parse_udp(const uint8_t *buf, size_t len, struct tn_socks5_addr *dst);

/* Reply VER REP RSV ATYP BND.ADDR BND.PORT with bind (AF_INET or AF_INET6;
 * NULL or another family: 0.0.0.0:0) into out.  Returns its length (10
 * or 22), or -ENOSPC. */
int tn_socks5_build_reply(uint8_t *out, size_t outlen, uint8_t rep, const struct sockaddr *bind);

/* The header of a datagram to the client, naming a as its source.
 * Returns its length, or -ENOSPC / -EINVAL (bad atyp or domain). */
int tn_socks5_build_udp_header(uint8_t *out, size_t outlen, const struct tn_socks5_addr *a);

/* The host part as text: "192.0.2.1", "2001:db8::1" or the domain. */
void tn_socks5_addr_host(const struct tn_socks5_addr *a, char *out, size_t outlen);

#endif

/* One SOCKS5 client: greeting, optional RFC 1929 credentials, the
 * request, and the dial of a CONNECT (UDP ASSOCIATE is socks5_udp.c).
 * Replies follow RFC 1928: no acceptable method 0xff, bad credentials
 * status 1, an unknown command 7, an unknown address type 8, anything
 * malformed general failure; dial errors map to refused (5), network (3)
 * or host unreachable (4).  The listener is never affected. */
#include "netstack/proxy.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "util/log.h"

static void consume(struct tn_ns_client *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* bad: the request was malformed (counted), not just undiallable. */
static void fail_reply(struct tn_ns_client *c, uint8_t rep, bool bad)
{
	uint8_t buf[TN_SOCKS5_REPLY_MAX];
	int n = tn_socks5_build_reply(buf, sizeof(buf), rep, NULL);

	tn_ns_client_fail(c, buf, (size_t)n, bad);
}

static uint8_t reply_for(int err)
{
	switch (err) {
	case -ECONNREFUSED:
		return TN_SOCKS5_REFUSED;
	case -ENETUNREACH:
		return TN_SOCKS5_NET_UNREACHABLE;
	case -EHOSTUNREACH:
	case -ENOENT:
	case -ETIMEDOUT:
		return TN_SOCKS5_HOST_UNREACHABLE;
	case -EADDRNOTAVAIL:
		return TN_SOCKS5_NOT_ALLOWED;
	default:
		return TN_SOCKS5_GENERAL_FAILURE;
	}
}

static void on_dialed(void *arg, int err, struct tn_ns_dialed *res)
{
	struct tn_ns_client *c = arg;
	struct tn_netstack *ns = c->ns;
	uint8_t reply[TN_SOCKS5_REPLY_MAX];
	int n;

	c->dial = NULL;
	if (err) {
		char host[256];

		tn_socks5_addr_host(&c->dst, host, sizeof(host));
		tn_log_debug("netstack", "SOCKS5 connect %s:%u: %s", host, c->dst.port,
			     strerror(-err));
		fail_reply(c, reply_for(err), false);
		return;
	}
	n = tn_socks5_build_reply(reply, sizeof(reply), TN_SOCKS5_OK,
				  (const struct sockaddr *)&res->local);
	if (res->route == TN_NS_ROUTE_TAILNET) {
		if (tn_ns_bridge_pcb(ns, c->fd, res->pcb, reply, (size_t)n, c->in, c->in_len))
			res->pcb = NULL;
	} else {
		tn_ns_bridge_fds(ns, c->fd, res->fd, reply, (size_t)n, c->in, c->in_len);
		res->fd = -1;
	}
	tn_ns_client_handoff(c);      /* the bridge has the socket (or closed it) */
}

static void request(struct tn_ns_client *c, uint8_t cmd)
{
	char host[256];
	int r;

	switch (cmd) {
	case TN_SOCKS5_CMD_CONNECT:
		tn_socks5_addr_host(&c->dst, host, sizeof(host));
		c->state = TN_NS_C_DIALING;
		tn_ns_client_watch(c, 0);     /* early data waits in c->in */
		if ((r = tn_ns_dial(c->ns, host, c->dst.port, false, on_dialed, c, &c->dial)) < 0)
			fail_reply(c, TN_SOCKS5_GENERAL_FAILURE, false);
		return;
	case TN_SOCKS5_CMD_UDP_ASSOCIATE:
		tn_ns_assoc_start(c);
		return;
	default:
		fail_reply(c, TN_SOCKS5_CMD_UNSUPPORTED, true);
		return;
	}
}

/* Constant time over the fixed-size buffers, lengths included. */
static bool creds_ok(const struct tn_ns_proxy *p, const char user[256], const char pass[256])
{
	char a[512] = { 0 }, b[512] = { 0 };
	bool ok;

	memcpy(a, user, strnlen(user, 255));
	memcpy(a + 256, pass, strnlen(pass, 255));
	memcpy(b, p->user, strnlen(p->user, 255));
	memcpy(b + 256, p->pass, strnlen(p->pass, 255));
	ok = sodium_memcmp(a, b, sizeof(a)) == 0;
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	return ok;
}

void tn_ns_socks_input(struct tn_ns_client *c)
{
	const struct tn_ns_proxy *p = c->proxy;
	char user[256], pass[256];
	bool none, pw, ok;
	uint8_t cmd, ans[2];
	int r;

	for (;;) {
		switch (c->state) {
		case TN_NS_C_GREETING:
			r = tn_socks5_parse_greeting(c->in, c->in_len, &none, &pw);
			if (r == 0)
				return;
			ans[0] = TN_SOCKS5_VERSION;
			if (r < 0) {
				ans[1] = TN_SOCKS5_METHOD_UNACCEPTABLE;
				tn_ns_client_fail(c, ans, 2, true);
				return;
			}
			consume(c, (size_t)r);
			ans[1] = p->auth ? (pw ? TN_SOCKS5_METHOD_PASSWORD : TN_SOCKS5_METHOD_UNACCEPTABLE)
					 : (none ? TN_SOCKS5_METHOD_NONE : TN_SOCKS5_METHOD_UNACCEPTABLE);
			if (ans[1] == TN_SOCKS5_METHOD_UNACCEPTABLE) {
				tn_ns_client_fail(c, ans, 2, false);
				return;
			}
			if (!tn_ns_client_send(c, ans, 2)) {
				tn_ns_client_free(c);
				return;
			}
			c->state = p->auth ? TN_NS_C_AUTH : TN_NS_C_REQUEST;
			break;
		case TN_NS_C_AUTH:
			r = tn_socks5_parse_auth(c->in, c->in_len, user, pass);
			if (r == 0)
				return;
			ok = r > 0 && creds_ok(p, user, pass);
			sodium_memzero(pass, sizeof(pass));
			if (r > 0) {
				sodium_memzero(c->in, (size_t)r);
				consume(c, (size_t)r);
			}
			ans[0] = TN_SOCKS5_AUTH_VERSION;
			ans[1] = ok ? 0 : 1;
			if (!ok) {
				tn_ns_client_fail(c, ans, 2, r < 0);
				return;
			}
			if (!tn_ns_client_send(c, ans, 2)) {
				tn_ns_client_free(c);
				return;
			}
			c->state = TN_NS_C_REQUEST;
			break;
		case TN_NS_C_REQUEST:
			r = tn_socks5_parse_request(c->in, c->in_len, &cmd, &c->dst);
			if (r == 0)
				return;
			if (r < 0) {
				fail_reply(c, r == -EAFNOSUPPORT ? TN_SOCKS5_ATYP_UNSUPPORTED
								 : TN_SOCKS5_GENERAL_FAILURE, true);
				return;
			}
			consume(c, (size_t)r);
			request(c, cmd);
			return;
		default:
			/* Dialling or relaying datagrams: bytes wait. */
			return;
		}
	}
}

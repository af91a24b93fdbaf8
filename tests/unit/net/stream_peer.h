/* Test peers for the stream tests: a recording tn_conn client, listening
 * sockets, and an echo server (plain TCP or OpenSSL TLS) that runs on the
 * same event loop as the client, so a test is one thread and one loop.
 * Certificates are made in the process with OpenSSL (a CA, a leaf it signs,
 * self-signed leaves, a DERP-style "derpkey" meta certificate).
 *
 * Header-only: static helpers, each marked unused so a test file that needs
 * only some of them still builds with -Werror.
 */
#ifndef TN_TEST_STREAM_PEER_H
#define TN_TEST_STREAM_PEER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "event/loop.h"
#include "net/conn.h"

#include "../loop_wait.h"

/* --- a recording client ----------------------------------------------- */

struct client {
	struct tn_conn *c;
	int n[TN_CONN_ERROR + 1];          /* events seen, by kind */
	int events_after_final;
	bool final;                        /* CLOSED or ERROR seen */
	uint8_t *in;
	size_t in_len, in_cap;
	size_t read_chunk;                 /* bytes per read (0: 64 KiB) */
	bool one_read_per_event;           /* stop after one read */
	int close_on;                      /* close in the callback on this
					      event + 1 (0: never) */
	bool closed_in_cb;
	ssize_t last_read;
	char error[400];
	int error_code;
};

UNUSED static void client_take(struct client *cl, const void *p, size_t n)
{
	if (cl->in_len + n > cl->in_cap) {
		size_t cap = cl->in_cap ? cl->in_cap : 4096;

		while (cap < cl->in_len + n)
			cap *= 2;
		cl->in = realloc(cl->in, cap);
		if (!cl->in)
			abort();
		cl->in_cap = cap;
	}
	memcpy(cl->in + cl->in_len, p, n);
	cl->in_len += n;
}

UNUSED static void client_cb(struct tn_conn *c, enum tn_conn_event ev, void *arg)
{
	struct client *cl = arg;

	if (cl->final)
		cl->events_after_final++;
	cl->n[ev]++;
	if (ev == TN_CONN_READABLE) {
		uint8_t buf[65536];
		size_t chunk = cl->read_chunk ? cl->read_chunk : sizeof(buf);
		ssize_t n;

		do {
			n = tn_conn_read(c, buf, chunk);
			cl->last_read = n;
			if (n > 0)
				client_take(cl, buf, (size_t)n);
		} while (n > 0 && !cl->one_read_per_event);
	}
	if (ev == TN_CONN_CLOSED || ev == TN_CONN_ERROR) {
		cl->final = true;
		snprintf(cl->error, sizeof(cl->error), "%s", tn_conn_error(c));
		cl->error_code = tn_conn_error_code(c);
	}
	if (cl->close_on == (int)ev + 1) {
		tn_conn_close(c);
		cl->closed_in_cb = true;
		cl->c = NULL;
	}
}

UNUSED static void client_free(struct client *cl)
{
	tn_conn_close(cl->c);
	cl->c = NULL;
	free(cl->in);
	cl->in = NULL;
}

/* A byte pattern that catches reordering, loss and duplication. */
UNUSED static void pattern(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* --- sockets ---------------------------------------------------------- */

/* A TCP socket bound to the loopback of family on an ephemeral port;
 * listening with backlog unless backlog < 0.  -1 if the family is absent. */
UNUSED static int tcp_socket(int family, int backlog, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (backlog >= 0 && listen(fd, backlog) < 0) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					 : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* --- certificates ----------------------------------------------------- */

struct cert {
	EVP_PKEY *key;
	X509 *x509;
};

UNUSED static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	if (!ext || !X509_add_ext(x, ext, -1))
		abort();
	X509_EXTENSION_free(ext);
}

/* issuer NULL: self-signed.  san NULL: none ("DNS:a,IP:127.0.0.1"). */
UNUSED static struct cert make_cert(const char *cn, const char *san, bool ca,
				    const struct cert *issuer, long serial,
				    long not_before_s, long not_after_s)
{
	struct cert c = { EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), X509_new() };
	X509_NAME *name;
	X509V3_CTX ctx;

	if (!c.key || !c.x509)
		abort();
	X509_set_version(c.x509, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c.x509), serial);
	X509_gmtime_adj(X509_getm_notBefore(c.x509), not_before_s);
	X509_gmtime_adj(X509_getm_notAfter(c.x509), not_after_s);
	X509_set_pubkey(c.x509, c.key);
	name = X509_get_subject_name(c.x509);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c.x509, issuer ? X509_get_subject_name(issuer->x509) : name);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer->x509 : c.x509, c.x509, NULL, NULL, 0);
	add_ext(c.x509, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	add_ext(c.x509, &ctx, NID_key_usage,
		ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	if (!ca)
		add_ext(c.x509, &ctx, NID_ext_key_usage, "serverAuth");
	add_ext(c.x509, &ctx, NID_subject_key_identifier, "hash");
	if (issuer)
		add_ext(c.x509, &ctx, NID_authority_key_identifier, "keyid:always");
	if (san)
		add_ext(c.x509, &ctx, NID_subject_alt_name, san);
	if (!X509_sign(c.x509, issuer ? issuer->key : c.key, EVP_sha256()))
		abort();
	return c;
}

UNUSED static void cert_free(struct cert *c)
{
	EVP_PKEY_free(c->key);
	X509_free(c->x509);
	c->key = NULL;
	c->x509 = NULL;
}

/* "sha256-raw:<hex of the DER>", as derper prints for a CertName. */
UNUSED static void cert_pin(const struct cert *c, char *out, size_t len)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	size_t n;

	X509_digest(c->x509, EVP_sha256(), md, &mdlen);
	n = (size_t)snprintf(out, len, "sha256-raw:");
	for (unsigned i = 0; i < mdlen && n + 3 <= len; i++)
		n += (size_t)snprintf(out + n, len - n, "%02x", md[i]);
}

/* Writes a PEM file under /tmp; the caller unlinks path. */
UNUSED static void write_pem(const struct cert *c, char *path, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, len, "/tmp/tn-test-ca-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		abort();
	PEM_write_X509(f, c->x509);
	fclose(f);
}

/* --- an echo server on the loop --------------------------------------- */

/* OpenSSL's socket BIO writes with write(), which raises SIGPIPE when the
 * client has gone; the server side uses send(MSG_NOSIGNAL) instead, so a
 * SIGPIPE in these tests can only come from the code under test. */
UNUSED static int peer_bio_write(BIO *b, const char *buf, int len)
{
	ssize_t n = send((int)BIO_get_fd(b, NULL), buf, (size_t)len, MSG_NOSIGNAL);

	BIO_clear_retry_flags(b);
	if (n < 0 && errno == EAGAIN)
		BIO_set_retry_write(b);
	return (int)n;
}

UNUSED static BIO *peer_bio(int fd)
{
	static BIO_METHOD *m;
	BIO *b;

	if (!m) {
		m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK |
				 BIO_TYPE_DESCRIPTOR, "peer_socket");
		BIO_meth_set_write(m, peer_bio_write);
		BIO_meth_set_read(m, BIO_meth_get_read(BIO_s_socket()));
		BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(BIO_s_socket()));
		BIO_meth_set_create(m, BIO_meth_get_create(BIO_s_socket()));
		BIO_meth_set_destroy(m, BIO_meth_get_destroy(BIO_s_socket()));
	}
	b = BIO_new(m);
	if (!b)
		abort();
	BIO_set_fd(b, fd, BIO_NOCLOSE);
	return b;
}

enum peer_mode {
	PEER_ECHO,       /* send back what arrives */
	PEER_SILENT,     /* accept, then never read or write */
	PEER_SCRIPT,     /* send `script` once handshaken, then maybe close */
};

struct peer;

struct peer_conn {
	struct peer *p;
	int fd;
	SSL *ssl;
	bool handshaken;
	bool dead;
	uint8_t *out;
	size_t off, len, cap;
	uint64_t received;
};

struct peer {
	struct tn_loop *loop;
	int lfd;
	uint16_t port;
	SSL_CTX *ctx;                 /* NULL: plain TCP */
	enum peer_mode mode;
	const uint8_t *script;
	size_t script_len;
	bool close_after_script;      /* with close_notify (TLS) */
	bool abort_after_script;      /* RST (plain) or no close_notify (TLS) */
	struct peer_conn conns[4];
	int nconns;
	int handshakes, handshake_failures;
	char sni[256];                /* "" if the client sent none */
	bool saw_sni;
	char alpn[32];
};

UNUSED static void peer_conn_close(struct peer_conn *pc, bool rst)
{
	if (pc->dead)
		return;
	pc->dead = true;
	tn_loop_del_fd(pc->p->loop, pc->fd);
	if (rst) {
		struct linger l = { 1, 0 };

		setsockopt(pc->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	SSL_free(pc->ssl);
	pc->ssl = NULL;
	close(pc->fd);
	free(pc->out);
	pc->out = NULL;
}

UNUSED static void peer_queue(struct peer_conn *pc, const void *buf, size_t n)
{
	if (pc->len + n > pc->cap) {
		size_t cap = pc->cap ? pc->cap : 4096;

		while (cap < pc->len + n)
			cap *= 2;
		pc->out = realloc(pc->out, cap);
		if (!pc->out)
			abort();
		pc->cap = cap;
	}
	memcpy(pc->out + pc->len, buf, n);
	pc->len += n;
}

/* Returns false if the connection died. */
UNUSED static bool peer_flush(struct peer_conn *pc)
{
	while (pc->off < pc->len) {
		size_t n = 0;

		if (pc->ssl) {
			if (!SSL_write_ex(pc->ssl, pc->out + pc->off, pc->len - pc->off, &n)) {
				int e = SSL_get_error(pc->ssl, 0);

				ERR_clear_error();
				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
					return true;
				peer_conn_close(pc, false);
				return false;
			}
		} else {
			ssize_t w = send(pc->fd, pc->out + pc->off, pc->len - pc->off,
					 MSG_NOSIGNAL);

			if (w < 0) {
				if (errno == EAGAIN)
					return true;
				peer_conn_close(pc, false);
				return false;
			}
			n = (size_t)w;
		}
		pc->off += n;
	}
	pc->off = pc->len = 0;
	return true;
}

UNUSED static void peer_after_script(struct peer_conn *pc)
{
	if (pc->p->close_after_script) {
		if (pc->ssl)
			SSL_shutdown(pc->ssl);
		ERR_clear_error();
		peer_conn_close(pc, false);
	} else if (pc->p->abort_after_script) {
		peer_conn_close(pc, !pc->ssl);
	}
}

UNUSED static void peer_conn_cb(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct peer_conn *pc = arg;
	struct peer *p = pc->p;
	uint8_t buf[16384];

	(void)loop;
	(void)fd;
	if (p->mode == PEER_SILENT) {
		if (events & (TN_EV_HUP | TN_EV_ERROR))
			peer_conn_close(pc, false);
		return;
	}
	if (pc->ssl && !pc->handshaken) {
		int r = SSL_accept(pc->ssl);

		if (r != 1) {
			int e = SSL_get_error(pc->ssl, r);

			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				tn_loop_mod_fd(p->loop, pc->fd,
					       e == SSL_ERROR_WANT_READ ? TN_EV_READ : TN_EV_WRITE);
				return;
			}
			p->handshake_failures++;
			peer_conn_close(pc, false);
			return;
		}
		{
			const char *sni = SSL_get_servername(pc->ssl, TLSEXT_NAMETYPE_host_name);
			const unsigned char *alpn = NULL;
			unsigned alen = 0;

			p->saw_sni = sni != NULL;
			snprintf(p->sni, sizeof(p->sni), "%s", sni ? sni : "");
			SSL_get0_alpn_selected(pc->ssl, &alpn, &alen);
			snprintf(p->alpn, sizeof(p->alpn), "%.*s", (int)alen,
				 alpn ? (const char *)alpn : "");
		}
		pc->handshaken = true;
		p->handshakes++;
		if (p->mode == PEER_SCRIPT) {
			peer_queue(pc, p->script, p->script_len);
			if (!peer_flush(pc))
				return;
			if (pc->len == 0) {
				peer_after_script(pc);
				if (pc->dead)
					return;
			}
		}
	}
	/* Read what there is; echo it. */
	for (;;) {
		size_t n = 0;

		if (pc->ssl) {
			if (!SSL_read_ex(pc->ssl, buf, sizeof(buf), &n)) {
				int e = SSL_get_error(pc->ssl, 0);

				ERR_clear_error();
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					break;
				peer_conn_close(pc, false);
				return;
			}
		} else {
			ssize_t r = recv(pc->fd, buf, sizeof(buf), 0);

			if (r < 0 && errno == EAGAIN)
				break;
			if (r <= 0) {
				peer_conn_close(pc, false);
				return;
			}
			n = (size_t)r;
		}
		pc->received += n;
		if (p->mode == PEER_ECHO)
			peer_queue(pc, buf, n);
	}
	if (!peer_flush(pc))
		return;
	tn_loop_mod_fd(p->loop, pc->fd, TN_EV_READ | (pc->len ? TN_EV_WRITE : 0));
}

UNUSED static void peer_accept_cb(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct peer *p = arg;
	struct peer_conn *pc;
	int cfd;

	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	if (p->nconns == (int)(sizeof(p->conns) / sizeof(p->conns[0]))) {
		close(cfd);
		return;
	}
	pc = &p->conns[p->nconns++];
	memset(pc, 0, sizeof(*pc));
	pc->p = p;
	pc->fd = cfd;
	if (p->ctx) {
		BIO *bio = peer_bio(cfd);

		pc->ssl = SSL_new(p->ctx);
		SSL_set_bio(pc->ssl, bio, bio);
		SSL_set_accept_state(pc->ssl);
	} else {
		pc->handshaken = true;
		if (p->mode == PEER_SCRIPT) {
			peer_queue(pc, p->script, p->script_len);
			peer_flush(pc);
			if (!pc->dead && pc->len == 0)
				peer_after_script(pc);
			if (pc->dead)
				return;
		}
	}
	tn_loop_add_fd(loop, cfd, p->mode == PEER_SILENT ? 0 : TN_EV_READ,
		       peer_conn_cb, pc);
}

UNUSED static int alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
			  const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char h2[] = "\x02h2";

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto((unsigned char **)out, outlen, h2, 3, in, inlen) ==
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_OK;
	return SSL_TLSEXT_ERR_NOACK;
}

/* A TLS server context presenting leaf, followed by extra (may be NULL). */
UNUSED static SSL_CTX *server_ctx(const struct cert *leaf, const struct cert *extra)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx || !SSL_CTX_use_certificate(ctx, leaf->x509) ||
	    !SSL_CTX_use_PrivateKey(ctx, leaf->key) ||
	    (extra && !SSL_CTX_add1_chain_cert(ctx, extra->x509)))
		abort();
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select_cb, NULL);
	return ctx;
}

/* Listen on 127.0.0.1 (or family's loopback); ctx NULL for plain TCP
 * (the peer takes a reference to ctx). */
UNUSED static int peer_start(struct peer *p, struct tn_loop *loop, int family,
			     SSL_CTX *ctx, enum peer_mode mode)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop;
	p->mode = mode;
	p->lfd = tcp_socket(family, 16, &p->port);
	if (p->lfd < 0)
		return -1;
	if (ctx) {
		SSL_CTX_up_ref(ctx);
		p->ctx = ctx;
	}
	return tn_loop_add_fd(loop, p->lfd, TN_EV_READ, peer_accept_cb, p);
}

UNUSED static void peer_stop(struct peer *p)
{
	for (int i = 0; i < p->nconns; i++)
		peer_conn_close(&p->conns[i], false);
	if (p->lfd >= 0) {
		tn_loop_del_fd(p->loop, p->lfd);
		close(p->lfd);
	}
	SSL_CTX_free(p->ctx);
	p->ctx = NULL;
	p->lfd = -1;
}

#endif

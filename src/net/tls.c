/* OpenSSL client sessions: one shared SSL_CTX, our own socket BIO, and a
 * certificate-verification callback that implements the policy of tls.h.
 *
 * Verification happens in SSL_CTX_set_cert_verify_callback, inside the
 * handshake, so a rejected server gets an alert instead of a finished
 * handshake that we then drop.  The callback sees the chain exactly as sent
 * (X509_STORE_CTX_get0_untrusted holds the leaf first), which the pin check
 * needs to skip DERP's meta certificate.
 */
#include "net/tls.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "event/loop.h"
#include "util/hex.h"

/* Common name prefix of the extra certificate a DERP server appends to its
 * chain to carry its public key (tailscale derp/derpconst). */
#define DERP_META_CERT_CN_PREFIX "derpkey"

/* Go's crypto/x509 matches names only against subjectAltName and accepts a
 * wildcard only as a whole leftmost label; do the same. */
#define HOST_FLAGS (X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | \
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS)

struct tn_tls {
	SSL *ssl;
	int fd;
	int sys_errno;           /* errno of the last failed send/recv */
	bool eof;                /* recv returned 0 */
	bool fatal;              /* no close_notify after a fatal error */
	bool insecure;
	bool has_pin;
	bool name_is_ip;
	uint8_t pin[32];
	char *verify_name;       /* NULL with an IP literal under a pin */
	X509_STORE *extra;       /* ca_file anchors, or NULL */
	char verify_msg[256];    /* set by the verify callback on rejection */
	char msg[320];
};

static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static SSL_CTX *client_ctx;
static BIO_METHOD *bio_method;

static bool is_ip_literal(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* "Connection refused" -> "connection refused", to read as one clause. */
static void errno_text(char *out, size_t len, int err)
{
	snprintf(out, len, "%s", strerror(err));
	out[0] = (char)tolower((unsigned char)out[0]);
}

/* --- the socket BIO --------------------------------------------------- */

static int bio_write(BIO *b, const char *buf, int len)
{
	struct tn_tls *t = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = send(t->fd, buf, (size_t)len, MSG_NOSIGNAL);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		BIO_set_retry_write(b);
		return -1;
	}
	t->sys_errno = errno;
	return -1;
}

static int bio_read(BIO *b, char *buf, int len)
{
	struct tn_tls *t = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = recv(t->fd, buf, (size_t)len, 0);
	if (n > 0)
		return (int)n;
	if (n == 0) {
		t->eof = true;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		BIO_set_retry_read(b);
		return -1;
	}
	t->sys_errno = errno;
	return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct tn_tls *t = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:        /* tells OpenSSL a 0 read was the end */
		return t && t->eof;
	default:
		return 0;
	}
}

/* --- certificate verification ----------------------------------------- */

static int reject(struct tn_tls *t, X509_STORE_CTX *xs, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reject(struct tn_tls *t, X509_STORE_CTX *xs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->verify_msg, sizeof(t->verify_msg), fmt, ap);
	va_end(ap);
	X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

static bool is_meta_cert(X509 *cert)
{
	X509_NAME *subj = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	const ASN1_STRING *cn;
	size_t plen = strlen(DERP_META_CERT_CN_PREFIX);

	if (i < 0)
		return false;
	cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
	return cn && (size_t)ASN1_STRING_length(cn) >= plen &&
	       memcmp(ASN1_STRING_get0_data(cn), DERP_META_CERT_CN_PREFIX, plen) == 0;
}

/* tailscale net/tlsdial SetConfigExpectedCertHash. */
static int verify_pin(struct tn_tls *t, X509_STORE_CTX *xs)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_untrusted(xs);
	X509 *leaf = X509_STORE_CTX_get0_cert(xs);
	int n = chain ? sk_X509_num(chain) : 0;
	bool seen = false;

	for (int i = 0; i < (chain ? n : 1); i++) {
		X509 *cert = chain ? sk_X509_value(chain, i) : leaf;
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;

		if (is_meta_cert(cert))
			continue;
		if (seen)
			return reject(t, xs, "unexpected multiple certs presented");
		if (!X509_digest(cert, EVP_sha256(), md, &mdlen) || mdlen != 32 ||
		    memcmp(md, t->pin, 32) != 0)
			return reject(t, xs, "cert hash does not match expected cert hash");
		if (t->verify_name && !t->name_is_ip &&
		    X509_check_host(cert, t->verify_name, 0, HOST_FLAGS, NULL) != 1)
			return reject(t, xs, "cert does not match server name %s",
				      t->verify_name);
		if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0)
			return reject(t, xs, "cert expired");
		if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0)
			return reject(t, xs, "cert not yet valid; is the clock correct?");
		seen = true;
	}
	if (!seen)
		return reject(t, xs, "expected cert not presented");
	X509_STORE_CTX_set_error(xs, X509_V_OK);
	return 1;
}

/* The chain against the ca_file anchors, with the same parameters (name,
 * purpose, security level) OpenSSL used for the system store. */
static int verify_extra(struct tn_tls *t, X509_STORE_CTX *xs, SSL *ssl,
			int *err)
{
	X509_STORE_CTX *x2 = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	int ok = 0;

	*err = X509_V_ERR_OUT_OF_MEM;
	if (!x2)
		return 0;
	if (X509_STORE_CTX_init(x2, t->extra, X509_STORE_CTX_get0_cert(xs),
				X509_STORE_CTX_get0_untrusted(xs))) {
		X509_STORE_CTX_set_default(x2, "ssl_server");
		param = X509_STORE_CTX_get0_param(x2);
		X509_VERIFY_PARAM_set1(param, SSL_get0_param(ssl));
		X509_VERIFY_PARAM_set_auth_level(param, SSL_get_security_level(ssl));
		ok = X509_verify_cert(x2) == 1;
		*err = X509_STORE_CTX_get_error(x2);
	}
	X509_STORE_CTX_free(x2);
	return ok;
}

static int verify_cb(X509_STORE_CTX *xs, void *unused)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tn_tls *t = SSL_get_app_data(ssl);
	int err;

	(void)unused;
	if (t->has_pin)
		return verify_pin(t, xs);
	if (t->insecure) {
		X509_STORE_CTX_set_error(xs, X509_V_OK);
		return 1;
	}
	if (X509_verify_cert(xs) == 1)
		return 1;
	err = X509_STORE_CTX_get_error(xs);
	/* Like tlsdial: system roots first, then the extra ones.  When both
	 * fail, the extra store's reason is the telling one (the caller said
	 * which CA to expect). */
	if (t->extra) {
		int err2;

		if (verify_extra(t, xs, ssl, &err2)) {
			X509_STORE_CTX_set_error(xs, X509_V_OK);
			return 1;
		}
		err = err2;
		X509_STORE_CTX_set_error(xs, err);
	}
	if (err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH)
		snprintf(t->verify_msg, sizeof(t->verify_msg), "%s (want %s)",
			 X509_verify_cert_error_string(err), t->verify_name);
	else
		snprintf(t->verify_msg, sizeof(t->verify_msg), "%s",
			 X509_verify_cert_error_string(err));
	return 0;
}

/* --- context ------------------------------------------------------------ */

static void ctx_init(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	BIO_METHOD *m;

	if (!ctx)
		return;
	m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tn_socket");
	if (!m || !BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
	    !BIO_meth_set_ctrl(m, bio_ctrl) ||
	    !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
		BIO_meth_free(m);
		SSL_CTX_free(ctx);
		return;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
				 SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Partial writes: tn_tls_write reports whole records as they leave, so
	 * the caller's buffer can shrink from the front and move. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* No system store is not fatal: ca_file, pins and insecure still work,
	 * and verification then fails with a clear reason. */
	SSL_CTX_set_default_verify_paths(ctx);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(ctx, verify_cb, NULL);
	ERR_clear_error();
	bio_method = m;
	client_ctx = ctx;
}

/* --- sessions ------------------------------------------------------------ */

static int parse_pin(struct tn_tls *t, const char *pin)
{
	size_t plen = strlen(TN_TLS_PIN_PREFIX);

	if (strncmp(pin, TN_TLS_PIN_PREFIX, plen) != 0)
		return -EINVAL;
	if (tn_hex_decode(t->pin, sizeof(t->pin), pin + plen, strlen(pin + plen)) < 0)
		return -EINVAL;
	t->has_pin = true;
	return 0;
}

/* "h2,http/1.1" -> "\x02h2\x08http/1.1". */
static int set_alpn(SSL *ssl, const char *alpn)
{
	size_t len = strlen(alpn);
	unsigned char *wire = malloc(len + 1), *p = wire;
	const char *s = alpn;
	int r = 0;

	if (!wire)
		return -ENOMEM;
	while (*s) {
		size_t n = strcspn(s, ",");

		if (n == 0 || n > 255) {
			r = -EINVAL;
			goto out;
		}
		*p++ = (unsigned char)n;
		memcpy(p, s, n);
		p += n;
		s += n;
		if (*s == ',' && !*++s) {      /* trailing comma */
			r = -EINVAL;
			goto out;
		}
	}
	if (p == wire || SSL_set_alpn_protos(ssl, wire, (unsigned)(p - wire)) != 0)
		r = -EINVAL;
out:
	free(wire);
	return r;
}

static int load_ca_file(struct tn_tls *t, const char *path, char *err,
			size_t errlen)
{
	unsigned long e;
	int r;

	t->extra = X509_STORE_new();
	if (!t->extra)
		return -ENOMEM;
	if (X509_STORE_load_file(t->extra, path) == 1) {
		ERR_clear_error();
		return 0;
	}
	e = ERR_peek_last_error();
	ERR_clear_error();
	if (access(path, R_OK) < 0) {
		char why[96];

		r = -errno;
		errno_text(why, sizeof(why), -r);
		snprintf(err, errlen, "TLS: loading CA file %s: %s", path, why);
		return r;
	}
	snprintf(err, errlen, "TLS: loading CA file %s: %s", path,
		 e ? ERR_reason_error_string(e) : "no certificates");
	return -EIO;
}

int tn_tls_new(const struct tn_tls_opts *opts, const char *dialed_host, int fd,
	       struct tn_tls **out, char *err, size_t errlen)
{
	const char *sni = opts->server_name ? opts->server_name : dialed_host;
	const char *name = opts->cert_name ? opts->cert_name : sni;
	X509_VERIFY_PARAM *param;
	struct tn_tls *t;
	BIO *bio;
	int r = -ENOMEM;

	if (err && errlen)
		err[0] = '\0';
	pthread_once(&ctx_once, ctx_init);
	if (!client_ctx)
		return -ENOMEM;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = fd;
	t->insecure = opts->insecure;
	if (opts->cert_pin && (r = parse_pin(t, opts->cert_pin)) < 0)
		goto fail;
	r = -ENOMEM;
	t->name_is_ip = is_ip_literal(name);
	t->verify_name = strdup(name);
	if (!t->verify_name)
		goto fail;
	if (opts->ca_file && (r = load_ca_file(t, opts->ca_file, err, errlen)) < 0)
		goto fail;
	r = -ENOMEM;
	t->ssl = SSL_new(client_ctx);
	if (!t->ssl)
		goto fail;
	SSL_set_app_data(t->ssl, t);
	bio = BIO_new(bio_method);
	if (!bio)
		goto fail;
	BIO_set_data(bio, t);
	BIO_set_init(bio, 1);
	SSL_set_bio(t->ssl, bio, bio);
	if (!is_ip_literal(sni) && !SSL_set_tlsext_host_name(t->ssl, sni)) {
		r = -EINVAL;
		goto fail;
	}
	param = SSL_get0_param(t->ssl);
	X509_VERIFY_PARAM_set_hostflags(param, HOST_FLAGS);
	if (t->name_is_ip) {
		if (!X509_VERIFY_PARAM_set1_ip_asc(param, name)) {
			r = -EINVAL;
			goto fail;
		}
	} else if (!SSL_set1_host(t->ssl, name)) {
		r = -EINVAL;
		goto fail;
	}
	if (opts->alpn && (r = set_alpn(t->ssl, opts->alpn)) < 0)
		goto fail;
	SSL_set_connect_state(t->ssl);
	ERR_clear_error();
	*out = t;
	return 0;
fail:
	ERR_clear_error();
	tn_tls_free(t);
	return r;
}

void tn_tls_free(struct tn_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	X509_STORE_free(t->extra);
	free(t->verify_name);
	free(t);
}

/* Classifies a failed SSL call: -EAGAIN with *want, 0 for a clean end, or
 * a negative errno with t->msg set, prefixed with what (NULL: "TLS"). */
static int failure(struct tn_tls *t, int ret, unsigned *want, const char *what)
{
	char why[160];
	unsigned long e;
	int r;

	switch (SSL_get_error(t->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		*want = TN_EV_READ;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = TN_EV_WRITE;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		if (!what)
			return 0;
		t->fatal = true;
		snprintf(t->msg, sizeof(t->msg), "%s: connection closed by peer", what);
		return -ECONNRESET;
	case SSL_ERROR_SYSCALL:
		t->fatal = true;
		ERR_clear_error();
		if (!t->sys_errno) {           /* EOF where OpenSSL wanted data */
			if (!what)
				return 0;
			snprintf(t->msg, sizeof(t->msg), "%s: connection closed by peer", what);
			return -ECONNRESET;
		}
		errno_text(why, sizeof(why), t->sys_errno);
		snprintf(t->msg, sizeof(t->msg), "%s: %s", what ? what : "TLS", why);
		return -t->sys_errno;
	default:
		t->fatal = true;
		e = ERR_peek_last_error();
		ERR_clear_error();
		r = -EPROTO;
		if (t->verify_msg[0]) {
			snprintf(t->msg, sizeof(t->msg), "TLS: certificate verify failed: %s",
				 t->verify_msg);
		} else if (t->sys_errno) {
			errno_text(why, sizeof(why), t->sys_errno);
			snprintf(t->msg, sizeof(t->msg), "%s: %s", what ? what : "TLS", why);
			r = -t->sys_errno;
		} else {
			const char *reason = e ? ERR_reason_error_string(e) : NULL;

			snprintf(t->msg, sizeof(t->msg), "%s: %s", what ? what : "TLS",
				 reason ? reason : "protocol error");
		}
		return r;
	}
}

int tn_tls_handshake(struct tn_tls *t, unsigned *want)
{
	int ret;

	ERR_clear_error();
	t->sys_errno = 0;
	ret = SSL_do_handshake(t->ssl);
	if (ret == 1)
		return 1;
	ret = failure(t, ret, want, "TLS handshake");
	return ret == -EAGAIN ? 0 : ret;
}

ssize_t tn_tls_read(struct tn_tls *t, void *buf, size_t len, unsigned *want)
{
	size_t n = 0;

	ERR_clear_error();
	t->sys_errno = 0;
	if (SSL_read_ex(t->ssl, buf, len, &n))
		return (ssize_t)n;
	return failure(t, 0, want, NULL);
}

ssize_t tn_tls_write(struct tn_tls *t, const void *buf, size_t len,
		     unsigned *want)
{
	size_t n = 0;
	int r;

	ERR_clear_error();
	t->sys_errno = 0;
	if (SSL_write_ex(t->ssl, buf, len, &n))
		return (ssize_t)n;
	r = failure(t, 0, want, NULL);
	if (r == 0) {                 /* cannot write after the peer's close */
		t->fatal = true;
		snprintf(t->msg, sizeof(t->msg), "TLS: connection closed by peer");
		r = -EPIPE;
	}
	return r;
}

size_t tn_tls_pending(const struct tn_tls *t)
{
	int n = SSL_pending(t->ssl);

	return n > 0 ? (size_t)n : 0;
}

void tn_tls_shutdown(struct tn_tls *t)
{
	if (!t || t->fatal || !SSL_is_init_finished(t->ssl))
		return;
	ERR_clear_error();
	SSL_shutdown(t->ssl);
	ERR_clear_error();
}

void tn_tls_set_fd(struct tn_tls *t, int fd)
{
	t->fd = fd;
}

const char *tn_tls_error(const struct tn_tls *t)
{
	return t->msg;
}

struct ssl_st *tn_tls_ssl(const struct tn_tls *t)
{
	return t->ssl;
}

/* TLS client sessions over a non-blocking socket (OpenSSL 3).
 *
 * Policy, the same as Tailscale's Go client (net/tlsdial, derp/derphttp):
 * TLS 1.2 or newer; SNI is the server name unless that is an IP literal
 * (RFC 6066 forbids IP addresses there); the chain must verify against the
 * system CA store or, failing that, against the extra anchors of ca_file;
 * the leaf must match the name by its subjectAltName (DNS name or IP
 * address; the subject CN is never used, as in Go).
 *
 * cert_pin "sha256-raw:<hex>" (a DERP node's CertName) replaces chain
 * verification: exactly one certificate other than DERP's meta certificate
 * (CN "derpkey...") must be presented, its DER must hash to <hex>, it must
 * be within its validity period, and when the server name is a DNS name
 * (not an IP literal) it must match it.  The pin is enforced even with
 * insecure set, as derphttp does for InsecureForTests nodes with a CertName.
 *
 * The session performs I/O on the socket itself through a small BIO that
 * uses send(MSG_NOSIGNAL) (no SIGPIPE) and keeps the errno of a failed call
 * for messages.  Peer close without close_notify reads as a clean end of
 * stream, like plain TCP; the protocols on top (HTTP/1 framing, Noise,
 * DERP frames) detect truncation themselves.
 *
 * Ownership: tn_tls_new returns a session the caller frees with
 * tn_tls_free; it does not own the socket.  Loop thread (any one thread per
 * session); the shared SSL_CTX is created once per process, thread-safely.
 */
#ifndef TN_NET_TLS_H
#define TN_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ssl_st;

struct tn_tls_opts {
	const char *server_name;  /* SNI and the name to verify; NULL: the dialed
				     host */
	const char *cert_name;    /* verify this name instead of server_name,
				     which is still sent as SNI (a DERP node's
				     CertName without "sha256-raw:"); NULL: none */
	const char *ca_file;      /* extra trust anchors (PEM) beside the system
				     CAs; NULL: none */
	bool insecure;            /* skip verification (DERP InsecureForTests) */
	const char *cert_pin;     /* "sha256-raw:<64 hex>" of the leaf's DER */
	const char *alpn;         /* comma-separated protocols ("h2,http/1.1");
				     NULL: no ALPN extension */
};

#define TN_TLS_PIN_PREFIX "sha256-raw:"

struct tn_tls;

/* A client session for fd (-1: set later with tn_tls_set_fd, before the
 * handshake; the options are checked at once).  dialed_host is what the caller dialed (a name
 * or an IP literal without brackets); opts is copied.  -EINVAL for a
 * malformed cert_pin or alpn, -ENOMEM; an unreadable ca_file is -EIO,
 * -ENOENT or -EACCES with a message in err. */
int tn_tls_new(const struct tn_tls_opts *opts, const char *dialed_host, int fd,
	       struct tn_tls **out, char *err, size_t errlen);
void tn_tls_free(struct tn_tls *t);
void tn_tls_set_fd(struct tn_tls *t, int fd);

/* Drive the handshake.  1: done; 0: call again when *want (TN_EV_READ or
 * TN_EV_WRITE) is ready; negative errno on failure, message in
 * tn_tls_error ("TLS: certificate verify failed: ...", -EPROTO; "TLS
 * handshake: connection reset by peer", the socket's errno). */
int tn_tls_handshake(struct tn_tls *t, unsigned *want);

/* >0 bytes; 0 at the end of the stream; -EAGAIN with *want set; or a
 * negative errno with a message (-EPROTO for TLS errors). */
ssize_t tn_tls_read(struct tn_tls *t, void *buf, size_t len, unsigned *want);
/* >0 bytes taken (whole records; a retry after -EAGAIN must present the
 * same bytes first, possibly from a moved buffer, possibly with more after
 * them); -EAGAIN with *want set; or a negative errno with a message. */
ssize_t tn_tls_write(struct tn_tls *t, const void *buf, size_t len,
		     unsigned *want);
/* Decrypted bytes buffered inside OpenSSL, readable without the socket. */
size_t tn_tls_pending(const struct tn_tls *t);
/* Best-effort close_notify (one non-blocking attempt) if the session is
 * healthy. */
void tn_tls_shutdown(struct tn_tls *t);

const char *tn_tls_error(const struct tn_tls *t);
struct ssl_st *tn_tls_ssl(const struct tn_tls *t);

#endif

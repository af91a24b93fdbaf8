/* TLS streams against an OpenSSL server on the same loop, with certificates
 * made by the test: chain verification with and without the CA file, IP
 * and DNS names, SNI, cert_name, insecure, sha256-raw pins (DERP meta
 * certificate skipped, wrong/expired/extra certificates refused), ALPN,
 * handshake timeout, data buffered inside OpenSSL, peer close, 1 MB both
 * ways, and closing from inside a callback. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "stream_peer.h"
#include "util/clock.h"

#define MS TN_NSEC_PER_MSEC
#define TIMEOUT (5000 * MS)

static struct {
	struct cert ca, leaf, self, meta, expired;
	SSL_CTX *leaf_ctx;          /* leaf signed by ca */
	SSL_CTX *self_ctx;          /* self-signed, like derper -certmode manual */
	SSL_CTX *self_meta_ctx;     /* ... followed by a derpkey meta cert */
	SSL_CTX *self_extra_ctx;    /* ... followed by another real cert */
	SSL_CTX *expired_ctx;
	char ca_path[64];
	char self_pin[128];
	char leaf_pin[128];
	char expired_pin[128];
} g;

static int group_setup(void **state)
{
	(void)state;
	g.ca = make_cert("tn test CA", NULL, true, NULL, 1, -3600, 86400);
	g.leaf = make_cert("test.example", "DNS:test.example,IP:127.0.0.1,IP:::1", false,
			   &g.ca, 2, -3600, 86400);
	g.self = make_cert("derp.test", "DNS:derp.test,IP:127.0.0.1", false, NULL, 3,
			   -3600, 86400);
	/* derpserver: CN "derpkey" + the server's public key in hex; serial
	 * is the protocol version. */
	g.meta = make_cert("derpkey0123456789abcdef0123456789abcdef0123456789abcdef01234567",
			   NULL, false, NULL, 2, -3600, 86400);
	g.expired = make_cert("derp.test", "IP:127.0.0.1", false, NULL, 4, -2 * 86400, -86400);
	g.leaf_ctx = server_ctx(&g.leaf, NULL);
	g.self_ctx = server_ctx(&g.self, NULL);
	g.self_meta_ctx = server_ctx(&g.self, &g.meta);
	g.self_extra_ctx = server_ctx(&g.self, &g.leaf);
	g.expired_ctx = server_ctx(&g.expired, NULL);
	write_pem(&g.ca, g.ca_path, sizeof(g.ca_path));
	cert_pin(&g.self, g.self_pin, sizeof(g.self_pin));
	cert_pin(&g.leaf, g.leaf_pin, sizeof(g.leaf_pin));
	cert_pin(&g.expired, g.expired_pin, sizeof(g.expired_pin));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(g.ca_path);
	SSL_CTX_free(g.leaf_ctx);
	SSL_CTX_free(g.self_ctx);
	SSL_CTX_free(g.self_meta_ctx);
	SSL_CTX_free(g.self_extra_ctx);
	SSL_CTX_free(g.expired_ctx);
	cert_free(&g.ca);
	cert_free(&g.leaf);
	cert_free(&g.self);
	cert_free(&g.meta);
	cert_free(&g.expired);
	return 0;
}

static int setup(void **state)
{
	*state = tn_loop_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	tn_loop_free(*state);
	return 0;
}

/* Dial p with opts, send "hello", expect it back; returns false (and
 * leaves the error in cl) if the connection failed instead. */
static bool echo_hello(struct tn_loop *loop, struct peer *p, const char *host,
		       const struct tn_tls_opts *opts, struct client *cl)
{
	assert_int_equal(tn_conn_dial(loop, host, p->port, opts, TIMEOUT, client_cb, cl,
				      &cl->c), 0);
	assert_int_equal(tn_conn_write(cl->c, "hello", 5), 5);
	RUN_UNTIL(loop, cl->in_len == 5 || cl->final);
	if (cl->final)
		return false;
	assert_int_equal(cl->n[TN_CONN_CONNECTED], 1);
	assert_memory_equal(cl->in, "hello", 5);
	return true;
}

/* Dial, expect ERROR with exactly this message. */
static void expect_failure(struct tn_loop *loop, SSL_CTX *ctx, const char *host,
			   const struct tn_tls_opts *opts, const char *want)
{
	struct client cl = { 0 };
	struct peer p;

	assert_int_equal(peer_start(&p, loop, AF_INET, ctx, PEER_ECHO), 0);
	assert_false(echo_hello(loop, &p, host, opts, &cl));
	assert_int_equal(cl.n[TN_CONN_CONNECTED], 0);
	assert_int_equal(cl.n[TN_CONN_ERROR], 1);
	assert_string_equal(cl.error, want);
	assert_int_equal(cl.error_code, -EPROTO);
	/* The server saw the handshake fail (our alert), not succeed. */
	RUN_UNTIL(loop, p.handshake_failures == 1);
	assert_int_equal(p.handshake_failures, 1);
	assert_int_equal(p.handshakes, 0);
	client_free(&cl);
	peer_stop(&p);
}

static void verify_fails_without_ca_file(void **state)
{
	struct tn_tls_opts o = { .server_name = "test.example" };

	expect_failure(*state, g.leaf_ctx, "127.0.0.1", &o,
		       "TLS: certificate verify failed: unable to get local issuer certificate");
}

static void verify_succeeds_with_ca_file(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .server_name = "test.example", .ca_file = g.ca_path };
	struct client cl = { 0 };
	struct peer p;

	assert_int_equal(peer_start(&p, loop, AF_INET, g.leaf_ctx, PEER_ECHO), 0);
	assert_true(echo_hello(loop, &p, "127.0.0.1", &o, &cl));
	assert_true(p.saw_sni);
	assert_string_equal(p.sni, "test.example");
	assert_string_equal(p.alpn, "");
	assert_non_null(tn_conn_ssl(cl.c));
	assert_true(SSL_version(tn_conn_ssl(cl.c)) >= TLS1_2_VERSION);
	client_free(&cl);
	peer_stop(&p);
}

/* An IP literal is verified against the IP SAN and never sent as SNI. */
static void ip_literal_verified_without_sni(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .ca_file = g.ca_path };
	struct client cl = { 0 };
	struct peer p;

	assert_int_equal(peer_start(&p, loop, AF_INET, g.leaf_ctx, PEER_ECHO), 0);
	assert_true(echo_hello(loop, &p, "127.0.0.1", &o, &cl));
	assert_false(p.saw_sni);
	client_free(&cl);
	peer_stop(&p);
}

static void wrong_server_name_fails(void **state)
{
	struct tn_tls_opts o = { .server_name = "wrong.example", .ca_file = g.ca_path };

	expect_failure(*state, g.leaf_ctx, "127.0.0.1", &o,
		       "TLS: certificate verify failed: hostname mismatch (want wrong.example)");
}

/* The subject CN alone never counts (Go ignores it too). */
static void common_name_is_not_a_name(void **state)
{
	struct tn_loop *loop = *state;
	struct cert cn_only = make_cert("cn.example", "IP:127.0.0.1", false, &g.ca, 9,
					-3600, 86400);
	SSL_CTX *ctx = server_ctx(&cn_only, NULL);
	struct tn_tls_opts o = { .server_name = "cn.example", .ca_file = g.ca_path };

	expect_failure(loop, ctx, "127.0.0.1", &o,
		       "TLS: certificate verify failed: hostname mismatch (want cn.example)");
	SSL_CTX_free(ctx);
	cert_free(&cn_only);
}

/* SNI says one name, the certificate is checked for another (DERP
 * CertName without a pin). */
static void cert_name_differs_from_sni(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .server_name = "front.example", .cert_name = "test.example",
				 .ca_file = g.ca_path };
	struct client cl = { 0 };
	struct peer p;

	assert_int_equal(peer_start(&p, loop, AF_INET, g.leaf_ctx, PEER_ECHO), 0);
	assert_true(echo_hello(loop, &p, "127.0.0.1", &o, &cl));
	assert_string_equal(p.sni, "front.example");
	client_free(&cl);
	peer_stop(&p);
}

static void insecure_accepts_self_signed(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .insecure = true };
	struct client cl = { 0 };
	struct peer p;

	assert_int_equal(peer_start(&p, loop, AF_INET, g.self_ctx, PEER_ECHO), 0);
	assert_true(echo_hello(loop, &p, "127.0.0.1", &o, &cl));
	client_free(&cl);
	peer_stop(&p);
}

static void pin_accepts_exact_cert(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .cert_pin = g.self_pin };
	struct client a = { 0 }, b = { 0 }, c = { 0 };
	struct tn_tls_opts named = { .cert_pin = g.self_pin, .server_name = "derp.test" };
	struct peer p, pm;

	assert_int_equal(peer_start(&p, loop, AF_INET, g.self_ctx, PEER_ECHO), 0);
	assert_true(echo_hello(loop, &p, "127.0.0.1", &o, &a));
	assert_true(echo_hello(loop, &p, "127.0.0.1", &named, &c));
	/* DERP's meta certificate beside the pinned one is not "another
	 * cert"; the DERP client reads it from the session. */
	assert_int_equal(peer_start(&pm, loop, AF_INET, g.self_meta_ctx, PEER_ECHO), 0);
	assert_true(echo_hello(loop, &pm, "127.0.0.1", &o, &b));
	assert_int_equal(sk_X509_num(SSL_get_peer_cert_chain(tn_conn_ssl(b.c))), 2);
	client_free(&a);
	client_free(&b);
	client_free(&c);
	peer_stop(&p);
	peer_stop(&pm);
}

static void pin_rejects_other_cert(void **state)
{
	struct tn_tls_opts o = { .cert_pin = g.leaf_pin };
	struct tn_tls_opts insecure = { .cert_pin = g.leaf_pin, .insecure = true };
	char upper[128];

	expect_failure(*state, g.self_ctx, "127.0.0.1", &o,
		       "TLS: certificate verify failed: cert hash does not match expected cert hash");
	/* insecure does not switch a pin off (derphttp: InsecureForTests
	 * with a CertName still checks the hash). */
	expect_failure(*state, g.self_ctx, "127.0.0.1", &insecure,
		       "TLS: certificate verify failed: cert hash does not match expected cert hash");
	/* Hex of either case names the same certificate. */
	snprintf(upper, sizeof(upper), "%s", g.self_pin);
	for (char *s = upper + strlen(TN_TLS_PIN_PREFIX); *s; s++)
		*s = (char)toupper((unsigned char)*s);
	o.cert_pin = upper;
	{
		struct client cl = { 0 };
		struct peer p;

		assert_int_equal(peer_start(&p, *state, AF_INET, g.self_ctx, PEER_ECHO), 0);
		assert_true(echo_hello(*state, &p, "127.0.0.1", &o, &cl));
		client_free(&cl);
		peer_stop(&p);
	}
}

static void pin_checks_dns_name(void **state)
{
	struct tn_tls_opts o = { .cert_pin = g.self_pin, .server_name = "other.example" };

	expect_failure(*state, g.self_ctx, "127.0.0.1", &o,
		       "TLS: certificate verify failed: cert does not match server name other.example");
}

static void pin_rejects_expired_and_extra_certs(void **state)
{
	struct tn_tls_opts expired = { .cert_pin = g.expired_pin };
	struct tn_tls_opts o = { .cert_pin = g.self_pin };

	expect_failure(*state, g.expired_ctx, "127.0.0.1", &expired,
		       "TLS: certificate verify failed: cert expired");
	expect_failure(*state, g.self_extra_ctx, "127.0.0.1", &o,
		       "TLS: certificate verify failed: unexpected multiple certs presented");
}

static void ca_file_problems_are_errors(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts missing = { .ca_file = "/nonexistent/ca.pem" };
	struct tn_tls_opts garbage = { .ca_file = "/dev/null" };
	struct client a = { 0 }, b = { 0 };

	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", 443, &missing, TIMEOUT, client_cb,
				      &a, &a.c), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", 443, &garbage, TIMEOUT, client_cb,
				      &b, &b.c), 0);
	assert_int_equal(a.n[TN_CONN_ERROR], 0);          /* not inside dial */
	RUN_UNTIL(loop, a.final && b.final);
	assert_string_equal(a.error,
			    "TLS: loading CA file /nonexistent/ca.pem: no such file or directory");
	assert_int_equal(a.error_code, -ENOENT);
	assert_int_equal(b.error_code, -EIO);
	assert_non_null(strstr(b.error, "TLS: loading CA file /dev/null: "));
	client_free(&a);
	client_free(&b);
}

static void alpn_negotiated(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .insecure = true, .alpn = "h2,http/1.1" };
	struct client cl = { 0 };
	struct peer p;
	const unsigned char *proto = NULL;
	unsigned len = 0;

	assert_int_equal(peer_start(&p, loop, AF_INET, g.self_ctx, PEER_ECHO), 0);
	assert_true(echo_hello(loop, &p, "127.0.0.1", &o, &cl));
	SSL_get0_alpn_selected(tn_conn_ssl(cl.c), &proto, &len);
	assert_int_equal(len, 2);
	assert_memory_equal(proto, "h2", 2);
	assert_string_equal(p.alpn, "h2");
	client_free(&cl);
	peer_stop(&p);
}

/* A server that accepts TCP and never answers the ClientHello. */
static void handshake_times_out(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .insecure = true };
	struct client cl = { 0 };
	struct peer p;
	char want[128];
	uint64_t t0 = mono_ms();

	assert_int_equal(peer_start(&p, loop, AF_INET, NULL, PEER_SILENT), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, &o, 300 * MS, client_cb, &cl,
				      &cl.c), 0);
	RUN_UNTIL(loop, cl.final);
	snprintf(want, sizeof(want), "TLS handshake with 127.0.0.1:%u: timed out after 0.3 s",
		 p.port);
	assert_string_equal(cl.error, want);
	assert_int_equal(cl.error_code, -ETIMEDOUT);
	assert_true(mono_ms() - t0 >= 290);
	client_free(&cl);
	peer_stop(&p);
}

static void plaintext_server_fails_handshake(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .insecure = true };
	struct client cl = { 0 };
	struct peer p;

	assert_int_equal(peer_start(&p, loop, AF_INET, NULL, PEER_SCRIPT), 0);
	p.script = (const uint8_t *)"HTTP/1.1 400 Bad Request\r\n\r\n";
	p.script_len = strlen((const char *)p.script);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, &o, TIMEOUT, client_cb, &cl,
				      &cl.c), 0);
	RUN_UNTIL(loop, cl.final);
	assert_int_equal(cl.error_code, -EPROTO);
	assert_string_equal(cl.error, "TLS handshake: wrong version number");
	client_free(&cl);
	peer_stop(&p);
}

/* One 16000-byte record read 100 bytes per READABLE: after the first read
 * the socket is quiet and the rest sits decrypted inside OpenSSL, so only
 * the connection's own re-announcement can deliver it. */
static void data_buffered_in_openssl_is_announced(void **state)
{
	enum { LEN = 16000 };
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .insecure = true };
	struct client cl = { .read_chunk = 100, .one_read_per_event = true };
	struct peer p;
	static uint8_t data[LEN];

	pattern(data, LEN, 3);
	assert_int_equal(peer_start(&p, loop, AF_INET, g.self_ctx, PEER_SCRIPT), 0);
	p.script = data;
	p.script_len = LEN;
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, &o, TIMEOUT, client_cb, &cl,
				      &cl.c), 0);
	RUN_UNTIL(loop, cl.in_len == LEN || cl.final);
	assert_int_equal(cl.in_len, LEN);
	assert_memory_equal(cl.in, data, LEN);
	assert_true(cl.n[TN_CONN_READABLE] >= LEN / 100);
	client_free(&cl);
	peer_stop(&p);
}

static void peer_close_with_and_without_close_notify(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .insecure = true };
	struct client a = { 0 }, b = { 0 };
	struct peer pa, pb;

	assert_int_equal(peer_start(&pa, loop, AF_INET, g.self_ctx, PEER_SCRIPT), 0);
	pa.script = (const uint8_t *)"bye";
	pa.script_len = 3;
	pa.close_after_script = true;
	assert_int_equal(peer_start(&pb, loop, AF_INET, g.self_ctx, PEER_SCRIPT), 0);
	pb.script = (const uint8_t *)"bye";
	pb.script_len = 3;
	pb.abort_after_script = true;   /* TCP FIN without close_notify */
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", pa.port, &o, TIMEOUT, client_cb, &a,
				      &a.c), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", pb.port, &o, TIMEOUT, client_cb, &b,
				      &b.c), 0);
	RUN_UNTIL(loop, a.final && b.final);
	assert_int_equal(a.n[TN_CONN_CLOSED], 1);
	assert_int_equal(b.n[TN_CONN_CLOSED], 1);
	assert_int_equal(a.in_len, 3);
	assert_int_equal(b.in_len, 3);
	assert_memory_equal(a.in, "bye", 3);
	assert_memory_equal(b.in, "bye", 3);
	assert_int_equal(tn_conn_write(a.c, "x", 1), -EPIPE);
	run_for(loop, 50);
	assert_int_equal(a.events_after_final + b.events_after_final, 0);
	client_free(&a);
	client_free(&b);
	peer_stop(&pa);
	peer_stop(&pb);
}

static void large_transfer_both_ways(void **state)
{
	enum { LEN = 1 << 20 };
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .server_name = "test.example", .ca_file = g.ca_path };
	struct client cl = { 0 };
	struct peer p;
	uint8_t *data = malloc(LEN);

	assert_non_null(data);
	pattern(data, LEN, 11);
	assert_int_equal(peer_start(&p, loop, AF_INET, g.leaf_ctx, PEER_ECHO), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, &o, TIMEOUT, client_cb, &cl,
				      &cl.c), 0);
	/* Half before the handshake (buffered), half after. */
	assert_int_equal(tn_conn_write(cl.c, data, LEN / 2), LEN / 2);
	RUN_UNTIL(loop, cl.n[TN_CONN_CONNECTED] == 1 || cl.final);
	for (size_t off = LEN / 2; off < LEN; off += 65536)
		assert_int_equal(tn_conn_write(cl.c, data + off, 65536), 65536);
	RUN_UNTIL(loop, cl.in_len >= LEN || cl.final);
	assert_false(cl.final);
	assert_int_equal(cl.in_len, LEN);
	assert_memory_equal(cl.in, data, LEN);
	assert_int_equal(tn_conn_pending_output(cl.c), 0);
	assert_true(p.conns[0].received == LEN);
	free(data);
	client_free(&cl);
	peer_stop(&p);
}

static void close_inside_tls_callbacks(void **state)
{
	struct tn_loop *loop = *state;
	struct tn_tls_opts o = { .insecure = true };
	struct client a = { .close_on = TN_CONN_READABLE + 1 };
	struct client b = { .close_on = TN_CONN_CONNECTED + 1 };
	struct client e = { .close_on = TN_CONN_ERROR + 1 };
	struct tn_tls_opts bad = { .cert_pin = g.leaf_pin };
	struct peer p;

	assert_int_equal(peer_start(&p, loop, AF_INET, g.self_ctx, PEER_ECHO), 0);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, &o, TIMEOUT, client_cb, &a,
				      &a.c), 0);
	assert_int_equal(tn_conn_write(a.c, "hello", 5), 5);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, &o, TIMEOUT, client_cb, &b,
				      &b.c), 0);
	assert_int_equal(tn_conn_write(b.c, "hello", 5), 5);
	assert_int_equal(tn_conn_dial(loop, "127.0.0.1", p.port, &bad, TIMEOUT, client_cb, &e,
				      &e.c), 0);
	RUN_UNTIL(loop, a.closed_in_cb && b.closed_in_cb && e.closed_in_cb);
	assert_true(a.closed_in_cb && b.closed_in_cb && e.closed_in_cb);
	run_for(loop, 50);
	assert_int_equal(a.n[TN_CONN_READABLE], 1);
	assert_int_equal(b.n[TN_CONN_READABLE] + b.n[TN_CONN_WRITABLE], 0);
	assert_int_equal(e.n[TN_CONN_ERROR], 1);
	client_free(&a);
	client_free(&b);
	client_free(&e);
	peer_stop(&p);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(verify_fails_without_ca_file),
		T(verify_succeeds_with_ca_file),
		T(ip_literal_verified_without_sni),
		T(wrong_server_name_fails),
		T(common_name_is_not_a_name),
		T(cert_name_differs_from_sni),
		T(insecure_accepts_self_signed),
		T(pin_accepts_exact_cert),
		T(pin_rejects_other_cert),
		T(pin_checks_dns_name),
		T(pin_rejects_expired_and_extra_certs),
		T(ca_file_problems_are_errors),
		T(alpn_negotiated),
		T(handshake_times_out),
		T(plaintext_server_fails_handshake),
		T(data_buffered_in_openssl_is_announced),
		T(peer_close_with_and_without_close_notify),
		T(large_transfer_both_ways),
		T(close_inside_tls_callbacks),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* The LocalAPI server on a real Unix socket, driven from the test's own
 * event loop: tailscaled's banner, the Host/Origin/Referer refusals, 404,
 * 405, body limits, malformed heads, query decoding, an answer given later
 * from a timer, and a stream whose client leaves (on_gone runs, once). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "localapi/server.h"

static struct tn_loop *loop;
static struct tn_localapi *api;
static char sock_path[108];
static struct tn_localapi_req *pending;
static int gone_calls;
static char seen_query[64];

static void h_echo(void *ctx, struct tn_localapi_req *req)
{
	char v[64] = "";

	tn_localapi_query(req, "q", v, sizeof(v));
	snprintf(seen_query, sizeof(seen_query), "%s", v);
	tn_localapi_reply(req, 200, "text/plain", req->body, req->body_len);
}

static void later(struct tn_timer *t, void *arg)
{
	tn_localapi_reply_json(pending, 200, json_pack("{ss}", "late", "yes"));
	pending = NULL;
}

static void h_later(void *ctx, struct tn_localapi_req *req)
{
	struct tn_timer *t = tn_timer_new(loop, later, NULL);

	pending = req;
	tn_timer_arm(t, 20 * 1000000ULL, 0);
}

static void gone(struct tn_localapi_req *req)
{
	gone_calls++;
	pending = NULL;
}

static void h_stream(void *ctx, struct tn_localapi_req *req)
{
	assert_int_equal(tn_localapi_stream_begin(req, "application/json"), 0);
	assert_int_equal(tn_localapi_stream_write(req, "{\"n\":1}\n", 8), 0);
	req->on_gone = gone;
	pending = req;
}

static void h_write(void *ctx, struct tn_localapi_req *req)
{
	tn_localapi_reply(req, 204, NULL, NULL, 0);
}

static const struct tn_localapi_route routes[] = {
	{ "echo", "GET,POST", false, h_echo },
	{ "later", "GET", false, h_later },
	{ "stream", "GET", false, h_stream },
	{ "write", "POST", true, h_write },
};

static int setup(void **state)
{
	struct tn_localapi_options o = {
		.socket_path = sock_path, .version = "9.9.9", .capability_version = 116,
		.routes = routes, .n_routes = sizeof(routes) / sizeof(routes[0]),
	};
	char err[256];

	snprintf(sock_path, sizeof(sock_path), "/tmp/tn-localapi-%d.sock", (int)getpid());
	loop = tn_loop_new();
	api = tn_localapi_new(loop, &o, err, sizeof(err));
	assert_non_null(api);
	return 0;
}

static int teardown(void **state)
{
	tn_localapi_free(api);
	tn_loop_free(loop);
	assert_int_equal(access(sock_path, F_OK), -1); /* the socket file goes */
	return 0;
}

static int connect_client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, sock_path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Sends raw and collects the answer until the server closes (or until
 * `until` appears in it), running the loop meanwhile. */
static char *exchange_fd(int fd, const char *raw, size_t rawlen, const char *until)
{
	static char buf[65536];
	size_t n = 0;

	assert_int_equal(send(fd, raw, rawlen, MSG_NOSIGNAL), (ssize_t)rawlen);
	for (int i = 0; i < 500; i++) {
		ssize_t r;

		tn_loop_run_once(loop, 5);
		while ((r = recv(fd, buf + n, sizeof(buf) - 1 - n, 0)) > 0)
			n += (size_t)r;
		buf[n] = 0;
		if (r == 0 || (until && strstr(buf, until)))
			return buf;
	}
	fail_msg("no answer to %.40s (got %zu bytes: %.200s)", raw, n, buf);
	return NULL;
}

static char *exchange(const char *raw)
{
	int fd = connect_client();
	char *out = exchange_fd(fd, raw, strlen(raw), NULL);

	close(fd);
	return out;
}

static void banner_and_headers(void **state)
{
	char *r = exchange("GET / HTTP/1.1\r\nHost: local-tailscaled.sock\r\n\r\n");

	assert_non_null(strstr(r, "HTTP/1.1 200 "));
	assert_non_null(strstr(r, "\r\n\r\ntailscaled\n"));
	assert_non_null(strstr(r, "Tailscale-Version: 9.9.9\r\n"));
	assert_non_null(strstr(r, "Tailscale-Cap: 116\r\n"));
	assert_non_null(strstr(r, "X-Frame-Options: DENY\r\n"));
}

static void browsers_refused(void **state)
{
	assert_non_null(strstr(exchange("GET /localapi/v0/echo HTTP/1.1\r\nHost: local-tailscaled.sock\r\nOrigin: http://x\r\n\r\n"),
			       "HTTP/1.1 403 "));
	assert_non_null(strstr(exchange("GET /localapi/v0/echo HTTP/1.1\r\nHost: local-tailscaled.sock\r\nReferer: http://x/\r\n\r\n"),
			       "HTTP/1.1 403 "));
	assert_non_null(strstr(exchange("GET /localapi/v0/echo HTTP/1.1\r\nHost: evil.example\r\n\r\n"),
			       "HTTP/1.1 403 "));
	assert_non_null(strstr(exchange("GET /localapi/v0/echo HTTP/1.1\r\nHost: local-tailscaled.sock\r\n\r\n"), "HTTP/1.1 200 "));
}

static void routing_errors(void **state)
{
	assert_non_null(strstr(exchange("GET /localapi/v0/nope HTTP/1.1\r\nHost: local-tailscaled.sock\r\n\r\n"), "HTTP/1.1 404 "));
	assert_non_null(strstr(exchange("GET /other HTTP/1.1\r\nHost: local-tailscaled.sock\r\n\r\n"), "HTTP/1.1 404 "));
	assert_non_null(strstr(exchange("DELETE /localapi/v0/echo HTTP/1.1\r\nHost: local-tailscaled.sock\r\n\r\n"), "HTTP/1.1 405 "));
	/* Root may write (this test runs as root or as the daemon's user). */
	assert_non_null(strstr(exchange("POST /localapi/v0/write HTTP/1.1\r\nHost: local-tailscaled.sock\r\nContent-Length: 0\r\n\r\n"),
			       "HTTP/1.1 204 "));
}

static void bodies_and_queries(void **state)
{
	char *r = exchange("POST /localapi/v0/echo?q=a%20b%2Bc&x=1 HTTP/1.1\r\nHost: local-tailscaled.sock\r\nContent-Length: 5\r\n\r\nhello");

	assert_non_null(strstr(r, "HTTP/1.1 200 "));
	assert_non_null(strstr(r, "\r\n\r\nhello"));
	assert_string_equal(seen_query, "a b+c");
	r = exchange("POST /localapi/v0/echo HTTP/1.1\r\nHost: local-tailscaled.sock\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
	assert_non_null(strstr(r, "\r\n\r\nabcde"));
	r = exchange("POST /localapi/v0/echo HTTP/1.1\r\nHost: local-tailscaled.sock\r\nContent-Length: 99999999\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 413 "));
}

static void malformed_heads(void **state)
{
	static const char *bad[] = {
		"GARBAGE\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: local-tailscaled.sock\r\nX: a\r\n folded\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: local-tailscaled.sock\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *r = exchange(bad[i]);

		assert_true(!strncmp(r, "HTTP/1.1 4", 10) || !strncmp(r, "HTTP/1.1 5", 10));
	}
	/* ...and the server still answers. */
	assert_non_null(strstr(exchange("GET / HTTP/1.1\r\nHost: local-tailscaled.sock\r\n\r\n"), "tailscaled"));
}

static void answer_later(void **state)
{
	char *r = exchange("GET /localapi/v0/later HTTP/1.1\r\nHost: local-tailscaled.sock\r\n\r\n");

	assert_non_null(strstr(r, "HTTP/1.1 200 "));
	assert_non_null(strstr(r, "\"late\": \"yes\""));
}

static void stream_until_client_leaves(void **state)
{
	const char *req = "GET /localapi/v0/stream HTTP/1.1\r\nHost: local-tailscaled.sock\r\n\r\n";
	int fd = connect_client();
	char *r = exchange_fd(fd, req, strlen(req), "{\"n\":1}");

	assert_non_null(strstr(r, "Transfer-Encoding: chunked"));
	assert_non_null(pending);
	assert_int_equal(tn_localapi_stream_write(pending, "{\"n\":2}\n", 8), 0);
	r = exchange_fd(fd, "", 0, "{\"n\":2}");
	assert_non_null(r);
	gone_calls = 0;
	close(fd);
	for (int i = 0; i < 50 && !gone_calls; i++)
		tn_loop_run_once(loop, 5);
	assert_int_equal(gone_calls, 1);
	assert_null(pending);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(banner_and_headers),
		cmocka_unit_test(browsers_refused),
		cmocka_unit_test(routing_errors),
		cmocka_unit_test(bodies_and_queries),
		cmocka_unit_test(malformed_heads),
		cmocka_unit_test(answer_later),
		cmocka_unit_test(stream_until_client_leaves),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

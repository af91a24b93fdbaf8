/* HTTP proxy requests (src/netstack/httpproxy.c): CONNECT targets,
 * absolute URLs, the head forwarded to the origin (hop-by-hop fields gone,
 * Host from the URL, Connection: close), refusals, error responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netstack/httpproxy.h"

static struct tn_http1_head *head(const char *text)
{
	static struct tn_http1_head h;

	tn_http1_head_init(&h, TN_HTTP1_REQUEST);
	assert_int_equal(tn_http1_head_feed(&h, text, strlen(text)), (int)strlen(text));
	return &h;
}

static int parse(const char *text, struct tn_httpproxy_req *r, const char **why)
{
	return tn_httpproxy_parse(head(text), r, why);
}

static void connect_targets(void **state)
{
	struct tn_httpproxy_req r;
	const char *why;

	(void)state;
	assert_int_equal(parse("CONNECT n1:443 HTTP/1.1\r\nHost: n1:443\r\n\r\n", &r, &why), 0);
	assert_true(r.connect);
	assert_string_equal(r.host, "n1");
	assert_int_equal(r.port, 443);
	assert_string_equal(r.authority, "n1:443");
	assert_int_equal(parse("CONNECT [fd7a:115c:a1e0::1]:22 HTTP/1.1\r\nHost: x\r\n\r\n", &r, &why), 0);
	assert_string_equal(r.host, "fd7a:115c:a1e0::1");
	assert_int_equal(r.port, 22);
	assert_int_equal(parse("CONNECT 100.64.0.1:65535 HTTP/1.1\r\nHost: x\r\n\r\n", &r, &why), 0);
	assert_int_equal(r.port, 65535);

	static const char *const bad[] = {
		"CONNECT n1 HTTP/1.1\r\nHost: x\r\n\r\n",               /* no port */
		"CONNECT n1:0 HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT n1:65536 HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT n1:8x HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT :80 HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT [::1:80 HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT [nothex]:80 HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT a:b:80 HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT a%2f:80 HTTP/1.1\r\nHost: x\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &r, &why), 400);
		assert_true(why[0] != '\0');
	}
}

static void absolute_urls(void **state)
{
	struct tn_httpproxy_req r;
	const char *why;

	(void)state;
	assert_int_equal(parse("GET http://n1:8000/a/b?c=d HTTP/1.1\r\nHost: n1:8000\r\n\r\n", &r, &why), 0);
	assert_false(r.connect);
	assert_string_equal(r.host, "n1");
	assert_int_equal(r.port, 8000);
	assert_int_equal(r.path_len, 8);
	assert_memory_equal(r.path, "/a/b?c=d", 8);
	assert_int_equal(parse("GET HTTP://N1.Example HTTP/1.1\r\nHost: x\r\n\r\n", &r, &why), 0);
	assert_int_equal(r.port, 80);
	assert_int_equal(r.path_len, 0);
	assert_int_equal(parse("HEAD http://[::1]:81?q HTTP/1.0\r\n\r\n", &r, &why), 0);
	assert_string_equal(r.host, "::1");
	assert_int_equal(r.port, 81);

	assert_int_equal(parse("GET /relative HTTP/1.1\r\nHost: n1\r\n\r\n", &r, &why), 400);
	assert_string_equal(why, "bogus RequestURI; must be absolute URL or CONNECT");
	assert_int_equal(parse("OPTIONS * HTTP/1.1\r\nHost: n1\r\n\r\n", &r, &why), 400);
	assert_int_equal(parse("GET https://n1/ HTTP/1.1\r\nHost: n1\r\n\r\n", &r, &why), 400);
	assert_non_null(strstr(why, "CONNECT"));
	assert_int_equal(parse("GET http://u:p@n1/ HTTP/1.1\r\nHost: n1\r\n\r\n", &r, &why), 400);
	assert_int_equal(parse("GET http:///x HTTP/1.1\r\nHost: n1\r\n\r\n", &r, &why), 400);
	assert_int_equal(parse("GET ftp://n1/ HTTP/1.1\r\nHost: n1\r\n\r\n", &r, &why), 400);
}

static void rewrite(void **state)
{
	struct tn_httpproxy_req r;
	struct tn_http1_head *h, again;
	const char *why;
	char out[4096];
	int n;

	(void)state;
	h = head("POST http://n1:8000/up?x=1 HTTP/1.1\r\n"
		 "Host: wrong\r\n"
		 "Proxy-Connection: keep-alive\r\n"
		 "Proxy-Authorization: Basic eA==\r\n"
		 "Connection: keep-alive, X-Hop\r\n"
		 "X-Hop: 1\r\n"
		 "Keep-Alive: 300\r\n"
		 "TE: trailers\r\n"
		 "Upgrade: h2c\r\n"
		 "Content-Length: 3\r\n"
		 "X-Kept: yes\r\n\r\n");
	assert_int_equal(tn_httpproxy_parse(h, &r, &why), 0);
	assert_false(r.upgrade);
	n = tn_httpproxy_rewrite(h, &r, out, sizeof(out));
	assert_true(n > 0);
	assert_string_equal(out, "POST /up?x=1 HTTP/1.1\r\n"
				 "Host: n1:8000\r\n"
				 "Content-Length: 3\r\n"
				 "X-Kept: yes\r\n"
				 "Connection: close\r\n\r\n");
	tn_http1_head_init(&again, TN_HTTP1_REQUEST);
	assert_int_equal(tn_http1_head_feed(&again, out, (size_t)n), n);

	/* No path: "/"; a query alone: "/?q". */
	h = head("GET http://n1 HTTP/1.1\r\nHost: n1\r\n\r\n");
	assert_int_equal(tn_httpproxy_parse(h, &r, &why), 0);
	assert_true(tn_httpproxy_rewrite(h, &r, out, sizeof(out)) > 0);
	assert_string_equal(out, "GET / HTTP/1.1\r\nHost: n1\r\nConnection: close\r\n\r\n");
	h = head("GET http://n1?q HTTP/1.1\r\nHost: n1\r\n\r\n");
	assert_int_equal(tn_httpproxy_parse(h, &r, &why), 0);
	assert_true(tn_httpproxy_rewrite(h, &r, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "GET /?q HTTP/1.1\r\n"));

	/* An upgrade keeps Upgrade and asks for it. */
	h = head("GET http://n1/ws HTTP/1.1\r\nHost: n1\r\nConnection: Upgrade\r\n"
		 "Upgrade: websocket\r\n\r\n");
	assert_int_equal(tn_httpproxy_parse(h, &r, &why), 0);
	assert_true(r.upgrade);
	assert_true(tn_httpproxy_rewrite(h, &r, out, sizeof(out)) > 0);
	assert_string_equal(out, "GET /ws HTTP/1.1\r\nHost: n1\r\nUpgrade: websocket\r\n"
				 "Connection: Upgrade\r\n\r\n");
	assert_int_equal(tn_httpproxy_rewrite(h, &r, out, 20), -ENOSPC);

	/* CONNECT has nothing to rewrite. */
	h = head("CONNECT n1:1 HTTP/1.1\r\nHost: n1\r\n\r\n");
	assert_int_equal(tn_httpproxy_parse(h, &r, &why), 0);
	assert_int_equal(tn_httpproxy_rewrite(h, &r, out, sizeof(out)), -EINVAL);
}

static void errors(void **state)
{
	struct tn_http1_head resp;
	char out[1024];
	int n;

	(void)state;
	n = tn_httpproxy_error(out, sizeof(out), 500, "dial tcp n1:1: refused\r\nX-Evil: 1",
			       "dial tcp n1:1: refused\n");
	assert_true(n > 0);
	tn_http1_head_init(&resp, TN_HTTP1_RESPONSE);
	assert_true(tn_http1_head_feed(&resp, out, (size_t)n) > 0);
	assert_int_equal(resp.status, 500);
	assert_string_equal(tn_http1_header(&resp, "Tailscale-Connect-Error"), "dial tcp n1:1: refused");
	assert_null(tn_http1_header(&resp, "X-Evil"));
	assert_string_equal(tn_http1_header(&resp, "Connection"), "close");
	assert_string_equal(out + n - (int)strlen("dial tcp n1:1: refused  X-Evil: 1\n"),
			    "dial tcp n1:1: refused  X-Evil: 1\n");
	assert_int_equal(atoi(tn_http1_header(&resp, "Content-Length")),
			 (int)strlen("dial tcp n1:1: refused  X-Evil: 1\n"));
	n = tn_httpproxy_error(out, sizeof(out), 400, "bad", NULL);
	assert_true(n > 0);
	assert_null(strstr(out, "Tailscale-Connect-Error"));
	assert_int_equal(tn_httpproxy_error(out, 40, 400, "bad", NULL), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connect_targets),
		cmocka_unit_test(absolute_urls),
		cmocka_unit_test(rewrite),
		cmocka_unit_test(errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

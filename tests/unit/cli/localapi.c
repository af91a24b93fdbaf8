/* Reading the daemon's answers: Content-Length, chunked and until-close
 * bodies, the IPN bus stream, malformed and oversized input, and how
 * errors are worded (as Go's client words them). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/localapi.h"
#include "util/clock.h"

static int memfd(const char *data, size_t len)
{
	int fd = memfd_create("response", 0);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static int read_resp(const char *data, struct tn_cli_response *r, char *err)
{
	int fd = memfd(data, strlen(data));
	int rc = tn_cli_localapi_read_response(fd, 0, r, err, TN_CLI_ERROR_MAX);
	close(fd);
	return rc;
}

static void bodies_in_every_framing(void **state)
{
	struct tn_cli_response r;
	char err[TN_CLI_ERROR_MAX];

	assert_int_equal(read_resp("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{}\nextra", &r, err), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.reason, "OK");
	assert_int_equal(r.body_len, 3);
	assert_string_equal(r.body, "{}\n");
	tn_cli_response_free(&r);

	assert_int_equal(read_resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				   "3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n", &r, err), 0);
	assert_string_equal(r.body, "{\"a\":1}");
	tn_cli_response_free(&r);

	assert_int_equal(read_resp("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n404 page not found\n", &r, err), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, "404 page not found\n");
	tn_cli_response_free(&r);

	assert_int_equal(read_resp("HTTP/1.1 204 No Content\r\nTailscale-Version: x\r\n\r\n", &r, err), 0);
	assert_int_equal(r.status, 204);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(r.body, "");
	tn_cli_response_free(&r);
}

static void malformed_answers_are_errors(void **state)
{
	static const char *const bad[] = {
		"",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"SSH-2.0-OpenSSH\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tn_cli_response r;
		char err[TN_CLI_ERROR_MAX];
		assert_true(read_resp(bad[i], &r, err) < 0);
		assert_true(strlen(err) > 0);
		assert_null(r.body);
	}
	/* Bodies over the limit are refused before reading them. */
	struct tn_cli_response r;
	char err[TN_CLI_ERROR_MAX];
	assert_int_equal(read_resp("HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n", &r, err), -EMSGSIZE);
}

static void times_out_on_a_silent_daemon(void **state)
{
	int sv[2];
	struct tn_cli_response r;
	char err[TN_CLI_ERROR_MAX];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "HTTP/1.1 200 OK\r\n", 17), 17);
	uint64_t t0 = tn_clock_now();
	assert_int_equal(tn_cli_localapi_read_response(sv[0], t0 + 50 * TN_NSEC_PER_MSEC, &r, err, sizeof(err)),
			 -ETIMEDOUT);
	assert_true(tn_clock_now() - t0 >= 50 * TN_NSEC_PER_MSEC);
	close(sv[0]);
	close(sv[1]);
}

static void ipn_bus_lines(void **state)
{
	/* Notifications split across chunks, two in one chunk, an empty line,
	 * and a last one without its newline. */
	const char *in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			 "5\r\n{\"Sta\r\n"
			 "c\r\nte\":2}\n{\"A\":\r\n"
			 "5\r\n1}\n\n{\r\n"
			 "2\r\n}\n\r\n"
			 "3\r\n[1]\r\n"
			 "0\r\n\r\n";
	int fd = memfd(in, strlen(in));
	struct tn_cli_stream s;
	char err[TN_CLI_ERROR_MAX];
	const char *line;
	size_t len;
	static const char *const want[] = { "{\"State\":2}", "{\"A\":1}", "", "{}", "[1]" };

	assert_int_equal(tn_cli_stream_start(&s, fd, 0, err, sizeof(err)), 0);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(tn_cli_stream_next(&s, 0, &line, &len, err, sizeof(err)), 1);
		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(line, want[i], len);
	}
	assert_int_equal(tn_cli_stream_next(&s, 0, &line, &len, err, sizeof(err)), 0);
	tn_cli_stream_close(&s);

	/* A stream cut in the middle of a chunk is an error, not an end. */
	in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"State\"";
	fd = memfd(in, strlen(in));
	assert_int_equal(tn_cli_stream_start(&s, fd, 0, err, sizeof(err)), 0);
	assert_int_equal(tn_cli_stream_next(&s, 0, &line, &len, err, sizeof(err)), -EPIPE);
	tn_cli_stream_close(&s);

	/* A refusal is worded like any other. */
	in = "HTTP/1.1 403 Forbidden\r\nContent-Length: 27\r\n\r\nwatch ipn bus access denied\n";
	fd = memfd(in, strlen(in));
	assert_int_equal(tn_cli_stream_start(&s, fd, 0, err, sizeof(err)), -EACCES);
	assert_string_equal(err, "Access denied: watch ipn bus access denied");
	tn_cli_stream_close(&s);
}

static void errors_worded_like_gos_client(void **state)
{
	static const struct {
		int status;
		const char *reason, *body, *want;
	} cases[] = {
		{ 500, "Internal Server Error", "{\"error\":\"context canceled\"}\n", "context canceled" },
		{ 400, "Bad Request", "{\"Error\":\"bad prefs\"}", "bad prefs" },
		{ 400, "Bad Request", "invalid 'addr' parameter\n", "400 Bad Request: invalid 'addr' parameter" },
		{ 404, "Not Found", "", "404 Not Found: " },
		{ 403, "Forbidden", "prefs write access denied\n", "Access denied: prefs write access denied" },
		{ 412, "Precondition Failed", "{\"error\":\"nope\"}", "Preconditions failed: nope" },
		{ 500, "Internal Server Error", "{\"error\":\"\"}", "500 Internal Server Error: {\"error\":\"\"}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tn_cli_response r = { .status = cases[i].status, .body = (char *)cases[i].body,
					     .body_len = strlen(cases[i].body) };
		char err[TN_CLI_ERROR_MAX];
		snprintf(r.reason, sizeof(r.reason), "%s", cases[i].reason);
		tn_cli_localapi_status_error(&r, err, sizeof(err));
		assert_string_equal(err, cases[i].want);
	}
}

static void no_daemon(void **state)
{
	char err[TN_CLI_ERROR_MAX];
	struct tn_cli_response r;

	assert_int_equal(tn_cli_localapi_do("/nonexistent/tnet.sock", "GET", "/localapi/v0/status?peers=false",
					    NULL, 0, 0, &r, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "Failed to connect to local tailnetd for /localapi/v0/status; not running? "
				 "Error: dial unix /nonexistent/tnet.sock: connect: No such file or directory");
	char longpath[200];
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(tn_cli_localapi_connect(longpath, "/x", err, sizeof(err)), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bodies_in_every_framing),
		cmocka_unit_test(malformed_answers_are_errors),
		cmocka_unit_test(times_out_on_a_silent_daemon),
		cmocka_unit_test(ipn_bus_lines),
		cmocka_unit_test(errors_worded_like_gos_client),
		cmocka_unit_test(no_daemon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

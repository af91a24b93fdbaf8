/* Whole commands against a stand-in LocalAPI on a Unix socket that answers
 * with what tailscaled answered: the requests tnet sends must be the ones
 * Go's CLI sent (bodies captured on tailscaled's socket), byte for byte. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "fixture.h"

struct route {
	const char *request;    /* "GET /localapi/v0/status" (query ignored) */
	int status;
	const char *fixture;    /* body, or NULL for none */
};

struct server {
	int fd;
	char path[108];
	const struct route *routes;
	size_t n_routes;
	char log[65536];        /* "METHOD target\nbody\n" per request */
	size_t log_len;
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			return NULL;
		char buf[16384];
		size_t len = 0;
		char *end = NULL;
		while (!(end = memmem(buf, len, "\r\n\r\n", 4)) && len < sizeof(buf)) {
			ssize_t n = read(c, buf + len, sizeof(buf) - len);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		if (!end) {
			close(c);
			continue;
		}
		size_t head = (size_t)(end - buf) + 4, clen = 0;
		char *cl = strcasestr(buf, "\r\nContent-Length: ");
		if (cl && cl < end)
			clen = strtoul(cl + 18, NULL, 10);
		while (len < head + clen) {
			ssize_t n = read(c, buf + len, sizeof(buf) - len);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		char method[16], target[512];
		sscanf(buf, "%15s %511s", method, target);
		s->log_len += (size_t)snprintf(s->log + s->log_len, sizeof(s->log) - s->log_len, "%s %s\n%.*s\n",
					       method, target, (int)clen, buf + head);
		char req[600];
		snprintf(req, sizeof(req), "%s %.*s", method, (int)strcspn(target, "?"), target);
		const struct route *r = NULL;
		for (size_t i = 0; i < s->n_routes; i++)
			if (!strcmp(s->routes[i].request, req))
				r = &s->routes[i];
		size_t blen = 0;
		char *body = r && r->fixture ? fixture(r->fixture, &blen) : NULL;
		char out[256];
		int n = snprintf(out, sizeof(out), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n\r\n",
				 r ? r->status : 404, blen);
		if (write(c, out, (size_t)n) < 0 || (blen && write(c, body, blen) < 0))
			fprintf(stderr, "stand-in LocalAPI: write failed\n");
		free(body);
		close(c);
	}
}

static void start(struct server *s, const struct route *routes, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memset(s, 0, sizeof(*s));
	s->routes = routes;
	s->n_routes = n;
	snprintf(s->path, sizeof(s->path), "/tmp/tnet-unit-%d.sock", (int)getpid());
	unlink(s->path);
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	s->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->fd, 8), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void stop(struct server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->thread, NULL);
	unlink(s->path);
}

static const struct route routes[] = {
	{ "GET /localapi/v0/status", 200, "status-running.json" },
	{ "GET /localapi/v0/prefs", 200, "prefs-running.json" },
	{ "POST /localapi/v0/check-prefs", 200, NULL },
	{ "PATCH /localapi/v0/prefs", 200, "prefs-running.json" },
};

/* What Go's CLI sent for "tailscale set --hostname=n1b" and "tailscale
 * down" (the PATCH bodies). */
static const char set_patch[] =
	"{\"ControlURL\":\"\",\"RouteAll\":false,\"ExitNodeID\":\"\",\"ExitNodeIP\":\"\",\"InternalExitNodePrior\":\"\","
	"\"ExitNodeAllowLANAccess\":false,\"CorpDNS\":true,\"RunSSH\":false,\"RunWebClient\":false,\"WantRunning\":false,"
	"\"LoggedOut\":false,\"ShieldsUp\":false,\"AdvertiseTags\":null,\"Hostname\":\"n1b\",\"NotepadURLs\":false,"
	"\"AdvertiseRoutes\":null,\"AdvertiseServices\":null,\"Sync\":false,\"NoSNAT\":false,\"NoStatefulFiltering\":true,"
	"\"NetfilterMode\":2,\"AutoUpdate\":{\"Check\":true,\"Apply\":false},\"AppConnector\":{\"Advertise\":false},"
	"\"PostureChecking\":false,\"NetfilterKind\":\"\",\"DriveShares\":null,\"AllowSingleHosts\":true,\"Config\":null,"
	"\"HostnameSet\":true}";

static void set_sends_what_go_sends(void **state)
{
	struct server s;
	start(&s, routes, 4);
	struct tn_cli_ctx ctx = { .socket = s.path, .prog = "tnet" };
	char *argv[] = { "--hostname=n1b" };
	assert_int_equal(tn_cli_cmd_set(&ctx, 1, argv), 0);
	stop(&s);

	char *patch = strstr(s.log, "PATCH /localapi/v0/prefs\n");
	assert_non_null(patch);
	patch += strlen("PATCH /localapi/v0/prefs\n");
	assert_memory_equal(patch, set_patch, sizeof(set_patch) - 1);
	assert_int_equal(patch[sizeof(set_patch) - 1], '\n');
	/* check-prefs got the current prefs with the edit applied. */
	char *check = strstr(s.log, "POST /localapi/v0/check-prefs\n");
	assert_non_null(check);
	assert_non_null(strstr(check, "\"Hostname\":\"n1b\""));
	assert_non_null(strstr(check, "\"ControlURL\":\"http://10.99.0.1:8080\""));
	assert_non_null(strstr(check, "\"LoginName\":\"alice\""));
	assert_true(strstr(s.log, "GET /localapi/v0/status\n") < check);
}

static void down_and_a_running_up(void **state)
{
	struct server s;
	start(&s, routes, 4);
	struct tn_cli_ctx ctx = { .socket = s.path, .prog = "tnet" };
	assert_int_equal(tn_cli_cmd_down(&ctx, 0, NULL), 0);
	/* up with the same settings on a running node edits its prefs. */
	char *argv[] = { "--login-server=http://10.99.0.1:8080", "--hostname=n1", "--shields-up" };
	assert_int_equal(tn_cli_cmd_up(&ctx, 3, argv), 0);
	stop(&s);

	assert_non_null(strstr(s.log, "PATCH /localapi/v0/prefs\n{\"ControlURL\":\"\",\"RouteAll\":false,"));
	assert_non_null(strstr(s.log, "\"Config\":null,\"WantRunningSet\":true}\n"));
	char *edit = strstr(s.log, "\"ShieldsUp\":true");
	assert_non_null(edit);
	assert_non_null(strstr(edit, "\"ControlURLSet\":true,\"WantRunningSet\":true,\"ShieldsUpSet\":true,"
				     "\"HostnameSet\":true}\n"));
	assert_null(strstr(s.log, "watch-ipn-bus"));
	assert_null(strstr(s.log, "/localapi/v0/start"));
}

static void no_daemon_and_refusals(void **state)
{
	struct tn_cli_ctx ctx = { .socket = "/nonexistent/tnet.sock", .prog = "tnet" };
	assert_int_equal(tn_cli_cmd_status(&ctx, 0, NULL), 1);
	char *bad[] = { "--bogus" };
	assert_int_equal(tn_cli_cmd_status(&ctx, 1, bad), 2);

	static const struct route denied[] = {
		{ "GET /localapi/v0/status", 200, "status-running.json" },
		{ "PATCH /localapi/v0/prefs", 403, NULL },
	};
	struct server s;
	start(&s, denied, 2);
	ctx.socket = s.path;
	assert_int_equal(tn_cli_cmd_down(&ctx, 0, NULL), 1);
	stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_sends_what_go_sends),
		cmocka_unit_test(down_and_a_running_up),
		cmocka_unit_test(no_daemon_and_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

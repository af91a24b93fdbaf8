#include "daemon/daemon.h"

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/client.h"
#include "localapi/handlers.h"
#include "localapi/server.h"
#include "tailnet/tailnet.h"
#include "util/log.h"

struct daemon {
	struct tn_loop *loop;
	struct tn_backend *backend;
	struct tn_localapi *api;
	bool ready_sent;
};

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void sd_notify_text(const char *text)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0; /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, text, strlen(text), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		tn_log_warn("tailnetd", "sd_notify: %s", strerror(errno));
	close(fd);
}

static void on_state(void *arg, enum tn_ipn_state st, bool addresses_up)
{
	struct daemon *d = arg;
	char status[96];

	snprintf(status, sizeof(status), "STATUS=%s", tn_ipn_state_name(st));
	sd_notify_text(status);
	/* Ready means the tailnet address can be bound (tailscale#11504),
	 * or that there is nothing to wait for. */
	if (!d->ready_sent && (addresses_up || st == TN_IPN_NEEDS_LOGIN || st == TN_IPN_STOPPED ||
			       st == TN_IPN_NEEDS_MACHINE_AUTH)) {
		d->ready_sent = true;
		sd_notify_text("READY=1");
	}
}

static bool can_write(void *ctx, uid_t uid)
{
	return tn_backend_is_operator(ctx, uid);
}

static void on_stop(struct tn_loop *loop, int signo, void *arg)
{
	tn_log_info("tailnetd", "%s: shutting down", strsignal(signo));
	sd_notify_text("STOPPING=1");
	tn_loop_stop(loop);
}

static void on_reload(struct tn_loop *loop, int signo, void *arg)
{
	struct daemon *d = arg;
	char err[512];

	tn_log_info("tailnetd", "SIGHUP: reloading prefs");
	if (tn_backend_reload(d->backend, err, sizeof(err)) < 0)
		tn_log_err("tailnetd", "reload: %s", err);
}

int tn_daemon_run(const struct tn_daemon_options *o)
{
	struct daemon d = { 0 };
	struct tn_localapi_options lo = { 0 };
	char err[1024];
	int rc = 1;

	signal(SIGPIPE, SIG_IGN);
	if (!(d.loop = tn_loop_new())) {
		fprintf(stderr, "tailnetd: out of memory\n");
		return 1;
	}
	if (tn_loop_add_signal(d.loop, SIGINT, on_stop, &d) < 0 ||
	    tn_loop_add_signal(d.loop, SIGTERM, on_stop, &d) < 0 ||
	    tn_loop_add_signal(d.loop, SIGHUP, on_reload, &d) < 0)
		goto out;
	if (!(d.backend = tn_backend_new(d.loop, &o->backend, err, sizeof(err)))) {
		fprintf(stderr, "tailnetd: %s\n", err);
		goto out;
	}
	lo.socket_path = o->socket_path;
	lo.version = tn_version();
	lo.capability_version = TN_CAPABILITY_VERSION;
	lo.routes = tn_localapi_routes(&lo.n_routes);
	lo.ctx = d.backend;
	lo.can_write = can_write;
	if (!(d.api = tn_localapi_new(d.loop, &lo, err, sizeof(err)))) {
		fprintf(stderr, "tailnetd: %s\n", err);
		goto out;
	}
	tn_log_info("tailnetd", "LocalAPI on %s; state in %s", o->socket_path,
		    o->backend.statedir);
	tn_backend_on_state(d.backend, on_state, &d);
	rc = tn_loop_run(d.loop) < 0 ? 1 : 0;
out:
	tn_localapi_free(d.api);
	tn_backend_free(d.backend);
	tn_loop_free(d.loop);
	return rc;
}

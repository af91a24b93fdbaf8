/* Tailnet mode: the IPN backend and the LocalAPI on the event loop, as
 * tailscaled runs.  SIGTERM/SIGINT stop cleanly (the TUN, its routes and
 * the socket go); SIGHUP re-reads the prefs file; systemd hears READY=1
 * once the node is Running with its addresses up (or there is nothing to
 * wait for: a node that needs a login or was stopped). */
#ifndef TN_DAEMON_DAEMON_H
#define TN_DAEMON_DAEMON_H

#include "ipn/backend.h"

struct tn_daemon_options {
	struct tn_backend_options backend;
	const char *socket_path;
};

int tn_daemon_run(const struct tn_daemon_options *o);

#endif

/* Tailnet mode (interim): `tailnetd --statedir DIR --login-server URL
 * [--authkey KEY|file:PATH] [--hostname NAME] [--tun NAME]` joins a
 * tailnet with the control client, keeps its netmap, and carries traffic
 * to peers through the engine (a TUN device, WireGuard, magicsock).  Until the LocalAPI exists, the
 * state is published in DIR/status.json (rewritten atomically on every
 * change) and SIGUSR2 logs the node out.  Keys persist in the state store;
 * a corrupt store stops the daemon with an error naming the file.
 */
#ifndef TN_DAEMON_CONTROL_MODE_H
#define TN_DAEMON_CONTROL_MODE_H

struct tn_control_mode_opts {
	const char *statedir;
	const char *login_server;
	const char *authkey;      /* NULL, a key, or "file:PATH" */
	const char *hostname;     /* NULL: the system host name */
	const char *ca_file;
	const char *tun;          /* TUN interface name */
	unsigned port;            /* UDP port for WireGuard and disco */
	const char *socks5_listen;      /* userspace networking: "addr:port" */
	const char *http_proxy_listen;  /* userspace networking: "addr:port" */
};

int tn_control_mode_run(const struct tn_control_mode_opts *o);

#endif

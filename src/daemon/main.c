/* tailnetd — the daemon.
 *
 * Joins a tailnet as tailscaled does: the IPN backend behind a LocalAPI on
 * a Unix socket, driven by tnet (or Go's tailscale CLI with --socket).
 * --wg-config runs a plain WireGuard interface instead.  A bad flag names
 * the flag and exits 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/wg_mode.h"
#include "ipn/engine.h"
#include "tailnet/tailnet.h"
#include "util/log.h"

#define DEFAULT_TUN "tailnet0"
#define DEFAULT_ROOT_STATEDIR "/var/lib/tailnetd"
#define SOCKET_NAME "tailnetd.sock"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tailnetd [flags]\n"
		"  --statedir DIR     state directory (default $TAILNETD_STATE_DIR, else\n"
		"                     " DEFAULT_ROOT_STATEDIR " for root, else $XDG_STATE_HOME/tailnetd)\n"
		"  --socket PATH      LocalAPI socket (default $TAILNETD_SOCKET, else DIR/" SOCKET_NAME ")\n"
		"  --tun NAME         TUN interface name, or userspace-networking (default\n"
		"                     " DEFAULT_TUN " for root, userspace-networking otherwise)\n"
		"  --port N           UDP port for WireGuard and disco (default 41641, 0: any)\n"
		"  --socks5-server ADDR:PORT             SOCKS5 proxy (userspace networking)\n"
		"  --outbound-http-proxy-listen ADDR:PORT HTTP proxy (userspace networking)\n"
		"  --ca-file FILE     extra trusted CA certificates for https:// control servers\n"
		"  --wg-config FILE   run a plain WireGuard interface from a wg-quick style file\n"
		"  --verbose          debug logging\n"
		"  --version          print the version\n");
}

/* "--flag value" or "--flag=value", with one dash or two as Go's flag
 * package accepts; flag is given without dashes.  Returns the value or
 * NULL if argv[*i] is another flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
	const char *a = argv[*i];
	size_t n = strlen(flag);

	if (a[0] != '-')
		return NULL;
	a += a[1] == '-' ? 2 : 1;
	if (strncmp(a, flag, n) || (a[n] && a[n] != '='))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (*i + 1 >= argc) {
		fprintf(stderr, "tailnetd: flag --%s needs a value\n", flag);
		exit(2);
	}
	return argv[++*i];
}

/* The state directory when --statedir is not given. */
static const char *default_statedir(char *buf, size_t len)
{
	const char *env = getenv("TAILNETD_STATE_DIR");

	if (env && *env)
		return env;
	if (geteuid() == 0)
		return DEFAULT_ROOT_STATEDIR;
	if ((env = getenv("XDG_STATE_HOME")) && *env)
		snprintf(buf, len, "%s/tailnetd", env);
	else if ((env = getenv("HOME")) && *env)
		snprintf(buf, len, "%s/.local/state/tailnetd", env);
	else
		return NULL;
	return buf;
}

int main(int argc, char **argv)
{
	const char *wg_config = NULL, *tun = NULL, *v;
	struct tn_daemon_options o = { .backend.port = 41641 };
	char statebuf[4096], sockbuf[4096];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-version")) {
			printf("tailnetd %s\n", tn_version());
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v") ||
			   !strcmp(argv[i], "-verbose")) {
			tn_log_set_level(TN_LOG_DEBUG);
		} else if ((v = flag_value(argc, argv, &i, "statedir"))) {
			o.backend.statedir = v;
		} else if ((v = flag_value(argc, argv, &i, "socket"))) {
			o.socket_path = v;
		} else if ((v = flag_value(argc, argv, &i, "port"))) {
			char *end;
			unsigned long port = strtoul(v, &end, 10);

			if (!*v || *end || port > 65535) {
				fprintf(stderr, "tailnetd: flag --port: %s is not a port number\n", v);
				return 2;
			}
			o.backend.port = (uint16_t)port;
		} else if ((v = flag_value(argc, argv, &i, "ca-file"))) {
			o.backend.ca_file = v;
		} else if ((v = flag_value(argc, argv, &i, "wg-config"))) {
			wg_config = v;
		} else if ((v = flag_value(argc, argv, &i, "socks5-server"))) {
			o.backend.socks5_listen = v;
		} else if ((v = flag_value(argc, argv, &i, "outbound-http-proxy-listen"))) {
			o.backend.http_proxy_listen = v;
		} else if ((v = flag_value(argc, argv, &i, "tun"))) {
			if (!*v || (strlen(v) >= 16 && strcmp(v, TN_ENGINE_USERSPACE))) {
				fprintf(stderr, "tailnetd: flag --tun: interface name must be 1-15 "
						"characters, or " TN_ENGINE_USERSPACE "\n");
				return 2;
			}
			tun = v;
		} else {
			fprintf(stderr, "tailnetd: flag provided but not defined: %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (wg_config)
		return tn_wg_mode_run(wg_config, tun ? tun : DEFAULT_TUN);
	o.backend.tun_name = tun ? tun : geteuid() == 0 ? DEFAULT_TUN : TN_ENGINE_USERSPACE;
	if (!o.backend.statedir &&
	    !(o.backend.statedir = default_statedir(statebuf, sizeof(statebuf)))) {
		fprintf(stderr, "tailnetd: no state directory: give --statedir\n");
		return 2;
	}
	if (!o.socket_path) {
		const char *env = getenv("TAILNETD_SOCKET");

		if (env && *env) {
			o.socket_path = env;
		} else {
			snprintf(sockbuf, sizeof(sockbuf), "%s/" SOCKET_NAME, o.backend.statedir);
			o.socket_path = sockbuf;
		}
	}
	return tn_daemon_run(&o) ? 1 : 0;
}

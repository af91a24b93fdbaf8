/* tailnetd — the daemon.
 *
 * Today it runs in plain-WireGuard mode (--wg-config); joining a tailnet
 * comes with the control client and magicsock.  A bad flag names the flag
 * and exits 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/control_mode.h"
#include "daemon/wg_mode.h"
#include "tailnet/tailnet.h"
#include "util/log.h"

#define DEFAULT_TUN "tailnet0"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tailnetd [flags]\n"
		"  --statedir DIR     state directory (keys, status.json)\n"
		"  --login-server URL control server (headscale), http:// or https://\n"
		"  --authkey KEY      pre-auth key, or file:PATH to read it from a file\n"
		"  --hostname NAME    host name to register (default: the system's)\n"
		"  --ca-file FILE     extra trusted CA certificates for https:// servers\n"
		"  --port N           UDP port for WireGuard and disco (default 41641, 0: any)\n"
		"  --wg-config FILE   run a plain WireGuard interface from a wg-quick style file\n"
		"  --tun NAME         TUN interface name (default " DEFAULT_TUN ")\n"
		"  --verbose          debug logging\n"
		"  --version          print the version\n");
}

/* "--flag value" or "--flag=value"; returns the value or NULL. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
	size_t n = strlen(flag);

	if (!strncmp(argv[*i], flag, n) && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (!strcmp(argv[*i], flag)) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "tailnetd: flag %s needs a value\n", flag);
			exit(2);
		}
		return argv[++*i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *wg_config = NULL, *tun = DEFAULT_TUN, *v;
	struct tn_control_mode_opts cm = { .port = 41641 };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-version")) {
			printf("tailnetd %s\n", tn_version());
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
			tn_log_set_level(TN_LOG_DEBUG);
		} else if ((v = flag_value(argc, argv, &i, "--statedir"))) {
			cm.statedir = v;
		} else if ((v = flag_value(argc, argv, &i, "--login-server"))) {
			cm.login_server = v;
		} else if ((v = flag_value(argc, argv, &i, "--authkey"))) {
			cm.authkey = v;
		} else if ((v = flag_value(argc, argv, &i, "--hostname"))) {
			cm.hostname = v;
		} else if ((v = flag_value(argc, argv, &i, "--port"))) {
			char *end;
			unsigned long port = strtoul(v, &end, 10);

			if (!*v || *end || port > 65535) {
				fprintf(stderr, "tailnetd: flag --port: %s is not a port number\n", v);
				return 2;
			}
			cm.port = (unsigned)port;
		} else if ((v = flag_value(argc, argv, &i, "--ca-file"))) {
			cm.ca_file = v;
		} else if ((v = flag_value(argc, argv, &i, "--wg-config"))) {
			wg_config = v;
		} else if ((v = flag_value(argc, argv, &i, "--socks5-server"))) {
			cm.socks5_listen = v;
		} else if ((v = flag_value(argc, argv, &i, "--outbound-http-proxy-listen"))) {
			cm.http_proxy_listen = v;
		} else if ((v = flag_value(argc, argv, &i, "--tun"))) {
			if (!*v || (strlen(v) >= 16 && strcmp(v, "userspace-networking"))) {
				fprintf(stderr, "tailnetd: flag --tun: interface name must be 1-15 characters\n");
				return 2;
			}
			tun = v;
		} else {
			fprintf(stderr, "tailnetd: unknown flag %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (wg_config)
		return tn_wg_mode_run(wg_config, tun);
	cm.tun = tun;
	if (cm.login_server) {
		if (!cm.statedir) {
			fprintf(stderr, "tailnetd: --login-server needs --statedir\n");
			return 2;
		}
		return tn_control_mode_run(&cm);
	}
	fprintf(stderr, "tailnetd: this build cannot join a tailnet yet; "
		"--wg-config FILE runs a plain WireGuard interface\n");
	return 1;
}

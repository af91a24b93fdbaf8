/* The flags of "tnet up" and "tnet login" and the prefs they ask for
 * (cmd/tailscale/cli/up.go prefsFromUpArgs): the flag table with Go's
 * defaults, the advertise-routes arithmetic (netutil.CalcAdvertiseRoutes),
 * --exit-node resolution against the status, --netfilter-mode, and the
 * hostname and tag checks with Go's messages.  Pure functions (no I/O);
 * any thread.
 */
#ifndef TN_CLI_UPARGS_H
#define TN_CLI_UPARGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/buf.h"
#include "cli/flags.h"

/* The flags of "tnet up" and "tnet login". */
struct tn_cli_up_args {
	const char *auth_key;          /* "" or "file:PATH" or the key */
	const char *server;            /* --login-server */
	bool accept_routes;
	bool accept_dns;
	const char *exit_node;
	bool exit_node_allow_lan;
	bool shields_up;
	bool ssh;
	const char *advertise_tags;
	const char *hostname;
	const char *advertise_routes;
	bool advertise_connector;
	bool advertise_exit_node;
	bool report_posture;
	const char *operator_user;
	bool snat;
	bool stateful_filtering;
	const char *netfilter_mode;
	int64_t timeout_ns;
	bool json;                     /* up only */
	bool reset;                    /* up only */
	bool force_reauth;             /* up only */
	const char *nickname;          /* login only */
};

#define TN_CLI_UP_FLAGS_MAX 32

/* Sets the defaults and fills flags[] (room for TN_CLI_UP_FLAGS_MAX) with
 * the flag table pointing into a; returns the number of flags. */
size_t tn_cli_up_flags(struct tn_cli_up_args *a, bool login, struct tn_cli_flag *flags);

/* prefsFromUpArgs: the Prefs the flags ask for.  status (the daemon's
 * status) resolves --exit-node.  Warnings for the user are appended to
 * warn, one "Warning: ...\n" line each.  NULL with err set when a flag's
 * value is unusable. */
json_t *tn_cli_prefs_from_up_args(const struct tn_cli_up_args *a, const json_t *status,
				  struct tn_cli_buf *warn, char *err, size_t errlen);

/* The routes for --advertise-routes and --advertise-exit-node
 * (netutil.CalcAdvertiseRoutes): a new array of prefix strings, sorted,
 * with the two /0 routes for an exit node; or JSON null for none.  NULL
 * with err set for a bad route. */
json_t *tn_cli_calc_advertise_routes(const char *routes, bool exit_node, char *err,
				     size_t errlen);

/* Whether a routes array holds both exit routes (0.0.0.0/0 and ::/0). */
bool tn_cli_routes_have_exit(const json_t *routes);

/* ExitNodeIP for --exit-node=s (Prefs.SetExitNodeIP): an IP or a peer's
 * name; the IP text into out.  -EINVAL with err set otherwise. */
int tn_cli_exit_node_ip(const char *s, const json_t *status, char *out, size_t outlen, char *err,
			size_t errlen);

/* --netfilter-mode: the mode, and a warning (or NULL).  -EINVAL with err
 * set for a value other than on, nodivert, off. */
int tn_cli_netfilter_mode(const char *s, const char **warning, char *err, size_t errlen);

/* dnsname.ValidHostname: 0, or -EINVAL with Go's message in err. */
int tn_cli_valid_hostname(const char *s, char *err, size_t errlen);

/* 4 for 0.0.0.0/0, 6 for ::/0, 0 for any other route (or none). */
int tn_cli_exit_route(const char *route);

#endif

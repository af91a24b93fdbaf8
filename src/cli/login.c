/* tnet login: log in to a tailnet in a new profile (login.go): switch to
 * an empty profile, then do what "tnet up" does.  On a daemon without
 * profiles, log out first instead (docs/cli.md). */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/localapi.h"
#include "cli/prefs.h"
#include "cli/upargs.h"

int tn_cli_cmd_login(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	struct tn_cli_up_args a;
	struct tn_cli_flag flags[TN_CLI_UP_FLAGS_MAX];
	struct tn_cli_flagset fs = {
		.short_help = "Log in to a tailnet",
		.short_usage = "tnet login [flags]",
		.long_help = "\"tnet login\" logs this machine in to your tailnet, in a new profile.",
		.flags = flags,
	};
	char err[TN_CLI_ERROR_MAX];
	struct tn_cli_response r;
	int rc;

	fs.n_flags = tn_cli_up_flags(&a, true, flags);
	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	/* SwitchToEmptyProfile.  A daemon without profiles (404, 405) has
	 * one login: it is logged out instead, so what follows is a fresh
	 * login as in a new profile. */
	if (tn_cli_localapi_do(ctx->socket, "PUT", "/localapi/v0/profiles/", NULL, 0,
			       TN_CLI_CALL_TIMEOUT_NS, &r, err, sizeof(err)) < 0)
		return tn_cli_fail("%s", err);
	if (r.status == 404 || r.status == 405) {
		if (tn_cli_localapi_call(ctx->socket, "POST", "/localapi/v0/logout", NULL, 204,
					 TN_CLI_CALL_TIMEOUT_NS, NULL, err, sizeof(err)) < 0) {
			tn_cli_response_free(&r);
			return tn_cli_fail("%s", err);
		}
	} else if (r.status != 201) {
		tn_cli_localapi_status_error(&r, err, sizeof(err));
		tn_cli_response_free(&r);
		return tn_cli_fail("%s", err);
	}
	tn_cli_response_free(&r);
	return tn_cli_run_up(ctx, true, &a, &fs);
}

/* tnet logout: disconnect and expire the node key (logout.go). */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/localapi.h"

int tn_cli_cmd_logout(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	struct tn_cli_flagset fs = {
		.short_help = "Disconnect from the tailnet and expire the current node key",
		.short_usage = "tnet logout",
		.long_help = "\"tnet logout\" brings the network down and invalidates\n"
			     "the current node key, forcing a future use of it to cause\n"
			     "a reauthentication.",
	};
	char err[TN_CLI_ERROR_MAX];
	int rc;

	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	if (fs.argc > 0)
		return tn_cli_too_many_args(fs.argc, fs.argv);
	if (tn_cli_localapi_call(ctx->socket, "POST", "/localapi/v0/logout", NULL, 204, 0, NULL, err,
				 sizeof(err)) < 0)
		return tn_cli_fail("%s", err);
	return 0;
}

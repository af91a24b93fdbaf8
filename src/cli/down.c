/* tnet down: disconnect, keeping the login (down.go): WantRunning=false. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/gojson.h"
#include "cli/localapi.h"
#include "cli/prefs.h"

int tn_cli_cmd_down(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	struct tn_cli_flagset fs = {
		.short_help = "Disconnect from the tailnet",
		.short_usage = "tnet down",
	};
	char err[TN_CLI_ERROR_MAX];
	json_t *st = NULL;
	int rc;

	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	if (fs.argc > 0)
		return tn_cli_too_many_args(fs.argc, fs.argv);
	if (tn_cli_localapi_call(ctx->socket, "GET", "/localapi/v0/status", NULL, 200,
				 TN_CLI_CALL_TIMEOUT_NS, &st, err, sizeof(err)) < 0)
		return tn_cli_fail("error fetching current status: %s", err);
	if (!strcmp(tn_cli_json_str(st, "BackendState"), "Stopped")) {
		fprintf(stderr, "Tailscale was already stopped.\n");
		json_decref(st);
		return 0;
	}
	json_decref(st);
	json_t *mp = tn_cli_prefs_zero();
	json_object_set_new(mp, "WantRunningSet", json_true());
	json_t *body = tn_cli_prefs_ordered(mp, true);
	json_decref(mp);
	rc = tn_cli_localapi_call(ctx->socket, "PATCH", "/localapi/v0/prefs", body, 200,
				  TN_CLI_CALL_TIMEOUT_NS, NULL, err, sizeof(err));
	json_decref(body);
	return rc < 0 ? tn_cli_fail("%s", err) : 0;
}

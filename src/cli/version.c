/* tnet version: tnet's version, and with --daemon the daemon's
 * (version.go). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/gojson.h"
#include "control/client.h"
#include "tailnet/tailnet.h"

int tn_cli_cmd_version(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	bool daemon = false, json = false;
	struct tn_cli_flag flags[] = {
		{ .name = "daemon", .type = TN_CLI_FLAG_BOOL, .value = &daemon,
		  .usage = "also print local node's daemon version" },
		{ .name = "json", .type = TN_CLI_FLAG_BOOL, .value = &json, .usage = "output in JSON format" },
	};
	struct tn_cli_flagset fs = {
		.short_help = "Print the version",
		.short_usage = "tnet version [flags]",
		.flags = flags, .n_flags = sizeof(flags) / sizeof(flags[0]),
	};
	json_t *st = NULL;
	int rc;

	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	if (fs.argc > 0)
		return tn_cli_too_many_args(fs.argc, fs.argv);
	if (daemon && (rc = tn_cli_get_status(ctx, false, &st)))
		return rc;
	const char *v = tn_version();
	if (json) {
		/* version.Meta's fields that apply to us, and "cap". */
		json_t *m = json_pack("{s:s,s:s,s:s}", "majorMinorPatch", v, "short", v, "long", v);
		if (st)
			json_object_set_new(m, "daemonLong", json_string(tn_cli_json_str(st, "Version")));
		json_object_set_new(m, "cap", json_integer(TN_CAPABILITY_VERSION));
		struct tn_cli_buf out;
		tn_cli_buf_init(&out);
		rc = tn_cli_json_append(&out, m, NULL, "\t");
		tn_cli_buf_putc(&out, '\n');
		rc = rc < 0 ? tn_cli_fail("out of memory") : tn_cli_write_out(out.p, out.len);
		tn_cli_buf_free(&out);
		json_decref(m);
	} else if (st) {
		printf("Client: %s\nDaemon: %s\n", v, tn_cli_json_str(st, "Version"));
		rc = tn_cli_write_out("", 0);
	} else {
		printf("%s\n", v);
		rc = tn_cli_write_out("", 0);
	}
	json_decref(st);
	return rc;
}

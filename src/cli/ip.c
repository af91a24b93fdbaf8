/* tnet ip: this node's (or a peer's) Tailscale IPs (ip.go). */
#include <stdio.h>
#include <string.h>

#include "cli/addr.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/gojson.h"
#include "cli/peers.h"

int tn_cli_cmd_ip(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	bool want1 = false, want4 = false, want6 = false;
	const char *assert_ip = "";
	struct tn_cli_flag flags[] = {
		{ .name = "1", .type = TN_CLI_FLAG_BOOL, .value = &want1, .usage = "only print one IP address" },
		{ .name = "4", .type = TN_CLI_FLAG_BOOL, .value = &want4, .usage = "only print IPv4 address" },
		{ .name = "6", .type = TN_CLI_FLAG_BOOL, .value = &want6, .usage = "only print IPv6 address" },
		{ .name = "assert", .type = TN_CLI_FLAG_STRING, .value = &assert_ip,
		  .usage = "assert that one of the node's IP(s) matches this IP address" },
	};
	struct tn_cli_flagset fs = {
		.short_help = "Show Tailscale IP addresses",
		.short_usage = "tnet ip [-1] [-4] [-6] [peer hostname or ip address]",
		.long_help = "Show Tailscale IP addresses for peer. Peer defaults to the current machine.",
		.flags = flags, .n_flags = sizeof(flags) / sizeof(flags[0]),
	};
	json_t *st = NULL;
	struct tn_cli_buf out;
	int rc;

	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	if (fs.argc > 1)
		return tn_cli_fail("too many arguments, expected at most one peer");
	if (want1 + want4 + want6 > 1)
		return tn_cli_fail("%s ip -1, -4, and -6 are mutually exclusive", ctx->prog);
	bool v4 = want4, v6 = want6;
	if (!v4 && !v6)
		v4 = v6 = true;
	if ((rc = tn_cli_get_status(ctx, true, &st)))
		return rc;
	const json_t *ips = tn_cli_json_array(st, "TailscaleIPs");
	tn_cli_buf_init(&out);
	if (*assert_ip) {
		size_t i;
		json_t *v;
		json_array_foreach(ips, i, v)
			if (json_is_string(v) && !strcmp(json_string_value(v), assert_ip))
				goto done;   /* rc is 0 */
		tn_cli_buf_puts(&out, "[");
		json_array_foreach(ips, i, v)
			tn_cli_buf_printf(&out, "%s%s", i ? " " : "", json_string_value(v) ? json_string_value(v) : "");
		tn_cli_buf_puts(&out, "]");
		rc = tn_cli_fail("assertion failed: IP \"%s\" not found among %s", assert_ip,
				 tn_cli_buf_str(&out));
		goto done;
	}
	if (fs.argc == 1) {
		char ip[64], err[512];
		bool self;
		if (tn_cli_ip_from_arg(st, fs.argv[0], ip, sizeof(ip), &self, err, sizeof(err)) < 0) {
			rc = tn_cli_fail("%s", err);
			goto done;
		}
		const json_t *node = tn_cli_node_with_ip(st, ip);
		if (!node) {
			rc = tn_cli_fail("no peer found with IP %s", ip);
			goto done;
		}
		ips = tn_cli_json_array(node, "TailscaleIPs");
	}
	if (!json_array_size(ips)) {
		rc = tn_cli_fail("no current Tailscale IPs; state: %s", tn_cli_json_str(st, "BackendState"));
		goto done;
	}
	size_t n = want1 ? 1 : json_array_size(ips);
	bool match = false;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(ips, i));
		struct tn_cli_addr a;
		if (!s || tn_cli_addr_parse(s, &a) < 0)
			continue;
		if ((a.family == 4 && v4) || (a.family == 6 && v6)) {
			match = true;
			tn_cli_buf_printf(&out, "%s\n", s);
		}
	}
	if ((rc = tn_cli_write_out(tn_cli_buf_str(&out), out.len)))
		goto done;
	if (!match && want4)
		rc = tn_cli_fail("no Tailscale IPv4 address");
	else if (!match && want6)
		rc = tn_cli_fail("no Tailscale IPv6 address");
done:
	tn_cli_buf_free(&out);
	json_decref(st);
	return rc < 0 ? 0 : rc;
}

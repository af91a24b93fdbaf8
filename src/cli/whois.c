/* tnet whois: the machine and user behind a Tailscale IP (whois.go). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/gojson.h"
#include "cli/localapi.h"
#include "cli/tabwriter.h"

/* Go's %s of a []string or []netip.Prefix: [a b c]. */
static void list(struct tn_cli_tab *w, const json_t *arr, size_t from)
{
	tn_cli_tab_add(w, "[");
	for (size_t i = from; i < json_array_size(arr); i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		tn_cli_tab_printf(w, "%s%s", i > from ? " " : "", s ? s : "");
	}
	tn_cli_tab_add(w, "]");
}

int tn_cli_whois_text(const json_t *who, struct tn_cli_buf *out)
{
	const json_t *node = tn_cli_json_object(who, "Node");
	const json_t *user = tn_cli_json_object(who, "UserProfile");
	struct tn_cli_tab w;
	char name[512];
	int rc;

	tn_cli_tab_init(&w, 10, 5);
	const char *n = tn_cli_json_str(node, "Name");
	size_t nl = strlen(n);
	snprintf(name, sizeof(name), "%.*s", (int)(nl && n[nl - 1] == '.' ? nl - 1 : nl), n);
	tn_cli_tab_add(&w, "Machine:\n");
	tn_cli_tab_printf(&w, "  Name:\t%s\n", name);
	tn_cli_tab_printf(&w, "  ID:\t%s\n", tn_cli_json_str(node, "StableID"));
	tn_cli_tab_add(&w, "  Addresses:\t");
	list(&w, tn_cli_json_array(node, "Addresses"), 0);
	tn_cli_tab_add(&w, "\n");
	const json_t *allowed = tn_cli_json_array(node, "AllowedIPs");
	if (json_array_size(allowed) > 2) {
		tn_cli_tab_add(&w, "  AllowedIPs:\t");
		list(&w, allowed, 2);
		tn_cli_tab_add(&w, "\n");
	}
	const json_t *tags = tn_cli_json_array(node, "Tags");
	if (json_array_size(tags)) {
		tn_cli_tab_add(&w, "  Tags:\t");
		for (size_t i = 0; i < json_array_size(tags); i++) {
			const char *s = json_string_value(json_array_get(tags, i));
			tn_cli_tab_printf(&w, "%s%s", i ? ", " : "", s ? s : "");
		}
		tn_cli_tab_add(&w, "\n");
	} else {
		tn_cli_tab_add(&w, "User:\n");
		tn_cli_tab_printf(&w, "  Name:\t%s\n", tn_cli_json_str(user, "LoginName"));
		tn_cli_tab_printf(&w, "  ID:\t%lld\n", tn_cli_json_int(user, "ID"));
	}
	rc = tn_cli_tab_flush(&w, out);
	tn_cli_tab_free(&w);
	if (rc < 0)
		return rc;
	const json_t *caps = tn_cli_json_object(who, "CapMap");
	if (json_object_size(caps)) {
		const char *cap;
		json_t *vals;
		tn_cli_buf_puts(out, "Capabilities:\n");
		json_object_foreach((json_t *)caps, cap, vals) {
			if (json_is_array(vals) && json_array_size(vals)) {
				tn_cli_buf_printf(out, "  - %s:\n      ", cap);
				if ((rc = tn_cli_json_append(out, vals, "      ", "  ")) < 0)
					return rc;
				tn_cli_buf_putc(out, '\n');
			} else {
				tn_cli_buf_printf(out, "  - %s\n", cap);
			}
		}
	}
	return tn_cli_buf_done(out);
}

int tn_cli_cmd_whois(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	bool json = false;
	const char *proto = "";
	struct tn_cli_flag flags[] = {
		{ .name = "json", .type = TN_CLI_FLAG_BOOL, .value = &json, .usage = "output in JSON format" },
		{ .name = "proto", .type = TN_CLI_FLAG_STRING, .value = &proto,
		  .usage = "protocol; one of \"tcp\" or \"udp\"; empty means both" },
	};
	struct tn_cli_flagset fs = {
		.short_help = "Show the machine and user associated with a Tailscale IP (v4 or v6)",
		.short_usage = "tnet whois [--json] ip[:port]",
		.flags = flags, .n_flags = sizeof(flags) / sizeof(flags[0]),
	};
	struct tn_cli_buf target, out;
	struct tn_cli_response r;
	char err[TN_CLI_ERROR_MAX];
	json_t *who = NULL;
	int rc;

	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	if (fs.argc > 1)
		return tn_cli_fail("too many arguments, expected at most one peer");
	if (fs.argc == 0)
		return tn_cli_fail("missing argument, expected one peer");
	tn_cli_buf_init(&target);
	tn_cli_buf_init(&out);
	tn_cli_buf_puts(&target, "/localapi/v0/whois?proto=");
	tn_cli_query_escape(&target, proto);
	tn_cli_buf_puts(&target, "&addr=");
	tn_cli_query_escape(&target, fs.argv[0]);
	if (tn_cli_buf_done(&target) < 0) {
		rc = tn_cli_fail("out of memory");
		goto done;
	}
	if (tn_cli_localapi_do(ctx->socket, "GET", target.p, NULL, 0, TN_CLI_CALL_TIMEOUT_NS, &r, err,
			       sizeof(err)) < 0) {
		rc = tn_cli_fail("%s", err);
		goto done;
	}
	if (r.status == 200)
		who = tn_cli_json_parse(r.body, r.body_len, err, sizeof(err));
	if (r.status == 404) {
		rc = tn_cli_fail("peer not found");
	} else if (r.status != 200) {
		tn_cli_localapi_status_error(&r, err, sizeof(err));
		rc = tn_cli_fail("%s", err);
	} else if (!json_is_object(who)) {
		rc = tn_cli_fail("failed to unmarshal JSON into *apitype.WhoIsResponse: %s",
				 who ? "not an object" : err);
	} else if (json) {
		/* json.Encoder with SetIndent("", "  "): a newline at the end. */
		if (tn_cli_json_append(&out, who, NULL, "  ") < 0)
			rc = tn_cli_fail("whois: cannot write the JSON");
		else {
			tn_cli_buf_putc(&out, '\n');
			rc = tn_cli_write_out(out.p, out.len);
		}
	} else if (tn_cli_whois_text(who, &out) < 0) {
		rc = tn_cli_fail("out of memory");
	} else {
		rc = tn_cli_write_out(tn_cli_buf_str(&out), out.len);
	}
	tn_cli_response_free(&r);
done:
	json_decref(who);
	tn_cli_buf_free(&out);
	tn_cli_buf_free(&target);
	return rc;
}

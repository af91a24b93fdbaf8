/* tnet set: change only the preferences named on the command line
 * (set.go): a MaskedPrefs PATCH, checked first with check-prefs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/addr.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/gojson.h"
#include "cli/localapi.h"
#include "cli/prefs.h"
#include "cli/upargs.h"

struct set_args {
	const char *nickname;
	bool accept_routes;
	bool accept_dns;
	const char *exit_node;
	bool exit_node_allow_lan;
	bool shields_up;
	bool ssh;
	const char *hostname;
	const char *advertise_routes;
	bool advertise_exit_node;
	bool advertise_connector;
	bool update_check;
	bool auto_update;
	bool report_posture;
	bool webclient;
	const char *relay_port;
	const char *relay_endpoints;
	const char *operator_user;
	bool snat;
	bool stateful_filtering;
	const char *netfilter_mode;
};

/* calcAdvertiseRoutesForSet */
static json_t *routes_for_set(const struct set_args *a, bool exit_set, bool routes_set,
			      const json_t *cur, char *err, size_t errlen)
{
	const json_t *cur_routes = json_object_get(cur, "AdvertiseRoutes");
	bool cur_exit = tn_cli_routes_have_exit(cur_routes);

	if (exit_set && routes_set)
		return tn_cli_calc_advertise_routes(a->advertise_routes, a->advertise_exit_node, err, errlen);
	if (routes_set)
		return tn_cli_calc_advertise_routes(a->advertise_routes, cur_exit, err, errlen);
	if (cur_exit == a->advertise_exit_node)
		return json_incref(cur_routes ? (json_t *)cur_routes : json_null());
	/* The current routes without the /0 ones, plus both when asked. */
	json_t *out = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(cur_routes, i, r) {
		struct tn_cli_prefix p;
		if (json_is_string(r) && tn_cli_prefix_parse(json_string_value(r), &p) == 0 && p.bits == 0)
			continue;
		json_array_append(out, r);
	}
	if (a->advertise_exit_node) {
		json_array_append_new(out, json_string("0.0.0.0/0"));
		json_array_append_new(out, json_string("::/0"));
	}
	return out;
}

int tn_cli_cmd_set(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	struct set_args a = {
		.nickname = "", .accept_dns = true, .exit_node = "", .hostname = "",
		.advertise_routes = "", .update_check = true, .relay_port = "",
		.relay_endpoints = "", .operator_user = "", .snat = true, .netfilter_mode = "on",
	};
#define S(nm, ptr, us) { .name = nm, .type = TN_CLI_FLAG_STRING, .value = ptr, .usage = us }
#define B(nm, ptr, us) { .name = nm, .type = TN_CLI_FLAG_BOOL, .value = ptr, .usage = us }
	struct tn_cli_flag flags[] = {
		S("nickname", &a.nickname, "nickname for the current account"),
		B("accept-routes", &a.accept_routes, "accept routes advertised by other Tailscale nodes"),
		B("accept-dns", &a.accept_dns, "accept DNS configuration from the admin panel"),
		S("exit-node", &a.exit_node,
		  "Tailscale exit node (IP, base name, or auto:any) for internet traffic, or empty string to not use an exit node"),
		B("exit-node-allow-lan-access", &a.exit_node_allow_lan,
		  "Allow direct access to the local network when routing traffic via an exit node"),
		B("shields-up", &a.shields_up, "don't allow incoming connections"),
		B("ssh", &a.ssh, "run an SSH server, permitting access per tailnet admin's declared policy"),
		S("hostname", &a.hostname, "hostname to use instead of the one provided by the OS"),
		S("advertise-routes", &a.advertise_routes,
		  "routes to advertise to other nodes (comma-separated, e.g. \"10.0.0.0/8,192.168.0.0/24\") or empty string to not advertise routes"),
		B("advertise-exit-node", &a.advertise_exit_node,
		  "offer to be an exit node for internet traffic for the tailnet"),
		B("advertise-connector", &a.advertise_connector,
		  "offer to be an app connector for domain specific internet traffic for the tailnet"),
		B("update-check", &a.update_check, "notify about available updates"),
		B("auto-update", &a.auto_update, "automatically update to the latest available version"),
		B("report-posture", &a.report_posture,
		  "allow management plane to gather device posture information"),
		B("webclient", &a.webclient,
		  "expose the web interface for managing this node over Tailscale at port 5252"),
		S("relay-server-port", &a.relay_port,
		  "UDP port number (0 will pick a random unused port) for the relay server to bind to, or empty string to disable relay server functionality"),
		S("relay-server-static-endpoints", &a.relay_endpoints,
		  "static IP:port endpoints to advertise as candidates for relay connections (comma-separated), or empty string for none"),
		S("operator", &a.operator_user, "Unix username to allow to operate on tailnetd without sudo"),
		B("snat-subnet-routes", &a.snat,
		  "source NAT traffic to local routes advertised with --advertise-routes"),
		B("stateful-filtering", &a.stateful_filtering,
		  "apply stateful filtering to forwarded packets (subnet routers, exit nodes, and so on)"),
		S("netfilter-mode", &a.netfilter_mode, "netfilter mode (one of on, nodivert, off)"),
	};
#undef S
#undef B
	struct tn_cli_flagset fs = {
		.short_help = "Change specified preferences",
		.short_usage = "tnet set [flags]",
		.long_help = "\"tnet set\" allows changing specific preferences.\n\n"
			     "Unlike \"tnet up\", this command does not require the complete set of desired settings.\n\n"
			     "Only settings explicitly mentioned will be set. There are no default values.",
		.flags = flags, .n_flags = sizeof(flags) / sizeof(flags[0]),
	};
	char err[TN_CLI_ERROR_MAX];
	json_t *st = NULL, *mp = NULL, *cur = NULL, *check = NULL, *body = NULL;
	int rc;

	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	if (fs.argc > 0)
		return tn_cli_too_many_args(fs.argc, fs.argv);
	if ((rc = tn_cli_get_status(ctx, true, &st)))
		return rc;

	/* Every field gets the flag's value; only the marked ones count. */
	mp = tn_cli_prefs_zero();
	json_object_set_new(mp, "ProfileName", json_string(a.nickname));
	json_object_set_new(mp, "RouteAll", json_boolean(a.accept_routes));
	json_object_set_new(mp, "CorpDNS", json_boolean(a.accept_dns));
	json_object_set_new(mp, "ExitNodeAllowLANAccess", json_boolean(a.exit_node_allow_lan));
	json_object_set_new(mp, "ShieldsUp", json_boolean(a.shields_up));
	json_object_set_new(mp, "RunSSH", json_boolean(a.ssh));
	json_object_set_new(mp, "RunWebClient", json_boolean(a.webclient));
	json_object_set_new(mp, "Hostname", json_string(a.hostname));
	json_object_set_new(mp, "OperatorUser", json_string(a.operator_user));
	json_object_set_new(mp, "NoSNAT", json_boolean(!a.snat));
	json_object_set_new(mp, "Sync", json_false());
	json_object_set_new(mp, "AutoUpdate",
			    json_pack("{s:b,s:b}", "Check", a.update_check, "Apply", a.auto_update));
	json_object_set_new(mp, "AppConnector", json_pack("{s:b}", "Advertise", a.advertise_connector));
	json_object_set_new(mp, "PostureChecking", json_boolean(a.report_posture));
	json_object_set_new(mp, "NoStatefulFiltering", json_boolean(!a.stateful_filtering));
	const char *warning;
	int mode = tn_cli_netfilter_mode(a.netfilter_mode, &warning, err, sizeof(err));
	if (mode < 0) {
		rc = tn_cli_fail("%s", err);
		goto out;
	}
	if (warning)
		printf("Warning: %s\n", warning);
	json_object_set_new(mp, "NetfilterMode", json_integer(mode));
	if (*a.exit_node) {
		if (!strncmp(a.exit_node, "auto:", 5) && a.exit_node[5]) {
			json_object_set_new(mp, "AutoExitNode", json_string(a.exit_node + 5));
			json_object_set_new(mp, "AutoExitNodeSet", json_true());
		} else {
			char ip[64];
			int e = tn_cli_exit_node_ip(a.exit_node, st, ip, sizeof(ip), err, sizeof(err));
			if (e < 0) {
				rc = tn_cli_fail("%s%s", err, e == -EEXIST ? "; did you mean --advertise-exit-node?" : "");
				goto out;
			}
			json_object_set_new(mp, "ExitNodeIP", json_string(ip));
		}
	}
	for (size_t i = 0; i < fs.n_flags; i++)
		if (flags[i].set)
			tn_cli_prefs_mark_flag(mp, flags[i].name);
	if (tn_cli_prefs_mask_empty(mp)) {
		tn_cli_flags_usage(&fs, stderr, false);
		rc = 0;
		goto out;
	}
	if (tn_cli_localapi_call(ctx->socket, "GET", "/localapi/v0/prefs", NULL, 200,
				 TN_CLI_CALL_TIMEOUT_NS, &cur, err, sizeof(err)) < 0 || !json_is_object(cur)) {
		rc = tn_cli_fail("%s", cur ? "/localapi/v0/prefs: not a JSON object" : err);
		goto out;
	}
	if (json_is_true(json_object_get(mp, "AdvertiseRoutesSet"))) {
		json_t *routes = routes_for_set(&a, tn_cli_flag_set(&fs, "advertise-exit-node"),
						tn_cli_flag_set(&fs, "advertise-routes"), cur, err, sizeof(err));
		if (!routes) {
			rc = tn_cli_fail("%s", err);
			goto out;
		}
		json_object_set_new(mp, "AdvertiseRoutes", routes);
	}
	if (*a.relay_port) {
		char *end;
		unsigned long port = strtoul(a.relay_port, &end, 10);
		if (*end || end == a.relay_port || port > 65535 || a.relay_port[0] == '-' ||
		    a.relay_port[0] == '+') {
			rc = tn_cli_fail("failed to set relay server port: strconv.ParseUint: parsing \"%s\": invalid syntax",
					 a.relay_port);
			goto out;
		}
		json_object_set_new(mp, "RelayServerPort", json_integer((json_int_t)port));
	}
	if (*a.relay_endpoints) {
		json_t *eps = json_array();
		const char *s = a.relay_endpoints;
		json_object_set_new(mp, "RelayServerStaticEndpoints", eps);
		for (;;) {
			size_t n = strcspn(s, ",");
			char ep[128];
			snprintf(ep, sizeof(ep), "%.*s", (int)n, s);
			char *colon = strrchr(ep, ':');
			struct tn_cli_addr addr;
			char host[128];
			bool ok = colon && n < sizeof(ep);
			if (ok) {
				snprintf(host, sizeof(host), "%.*s", (int)(colon - ep), ep);
				size_t hl = strlen(host);
				bool v6 = hl > 2 && host[0] == '[' && host[hl - 1] == ']';
				if (v6) {
					memmove(host, host + 1, hl - 2);
					host[hl - 2] = '\0';
				}
				char *end;
				unsigned long port = strtoul(colon + 1, &end, 10);
				ok = tn_cli_addr_parse(host, &addr) == 0 && (addr.family == 6) == v6 &&
				     colon[1] && !*end && port <= 65535;
			}
			if (!ok) {
				rc = tn_cli_fail("failed to set relay server static endpoints: \"%s\" is not a valid IP:port", ep);
				goto out;
			}
			json_array_append_new(eps, json_string(ep));
			if (!s[n])
				break;
			s += n + 1;
		}
	}
	check = json_deep_copy(cur);
	tn_cli_prefs_apply_edits(check, mp);
	if (json_is_true(json_object_get(check, "NoSNAT")) &&
	    tn_cli_routes_have_exit(json_object_get(check, "AdvertiseRoutes")))
		printf("Warning: --snat-subnet-routes=false is set with --advertise-exit-node; "
		       "internet traffic through this exit node may not work as expected\n");
	fflush(stdout);
	body = tn_cli_prefs_ordered(check, false);
	if ((rc = tn_cli_check_prefs(ctx, body)))
		goto out;
	json_decref(body);
	body = tn_cli_prefs_ordered(mp, true);
	if (tn_cli_localapi_call(ctx->socket, "PATCH", "/localapi/v0/prefs", body, 200,
				 TN_CLI_CALL_TIMEOUT_NS, NULL, err, sizeof(err)) < 0) {
		rc = tn_cli_fail("%s", err);
		goto out;
	}
	const char *ip = json_string_value(json_array_get(tn_cli_json_array(st, "TailscaleIPs"), 0));
	if (a.webclient && ip)
		printf("\nWeb interface now running at %s:5252\n", ip);
	rc = 0;
out:
	json_decref(body);
	json_decref(check);
	json_decref(cur);
	json_decref(mp);
	json_decref(st);
	return rc;
}

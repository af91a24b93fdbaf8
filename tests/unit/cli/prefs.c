/* Prefs and MaskedPrefs as Go's client sends them, and the rules of
 * "tailscale up": flags to prefs, routes, exit nodes, hostnames, tags and
 * the re-specify check, against what Go's CLI sent and printed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/flags.h"
#include "cli/prefs.h"
#include "cli/upargs.h"
#include "cli/upcheck.h"
#include "fixture.h"

static void assert_encodes(const json_t *p, bool masked, const char *want)
{
	json_t *o = tn_cli_prefs_ordered(p, masked);
	char *s = tn_cli_json_encode(o, NULL);
	assert_string_equal(s, want);
	free(s);
	json_decref(o);
}

/* The bodies Go's CLI sent to tailscaled (captured on the socket). */
static const char up_body[] =
	"{\"ControlURL\":\"http://10.99.0.1:8080\",\"RouteAll\":false,\"ExitNodeID\":\"\",\"ExitNodeIP\":\"\","
	"\"InternalExitNodePrior\":\"\",\"ExitNodeAllowLANAccess\":false,\"CorpDNS\":true,\"RunSSH\":false,"
	"\"RunWebClient\":false,\"WantRunning\":true,\"LoggedOut\":false,\"ShieldsUp\":false,\"AdvertiseTags\":null,"
	"\"Hostname\":\"n1\",\"NotepadURLs\":false,\"AdvertiseRoutes\":null,\"AdvertiseServices\":null,\"Sync\":null,"
	"\"NoSNAT\":false,\"NoStatefulFiltering\":true,\"NetfilterMode\":2,\"AutoUpdate\":{\"Check\":true,\"Apply\":null},"
	"\"AppConnector\":{\"Advertise\":false},\"PostureChecking\":false,\"NetfilterKind\":\"\",\"DriveShares\":null,"
	"\"AllowSingleHosts\":true,\"Config\":null}";
static const char down_body[] =
	"{\"ControlURL\":\"\",\"RouteAll\":false,\"ExitNodeID\":\"\",\"ExitNodeIP\":\"\",\"InternalExitNodePrior\":\"\","
	"\"ExitNodeAllowLANAccess\":false,\"CorpDNS\":false,\"RunSSH\":false,\"RunWebClient\":false,\"WantRunning\":false,"
	"\"LoggedOut\":false,\"ShieldsUp\":false,\"AdvertiseTags\":null,\"Hostname\":\"\",\"NotepadURLs\":false,"
	"\"AdvertiseRoutes\":null,\"AdvertiseServices\":null,\"Sync\":null,\"NoSNAT\":false,\"NetfilterMode\":0,"
	"\"AutoUpdate\":{\"Check\":false,\"Apply\":null},\"AppConnector\":{\"Advertise\":false},\"PostureChecking\":false,"
	"\"NetfilterKind\":\"\",\"DriveShares\":null,\"AllowSingleHosts\":true,\"Config\":null,\"WantRunningSet\":true}";

struct up {
	struct tn_cli_up_args a;
	struct tn_cli_flag flags[TN_CLI_UP_FLAGS_MAX];
	struct tn_cli_flagset fs;
};

static void parse_up(struct up *u, char **argv, int argc)
{
	char err[TN_CLI_FLAG_ERROR_MAX];
	memset(u, 0, sizeof(*u));
	u->fs.flags = u->flags;
	u->fs.short_usage = "tnet up";
	u->fs.n_flags = tn_cli_up_flags(&u->a, false, u->flags);
	assert_int_equal(tn_cli_flags_parse(&u->fs, argc, argv, err, sizeof(err)), 0);
}

#define UP(u, ...) parse_up(u, (char *[]){ __VA_ARGS__ }, (int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))

static json_t *prefs_of(struct up *u, const json_t *st)
{
	struct tn_cli_buf warn;
	char err[256];
	tn_cli_buf_init(&warn);
	json_t *p = tn_cli_prefs_from_up_args(&u->a, st, &warn, err, sizeof(err));
	tn_cli_buf_free(&warn);
	assert_non_null(p);
	return p;
}

static void auth_keys_stay_out_of_messages(void **state)
{
	struct up u;
	char err[TN_CLI_FLAG_ERROR_MAX];
	char *argv[] = { "--auth-key=tskey-one", "--auth-key=tskey-two" };

	memset(&u, 0, sizeof(u));
	u.fs.flags = u.flags;
	u.fs.n_flags = tn_cli_up_flags(&u.a, false, u.flags);
	assert_int_equal(tn_cli_flags_parse(&u.fs, 2, argv, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid value \"REDACTED\" for flag -auth-key: flag provided multiple times");
}

static void bodies_are_gos(void **state)
{
	struct up u;
	json_t *st = fixture_json("status-needslogin.json");

	UP(&u, "--login-server=http://10.99.0.1:8080", "--hostname=n1");
	json_t *p = prefs_of(&u, st);
	assert_encodes(p, false, up_body);
	json_decref(p);

	json_t *mp = tn_cli_prefs_zero();
	json_object_set_new(mp, "WantRunningSet", json_true());
	assert_encodes(mp, true, down_body);
	assert_false(tn_cli_prefs_mask_empty(mp));
	json_decref(mp);

	/* omitempty members appear only when set, in Go's place for them;
	 * members we do not know are kept at the end. */
	mp = tn_cli_prefs_zero();
	json_object_set_new(mp, "Future", json_true());
	json_object_set_new(mp, "OperatorUser", json_string("bob"));
	tn_cli_prefs_mark_flag(mp, "operator");
	tn_cli_prefs_mark_flag(mp, "auto-update");
	tn_cli_prefs_mark_flag(mp, "exit-node");
	json_t *ord = tn_cli_prefs_ordered(mp, true);
	char *s = tn_cli_json_encode(ord, NULL);
	json_decref(ord);
	assert_non_null(strstr(s, "\"NetfilterMode\":0,\"OperatorUser\":\"bob\",\"AutoUpdate\""));
	assert_non_null(strstr(s, "\"ExitNodeIDSet\":true,\"ExitNodeIPSet\":true,\"OperatorUserSet\":true,"
				  "\"AutoUpdateSet\":{\"ApplySet\":true},\"Future\":true}"));
	free(s);
	json_decref(mp);
	json_decref(st);
}

static void apply_edits_and_empty_masks(void **state)
{
	json_t *cur = fixture_json("prefs-running.json");
	json_t *mp = tn_cli_prefs_zero();

	assert_true(tn_cli_prefs_mask_empty(mp));
	tn_cli_prefs_mark_flag(mp, "timeout");        /* prefless: marks nothing */
	assert_true(tn_cli_prefs_mask_empty(mp));
	json_object_set_new(mp, "Hostname", json_string("n1b"));
	json_object_set_new(mp, "AutoUpdate", json_pack("{s:b,s:b}", "Check", 0, "Apply", 1));
	tn_cli_prefs_mark_flag(mp, "hostname");
	tn_cli_prefs_mark_flag(mp, "auto-update");
	assert_false(tn_cli_prefs_mask_empty(mp));
	tn_cli_prefs_apply_edits(cur, mp);
	assert_string_equal(tn_cli_json_str(cur, "Hostname"), "n1b");
	assert_true(tn_cli_json_bool(json_object_get(cur, "AutoUpdate"), "Check"));   /* not marked */
	assert_true(tn_cli_json_bool(json_object_get(cur, "AutoUpdate"), "Apply"));
	assert_false(tn_cli_json_bool(cur, "CorpDNS") == 0);                        /* untouched */
	assert_string_equal(tn_cli_json_str(cur, "ControlURL"), "http://10.99.0.1:8080");
	json_decref(mp);
	json_decref(cur);
}

static const char *routes(const char *in, bool exit_node, char *err)
{
	static char *last;
	free(last);
	last = NULL;
	json_t *r = tn_cli_calc_advertise_routes(in, exit_node, err, 256);
	if (!r)
		return NULL;
	last = tn_cli_json_encode(r, NULL);
	json_decref(r);
	return last;
}

static void advertise_routes(void **state)
{
	char err[256];

	assert_string_equal(routes("", false, err), "null");
	assert_string_equal(routes("", true, err), "[\"0.0.0.0/0\",\"::/0\"]");
	assert_string_equal(routes("192.168.1.0/24,10.0.0.0/8,fd00::/8,10.0.0.0/8", true, err),
			    "[\"0.0.0.0/0\",\"::/0\",\"10.0.0.0/8\",\"fd00::/8\",\"192.168.1.0/24\"]");
	assert_string_equal(routes("::/0,0.0.0.0/0", false, err), "[\"0.0.0.0/0\",\"::/0\"]");
	assert_null(routes("1.2.3.4/33", false, err));
	assert_string_equal(err, "\"1.2.3.4/33\" is not a valid IP address or CIDR prefix");
	assert_null(routes("10.0.0.0/8,", false, err));
	assert_string_equal(err, "\"\" is not a valid IP address or CIDR prefix");
	assert_null(routes("10.1.2.3/8", false, err));
	assert_string_equal(err, "10.1.2.3/8 has non-address bits set; expected 10.0.0.0/8");
	assert_null(routes("0.0.0.0/0", false, err));
	assert_string_equal(err, "0.0.0.0/0 advertised without its IPv6 counterpart, please also advertise ::/0");
	assert_null(routes("10.0.0.0/08", false, err));

	json_t *r = json_pack("[s,s,s]", "0.0.0.0/0", "10.0.0.0/8", "::/0");
	assert_true(tn_cli_routes_have_exit(r));
	json_array_remove(r, 2);
	assert_false(tn_cli_routes_have_exit(r));
	json_decref(r);
}

static void up_args_are_checked_like_go(void **state)
{
	static const struct {
		char *args[2];
		const char *err;
	} bad[] = {
		{ { "--hostname=my host" }, "\"my host\" is not a valid DNS label: contains invalid character ' '" },
		{ { "--hostname=-a" }, "\"-a\" is not a valid DNS label: must start with a letter or number" },
		{ { "--hostname=a." }, NULL },
		{ { "--hostname=a..b" }, "\"\" is not a valid DNS label" },
		{ { "--advertise-tags=x,1a" }, "tag: \"tag:1a\": tag names must start with a letter, after 'tag:'" },
		{ { "--advertise-tags=foo:bar" }, "tag: \"foo:bar\": tags must start with 'tag:'" },
		{ { "--advertise-tags=tag:a_b" }, "tag: \"tag:a_b\": tag names can only contain numbers, letters, or dashes" },
		{ { "--exit-node-allow-lan-access" }, "--exit-node-allow-lan-access can only be used with --exit-node" },
		{ { "--netfilter-mode=maybe" }, "invalid value --netfilter-mode=\"maybe\"" },
		{ { "--exit-node=nosuch" }, "invalid value \"nosuch\" for --exit-node; must be IP or hostname" },
		{ { "--exit-node=100.64.0.1" }, "node 100.64.0.1 is not advertising an exit node" },
		{ { "--exit-node=100.64.0.2" },
		  "cannot use 100.64.0.2 as an exit node as it is a local IP address to this machine; did you mean --advertise-exit-node?" },
		{ { "--exit-node=100.64.0.99" }, "no node found in netmap with IP 100.64.0.99" },
	};
	json_t *st = fixture_json("status-running.json");
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct up u;
		struct tn_cli_buf warn;
		parse_up(&u, (char **)bad[i].args, 1);
		tn_cli_buf_init(&warn);
		json_t *p = tn_cli_prefs_from_up_args(&u.a, st, &warn, err, sizeof(err));
		tn_cli_buf_free(&warn);
		if (!bad[i].err) {
			assert_non_null(p);
			json_decref(p);
			continue;
		}
		assert_null(p);
		assert_string_equal(err, bad[i].err);
	}

	/* Tags get their prefix; routes, netfilter-mode and exit nodes land
	 * in their prefs, with Go's warnings. */
	struct up u;
	struct tn_cli_buf warn;
	UP(&u, "--advertise-tags=eng,tag:ssh", "--advertise-routes=10.0.0.0/8", "--advertise-exit-node",
	   "--snat-subnet-routes=false", "--netfilter-mode=off", "--exit-node=auto:any", "--operator=bob");
	tn_cli_buf_init(&warn);
	json_t *p = tn_cli_prefs_from_up_args(&u.a, st, &warn, err, sizeof(err));
	assert_non_null(p);
	char *s = tn_cli_json_encode(json_object_get(p, "AdvertiseTags"), NULL);
	assert_string_equal(s, "[\"tag:eng\",\"tag:ssh\"]");
	free(s);
	s = tn_cli_json_encode(json_object_get(p, "AdvertiseRoutes"), NULL);
	assert_string_equal(s, "[\"0.0.0.0/0\",\"::/0\",\"10.0.0.0/8\"]");
	free(s);
	assert_int_equal(tn_cli_json_int(p, "NetfilterMode"), TN_CLI_NETFILTER_OFF);
	assert_true(tn_cli_json_bool(p, "NoSNAT"));
	assert_string_equal(tn_cli_json_str(p, "AutoExitNode"), "any");
	assert_string_equal(tn_cli_json_str(p, "OperatorUser"), "bob");
	assert_string_equal(tn_cli_buf_str(&warn),
		"Warning: --snat-subnet-routes=false is set with --advertise-exit-node; internet traffic through "
		"this exit node may not work as expected\nWarning: netfilter=off; configure iptables yourself.\n");
	tn_cli_buf_free(&warn);
	json_decref(p);

	/* An exit node by name, when the peer offers one. */
	json_t *peer = NULL;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(st, "Peer"), k, v)
		peer = v;
	json_object_set_new(peer, "ExitNodeOption", json_true());
	char ip[64];
	assert_int_equal(tn_cli_exit_node_ip("N2", st, ip, sizeof(ip), err, sizeof(err)), 0);
	assert_string_equal(ip, "100.64.0.1");
	assert_int_equal(tn_cli_exit_node_ip("n2.tailnet.test", st, ip, sizeof(ip), err, sizeof(err)), 0);
	assert_int_equal(tn_cli_exit_node_ip("100.64.0.1", st, ip, sizeof(ip), err, sizeof(err)), 0);
	json_decref(st);
}

struct check {
	json_t *cur;
	struct up u;
	struct tn_cli_upcheck env;
	struct tn_cli_buf msg;
	bool simple;
};

static int run_check(struct check *c, const char *state)
{
	json_t *st = fixture_json("status-running.json");
	json_t *newp = prefs_of(&c->u, st);
	c->env = (struct tn_cli_upcheck){ .fs = &c->u.fs, .prog = "tnet", .user = "root",
					  .backend_state = state, .cur_exit_node_ip = "" };
	tn_cli_buf_init(&c->msg);
	tn_cli_apply_implicit_prefs(newp, c->cur, &c->env);
	int rc = tn_cli_check_reverts(newp, c->cur, &c->env, &c->simple, &c->msg);
	json_decref(newp);
	json_decref(st);
	return rc;
}

static const char prefix[] =
	"Error: changing settings via 'tnet up' requires mentioning all\n"
	"non-default flags. To proceed, either re-run your command with --reset or\n"
	"use the command below to explicitly mention the current value of\n"
	"all non-default settings:\n\n";

static void respecify_rule(void **state)
{
	struct check c;
	char want[1024];

	/* Go printed "tailscale up --hostname=n1 --accept-dns=false
	 * --login-server=http://10.99.0.1:8080 --shields-up" here. */
	c.cur = fixture_json("prefs-running.json");
	json_object_set_new(c.cur, "CorpDNS", json_false());
	json_object_set_new(c.cur, "ShieldsUp", json_true());
	UP(&c.u, "--hostname=n1");
	assert_int_equal(run_check(&c, "Running"), -EINVAL);
	snprintf(want, sizeof(want), "%s\ttnet up --hostname=n1 --accept-dns=false "
		 "--login-server=http://10.99.0.1:8080 --shields-up\n\n", prefix);
	assert_string_equal(tn_cli_buf_str(&c.msg), want);
	tn_cli_buf_free(&c.msg);

	/* Mentioning them all passes. */
	UP(&c.u, "--hostname=n1", "--accept-dns=false", "--login-server=http://10.99.0.1:8080", "--shields-up");
	assert_int_equal(run_check(&c, "Running"), 0);
	assert_false(c.simple);
	tn_cli_buf_free(&c.msg);
	json_decref(c.cur);

	/* Routes, exit node and operator, as Go listed them; booleans given
	 * as false and the prefless --timeout show among the explicit ones. */
	c.cur = fixture_json("prefs-running.json");
	json_object_set_new(c.cur, "AdvertiseRoutes",
			    json_pack("[s,s,s,s]", "0.0.0.0/0", "::/0", "10.0.0.0/8", "192.168.1.0/24"));
	json_object_set_new(c.cur, "OperatorUser", json_string("nobody"));
	UP(&c.u, "--advertise-tags=x", "--timeout=30s", "--ssh=false", "--auth-key=tskey-secret");
	assert_int_equal(run_check(&c, "Running"), -EINVAL);
	snprintf(want, sizeof(want), "%s\ttnet up --advertise-tags=x --auth-key=REDACTED --ssh=false --timeout=30s "
		 "--advertise-exit-node --advertise-routes=10.0.0.0/8,192.168.1.0/24 --hostname=n1 "
		 "--login-server=http://10.99.0.1:8080 --operator=nobody\n\n", prefix);
	assert_string_equal(tn_cli_buf_str(&c.msg), want);
	assert_null(strstr(tn_cli_buf_str(&c.msg), "tskey-secret"));
	tn_cli_buf_free(&c.msg);

	/* The operator is implicit when it is the current user. */
	c.env.user = "nobody";
	UP(&c.u, "--login-server=http://10.99.0.1:8080", "--hostname=n1", "--advertise-exit-node",
	   "--advertise-routes=192.168.1.0/24,10.0.0.0/8");
	json_t *st = fixture_json("status-running.json");
	json_t *newp = prefs_of(&c.u, st);
	tn_cli_apply_implicit_prefs(newp, c.cur, &(struct tn_cli_upcheck){ .fs = &c.u.fs, .user = "nobody" });
	assert_string_equal(tn_cli_json_str(newp, "OperatorUser"), "nobody");
	json_decref(newp);
	json_decref(st);
	json_decref(c.cur);
}

static void bare_up_and_special_cases(void **state)
{
	struct check c;

	/* No flags, logged in, not NeedsLogin: a simple up. */
	c.cur = fixture_json("prefs-running.json");
	UP(&c.u, "--");
	assert_int_equal(run_check(&c, "Stopped"), 0);
	assert_true(c.simple);
	tn_cli_buf_free(&c.msg);
	assert_int_equal(run_check(&c, "Running"), 0);
	assert_true(c.simple);
	tn_cli_buf_free(&c.msg);
	/* ...but not when logged out: then every default must match. */
	assert_int_equal(run_check(&c, "NeedsLogin"), -EINVAL);
	assert_non_null(strstr(tn_cli_buf_str(&c.msg), "--hostname=n1 --login-server=http://10.99.0.1:8080\n"));
	tn_cli_buf_free(&c.msg);

	/* Synonyms of the default control URL are the same server. */
	json_object_set_new(c.cur, "ControlURL", json_string("https://login.tailscale.com"));
	json_object_set_new(c.cur, "Hostname", json_string(""));
	UP(&c.u, "--timeout=1s");
	assert_int_equal(run_check(&c, "Running"), 0);
	tn_cli_buf_free(&c.msg);
	assert_false(tn_cli_control_url_changed("https://login.tailscale.com", TN_CLI_DEFAULT_CONTROL_URL));
	assert_true(tn_cli_control_url_changed("http://10.99.0.1:8080", TN_CLI_DEFAULT_CONTROL_URL));
	assert_false(tn_cli_control_url_changed("http://x", "http://x"));

	/* Stateful filtering on from tailscale 1.66.0-1.66.3 is not held
	 * against the user. */
	json_object_set_new(c.cur, "NoStatefulFiltering", json_false());
	assert_int_equal(run_check(&c, "Running"), 0);
	tn_cli_buf_free(&c.msg);
	/* A first up (no control URL yet) is never checked. */
	json_object_set_new(c.cur, "ControlURL", json_string(""));
	json_object_set_new(c.cur, "ShieldsUp", json_true());
	assert_int_equal(run_check(&c, "NeedsLogin"), 0);
	tn_cli_buf_free(&c.msg);
	json_decref(c.cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auth_keys_stay_out_of_messages),
		cmocka_unit_test(bodies_are_gos),
		cmocka_unit_test(apply_edits_and_empty_masks),
		cmocka_unit_test(advertise_routes),
		cmocka_unit_test(up_args_are_checked_like_go),
		cmocka_unit_test(respecify_rule),
		cmocka_unit_test(bare_up_and_special_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tailcfg: text forms, the request builders against Go's own output, the
 * RegisterResponse parser and field-naming errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "control/tailcfg.h"
#include "control/tailcfg_scan.h"

/* What Go 1.26's encoding/json writes for the same tailcfg structs
 * (tailscale.com v1.98.10; generated with a throw-away Go program that
 * marshals RegisterRequest / MapRequest with the values used below). */
static const char go_reg1[] =
	"{\"Version\":113,\"NodeKey\":\"nodekey:0102030405060708090a0b0c0d0e0f1011"
	"12131415161718191a1b1c1d1e1f20\",\"OldNodeKey\":\"nodekey:00000000000000"
	"00000000000000000000000000000000000000000000000000\",\"NLKey\":\"nlpub:0"
	"000000000000000000000000000000000000000000000000000000000000000\",\"Au"
	"th\":{\"AuthKey\":\"hskey-auth-SECRET\"},\"Expiry\":\"0001-01-01T00:00:00Z\","
	"\"Followup\":\"\",\"Hostinfo\":{\"IPNVersion\":\"0.1.0-tailnetd\",\"BackendLogI"
	"D\":\"abc123\",\"OS\":\"linux\",\"OSVersion\":\"6.1.0\",\"Hostname\":\"alpha \\u003"
	"c\\u0026\\u003e \\u2028 \\u0001\\n\\\"q\\\"\",\"ShieldsUp\":true,\"RoutableIPs\":["
	"\"10.0.0.0/8\",\"2001:db8::/32\",\"0.0.0.0/0\"],\"RequestTags\":[\"tag:server"
	"\",\"tag:web\"],\"NetInfo\":{\"WorkingIPv6\":false,\"WorkingUDP\":true,\"Prefe"
	"rredDERP\":900,\"DERPLatency\":{\"1-v6\":1e-7,\"2-v4\":123456789.125,\"3-v4\""
	":1e+21,\"4-v4\":0,\"5-v4\":5,\"900-v4\":0.012,\"901-v4\":0.3}},\"Userspace\":t"
	"rue},\"Ephemeral\":true,\"NodeKeySignature\":null}";
static const char go_reg2[] =
	"{\"Version\":113,\"NodeKey\":\"nodekey:0102030405060708090a0b0c0d0e0f1011"
	"12131415161718191a1b1c1d1e1f20\",\"OldNodeKey\":\"nodekey:00000000000000"
	"00000000000000000000000000000000000000000000000000\",\"NLKey\":\"nlpub:0"
	"000000000000000000000000000000000000000000000000000000000000000\",\"Ex"
	"piry\":\"1970-01-01T00:02:03Z\",\"Followup\":\"http://hs/register/x\",\"Host"
	"info\":{\"OS\":\"linux\",\"Hostname\":\"h\"},\"NodeKeySignature\":null}";
static const char go_map1[] =
	"{\"Version\":113,\"KeepAlive\":true,\"NodeKey\":\"nodekey:01020304050607080"
	"90a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\",\"DiscoKey\":\"discoke"
	"y:404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\","
	"\"Stream\":true,\"Hostinfo\":{\"OS\":\"linux\",\"Hostname\":\"h\",\"NetInfo\":{\"Pr"
	"eferredDERP\":1}},\"Endpoints\":[\"192.0.2.1:41641\",\"[2001:db8::1]:41641"
	"\",\"[::ffff:1.2.3.4]:1\"],\"EndpointTypes\":[1,2,5]}";
static const char go_map2[] =
	"{\"Version\":113,\"NodeKey\":\"nodekey:0102030405060708090a0b0c0d0e0f1011"
	"12131415161718191a1b1c1d1e1f20\",\"DiscoKey\":\"discokey:404142434445464"
	"748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\",\"Hostinfo\":{\"OS\":"
	"\"linux\"},\"OmitPeers\":true}";

static void fill_key(uint8_t k[TN_KEY_LEN], uint8_t first)
{
	for (int i = 0; i < TN_KEY_LEN; i++)
		k[i] = (uint8_t)(first + i);
}

static struct tn_tailcfg_prefix prefix(const char *s)
{
	struct tn_tailcfg_prefix p;

	assert_int_equal(tn_tailcfg_prefix_parse(&p, s, strlen(s)), 0);
	return p;
}

static struct tn_tailcfg_addrport addrport(const char *s)
{
	struct tn_tailcfg_addrport a;

	assert_int_equal(tn_tailcfg_addrport_parse(&a, s, strlen(s)), 0);
	return a;
}

/* Every field of a against b, recursively, with Jansson; then the bytes. */
static void assert_json_same(const char *got, size_t gotlen, const char *want)
{
	json_error_t je;
	json_t *g = json_loadb(got, gotlen, 0, &je), *w = json_loads(want, 0, &je);
	const char *k;
	json_t *v;

	assert_non_null(g);
	assert_non_null(w);
	assert_int_equal(json_object_size(g), json_object_size(w));
	json_object_foreach(w, k, v) {
		json_t *gv = json_object_get(g, k);

		if (!gv || !json_equal(gv, v))
			fail_msg("field %s differs", k);
	}
	assert_true(json_equal(g, w));
	json_decref(g);
	json_decref(w);
	assert_int_equal(gotlen, strlen(want));
	assert_memory_equal(got, want, gotlen);
}

/* --- builders ------------------------------------------------------------- */

static void register_request_full(void **state)
{
	static const struct tn_tailcfg_derp_latency lat[] = {
		{ "900-v4", 0.012 }, { "901-v4", 0.3 }, { "1-v6", 1e-7 },
		{ "2-v4", 123456789.125 }, { "3-v4", 1e21 }, { "4-v4", 0 },
		{ "5-v4", 5 },
	};
	static const char *const tags[] = { "tag:server", "tag:web" };
	struct tn_tailcfg_prefix routes[3] = {
		prefix("10.0.0.0/8"), prefix("2001:db8::/32"), prefix("0.0.0.0/0"),
	};
	struct tn_tailcfg_hostinfo hi = {
		.ipn_version = "0.1.0-tailnetd",
		.backend_log_id = "abc123",
		.os_version = "6.1.0",
		/* HTML characters, U+2028, a control, a newline and quotes. */
		.hostname = "alpha <&> \xe2\x80\xa8 \x01\n\"q\"",
		.shields_up = true,
		.routable_ips = routes,
		.n_routable_ips = 3,
		.request_tags = tags,
		.n_request_tags = 2,
		.has_net_info = true,
		.net_info = {
			.working_ipv6 = TN_TAILCFG_FALSE,
			.working_udp = TN_TAILCFG_TRUE,
			.preferred_derp = 900,
			.derp_latency = lat,
			.n_derp_latency = sizeof(lat) / sizeof(lat[0]),
		},
		.userspace = TN_TAILCFG_TRUE,
	};
	struct tn_tailcfg_register_request r = {
		.version = 113,
		.auth_key = "hskey-auth-SECRET",
		.hostinfo = &hi,
		.ephemeral = true,
	};
	char *out;
	size_t len;

	fill_key(r.node_key, 1);
	assert_int_equal(tn_tailcfg_register_request_json(&r, &out, &len), 0);
	assert_json_same(out, len, go_reg1);
	tn_tailcfg_secret_free(out, len);
}

static void register_request_logout_followup(void **state)
{
	struct tn_tailcfg_hostinfo hi = { .hostname = "h" };
	struct tn_tailcfg_register_request r = {
		.version = 113,
		.expiry = TN_TAILCFG_LOGOUT_EXPIRY,
		.followup = "http://hs/register/x",
		.hostinfo = &hi,
	};
	char *out;
	size_t len;

	fill_key(r.node_key, 1);
	assert_int_equal(tn_tailcfg_register_request_json(&r, &out, &len), 0);
	assert_json_same(out, len, go_reg2);
	/* No auth key given: no Auth object at all. */
	assert_null(strstr(out, "Auth"));
	tn_tailcfg_secret_free(out, len);
}

static void map_request_stream(void **state)
{
	struct tn_tailcfg_hostinfo hi = {
		.hostname = "h",
		.has_net_info = true,
		.net_info = { .preferred_derp = 1 },
	};
	struct tn_tailcfg_addrport eps[3] = {
		addrport("192.0.2.1:41641"), addrport("[2001:db8::1]:41641"),
		addrport("[::ffff:1.2.3.4]:1"),
	};
	enum tn_tailcfg_endpoint_type types[3] = {
		TN_TAILCFG_EP_LOCAL, TN_TAILCFG_EP_STUN, TN_TAILCFG_EP_EXPLICIT,
	};
	struct tn_tailcfg_map_request r = {
		.version = 113,
		.keep_alive = true,
		.stream = true,
		.hostinfo = &hi,
		.endpoints = eps,
		.endpoint_types = types,
		.n_endpoints = 3,
	};
	char *out;
	size_t len;

	fill_key(r.node_key, 1);
	fill_key(r.disco_key, 0x40);
	assert_int_equal(tn_tailcfg_map_request_json(&r, &out, &len), 0);
	assert_json_same(out, len, go_map1);
	assert_null(strstr(out, "Compress"));
	tn_tailcfg_secret_free(out, len);
}

static void map_request_lite(void **state)
{
	struct tn_tailcfg_hostinfo hi = { 0 };
	struct tn_tailcfg_map_request r = {
		.version = 113,
		.hostinfo = &hi,
		.omit_peers = true,
	};
	char *out;
	size_t len;

	fill_key(r.node_key, 1);
	fill_key(r.disco_key, 0x40);
	assert_int_equal(tn_tailcfg_map_request_json(&r, &out, &len), 0);
	assert_json_same(out, len, go_map2);
	tn_tailcfg_secret_free(out, len);
}

static void hostinfo_escaping_and_floats(void **state)
{
	static const struct tn_tailcfg_derp_latency lat[] = {
		{ "a", 1.5e-6 }, { "b", 0.1 + 0.2 }, { "c", -2.5 }, { "d", 1e20 },
	};
	struct tn_tailcfg_hostinfo hi = {
		.hostname = "bad\xff utf8 \t\b\f\x7f",
		.has_net_info = true,
		.net_info = { .derp_latency = lat, .n_derp_latency = 4 },
	};
	char *out;
	size_t len;

	assert_int_equal(tn_tailcfg_hostinfo_json(&hi, &out, &len), 0);
	assert_string_equal(out,
		"{\"OS\":\"linux\",\"Hostname\":\"bad\\ufffd utf8 \\t\\b\\f\x7f\","
		"\"NetInfo\":{\"DERPLatency\":{\"a\":0.0000015,"
		"\"b\":0.30000000000000004,\"c\":-2.5,\"d\":100000000000000000000}}}");
	tn_tailcfg_secret_free(out, len);

	/* Go refuses NaN and infinities. */
	hi.net_info.derp_latency = (struct tn_tailcfg_derp_latency[]){ { "x", NAN } };
	hi.net_info.n_derp_latency = 1;
	assert_int_equal(tn_tailcfg_hostinfo_json(&hi, &out, &len), -EINVAL);
}

/* --- text forms ----------------------------------------------------------- */

static void ip_text_forms(void **state)
{
	/* Pairs of input and Go's netip.Addr.String(). */
	static const char *const cases[][2] = {
		{ "1:0:0:1:0:0:0:1", "1:0:0:1::1" }, { "::", "::" },
		{ "::1", "::1" }, { "1::", "1::" },
		{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
		{ "fd7a:115c:a1e0::3", "fd7a:115c:a1e0::3" },
		{ "::1.2.3.4", "::102:304" }, { "1:0:0:2:0:0:3:4", "1::2:0:0:3:4" },
		{ "FE80::1:2", "fe80::1:2" }, { "::ffff:1.2.3.4", "::ffff:1.2.3.4" },
		{ "100.64.0.1", "100.64.0.1" }, { "fe80::1%eth0", "fe80::1" },
	};
	char out[TN_TAILCFG_ADDRPORT_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tn_tailcfg_ip ip;

		assert_int_equal(tn_tailcfg_ip_parse(&ip, cases[i][0], strlen(cases[i][0])), 0);
		tn_tailcfg_ip_format(out, &ip);
		assert_string_equal(out, cases[i][1]);
	}
}

static void prefix_and_addrport(void **state)
{
	static const char *const bad_prefixes[] = {
		"100.64.0.1", "100.64.0.1/33", "::/129", "1.2.3.4/032", "1.2.3.4/",
		"1.2.3.4/-1", "01.2.3.4/32", "fe80::1%eth0/64", "x/8", "",
	};
	static const char *const bad_addrports[] = {
		"1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "2001:db8::1:80",
		"[1.2.3.4]:80", "[2001:db8::1]", "[2001:db8::1:80", ":80", "a:1",
	};
	struct tn_tailcfg_prefix p;
	struct tn_tailcfg_addrport a;
	char out[TN_TAILCFG_ADDRPORT_MAX];

	p = prefix("100.64.0.3/32");
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.bits, 32);
	tn_tailcfg_prefix_format(out, &p);
	assert_string_equal(out, "100.64.0.3/32");
	p = prefix("FD7A:115C:A1E0::3/128");
	tn_tailcfg_prefix_format(out, &p);
	assert_string_equal(out, "fd7a:115c:a1e0::3/128");
	p = prefix("10.1.2.3/8");     /* host bits kept, like netip */
	tn_tailcfg_prefix_format(out, &p);
	assert_string_equal(out, "10.1.2.3/8");
	for (size_t i = 0; i < sizeof(bad_prefixes) / sizeof(*bad_prefixes); i++)
		if (!tn_tailcfg_prefix_parse(&p, bad_prefixes[i], strlen(bad_prefixes[i])))
			fail_msg("accepted prefix %s", bad_prefixes[i]);

	a = addrport("[fe80::1%eth0]:41641");
	tn_tailcfg_addrport_format(out, &a);
	assert_string_equal(out, "[fe80::1]:41641");
	a = addrport("192.0.2.2:0041701");  /* ParseUint allows leading zeros */
	assert_int_equal(a.port, 41701);
	for (size_t i = 0; i < sizeof(bad_addrports) / sizeof(*bad_addrports); i++)
		if (!tn_tailcfg_addrport_parse(&a, bad_addrports[i], strlen(bad_addrports[i])))
			fail_msg("accepted ip:port %s", bad_addrports[i]);
	/* Never reads past len. */
	assert_int_equal(tn_tailcfg_addrport_parse(&a, "1.2.3.4:5", 8), -EINVAL);
}

static void time_forms(void **state)
{
	/* Unix ns and Go's MarshalJSON text. */
	static const struct {
		int64_t ns;
		const char *text;
	} go[] = {
		{ 123000000000LL, "1970-01-01T00:02:03Z" },
		{ 1795591946681825885LL, "2026-11-25T07:32:26.681825885Z" },
		{ 1795591946000000000LL, "2026-11-25T07:32:26Z" },
		{ 1795591946100000000LL, "2026-11-25T07:32:26.1Z" },
		{ -1, "1969-12-31T23:59:59.999999999Z" },
		{ INT64_MAX, "2262-04-11T23:47:16.854775807Z" },
		{ 0, "0001-01-01T00:00:00Z" },
	};
	static const char *const bad[] = {
		"2026-11-25", "2026-11-25T07:32:26", "2026-02-29T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T07:60:00Z",
		"2026-11-25T07:32:60Z", "2026-11-25 07:32:26Z", "2026-11-25T07:32:26.Z",
		"2026-11-25T07:32:26+0100", "2026-11-25T07:32:26+24:00", "2026-11-25T07:32:26Zx",
		"2026-11-25t07:32:26z",
	};
	char out[TN_TAILCFG_TIME_MAX];
	int64_t ns;

	for (size_t i = 0; i < sizeof(go) / sizeof(go[0]); i++) {
		tn_tailcfg_time_format(out, go[i].ns);
		assert_string_equal(out, go[i].text);
		assert_int_equal(tn_tailcfg_time_parse(&ns, go[i].text, strlen(go[i].text)), 0);
		assert_int_equal(ns, go[i].ns);
	}
	assert_int_equal(tn_tailcfg_time_parse(&ns, "2026-11-25T08:32:26.5+01:00", 27), 0);
	assert_int_equal(ns, 1795591946500000000LL);
	assert_int_equal(tn_tailcfg_time_parse(&ns, "2024-02-29T00:00:00.1234567891Z", 31), 0);
	assert_int_equal(ns % 1000000000, 123456789);
	/* Outside int64 nanoseconds: clamped, and never 0 ("none"). */
	assert_int_equal(tn_tailcfg_time_parse(&ns, "9999-12-31T23:59:59Z", 20), 0);
	assert_int_equal(ns, INT64_MAX);
	assert_int_equal(tn_tailcfg_time_parse(&ns, "0001-01-01T00:00:01Z", 20), 0);
	assert_int_equal(ns, INT64_MIN);
	assert_int_equal(tn_tailcfg_time_parse(&ns, "1970-01-01T00:00:00Z", 20), 0);
	assert_int_equal(ns, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!tn_tailcfg_time_parse(&ns, bad[i], strlen(bad[i])))
			fail_msg("accepted time %s", bad[i]);
}

/* --- parsers -------------------------------------------------------------- */

static void register_response_success(void **state)
{
	/* Captured from headscale v0.29.3 (tailscaled TS_DEBUG_REGISTER). */
	static const char j[] =
		"{\"User\":{\"ID\":1,\"DisplayName\":\"alice\",\"Created\":"
		"\"2026-11-25T07:31:36.252256988Z\"},\"Login\":{\"ID\":1,\"Provider\":\"\","
		"\"LoginName\":\"alice\",\"DisplayName\":\"alice\"},\"NodeKeyExpired\":false,"
		"\"MachineAuthorized\":true,\"AuthURL\":\"\",\"NodeKeySignature\":null,"
		"\"Error\":\"\"}";
	struct tn_tailcfg_register_response r;
	char err[TN_TAILCFG_ERR_MAX];

	assert_int_equal(tn_tailcfg_register_response_parse(&r, j, strlen(j), err, sizeof(err)), 0);
	assert_int_equal(r.user.id, 1);
	assert_string_equal(r.user.display_name, "alice");
	assert_int_equal(r.user.created, 1795591896252256988LL);
	assert_string_equal(r.login.login_name, "alice");
	assert_string_equal(r.login.provider, "");
	assert_true(r.machine_authorized);
	assert_false(r.node_key_expired);
	assert_string_equal(r.auth_url, "");
	assert_string_equal(r.error, "");
	assert_null(r.node_key_signature);
	tn_tailcfg_register_response_free(&r);
}

static void register_response_error_and_auth_url(void **state)
{
	static const char e1[] =
		"{\"User\":{\"ID\":0,\"DisplayName\":\"\"},\"Login\":{\"ID\":0,\"Provider\":\"\","
		"\"LoginName\":\"\",\"DisplayName\":\"\"},\"NodeKeyExpired\":false,"
		"\"MachineAuthorized\":false,\"AuthURL\":\"\",\"NodeKeySignature\":null,"
		"\"Error\":\"authkey expired\"}";
	static const char a1[] =
		"{\"AuthURL\":\"http://hs/register/hskey-authreq-0123\","
		"\"NodeKeySignature\":\"AQID\",\"Future\":{\"x\":[1]}}";
	struct tn_tailcfg_register_response r;
	char err[TN_TAILCFG_ERR_MAX];

	assert_int_equal(tn_tailcfg_register_response_parse(&r, e1, strlen(e1), err, sizeof(err)), 0);
	assert_string_equal(r.error, "authkey expired");
	assert_false(r.machine_authorized);
	tn_tailcfg_register_response_free(&r);

	assert_int_equal(tn_tailcfg_register_response_parse(&r, a1, strlen(a1), err, sizeof(err)), 0);
	assert_string_equal(r.auth_url, "http://hs/register/hskey-authreq-0123");
	assert_int_equal(r.node_key_signature_len, 3);
	assert_memory_equal(r.node_key_signature, "\x01\x02\x03", 3);
	assert_string_equal(r.user.display_name, "");   /* absent: "" */
	tn_tailcfg_register_response_free(&r);
}

static void register_response_malformed(void **state)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
		{ "{\"Error\":5}", "RegisterResponse.Error: not a string" },
		{ "{\"User\":{\"ID\":\"1\"}}", "RegisterResponse.User.ID: not an integer" },
		{ "{\"Login\":[]}", "RegisterResponse.Login: not an object" },
		{ "{\"MachineAuthorized\":1}", "RegisterResponse.MachineAuthorized: not a boolean" },
		{ "{\"NodeKeySignature\":\"!!\"}", "RegisterResponse.NodeKeySignature: not base64" },
		{ "[]", "RegisterResponse: not a JSON object" },
	};
	struct tn_tailcfg_register_response r;
	char err[TN_TAILCFG_ERR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tn_tailcfg_register_response_parse(&r, cases[i].json,
				 strlen(cases[i].json), err, sizeof(err)), -EBADMSG);
		assert_string_equal(err, cases[i].err);
	}
	assert_int_equal(tn_tailcfg_register_response_parse(&r, "{\"Error\":", 9, err,
							    sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "invalid JSON"));
}

static void node_parse_fields(void **state)
{
	static const char j[] =
		"{\"ID\":7,\"StableID\":\"7\",\"Name\":\"n.ts.net.\",\"User\":3,"
		"\"Key\":\"nodekey:0101010101010101010101010101010101010101010101010101010101010101\","
		"\"KeyExpiry\":\"2030-01-01T00:00:00Z\","
		"\"Machine\":\"mkey:0202020202020202020202020202020202020202020202020202020202020202\","
		"\"DiscoKey\":\"discokey:0303030303030303030303030303030303030303030303030303030303030303\","
		"\"Addresses\":[\"100.64.0.7/32\",\"fd7a:115c:a1e0::7/128\"],"
		"\"Endpoints\":[\"192.0.2.7:41641\",\"[2001:db8::7]:41641\"],"
		"\"DERP\":\"127.3.3.40:901\",\"Hostinfo\":{\"Hostname\":\"seven\",\"OS\":\"linux\","
		"\"Services\":[{\"Proto\":\"peerapi4\",\"Port\":1}]},"
		"\"Cap\":113,\"Tags\":[\"tag:a\"],\"PrimaryRoutes\":[\"10.0.0.0/8\"],"
		"\"LastSeen\":\"2026-01-01T00:00:00Z\",\"Online\":false,\"MachineAuthorized\":true,"
		"\"Capabilities\":[\"ignored-for-peers\"],"
		"\"CapMap\":{\"b\":[],\"a\":null},\"SomeFutureField\":{\"x\":1}}";
	json_t *v = json_loads(j, 0, NULL);
	struct tn_tailcfg_node n, m;
	char err[TN_TAILCFG_ERR_MAX], text[TN_TAILCFG_ADDRPORT_MAX];

	assert_int_equal(tn_tailcfg_node_parse(&n, v, err, sizeof(err)), 0);
	assert_int_equal(n.id, 7);
	assert_string_equal(n.name, "n.ts.net.");
	assert_int_equal(n.key[0], 1);
	assert_int_equal(n.machine[31], 2);
	assert_int_equal(n.disco_key[5], 3);
	assert_int_equal(n.key_expiry, 1893456000LL * 1000000000);
	assert_int_equal(n.n_addresses, 2);
	assert_int_equal(n.n_allowed_ips, 2);   /* absent: same as Addresses */
	assert_memory_equal(n.allowed_ips, n.addresses, 2 * sizeof(*n.addresses));
	tn_tailcfg_addrport_format(text, &n.endpoints[1]);
	assert_string_equal(text, "[2001:db8::7]:41641");
	assert_int_equal(n.home_derp, 901);
	assert_string_equal(n.hostname, "seven");
	assert_string_equal(n.os, "linux");
	/* Without the raw text, Hostinfo is re-serialised compactly. */
	assert_string_equal(n.hostinfo, "{\"Hostname\":\"seven\",\"OS\":\"linux\","
			    "\"Services\":[{\"Proto\":\"peerapi4\",\"Port\":1}]}");
	assert_int_equal(n.hostinfo_len, strlen(n.hostinfo));
	assert_int_equal(n.cap, 113);
	assert_int_equal(n.online, TN_TAILCFG_FALSE);
	assert_int_equal(n.n_cap_map, 2);
	assert_string_equal(n.cap_map[0], "a");   /* sorted */
	assert_string_equal(n.cap_map[1], "b");
	assert_true(n.machine_authorized);
	assert_int_equal(tn_tailcfg_node_parse(&m, v, err, sizeof(err)), 0);
	assert_true(tn_tailcfg_node_equal(&n, &m));
	m.home_derp = 1;
	assert_false(tn_tailcfg_node_equal(&n, &m));
	tn_tailcfg_node_free(&m);
	tn_tailcfg_node_free(&n);
	json_decref(v);
}

static void node_parse_errors(void **state)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
		{ "{\"Key\":\"mkey:0101010101010101010101010101010101010101010101010101010101010101\"}",
		  "Key: not a nodekey" },
		{ "{\"DiscoKey\":5}", "DiscoKey: not a discokey" },
		{ "{\"Addresses\":[\"100.64.0.1/32\",\"100.64.0.1\"]}",
		  "Addresses[1]: not an IP prefix" },
		{ "{\"Endpoints\":\"1.2.3.4:5\"}", "Endpoints: not an array" },
		{ "{\"HomeDERP\":1.5}", "HomeDERP: not an integer" },
		{ "{\"HomeDERP\":4294967296}", "HomeDERP: 4294967296 out of range" },
		{ "{\"Hostinfo\":{\"Hostname\":7}}", "Hostinfo.Hostname: not a string" },
		{ "{\"Online\":\"yes\"}", "Online: not a boolean" },
		{ "{\"LastSeen\":\"yesterday\"}", "LastSeen: not an RFC 3339 time" },
		{ "{\"CapMap\":{\"x\":{}}}", "CapMap[\"x\"]: not an array" },
		{ "{\"Tags\":[\"a\",1]}", "Tags[1]: not a string" },
		{ "{\"DERP\":900}", "DERP: not a string" },
		{ "[]", "not an object" },
	};
	char err[TN_TAILCFG_ERR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i].json, 0, NULL);
		struct tn_tailcfg_node n;

		assert_non_null(v);
		assert_int_equal(tn_tailcfg_node_parse(&n, v, err, sizeof(err)), -EBADMSG);
		assert_string_equal(err, cases[i].err);
		json_decref(v);
	}
}

static void filter_rules(void **state)
{
	static const char j[] =
		"[{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]},"
		" {\"SrcIPs\":[\"100.64.0.1\",\"cap:x\"],\"DstPorts\":[{\"IP\":\"10.0.0.0/8\"}],"
		"  \"IPProto\":[6,17,300]},"
		" {\"SrcIPs\":[\"100.64.0.0/10\"],\"CapGrant\":[{\"Dsts\":[\"100.64.0.2/32\"],"
		"  \"CapMap\":{\"https://example.com/cap\":[{\"a\":1}]}}]},"
		" {\"SrcIPs\":[\"1.2.3.4\"],\"SrcBits\":[32]}]";
	json_t *v = json_loads(j, 0, NULL);
	struct tn_tailcfg_filter_rule *r;
	size_t n;
	char err[TN_TAILCFG_ERR_MAX];

	assert_int_equal(tn_tailcfg_filter_rules_parse(&r, &n, v, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_string_equal(r[0].src_ips[0], "*");
	assert_int_equal(r[0].dst_ports[0].last, 65535);
	assert_int_equal(r[0].n_ip_proto, 0);
	assert_int_equal(r[1].n_src_ips, 2);
	assert_string_equal(r[1].dst_ports[0].ip, "10.0.0.0/8");
	/* A missing Ports object is 0-0, as Go decodes it. */
	assert_int_equal(r[1].dst_ports[0].first, 0);
	assert_int_equal(r[1].dst_ports[0].last, 0);
	assert_int_equal(r[1].n_ip_proto, 3);
	assert_int_equal(r[1].ip_proto[2], 300);
	assert_true(r[2].has_cap_grant);
	assert_int_equal(r[2].n_dst_ports, 0);
	assert_true(json_is_array(r[2].cap_grant));
	assert_false(r[2].legacy_bits);
	assert_true(r[3].legacy_bits);
	assert_true(tn_tailcfg_filter_rule_equal(&r[2], &r[2]));
	assert_false(tn_tailcfg_filter_rule_equal(&r[0], &r[1]));
	tn_tailcfg_filter_rules_free(r, n);
	json_decref(v);

	v = json_loads("[{\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65536}}]}]",
		       0, NULL);
	assert_int_equal(tn_tailcfg_filter_rules_parse(&r, &n, v, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "[0].DstPorts[0].Ports.Last: 65536 out of range");
	json_decref(v);
}

static void derp_map_parse(void **state)
{
	static const char j[] =
		"{\"Regions\":{\"901\":{\"RegionID\":901,\"RegionCode\":\"b\",\"RegionName\":\"B\","
		"\"Avoid\":true,\"Nodes\":[{\"Name\":\"901a\",\"RegionID\":901,\"HostName\":\"d\","
		"\"STUNPort\":-1,\"DERPPort\":13444,\"CanPort80\":true}]},"
		"\"900\":{\"RegionID\":900,\"RegionCode\":\"a\",\"RegionName\":\"A\",\"NoMeasureNoHome\":true,"
		"\"Latitude\":1.5,\"Nodes\":[{\"Name\":\"900a\",\"RegionID\":900,\"HostName\":\"derp\","
		"\"CertName\":\"c\",\"IPv4\":\"127.0.0.1\",\"IPv6\":\"::1\",\"STUNPort\":3478,"
		"\"STUNOnly\":false,\"DERPPort\":443,\"InsecureForTests\":true,\"STUNTestIP\":\"x\"}]},"
		"\"902\":null},"
		"\"HomeParams\":{\"RegionScore\":{\"900\":1.0}},\"omitDefaultRegions\":true}";
	json_t *v = json_loads(j, 0, NULL);
	struct tn_tailcfg_derp_map m;
	const struct tn_tailcfg_derp_region *r;
	char err[TN_TAILCFG_ERR_MAX];

	assert_int_equal(tn_tailcfg_derp_map_parse(&m, v, err, sizeof(err)), 0);
	assert_int_equal(m.n_regions, 2);   /* the null region is dropped */
	assert_true(m.omit_default_regions);
	assert_int_equal(m.regions[0].id, 900);
	r = tn_tailcfg_derp_map_region(&m, 901);
	assert_non_null(r);
	assert_true(r->avoid);
	assert_int_equal(r->nodes[0].stun_port, -1);
	assert_true(r->nodes[0].can_port80);
	r = tn_tailcfg_derp_map_region(&m, 900);
	assert_true(r->no_measure_no_home);
	assert_true(r->latitude == 1.5);
	assert_string_equal(r->nodes[0].host_name, "derp");
	assert_string_equal(r->nodes[0].cert_name, "c");
	assert_string_equal(r->nodes[0].ipv6, "::1");
	assert_true(r->nodes[0].insecure_for_tests);
	assert_int_equal(r->nodes[0].derp_port, 443);
	assert_string_equal(r->nodes[0].stun_test_ip, "x");
	assert_null(tn_tailcfg_derp_map_region(&m, 902));
	{
		/* A copy is equal and owns everything: it outlives the original
		 * (the engine keeps one across control sessions; ASan checks). */
		struct tn_tailcfg_derp_map c;

		assert_int_equal(tn_tailcfg_derp_map_copy(&c, &m), 0);
		assert_true(tn_tailcfg_derp_map_equal(&c, &m));
		tn_tailcfg_derp_map_free(&m);
		r = tn_tailcfg_derp_map_region(&c, 900);
		assert_string_equal(r->nodes[0].stun_test_ip, "x");
		assert_string_equal(r->code, "a");
		assert_true(tn_tailcfg_derp_map_region(&c, 901)->avoid);
		tn_tailcfg_derp_map_free(&c);
	}
	json_decref(v);

	v = json_loads("{\"Regions\":{\"9x\":{}}}", 0, NULL);
	assert_int_equal(tn_tailcfg_derp_map_parse(&m, v, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "Regions[\"9x\"]: not a region ID");
	json_decref(v);
	v = json_loads("{\"Regions\":{\"9\":{\"Nodes\":[{\"DERPPort\":\"443\"}]}}}", 0, NULL);
	assert_int_equal(tn_tailcfg_derp_map_parse(&m, v, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "Regions[9].Nodes[0].DERPPort: not an integer");
	json_decref(v);
}

static void dns_config_parse(void **state)
{
	/* As headscale v0.29.3 sends it (abridged). */
	static const char j[] =
		"{\"Resolvers\":[{\"Addr\":\"1.1.1.1\"},{\"Addr\":\"https://dns.example/q\","
		"\"BootstrapResolution\":[\"9.9.9.9\"],\"UseWithExitNode\":true}],"
		"\"Routes\":{\"corp.example\":[{\"Addr\":\"10.0.0.53\"}],\"64.100.in-addr.arpa\":[]},"
		"\"FallbackResolvers\":[{\"Addr\":\"8.8.8.8\"}],"
		"\"Domains\":[\"tailnet.test\",\"example.org\"],\"Proxied\":true,"
		"\"ExtraRecords\":[{\"Name\":\"grafana.tailnet.test\",\"Type\":\"A\",\"Value\":\"100.64.0.3\"}]}";
	json_t *v = json_loads(j, 0, NULL);
	struct tn_tailcfg_dns_config c, d;
	char err[TN_TAILCFG_ERR_MAX];

	assert_int_equal(tn_tailcfg_dns_config_parse(&c, v, err, sizeof(err)), 0);
	assert_int_equal(c.n_resolvers, 2);
	assert_string_equal(c.resolvers[1].addr, "https://dns.example/q");
	assert_int_equal(c.resolvers[1].n_bootstrap, 1);
	assert_true(c.resolvers[1].use_with_exit_node);
	assert_int_equal(c.n_routes, 2);
	assert_string_equal(c.routes[0].suffix, "64.100.in-addr.arpa");  /* sorted */
	assert_int_equal(c.routes[0].n_resolvers, 0);
	assert_string_equal(c.routes[1].resolvers[0].addr, "10.0.0.53");
	assert_string_equal(c.fallback_resolvers[0].addr, "8.8.8.8");
	assert_int_equal(c.n_domains, 2);
	assert_true(c.proxied);
	assert_string_equal(c.extra_records[0].value, "100.64.0.3");
	assert_int_equal(tn_tailcfg_dns_config_parse(&d, v, err, sizeof(err)), 0);
	assert_true(tn_tailcfg_dns_config_equal(&c, &d));
	tn_tailcfg_dns_config_free(&d);
	tn_tailcfg_dns_config_free(&c);
	json_decref(v);

	v = json_loads("{\"Routes\":{\"x.\":[{\"Addr\":\"1.1.1.1\",\"BootstrapResolution\":[\"nope\"]}]}}",
		       0, NULL);
	assert_int_equal(tn_tailcfg_dns_config_parse(&c, v, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "Routes[\"x.\"][0].BootstrapResolution[0]: not an IP address");
	json_decref(v);
}

static void scanner_walks_structure(void **state)
{
	static const char obj[] =
		" {\"a\" : \"x\\\"}\\\\\" , \"b\":[1,{\"c\":\"]\"}], \"\\u0063\":-1.5e3 ,\"d\":{}} ";
	struct tn_jscan s;
	struct tn_jspan k, v;
	char deep[2 * TN_JSCAN_MAX_DEPTH + 8];
	size_t n = 0;

	assert_int_equal(tn_jscan_open(&s, obj, strlen(obj), '{'), 0);
	assert_int_equal(tn_jscan_member(&s, &k, &v), 1);
	assert_true(tn_jscan_key_is(&k, "a"));
	assert_int_equal(v.len, 8);             /* "x\"}\\" with its quotes */
	assert_memory_equal(v.p, "\"x\\\"}\\\\\"", 8);
	assert_int_equal(tn_jscan_member(&s, &k, &v), 1);
	assert_true(tn_jscan_key_is(&k, "b"));
	assert_int_equal(v.len, 13);
	assert_int_equal(tn_jscan_member(&s, &k, &v), 1);
	assert_false(tn_jscan_key_plain(&k));
	assert_true(tn_jscan_key_is(&k, "c"));    /* "\u0063" decoded */
	assert_memory_equal(v.p, "-1.5e3", v.len);
	assert_int_equal(tn_jscan_member(&s, &k, &v), 1);
	assert_memory_equal(v.p, "{}", 2);
	assert_int_equal(tn_jscan_member(&s, &k, &v), 0);
	assert_int_equal(tn_jscan_finish(&s), 0);
	assert_true(tn_jscan_find(obj, strlen(obj), "b", &v));
	assert_false(tn_jscan_find(obj, strlen(obj), "z", &v));

	/* Broken structure is reported, never read past. */
	static const char *const bad[] = {
		"{\"a\" 1}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1 \"b\":2}",
		"{\"a\":\"x}", "{\"a\":[1,2}", "{\"a\":1]", "{a:1}", "{\"a\":1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		assert_int_equal(tn_jscan_open(&s, bad[i], strlen(bad[i]), '{'), 0);
		while ((rc = tn_jscan_member(&s, &k, &v)) == 1)
			;
		if (rc == 0 && !tn_jscan_finish(&s))
			fail_msg("accepted %s", bad[i]);
	}
	/* Nesting deeper than Jansson allows. */
	for (int i = 0; i <= TN_JSCAN_MAX_DEPTH; i++)
		deep[n++] = '[';
	deep[n++] = ']';
	assert_int_equal(tn_jscan_open(&s, deep, n, '['), 0);
	assert_int_equal(tn_jscan_element(&s, &v), -EBADMSG);
	/* Arrays. */
	assert_int_equal(tn_jscan_open(&s, "[ ]", 3, '['), 0);
	assert_int_equal(tn_jscan_element(&s, &v), 0);
	assert_int_equal(tn_jscan_open(&s, "[1 , \"2\",null]", 15, '['), 0);
	assert_int_equal(tn_jscan_element(&s, &v), 1);
	assert_int_equal(tn_jscan_element(&s, &v), 1);
	assert_memory_equal(v.p, "\"2\"", 3);
	assert_int_equal(tn_jscan_element(&s, &v), 1);
	assert_memory_equal(v.p, "null", 4);
	assert_int_equal(tn_jscan_element(&s, &v), 0);
	assert_int_equal(tn_jscan_open(&s, "{}", 2, '['), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(register_request_full),
		cmocka_unit_test(register_request_logout_followup),
		cmocka_unit_test(map_request_stream),
		cmocka_unit_test(map_request_lite),
		cmocka_unit_test(hostinfo_escaping_and_floats),
		cmocka_unit_test(ip_text_forms),
		cmocka_unit_test(prefix_and_addrport),
		cmocka_unit_test(time_forms),
		cmocka_unit_test(register_response_success),
		cmocka_unit_test(register_response_error_and_auth_url),
		cmocka_unit_test(register_response_malformed),
		cmocka_unit_test(node_parse_fields),
		cmocka_unit_test(node_parse_errors),
		cmocka_unit_test(filter_rules),
		cmocka_unit_test(derp_map_parse),
		cmocka_unit_test(dns_config_parse),
		cmocka_unit_test(scanner_walks_structure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

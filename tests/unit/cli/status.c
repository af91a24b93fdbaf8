/* The status table, whois and netcheck text, against what the Go CLI
 * printed for the same JSON (fixtures/README). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "cli/peers.h"
#include "fixture.h"

static void assert_table(const char *json, struct tn_cli_status_opts o, int64_t now, const char *out)
{
	json_t *st = fixture_json(json);
	char *want = fixture(out, NULL);
	struct tn_cli_buf b;

	tn_cli_buf_init(&b);
	assert_int_equal(tn_cli_status_table(st, &o, now, &b), 0);
	assert_string_equal(tn_cli_buf_str(&b), want);
	tn_cli_buf_free(&b);
	free(want);
	json_decref(st);
}

static void tables_from_tailscaled(void **state)
{
	const struct tn_cli_status_opts plain = { .self = true, .peers = true };
	const struct tn_cli_status_opts header = { .self = true, .peers = true, .header = true };
	const struct tn_cli_status_opts active = { .self = true, .peers = true, .active = true };
	const struct tn_cli_status_opts noself = { .peers = true };

	assert_table("status-running.json", plain, 0, "status-running.text.out");
	assert_table("status-running.json", header, 0, "status-running.header.out");
	assert_table("status-active.json", plain, 0, "status-active.text.out");
	assert_table("status-active.json", header, 0, "status-active.header.out");
	assert_table("status-active.json", active, 0, "status-active.active.out");
	assert_table("status-active.json", noself, 0, "status-active.noself.out");
}

static void every_status_column(void **state)
{
	char *nowtext = fixture("status-synthetic.now", NULL);
	int64_t now = strtoll(nowtext, NULL, 10);
	free(nowtext);
	assert_table("status-synthetic.json", (struct tn_cli_status_opts){ .self = true, .peers = true },
		     now, "status-synthetic.text.out");
	assert_table("status-synthetic.json",
		     (struct tn_cli_status_opts){ .self = true, .peers = true, .header = true, .active = true },
		     now, "status-synthetic.header-active.out");
}

static void states_that_are_not_running(void **state)
{
	static const struct {
		const char *json, *out;
	} cases[] = {
		{ "status-needslogin.json", "status-needslogin.text.out" },
		{ "status-needslogin-url.json", "status-needslogin-url.text.out" },
		{ "status-stopped.json", "status-stopped.text.out" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *st = fixture_json(cases[i].json);
		char *want = fixture(cases[i].out, NULL), *desc;
		assert_false(tn_cli_running_or_starting(st, &desc));
		want[strlen(want) - 1] = '\0';      /* the CLI adds the newline */
		assert_string_equal(desc, want);
		free(desc);
		free(want);
		json_decref(st);
	}
	json_t *st = json_pack("{s:s}", "BackendState", "NeedsMachineAuth");
	char *desc;
	assert_false(tn_cli_running_or_starting(st, &desc));
	assert_string_equal(desc, "Machine is not yet approved by tailnet admin.");
	free(desc);
	json_object_set_new(st, "BackendState", json_string("Bogus"));
	assert_false(tn_cli_running_or_starting(st, &desc));
	assert_string_equal(desc, "unexpected state: Bogus");
	free(desc);
	json_object_set_new(st, "BackendState", json_string("Starting"));
	assert_true(tn_cli_running_or_starting(st, &desc));
	json_decref(st);
}

static void odd_status_json_is_survived(void **state)
{
	/* Wrong types and missing members read as empty, never crash. */
	static const char *const odd[] = {
		"{}",
		"{\"Self\":null,\"Peer\":[],\"User\":7,\"Health\":{}}",
		("{\"Self\":{\"TailscaleIPs\":[1,null],\"UserID\":\"x\",\"LastSeen\":\"garbage\",\"Online\":false},"
		 "\"Peer\":{\"k\":5,\"j\":{\"TailscaleIPs\":\"1.2.3.4\",\"DNSName\":7,\"Active\":true}}}"),
		"{\"Self\":{\"DNSName\":\"xn--zzzzzzzzz-.x.\",\"HostName\":\"\\u0000\"},\"MagicDNSSuffix\":\"x\"}",
	};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		json_t *st = tn_cli_json_parse(odd[i], strlen(odd[i]), NULL, 0);
		struct tn_cli_buf b;
		if (!st)
			continue;
		tn_cli_buf_init(&b);
		assert_int_equal(tn_cli_status_table(st, &(struct tn_cli_status_opts){ true, true, false, true },
						     0, &b), 0);
		tn_cli_buf_free(&b);
		json_decref(st);
	}
}

static void times_like_go(void **state)
{
	int64_t t;
	bool zero;

	assert_int_equal(tn_cli_parse_time("0001-01-01T00:00:00Z", &t, &zero), 0);
	assert_true(zero);
	assert_int_equal(tn_cli_parse_time("1970-01-01T00:00:00Z", &t, &zero), 0);
	assert_false(zero);
	assert_int_equal(t, 0);
	assert_int_equal(tn_cli_parse_time("2026-11-25T09:37:50.873756005Z", &t, &zero), 0);
	assert_int_equal(t, 1795599470);
	assert_int_equal(tn_cli_parse_time("2026-11-25T11:37:50+02:00", &t, &zero), 0);
	assert_int_equal(t, 1795599470);
	assert_int_equal(tn_cli_parse_time("2000-02-29T23:59:60Z", &t, &zero), 0);
	static const char *const bad[] = { "", "2026-11-25", "2026-11-25T09:37:50", "2026-13-01T00:00:00Z",
					   "2026-11-25T09:37:50.Zx", "2026-11-25 09:37:50Z", "x026-11-25T09:37:50Z" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tn_cli_parse_time(bad[i], &t, &zero), -EINVAL);
}

static void whois_like_go(void **state)
{
	static const char *const cases[][2] = {
		{ "whois.json", "whois.out" },
		{ "whois-synthetic.json", "whois-synthetic.out" },
	};
	for (size_t i = 0; i < 2; i++) {
		json_t *who = fixture_json(cases[i][0]);
		char *want = fixture(cases[i][1], NULL);
		struct tn_cli_buf b;
		tn_cli_buf_init(&b);
		assert_int_equal(tn_cli_whois_text(who, &b), 0);
		assert_string_equal(tn_cli_buf_str(&b), want);
		tn_cli_buf_free(&b);
		free(want);
		json_decref(who);
	}
}

static void netcheck_like_go(void **state)
{
	json_t *rep = fixture_json("netcheck.json"), *dm = fixture_json("derpmap.json");
	struct tn_cli_buf b;

	tn_cli_buf_init(&b);
	assert_int_equal(tn_cli_netcheck_text(rep, dm, false, &b), 0);
	assert_string_equal(tn_cli_buf_str(&b),
		"\nReport:\n"
		"\t* Time: 2026-11-25T09:59:44.579936406Z\n"
		"\t* UDP: true\n"
		"\t* IPv4: yes, 10.99.0.11:41518\n"
		"\t* IPv6: no, but OS has support\n"
		"\t* MappingVariesByDestIP: \n"
		"\t* PortMapping: \n"
		"\t* Nearest DERP: tailnetd test bed 900\n"
		"\t* DERP latency:\n"
		"\t\t- test: 100\xc2\xb5s   (tailnetd test bed 900)\n");
	tn_cli_buf_free(&b);

	/* More regions (unmeasured ones last, by ID), verbose numbers, a
	 * captive portal, port mapping found, no preferred region. */
	json_object_set_new(json_object_get(dm, "Regions"), "1",
			    json_pack("{s:i,s:s,s:s}", "RegionID", 1, "RegionCode", "nyc", "RegionName", "New York City"));
	json_object_set_new(json_object_get(dm, "Regions"), "2",
			    json_pack("{s:i,s:s,s:s}", "RegionID", 2, "RegionCode", "sfo", "RegionName", "San Francisco"));
	json_object_set_new(json_object_get(dm, "Regions"), "3",
			    json_pack("{s:i,s:s,s:s}", "RegionID", 3, "RegionCode", "sea", "RegionName", "Seattle"));
	json_object_set_new(json_object_get(rep, "RegionLatency"), "2", json_integer(12345678));
	json_object_set_new(rep, "PreferredDERP", json_integer(0));
	json_object_set_new(rep, "CaptivePortal", json_false());
	json_object_set_new(rep, "UPnP", json_true());
	json_object_set_new(rep, "PCP", json_true());
	json_object_set_new(rep, "MappingVariesByDestIP", json_true());
	json_object_set_new(rep, "GlobalV6", json_string("[2001:db8::1]:41641"));
	tn_cli_buf_init(&b);
	assert_int_equal(tn_cli_netcheck_text(rep, dm, true, &b), 0);
	assert_non_null(strstr(tn_cli_buf_str(&b),
		"\t* IPv6: yes, [2001:db8::1]:41641\n"
		"\t* MappingVariesByDestIP: true\n"
		"\t* PortMapping: UPnP, PCP\n"
		"\t* CaptivePortal: false\n"
		"\t* Nearest DERP: [none]\n"
		"\t* DERP latency:\n"
		"\t\t- test: 100\xc2\xb5s   (derp900, tailnetd test bed 900)\n"
		"\t\t- sfo: 12.3ms  (derp2, San Francisco)\n"
		"\t\t- nyc:         (derp1, New York City)\n"
		"\t\t- sea:         (derp3, Seattle)\n"));
	tn_cli_buf_free(&b);

	/* No latencies at all. */
	json_object_clear(json_object_get(rep, "RegionLatency"));
	json_object_del(rep, "UPnP");
	json_object_del(rep, "PCP");
	json_object_del(rep, "PMP");
	tn_cli_buf_init(&b);
	assert_int_equal(tn_cli_netcheck_text(rep, NULL, false, &b), 0);
	assert_non_null(strstr(tn_cli_buf_str(&b), "\t* PortMapping: not checked\n"
						   "\t* CaptivePortal: false\n"
						   "\t* Nearest DERP: unknown (no response to latency probes)\n"));
	tn_cli_buf_free(&b);
	json_decref(rep);
	json_decref(dm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_from_tailscaled),
		cmocka_unit_test(every_status_column),
		cmocka_unit_test(states_that_are_not_running),
		cmocka_unit_test(odd_status_json_is_survived),
		cmocka_unit_test(times_like_go),
		cmocka_unit_test(whois_like_go),
		cmocka_unit_test(netcheck_like_go),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

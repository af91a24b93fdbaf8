/* Prefs: the ipn.Prefs JSON round-trips through the prefs file; a
 * MaskedPrefs sets only the fields whose NameSet is true; malformed files
 * and values are refused with a message naming the field, leaving the
 * prefs as they were; Go's defaults for a new node. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ipn/prefs.h"

static void defaults_are_gos(void **state)
{
	struct tn_prefs p;
	json_t *j;

	assert_int_equal(tn_prefs_init_default(&p), 0);
	j = tn_prefs_to_json(&p);
	assert_string_equal(json_string_value(json_object_get(j, "ControlURL")),
			    "https://controlplane.tailscale.com");
	assert_true(json_is_true(json_object_get(j, "CorpDNS")));
	assert_true(json_is_false(json_object_get(j, "WantRunning")));
	assert_int_equal(json_integer_value(json_object_get(j, "NetfilterMode")), 2);
	assert_true(json_is_null(json_object_get(j, "Config")));
	assert_null(json_object_get(j, "OperatorUser")); /* omitempty */
	json_decref(j);
	tn_prefs_clear(&p);
}

static void file_round_trip(void **state)
{
	struct tn_prefs p, q;
	json_t *mp = json_loads("{\"Hostname\":\"box\",\"HostnameSet\":true,"
				"\"AdvertiseRoutes\":[\"10.1.0.0/16\",\"fd00::/64\"],"
				"\"AdvertiseRoutesSet\":true,\"ShieldsUp\":true,\"ShieldsUpSet\":true,"
				"\"AdvertiseTags\":[\"tag:srv\"],\"AdvertiseTagsSet\":true,"
				"\"OperatorUser\":\"alice\",\"OperatorUserSet\":true}", 0, NULL);
	char err[256], *text, *again;
	unsigned mask;

	assert_int_equal(tn_prefs_init_default(&p), 0);
	assert_int_equal(tn_prefs_from_json(&p, mp, &mask, err, sizeof(err)), 0);
	assert_int_equal(mask, TN_PREF_HOSTNAME | TN_PREF_ADVERTISE_ROUTES | TN_PREF_SHIELDS_UP |
				       TN_PREF_ADVERTISE_TAGS | TN_PREF_OPERATOR_USER);
	free(p.login_name);
	p.login_name = strdup("alice@example.com");
	free(p.node_id);
	p.node_id = strdup("nStable1");
	p.user_id = 7;
	text = tn_prefs_format(&p);
	assert_non_null(text);
	assert_int_equal(tn_prefs_parse(&q, text, strlen(text), err, sizeof(err)), 0);
	assert_true(tn_prefs_equal(&p, &q));
	assert_string_equal(q.hostname, "box");
	assert_int_equal(q.n_advertise_routes, 2);
	assert_string_equal(q.login_name, "alice@example.com");
	again = tn_prefs_format(&q);
	assert_string_equal(text, again);
	free(text);
	free(again);
	json_decref(mp);
	tn_prefs_clear(&p);
	tn_prefs_clear(&q);
}

static void mask_sets_only_marked_fields(void **state)
{
	struct tn_prefs p;
	char err[256];
	unsigned mask;
	/* WantRunning present but not marked: ignored; CorpDNSSet with the
	 * field absent: the zero value, as Go's decoder leaves it. */
	json_t *mp = json_loads("{\"WantRunning\":true,\"CorpDNSSet\":true,\"Hostname\":\"x\"}", 0, NULL);

	assert_int_equal(tn_prefs_init_default(&p), 0);
	assert_int_equal(tn_prefs_from_json(&p, mp, &mask, err, sizeof(err)), 0);
	assert_int_equal(mask, TN_PREF_CORP_DNS);
	assert_false(p.want_running);
	assert_false(p.corp_dns);
	assert_string_equal(p.hostname, "");
	json_decref(mp);
	tn_prefs_clear(&p);
}

static void bad_values_name_the_field(void **state)
{
	static const struct {
		const char *json, *field;
	} cases[] = {
		{ "{\"AdvertiseRoutes\":[\"10.0.0.0/33\"],\"AdvertiseRoutesSet\":true}", "AdvertiseRoutes" },
		{ "{\"AdvertiseRoutes\":\"10.0.0.0/8\",\"AdvertiseRoutesSet\":true}", "AdvertiseRoutes" },
		{ "{\"WantRunning\":\"yes\",\"WantRunningSet\":true}", "WantRunning" },
		{ "{\"Hostname\":5,\"HostnameSet\":true}", "Hostname" },
		{ "{\"AdvertiseTags\":[\"srv\"],\"AdvertiseTagsSet\":true}", "AdvertiseTags" },
		{ "{\"ExitNodeIP\":\"1.2.3\",\"ExitNodeIPSet\":true}", "ExitNodeIP" },
		{ "{\"NetfilterMode\":7,\"NetfilterModeSet\":true}", "NetfilterMode" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tn_prefs p;
		char err[256] = "";
		unsigned mask;
		json_t *j = json_loads(cases[i].json, 0, NULL);

		assert_non_null(j);
		assert_int_equal(tn_prefs_init_default(&p), 0);
		assert_int_equal(tn_prefs_from_json(&p, j, &mask, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, cases[i].field));
		json_decref(j);
		tn_prefs_clear(&p);
	}
}

static void malformed_files_refused(void **state)
{
	static const char *files[] = {
		"",
		"{",
		"[]",
		"{\"Prefs\":{}}",                                  /* no magic */
		"{\"tailnetd-prefs\":2,\"Prefs\":{}}",             /* a later version */
		"{\"tailnetd-prefs\":1,\"Prefs\":[]}",
		"{\"tailnetd-prefs\":1,\"Prefs\":{\"ShieldsUp\":1}}",
		"{\"tailnetd-prefs\":1,\"tailnetd-prefs\":1,\"Prefs\":{}}", /* duplicate key */
		"{\"tailnetd-prefs\":1,\"Prefs\":{\"Config\":{\"UserProfile\":{\"ID\":\"x\"}}}}",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct tn_prefs p;
		char err[256] = "";

		assert_int_equal(tn_prefs_parse(&p, files[i], strlen(files[i]), err, sizeof(err)),
				 -EBADMSG);
		assert_true(err[0] != 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_gos),
		cmocka_unit_test(file_round_trip),
		cmocka_unit_test(mask_sets_only_marked_fields),
		cmocka_unit_test(bad_values_name_the_field),
		cmocka_unit_test(malformed_files_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

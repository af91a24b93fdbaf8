#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/gojson.h"
#include "cli/prefs.h"

enum kind {
	K_STR, K_BOOL, K_INT, K_OPTBOOL, K_LIST, K_AUTOUPDATE, K_APPCONN, K_PTR, K_TRUE, K_NULL,
};

/* ipn.Prefs in declaration order.  has_set: MaskedPrefs has "<name>Set". */
static const struct field {
	const char *name;
	enum kind kind;
	bool omitempty;
	bool has_set;
} fields[] = {
	{ "ControlURL", K_STR, false, true },
	{ "RouteAll", K_BOOL, false, true },
	{ "ExitNodeID", K_STR, false, true },
	{ "ExitNodeIP", K_STR, false, true },
	{ "AutoExitNode", K_STR, true, true },
	{ "InternalExitNodePrior", K_STR, false, true },
	{ "ExitNodeAllowLANAccess", K_BOOL, false, true },
	{ "CorpDNS", K_BOOL, false, true },
	{ "RunSSH", K_BOOL, false, true },
	{ "RunWebClient", K_BOOL, false, true },
	{ "WantRunning", K_BOOL, false, true },
	{ "LoggedOut", K_BOOL, false, true },
	{ "ShieldsUp", K_BOOL, false, true },
	{ "AdvertiseTags", K_LIST, false, true },
	{ "Hostname", K_STR, false, true },
	{ "NotepadURLs", K_BOOL, false, true },
	{ "ForceDaemon", K_BOOL, true, true },
	{ "Egg", K_BOOL, true, true },
	{ "AdvertiseRoutes", K_LIST, false, true },
	{ "AdvertiseServices", K_LIST, false, true },
	{ "Sync", K_OPTBOOL, false, true },
	{ "NoSNAT", K_BOOL, false, true },
	{ "NoStatefulFiltering", K_OPTBOOL, true, true },
	{ "NetfilterMode", K_INT, false, true },
	{ "OperatorUser", K_STR, true, true },
	{ "ProfileName", K_STR, true, true },
	{ "AutoUpdate", K_AUTOUPDATE, false, true },
	{ "AppConnector", K_APPCONN, false, true },
	{ "PostureChecking", K_BOOL, false, true },
	{ "NetfilterKind", K_STR, false, true },
	{ "DriveShares", K_LIST, false, true },
	{ "RelayServerPort", K_PTR, true, true },
	{ "RelayServerStaticEndpoints", K_LIST, true, true },
	{ "AllowSingleHosts", K_TRUE, false, false },
	{ "Config", K_NULL, false, false },
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static json_t *zero_of(enum kind k)
{
	switch (k) {
	case K_STR: return json_string("");
	case K_BOOL: return json_false();
	case K_INT: return json_integer(0);
	case K_AUTOUPDATE: return json_pack("{s:b,s:n}", "Check", 0, "Apply");
	case K_APPCONN: return json_pack("{s:b}", "Advertise", 0);
	case K_TRUE: return json_true();
	default: return json_null();
	}
}

static bool is_empty(const json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return true;
	if (json_is_string(v))
		return json_string_length(v) == 0;
	if (json_is_integer(v))
		return json_integer_value(v) == 0;
	if (json_is_array(v))
		return json_array_size(v) == 0;
	return false;
}

json_t *tn_cli_prefs_zero(void)
{
	json_t *p = json_object();
	for (size_t i = 0; p && i < N_FIELDS; i++)
		if (!fields[i].omitempty)
			json_object_set_new(p, fields[i].name, zero_of(fields[i].kind));
	return p;
}

json_t *tn_cli_prefs_new(void)
{
	json_t *p = tn_cli_prefs_zero();
	if (!p)
		return NULL;
	/* ipn.NewPrefs; RouteAll's default is false on Linux. */
	json_object_set_new(p, "CorpDNS", json_true());
	json_object_set_new(p, "NoStatefulFiltering", json_true());
	json_object_set_new(p, "NetfilterMode", json_integer(TN_CLI_NETFILTER_ON));
	json_object_set_new(p, "AutoUpdate", json_pack("{s:b,s:n}", "Check", 1, "Apply"));
	return p;
}

static const struct field *field_named(const char *name)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

/* "<Name>Set" of a field, or NULL if key is not one. */
static const struct field *set_field_named(const char *key)
{
	size_t n = strlen(key);
	if (n < 4 || strcmp(key + n - 3, "Set"))
		return NULL;
	for (size_t i = 0; i < N_FIELDS; i++)
		if (fields[i].has_set && strlen(fields[i].name) == n - 3 &&
		    !strncmp(fields[i].name, key, n - 3))
			return &fields[i];
	return NULL;
}

json_t *tn_cli_prefs_ordered(const json_t *p, bool masked)
{
	json_t *out = json_object();
	const char *key;
	json_t *v;

	if (!out)
		return NULL;
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct field *f = &fields[i];
		v = json_object_get(p, f->name);
		if (f->omitempty && is_empty(v))
			continue;
		if (!v) {
			json_object_set_new(out, f->name, zero_of(f->kind));
		} else if (f->kind == K_AUTOUPDATE && json_is_object(v)) {
			json_t *apply = json_object_get(v, "Apply");
			json_object_set_new(out, f->name, json_pack("{s:b,s:O}", "Check",
				json_is_true(json_object_get(v, "Check")),
				"Apply", apply ? apply : json_null()));
		} else {
			json_object_set(out, f->name, v);
		}
	}
	if (masked) {
		for (size_t i = 0; i < N_FIELDS; i++) {
			char name[64];
			if (!fields[i].has_set)
				continue;
			snprintf(name, sizeof(name), "%sSet", fields[i].name);
			v = json_object_get(p, name);
			if (fields[i].kind == K_AUTOUPDATE) {
				bool c = json_is_true(json_object_get(v, "CheckSet"));
				bool a = json_is_true(json_object_get(v, "ApplySet"));
				json_t *m = json_object();
				if (c)
					json_object_set_new(m, "CheckSet", json_true());
				if (a)
					json_object_set_new(m, "ApplySet", json_true());
				if (c || a)
					json_object_set_new(out, name, m);
				else
					json_decref(m);
			} else if (json_is_true(v)) {
				json_object_set_new(out, name, json_true());
			}
		}
	}
	json_object_foreach((json_t *)p, key, v) {
		if (field_named(key) || (masked && set_field_named(key)))
			continue;
		json_object_set(out, key, v);
	}
	return out;
}

void tn_cli_prefs_apply_edits(json_t *p, const json_t *mp)
{
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct field *f = &fields[i];
		char name[64];

		if (!f->has_set)
			continue;
		snprintf(name, sizeof(name), "%sSet", f->name);
		json_t *set = json_object_get(mp, name);
		if (f->kind == K_AUTOUPDATE) {
			json_t *au = json_object_get(p, "AutoUpdate");
			json_t *mau = json_object_get(mp, "AutoUpdate");
			if (!json_is_object(au)) {
				au = zero_of(K_AUTOUPDATE);
				json_object_set_new(p, "AutoUpdate", au);
			}
			if (json_is_true(json_object_get(set, "CheckSet")))
				json_object_set_new(au, "Check",
					json_boolean(json_is_true(json_object_get(mau, "Check"))));
			if (json_is_true(json_object_get(set, "ApplySet"))) {
				json_t *a = json_object_get(mau, "Apply");
				json_object_set(au, "Apply", a ? a : json_null());
			}
			continue;
		}
		if (!json_is_true(set))
			continue;
		json_t *v = json_object_get(mp, f->name);
		if (v)
			json_object_set(p, f->name, v);
		else
			json_object_set_new(p, f->name, zero_of(f->kind));
	}
}

/* The prefs each up/set flag stands for (up.go's prefsOfFlag). */
static const struct {
	const char *flag;
	const char *prefs[2];
} flag_prefs[] = {
	{ "advertise-exit-node", { "AdvertiseRoutes" } },
	{ "advertise-routes", { "AdvertiseRoutes" } },
	{ "exit-node", { "ExitNodeIP", "ExitNodeID" } },
	{ "accept-dns", { "CorpDNS" } },
	{ "accept-routes", { "RouteAll" } },
	{ "advertise-tags", { "AdvertiseTags" } },
	{ "hostname", { "Hostname" } },
	{ "login-server", { "ControlURL" } },
	{ "netfilter-mode", { "NetfilterMode" } },
	{ "shields-up", { "ShieldsUp" } },
	{ "snat-subnet-routes", { "NoSNAT" } },
	{ "stateful-filtering", { "NoStatefulFiltering" } },
	{ "exit-node-allow-lan-access", { "ExitNodeAllowLANAccess" } },
	{ "unattended", { "ForceDaemon" } },
	{ "operator", { "OperatorUser" } },
	{ "ssh", { "RunSSH" } },
	{ "webclient", { "RunWebClient" } },
	{ "nickname", { "ProfileName" } },
	{ "update-check", { "AutoUpdate.Check" } },
	{ "auto-update", { "AutoUpdate.Apply" } },
	{ "advertise-connector", { "AppConnector" } },
	{ "report-posture", { "PostureChecking" } },
	{ "relay-server-port", { "RelayServerPort" } },
	{ "sync", { "Sync" } },
	{ "relay-server-static-endpoints", { "RelayServerStaticEndpoints" } },
};

void tn_cli_prefs_mark_flag(json_t *mp, const char *flag)
{
	for (size_t i = 0; i < sizeof(flag_prefs) / sizeof(flag_prefs[0]); i++) {
		if (strcmp(flag_prefs[i].flag, flag))
			continue;
		for (size_t k = 0; k < 2 && flag_prefs[i].prefs[k]; k++) {
			const char *pref = flag_prefs[i].prefs[k];
			if (!strncmp(pref, "AutoUpdate.", 11)) {
				json_t *m = json_object_get(mp, "AutoUpdateSet");
				if (!json_is_object(m)) {
					m = json_object();
					json_object_set_new(mp, "AutoUpdateSet", m);
				}
				json_object_set_new(m, !strcmp(pref + 11, "Check") ? "CheckSet" : "ApplySet",
						    json_true());
				continue;
			}
			char name[64];
			snprintf(name, sizeof(name), "%sSet", pref);
			json_object_set_new(mp, name, json_true());
		}
		return;
	}
}

bool tn_cli_prefs_mask_empty(const json_t *mp)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)mp, key, v) {
		if (!set_field_named(key))
			continue;
		if (json_is_true(v))
			return false;
		if (json_is_object(v) && (json_is_true(json_object_get(v, "CheckSet")) ||
					  json_is_true(json_object_get(v, "ApplySet"))))
			return false;
	}
	return true;
}

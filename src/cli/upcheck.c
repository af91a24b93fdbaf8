#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/gojson.h"
#include "cli/prefs.h"
#include "cli/quote.h"
#include "cli/upargs.h"
#include "cli/upcheck.h"

bool tn_cli_control_url_changed(const char *cur, const char *next)
{
	static const char *const syn[] = { "https://login.tailscale.com",
					   "https://controlplane.tailscale.com" };
	bool cs = !strcmp(cur, syn[0]) || !strcmp(cur, syn[1]);
	bool ns = !strcmp(next, syn[0]) || !strcmp(next, syn[1]);
	return strcmp(cur, next) && !(cs && ns);
}

void tn_cli_apply_implicit_prefs(json_t *newp, const json_t *curp,
				 const struct tn_cli_upcheck *env)
{
	const char *cur_op = tn_cli_json_str(curp, "OperatorUser");

	if (!*tn_cli_json_str(newp, "OperatorUser") && env->user && !strcmp(cur_op, env->user) &&
	    !tn_cli_flag_set(env->fs, "operator"))
		json_object_set_new(newp, "OperatorUser", json_string(cur_op));
}

/* One flag's value in prefsToFlags: a bool or a string. */
struct flagval {
	bool is_bool;
	bool b;
	char s[1024];
};

/* The up flags that stand for prefs, in the order Go visits them. */
static const char *const pref_flags[] = {
	"accept-dns", "accept-routes", "advertise-connector", "advertise-exit-node",
	"advertise-routes", "advertise-tags", "exit-node", "exit-node-allow-lan-access",
	"hostname", "login-server", "netfilter-mode", "operator", "report-posture",
	"shields-up", "snat-subnet-routes", "ssh", "stateful-filtering",
};
#define N_PREF_FLAGS (sizeof(pref_flags) / sizeof(pref_flags[0]))

static void join_strings(const json_t *arr, bool skip_exit, char *out, size_t len)
{
	size_t i, o = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		if (!s || (skip_exit && tn_cli_exit_route(s)))
			continue;
		int n = snprintf(out + o, len - o, "%s%s", o ? "," : "", s);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
}

static void pref_flag_value(const json_t *p, const char *flag, const struct tn_cli_upcheck *env,
			    struct flagval *v)
{
	memset(v, 0, sizeof(*v));
	v->is_bool = true;
#define B(x) (v->b = (x))
	if (!strcmp(flag, "accept-dns"))
		B(tn_cli_json_bool(p, "CorpDNS"));
	else if (!strcmp(flag, "accept-routes"))
		B(tn_cli_json_bool(p, "RouteAll"));
	else if (!strcmp(flag, "advertise-connector"))
		B(tn_cli_json_bool(json_object_get(p, "AppConnector"), "Advertise"));
	else if (!strcmp(flag, "advertise-exit-node"))
		B(tn_cli_routes_have_exit(json_object_get(p, "AdvertiseRoutes")));
	else if (!strcmp(flag, "exit-node-allow-lan-access"))
		B(tn_cli_json_bool(p, "ExitNodeAllowLANAccess"));
	else if (!strcmp(flag, "report-posture"))
		B(tn_cli_json_bool(p, "PostureChecking"));
	else if (!strcmp(flag, "shields-up"))
		B(tn_cli_json_bool(p, "ShieldsUp"));
	else if (!strcmp(flag, "snat-subnet-routes"))
		B(!tn_cli_json_bool(p, "NoSNAT"));
	else if (!strcmp(flag, "ssh"))
		B(tn_cli_json_bool(p, "RunSSH"));
	else if (!strcmp(flag, "stateful-filtering"))
		B(!json_is_true(json_object_get(p, "NoStatefulFiltering")));
	else {
		v->is_bool = false;
		if (!strcmp(flag, "advertise-routes")) {
			const json_t *r = json_object_get(p, "AdvertiseRoutes");
			join_strings(r, tn_cli_routes_have_exit(r), v->s, sizeof(v->s));
		} else if (!strcmp(flag, "advertise-tags")) {
			join_strings(json_object_get(p, "AdvertiseTags"), false, v->s, sizeof(v->s));
		} else if (!strcmp(flag, "exit-node")) {
			const char *ip = tn_cli_json_str(p, "ExitNodeIP");
			if (*ip)
				snprintf(v->s, sizeof(v->s), "%s", ip);
			else if (*tn_cli_json_str(p, "ExitNodeID") && env->cur_exit_node_ip)
				snprintf(v->s, sizeof(v->s), "%s", env->cur_exit_node_ip);
		} else if (!strcmp(flag, "hostname")) {
			snprintf(v->s, sizeof(v->s), "%s", tn_cli_json_str(p, "Hostname"));
		} else if (!strcmp(flag, "login-server")) {
			snprintf(v->s, sizeof(v->s), "%s", tn_cli_json_str(p, "ControlURL"));
		} else if (!strcmp(flag, "netfilter-mode")) {
			static const char *const names[] = { "off", "nodivert", "on" };
			long long m = tn_cli_json_int(p, "NetfilterMode");
			snprintf(v->s, sizeof(v->s), "%s", m >= 0 && m <= 2 ? names[m] : "???");
		} else if (!strcmp(flag, "operator")) {
			snprintf(v->s, sizeof(v->s), "%s", tn_cli_json_str(p, "OperatorUser"));
		}
	}
#undef B
}

static bool flagval_equal(const struct flagval *a, const struct flagval *b)
{
	if (a->is_bool != b->is_bool)
		return false;
	return a->is_bool ? a->b == b->b : !strcmp(a->s, b->s);
}

/* fmtFlagValueArg */
static void fmt_flag_value(struct tn_cli_buf *out, const char *name, const struct flagval *v)
{
	if (v->is_bool && v->b) {
		tn_cli_buf_printf(out, "--%s", name);
	} else if (v->is_bool) {
		tn_cli_buf_printf(out, "--%s=false", name);
	} else if (!v->s[0]) {
		tn_cli_buf_printf(out, "--%s=", name);
	} else {
		tn_cli_buf_printf(out, "--%s=", name);
		tn_cli_quote_shell(out, v->s);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tn_cli_check_reverts(const json_t *newp, const json_t *curp, const struct tn_cli_upcheck *env,
			 bool *simple_up, struct tn_cli_buf *msg)
{
	size_t nset = 0;
	char *missing[N_PREF_FLAGS];
	size_t nmissing = 0;

	*simple_up = false;
	if (!*tn_cli_json_str(curp, "ControlURL"))
		return 0;
	for (size_t i = 0; i < env->fs->n_flags; i++)
		nset += env->fs->flags[i].set;
	const json_t *profile = json_object_get(json_object_get(curp, "Config"), "UserProfile");
	if (nset == 0 && *tn_cli_json_str(profile, "LoginName") &&
	    strcmp(env->backend_state ? env->backend_state : "", "NeedsLogin")) {
		*simple_up = true;
		return 0;
	}
	for (size_t i = 0; i < N_PREF_FLAGS; i++) {
		const char *name = pref_flags[i];
		struct flagval cur, next;

		if (tn_cli_flag_set(env->fs, name))
			continue;
		pref_flag_value(curp, name, env, &cur);
		pref_flag_value(newp, name, env, &next);
		if (flagval_equal(&cur, &next))
			continue;
		if (!strcmp(name, "login-server") && !tn_cli_control_url_changed(cur.s, next.s))
			continue;
		/* tailscale 1.66.0-1.66.3 had stateful filtering on by default
		 * (tailscale#12307): an old "on" is not something to repeat. */
		if (!strcmp(name, "stateful-filtering") && cur.b && !next.b)
			continue;
		struct tn_cli_buf b;
		tn_cli_buf_init(&b);
		fmt_flag_value(&b, name, &cur);
		if (tn_cli_buf_done(&b) < 0 || !b.p) {
			tn_cli_buf_free(&b);
			goto oom;
		}
		missing[nmissing++] = b.p;
	}
	if (!nmissing)
		return 0;
	qsort(missing, nmissing, sizeof(missing[0]), cmp_str);

	tn_cli_buf_printf(msg,
		"Error: changing settings via '%s up' requires mentioning all\n"
		"non-default flags. To proceed, either re-run your command with --reset or\n"
		"use the command below to explicitly mention the current value of\n"
		"all non-default settings:\n\n"
		"\t%s up", env->prog, env->prog);
	/* The flags given, in name order (Go's FlagSet.Visit). */
	const struct tn_cli_flag *given[64];
	size_t ngiven = 0;
	for (size_t i = 0; i < env->fs->n_flags && ngiven < 64; i++)
		if (env->fs->flags[i].set)
			given[ngiven++] = &env->fs->flags[i];
	for (size_t i = 1; i < ngiven; i++)
		for (size_t k = i; k > 0 && strcmp(given[k - 1]->name, given[k]->name) > 0; k--) {
			const struct tn_cli_flag *t = given[k];
			given[k] = given[k - 1];
			given[k - 1] = t;
		}
	for (size_t i = 0; i < ngiven; i++) {
		const struct tn_cli_flag *f = given[i];
		struct flagval v = { 0 };

		tn_cli_buf_putc(msg, ' ');
		if (f->type == TN_CLI_FLAG_BOOL) {
			v.is_bool = true;
			v.b = *(bool *)f->value;
		} else if (!strcmp(f->name, "auth-key")) {
			/* Go repeats the key here; secrets are never printed. */
			tn_cli_buf_puts(msg, "--auth-key=REDACTED");
			continue;
		} else {
			tn_cli_flag_value_string(f, v.s, sizeof(v.s));
		}
		fmt_flag_value(msg, f->name, &v);
	}
	for (size_t i = 0; i < nmissing; i++) {
		tn_cli_buf_printf(msg, " %s", missing[i]);
		free(missing[i]);
	}
	tn_cli_buf_puts(msg, "\n\n");
	return -EINVAL;
oom:
	for (size_t i = 0; i < nmissing; i++)
		free(missing[i]);
	return -ENOMEM;
}

/* tnet up and tnet login: bring the node up, logging in if needed
 * (up.go, login.go).
 *
 * As Go's CLI: read the status and prefs, build the prefs the flags ask
 * for, refuse to silently reset settings that were not mentioned (the
 * re-specify rule) unless --reset, then either edit the prefs of a running
 * node in place, or watch the IPN bus, call start (ipn.Options with the
 * auth key and the prefs) and wait for Running, printing the login URL
 * the daemon announces.  A bare "tnet up" on a node that is already
 * Running and logged in changes nothing and returns at once (Go's CLI
 * refuses it there with "can't change --login-server" when the control
 * server is not Tailscale's; docs/cli.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/duration.h"
#include "cli/flags.h"
#include "cli/gojson.h"
#include "cli/localapi.h"
#include "cli/prefs.h"
#include "cli/upargs.h"
#include "cli/upcheck.h"
#include "util/clock.h"

/* Go's "--auth-key=file:PATH": the file's trimmed content.  NULL with err
 * set if unreadable.  The key is a secret: the caller wipes and frees it. */
static char *resolve_auth_key(const char *v, char *err, size_t errlen)
{
	if (strncmp(v, "file:", 5))
		return strdup(v);
	FILE *f = fopen(v + 5, "re");
	if (!f) {
		snprintf(err, errlen, "open %s: %s", v + 5, strerror(errno));
		return NULL;
	}
	struct tn_cli_buf b;
	char chunk[512];
	size_t n;
	tn_cli_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tn_cli_buf_add(&b, chunk, n);
	int failed = ferror(f);
	fclose(f);
	explicit_bzero(chunk, sizeof(chunk));
	if (failed || tn_cli_buf_done(&b) < 0) {
		snprintf(err, errlen, "read %s: %s", v + 5, failed ? "I/O error" : "out of memory");
		if (b.p)
			explicit_bzero(b.p, b.cap);
		tn_cli_buf_free(&b);
		return NULL;
	}
	char *s = b.p ? b.p : strdup("");
	size_t len = b.len, start = 0;
	while (start < len && strchr(" \t\r\n\v\f", s[start]))
		start++;
	while (len > start && strchr(" \t\r\n\v\f", s[len - 1]))
		len--;
	memmove(s, s + start, len - start);
	s[len - start] = '\0';
	return s;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Warnings of the status worth showing after up (upWorthyWarning). */
static void check_up_warnings(const struct tn_cli_ctx *ctx)
{
	char err[TN_CLI_ERROR_MAX];
	json_t *st = NULL;
	const char *warn[64];
	size_t n = 0, i;
	json_t *m;

	if (tn_cli_localapi_call(ctx->socket, "GET", "/localapi/v0/status?peers=false", NULL, 200,
				 TN_CLI_CALL_TIMEOUT_NS, &st, err, sizeof(err)) < 0)
		return;
	json_array_foreach(tn_cli_json_array(st, "Health"), i, m) {
		const char *s = json_string_value(m);
		if (!s || n == 64)
			continue;
		if (strstr(s, "Tailscale SSH enabled, but ") ||
		    strstr(s, "Some peers are advertising routes but --accept-routes is false") ||
		    strstr(s, "this node is locked out; it will not have connectivity until it is signed.") ||
		    strstr(s, "Tailnet Lock state is only being stored in-memory.") ||
		    strcasestr(s, "update available: "))
			warn[n++] = s;
	}
	if (n == 1)
		printf("%s\n", warn[0]);
	else if (n > 1) {
		printf("# Health check warnings:\n");
		for (i = 0; i < n; i++)
			printf("#     - %s\n", warn[i]);
	}
	fflush(stdout);
	json_decref(st);
}

/* warnOnAdvertiseRoutes: the daemon's IP forwarding checks. */
static void warn_on_advertise_routes(const struct tn_cli_ctx *ctx, const json_t *prefs)
{
	static const char *const checks[] = { "/localapi/v0/check-ip-forwarding",
					      "/localapi/v0/check-udp-gro-forwarding" };

	if (!json_array_size(tn_cli_json_array(prefs, "AdvertiseRoutes")) &&
	    !tn_cli_json_bool(json_object_get(prefs, "AppConnector"), "Advertise"))
		return;
	for (size_t i = 0; i < 2; i++) {
		char err[TN_CLI_ERROR_MAX];
		json_t *res = NULL;
		if (tn_cli_localapi_call(ctx->socket, "GET", checks[i], NULL, 200, TN_CLI_CALL_TIMEOUT_NS,
					 &res, err, sizeof(err)) < 0)
			printf("Warning: %s\n", err);
		else if (*tn_cli_json_str(res, "Warning"))
			printf("Warning: %s\n", tn_cli_json_str(res, "Warning"));
		json_decref(res);
	}
	fflush(stdout);
}

static void print_json_state(const char *auth_url, const char *state, const char *indent)
{
	json_t *j = json_object();
	if (auth_url)
		json_object_set_new(j, "AuthURL", json_string(auth_url));
	if (state && *state)
		json_object_set_new(j, "BackendState", json_string(state));
	char *s = tn_cli_json_encode(j, indent);
	if (s)
		printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(j);
}

/* ipn.Prefs.AdminPageURL */
static void admin_url(const json_t *prefs, char *out, size_t len)
{
	const char *url = tn_cli_json_str(prefs, "ControlURL");
	if (!*url || !tn_cli_control_url_changed(url, TN_CLI_DEFAULT_CONTROL_URL))
		url = "https://login.tailscale.com";
	snprintf(out, len, "%.2000s/admin", url);
}

struct watch {
	bool json;
	bool printed;
	bool auth_key;
	bool force_reauth;
	char last_url[2048];
	const char *orig_auth_url;
	const char *orig_node_key;
	const char *start_state;      /* BackendState before we began */
	const json_t *prefs;          /* the effective prefs, for the admin URL */
};

static void device_approval(struct watch *w)
{
	char url[2048 - 8];

	if (w->json) {
		print_json_state(NULL, "NeedsMachineAuth", "  ");
		return;
	}
	admin_url(w->prefs, url, sizeof(url));
	if (!strcmp(url, w->last_url))
		return;
	snprintf(w->last_url, sizeof(w->last_url), "%s", url);
	fprintf(stderr, "\nTo approve your machine, visit (as admin):\n\n\t%s\n\n", url);
}

/* Follows the IPN bus until Running.  0, or 1 after printing why not. */
static int wait_running(struct tn_cli_stream *s, struct watch *w, uint64_t deadline,
			const char *prog)
{
	bool running = false;
	bool waiting_key = w->force_reauth;
	char err[TN_CLI_ERROR_MAX];

	for (;;) {
		const char *line;
		size_t len;
		int rc = tn_cli_stream_next(s, deadline, &line, &len, err, sizeof(err));
		if (rc == -ETIMEDOUT)
			return tn_cli_fail("timeout waiting for Tailscale service to enter a Running state; "
					   "check health with \"%s status\"", prog);
		if (rc < 0)
			return tn_cli_fail("%s", err);
		if (rc == 0)
			return tn_cli_fail("the daemon ended the IPN bus stream (EOF)");
		if (len == 0)
			continue;
		char jerr[128];
		json_t *n = tn_cli_json_parse(line, len, jerr, sizeof(jerr));
		if (!json_is_object(n)) {
			json_decref(n);
			return tn_cli_fail("IPN bus: %s", n ? "not a JSON object" : jerr);
		}
		json_t *em = json_object_get(n, "ErrMessage");
		if (json_is_string(em)) {
			fprintf(stderr, "backend error: %s\n", json_string_value(em));
			json_decref(n);
			return 1;
		}
		json_t *state = json_object_get(n, "State");
		if (json_is_integer(state)) {
			if (json_integer_value(state) == TN_CLI_STATE_NEEDS_MACHINE_AUTH) {
				w->printed = true;
				device_approval(w);
			}
			running = json_integer_value(state) == TN_CLI_STATE_RUNNING;
		}
		json_t *self = json_object_get(n, "SelfChange");
		if (json_is_object(self) && strcmp(tn_cli_json_str(self, "Key"), w->orig_node_key))
			waiting_key = false;
		if (running && !waiting_key) {
			if (w->json)
				print_json_state(NULL, "Running", "  ");
			else if (w->printed)
				fprintf(stderr, "Success.\n");
			json_decref(n);
			return 0;
		}
		const char *url = json_string_value(json_object_get(n, "BrowseToURL"));
		if (url && *url && !w->auth_key && !(w->force_reauth && !strcmp(url, w->orig_auth_url)) &&
		    strcmp(url, w->last_url)) {
			w->printed = true;
			snprintf(w->last_url, sizeof(w->last_url), "%s", url);
			if (w->json)
				print_json_state(url, w->start_state, "\t");
			else
				fprintf(stderr, "\nTo authenticate, visit:\n\n\t%s\n\n", url);
		}
		json_decref(n);
	}
}

/* updatePrefs: the re-specify check, the login-server guard, and whether a
 * running node can just have its prefs edited.  Returns 0 with *edit set
 * to a MaskedPrefs (or NULL), or 1 after printing the error. */
static int update_prefs(json_t *prefs, const json_t *cur, const struct tn_cli_upcheck *env,
			const struct tn_cli_up_args *a, bool *simple_up, json_t **edit)
{
	struct tn_cli_buf msg;

	*edit = NULL;
	*simple_up = false;
	if (!a->reset) {
		tn_cli_apply_implicit_prefs(prefs, cur, env);
		tn_cli_buf_init(&msg);
		int rc = tn_cli_check_reverts(prefs, cur, env, simple_up, &msg);
		if (rc < 0) {
			fputs(rc == -ENOMEM ? "out of memory\n" : tn_cli_buf_str(&msg), stderr);
			tn_cli_buf_free(&msg);
			return 1;
		}
		tn_cli_buf_free(&msg);
	}
	bool url_changed = tn_cli_control_url_changed(tn_cli_json_str(cur, "ControlURL"),
						      tn_cli_json_str(prefs, "ControlURL"));
	bool running = !strcmp(env->backend_state, "Running");
	if (url_changed && running && !a->force_reauth && !*simple_up)
		return tn_cli_fail("can't change --login-server without --force-reauth");
	if (*simple_up)
		return 0;
	json_t *cur_tags = json_object_get(cur, "AdvertiseTags");
	json_t *new_tags = json_object_get(prefs, "AdvertiseTags");
	char *t1 = tn_cli_json_encode(cur_tags ? cur_tags : json_null(), NULL);
	char *t2 = tn_cli_json_encode(new_tags ? new_tags : json_null(), NULL);
	/* Go compares the slices: nil and empty differ, as here. */
	bool tags_changed = !t1 || !t2 || strcmp(t1, t2);
	free(t1);
	free(t2);
	if (running && !a->force_reauth && !*a->auth_key && !url_changed && !tags_changed) {
		json_t *mp = json_deep_copy(prefs);
		json_object_set_new(mp, "WantRunningSet", json_true());
		if (json_is_string(json_object_get(prefs, "AutoExitNode")) &&
		    *tn_cli_json_str(prefs, "AutoExitNode"))
			json_object_set_new(mp, "AutoExitNodeSet", json_true());
		for (size_t i = 0; i < env->fs->n_flags; i++)
			if (a->reset || env->fs->flags[i].set)
				tn_cli_prefs_mark_flag(mp, env->fs->flags[i].name);
		*edit = mp;
	}
	return 0;
}

static int call(const struct tn_cli_ctx *ctx, const char *method, const char *target,
		const json_t *body, int want, json_t **out)
{
	char err[TN_CLI_ERROR_MAX];
	if (tn_cli_localapi_call(ctx->socket, method, target, body, want, TN_CLI_CALL_TIMEOUT_NS, out,
				 err, sizeof(err)) < 0)
		return tn_cli_fail("%s", err);
	return 0;
}

int tn_cli_run_up(struct tn_cli_ctx *ctx, bool login, struct tn_cli_up_args *a,
		  struct tn_cli_flagset *fs)
{
	json_t *st = NULL, *prefs = NULL, *cur = NULL, *edit = NULL;
	struct tn_cli_stream stream = { .fd = -1 };
	char err[TN_CLI_ERROR_MAX];
	char *key = NULL;
	int rc;
	uint64_t deadline = a->timeout_ns > 0 ? tn_clock_now() + (uint64_t)a->timeout_ns : 0;

	if (fs->argc > 0)
		return tn_cli_too_many_args(fs->argc, fs->argv);
	if ((rc = tn_cli_get_status(ctx, true, &st)))
		return rc;
	const json_t *self = tn_cli_json_object(st, "Self");
	const char *orig_auth_url = tn_cli_json_str(st, "AuthURL");
	const char *orig_key = tn_cli_json_str(self, "PublicKey");
	const char *state = tn_cli_json_str(st, "BackendState");

	struct tn_cli_buf warn;
	tn_cli_buf_init(&warn);
	prefs = tn_cli_prefs_from_up_args(a, st, &warn, err, sizeof(err));
	fputs(tn_cli_buf_str(&warn), stdout);
	fflush(stdout);
	tn_cli_buf_free(&warn);
	if (!prefs) {
		rc = tn_cli_fail("%s", err);
		goto out;
	}
	warn_on_advertise_routes(ctx, prefs);
	if ((rc = call(ctx, "GET", "/localapi/v0/prefs", NULL, 200, &cur)))
		goto out;
	if (!json_is_object(cur)) {
		rc = tn_cli_fail("/localapi/v0/prefs: not a JSON object");
		goto out;
	}
	if (!login)
		json_object_set_new(prefs, "ProfileName",
				    json_string(tn_cli_json_str(cur, "ProfileName")));

	/* The IP of the exit node chosen by ID, for the re-specify message. */
	char exit_ip[64] = "";
	const char *exit_id = tn_cli_json_str(cur, "ExitNodeID");
	if (*exit_id) {
		const char *k;
		json_t *ps;
		json_object_foreach(tn_cli_json_object(st, "Peer"), k, ps) {
			if (!strcmp(tn_cli_json_str(ps, "ID"), exit_id)) {
				const char *ip = json_string_value(json_array_get(tn_cli_json_array(ps, "TailscaleIPs"), 0));
				snprintf(exit_ip, sizeof(exit_ip), "%s", ip ? ip : "");
				break;
			}
		}
	}
	struct tn_cli_upcheck env = {
		.fs = fs, .prog = ctx->prog, .user = getenv("USER"), .backend_state = state,
		.cur_exit_node_ip = exit_ip,
	};
	bool simple_up;
	if ((rc = update_prefs(prefs, cur, &env, a, &simple_up, &edit)))
		goto out;
	if (edit) {
		json_t *mp = tn_cli_prefs_ordered(edit, true);
		rc = call(ctx, "PATCH", "/localapi/v0/prefs", mp, 200, NULL);
		json_decref(mp);
		goto out;
	}
	if (simple_up && !strcmp(state, "Running"))
		goto out;   /* nothing to change, nothing to wait for */

	/* Watch before starting, or the login URL could be missed. */
	if (tn_cli_stream_open(&stream, ctx->socket, "/localapi/v0/watch-ipn-bus?mask=0", deadline,
			       err, sizeof(err)) < 0) {
		rc = tn_cli_fail("%s", err);
		goto out;
	}
	const json_t *effective = cur;
	if (simple_up) {
		json_t *mp = tn_cli_prefs_zero();
		json_object_set_new(mp, "WantRunning", json_true());
		json_object_set_new(mp, "WantRunningSet", json_true());
		json_t *body = tn_cli_prefs_ordered(mp, true);
		rc = call(ctx, "PATCH", "/localapi/v0/prefs", body, 200, NULL);
		json_decref(body);
		json_decref(mp);
		if (rc)
			goto out;
	} else {
		json_t *body = tn_cli_prefs_ordered(prefs, false);
		if ((rc = tn_cli_check_prefs(ctx, body))) {
			json_decref(body);
			goto out;
		}
		if (!(key = resolve_auth_key(a->auth_key, err, sizeof(err)))) {
			json_decref(body);
			rc = tn_cli_fail("%s", err);
			goto out;
		}
		json_t *opts = json_pack("{s:s,s:O,s:s}", "FrontendLogID", "", "UpdatePrefs", body,
					 "AuthKey", key);
		json_decref(body);
		rc = call(ctx, "POST", "/localapi/v0/start", opts, 204, NULL);
		/* The request body held the key: wipe jansson's copy of it. */
		json_t *k = json_object_get(opts, "AuthKey");
		if (json_is_string(k))
			explicit_bzero((char *)json_string_value(k), json_string_length(k));
		json_decref(opts);
		if (rc)
			goto out;
		effective = prefs;
		if (a->force_reauth || !tn_cli_json_bool(st, "HaveNodeKey"))
			if ((rc = call(ctx, "POST", "/localapi/v0/login-interactive", NULL, 204, NULL)))
				goto out;
	}
	struct watch w = {
		.json = a->json, .auth_key = *a->auth_key != '\0', .force_reauth = a->force_reauth,
		.orig_auth_url = orig_auth_url, .orig_node_key = orig_key, .start_state = state,
		.prefs = effective,
	};
	if (simple_up && !strcmp(state, "NeedsMachineAuth")) {
		w.printed = true;
		device_approval(&w);
	}
	rc = wait_running(&stream, &w, deadline, ctx->prog);
	if (rc == 0)
		check_up_warnings(ctx);
out:
	tn_cli_stream_close(&stream);
	free_secret(key);
	json_decref(edit);
	json_decref(cur);
	json_decref(prefs);
	json_decref(st);
	return rc;
}

int tn_cli_cmd_up(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	struct tn_cli_up_args a;
	struct tn_cli_flag flags[TN_CLI_UP_FLAGS_MAX];
	struct tn_cli_flagset fs = {
		.short_help = "Connect to the tailnet, logging in if needed",
		.short_usage = "tnet up [flags]",
		.long_help =
			"\"tnet up\" connects this machine to your tailnet, triggering\n"
			"authentication if necessary.\n\n"
			"With no flags, \"tnet up\" brings the network online without\n"
			"changing any settings. (That is, it's the opposite of \"tnet down\").\n\n"
			"If flags are specified, the flags must be the complete set of desired\n"
			"settings. An error is returned if any setting would be changed as a\n"
			"result of an unspecified flag's default value, unless the --reset flag\n"
			"is also used. (The flags --auth-key, --force-reauth, --json and --timeout\n"
			"are not considered settings that need to be re-specified.)",
		.flags = flags,
	};
	int rc;

	fs.n_flags = tn_cli_up_flags(&a, false, flags);
	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	return tn_cli_run_up(ctx, false, &a, &fs);
}

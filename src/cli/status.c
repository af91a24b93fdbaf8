/* tnet status: the daemon's state and its peers, as a table or as the
 * status JSON (status.go). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/addr.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/gojson.h"
#include "cli/peers.h"
#include "cli/quote.h"
#include "cli/tabwriter.h"

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

int tn_cli_parse_time(const char *s, int64_t *unix_s, bool *zero)
{
	int y, mo, d, h, mi, se;

	*zero = false;
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -EINVAL;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -EINVAL;
	const char *p = s + 19;
	bool frac = false;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			frac |= *p != '0';
			p++;
		}
	}
	int64_t off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (strlen(p) < 6 || p[3] != ':' || digits(p + 1, 2, &oh) || digits(p + 4, 2, &om))
			return -EINVAL;
		off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	*unix_s = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	*zero = y == 1 && mo == 1 && d == 1 && h == 0 && mi == 0 && se == 0 && off == 0 && !frac;
	return 0;
}

/* lastSeenFmt */
static void last_seen(const char *when, int64_t now, char *out, size_t len)
{
	int64_t t;
	bool zero;

	out[0] = '\0';
	if (!when || tn_cli_parse_time(when, &t, &zero) < 0 || zero)
		return;
	int64_t d = now - t;
	if (d < 60)
		d = 60;
	if (d < 3600)
		snprintf(out, len, ", last seen %lldm ago", (long long)(d / 60));
	else if (d < 86400)
		snprintf(out, len, ", last seen %lldh ago", (long long)(d / 3600));
	else
		snprintf(out, len, ", last seen %lldd ago", (long long)(d / 86400));
}

/* ownerLogin */
static void owner_login(const json_t *st, const json_t *ps, char *out, size_t len)
{
	long long uid = tn_cli_json_int(ps, "AltSharerUserID");
	char key[32];

	if (!uid)
		uid = tn_cli_json_int(ps, "UserID");
	if (!uid) {
		snprintf(out, len, "-");
		return;
	}
	snprintf(key, sizeof(key), "%lld", uid);
	const json_t *u = json_object_get(tn_cli_json_object(st, "User"), key);
	if (!json_is_object(u)) {
		snprintf(out, len, "userid:%lld", uid);
		return;
	}
	const char *login = tn_cli_json_str(u, "LoginName");
	const char *at = strchr(login, '@');
	snprintf(out, len, "%.*s", at ? (int)(at - login + 1) : (int)strlen(login), login);
}

static void print_node(struct tn_cli_tab *w, const json_t *st, const json_t *ps, int64_t now)
{
	char name[300], owner[300], seen[64];
	const char *ip = json_string_value(json_array_get(tn_cli_json_array(ps, "TailscaleIPs"), 0));
	long long tx = tn_cli_json_int(ps, "TxBytes"), rx = tn_cli_json_int(ps, "RxBytes");
	bool any_traffic = tx != 0 || rx != 0;
	bool online = tn_cli_json_bool(ps, "Online");
	bool exit_node = tn_cli_json_bool(ps, "ExitNode");
	bool exit_option = tn_cli_json_bool(ps, "ExitNodeOption");
	const char *relay = tn_cli_json_str(ps, "Relay");
	const char *cur = tn_cli_json_str(ps, "CurAddr");
	const char *peer_relay = tn_cli_json_str(ps, "PeerRelay");
	char offline[96] = "";

	tn_cli_node_display_name(st, ps, name, sizeof(name));
	owner_login(st, ps, owner, sizeof(owner));
	tn_cli_tab_printf(w, "%s\t%s\t%s\t%s\t", ip ? ip : "", name, owner, tn_cli_json_str(ps, "OS"));
	last_seen(tn_cli_json_str(ps, "LastSeen"), now, seen, sizeof(seen));
	if (!online)
		snprintf(offline, sizeof(offline), "; offline%s", seen);
	if (!tn_cli_json_bool(ps, "Active")) {
		if (exit_node)
			tn_cli_tab_printf(w, "idle; exit node%s", offline);
		else if (exit_option)
			tn_cli_tab_printf(w, "idle; offers exit node%s", offline);
		else if (any_traffic)
			tn_cli_tab_printf(w, "idle%s", offline);
		else if (!online)
			tn_cli_tab_printf(w, "offline%s", seen);
		else
			tn_cli_tab_add(w, "-");
	} else {
		tn_cli_tab_add(w, "active; ");
		if (exit_node)
			tn_cli_tab_add(w, "exit node; ");
		else if (exit_option)
			tn_cli_tab_add(w, "offers exit node; ");
		if (*relay && !*cur && !*peer_relay) {
			struct tn_cli_buf q;
			tn_cli_buf_init(&q);
			tn_cli_quote_go(&q, relay);
			tn_cli_tab_printf(w, "relay %s", tn_cli_buf_str(&q));
			tn_cli_buf_free(&q);
		} else if (*cur) {
			tn_cli_tab_printf(w, "direct %s", cur);
		} else if (*peer_relay) {
			tn_cli_tab_printf(w, "peer-relay %s", peer_relay);
		}
		if (!online)
			tn_cli_tab_add(w, offline);
	}
	if (any_traffic)
		tn_cli_tab_printf(w, ", tx %lld rx %lld", tx, rx);
	tn_cli_tab_add(w, "\t\n");
}

struct peer_ref {
	const char *key;
	const json_t *ps;
};

static int cmp_str_field(const json_t *a, const json_t *b, const char *field)
{
	const char *x = tn_cli_json_str(a, field), *y = tn_cli_json_str(b, field);
	if (!*x && !*y)
		return 0;
	return strcmp(x, y);
}

/* ipnstate.SortPeers over peers first ordered by key (Status.Peers). */
static int cmp_peers(const void *pa, const void *pb)
{
	const struct peer_ref *a = pa, *b = pb;
	int c;

	if ((c = cmp_str_field(a->ps, b->ps, "DNSName")))
		return c;
	if ((c = cmp_str_field(a->ps, b->ps, "HostName")))
		return c;
	const char *ia = json_string_value(json_array_get(tn_cli_json_array(a->ps, "TailscaleIPs"), 0));
	const char *ib = json_string_value(json_array_get(tn_cli_json_array(b->ps, "TailscaleIPs"), 0));
	struct tn_cli_addr x, y;
	if (ia && ib && tn_cli_addr_parse(ia, &x) == 0 && tn_cli_addr_parse(ib, &y) == 0 &&
	    (c = tn_cli_addr_compare(&x, &y)))
		return c;
	if ((c = cmp_str_field(a->ps, b->ps, "PublicKey")))
		return c;
	return strcmp(a->key, b->key);
}

int tn_cli_status_table(const json_t *st, const struct tn_cli_status_opts *o, int64_t now,
			struct tn_cli_buf *out)
{
	struct tn_cli_tab w;
	struct peer_ref *peers = NULL;
	size_t n = 0;
	int rc;

	tn_cli_tab_init(&w, 0, 2);
	if (o->header) {
		tn_cli_tab_add(&w, "IP\tHostname\tOwner\tOS\tStatus\t\n");
		tn_cli_tab_add(&w, "--\t--------\t-----\t--\t------\t\n");
	}
	const json_t *self = tn_cli_json_object(st, "Self");
	if (o->self && self)
		print_node(&w, st, self, now);
	if (o->peers) {
		const json_t *pm = tn_cli_json_object(st, "Peer");
		const char *key;
		json_t *ps;

		peers = calloc(json_object_size(pm) + 1, sizeof(*peers));
		if (!peers) {
			tn_cli_tab_free(&w);
			return -ENOMEM;
		}
		json_object_foreach((json_t *)pm, key, ps) {
			if (!json_is_object(ps) || tn_cli_json_bool(ps, "ShareeNode"))
				continue;
			peers[n++] = (struct peer_ref){ key, ps };
		}
		qsort(peers, n, sizeof(*peers), cmp_peers);
		for (size_t i = 0; i < n; i++) {
			if (o->active && !tn_cli_json_bool(peers[i].ps, "Active"))
				continue;
			print_node(&w, st, peers[i].ps, now);
		}
		free(peers);
	}
	rc = tn_cli_tab_flush(&w, out);
	tn_cli_tab_free(&w);
	if (rc < 0)
		return rc;
	const json_t *health = tn_cli_json_array(st, "Health");
	if (json_array_size(health)) {
		size_t i;
		json_t *m;
		tn_cli_buf_puts(out, "\n# Health check:\n");
		json_array_foreach(health, i, m)
			tn_cli_buf_printf(out, "#     - %s\n", json_is_string(m) ? json_string_value(m) : "");
	}
	return tn_cli_buf_done(out);
}

int tn_cli_cmd_status(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	bool json = false, active = false, self = true, peers = true, header = false;
	struct tn_cli_flag flags[] = {
		{ .name = "json", .type = TN_CLI_FLAG_BOOL, .value = &json,
		  .usage = "output in JSON format (WARNING: format subject to change)" },
		{ .name = "active", .type = TN_CLI_FLAG_BOOL, .value = &active,
		  .usage = "filter output to only peers with active sessions" },
		{ .name = "self", .type = TN_CLI_FLAG_BOOL, .value = &self,
		  .usage = "show status of local machine" },
		{ .name = "peers", .type = TN_CLI_FLAG_BOOL, .value = &peers,
		  .usage = "show status of peers" },
		{ .name = "header", .type = TN_CLI_FLAG_BOOL, .value = &header,
		  .usage = "show column headers in table format" },
	};
	struct tn_cli_flagset fs = {
		.short_help = "Show state of tailnetd and its connections",
		.short_usage = "tnet status [--active] [--json]",
		.long_help = "JSON FORMAT\n\nWarning: this format has changed between releases and might change more\n"
			     "in the future.  It is Go's ipnstate.Status, as tailscaled serves it.",
		.flags = flags, .n_flags = sizeof(flags) / sizeof(flags[0]),
	};
	json_t *st = NULL;
	struct tn_cli_buf out;
	int rc;

	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	if (fs.argc > 0)
		return tn_cli_fail("unexpected non-flag arguments to '%s status'", ctx->prog);
	if ((rc = tn_cli_get_status(ctx, peers, &st)))
		return rc;
	tn_cli_buf_init(&out);
	if (json) {
		if (active) {
			json_t *pm = tn_cli_json_object(st, "Peer");
			const char *key;
			json_t *ps;
			void *tmp;
			json_object_foreach_safe(pm, tmp, key, ps)
				if (!tn_cli_json_bool(ps, "Active"))
					json_object_del(pm, key);
		}
		/* MarshalIndent, printed without a newline, as Go does. */
		if (tn_cli_json_append(&out, st, NULL, "  ") < 0)
			rc = tn_cli_fail("status: cannot write the JSON");
		else
			rc = tn_cli_write_out(out.p, out.len);
		goto done;
	}
	char *desc;
	if (!tn_cli_running_or_starting(st, &desc)) {
		const char *state = tn_cli_json_str(st, "BackendState");
		json_t *health = tn_cli_json_array(st, "Health");
		if (json_array_size(health) && (!strcmp(state, "Starting") || !strcmp(state, "NoState"))) {
			size_t i;
			json_t *m;
			tn_cli_buf_puts(&out, "# Health check:\n");
			json_array_foreach(health, i, m)
				tn_cli_buf_printf(&out, "#     - %s\n", json_string_value(m) ? json_string_value(m) : "");
			tn_cli_buf_putc(&out, '\n');
		}
		tn_cli_buf_printf(&out, "%s\n", desc ? desc : "");
		free(desc);
		tn_cli_write_out(tn_cli_buf_str(&out), out.len);
		rc = 1;
		goto done;
	}
	struct tn_cli_status_opts o = { self, peers, active, header };
	if (tn_cli_status_table(st, &o, (int64_t)time(NULL), &out) < 0)
		rc = tn_cli_fail("out of memory");
	else
		rc = tn_cli_write_out(tn_cli_buf_str(&out), out.len);
done:
	tn_cli_buf_free(&out);
	json_decref(st);
	return rc;
}

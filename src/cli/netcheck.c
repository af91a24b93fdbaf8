/* tnet netcheck: the daemon's analysis of local network conditions
 * (netcheck.go's report printing).
 *
 * Go's CLI runs netcheck itself; tnet only talks to the daemon, so it asks
 * for the report at GET /localapi/v0/netcheck (a tailnetd addition to the
 * LocalAPI answering with Go's netcheck.Report JSON; docs/cli.md) and for
 * the region names at GET /localapi/v0/derpmap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/duration.h"
#include "cli/flags.h"
#include "cli/gojson.h"
#include "cli/localapi.h"

/* Go's %v of an opt.Bool read from JSON: "true", "false" or "". */
static const char *opt_bool(const json_t *v)
{
	return json_is_true(v) ? "true" : json_is_false(v) ? "false" : "";
}

static size_t runes(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* fmt's %*s and %-*s, padding by characters as Go does. */
static void pad(struct tn_cli_buf *out, const char *s, size_t width, bool left)
{
	size_t n = runes(s);
	if (left)
		tn_cli_buf_puts(out, s);
	for (; n < width; n++)
		tn_cli_buf_putc(out, ' ');
	if (!left)
		tn_cli_buf_puts(out, s);
}

struct region {
	long long id;
	bool has_latency;
	long long latency;
	const json_t *r;
};

static int cmp_regions(const void *pa, const void *pb)
{
	const struct region *a = pa, *b = pb;
	if (a->has_latency != b->has_latency)
		return a->has_latency ? -1 : 1;
	if (a->has_latency && a->latency != b->latency)
		return a->latency < b->latency ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

int tn_cli_netcheck_text(const json_t *rep, const json_t *dm, bool verbose, struct tn_cli_buf *out)
{
	const json_t *regions = tn_cli_json_object(dm, "Regions");
	const json_t *lat = tn_cli_json_object(rep, "RegionLatency");

	tn_cli_buf_puts(out, "\nReport:\n");
	tn_cli_buf_printf(out, "\t* Time: %s\n", tn_cli_json_str(rep, "Now"));
	tn_cli_buf_printf(out, "\t* UDP: %s\n", tn_cli_json_bool(rep, "UDP") ? "true" : "false");
	if (*tn_cli_json_str(rep, "GlobalV4"))
		tn_cli_buf_printf(out, "\t* IPv4: yes, %s\n", tn_cli_json_str(rep, "GlobalV4"));
	else
		tn_cli_buf_puts(out, "\t* IPv4: (no addr found)\n");
	if (*tn_cli_json_str(rep, "GlobalV6"))
		tn_cli_buf_printf(out, "\t* IPv6: yes, %s\n", tn_cli_json_str(rep, "GlobalV6"));
	else if (tn_cli_json_bool(rep, "IPv6"))
		tn_cli_buf_puts(out, "\t* IPv6: (no addr found)\n");
	else if (tn_cli_json_bool(rep, "OSHasIPv6"))
		tn_cli_buf_puts(out, "\t* IPv6: no, but OS has support\n");
	else
		tn_cli_buf_puts(out, "\t* IPv6: no, unavailable in OS\n");
	tn_cli_buf_printf(out, "\t* MappingVariesByDestIP: %s\n",
			  opt_bool(json_object_get(rep, "MappingVariesByDestIP")));
	const json_t *upnp = json_object_get(rep, "UPnP"), *pmp = json_object_get(rep, "PMP"),
		     *pcp = json_object_get(rep, "PCP");
	tn_cli_buf_puts(out, "\t* PortMapping: ");
	if (!json_is_boolean(upnp) && !json_is_boolean(pmp) && !json_is_boolean(pcp)) {
		tn_cli_buf_puts(out, "not checked");
	} else {
		const char *names[3] = { "UPnP", "NAT-PMP", "PCP" };
		const json_t *got[3] = { upnp, pmp, pcp };
		const char *sep = "";
		for (int i = 0; i < 3; i++) {
			if (!json_is_true(got[i]))
				continue;
			tn_cli_buf_printf(out, "%s%s", sep, names[i]);
			sep = ", ";
		}
	}
	tn_cli_buf_putc(out, '\n');
	if (json_is_boolean(json_object_get(rep, "CaptivePortal")))
		tn_cli_buf_printf(out, "\t* CaptivePortal: %s\n",
				  opt_bool(json_object_get(rep, "CaptivePortal")));
	if (!json_object_size(lat)) {
		tn_cli_buf_puts(out, "\t* Nearest DERP: unknown (no response to latency probes)\n");
		return tn_cli_buf_done(out);
	}
	long long pref = tn_cli_json_int(rep, "PreferredDERP");
	if (pref) {
		char key[32];
		snprintf(key, sizeof(key), "%lld", pref);
		const json_t *r = json_object_get(regions, key);
		if (json_is_object(r))
			tn_cli_buf_printf(out, "\t* Nearest DERP: %s\n", tn_cli_json_str(r, "RegionName"));
		else
			tn_cli_buf_printf(out, "\t* Nearest DERP: %lld (region not found in map)\n", pref);
	} else {
		tn_cli_buf_puts(out, "\t* Nearest DERP: [none]\n");
	}
	tn_cli_buf_puts(out, "\t* DERP latency:\n");
	size_t n = 0;
	struct region *list = calloc(json_object_size(regions) + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	const char *key;
	json_t *r;
	json_object_foreach((json_t *)regions, key, r) {
		struct region *g = &list[n++];
		g->id = strtoll(key, NULL, 10);
		g->r = r;
		json_t *l = json_object_get(lat, key);
		if (json_is_integer(l)) {
			g->has_latency = true;
			g->latency = (long long)json_integer_value(l);
		}
	}
	qsort(list, n, sizeof(*list), cmp_regions);
	for (size_t i = 0; i < n; i++) {
		char latency[40] = "", num[40] = "";
		if (list[i].has_latency)
			tn_cli_duration_format(tn_cli_duration_round(list[i].latency, 100000), latency,
					       sizeof(latency));
		if (verbose)
			snprintf(num, sizeof(num), "derp%lld, ", list[i].id);
		tn_cli_buf_puts(out, "\t\t- ");
		pad(out, tn_cli_json_str(list[i].r, "RegionCode"), 3, false);
		tn_cli_buf_puts(out, ": ");
		pad(out, latency, 7, true);
		tn_cli_buf_printf(out, " (%s%s)\n", num, tn_cli_json_str(list[i].r, "RegionName"));
	}
	free(list);
	return tn_cli_buf_done(out);
}

int tn_cli_cmd_netcheck(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	const char *format = "";
	int64_t every = 0;
	bool verbose = false;
	struct tn_cli_flag flags[] = {
		{ .name = "format", .type = TN_CLI_FLAG_STRING, .value = &format,
		  .usage = "output format; empty (for human-readable), \"json\" or \"json-line\"" },
		{ .name = "every", .type = TN_CLI_FLAG_DURATION, .value = &every,
		  .usage = "if non-zero, do an incremental report with the given frequency" },
		{ .name = "verbose", .type = TN_CLI_FLAG_BOOL, .value = &verbose, .usage = "verbose logs" },
	};
	struct tn_cli_flagset fs = {
		.short_help = "Print an analysis of local network conditions",
		.short_usage = "tnet netcheck",
		.flags = flags, .n_flags = sizeof(flags) / sizeof(flags[0]),
	};
	char err[TN_CLI_ERROR_MAX];
	int rc;

	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	if (fs.argc > 0)
		return tn_cli_too_many_args(fs.argc, fs.argv);
	bool json = !strcmp(format, "json"), line = !strcmp(format, "json-line");
	if (*format && !json && !line)
		return tn_cli_fail("unknown output format \"%s\"", format);
	if (json || line)
		fprintf(stderr, "# Warning: this JSON format is not yet considered a stable interface\n");
	json_t *dm = NULL;
	if (tn_cli_localapi_call(ctx->socket, "GET", "/localapi/v0/derpmap", NULL, 200,
				 TN_CLI_CALL_TIMEOUT_NS, &dm, err, sizeof(err)) < 0)
		fprintf(stderr, "netcheck: no DERP map from the daemon: %s\n", err);
	for (;;) {
		struct tn_cli_response r;
		json_t *rep = NULL;
		struct tn_cli_buf out;

		if (tn_cli_localapi_do(ctx->socket, "GET", "/localapi/v0/netcheck", NULL, 0,
				       TN_CLI_CALL_TIMEOUT_NS, &r, err, sizeof(err)) < 0) {
			rc = tn_cli_fail("%s", err);
			break;
		}
		if (r.status == 404) {
			tn_cli_response_free(&r);
			rc = tn_cli_fail("netcheck: the daemon has no netcheck report "
					 "(GET /localapi/v0/netcheck: 404 Not Found); tailscaled runs "
					 "netcheck in its own CLI, tnet asks tailnetd for it");
			break;
		}
		if (r.status != 200) {
			tn_cli_localapi_status_error(&r, err, sizeof(err));
			tn_cli_response_free(&r);
			rc = tn_cli_fail("netcheck: %s", err);
			break;
		}
		rep = tn_cli_json_parse(r.body, r.body_len, err, sizeof(err));
		tn_cli_response_free(&r);
		if (!json_is_object(rep)) {
			json_decref(rep);
			rc = tn_cli_fail("netcheck: %s", rep ? "the report is not a JSON object" : err);
			break;
		}
		tn_cli_buf_init(&out);
		if (json || line) {
			rc = tn_cli_json_append(&out, rep, NULL, json ? "\t" : NULL);
			tn_cli_buf_putc(&out, '\n');
		} else {
			rc = tn_cli_netcheck_text(rep, dm, verbose, &out);
		}
		json_decref(rep);
		rc = rc < 0 ? tn_cli_fail("netcheck: cannot format the report")
			    : tn_cli_write_out(tn_cli_buf_str(&out), out.len);
		tn_cli_buf_free(&out);
		if (rc || every <= 0)
			break;
		struct timespec ts = { every / TN_CLI_NS_PER_S, every % TN_CLI_NS_PER_S };
		nanosleep(&ts, NULL);
	}
	json_decref(dm);
	return rc;
}

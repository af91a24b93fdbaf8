/* tnet ping: a ping at the Tailscale layer (disco by default; TSMP, ICMP
 * or peerapi on request) through the daemon, showing the path each pong
 * took (ping.go). */
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
#include "cli/peers.h"
#include "cli/quote.h"

/* log.Printf's default prefix: "2006/01/02 15:04:05 ". */
static void log_printf_prefix(void)
{
	time_t t = time(NULL);
	struct tm tm;
	char buf[32];
	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y/%m/%d %H:%M:%S ", &tm);
	fputs(buf, stderr);
}

int tn_cli_cmd_ping(struct tn_cli_ctx *ctx, int argc, char **argv)
{
	bool verbose = false, until_direct = true, tsmp = false, icmp = false, peerapi = false;
	long long num = 10, size = 0;
	int64_t timeout = 5 * TN_CLI_NS_PER_S;
	struct tn_cli_flag flags[] = {
		{ .name = "verbose", .type = TN_CLI_FLAG_BOOL, .value = &verbose, .usage = "verbose output" },
		{ .name = "until-direct", .type = TN_CLI_FLAG_BOOL, .value = &until_direct,
		  .usage = "stop once a direct path is established" },
		{ .name = "tsmp", .type = TN_CLI_FLAG_BOOL, .value = &tsmp,
		  .usage = "do a TSMP-level ping (through WireGuard, but not either host OS stack)" },
		{ .name = "icmp", .type = TN_CLI_FLAG_BOOL, .value = &icmp,
		  .usage = "do a ICMP-level ping (through WireGuard, but not the local host OS stack)" },
		{ .name = "peerapi", .type = TN_CLI_FLAG_BOOL, .value = &peerapi,
		  .usage = "try hitting the peer's peerapi HTTP server" },
		{ .name = "c", .type = TN_CLI_FLAG_INT, .value = &num,
		  .usage = "max number of pings to send. 0 for infinity." },
		{ .name = "timeout", .type = TN_CLI_FLAG_DURATION, .value = &timeout,
		  .usage = "timeout before giving up on a ping" },
		{ .name = "size", .type = TN_CLI_FLAG_INT, .value = &size,
		  .usage = "size of the ping message (disco pings only). 0 for minimum size." },
	};
	struct tn_cli_flagset fs = {
		.short_help = "Ping a host at the Tailscale layer, see how it routed",
		.short_usage = "tnet ping <hostname-or-IP>",
		.long_help =
			"The 'tnet ping' command pings a peer node from the Tailscale layer\n"
			"and reports which route it took for each response. The first ping or\n"
			"so will likely go over DERP (Tailscale's TCP relay protocol) while NAT\n"
			"traversal finds a direct path through.\n\n"
			"By default, 'tnet ping' stops after 10 pings or once a direct\n"
			"(non-DERP) path has been established, whichever comes first.",
		.flags = flags, .n_flags = sizeof(flags) / sizeof(flags[0]),
	};
	json_t *st = NULL;
	char *desc = NULL;
	int rc;

	if ((rc = tn_cli_flags_parse_cmd(&fs, argc, argv)) >= 0)
		return rc;
	const char *type = tsmp ? "TSMP" : icmp ? "ICMP" : peerapi ? "peerapi" : "disco";
	if ((rc = tn_cli_get_status(ctx, true, &st)))
		return rc;
	if (!tn_cli_running_or_starting(st, &desc)) {
		printf("%s\n", desc ? desc : "");
		free(desc);
		json_decref(st);
		return 1;
	}
	if (fs.argc != 1 || !*fs.argv[0]) {
		json_decref(st);
		return tn_cli_fail("usage: %s ping <hostname-or-IP>", ctx->prog);
	}
	char ip[64], err[TN_CLI_ERROR_MAX];
	bool self;
	const char *arg = fs.argv[0];
	rc = tn_cli_ip_from_arg(st, arg, ip, sizeof(ip), &self, err, sizeof(err));
	json_decref(st);
	if (rc < 0)
		return tn_cli_fail("%s", err);
	if (self) {
		printf("%s is local Tailscale IP\n", ip);
		return 0;
	}
	if (verbose && strcmp(ip, arg)) {
		struct tn_cli_buf b;
		tn_cli_buf_init(&b);
		tn_cli_buf_puts(&b, "lookup ");
		tn_cli_quote_go(&b, arg);
		tn_cli_buf_puts(&b, " => ");
		tn_cli_quote_go(&b, ip);
		log_printf_prefix();
		fprintf(stderr, "%s\n", tn_cli_buf_str(&b));
		tn_cli_buf_free(&b);
	}

	/* url.Values.Encode: keys in order, values escaped. */
	struct tn_cli_buf tb;
	char target[512];
	tn_cli_buf_init(&tb);
	tn_cli_query_escape(&tb, ip);
	snprintf(target, sizeof(target), "/localapi/v0/ping?ip=%s&size=%lld&type=%s",
		 tn_cli_buf_str(&tb), size, type);
	tn_cli_buf_free(&tb);
	long long n = 0;
	bool any_pong = false;
	for (;;) {
		struct tn_cli_response r;
		n++;
		rc = tn_cli_localapi_do(ctx->socket, "POST", target, NULL, 0,
					timeout > 0 ? (uint64_t)timeout : 1, &r, err, sizeof(err));
		if (rc == -ETIMEDOUT) {
			printf("ping \"%s\" timed out\n", ip);
			fflush(stdout);
			if (n == num)
				return any_pong ? 0 : tn_cli_fail("no reply");
			continue;
		}
		if (rc < 0)
			return tn_cli_fail("%s", err);
		if (r.status != 200) {
			tn_cli_localapi_status_error(&r, err, sizeof(err));
			tn_cli_response_free(&r);
			/* Go: fmt.Errorf("error %w: %s", err, body) with no body. */
			return tn_cli_fail("error %s: ", err);
		}
		json_t *pr = tn_cli_json_parse(r.body, r.body_len, err, sizeof(err));
		tn_cli_response_free(&r);
		if (!json_is_object(pr)) {
			json_decref(pr);
			return tn_cli_fail("failed to unmarshal JSON into *ipnstate.PingResult: %s",
					   pr ? "not an object" : err);
		}
		const char *perr = tn_cli_json_str(pr, "Err");
		if (*perr) {
			if (tn_cli_json_bool(pr, "IsLocalIP")) {
				printf("%s\n", perr);
				json_decref(pr);
				return 0;
			}
			rc = tn_cli_fail("%s", perr);
			json_decref(pr);
			return rc;
		}
		json_t *lat = json_object_get(pr, "LatencySeconds");
		double secs = json_is_number(lat) ? json_number_value(lat) : 0;
		int64_t ns = secs * 1e9 > 9.2e18 ? INT64_MAX : (int64_t)(secs * 1e9);
		char latency[40], via[300];
		tn_cli_duration_format(tn_cli_duration_round(ns, TN_CLI_NS_PER_MS), latency, sizeof(latency));
		snprintf(via, sizeof(via), "%s", tn_cli_json_str(pr, "Endpoint"));
		if (*tn_cli_json_str(pr, "PeerRelay"))
			snprintf(via, sizeof(via), "peer-relay(%s)", tn_cli_json_str(pr, "PeerRelay"));
		else if (tn_cli_json_int(pr, "DERPRegionID"))
			snprintf(via, sizeof(via), "DERP(%s)", tn_cli_json_str(pr, "DERPRegionCode"));
		if (!*via)
			snprintf(via, sizeof(via), "%s", type);
		if (peerapi) {
			printf("hit peerapi of %s (%s) at %s in %s\n", tn_cli_json_str(pr, "NodeIP"),
			       tn_cli_json_str(pr, "NodeName"), tn_cli_json_str(pr, "PeerAPIURL"), latency);
			json_decref(pr);
			return 0;
		}
		any_pong = true;
		char extra[32] = "";
		if (tn_cli_json_int(pr, "PeerAPIPort"))
			snprintf(extra, sizeof(extra), ", %lld", tn_cli_json_int(pr, "PeerAPIPort"));
		printf("pong from %s (%s%s) via %s in %s\n", tn_cli_json_str(pr, "NodeName"),
		       tn_cli_json_str(pr, "NodeIP"), extra, via, latency);
		fflush(stdout);
		bool direct = *tn_cli_json_str(pr, "Endpoint") != '\0';
		json_decref(pr);
		if (tsmp || icmp)
			return 0;
		if (direct && until_direct)
			return 0;
		struct timespec one = { 1, 0 };
		nanosleep(&one, NULL);
		if (n == num) {
			if (until_direct)
				return tn_cli_fail("direct connection not established");
			return 0;
		}
	}
}

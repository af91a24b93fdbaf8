/* tnet subcommands: one file each, registered in main.c's table.
 *
 * tnet is a client of the daemon's LocalAPI only (docs/cli.md): it works
 * against tailnetd and against Go's tailscaled alike, speaks the JSON of
 * Go's client/local, and prints what the Go tailscale CLI prints, with
 * "tnet" where Go says "tailscale" in command names.  Exit codes: 0, 1 for
 * a failure, 2 for bad flags (Go's flag package).  One thread.
 */
#ifndef TN_CLI_CLI_H
#define TN_CLI_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/buf.h"

/* How long an ordinary LocalAPI call may take.  Go's CLI waits forever;
 * a daemon that does not answer a status within this is stuck. */
#define TN_CLI_CALL_TIMEOUT_NS (60 * 1000000000ULL)

struct tn_cli_ctx {
	const char *socket;     /* the daemon's LocalAPI socket */
	const char *prog;       /* "tnet", for messages */
};

struct tn_cli_command {
	const char *name;
	const char *summary;
	/* argv[0] is the first argument after the subcommand's name.
	 * Returns the process exit code. */
	int (*run)(struct tn_cli_ctx *ctx, int argc, char **argv);
};

int tn_cli_cmd_up(struct tn_cli_ctx *ctx, int argc, char **argv);
int tn_cli_cmd_login(struct tn_cli_ctx *ctx, int argc, char **argv);
int tn_cli_cmd_down(struct tn_cli_ctx *ctx, int argc, char **argv);
int tn_cli_cmd_set(struct tn_cli_ctx *ctx, int argc, char **argv);
int tn_cli_cmd_logout(struct tn_cli_ctx *ctx, int argc, char **argv);
int tn_cli_cmd_status(struct tn_cli_ctx *ctx, int argc, char **argv);
int tn_cli_cmd_ip(struct tn_cli_ctx *ctx, int argc, char **argv);
int tn_cli_cmd_ping(struct tn_cli_ctx *ctx, int argc, char **argv);
int tn_cli_cmd_whois(struct tn_cli_ctx *ctx, int argc, char **argv);
int tn_cli_cmd_netcheck(struct tn_cli_ctx *ctx, int argc, char **argv);
int tn_cli_cmd_version(struct tn_cli_ctx *ctx, int argc, char **argv);

struct tn_cli_up_args;
struct tn_cli_flagset;
/* The flow of "up" and "login" (up.go's runUp) after their flags were
 * parsed into a and fs. */
int tn_cli_run_up(struct tn_cli_ctx *ctx, bool login, struct tn_cli_up_args *a,
		  struct tn_cli_flagset *fs);

/* Prints "msg\n" to stderr (Go's main printing a returned error);
 * returns 1. */
int tn_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "too many non-flag arguments: [\"a\" \"b\"]"; returns 1. */
int tn_cli_too_many_args(int argc, char **argv);

/* Writes text to stdout in full; 0 or 1 (and a message) on failure. */
int tn_cli_write_out(const char *text, size_t len);

/* GET /localapi/v0/status (peers=false: ?peers=false).  0, or 1 after
 * printing the error. */
int tn_cli_get_status(const struct tn_cli_ctx *ctx, bool peers, json_t **st);

/* POST /localapi/v0/check-prefs; 0, or 1 after printing why not (a
 * failed request, or an "Error" in the answer). */
int tn_cli_check_prefs(const struct tn_cli_ctx *ctx, const json_t *prefs);

/* Go's url.QueryEscape. */
void tn_cli_query_escape(struct tn_cli_buf *b, const char *s);

/* Go's %q of a list of strings, as fmt.Sprintf("%q", []string) writes it:
 * ["a" "b"]. */
void tn_cli_quote_args(struct tn_cli_buf *out, int argc, char **argv);

/* The text table of "status" (status.go) for a parsed status: the rows of
 * the tabwriter, "# Health check:" lines.  now_unix_s is the time "last
 * seen" is measured from. */
struct tn_cli_status_opts {
	bool self;
	bool peers;
	bool active;
	bool header;
};
int tn_cli_status_table(const json_t *st, const struct tn_cli_status_opts *o, int64_t now_unix_s,
			struct tn_cli_buf *out);

/* RFC 3339 time (as Go marshals time.Time) to Unix seconds; 0 for Go's
 * zero time, -EINVAL if unreadable. */
int tn_cli_parse_time(const char *s, int64_t *unix_s, bool *zero);

/* The text of "whois" (whois.go) for a WhoIsResponse. */
int tn_cli_whois_text(const json_t *who, struct tn_cli_buf *out);

/* The text of "netcheck" (netcheck.go printReport) for a netcheck.Report
 * and the DERP map. */
int tn_cli_netcheck_text(const json_t *report, const json_t *derpmap, bool verbose,
			 struct tn_cli_buf *out);

#endif

/* tnet — the CLI.  It only talks to the daemon's LocalAPI; each subcommand
 * lives in its own file and is listed in the table below.
 *
 *   tnet [--socket PATH] <subcommand> [flags] [args]
 *
 * The socket defaults to $TAILNETD_SOCKET, else /var/lib/tailnetd/
 * tailnetd.sock for root, else $XDG_STATE_HOME/tailnetd/tailnetd.sock
 * (~/.local/state/tailnetd/tailnetd.sock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/flags.h"

static const struct tn_cli_command commands[] = {
	{ "up", "Connect to the tailnet, logging in if needed", tn_cli_cmd_up },
	{ "down", "Disconnect from the tailnet", tn_cli_cmd_down },
	{ "set", "Change specified preferences", tn_cli_cmd_set },
	{ "login", "Log in to a tailnet", tn_cli_cmd_login },
	{ "logout", "Disconnect from the tailnet and expire the current node key", tn_cli_cmd_logout },
	{ "netcheck", "Print an analysis of local network conditions", tn_cli_cmd_netcheck },
	{ "ip", "Show Tailscale IP addresses", tn_cli_cmd_ip },
	{ "status", "Show state of tailnetd and its connections", tn_cli_cmd_status },
	{ "ping", "Ping a host at the Tailscale layer, see how it routed", tn_cli_cmd_ping },
	{ "version", "Print the version", tn_cli_cmd_version },
	{ "whois", "Show the machine and user associated with a Tailscale IP (v4 or v6)", tn_cli_cmd_whois },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static char default_socket[4096];

static const char *socket_default(void)
{
	const char *env = getenv("TAILNETD_SOCKET");
	if (env && *env)
		return env;
	if (geteuid() == 0)
		return "/var/lib/tailnetd/tailnetd.sock";
	const char *state = getenv("XDG_STATE_HOME");
	if (state && *state)
		snprintf(default_socket, sizeof(default_socket), "%s/tailnetd/tailnetd.sock", state);
	else
		snprintf(default_socket, sizeof(default_socket), "%s/.local/state/tailnetd/tailnetd.sock",
			 getenv("HOME") ? getenv("HOME") : "");
	return default_socket;
}

static void usage(FILE *f, const char *socket)
{
	fprintf(f, "tnet: the command-line client of tailnetd.\n\n"
		   "USAGE\n  tnet [flags] <subcommand> [command flags]\n\n"
		   "For help on subcommands, add --help after: \"tnet status --help\".\n\n"
		   "SUBCOMMANDS\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nFLAGS\n  --socket value\n    \tpath to the daemon's LocalAPI socket (default %s)\n",
		socket);
}

/* Go's CleanUpArgs: --authkey is --auth-key, --posture-checking is
 * --report-posture, in every spelling.  The rewritten arguments are
 * allocated and marked in owned[]. */
static void clean_up_args(int argc, char **argv, char **out, bool *owned)
{
	static const struct {
		const char *old, *new_;
	} renames[] = { { "authkey", "auth-key" }, { "posture-checking", "report-posture" } };

	for (int i = 0; i < argc; i++) {
		out[i] = argv[i];
		for (size_t k = 0; k < 2; k++) {
			const char *a = argv[i];
			size_t ol = strlen(renames[k].old);
			if (a[0] != '-')
				continue;
			a += a[1] == '-' ? 2 : 1;
			if (strncmp(a, renames[k].old, ol) || (a[ol] != '\0' && a[ol] != '='))
				continue;
			char *s = NULL;
			if (asprintf(&s, "--%s%s", renames[k].new_, a + ol) >= 0) {
				out[i] = s;
				owned[i] = true;
			}
		}
	}
	out[argc] = NULL;
}

int main(int argc, char **argv)
{
	const char *socket = socket_default();
	struct tn_cli_flag flags[] = {
		{ .name = "socket", .type = TN_CLI_FLAG_STRING, .value = &socket,
		  .usage = "path to the daemon's LocalAPI socket" },
	};
	struct tn_cli_flagset fs = {
		.short_help = "tnet: the command-line client of tailnetd.",
		.short_usage = "tnet [flags] <subcommand> [command flags]",
		.flags = flags, .n_flags = 1,
	};
	char err[TN_CLI_FLAG_ERROR_MAX];
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	bool *owned = calloc((size_t)argc + 1, sizeof(*owned));
	int n = argc - 1, rc;

	if (!args || !owned) {
		free(args);
		free(owned);
		return tn_cli_fail("out of memory");
	}
	clean_up_args(n, argv + 1, args, owned);
	if (n == 1 && (!strcmp(args[0], "-V") || !strcmp(args[0], "--version")))
		args[0] = "version";
	if (n == 1 && !strcmp(args[0], "help"))
		args[0] = "--help";
	rc = tn_cli_flags_parse(&fs, n, args, err, sizeof(err));
	if (rc > 0 || (rc == 0 && fs.argc == 0)) {
		usage(stderr, socket);
		rc = 0;
	} else if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		usage(stderr, socket);
		rc = 2;
	} else {
		struct tn_cli_ctx ctx = { .socket = socket, .prog = "tnet" };
		size_t i;
		for (i = 0; i < N_COMMANDS; i++)
			if (!strcmp(fs.argv[0], commands[i].name))
				break;
		if (i < N_COMMANDS)
			rc = commands[i].run(&ctx, fs.argc - 1, fs.argv + 1);
		else
			rc = tn_cli_fail("tnet: unknown subcommand: %s", fs.argv[0]);
	}
	for (int i = 0; i < n; i++)
		if (owned[i])
			free(args[i]);
	free(owned);
	free(args);
	return rc;
}

/* tnet — the CLI.  It only talks to tailnetd's LocalAPI; each subcommand
 * lives in its own file and is listed in the table below. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct tn_cli_command commands[] = {
	{ "version", "print the version", tn_cli_version },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tnet <command> [flags]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tnet: unknown command %s\n", argv[1]);
	usage(stderr);
	return 2;
}

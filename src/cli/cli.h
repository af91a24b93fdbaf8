/* tnet subcommands: one file each, registered in main.c's table. */
#ifndef TN_CLI_CLI_H
#define TN_CLI_CLI_H

struct tn_cli_command {
	const char *name;
	const char *summary;
	/* argv[0] is the subcommand name.  Returns the process exit code. */
	int (*run)(int argc, char **argv);
};

int tn_cli_version(int argc, char **argv);

#endif

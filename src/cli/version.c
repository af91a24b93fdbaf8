#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "tailnet/tailnet.h"

int tn_cli_version(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		fprintf(stderr, "tnet version: unknown flag %s\n", argv[i]);
		return 2;
	}
	printf("%s\n", tn_version());
	return 0;
}

/* tailnetd — the daemon.
 *
 * For now it only knows its version and its flags; joining a tailnet comes
 * with the control, WireGuard and magicsock issues.  A bad flag names the
 * flag and exits 2, as every later flag will.
 */
#include <stdio.h>
#include <string.h>

#include "tailnet/tailnet.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: tailnetd [--version] [--help]\n");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-version")) {
			printf("tailnetd %s\n", tn_version());
			return 0;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "tailnetd: unknown flag %s\n", argv[i]);
		usage(stderr);
		return 2;
	}
	fprintf(stderr, "tailnetd: this build cannot join a tailnet yet "
		"(the control client and data plane are the next milestones)\n");
	return 1;
}

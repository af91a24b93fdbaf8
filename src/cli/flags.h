/* Command-line flags with the rules of Go's flag package, which the
 * tailscale CLI uses and users' scripts rely on:
 *  - "-name" and "--name" are the same; a value follows as "-name=value"
 *    or as the next argument ("-name value"), except for booleans, which
 *    take a value only as "-name=false" (strconv.ParseBool spellings);
 *  - parsing stops at the first argument that is not a flag, or after
 *    "--"; what is left are the positional arguments;
 *  - "-h"/"-help" (when not defined) ask for the usage;
 *  - errors name the flag: "flag provided but not defined: -x",
 *    "flag needs an argument: -hostname", "invalid boolean value \"maybe\"
 *    for -json: parse error", "invalid value \"abc\" for flag -c: parse
 *    error", and, as the tailscale CLI adds, "flag provided multiple times".
 * A command declares a table of struct tn_cli_flag pointing at its own
 * variables (set to their defaults before parsing).  One thread.
 */
#ifndef TN_CLI_FLAGS_H
#define TN_CLI_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum tn_cli_flag_type {
	TN_CLI_FLAG_BOOL,       /* value: bool * */
	TN_CLI_FLAG_STRING,     /* value: const char ** (borrowed from argv) */
	TN_CLI_FLAG_INT,        /* value: long long * (Go's base-0 syntax) */
	TN_CLI_FLAG_DURATION,   /* value: int64_t * nanoseconds ("5s") */
};

struct tn_cli_flag {
	const char *name;
	enum tn_cli_flag_type type;
	void *value;
	const char *usage;
	bool secret;            /* an auth key: never shown in messages */
	/* Filled by parsing: */
	bool set;               /* given on the command line (Go's Visit) */
	char def[64];           /* the value before parsing, as text */
};

struct tn_cli_flagset {
	const char *short_help;   /* "Show state of tailnetd and its connections" */
	const char *short_usage;  /* "tnet status [--active] [--json]" */
	const char *long_help;    /* may be NULL */
	struct tn_cli_flag *flags;
	size_t n_flags;
	/* After parsing: the positional arguments (borrowed from argv). */
	int argc;
	char **argv;
};

#define TN_CLI_FLAG_ERROR_MAX 256

/* Parses argv[0..argc) (argv[0] is the first argument, not the command
 * name).  Returns 0; 1 if the usage was asked for; -EINVAL with the message
 * in err. */
int tn_cli_flags_parse(struct tn_cli_flagset *fs, int argc, char **argv, char *err,
		       size_t errlen);

/* Parses for a command: on an error prints it and the usage to stderr.
 * Returns -1 if the command should go on, else the exit code to return
 * (0 after -h, 2 after an error). */
int tn_cli_flags_parse_cmd(struct tn_cli_flagset *fs, int argc, char **argv);

/* Writes the usage (help, USAGE, FLAGS) like the tailscale CLI.
 * with_defaults: append "(default X)" as Go's usage does. */
void tn_cli_flags_usage(const struct tn_cli_flagset *fs, FILE *f, bool with_defaults);

struct tn_cli_flag *tn_cli_flag_lookup(struct tn_cli_flagset *fs, const char *name);
bool tn_cli_flag_set(const struct tn_cli_flagset *fs, const char *name);

/* The flag's current value as Go's flag.Value.String() writes it. */
void tn_cli_flag_value_string(const struct tn_cli_flag *f, char *out, size_t len);

/* strconv.ParseBool: 1 true, 0 false, -EINVAL otherwise. */
int tn_cli_parse_bool(const char *s);

#endif

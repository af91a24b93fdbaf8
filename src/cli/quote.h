/* Quoting as the Go CLI shows values: Go's %q (strconv.Quote) in error
 * messages, and shell quoting (go-shellquote's Join rules) for the command
 * line the re-specify error suggests.  Pure functions; any thread.
 */
#ifndef TN_CLI_QUOTE_H
#define TN_CLI_QUOTE_H

#include "cli/buf.h"

/* Appends s double-quoted: '"' and '\' escaped with a backslash, \a \b \f
 * \n \r \t \v by name, other bytes below 0x20, 0x7f and bytes that are not
 * valid UTF-8 as \xXX; valid UTF-8 above ASCII as it is. */
void tn_cli_quote_go(struct tn_cli_buf *out, const char *s);

/* Appends s so that a POSIX shell reads it back as one word: unchanged if
 * it has nothing special; characters in \'"`${[|&;<>()*?! (and '~' at the
 * start) escaped with a backslash; a word with a space, tab or newline is
 * put in single quotes instead (a ' inside becoming '\'').  "" becomes ''. */
void tn_cli_quote_shell(struct tn_cli_buf *out, const char *s);

#endif

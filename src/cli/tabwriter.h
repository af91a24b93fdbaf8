/* Column alignment as Go's text/tabwriter does it for the CLI's tables
 * (status, whois), with flags 0 and a space pad character.
 *
 * Text is cut into lines, lines into cells: a cell is the text before a
 * '\t'; the text after a line's last '\t' is not a cell and is never padded.
 * A column block is a run of consecutive lines that all have a cell in that
 * column; its width is the widest cell (in UTF-8 characters) plus padding,
 * at least minwidth, and every cell of the block is padded to it with
 * spaces.  A line with fewer cells ends the blocks of the columns it lacks.
 *
 * Collect everything with tn_cli_tab_add, then tn_cli_tab_flush into a
 * buffer.  The writer owns its copies of the text.  One thread.
 */
#ifndef TN_CLI_TABWRITER_H
#define TN_CLI_TABWRITER_H

#include <stddef.h>

#include "cli/buf.h"

struct tn_cli_tab {
	int minwidth;
	int padding;
	struct tn_cli_buf text;   /* all text added since the last flush */
};

void tn_cli_tab_init(struct tn_cli_tab *t, int minwidth, int padding);
void tn_cli_tab_free(struct tn_cli_tab *t);
void tn_cli_tab_add(struct tn_cli_tab *t, const char *s);
void tn_cli_tab_printf(struct tn_cli_tab *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends the aligned text to out and empties t.  A last line without a
 * newline is written as it is.  0 or -ENOMEM. */
int tn_cli_tab_flush(struct tn_cli_tab *t, struct tn_cli_buf *out);

#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tabwriter.h"

struct cell {
	const char *s;   /* points into the writer's text */
	size_t len;
	size_t width;    /* in UTF-8 characters */
};

struct line {
	struct cell *cells;
	size_t n;        /* cells, counting the text after the last tab */
	bool newline;    /* the line ended in '\n' */
};

void tn_cli_tab_init(struct tn_cli_tab *t, int minwidth, int padding)
{
	t->minwidth = minwidth;
	t->padding = padding;
	tn_cli_buf_init(&t->text);
}

void tn_cli_tab_free(struct tn_cli_tab *t)
{
	tn_cli_buf_free(&t->text);
}

void tn_cli_tab_add(struct tn_cli_tab *t, const char *s)
{
	tn_cli_buf_puts(&t->text, s);
}

void tn_cli_tab_printf(struct tn_cli_tab *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->text.oom = true;
		return;
	}
	tn_cli_buf_add(&t->text, s, (size_t)n);
	free(s);
}

static size_t utf8_width(const char *s, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

struct fmt_state {
	struct line *lines;
	size_t *widths;      /* the widths of the columns of the enclosing blocks */
	size_t nwidths;
	struct tn_cli_buf *out;
	const struct tn_cli_tab *t;
};

static void write_lines(struct fmt_state *st, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const struct line *l = &st->lines[i];
		for (size_t j = 0; j < l->n; j++) {
			const struct cell *c = &l->cells[j];
			tn_cli_buf_add(st->out, c->s, c->len);
			if (j < st->nwidths)
				for (size_t k = c->width; k < st->widths[j]; k++)
					tn_cli_buf_putc(st->out, ' ');
		}
		if (l->newline)
			tn_cli_buf_putc(st->out, '\n');
	}
}

/* Lines [line0, line1) all have cells in the columns before st->nwidths
 * and none of them is written yet; lay out column st->nwidths block by
 * block (the recursion of Go's tabwriter.format). */
static void format(struct fmt_state *st, size_t line0, size_t line1)
{
	size_t column = st->nwidths;

	for (size_t this = line0; this < line1; this++) {
		if (column + 1 >= st->lines[this].n)
			continue;
		/* A block of lines with a cell in this column starts here: the
		 * lines before it are done at the widths known so far. */
		write_lines(st, line0, this);
		line0 = this;
		size_t width = (size_t)st->t->minwidth;
		for (; this < line1; this++) {
			if (column + 1 >= st->lines[this].n)
				break;
			size_t w = st->lines[this].cells[column].width + (size_t)st->t->padding;
			if (w > width)
				width = w;
		}
		st->widths[st->nwidths++] = width;
		format(st, line0, this);
		st->nwidths--;
		/* The line that ended the block (if any) has no cell here:
		 * the loop's increment may pass over it, it is written later
		 * from line0. */
		line0 = this;
	}
	write_lines(st, line0, line1);
}

int tn_cli_tab_flush(struct tn_cli_tab *t, struct tn_cli_buf *out)
{
	const char *text = tn_cli_buf_str(&t->text);
	size_t len = t->text.len, nlines = 0, maxcells = 0;
	int rc = tn_cli_buf_done(&t->text);

	if (rc < 0)
		goto out;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			nlines++;
	if (len && text[len - 1] != '\n')
		nlines++;
	struct line *lines = calloc(nlines ? nlines : 1, sizeof(*lines));
	if (!lines) {
		rc = -ENOMEM;
		goto out;
	}
	size_t li = 0, start = 0;
	for (size_t i = 0; i <= len && li < nlines; i++) {
		if (i < len && text[i] != '\n')
			continue;
		struct line *l = &lines[li++];
		size_t ncells = 1;
		for (size_t k = start; k < i; k++)
			if (text[k] == '\t')
				ncells++;
		l->cells = calloc(ncells, sizeof(*l->cells));
		if (!l->cells) {
			rc = -ENOMEM;
			break;
		}
		l->newline = i < len;
		size_t cs = start;
		for (size_t k = start; k <= i; k++) {
			if (k < i && text[k] != '\t')
				continue;
			struct cell *c = &l->cells[l->n++];
			c->s = text + cs;
			c->len = k - cs;
			c->width = utf8_width(c->s, c->len);
			cs = k + 1;
		}
		if (l->n > maxcells)
			maxcells = l->n;
		start = i + 1;
	}
	if (rc == 0) {
		size_t *widths = calloc(maxcells ? maxcells : 1, sizeof(*widths));
		if (!widths) {
			rc = -ENOMEM;
		} else {
			struct fmt_state st = { lines, widths, 0, out, t };
			format(&st, 0, nlines);
			free(widths);
			rc = tn_cli_buf_done(out);
		}
	}
	for (size_t i = 0; i < nlines; i++)
		free(lines[i].cells);
	free(lines);
out:
	tn_cli_buf_reset(&t->text);
	t->text.oom = false;
	return rc;
}

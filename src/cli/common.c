#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/gojson.h"
#include "cli/localapi.h"
#include "cli/quote.h"

int tn_cli_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int tn_cli_write_out(const char *text, size_t len)
{
	if (len && fwrite(text, 1, len, stdout) != len)
		return tn_cli_fail("writing output: %s", strerror(errno));
	if (fflush(stdout) != 0)
		return tn_cli_fail("writing output: %s", strerror(errno));
	return 0;
}

int tn_cli_get_status(const struct tn_cli_ctx *ctx, bool peers, json_t **st)
{
	char err[TN_CLI_ERROR_MAX];

	if (tn_cli_localapi_call(ctx->socket, "GET",
				 peers ? "/localapi/v0/status" : "/localapi/v0/status?peers=false",
				 NULL, 200, TN_CLI_CALL_TIMEOUT_NS, st, err, sizeof(err)) < 0)
		return tn_cli_fail("%s", err);
	if (!json_is_object(*st)) {
		json_decref(*st);
		*st = NULL;
		return tn_cli_fail("/localapi/v0/status: not a JSON object");
	}
	return 0;
}

void tn_cli_quote_args(struct tn_cli_buf *out, int argc, char **argv)
{
	tn_cli_buf_putc(out, '[');
	for (int i = 0; i < argc; i++) {
		if (i)
			tn_cli_buf_putc(out, ' ');
		tn_cli_quote_go(out, argv[i]);
	}
	tn_cli_buf_putc(out, ']');
}

int tn_cli_too_many_args(int argc, char **argv)
{
	struct tn_cli_buf q;

	tn_cli_buf_init(&q);
	tn_cli_quote_args(&q, argc, argv);
	tn_cli_fail("too many non-flag arguments: %s", tn_cli_buf_str(&q));
	tn_cli_buf_free(&q);
	return 1;
}

void tn_cli_query_escape(struct tn_cli_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			tn_cli_buf_putc(b, (char)c);
		else if (c == ' ')
			tn_cli_buf_putc(b, '+');
		else
			tn_cli_buf_printf(b, "%%%02X", c);
	}
}

int tn_cli_check_prefs(const struct tn_cli_ctx *ctx, const json_t *prefs)
{
	char err[TN_CLI_ERROR_MAX];
	struct tn_cli_response r;
	char *text = tn_cli_json_encode(prefs, NULL);
	int rc;

	if (!text)
		return tn_cli_fail("out of memory");
	rc = tn_cli_localapi_do(ctx->socket, "POST", "/localapi/v0/check-prefs", text, strlen(text),
				TN_CLI_CALL_TIMEOUT_NS, &r, err, sizeof(err));
	free(text);
	if (rc < 0)
		return tn_cli_fail("%s", err);
	if (r.status != 200) {
		tn_cli_localapi_status_error(&r, err, sizeof(err));
		rc = tn_cli_fail("%s", err);
	} else {
		/* Go's client ignores the body; an "Error" in it is worth
		 * telling now rather than failing later. */
		json_t *j = tn_cli_json_parse(r.body, r.body_len, NULL, 0);
		const char *e = tn_cli_json_str(j, "Error");
		rc = *e ? tn_cli_fail("%s", e) : 0;
		json_decref(j);
	}
	tn_cli_response_free(&r);
	return rc;
}

/* JSON as Go's encoding/json writes it, and parsing of the daemon's JSON.
 *
 * tnet prints what the Go CLI prints (status --json, whois --json, ...) and
 * sends the request bodies Go's LocalAPI client sends, so the encoder
 * follows encoding/json: object members in the order they were parsed or
 * added (jansson keeps insertion order, Go writes struct fields in
 * declaration order), "<", ">" and "&" and U+2028/U+2029 escaped as \u003c
 * etc., other control characters as \n, \t, \b, \f, \r or \u00XX, floats
 * in the shortest form that reads back exactly ("f" notation, "e" below
 * 1e-6 and from 1e21 on), and with an indent the layout of
 * json.MarshalIndent ("{}" and "[]" when empty, "key": value).
 *
 * Pure functions; any thread.
 */
#ifndef TN_CLI_GOJSON_H
#define TN_CLI_GOJSON_H

#include <jansson.h>
#include <stddef.h>

#include "cli/buf.h"

/* Appends v to out: json.Marshal when indent is NULL, otherwise
 * json.MarshalIndent(v, prefix, indent) (prefix NULL means "").  No
 * newline is added at the end.  Returns 0, -EINVAL for a value Go cannot
 * write (NaN or an infinity), or -ENOMEM. */
int tn_cli_json_append(struct tn_cli_buf *out, const json_t *v, const char *prefix,
		       const char *indent);

/* The same into a new NUL-terminated string the caller frees; NULL on
 * failure. */
char *tn_cli_json_encode(const json_t *v, const char *indent);

/* Parses text[0..len) (any JSON value).  Object members keep their order;
 * integers must fit int64.  NULL with err set ("line 3: ...") for
 * malformed input; err never quotes the input. */
json_t *tn_cli_json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Convenience accessors for objects the daemon sent: a missing member or
 * one of another type reads as "" / false / 0 / NULL. */
const char *tn_cli_json_str(const json_t *obj, const char *key);
int tn_cli_json_bool(const json_t *obj, const char *key);
long long tn_cli_json_int(const json_t *obj, const char *key);
/* The member if it is an array (not null), else NULL. */
json_t *tn_cli_json_array(const json_t *obj, const char *key);
/* The member if it is an object (not null), else NULL. */
json_t *tn_cli_json_object(const json_t *obj, const char *key);

#endif

/* tailcfg parsing primitives: error paths and the typed field getters
 * (tailcfg_parse.h). */
#include "control/tailcfg.h"
#include "control/tailcfg_parse.h"
#include "util/base64.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char tn_tc_empty[1];

/* --- errors --------------------------------------------------------------- */

int tn_tc_fail(struct tn_tc_err *e, const char *field, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->path, sizeof(e->path), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int tn_tc_nomem(struct tn_tc_err *e)
{
	e->path[0] = '\0';
	snprintf(e->msg, sizeof(e->msg), "out of memory");
	return -ENOMEM;
}

void tn_tc_prefix(struct tn_tc_err *e, const char *fmt, ...)
{
	char seg[96], old[sizeof(e->path)];
	size_t n, sl, ol, cap = sizeof(e->path) - 1;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(seg, sizeof(seg), fmt, ap);
	va_end(ap);
	sl = r < 0 ? 0 : (size_t)r < sizeof(seg) ? (size_t)r : sizeof(seg) - 1;
	ol = strlen(e->path);
	memcpy(old, e->path, ol);
	/* seg + "." + old; "[i]" segments join without the dot.  Overlong
	 * paths are cut, never overflowed. */
	n = sl < cap ? sl : cap;
	memcpy(e->path, seg, n);
	if (ol && old[0] != '[' && n < cap)
		e->path[n++] = '.';
	if (ol > cap - n)
		ol = cap - n;
	memcpy(e->path + n, old, ol);
	e->path[n + ol] = '\0';
}

void tn_tc_err_text(const struct tn_tc_err *e, char *err, size_t errlen)
{
	if (!err || !errlen)
		return;
	if (e->path[0])
		snprintf(err, errlen, "%s: %s", e->path, e->msg);
	else
		snprintf(err, errlen, "%s", e->msg);
	tn_tc_err_sanitize(err);
}

void tn_tc_err_sanitize(char *err)
{
	/* Paths quote map keys from the input; keep them off the log's
	 * control characters. */
	for (; *err; err++)
		if ((unsigned char)*err < 0x20 || *err == 0x7f)
			*err = '?';
}

/* --- strings -------------------------------------------------------------- */

char *tn_tc_strndup(const char *s, size_t len)
{
	char *p;

	if (len == 0)
		return tn_tc_empty;
	p = malloc(len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void tn_tc_str_free(char *s)
{
	if (s != tn_tc_empty)
		free(s);
}

void tn_tc_strings_free(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tn_tc_str_free(s[i]);
	free(s);
}

bool tn_tc_strings_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

/* --- scalar getters ------------------------------------------------------- */

int tn_tc_get_string(struct tn_tc_err *e, json_t *obj, const char *field,
		     char **out)
{
	json_t *v = tn_tc_field(obj, field);
	char *s;

	if (!v) {
		*out = tn_tc_empty;
		return 0;
	}
	if (!json_is_string(v))
		return tn_tc_fail(e, field, "not a string");
	s = tn_tc_strndup(json_string_value(v), json_string_length(v));
	if (!s)
		return tn_tc_nomem(e);
	*out = s;
	return 0;
}

int tn_tc_get_bool(struct tn_tc_err *e, json_t *obj, const char *field,
		   bool *out)
{
	json_t *v = tn_tc_field(obj, field);

	if (!v) {
		*out = false;
		return 0;
	}
	if (!json_is_boolean(v))
		return tn_tc_fail(e, field, "not a boolean");
	*out = json_is_true(v);
	return 0;
}

int tn_tc_get_optbool(struct tn_tc_err *e, json_t *obj, const char *field,
		      enum tn_tailcfg_optbool *out)
{
	json_t *v = tn_tc_field(obj, field);

	if (!v) {
		*out = TN_TAILCFG_UNSET;
		return 0;
	}
	if (!json_is_boolean(v))
		return tn_tc_fail(e, field, "not a boolean");
	*out = json_is_true(v) ? TN_TAILCFG_TRUE : TN_TAILCFG_FALSE;
	return 0;
}

int tn_tc_get_int64(struct tn_tc_err *e, json_t *obj, const char *field,
		    int64_t min, int64_t max, int64_t *out)
{
	json_t *v = tn_tc_field(obj, field);
	json_int_t i;

	if (!v) {
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v))
		return tn_tc_fail(e, field, "not an integer");
	i = json_integer_value(v);
	if (i < min || i > max)
		return tn_tc_fail(e, field, "%lld out of range", (long long)i);
	*out = i;
	return 0;
}

int tn_tc_get_int(struct tn_tc_err *e, json_t *obj, const char *field,
		  int min, int max, int *out)
{
	int64_t v = 0;
	int rc = tn_tc_get_int64(e, obj, field, min, max, &v);

	if (!rc)
		*out = (int)v;
	return rc;
}

int tn_tc_get_double(struct tn_tc_err *e, json_t *obj, const char *field,
		     double *out)
{
	json_t *v = tn_tc_field(obj, field);

	if (!v) {
		*out = 0;
		return 0;
	}
	if (!json_is_number(v))
		return tn_tc_fail(e, field, "not a number");
	*out = json_number_value(v);
	return 0;
}

int tn_tc_get_key(struct tn_tc_err *e, json_t *obj, const char *field,
		  enum tn_key_type type, uint8_t out[TN_KEY_LEN], bool *present)
{
	json_t *v = tn_tc_field(obj, field);
	const char *prefix = tn_key_prefix(type);

	if (present)
		*present = v != NULL;
	if (!v) {
		memset(out, 0, TN_KEY_LEN);
		return 0;
	}
	if (!json_is_string(v) ||
	    tn_key_from_text(out, type, json_string_value(v),
			     json_string_length(v)))
		return tn_tc_fail(e, field, "not a %.*s",
				  (int)strlen(prefix) - 1, prefix);
	return 0;
}

int tn_tc_get_time(struct tn_tc_err *e, json_t *obj, const char *field,
		   int64_t *out, bool *present)
{
	json_t *v = tn_tc_field(obj, field);

	if (present)
		*present = v != NULL;
	if (!v) {
		*out = 0;
		return 0;
	}
	if (!json_is_string(v) ||
	    tn_tailcfg_time_parse(out, json_string_value(v),
				  json_string_length(v)))
		return tn_tc_fail(e, field, "not an RFC 3339 time");
	return 0;
}

int tn_tc_get_ip(struct tn_tc_err *e, json_t *obj, const char *field,
		 struct tn_tailcfg_ip *out)
{
	json_t *v = tn_tc_field(obj, field);

	memset(out, 0, sizeof(*out));
	if (!v)
		return 0;
	if (!json_is_string(v))
		return tn_tc_fail(e, field, "not a string");
	/* Go's IP fields are omitzero: "" is the zero netip.Addr. */
	if (json_string_length(v) == 0)
		return 0;
	if (tn_tailcfg_ip_parse(out, json_string_value(v), json_string_length(v)))
		return tn_tc_fail(e, field, "not an IP address");
	return 0;
}

int tn_tc_parse_int_key(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	/* strconv.ParseInt: optional sign, decimal digits, nothing else. */
	if (!*s || !(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* --- array getters -------------------------------------------------------- */

/* The array at field, or NULL when absent/null; -EBADMSG when not one. */
static int get_array(struct tn_tc_err *e, json_t *obj, const char *field,
		     json_t **arr)
{
	json_t *v = tn_tc_field(obj, field);

	*arr = v;
	if (v && !json_is_array(v))
		return tn_tc_fail(e, field, "not an array");
	return 0;
}

typedef int (*text_parser)(void *out, const char *text, size_t len);

/* An array of strings each parsed into elements of size elsz. */
static int get_text_array(struct tn_tc_err *e, json_t *obj, const char *field,
			  void **out, size_t *n, bool *present, size_t elsz,
			  text_parser parse, const char *what)
{
	json_t *arr, *v;
	size_t i, len;
	uint8_t *items;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = get_array(e, obj, field, &arr)))
		return rc;
	if (present)
		*present = arr != NULL;
	if (!arr || !(len = json_array_size(arr)))
		return 0;
	items = calloc(len, elsz);
	if (!items)
		return tn_tc_nomem(e);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) ||
		    parse(items + i * elsz, json_string_value(v),
			  json_string_length(v))) {
			char path[96];

			free(items);
			snprintf(path, sizeof(path), "%s[%zu]", field, i);
			return tn_tc_fail(e, path, "not %s", what);
		}
	}
	*out = items;
	*n = len;
	return 0;
}

static int parse_prefix_cb(void *out, const char *t, size_t len)
{
	return tn_tailcfg_prefix_parse(out, t, len);
}

static int parse_addrport_cb(void *out, const char *t, size_t len)
{
	return tn_tailcfg_addrport_parse(out, t, len);
}

static int parse_ip_cb(void *out, const char *t, size_t len)
{
	return tn_tailcfg_ip_parse(out, t, len);
}

int tn_tc_get_prefixes(struct tn_tc_err *e, json_t *obj, const char *field,
		       struct tn_tailcfg_prefix **out, size_t *n, bool *present)
{
	return get_text_array(e, obj, field, (void **)out, n, present,
			      sizeof(**out), parse_prefix_cb, "an IP prefix");
}

int tn_tc_get_addrports(struct tn_tc_err *e, json_t *obj, const char *field,
			struct tn_tailcfg_addrport **out, size_t *n,
			bool *present)
{
	return get_text_array(e, obj, field, (void **)out, n, present,
			      sizeof(**out), parse_addrport_cb, "an ip:port");
}

int tn_tc_get_ips(struct tn_tc_err *e, json_t *obj, const char *field,
		  struct tn_tailcfg_ip **out, size_t *n)
{
	return get_text_array(e, obj, field, (void **)out, n, NULL,
			      sizeof(**out), parse_ip_cb, "an IP address");
}

int tn_tc_get_strings(struct tn_tc_err *e, json_t *obj, const char *field,
		      char ***out, size_t *n)
{
	json_t *arr, *v;
	size_t i, len;
	char **s;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = get_array(e, obj, field, &arr)))
		return rc;
	if (!arr || !(len = json_array_size(arr)))
		return 0;
	s = calloc(len, sizeof(*s));
	if (!s)
		return tn_tc_nomem(e);
	json_array_foreach(arr, i, v) {
		if (json_is_null(v)) {
			s[i] = tn_tc_empty;
			continue;
		}
		if (!json_is_string(v)) {
			char path[96];

			tn_tc_strings_free(s, i);
			snprintf(path, sizeof(path), "%s[%zu]", field, i);
			return tn_tc_fail(e, path, "not a string");
		}
		s[i] = tn_tc_strndup(json_string_value(v), json_string_length(v));
		if (!s[i]) {
			tn_tc_strings_free(s, i);
			return tn_tc_nomem(e);
		}
	}
	*out = s;
	*n = len;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tn_tc_get_capmap(struct tn_tc_err *e, json_t *obj, const char *field,
		     char ***out, size_t *n, bool *present)
{
	json_t *m = tn_tc_field(obj, field), *v;
	const char *k;
	size_t i = 0, len;
	char **s;

	*out = NULL;
	*n = 0;
	if (present)
		*present = m != NULL;
	if (!m)
		return 0;
	if (!json_is_object(m))
		return tn_tc_fail(e, field, "not an object");
	if (!(len = json_object_size(m)))
		return 0;
	s = calloc(len, sizeof(*s));
	if (!s)
		return tn_tc_nomem(e);
	json_object_foreach(m, k, v) {
		if (!json_is_null(v) && !json_is_array(v)) {
			char path[128];

			tn_tc_strings_free(s, i);
			snprintf(path, sizeof(path), "%s[\"%.60s\"]", field, k);
			return tn_tc_fail(e, path, "not an array");
		}
		s[i] = tn_tc_strndup(k, strlen(k));
		if (!s[i]) {
			tn_tc_strings_free(s, i);
			return tn_tc_nomem(e);
		}
		i++;
	}
	qsort(s, len, sizeof(*s), cmp_str);
	*out = s;
	*n = len;
	return 0;
}

int tn_tc_get_base64(struct tn_tc_err *e, json_t *obj, const char *field,
		     uint8_t **out, size_t *n)
{
	json_t *v = tn_tc_field(obj, field);
	const char *t;
	size_t tl;
	long dl;
	uint8_t *b;

	*out = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return tn_tc_fail(e, field, "not a string");
	t = json_string_value(v);
	tl = json_string_length(v);
	if ((dl = tn_b64_decoded_len(t, tl)) < 0)
		return tn_tc_fail(e, field, "not base64");
	if (dl == 0)
		return 0;
	if (!(b = malloc((size_t)dl)))
		return tn_tc_nomem(e);
	if (tn_b64_decode(b, (size_t)dl, t, tl)) {
		free(b);
		return tn_tc_fail(e, field, "not base64");
	}
	*out = b;
	*n = (size_t)dl;
	return 0;
}

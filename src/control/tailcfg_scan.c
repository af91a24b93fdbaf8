/* Structural JSON scanner (tailcfg_scan.h). */
#include "control/tailcfg_scan.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(struct tn_jscan *s)
{
	while (s->pos < s->len && is_ws(s->buf[s->pos]))
		s->pos++;
}

/* Past a string starting at s->pos (a '"'): 0 or -EBADMSG if unterminated. */
static int skip_string(struct tn_jscan *s)
{
	const char *b = s->buf;
	size_t i = s->pos + 1;

	for (;;) {
		const char *q = memchr(b + i, '"', s->len - i);
		size_t bs = 0;

		if (!q)
			return -EBADMSG;
		/* An odd run of backslashes before the quote escapes it. */
		for (const char *r = q; r > b + i && r[-1] == '\\'; r--)
			bs++;
		i = (size_t)(q - b) + 1;
		if (!(bs & 1))
			break;
	}
	s->pos = i;
	return 0;
}

/* Past one value of any kind, tracking nesting and strings. */
static int skip_value(struct tn_jscan *s)
{
	unsigned depth = 0;

	if (s->pos >= s->len)
		return -EBADMSG;
	do {
		char c;

		if (s->pos >= s->len)
			return -EBADMSG;
		c = s->buf[s->pos];
		if (c == '"') {
			if (skip_string(s))
				return -EBADMSG;
			continue;
		}
		if (c == '{' || c == '[') {
			if (++depth > TN_JSCAN_MAX_DEPTH)
				return -EBADMSG;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return -EBADMSG;
			depth--;
		} else if (depth == 0) {
			/* A number or literal: up to the next delimiter. */
			size_t start = s->pos;

			while (s->pos < s->len && !is_ws(s->buf[s->pos]) &&
			       !strchr(",:}]{[\"", s->buf[s->pos]))
				s->pos++;
			return s->pos > start ? 0 : -EBADMSG;
		}
		s->pos++;
	} while (depth);
	return 0;
}

int tn_jscan_open(struct tn_jscan *s, const char *buf, size_t len, char open)
{
	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->len = len;
	s->close = open == '{' ? '}' : ']';
	s->first = true;
	skip_ws(s);
	if (s->pos >= len || buf[s->pos] != open)
		return -EBADMSG;
	s->pos++;
	return 0;
}

/* Before the next item: "," or the closing bracket (or, first time, the
 * closing bracket or an item).  1 if an item follows, 0 at the end. */
static int next_item(struct tn_jscan *s)
{
	if (s->done)
		return 0;
	skip_ws(s);
	if (s->pos >= s->len)
		return -EBADMSG;
	if (s->buf[s->pos] == s->close) {
		if (!s->first && s->buf[s->pos - 1] == ',')
			return -EBADMSG;
		s->pos++;
		s->done = true;
		return 0;
	}
	if (!s->first) {
		if (s->buf[s->pos] != ',')
			return -EBADMSG;
		s->pos++;
		skip_ws(s);
		if (s->pos >= s->len || s->buf[s->pos] == s->close)
			return -EBADMSG;   /* trailing comma */
	}
	s->first = false;
	return 1;
}

static int value_span(struct tn_jscan *s, struct tn_jspan *val)
{
	size_t start;

	skip_ws(s);
	start = s->pos;
	if (skip_value(s))
		return -EBADMSG;
	val->p = s->buf + start;
	val->len = s->pos - start;
	return 1;
}

int tn_jscan_member(struct tn_jscan *s, struct tn_jspan *key,
		    struct tn_jspan *val)
{
	size_t start;
	int rc = next_item(s);

	if (rc <= 0)
		return rc;
	start = s->pos;
	if (s->buf[s->pos] != '"' || skip_string(s))
		return -EBADMSG;
	key->p = s->buf + start;
	key->len = s->pos - start;
	skip_ws(s);
	if (s->pos >= s->len || s->buf[s->pos] != ':')
		return -EBADMSG;
	s->pos++;
	return value_span(s, val);
}

int tn_jscan_element(struct tn_jscan *s, struct tn_jspan *val)
{
	int rc = next_item(s);

	if (rc <= 0)
		return rc;
	return value_span(s, val);
}

int tn_jscan_finish(struct tn_jscan *s)
{
	if (!s->done)
		return -EBADMSG;
	skip_ws(s);
	return s->pos == s->len ? 0 : -EBADMSG;
}

bool tn_jscan_key_plain(const struct tn_jspan *key)
{
	for (size_t i = 1; i + 1 < key->len; i++) {
		unsigned char c = (unsigned char)key->p[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			return false;
	}
	return key->len >= 2;
}

bool tn_jscan_key_is(const struct tn_jspan *key, const char *name)
{
	size_t n = strlen(name);
	json_t *k;
	bool eq;

	if (tn_jscan_key_plain(key))
		return key->len == n + 2 && !memcmp(key->p + 1, name, n);
	/* Escaped (or invalid) key: let Jansson decode it. */
	k = json_loadb(key->p, key->len, JSON_DECODE_ANY, NULL);
	eq = json_is_string(k) && json_string_length(k) == n &&
	     !memcmp(json_string_value(k), name, n);
	json_decref(k);
	return eq;
}

bool tn_jscan_find(const char *buf, size_t len, const char *name,
		   struct tn_jspan *val)
{
	struct tn_jscan s;
	struct tn_jspan k, v;
	bool found = false;

	if (tn_jscan_open(&s, buf, len, '{'))
		return false;
	while (tn_jscan_member(&s, &k, &v) == 1)
		if (tn_jscan_key_is(&k, name)) {
			*val = v;
			found = true;
		}
	return found;
}

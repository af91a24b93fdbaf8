/* A structural JSON scanner: walks the members of an object or the
 * elements of an array and hands back the byte spans of keys and values,
 * without building anything.
 *
 * Why: Jansson's tree for a 10,000-peer MapResponse is about seven times
 * the size of the text (over 100 MiB).  tn_netmap_apply() instead walks
 * the top level and the peer arrays with this scanner and gives Jansson
 * one member or one peer at a time, so only one small tree lives at once;
 * it also lets a Node keep its Hostinfo as the raw text that was sent.
 *
 * The scanner checks the structure it walks (brackets, commas, colons,
 * string quoting, nesting depth) but not the contents of values: every
 * span it returns is meant to be parsed by Jansson, which validates it.
 * Input is (buf, len), untrusted; nothing is read past len.  Any thread.
 */
#ifndef TN_CONTROL_TAILCFG_SCAN_H
#define TN_CONTROL_TAILCFG_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* Jansson's own nesting limit (JSON_PARSER_MAX_DEPTH). */
#define TN_JSCAN_MAX_DEPTH 2048

struct tn_jspan {
	const char *p;
	size_t len;
};

struct tn_jscan {
	const char *buf;
	size_t len, pos;
	char close;      /* '}' or ']' */
	bool first;      /* no member/element returned yet */
	bool done;
};

/* Starts walking the object ('{') or array ('[') that buf[0..len) holds,
 * after optional whitespace.  0 or -EBADMSG (not that kind of value). */
int tn_jscan_open(struct tn_jscan *s, const char *buf, size_t len, char open);

/* The next member of an object: 1 with the key span (including its
 * quotes) and the value span, 0 after the last one, -EBADMSG when the
 * structure is broken. */
int tn_jscan_member(struct tn_jscan *s, struct tn_jspan *key,
		    struct tn_jspan *val);

/* The next element of an array, likewise. */
int tn_jscan_element(struct tn_jscan *s, struct tn_jspan *val);

/* After the last member/element: 0 if only whitespace follows the closing
 * bracket up to len, else -EBADMSG (the offset is then that of the first
 * byte that should not be there). */
int tn_jscan_finish(struct tn_jscan *s);

/* Offset in buf where the scanner stopped (for error messages). */
static inline size_t tn_jscan_offset(const struct tn_jscan *s)
{
	return s->pos;
}

/* Whether a key span (with quotes) is a plain key: printable ASCII, no
 * escapes, so its text between the quotes is its value. */
bool tn_jscan_key_plain(const struct tn_jspan *key);

/* Whether the key span names the given plain ASCII name (escaped keys
 * are decoded first, as Go's decoder would). */
bool tn_jscan_key_is(const struct tn_jspan *key, const char *name);

/* The value span of the last member named name of the object in
 * buf[0..len), or false. */
bool tn_jscan_find(const char *buf, size_t len, const char *name,
		   struct tn_jspan *val);

#endif

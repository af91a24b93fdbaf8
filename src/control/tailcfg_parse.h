/* Internal to src/control/tailcfg*.c and netmap*.c: the typed field
 * getters over Jansson values and the error path they build.
 *
 * An error is a field path plus a message.  The failing getter sets the
 * leaf ("Key", "not a nodekey"); every caller on the way out prepends its
 * own segment ("PeersChanged[3]"), so the success path never formats a
 * path.  The final text is "PeersChanged[3].Key: not a nodekey".
 *
 * Getters treat an absent field and JSON null alike (Go's zero value).
 * Their outputs are only written on success, except that arrays and
 * strings they allocate are the caller's to free once written.
 */
#ifndef TN_CONTROL_TAILCFG_PARSE_H
#define TN_CONTROL_TAILCFG_PARSE_H

#include "control/tailcfg.h"

#include <stdarg.h>

struct tn_tc_err {
	char path[TN_TAILCFG_ERR_MAX - 96];
	char msg[96];
};

/* The shared "" that stands for every empty string. */
extern char tn_tc_empty[1];

/* Sets the leaf error: path = field (NULL for "here"), msg from fmt.
 * Returns -EBADMSG. */
int tn_tc_fail(struct tn_tc_err *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sets "out of memory" and returns -ENOMEM. */
int tn_tc_nomem(struct tn_tc_err *e);
/* Prepends a segment: "Peers[2]" + "." + "Key" ("[" segments join
 * without the dot). */
void tn_tc_prefix(struct tn_tc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Writes "path: msg" (or "msg") into err[0..errlen), sanitised. */
void tn_tc_err_text(const struct tn_tc_err *e, char *err, size_t errlen);
/* Replaces control characters (from quoted input) with '?'. */
void tn_tc_err_sanitize(char *err);

/* obj's field, or NULL when absent or null. */
static inline json_t *tn_tc_field(json_t *obj, const char *field)
{
	json_t *v = json_object_get(obj, field);

	return (v && !json_is_null(v)) ? v : NULL;
}

/* A malloc'd copy of s[0..len) with a NUL, or tn_tc_empty for len 0;
 * NULL on ENOMEM. */
char *tn_tc_strndup(const char *s, size_t len);
void tn_tc_str_free(char *s);
void tn_tc_strings_free(char **s, size_t n);
bool tn_tc_strings_equal(char *const *a, size_t na, char *const *b, size_t nb);

int tn_tc_get_string(struct tn_tc_err *e, json_t *obj, const char *field,
		     char **out);
int tn_tc_get_bool(struct tn_tc_err *e, json_t *obj, const char *field,
		   bool *out);
/* *bool or opt.Bool: absent/null = TN_TAILCFG_UNSET. */
int tn_tc_get_optbool(struct tn_tc_err *e, json_t *obj, const char *field,
		      enum tn_tailcfg_optbool *out);
int tn_tc_get_int64(struct tn_tc_err *e, json_t *obj, const char *field,
		    int64_t min, int64_t max, int64_t *out);
int tn_tc_get_int(struct tn_tc_err *e, json_t *obj, const char *field,
		  int min, int max, int *out);
int tn_tc_get_double(struct tn_tc_err *e, json_t *obj, const char *field,
		     double *out);
/* *present (may be NULL) says a non-null value was there. */
int tn_tc_get_key(struct tn_tc_err *e, json_t *obj, const char *field,
		  enum tn_key_type type, uint8_t out[TN_KEY_LEN],
		  bool *present);
int tn_tc_get_time(struct tn_tc_err *e, json_t *obj, const char *field,
		   int64_t *out, bool *present);
int tn_tc_get_ip(struct tn_tc_err *e, json_t *obj, const char *field,
		 struct tn_tailcfg_ip *out);
int tn_tc_get_prefixes(struct tn_tc_err *e, json_t *obj, const char *field,
		       struct tn_tailcfg_prefix **out, size_t *n,
		       bool *present);
int tn_tc_get_addrports(struct tn_tc_err *e, json_t *obj, const char *field,
			struct tn_tailcfg_addrport **out, size_t *n,
			bool *present);
int tn_tc_get_ips(struct tn_tc_err *e, json_t *obj, const char *field,
		  struct tn_tailcfg_ip **out, size_t *n);
int tn_tc_get_strings(struct tn_tc_err *e, json_t *obj, const char *field,
		      char ***out, size_t *n);
/* The keys of a map[string][]RawMessage (each value an array or null),
 * sorted. */
int tn_tc_get_capmap(struct tn_tc_err *e, json_t *obj, const char *field,
		     char ***out, size_t *n, bool *present);
/* []byte: standard base64. */
int tn_tc_get_base64(struct tn_tc_err *e, json_t *obj, const char *field,
		     uint8_t **out, size_t *n);

/* Parsing a decimal map key (Go's map[int]T / map[NodeID]T keys). */
int tn_tc_parse_int_key(const char *s, int64_t min, int64_t max,
			int64_t *out);

/* Internal forms of the public parsers, reporting through tn_tc_err. */
/* raw[0..rawlen) is v's JSON text, if the caller has it: Hostinfo is then
 * kept as sent; otherwise (raw NULL) it is re-serialised compactly. */
int tn_tc_node_parse(struct tn_tc_err *e, struct tn_tailcfg_node *out,
		     json_t *v, const char *raw, size_t rawlen, bool self);
int tn_tc_derp_map_parse(struct tn_tc_err *e, struct tn_tailcfg_derp_map *out,
			 json_t *v, bool *regions_present);
int tn_tc_dns_config_parse(struct tn_tc_err *e,
			   struct tn_tailcfg_dns_config *out, json_t *v);
int tn_tc_filter_rules_parse(struct tn_tc_err *e,
			     struct tn_tailcfg_filter_rule **out, size_t *n,
			     json_t *v);
int tn_tc_user_profile_parse(struct tn_tc_err *e,
			     struct tn_tailcfg_user_profile *out, json_t *v);
int tn_tc_peer_change_parse(struct tn_tc_err *e,
			    struct tn_tailcfg_peer_change *out, json_t *v);
int tn_tc_ping_request_parse(struct tn_tc_err *e,
			     struct tn_tailcfg_ping_request *out, json_t *v);

#endif

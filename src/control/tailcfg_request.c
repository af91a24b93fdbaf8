/* The JSON the control client sends (RegisterRequest, MapRequest,
 * Hostinfo) written byte for byte as Go's encoding/json writes the same
 * structs, and the RegisterResponse parser.
 *
 * Go's rules kept here: fields in struct order; omitempty/omitzero fields
 * left out when zero; opt.Bool as true/false; keys as typed text;
 * netip values as text; time.Time as RFC 3339; map keys sorted; strings
 * escaped with HTML escaping (<, >, & as \u003c...), \b \f \n \r \t short
 * forms, other controls as \u00XX, invalid UTF-8 as \ufffd, U+2028/9
 * escaped; float64 in the shortest form that round-trips.
 *
 * The writer wipes every buffer it lets go of: a RegisterRequest carries
 * the pre-auth key.
 */
#include "control/tailcfg.h"
#include "control/tailcfg_parse.h"
#include "crypto/crypto.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a minimal JSON writer ------------------------------------------------ */

struct jw {
	char *buf;
	size_t len, cap;
	bool failed;
	bool comma;         /* a value was written at this level */
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 512;
		char *nb;

		while (w->len + n + 1 > cap)
			cap *= 2;
		/* No realloc: the old buffer may hold a secret; wipe it. */
		nb = malloc(cap);
		if (!nb) {
			w->failed = true;
			return;
		}
		if (w->buf) {
			memcpy(nb, w->buf, w->len);
			tn_crypto_wipe(w->buf, w->cap);
			free(w->buf);
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void jw_lit(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

static void jw_sep(struct jw *w)
{
	if (w->comma)
		jw_raw(w, ",", 1);
	w->comma = true;
}

/* Decodes one UTF-8 sequence as Go's utf8.DecodeRune does; returns its
 * length, 0 for an invalid one. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
	if (n < len)
		return 0;
	v = c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static void jw_str(struct jw *w, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n = strlen((const char *)s), i = 0, start = 0;

	jw_raw(w, "\"", 1);
	while (i < n) {
		unsigned char c = s[i];
		char esc[8];
		size_t el = 0, sl;
		uint32_t cp;

		if (c >= 0x80) {
			sl = utf8_len(s + i, n - i, &cp);
			if (sl && cp != 0x2028 && cp != 0x2029) {
				i += sl;
				continue;
			}
			jw_raw(w, (const char *)s + start, i - start);
			if (!sl) {
				jw_lit(w, "\\ufffd");
				sl = 1;
			} else {
				jw_lit(w, cp == 0x2028 ? "\\u2028" : "\\u2029");
			}
			i += sl;
			start = i;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' &&
		    c != '&') {
			i++;
			continue;
		}
		switch (c) {
		case '"': el = 2; memcpy(esc, "\\\"", 2); break;
		case '\\': el = 2; memcpy(esc, "\\\\", 2); break;
		case '\b': el = 2; memcpy(esc, "\\b", 2); break;
		case '\f': el = 2; memcpy(esc, "\\f", 2); break;
		case '\n': el = 2; memcpy(esc, "\\n", 2); break;
		case '\r': el = 2; memcpy(esc, "\\r", 2); break;
		case '\t': el = 2; memcpy(esc, "\\t", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			el = 6;
		}
		jw_raw(w, (const char *)s + start, i - start);
		jw_raw(w, esc, el);
		start = ++i;
	}
	jw_raw(w, (const char *)s + start, n - start);
	jw_raw(w, "\"", 1);
}

static void jw_key(struct jw *w, const char *k)
{
	jw_sep(w);
	jw_str(w, k);
	jw_raw(w, ":", 1);
	w->comma = false;
}

static void jw_open(struct jw *w, const char *brace)
{
	jw_raw(w, brace, 1);
	w->comma = false;
}

static void jw_close(struct jw *w, const char *brace)
{
	jw_raw(w, brace, 1);
	w->comma = true;
}

static void jw_value_str(struct jw *w, const char *s)
{
	jw_sep(w);
	jw_str(w, s);
}

static void jw_value_lit(struct jw *w, const char *s)
{
	jw_sep(w);
	jw_lit(w, s);
}

static void jw_value_int(struct jw *w, long long v)
{
	char b[24];

	snprintf(b, sizeof(b), "%lld", v);
	jw_value_lit(w, b);
}

/* Go's float64 encoding: the shortest digits that read back as f, in 'f'
 * form unless |f| < 1e-6 or >= 1e21, then 'e' with "e-7" not "e-07". */
static int jw_value_float(struct jw *w, double f)
{
	char e[40], digits[20], out[64];
	int p, exp, nd = 0;
	size_t n = 0;
	double a = f < 0 ? -f : f;
	char *ep;

	if (!isfinite(f))
		return -EINVAL;
	for (p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, f);
		if (strtod(e, NULL) == f)
			break;
	}
	/* e is "[-]d[.ddd]e[+-]XX". */
	for (const char *c = e; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[nd++] = *c;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	ep = strchr(e, 'e');
	exp = atoi(ep + 1);
	if (f < 0 || (f == 0 && signbit(f)))
		out[n++] = '-';
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		out[n++] = digits[0];
		if (nd > 1) {
			out[n++] = '.';
			memcpy(out + n, digits + 1, (size_t)nd - 1);
			n += (size_t)nd - 1;
		}
		n += (size_t)snprintf(out + n, sizeof(out) - n, "e%c%02d",
				      exp < 0 ? '-' : '+', abs(exp));
		if (n >= 4 && out[n - 4] == 'e' && out[n - 3] == '-' &&
		    out[n - 2] == '0') {
			out[n - 2] = out[n - 1];
			n--;
		}
	} else if (a == 0) {
		out[n++] = '0';
	} else if (exp >= 0) {
		for (int i = 0; i <= exp || i < nd; i++) {
			if (i == exp + 1)
				out[n++] = '.';
			out[n++] = i < nd ? digits[i] : '0';
		}
	} else {
		out[n++] = '0';
		out[n++] = '.';
		for (int i = 0; i < -exp - 1; i++)
			out[n++] = '0';
		memcpy(out + n, digits, (size_t)nd);
		n += (size_t)nd;
	}
	out[n] = '\0';
	jw_value_lit(w, out);
	return 0;
}

static void jw_value_key(struct jw *w, enum tn_key_type t, const uint8_t *k)
{
	static const uint8_t zero[TN_KEY_LEN];
	char text[TN_KEY_TEXT_MAX];

	tn_key_to_text(text, sizeof(text), t, k ? k : zero);
	jw_value_str(w, text);
}

static void jw_field_str(struct jw *w, const char *k, const char *v)
{
	if (v && *v) {
		jw_key(w, k);
		jw_value_str(w, v);
	}
}

static void jw_field_optbool(struct jw *w, const char *k,
			     enum tn_tailcfg_optbool v)
{
	if (v != TN_TAILCFG_UNSET) {
		jw_key(w, k);
		jw_value_lit(w, v == TN_TAILCFG_TRUE ? "true" : "false");
	}
}

static void jw_field_true(struct jw *w, const char *k, bool v)
{
	if (v) {
		jw_key(w, k);
		jw_value_lit(w, "true");
	}
}

static int jw_finish(struct jw *w, char **out, size_t *outlen)
{
	if (w->failed) {
		if (w->buf) {
			tn_crypto_wipe(w->buf, w->cap);
			free(w->buf);
		}
		return -ENOMEM;
	}
	*out = w->buf;
	*outlen = w->len;
	return 0;
}

static void jw_abort(struct jw *w)
{
	if (w->buf) {
		tn_crypto_wipe(w->buf, w->cap);
		free(w->buf);
	}
	memset(w, 0, sizeof(*w));
}

void tn_tailcfg_secret_free(char *s, size_t len)
{
	if (!s)
		return;
	tn_crypto_wipe(s, len);
	free(s);
}

/* --- Hostinfo ------------------------------------------------------------- */

static int cmp_latency(const void *a, const void *b)
{
	const struct tn_tailcfg_derp_latency *const *x = a, *const *y = b;

	return strcmp((*x)->key ? (*x)->key : "", (*y)->key ? (*y)->key : "");
}

static int write_net_info(struct jw *w, const struct tn_tailcfg_hostinfo *h)
{
	size_t n = h->net_info.n_derp_latency;
	const struct tn_tailcfg_derp_latency **sorted = NULL;
	int rc = 0;

	jw_key(w, "NetInfo");
	jw_sep(w);
	jw_open(w, "{");
	/* Go's NetInfo field order, the fields a minimal client sets. */
	jw_field_optbool(w, "WorkingIPv6", h->net_info.working_ipv6);
	jw_field_optbool(w, "WorkingUDP", h->net_info.working_udp);
	if (h->net_info.preferred_derp) {
		jw_key(w, "PreferredDERP");
		jw_value_int(w, h->net_info.preferred_derp);
	}
	if (n) {
		if (!(sorted = malloc(n * sizeof(*sorted))))
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			sorted[i] = &h->net_info.derp_latency[i];
		qsort(sorted, n, sizeof(*sorted), cmp_latency);
		jw_key(w, "DERPLatency");
		jw_sep(w);
		jw_open(w, "{");
		for (size_t i = 0; i < n && !rc; i++) {
			jw_key(w, sorted[i]->key ? sorted[i]->key : "");
			rc = jw_value_float(w, sorted[i]->seconds);
		}
		jw_close(w, "}");
		free(sorted);
	}
	jw_close(w, "}");
	return rc;
}

static int write_hostinfo(struct jw *w, const struct tn_tailcfg_hostinfo *h)
{
	char text[TN_TAILCFG_ADDRPORT_MAX];
	int rc;

	if (!h) {
		jw_value_lit(w, "null");
		return 0;
	}
	jw_sep(w);
	jw_open(w, "{");
	jw_field_str(w, "IPNVersion", h->ipn_version);
	jw_field_str(w, "BackendLogID", h->backend_log_id);
	jw_field_str(w, "OS", h->os ? h->os : "linux");
	jw_field_str(w, "OSVersion", h->os_version);
	jw_field_str(w, "Hostname", h->hostname);
	jw_field_true(w, "ShieldsUp", h->shields_up);
	if (h->n_routable_ips) {
		jw_key(w, "RoutableIPs");
		jw_sep(w);
		jw_open(w, "[");
		for (size_t i = 0; i < h->n_routable_ips; i++) {
			tn_tailcfg_prefix_format(text, &h->routable_ips[i]);
			jw_value_str(w, text);
		}
		jw_close(w, "]");
	}
	if (h->n_request_tags) {
		jw_key(w, "RequestTags");
		jw_sep(w);
		jw_open(w, "[");
		for (size_t i = 0; i < h->n_request_tags; i++)
			jw_value_str(w, h->request_tags[i]);
		jw_close(w, "]");
	}
	if (h->has_net_info && (rc = write_net_info(w, h)))
		return rc;
	jw_field_optbool(w, "Userspace", h->userspace);
	jw_close(w, "}");
	return 0;
}

int tn_tailcfg_hostinfo_json(const struct tn_tailcfg_hostinfo *h,
			     char **out, size_t *outlen)
{
	struct jw w = { 0 };
	int rc = write_hostinfo(&w, h);

	if (rc) {
		jw_abort(&w);
		return rc;
	}
	return jw_finish(&w, out, outlen);
}

/* --- RegisterRequest / MapRequest ----------------------------------------- */

int tn_tailcfg_register_request_json(const struct tn_tailcfg_register_request *r,
				     char **out, size_t *outlen)
{
	char t[TN_TAILCFG_TIME_MAX];
	struct jw w = { 0 };
	int rc;

	jw_open(&w, "{");
	jw_key(&w, "Version");
	jw_value_int(&w, r->version);
	jw_key(&w, "NodeKey");
	jw_value_key(&w, TN_KEY_NODE_PUBLIC, r->node_key);
	jw_key(&w, "OldNodeKey");
	jw_value_key(&w, TN_KEY_NODE_PUBLIC, r->old_node_key);
	jw_key(&w, "NLKey");
	jw_value_key(&w, TN_KEY_NL_PUBLIC, r->nl_key);
	if (r->auth_key && *r->auth_key) {
		jw_key(&w, "Auth");
		jw_sep(&w);
		jw_open(&w, "{");
		jw_key(&w, "AuthKey");
		jw_value_str(&w, r->auth_key);
		jw_close(&w, "}");
	}
	/* Expiry has no omitempty in Go: the zero time is written out. */
	tn_tailcfg_time_format(t, r->expiry);
	jw_key(&w, "Expiry");
	jw_value_str(&w, t);
	jw_key(&w, "Followup");
	jw_value_str(&w, r->followup ? r->followup : "");
	jw_key(&w, "Hostinfo");
	if ((rc = write_hostinfo(&w, r->hostinfo))) {
		jw_abort(&w);
		return rc;
	}
	jw_field_true(&w, "Ephemeral", r->ephemeral);
	jw_key(&w, "NodeKeySignature");
	jw_value_lit(&w, "null");
	jw_close(&w, "}");
	return jw_finish(&w, out, outlen);
}

int tn_tailcfg_map_request_json(const struct tn_tailcfg_map_request *r,
				char **out, size_t *outlen)
{
	char text[TN_TAILCFG_ADDRPORT_MAX];
	struct jw w = { 0 };
	int rc;

	jw_open(&w, "{");
	jw_key(&w, "Version");
	jw_value_int(&w, r->version);
	jw_field_true(&w, "KeepAlive", r->keep_alive);
	jw_key(&w, "NodeKey");
	jw_value_key(&w, TN_KEY_NODE_PUBLIC, r->node_key);
	jw_key(&w, "DiscoKey");
	jw_value_key(&w, TN_KEY_DISCO_PUBLIC, r->disco_key);
	jw_field_true(&w, "Stream", r->stream);
	jw_key(&w, "Hostinfo");
	if ((rc = write_hostinfo(&w, r->hostinfo))) {
		jw_abort(&w);
		return rc;
	}
	if (r->n_endpoints) {
		jw_key(&w, "Endpoints");
		jw_sep(&w);
		jw_open(&w, "[");
		for (size_t i = 0; i < r->n_endpoints; i++) {
			tn_tailcfg_addrport_format(text, &r->endpoints[i]);
			jw_value_str(&w, text);
		}
		jw_close(&w, "]");
		jw_key(&w, "EndpointTypes");
		jw_sep(&w);
		jw_open(&w, "[");
		for (size_t i = 0; i < r->n_endpoints; i++)
			jw_value_int(&w, r->endpoint_types ? r->endpoint_types[i] : 0);
		jw_close(&w, "]");
	}
	jw_field_true(&w, "OmitPeers", r->omit_peers);
	jw_close(&w, "}");
	return jw_finish(&w, out, outlen);
}

/* --- RegisterResponse ----------------------------------------------------- */

static int parse_register_response(struct tn_tc_err *e,
				   struct tn_tailcfg_register_response *r,
				   json_t *v)
{
	json_t *u, *l;
	int rc;

	if (!json_is_object(v))
		return tn_tc_fail(e, NULL, "not a JSON object");
	u = tn_tc_field(v, "User");
	l = tn_tc_field(v, "Login");
	if (u && !json_is_object(u))
		return tn_tc_fail(e, "User", "not an object");
	if (l && !json_is_object(l))
		return tn_tc_fail(e, "Login", "not an object");
	if ((rc = tn_tc_get_int64(e, u, "ID", INT64_MIN, INT64_MAX, &r->user.id)) ||
	    (rc = tn_tc_get_string(e, u, "DisplayName", &r->user.display_name)) ||
	    (rc = tn_tc_get_string(e, u, "ProfilePicURL", &r->user.profile_pic_url)) ||
	    (rc = tn_tc_get_time(e, u, "Created", &r->user.created, NULL))) {
		tn_tc_prefix(e, "User");
		return rc;
	}
	if ((rc = tn_tc_get_int64(e, l, "ID", INT64_MIN, INT64_MAX, &r->login.id)) ||
	    (rc = tn_tc_get_string(e, l, "Provider", &r->login.provider)) ||
	    (rc = tn_tc_get_string(e, l, "LoginName", &r->login.login_name)) ||
	    (rc = tn_tc_get_string(e, l, "DisplayName", &r->login.display_name)) ||
	    (rc = tn_tc_get_string(e, l, "ProfilePicURL", &r->login.profile_pic_url))) {
		tn_tc_prefix(e, "Login");
		return rc;
	}
	return (rc = tn_tc_get_bool(e, v, "NodeKeyExpired", &r->node_key_expired)) ||
	       (rc = tn_tc_get_bool(e, v, "MachineAuthorized", &r->machine_authorized)) ||
	       (rc = tn_tc_get_string(e, v, "AuthURL", &r->auth_url)) ||
	       (rc = tn_tc_get_base64(e, v, "NodeKeySignature", &r->node_key_signature,
				      &r->node_key_signature_len)) ||
	       (rc = tn_tc_get_string(e, v, "Error", &r->error)) ? rc : 0;
}

int tn_tailcfg_register_response_parse(struct tn_tailcfg_register_response *out,
				       const char *json, size_t len,
				       char *err, size_t errlen)
{
	struct tn_tc_err e;
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	/* A RegisterResponse is a few hundred bytes. */
	if (len > 1024 * 1024) {
		snprintf(err, errlen, "RegisterResponse: %zu bytes is too large", len);
		return -EBADMSG;
	}
	root = json_loadb(json, len, 0, &jerr);
	if (!root) {
		snprintf(err, errlen, "RegisterResponse: invalid JSON at line %d column %d: %s",
			 jerr.line, jerr.column, jerr.text);
		if (err && errlen)
			tn_tc_err_sanitize(err);
		return -EBADMSG;
	}
	rc = parse_register_response(&e, out, root);
	json_decref(root);
	if (rc) {
		tn_tc_prefix(&e, "RegisterResponse");
		tn_tc_err_text(&e, err, errlen);
		tn_tailcfg_register_response_free(out);
	}
	return rc;
}

void tn_tailcfg_register_response_free(struct tn_tailcfg_register_response *r)
{
	if (!r)
		return;
	tn_tc_str_free(r->user.display_name);
	tn_tc_str_free(r->user.profile_pic_url);
	tn_tc_str_free(r->login.provider);
	tn_tc_str_free(r->login.login_name);
	tn_tc_str_free(r->login.display_name);
	tn_tc_str_free(r->login.profile_pic_url);
	tn_tc_str_free(r->auth_url);
	free(r->node_key_signature);
	tn_tc_str_free(r->error);
	memset(r, 0, sizeof(*r));
}

#include "ipn/prefs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONTROL_URL "https://controlplane.tailscale.com"
#define PREFS_FILE_MAGIC "tailnetd-prefs"

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static int set_str(char **dst, const char *s)
{
	char *d = dup_or_empty(s);

	if (!d)
		return -ENOMEM;
	free(*dst);
	*dst = d;
	return 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void tn_prefs_clear(struct tn_prefs *p)
{
	free(p->control_url);
	free(p->exit_node_id);
	free(p->exit_node_ip);
	free_strv(p->advertise_tags, p->n_advertise_tags);
	free(p->hostname);
	free(p->advertise_routes);
	free(p->operator_user);
	free(p->node_id);
	free(p->login_name);
	free(p->display_name);
	memset(p, 0, sizeof(*p));
}

static int fill_empty_strings(struct tn_prefs *p)
{
	char **s[] = { &p->control_url, &p->exit_node_id, &p->exit_node_ip, &p->hostname,
		       &p->operator_user, &p->node_id, &p->login_name, &p->display_name };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (!*s[i] && !(*s[i] = strdup("")))
			return -ENOMEM;
	return 0;
}

int tn_prefs_init_default(struct tn_prefs *p)
{
	memset(p, 0, sizeof(*p));
	p->corp_dns = true;
	p->netfilter_mode = TN_PREFS_NETFILTER_ON;
	if (!(p->control_url = strdup(DEFAULT_CONTROL_URL)) || fill_empty_strings(p) < 0) {
		tn_prefs_clear(p);
		return -ENOMEM;
	}
	return 0;
}

int tn_prefs_copy(struct tn_prefs *dst, const struct tn_prefs *src)
{
	char *text = tn_prefs_format(src);
	int r;

	if (!text)
		return -ENOMEM;
	r = tn_prefs_parse(dst, text, strlen(text), NULL, 0);
	free(text);
	return r;
}

bool tn_prefs_equal(const struct tn_prefs *a, const struct tn_prefs *b)
{
	char *x = tn_prefs_format(a), *y = tn_prefs_format(b);
	bool eq = x && y && !strcmp(x, y);

	free(x);
	free(y);
	return eq;
}

static json_t *routes_json(const struct tn_tailcfg_prefix *r, size_t n)
{
	json_t *a;

	if (!n)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < n; i++) {
		char buf[TN_TAILCFG_ADDRPORT_MAX];

		tn_tailcfg_prefix_format(buf, &r[i]);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a;

	if (!n)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *tn_prefs_to_json(const struct tn_prefs *p)
{
	json_t *o = json_object();

	/* Go's field order, so that documents diff cleanly against
	 * tailscaled's. */
	json_object_set_new(o, "ControlURL", json_string(p->control_url));
	json_object_set_new(o, "RouteAll", json_boolean(p->route_all));
	json_object_set_new(o, "ExitNodeID", json_string(p->exit_node_id));
	json_object_set_new(o, "ExitNodeIP", json_string(p->exit_node_ip));
	json_object_set_new(o, "InternalExitNodePrior", json_string(""));
	json_object_set_new(o, "ExitNodeAllowLANAccess", json_boolean(p->exit_node_allow_lan_access));
	json_object_set_new(o, "CorpDNS", json_boolean(p->corp_dns));
	json_object_set_new(o, "RunSSH", json_boolean(p->run_ssh));
	json_object_set_new(o, "RunWebClient", json_false());
	json_object_set_new(o, "WantRunning", json_boolean(p->want_running));
	json_object_set_new(o, "LoggedOut", json_boolean(p->logged_out));
	json_object_set_new(o, "ShieldsUp", json_boolean(p->shields_up));
	json_object_set_new(o, "AdvertiseTags", strv_json(p->advertise_tags, p->n_advertise_tags));
	json_object_set_new(o, "Hostname", json_string(p->hostname));
	json_object_set_new(o, "NotepadURLs", json_false());
	json_object_set_new(o, "AdvertiseRoutes",
			    routes_json(p->advertise_routes, p->n_advertise_routes));
	json_object_set_new(o, "AdvertiseServices", json_null());
	json_object_set_new(o, "NoSNAT", json_boolean(p->no_snat));
	json_object_set_new(o, "NetfilterMode", json_integer(p->netfilter_mode));
	if (*p->operator_user)
		json_object_set_new(o, "OperatorUser", json_string(p->operator_user));
	json_object_set_new(o, "AutoUpdate", json_pack("{sb sn}", "Check", 0, "Apply"));
	json_object_set_new(o, "AppConnector", json_pack("{sb}", "Advertise", 0));
	json_object_set_new(o, "PostureChecking", json_false());
	json_object_set_new(o, "NetfilterKind", json_string(""));
	json_object_set_new(o, "DriveShares", json_null());
	json_object_set_new(o, "AllowSingleHosts", json_true());
	if (*p->login_name || *p->node_id)
		json_object_set_new(o, "Config",
				    json_pack("{s{sI ss ss} ss}", "UserProfile", "ID",
					      (json_int_t)p->user_id, "LoginName", p->login_name,
					      "DisplayName", p->display_name, "NodeID", p->node_id));
	else
		json_object_set_new(o, "Config", json_null());
	return o;
}

/* --- reading --------------------------------------------------------------- */

struct reader {
	const json_t *obj;
	bool masked;
	unsigned *mask;
	char *err;
	size_t errlen;
};

/* The value of field name if it is to be read (present, and in a
 * MaskedPrefs its NameSet is true), else NULL. */
static const json_t *field(struct reader *r, const char *name, unsigned bit)
{
	const json_t *v = json_object_get(r->obj, name);

	if (r->masked) {
		char setname[64];

		snprintf(setname, sizeof(setname), "%sSet", name);
		if (!json_is_true(json_object_get(r->obj, setname)))
			return NULL;
		*r->mask |= bit;
		/* Set but absent: the zero value, as Go's decoder leaves it. */
		if (!v)
			return json_null();
	}
	return v;
}

static int bad(struct reader *r, const char *name, const char *what)
{
	if (r->err)
		snprintf(r->err, r->errlen, "%s: %s", name, what);
	return -EINVAL;
}

static int read_bool(struct reader *r, const char *name, unsigned bit, bool *out)
{
	const json_t *v = field(r, name, bit);

	if (!v)
		return 0;
	if (json_is_null(v)) {
		*out = false;
		return 0;
	}
	if (!json_is_boolean(v))
		return bad(r, name, "not a boolean");
	*out = json_is_true(v);
	return 0;
}

static int read_str(struct reader *r, const char *name, unsigned bit, char **out)
{
	const json_t *v = field(r, name, bit);

	if (!v)
		return 0;
	if (!json_is_null(v) && !json_is_string(v))
		return bad(r, name, "not a string");
	return set_str(out, json_is_string(v) ? json_string_value(v) : "");
}

static int read_int(struct reader *r, const char *name, unsigned bit, int *out, int min, int max)
{
	const json_t *v = field(r, name, bit);

	if (!v)
		return 0;
	if (json_is_null(v)) {
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return bad(r, name, "not a valid number");
	*out = (int)json_integer_value(v);
	return 0;
}

static int read_tags(struct reader *r, struct tn_prefs *p)
{
	const json_t *v = field(r, "AdvertiseTags", TN_PREF_ADVERTISE_TAGS), *t;
	char **tags;
	size_t i;

	if (!v)
		return 0;
	if (!json_is_null(v) && !json_is_array(v))
		return bad(r, "AdvertiseTags", "not a list");
	if (json_array_size(v) > TN_PREFS_MAX_TAGS)
		return bad(r, "AdvertiseTags", "too many tags");
	tags = calloc(json_array_size(v) + 1, sizeof(*tags));
	if (!tags)
		return -ENOMEM;
	json_array_foreach(v, i, t) {
		const char *s = json_string_value(t);

		if (!s || strncmp(s, "tag:", 4) || !s[4]) {
			free_strv(tags, i);
			return bad(r, "AdvertiseTags", "tags look like tag:name");
		}
		if (!(tags[i] = strdup(s))) {
			free_strv(tags, i);
			return -ENOMEM;
		}
	}
	free_strv(p->advertise_tags, p->n_advertise_tags);
	p->advertise_tags = tags;
	p->n_advertise_tags = json_array_size(v);
	return 0;
}

static int read_routes(struct reader *r, struct tn_prefs *p)
{
	const json_t *v = field(r, "AdvertiseRoutes", TN_PREF_ADVERTISE_ROUTES), *t;
	struct tn_tailcfg_prefix *routes;
	size_t i;

	if (!v)
		return 0;
	if (!json_is_null(v) && !json_is_array(v))
		return bad(r, "AdvertiseRoutes", "not a list");
	if (json_array_size(v) > TN_PREFS_MAX_ROUTES)
		return bad(r, "AdvertiseRoutes", "too many routes");
	routes = calloc(json_array_size(v) + 1, sizeof(*routes));
	if (!routes)
		return -ENOMEM;
	json_array_foreach(v, i, t) {
		const char *s = json_string_value(t);

		if (!s || tn_tailcfg_prefix_parse(&routes[i], s, strlen(s)) < 0) {
			char what[96];

			snprintf(what, sizeof(what), "%.60s is not an IP prefix", s ? s : "value");
			free(routes);
			return bad(r, "AdvertiseRoutes", what);
		}
	}
	free(p->advertise_routes);
	p->advertise_routes = routes;
	p->n_advertise_routes = json_array_size(v);
	return 0;
}

static int read_exit_ip(struct reader *r, struct tn_prefs *p)
{
	const json_t *v = field(r, "ExitNodeIP", TN_PREF_EXIT_NODE_IP);
	const char *s;
	struct tn_tailcfg_ip ip;

	if (!v)
		return 0;
	s = json_is_string(v) ? json_string_value(v) : "";
	if (!json_is_null(v) && !json_is_string(v))
		return bad(r, "ExitNodeIP", "not a string");
	if (*s && tn_tailcfg_ip_parse(&ip, s, strlen(s)) < 0)
		return bad(r, "ExitNodeIP", "not an IP address");
	return set_str(&p->exit_node_ip, s);
}

static int read_persist(struct reader *r, struct tn_prefs *p)
{
	const json_t *c = json_object_get(r->obj, "Config"), *up;

	if (r->masked || !c || json_is_null(c))
		return 0;
	if (!json_is_object(c))
		return bad(r, "Config", "not an object");
	up = json_object_get(c, "UserProfile");
	if (json_is_object(up)) {
		const json_t *id = json_object_get(up, "ID");
		struct reader ur = { .obj = up, .err = r->err, .errlen = r->errlen };
		int e;

		if (id && !json_is_integer(id))
			return bad(r, "Config.UserProfile.ID", "not a number");
		p->user_id = json_integer_value(id);
		if ((e = read_str(&ur, "LoginName", 0, &p->login_name)) < 0 ||
		    (e = read_str(&ur, "DisplayName", 0, &p->display_name)) < 0)
			return e;
	}
	{
		struct reader cr = { .obj = c, .err = r->err, .errlen = r->errlen };

		return read_str(&cr, "NodeID", 0, &p->node_id);
	}
}

int tn_prefs_from_json(struct tn_prefs *p, const json_t *obj, unsigned *mask, char *err,
		       size_t errlen)
{
	struct reader r = { .obj = obj, .masked = mask != NULL, .mask = mask, .err = err,
			    .errlen = errlen };
	int e;

	if (mask)
		*mask = 0;
	if (!json_is_object(obj))
		return bad(&r, "prefs", "not a JSON object");
	if ((e = fill_empty_strings(p)) < 0 ||
	    (e = read_str(&r, "ControlURL", TN_PREF_CONTROL_URL, &p->control_url)) < 0 ||
	    (e = read_bool(&r, "RouteAll", TN_PREF_ROUTE_ALL, &p->route_all)) < 0 ||
	    (e = read_str(&r, "ExitNodeID", TN_PREF_EXIT_NODE_ID, &p->exit_node_id)) < 0 ||
	    (e = read_exit_ip(&r, p)) < 0 ||
	    (e = read_bool(&r, "ExitNodeAllowLANAccess", TN_PREF_EXIT_NODE_ALLOW_LAN,
			   &p->exit_node_allow_lan_access)) < 0 ||
	    (e = read_bool(&r, "CorpDNS", TN_PREF_CORP_DNS, &p->corp_dns)) < 0 ||
	    (e = read_bool(&r, "RunSSH", TN_PREF_RUN_SSH, &p->run_ssh)) < 0 ||
	    (e = read_bool(&r, "WantRunning", TN_PREF_WANT_RUNNING, &p->want_running)) < 0 ||
	    (e = read_bool(&r, "LoggedOut", TN_PREF_LOGGED_OUT, &p->logged_out)) < 0 ||
	    (e = read_bool(&r, "ShieldsUp", TN_PREF_SHIELDS_UP, &p->shields_up)) < 0 ||
	    (e = read_tags(&r, p)) < 0 ||
	    (e = read_str(&r, "Hostname", TN_PREF_HOSTNAME, &p->hostname)) < 0 ||
	    (e = read_routes(&r, p)) < 0 ||
	    (e = read_bool(&r, "NoSNAT", TN_PREF_NO_SNAT, &p->no_snat)) < 0 ||
	    (e = read_int(&r, "NetfilterMode", TN_PREF_NETFILTER_MODE, &p->netfilter_mode, 0, 2)) < 0 ||
	    (e = read_str(&r, "OperatorUser", TN_PREF_OPERATOR_USER, &p->operator_user)) < 0 ||
	    (e = read_persist(&r, p)) < 0)
		return e;
	if (strlen(p->hostname) > 256)
		return bad(&r, "Hostname", "longer than 256 bytes");
	return 0;
}

/* --- the prefs file ---------------------------------------------------------- */

int tn_prefs_parse(struct tn_prefs *p, const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *prefs;
	int r;

	if (tn_prefs_init_default(p) < 0)
		return -ENOMEM;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (err)
			snprintf(err, errlen, "line %d: %s", je.line, je.text);
		tn_prefs_clear(p);
		return -EBADMSG;
	}
	if (!json_is_object(root) ||
	    !json_is_integer(json_object_get(root, PREFS_FILE_MAGIC)) ||
	    json_integer_value(json_object_get(root, PREFS_FILE_MAGIC)) != 1 ||
	    !json_is_object(prefs = json_object_get(root, "Prefs"))) {
		if (err)
			snprintf(err, errlen, "not a tailnetd prefs file (version 1)");
		json_decref(root);
		tn_prefs_clear(p);
		return -EBADMSG;
	}
	r = tn_prefs_from_json(p, prefs, NULL, err, errlen);
	json_decref(root);
	if (r < 0) {
		tn_prefs_clear(p);
		return r == -ENOMEM ? r : -EBADMSG;
	}
	return 0;
}

char *tn_prefs_format(const struct tn_prefs *p)
{
	json_t *root = json_pack("{si so}", PREFS_FILE_MAGIC, 1, "Prefs", tn_prefs_to_json(p));
	char *text;

	if (!root)
		return NULL;
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}

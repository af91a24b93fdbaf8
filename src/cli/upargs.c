#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/addr.h"
#include "cli/gojson.h"
#include "cli/peers.h"
#include "cli/prefs.h"
#include "cli/quote.h"
#include "cli/upargs.h"

size_t tn_cli_up_flags(struct tn_cli_up_args *a, bool login, struct tn_cli_flag *f)
{
	size_t n = 0;

	memset(a, 0, sizeof(*a));
	a->auth_key = "";
	a->server = TN_CLI_DEFAULT_CONTROL_URL;
	a->accept_dns = true;
	a->exit_node = "";
	a->advertise_tags = "";
	a->hostname = "";
	a->advertise_routes = "";
	a->operator_user = "";
	a->snat = true;
	a->netfilter_mode = "on";
	a->nickname = "";

#define FLAG(nm, ty, ptr, us) f[n++] = (struct tn_cli_flag){ .name = nm, .type = ty, .value = ptr, .usage = us }
	FLAG("auth-key", TN_CLI_FLAG_STRING, &a->auth_key,
	     "node authorization key; if it begins with \"file:\", then it's a path to a file containing the authkey");
	f[n - 1].secret = true;
	FLAG("login-server", TN_CLI_FLAG_STRING, &a->server, "base URL of control server");
	FLAG("accept-routes", TN_CLI_FLAG_BOOL, &a->accept_routes,
	     "accept routes advertised by other Tailscale nodes");
	FLAG("accept-dns", TN_CLI_FLAG_BOOL, &a->accept_dns,
	     "accept DNS configuration from the admin panel");
	FLAG("exit-node", TN_CLI_FLAG_STRING, &a->exit_node,
	     "Tailscale exit node (IP, base name, or auto:any) for internet traffic, or empty string to not use an exit node");
	FLAG("exit-node-allow-lan-access", TN_CLI_FLAG_BOOL, &a->exit_node_allow_lan,
	     "Allow direct access to the local network when routing traffic via an exit node");
	FLAG("shields-up", TN_CLI_FLAG_BOOL, &a->shields_up, "don't allow incoming connections");
	FLAG("ssh", TN_CLI_FLAG_BOOL, &a->ssh,
	     "run an SSH server, permitting access per tailnet admin's declared policy");
	FLAG("advertise-tags", TN_CLI_FLAG_STRING, &a->advertise_tags,
	     "comma-separated ACL tags to request (e.g. \"tag:eng,tag:montreal,tag:ssh\"); the \"tag:\" prefix is optional");
	FLAG("hostname", TN_CLI_FLAG_STRING, &a->hostname,
	     "hostname to use instead of the one provided by the OS");
	FLAG("advertise-routes", TN_CLI_FLAG_STRING, &a->advertise_routes,
	     "routes to advertise to other nodes (comma-separated, e.g. \"10.0.0.0/8,192.168.0.0/24\") or empty string to not advertise routes");
	FLAG("advertise-connector", TN_CLI_FLAG_BOOL, &a->advertise_connector,
	     "advertise this node as an app connector");
	FLAG("advertise-exit-node", TN_CLI_FLAG_BOOL, &a->advertise_exit_node,
	     "offer to be an exit node for internet traffic for the tailnet");
	FLAG("report-posture", TN_CLI_FLAG_BOOL, &a->report_posture,
	     "allow management plane to gather device posture information");
	FLAG("operator", TN_CLI_FLAG_STRING, &a->operator_user,
	     "Unix username to allow to operate on tailnetd without sudo");
	FLAG("snat-subnet-routes", TN_CLI_FLAG_BOOL, &a->snat,
	     "source NAT traffic to local routes advertised with --advertise-routes");
	FLAG("stateful-filtering", TN_CLI_FLAG_BOOL, &a->stateful_filtering,
	     "apply stateful filtering to forwarded packets (subnet routers, exit nodes, and so on)");
	FLAG("netfilter-mode", TN_CLI_FLAG_STRING, &a->netfilter_mode,
	     "netfilter mode (one of on, nodivert, off)");
	FLAG("timeout", TN_CLI_FLAG_DURATION, &a->timeout_ns,
	     "maximum amount of time to wait for tailnetd to enter a Running state; default (0s) blocks forever");
	if (login) {
		FLAG("nickname", TN_CLI_FLAG_STRING, &a->nickname, "short name for the account");
	} else {
		FLAG("json", TN_CLI_FLAG_BOOL, &a->json,
		     "output in JSON format (WARNING: format subject to change)");
		FLAG("reset", TN_CLI_FLAG_BOOL, &a->reset,
		     "reset unspecified settings to their default values");
		FLAG("force-reauth", TN_CLI_FLAG_BOOL, &a->force_reauth,
		     "force reauthentication (WARNING: this may bring down the connection and thus should not be done remotely over SSH)");
	}
#undef FLAG
	return n;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* Go's %q of a byte: 'c', or '\xNN' when it is not printable ASCII. */
static void quote_byte(char *out, size_t len, unsigned char c)
{
	if (c == '\'' || c == '\\')
		snprintf(out, len, "'\\%c'", c);
	else if (c >= 0x20 && c < 0x7f)
		snprintf(out, len, "'%c'", c);
	else
		snprintf(out, len, "'\\x%02x'", c);
}

static int label_error(const char *label, size_t len, char *err, size_t errlen)
{
	char q[300], *lab = strndup(label, len);
	struct tn_cli_buf b;

	if (!lab)
		return -ENOMEM;
	tn_cli_buf_init(&b);
	tn_cli_quote_go(&b, lab);
	snprintf(q, sizeof(q), "%s", tn_cli_buf_str(&b));
	tn_cli_buf_free(&b);
	free(lab);
	if (len == 0)
		snprintf(err, errlen, "empty DNS label");
	else if (len > 63)
		snprintf(err, errlen, "%s is too long, max length is 63 bytes", q);
	else if (!is_alnum(label[0]))
		snprintf(err, errlen, "%s is not a valid DNS label: must start with a letter or number", q);
	else if (!is_alnum(label[len - 1]))
		snprintf(err, errlen, "%s is not a valid DNS label: must end with a letter or number", q);
	else {
		for (size_t i = 1; i + 1 < len; i++) {
			if (!is_alnum(label[i]) && label[i] != '-') {
				char c[16];
				quote_byte(c, sizeof(c), (unsigned char)label[i]);
				snprintf(err, errlen, "%s is not a valid DNS label: contains invalid character %s",
					 q, c);
				return -EINVAL;
			}
		}
		return 0;
	}
	return -EINVAL;
}

int tn_cli_valid_hostname(const char *s, char *err, size_t errlen)
{
	struct tn_cli_buf b;
	size_t len;

	/* ToFQDN */
	if (*s == '.')
		s++;
	len = strlen(s);
	size_t total = len;
	if (len && s[len - 1] == '.')
		len--;
	else
		total++;
	if (total > 254) {
		tn_cli_buf_init(&b);
		char *t = strndup(s, len);
		tn_cli_quote_go(&b, t ? t : "");
		snprintf(err, errlen, "%s is too long to be a DNS name", tn_cli_buf_str(&b));
		free(t);
		tn_cli_buf_free(&b);
		return -EINVAL;
	}
	size_t st = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '.')
			continue;
		if (i == st || i - st > 63) {
			tn_cli_buf_init(&b);
			char *t = strndup(s + st, i - st);
			tn_cli_quote_go(&b, t ? t : "");
			snprintf(err, errlen, "%s is not a valid DNS label", tn_cli_buf_str(&b));
			free(t);
			tn_cli_buf_free(&b);
			return -EINVAL;
		}
		st = i + 1;
	}
	/* ValidLabel on each label */
	st = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (label_error(s + st, i - st, err, errlen) < 0)
			return -EINVAL;
		st = i + 1;
	}
	return 0;
}

static int check_tag(const char *tag, char *err, size_t errlen)
{
	const char *msg = NULL;

	if (strncmp(tag, "tag:", 4))
		msg = "tags must start with 'tag:'";
	else if (!tag[4])
		msg = "tag names must not be empty";
	else if (!is_alpha(tag[4]))
		msg = "tag names must start with a letter, after 'tag:'";
	else
		for (const char *p = tag + 4; *p && !msg; p++)
			if (!is_alnum(*p) && *p != '-')
				msg = "tag names can only contain numbers, letters, or dashes";
	if (!msg)
		return 0;
	struct tn_cli_buf b;
	tn_cli_buf_init(&b);
	tn_cli_quote_go(&b, tag);
	snprintf(err, errlen, "tag: %s: %s", tn_cli_buf_str(&b), msg);
	tn_cli_buf_free(&b);
	return -EINVAL;
}

static int cmp_prefix(const void *a, const void *b)
{
	const struct tn_cli_prefix *x = a, *y = b;
	if (x->bits != y->bits)
		return x->bits < y->bits ? -1 : 1;
	return tn_cli_addr_compare(&x->addr, &y->addr);
}

json_t *tn_cli_calc_advertise_routes(const char *routes, bool exit_node, char *err,
				     size_t errlen)
{
	struct tn_cli_prefix *list = NULL;
	size_t n = 0, cap = 0;
	bool d4 = false, d6 = false;
	json_t *out = NULL;
	char *copy = strdup(routes);

	if (!copy)
		return NULL;
	if (*routes) {
		/* strtok would skip empty pieces; Go reports them. */
		for (char *s = copy;; ) {
			char *comma = strchr(s, ',');
			if (comma)
				*comma = '\0';
			struct tn_cli_prefix p;
			if (tn_cli_prefix_parse(s, &p) < 0) {
				struct tn_cli_buf b;
				tn_cli_buf_init(&b);
				tn_cli_quote_go(&b, s);
				snprintf(err, errlen, "%s is not a valid IP address or CIDR prefix",
					 tn_cli_buf_str(&b));
				tn_cli_buf_free(&b);
				goto fail;
			}
			struct tn_cli_prefix m = tn_cli_prefix_masked(&p);
			if (!tn_cli_prefix_equal(&m, &p)) {
				char a[80], b[80];
				tn_cli_prefix_format(&p, a, sizeof(a));
				tn_cli_prefix_format(&m, b, sizeof(b));
				snprintf(err, errlen, "%s has non-address bits set; expected %s", a, b);
				goto fail;
			}
			if (p.bits == 0 && p.addr.family == 4)
				d4 = true;
			else if (p.bits == 0)
				d6 = true;
			bool dup = false;
			for (size_t i = 0; i < n; i++)
				dup |= tn_cli_prefix_equal(&list[i], &p);
			if (!dup) {
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					struct tn_cli_prefix *nl = realloc(list, cap * sizeof(*list));
					if (!nl)
						goto fail;
					list = nl;
				}
				list[n++] = p;
			}
			if (!comma)
				break;
			s = comma + 1;
		}
		if (d4 && !d6) {
			snprintf(err, errlen,
				 "0.0.0.0/0 advertised without its IPv6 counterpart, please also advertise ::/0");
			goto fail;
		}
		if (d6 && !d4) {
			snprintf(err, errlen,
				 "::/0 advertised without its IPv4 counterpart, please also advertise 0.0.0.0/0");
			goto fail;
		}
	}
	if (exit_node && !d4) {
		if (n + 2 > cap) {
			cap = n + 2;
			struct tn_cli_prefix *nl = realloc(list, cap * sizeof(*list));
			if (!nl)
				goto fail;
			list = nl;
		}
		memset(&list[n], 0, 2 * sizeof(*list));
		list[n].addr.family = 4;
		list[n + 1].addr.family = 6;
		n += 2;
	}
	if (n == 0) {
		out = json_null();
		goto done;
	}
	qsort(list, n, sizeof(*list), cmp_prefix);
	out = json_array();
	for (size_t i = 0; i < n; i++) {
		char s[80];
		tn_cli_prefix_format(&list[i], s, sizeof(s));
		json_array_append_new(out, json_string(s));
	}
	goto done;
fail:
	out = NULL;
done:
	free(list);
	free(copy);
	return out;
}

int tn_cli_exit_route(const char *s)
{
	struct tn_cli_prefix p;
	if (!s || tn_cli_prefix_parse(s, &p) < 0 || p.bits != 0)
		return 0;
	return p.addr.family;
}

bool tn_cli_routes_have_exit(const json_t *routes)
{
	bool v4 = false, v6 = false;
	size_t i;
	json_t *r;

	json_array_foreach(routes, i, r) {
		int e = tn_cli_exit_route(json_string_value(r));
		v4 |= e == 4;
		v6 |= e == 6;
	}
	return v4 && v6;
}

static bool peer_has_ip(const json_t *ps, const struct tn_cli_addr *ip)
{
	size_t i;
	json_t *v;

	json_array_foreach(tn_cli_json_array(ps, "TailscaleIPs"), i, v) {
		struct tn_cli_addr a;
		if (json_is_string(v) && tn_cli_addr_parse(json_string_value(v), &a) == 0 &&
		    tn_cli_addr_compare(&a, ip) == 0)
			return true;
	}
	return false;
}

static void quoted(char *out, size_t len, const char *s)
{
	struct tn_cli_buf b;
	tn_cli_buf_init(&b);
	tn_cli_quote_go(&b, s);
	snprintf(out, len, "%s", tn_cli_buf_str(&b));
	tn_cli_buf_free(&b);
}

int tn_cli_exit_node_ip(const char *s, const json_t *st, char *out, size_t outlen, char *err,
			size_t errlen)
{
	struct tn_cli_addr ip;
	char q[300];

	quoted(q, sizeof(q), s);
	if (tn_cli_addr_parse(s, &ip) == 0) {
		if (tn_cli_has_ip(st, &ip)) {
			snprintf(err, errlen,
				 "cannot use %s as an exit node as it is a local IP address to this machine", s);
			return -EEXIST;
		}
		if (!strcmp(tn_cli_json_str(st, "BackendState"), "Running")) {
			const json_t *found = NULL;
			const char *key;
			json_t *ps;
			json_object_foreach(tn_cli_json_object(st, "Peer"), key, ps)
				if (!found && peer_has_ip(ps, &ip))
					found = ps;
			if (!found) {
				snprintf(err, errlen, "no node found in netmap with IP %s", s);
				return -EINVAL;
			}
			if (!tn_cli_json_bool(found, "ExitNodeOption")) {
				snprintf(err, errlen, "node %s is not advertising an exit node", s);
				return -EINVAL;
			}
		}
		tn_cli_addr_format(&ip, out, outlen);
		return 0;
	}
	int match = 0;
	const char *suffix = tn_cli_json_str(st, "MagicDNSSuffix");
	const char *key;
	json_t *ps;
	json_object_foreach(tn_cli_json_object(st, "Peer"), key, ps) {
		const char *fqdn = tn_cli_json_str(ps, "DNSName");
		char base[300], sansdot[300];
		tn_cli_dns_trim_suffix(fqdn, suffix, base, sizeof(base));
		tn_cli_dns_trim_suffix(fqdn, ".", sansdot, sizeof(sansdot));
		if (strcasecmp(s, base) && strcasecmp(s, fqdn) && strcasecmp(s, sansdot))
			continue;
		match++;
		json_t *ips = tn_cli_json_array(ps, "TailscaleIPs");
		if (!json_array_size(ips)) {
			snprintf(err, errlen, "node %s has no Tailscale IP?", q);
			return -EINVAL;
		}
		if (!tn_cli_json_bool(ps, "ExitNodeOption")) {
			snprintf(err, errlen, "node %s is not advertising an exit node", q);
			return -EINVAL;
		}
		const char *first = json_string_value(json_array_get(ips, 0));
		if (!first || tn_cli_addr_parse(first, &ip) < 0) {
			snprintf(err, errlen, "node %s has no Tailscale IP?", q);
			return -EINVAL;
		}
	}
	if (match == 0) {
		snprintf(err, errlen, "invalid value %s for --exit-node; must be IP or hostname", q);
		return -EINVAL;
	}
	if (match > 1) {
		snprintf(err, errlen, "ambiguous exit node name %s", q);
		return -EINVAL;
	}
	if (tn_cli_has_ip(st, &ip)) {
		snprintf(err, errlen,
			 "cannot use %s as an exit node as it is a local IP address to this machine", s);
		return -EEXIST;
	}
	tn_cli_addr_format(&ip, out, outlen);
	return 0;
}

int tn_cli_netfilter_mode(const char *s, const char **warning, char *err, size_t errlen)
{
	*warning = NULL;
	if (!strcmp(s, "on"))
		return TN_CLI_NETFILTER_ON;
	if (!strcmp(s, "nodivert")) {
		*warning = "netfilter=nodivert; add iptables calls to ts-* chains manually.";
		return TN_CLI_NETFILTER_NODIVERT;
	}
	if (!strcmp(s, "off")) {
		*warning = "netfilter=off; configure iptables yourself.";
		return TN_CLI_NETFILTER_OFF;
	}
	char q[300];
	quoted(q, sizeof(q), s);
	snprintf(err, errlen, "invalid value --netfilter-mode=%s", q);
	return -EINVAL;
}

json_t *tn_cli_prefs_from_up_args(const struct tn_cli_up_args *a, const json_t *status,
				  struct tn_cli_buf *warn, char *err, size_t errlen)
{
	json_t *routes = NULL, *tags = NULL, *p = NULL;

	routes = tn_cli_calc_advertise_routes(a->advertise_routes, a->advertise_exit_node, err,
					      errlen);
	if (!routes)
		return NULL;
	if (!*a->exit_node && a->exit_node_allow_lan) {
		snprintf(err, errlen, "--exit-node-allow-lan-access can only be used with --exit-node");
		goto fail;
	}
	if (*a->advertise_tags) {
		tags = json_array();
		const char *s = a->advertise_tags;
		for (;;) {
			size_t n = strcspn(s, ",");
			char tag[512];
			snprintf(tag, sizeof(tag), "%s%.*s", memchr(s, ':', n) ? "" : "tag:", (int)n, s);
			if (check_tag(tag, err, errlen) < 0)
				goto fail;
			json_array_append_new(tags, json_string(tag));
			if (!s[n])
				break;
			s += n + 1;
		}
	}
	if (*a->hostname && tn_cli_valid_hostname(a->hostname, err, errlen) < 0)
		goto fail;

	p = tn_cli_prefs_new();
	json_object_set_new(p, "ControlURL", json_string(a->server));
	json_object_set_new(p, "WantRunning", json_true());
	json_object_set_new(p, "RouteAll", json_boolean(a->accept_routes));
	if (*a->exit_node) {
		if (!strncmp(a->exit_node, "auto:", 5) && a->exit_node[5]) {
			json_object_set_new(p, "AutoExitNode", json_string(a->exit_node + 5));
		} else {
			char ip[64];
			int rc = tn_cli_exit_node_ip(a->exit_node, status, ip, sizeof(ip), err, errlen);
			if (rc == -EEXIST) {
				size_t l = strlen(err);
				snprintf(err + l, errlen - l, "; did you mean --advertise-exit-node?");
			}
			if (rc < 0)
				goto fail;
			json_object_set_new(p, "ExitNodeIP", json_string(ip));
		}
	}
	json_object_set_new(p, "ExitNodeAllowLANAccess", json_boolean(a->exit_node_allow_lan));
	json_object_set_new(p, "CorpDNS", json_boolean(a->accept_dns));
	json_object_set_new(p, "ShieldsUp", json_boolean(a->shields_up));
	json_object_set_new(p, "RunSSH", json_boolean(a->ssh));
	json_object_set_new(p, "AdvertiseRoutes", routes);
	routes = NULL;
	json_object_set_new(p, "AdvertiseTags", tags ? tags : json_null());
	tags = NULL;
	json_object_set_new(p, "Hostname", json_string(a->hostname));
	json_object_set_new(p, "OperatorUser", json_string(a->operator_user));
	json_object_set_new(p, "ProfileName", json_string(a->nickname ? a->nickname : ""));
	json_object_set_new(p, "AppConnector", json_pack("{s:b}", "Advertise", a->advertise_connector));
	json_object_set_new(p, "PostureChecking", json_boolean(a->report_posture));
	json_object_set_new(p, "NoSNAT", json_boolean(!a->snat));
	if (!a->snat && tn_cli_routes_have_exit(json_object_get(p, "AdvertiseRoutes")))
		tn_cli_buf_puts(warn, "Warning: --snat-subnet-routes=false is set with --advertise-exit-node; "
				      "internet traffic through this exit node may not work as expected\n");
	json_object_set_new(p, "NoStatefulFiltering", json_boolean(!a->stateful_filtering));
	const char *w;
	int mode = tn_cli_netfilter_mode(a->netfilter_mode, &w, err, errlen);
	if (mode < 0)
		goto fail;
	json_object_set_new(p, "NetfilterMode", json_integer(mode));
	if (w)
		tn_cli_buf_printf(warn, "Warning: %s\n", w);
	return p;
fail:
	json_decref(p);
	json_decref(routes);
	json_decref(tags);
	return NULL;
}

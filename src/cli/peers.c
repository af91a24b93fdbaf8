#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cli/addr.h"
#include "cli/buf.h"
#include "cli/gojson.h"
#include "cli/peers.h"
#include "cli/punycode.h"
#include "cli/quote.h"

/* strings.TrimSuffix on (s, *len) for a suffix of n bytes. */
static bool trim(const char *s, size_t *len, const char *suf, size_t n)
{
	if (*len < n || memcmp(s + *len - n, suf, n))
		return false;
	*len -= n;
	return true;
}

void tn_cli_dns_trim_suffix(const char *name, const char *suffix, char *out, size_t outlen)
{
	size_t nl = strlen(name), sl = strlen(suffix);

	trim(name, &nl, ".", 1);
	trim(suffix, &sl, ".", 1);
	if (sl && suffix[0] == '.')
		suffix++, sl--;
	size_t base = nl;
	if (sl && trim(name, &base, suffix, sl) && base && name[base - 1] == '.')
		nl = base;
	trim(name, &nl, ".", 1);
	snprintf(out, outlen, "%.*s", (int)nl, name);
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

void tn_cli_sanitize_hostname(const char *host, char *out, size_t outlen)
{
	static const char *const common[] = { ".local", ".localdomain", ".lan" };
	size_t len = strlen(host), o = 0;

	if (!outlen)
		return;
	for (size_t i = 0; i < 3; i++)
		trim(host, &len, common[i], strlen(common[i]));
	size_t start = 0, end = len > 63 ? 63 : len;
	while (start < end && !is_alnum(host[start]))
		start++;
	while (start < end && !is_alnum(host[end - 1]))
		end--;
	for (size_t i = start; i < end && o + 1 < outlen; i++) {
		char c = host[i];
		bool boundary = i == start || i == end - 1;
		if (!boundary && (c == ' ' || c == '.' || c == '@' || c == '_'))
			out[o++] = '-';
		else if (is_alnum(c) || c == '-')
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c);
	}
	out[o] = '\0';
}

void tn_cli_node_display_name(const json_t *st, const json_t *ps, char *out, size_t outlen)
{
	tn_cli_dns_trim_suffix(tn_cli_json_str(ps, "DNSName"), tn_cli_json_str(st, "MagicDNSSuffix"),
			       out, outlen);
	if (*out) {
		char uni[512], both[1024];
		if (!strncmp(out, "xn-", 3) && tn_cli_idna_to_unicode(out, uni, sizeof(uni)) == 0) {
			snprintf(both, sizeof(both), "%s (%s)", out, uni);
			snprintf(out, outlen, "%s", both);
		}
		return;
	}
	char clean[128];
	struct tn_cli_buf b;
	tn_cli_sanitize_hostname(tn_cli_json_str(ps, "HostName"), clean, sizeof(clean));
	tn_cli_buf_init(&b);
	tn_cli_buf_putc(&b, '(');
	tn_cli_quote_go(&b, clean);
	tn_cli_buf_putc(&b, ')');
	snprintf(out, outlen, "%s", tn_cli_buf_str(&b));
	tn_cli_buf_free(&b);
}

bool tn_cli_has_ip(const json_t *ps, const struct tn_cli_addr *ip)
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

const json_t *tn_cli_node_with_ip(const json_t *st, const char *ipstr)
{
	struct tn_cli_addr ip;
	const char *key;
	json_t *ps;

	if (tn_cli_addr_parse(ipstr, &ip) < 0)
		return NULL;
	json_object_foreach(tn_cli_json_object(st, "Peer"), key, ps)
		if (tn_cli_has_ip(ps, &ip))
			return ps;
	const json_t *self = tn_cli_json_object(st, "Self");
	if (self && tn_cli_has_ip(self, &ip))
		return self;
	return NULL;
}

static bool name_matches(const json_t *st, const json_t *ps, const char *arg)
{
	char name[300];

	tn_cli_node_display_name(st, ps, name, sizeof(name));
	return !strcasecmp(arg, name) || !strcmp(arg, tn_cli_json_str(ps, "DNSName"));
}

int tn_cli_ip_from_arg(const json_t *st, const char *arg, char *ip, size_t iplen, bool *self,
		       char *err, size_t errlen)
{
	struct tn_cli_addr a;
	const char *key;
	json_t *ps;

	*self = false;
	if (tn_cli_addr_parse(arg, &a) == 0) {
		snprintf(ip, iplen, "%s", arg);
		return 0;
	}
	json_object_foreach(tn_cli_json_object(st, "Peer"), key, ps) {
		if (!name_matches(st, ps, arg))
			continue;
		const char *first = json_string_value(json_array_get(tn_cli_json_array(ps, "TailscaleIPs"), 0));
		if (!first) {
			snprintf(err, errlen, "node found but lacks an IP");
			return -ENOENT;
		}
		snprintf(ip, iplen, "%s", first);
		return 0;
	}
	const json_t *me = tn_cli_json_object(st, "Self");
	const char *first = json_string_value(json_array_get(tn_cli_json_array(me, "TailscaleIPs"), 0));
	if (me && name_matches(st, me, arg) && first) {
		snprintf(ip, iplen, "%s", first);
		*self = true;
		return 0;
	}

	/* Finally, DNS. */
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	struct tn_cli_buf q;
	tn_cli_buf_init(&q);
	tn_cli_quote_go(&q, arg);
	int rc = getaddrinfo(arg, NULL, &hints, &res);
	if (rc != 0 || !res) {
		snprintf(err, errlen, "error looking up IP of %s: %s", tn_cli_buf_str(&q),
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		tn_cli_buf_free(&q);
		if (res)
			freeaddrinfo(res);
		return -ENOENT;
	}
	tn_cli_buf_free(&q);
	const void *bytes = res->ai_family == AF_INET
		? (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr
		: (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
	if (!inet_ntop(res->ai_family, bytes, ip, (socklen_t)iplen))
		snprintf(ip, iplen, "invalid IP");
	freeaddrinfo(res);
	return 0;
}

bool tn_cli_running_or_starting(const json_t *st, char **desc)
{
	const char *state = tn_cli_json_str(st, "BackendState");
	int rc;

	*desc = NULL;
	if (!strcmp(state, "Running") || !strcmp(state, "Starting"))
		return true;
	if (!strcmp(state, "Stopped")) {
		rc = asprintf(desc, "Tailscale is stopped.");
	} else if (!strcmp(state, "NeedsLogin")) {
		const char *url = tn_cli_json_str(st, "AuthURL");
		rc = *url ? asprintf(desc, "Logged out.\nLog in at: %s", url)
			  : asprintf(desc, "Logged out.");
	} else if (!strcmp(state, "NeedsMachineAuth")) {
		rc = asprintf(desc, "Machine is not yet approved by tailnet admin.");
	} else {
		rc = asprintf(desc, "unexpected state: %s", state);
	}
	if (rc < 0)
		*desc = NULL;
	return false;
}

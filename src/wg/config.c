#include "wg/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "util/base64.h"

enum section { SEC_NONE, SEC_INTERFACE, SEC_PEER };

struct parser {
	struct tn_wg_config *cfg;
	unsigned line;
	enum section section;
	unsigned interface_line;     /* 0: no [Interface] yet */
	bool has_private_key;
	bool peer_has_public_key;    /* of the last peer */
};

/* A text slice of the input. */
struct span {
	const char *s;
	size_t n;
};

/* Keys of wg-quick (and wg's FwMark) that tailnetd has no use for. */
static const struct {
	const char *key, *owner;
} ignored_keys[] = {
	{ "DNS", "wg-quick" }, { "Table", "wg-quick" }, { "PreUp", "wg-quick" },
	{ "PostUp", "wg-quick" }, { "PreDown", "wg-quick" },
	{ "PostDown", "wg-quick" }, { "SaveConfig", "wg-quick" },
	{ "FwMark", "wg" },
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	char *err = p->cfg->error;
	int n = snprintf(err, TN_WG_CONFIG_ERROR_MAX, "line %u: ", p->line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err + n, TN_WG_CONFIG_ERROR_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int fail_nomem(struct parser *p)
{
	snprintf(p->cfg->error, TN_WG_CONFIG_ERROR_MAX, "line %u: out of memory", p->line);
	return -ENOMEM;
}

/* A printable, bounded copy of untrusted text for messages. */
static const char *show(char out[48], struct span v)
{
	size_t n = v.n < 40 ? v.n : 40, i;

	for (i = 0; i < n; i++)
		out[i] = v.s[i] >= 0x20 && v.s[i] < 0x7f ? v.s[i] : '?';
	if (n < v.n) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static struct span trim(struct span v)
{
	while (v.n && is_space(v.s[0]))
		v.s++, v.n--;
	while (v.n && is_space(v.s[v.n - 1]))
		v.n--;
	return v;
}

static bool span_is(struct span v, const char *word)
{
	return strlen(word) == v.n && !strncasecmp(v.s, word, v.n);
}

/* arr (of n elements) with room for one more: capacities go 4, 8, 16, ...
 * Returns arr itself when it has room, or NULL when out of memory. */
static void *grow(void *arr, size_t n, size_t size)
{
	size_t cap;

	if (n && (n < 4 || (n & (n - 1))))
		return arr;
	cap = n ? 2 * n : 4;
	if (cap > SIZE_MAX / size)
		return NULL;
	return realloc(arr, cap * size);
}

/* Digits only, value <= max. */
static bool parse_uint(struct span v, unsigned long max, unsigned long *out)
{
	unsigned long x = 0;

	if (!v.n || v.n > 10)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		if (v.s[i] < '0' || v.s[i] > '9')
			return false;
		x = x * 10 + (unsigned long)(v.s[i] - '0');
	}
	if (x > max)
		return false;
	*out = x;
	return true;
}

/* 32 bytes of base64, into key (zeroed on failure).  The value is never
 * echoed: it may be a secret. */
static int parse_key(struct parser *p, struct span key, struct span v,
		     uint8_t out[TN_KEY_LEN])
{
	char name[48];
	long n = tn_b64_decoded_len(v.s, v.n);

	show(name, key);
	if (n < 0)
		return fail(p, "%s is not valid base64", name);
	if (n != TN_KEY_LEN)
		return fail(p, "%s has the wrong length: %ld bytes, a key is %d",
			    name, n, TN_KEY_LEN);
	if (tn_b64_decode(out, TN_KEY_LEN, v.s, v.n))
		return fail(p, "%s is not valid base64", name);
	return 0;
}

/* An address into a NUL-terminated copy for inet_pton; false if too long
 * or not an address of family. */
static bool parse_addr(struct span v, int family, void *out)
{
	char tmp[INET6_ADDRSTRLEN + 1];

	if (!v.n || v.n >= sizeof(tmp))
		return false;
	memcpy(tmp, v.s, v.n);
	tmp[v.n] = '\0';
	return inet_pton(family, tmp, out) == 1;
}

/* "addr" or "addr/len". */
static int parse_prefix(struct parser *p, struct span key, struct span v,
			struct tn_wg_prefix *out)
{
	const char *slash = memchr(v.s, '/', v.n);
	struct span a = { v.s, slash ? (size_t)(slash - v.s) : v.n };
	char name[48], val[48];
	unsigned long cidr;
	int max;

	show(name, key);
	memset(out, 0, sizeof(*out));
	out->family = memchr(a.s, ':', a.n) ? AF_INET6 : AF_INET;
	max = out->family == AF_INET ? 32 : 128;
	if (!parse_addr(a, out->family, out->addr))
		return fail(p, "%s: bad address '%s'", name, show(val, a));
	cidr = (unsigned long)max;
	if (slash) {
		struct span c = { slash + 1, v.n - a.n - 1 };

		if (!parse_uint(c, 1000, &cidr))
			return fail(p, "%s: bad prefix length '%s'", name, show(val, c));
		if (cidr > (unsigned long)max)
			return fail(p, "%s: prefix length %lu out of range for %s (0-%d)",
				    name, cidr, max == 32 ? "IPv4" : "IPv6", max);
	}
	out->cidr = (uint8_t)cidr;
	return 0;
}

/* A comma-separated list of prefixes appended to *arr. */
static int parse_prefix_list(struct parser *p, struct span key, struct span v,
			     struct tn_wg_prefix **arr, size_t *n)
{
	const char *end = v.s + v.n;

	while (v.s < end) {
		const char *comma = memchr(v.s, ',', (size_t)(end - v.s));
		struct span item = trim((struct span){ v.s, (size_t)((comma ? comma : end) - v.s) });
		struct tn_wg_prefix *bigger;
		char name[48];
		int err;

		if (!item.n)
			return fail(p, "%s: empty list entry", show(name, key));
		bigger = grow(*arr, *n, sizeof(**arr));
		if (!bigger)
			return fail_nomem(p);
		*arr = bigger;
		if ((err = parse_prefix(p, key, item, &(*arr)[*n])))
			return err;
		(*n)++;
		if (!comma)
			break;
		v.s = comma + 1;
		if (v.s == end)
			return fail(p, "%s: empty list entry", show(name, key));
	}
	return 0;
}

static bool looks_like_name(struct span h)
{
	for (size_t i = 0; i < h.n; i++)
		if ((h.s[i] >= 'a' && h.s[i] <= 'z') || (h.s[i] >= 'A' && h.s[i] <= 'Z') ||
		    h.s[i] == '-')
			return true;
	return false;
}

/* "a.b.c.d:port" or "[v6]:port", numeric only. */
static int parse_endpoint(struct parser *p, struct span v, union tn_wg_sockaddr *out)
{
	struct span host, port;
	unsigned long portnum;
	char val[48];
	const char *colon;

	if (v.s[0] == '[') {
		const char *close = memchr(v.s, ']', v.n);

		if (!close || close + 1 == v.s + v.n || close[1] != ':')
			return fail(p, "Endpoint '%s': expected [address]:port", show(val, v));
		host = (struct span){ v.s + 1, (size_t)(close - v.s - 1) };
		colon = close + 1;
	} else {
		colon = memrchr(v.s, ':', v.n);
		if (!colon)
			return fail(p, "Endpoint '%s': expected address:port", show(val, v));
		host = (struct span){ v.s, (size_t)(colon - v.s) };
		if (memchr(host.s, ':', host.n))
			return fail(p, "Endpoint '%s': an IPv6 address needs brackets, "
				    "as in [2001:db8::1]:51820", show(val, v));
	}
	port = (struct span){ colon + 1, (size_t)(v.s + v.n - colon - 1) };
	if (!parse_uint(port, 65535, &portnum) || portnum == 0)
		return fail(p, "Endpoint: bad port '%s' (1-65535)", show(val, port));

	memset(out, 0, sizeof(*out));
	if (v.s[0] != '[' && parse_addr(host, AF_INET, &out->in.sin_addr)) {
		out->in.sin_family = AF_INET;
		out->in.sin_port = htons((uint16_t)portnum);
	} else if (v.s[0] == '[' && parse_addr(host, AF_INET6, &out->in6.sin6_addr)) {
		out->in6.sin6_family = AF_INET6;
		out->in6.sin6_port = htons((uint16_t)portnum);
	} else if (v.s[0] != '[' && looks_like_name(host)) {
		return fail(p, "Endpoint host '%s' is not a numeric address "
			    "(host names are not resolved)", show(val, host));
	} else {
		return fail(p, "Endpoint: bad address '%s'", show(val, host));
	}
	return 0;
}

static void warn(struct parser *p, struct span key, const char *owner)
{
	struct tn_wg_config *cfg = p->cfg;
	size_t used = strlen(cfg->warnings);
	char name[48];

	cfg->n_warnings++;
	if (used < sizeof(cfg->warnings))
		snprintf(cfg->warnings + used, sizeof(cfg->warnings) - used,
			 "line %u: %s ignored (a %s setting tailnetd does not use)\n",
			 p->line, show(name, key), owner);
}

static int interface_key(struct parser *p, struct span key, struct span v)
{
	struct tn_wg_config *cfg = p->cfg;
	unsigned long x;
	char val[48];

	for (size_t i = 0; i < sizeof(ignored_keys) / sizeof(ignored_keys[0]); i++) {
		if (span_is(key, ignored_keys[i].key)) {
			warn(p, key, ignored_keys[i].owner);
			return 0;
		}
	}
	if (!v.n)
		return fail(p, "%s has no value", show(val, key));
	if (span_is(key, "PrivateKey")) {
		int err = parse_key(p, key, v, cfg->private_key);

		p->has_private_key = !err;
		return err;
	}
	if (span_is(key, "ListenPort")) {
		if (!parse_uint(v, 65535, &x))
			return fail(p, "ListenPort: bad port '%s' (0-65535)", show(val, v));
		cfg->has_listen_port = true;
		cfg->listen_port = (uint16_t)x;
		return 0;
	}
	if (span_is(key, "Address"))
		return parse_prefix_list(p, key, v, &cfg->addresses, &cfg->n_addresses);
	if (span_is(key, "MTU")) {
		if (!parse_uint(v, 65535, &x) || x < TN_WG_CONFIG_MTU_MIN)
			return fail(p, "MTU: bad value '%s' (%d-65535)", show(val, v),
				    TN_WG_CONFIG_MTU_MIN);
		cfg->mtu = (uint16_t)x;
		return 0;
	}
	return fail(p, "unknown key '%s' in [Interface]", show(val, key));
}

static int peer_key(struct parser *p, struct span key, struct span v)
{
	struct tn_wg_config_peer *peer = &p->cfg->peers[p->cfg->n_peers - 1];
	unsigned long x;
	char val[48];
	int err;

	if (span_is(key, "AllowedIPs")) /* may be empty */
		return parse_prefix_list(p, key, v, &peer->allowed_ips, &peer->n_allowed_ips);
	if (!v.n && (span_is(key, "PublicKey") || span_is(key, "PresharedKey") ||
		     span_is(key, "Endpoint") || span_is(key, "PersistentKeepalive")))
		return fail(p, "%s has no value", show(val, key));
	if (span_is(key, "PublicKey")) {
		if ((err = parse_key(p, key, v, peer->public_key)))
			return err;
		for (size_t i = 0; i + 1 < p->cfg->n_peers; i++)
			if (!memcmp(p->cfg->peers[i].public_key, peer->public_key, TN_KEY_LEN))
				return fail(p, "duplicate peer: this PublicKey is also "
					    "the [Peer] of line %u", p->cfg->peers[i].line);
		p->peer_has_public_key = true;
		return 0;
	}
	if (span_is(key, "PresharedKey")) {
		err = parse_key(p, key, v, peer->preshared_key);
		peer->has_preshared_key = !err;
		return err;
	}
	if (span_is(key, "Endpoint"))
		return parse_endpoint(p, v, &peer->endpoint);
	if (span_is(key, "PersistentKeepalive")) {
		if (span_is(v, "off")) {
			x = 0;
		} else if (!parse_uint(v, 65535, &x)) {
			return fail(p, "PersistentKeepalive: bad value '%s' "
				    "(seconds 0-65535 or off)", show(val, v));
		}
		peer->persistent_keepalive = (uint16_t)x;
		return 0;
	}
	return fail(p, "unknown key '%s' in [Peer]", show(val, key));
}

/* Checks done when a section ends (at the next header or end of file). */
static int end_section(struct parser *p)
{
	if (p->section == SEC_PEER && !p->peer_has_public_key) {
		p->line = p->cfg->peers[p->cfg->n_peers - 1].line;
		return fail(p, "[Peer] without PublicKey");
	}
	return 0;
}

static int section_header(struct parser *p, struct span v)
{
	struct span name;
	char val[48];
	int err;

	if (v.s[v.n - 1] != ']')
		return fail(p, "section header '%s' lacks ']'", show(val, v));
	name = trim((struct span){ v.s + 1, v.n - 2 });
	if ((err = end_section(p)))
		return err;
	if (span_is(name, "Interface")) {
		if (p->interface_line)
			return fail(p, "second [Interface] section (the first is on line %u)",
				    p->interface_line);
		p->section = SEC_INTERFACE;
		p->interface_line = p->line;
		return 0;
	}
	if (span_is(name, "Peer")) {
		struct tn_wg_config *cfg = p->cfg;
		struct tn_wg_config_peer *bigger =
			grow(cfg->peers, cfg->n_peers, sizeof(*cfg->peers));

		if (!bigger)
			return fail_nomem(p);
		cfg->peers = bigger;
		memset(&cfg->peers[cfg->n_peers], 0, sizeof(cfg->peers[0]));
		cfg->peers[cfg->n_peers].endpoint.sa.sa_family = AF_UNSPEC;
		cfg->peers[cfg->n_peers].line = p->line;
		cfg->n_peers++;
		p->section = SEC_PEER;
		p->peer_has_public_key = false;
		return 0;
	}
	return fail(p, "unknown section [%s]", show(val, name));
}

static int parse_line(struct parser *p, struct span line)
{
	const char *hash = memchr(line.s, '#', line.n), *eq;
	struct span key, v;
	char val[48];

	if (memchr(line.s, '\0', line.n))
		return fail(p, "NUL byte in line");
	if (hash)
		line.n = (size_t)(hash - line.s);
	line = trim(line);
	if (!line.n)
		return 0;
	if (line.s[0] == '[')
		return section_header(p, line);
	eq = memchr(line.s, '=', line.n);
	if (!eq)
		return fail(p, "expected 'Key = Value', got '%s'", show(val, line));
	key = trim((struct span){ line.s, (size_t)(eq - line.s) });
	v = trim((struct span){ eq + 1, (size_t)(line.s + line.n - eq - 1) });
	if (!key.n)
		return fail(p, "missing key before '='");
	switch (p->section) {
	case SEC_INTERFACE:
		return interface_key(p, key, v);
	case SEC_PEER:
		return peer_key(p, key, v);
	default:
		return fail(p, "'%s' outside a section ([Interface] or [Peer])",
			    show(val, key));
	}
}

static void release(struct tn_wg_config *cfg)
{
	tn_crypto_wipe(cfg->private_key, sizeof(cfg->private_key));
	for (size_t i = 0; i < cfg->n_peers; i++) {
		tn_crypto_wipe(cfg->peers[i].preshared_key, TN_KEY_LEN);
		free(cfg->peers[i].allowed_ips);
	}
	free(cfg->peers);
	free(cfg->addresses);
	cfg->peers = NULL;
	cfg->addresses = NULL;
	cfg->n_peers = cfg->n_addresses = 0;
}

int tn_wg_config_parse(struct tn_wg_config *cfg, const char *buf, size_t len)
{
	struct parser p = { .cfg = cfg };
	const char *pos = buf, *end = buf + len;
	int err = 0;

	memset(cfg, 0, sizeof(*cfg));
	while (pos < end && !err) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		const char *eol = nl ? nl : end;

		p.line++;
		err = parse_line(&p, (struct span){ pos, (size_t)(eol - pos) });
		pos = nl ? nl + 1 : end;
	}
	if (!err)
		err = end_section(&p);
	if (!err && !p.interface_line) {
		p.line = p.line ? p.line : 1;
		err = fail(&p, "no [Interface] section (PrivateKey is required)");
	} else if (!err && !p.has_private_key) {
		p.line = p.interface_line;
		err = fail(&p, "[Interface] without PrivateKey");
	}
	if (err)
		release(cfg);
	return err;
}

int tn_wg_config_load(struct tn_wg_config *cfg, const char *path)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, err;

	memset(cfg, 0, sizeof(*cfg));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > TN_WG_CONFIG_MAX_FILE) {
		err = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		goto fail;
	}
	/* Read until EOF, in case the file changes size underneath. */
	for (;;) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > (size_t)st.st_size) {
			err = -EFBIG;
			goto fail;
		}
	}
	close(fd);
	err = tn_wg_config_parse(cfg, buf, got);
	tn_crypto_wipe(buf, got);
	free(buf);
	if (!err && (st.st_mode & S_IROTH)) {
		size_t used = strlen(cfg->warnings);

		cfg->n_warnings++;
		snprintf(cfg->warnings + used, sizeof(cfg->warnings) - used,
			 "%s is readable by other users; it holds a private key\n", path);
	}
	return err;
fail:
	if (buf) {
		tn_crypto_wipe(buf, got);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	snprintf(cfg->error, sizeof(cfg->error), "%s: %s", path, strerror(-err));
	return err;
}

void tn_wg_config_free(struct tn_wg_config *cfg)
{
	release(cfg);
	memset(cfg, 0, sizeof(*cfg));
}

#include "netstack/names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Longest DNS name we keep (RFC 1035: 253 characters without the dot). */
#define NAME_MAX_LEN 253

struct builder {
	struct tn_ns_name *v;
	size_t n, cap;
	int err;
};

/* name[0..len) lowercased, without one trailing dot, as a new string. */
static char *canon(const char *name, size_t len)
{
	char *s;

	if (len && name[len - 1] == '.')
		len--;
	if (!len || len > NAME_MAX_LEN || !(s = malloc(len + 1)))
		return NULL;
	for (size_t i = 0; i < len; i++)
		s[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
	s[len] = '\0';
	return s;
}

static void add(struct builder *b, const char *name, size_t len, int family, const uint8_t *addr)
{
	struct tn_ns_name *e;
	char *key;

	if (b->err || !(key = canon(name, len)))
		return;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;

		if (!(e = realloc(b->v, cap * sizeof(*e)))) {
			free(key);
			b->err = -ENOMEM;
			return;
		}
		b->v = e;
		b->cap = cap;
	}
	e = &b->v[b->n++];
	e->name = key;
	e->family = family;
	memset(e->addr, 0, sizeof(e->addr));
	memcpy(e->addr, addr, family == AF_INET ? 4 : 16);
}

/* The name and, when it ends in "." + suffix, the part before that. */
static void add_with_short(struct builder *b, const char *name, const char *suffix, int family,
			   const uint8_t *addr)
{
	size_t len = strlen(name), slen = strlen(suffix);

	if (len && name[len - 1] == '.')
		len--;
	add(b, name, len, family, addr);
	if (slen && len > slen + 1 && name[len - slen - 1] == '.' &&
	    !strncasecmp(name + len - slen, suffix, slen))
		add(b, name, len - slen - 1, family, addr);
}

static int cmp_name(const void *a, const void *b)
{
	const struct tn_ns_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	/* Equal names keep their insertion order (the later one wins). */
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

int tn_ns_names_build(struct tn_ns_names *out, const struct tn_netmap *nm)
{
	struct builder b = { 0 };
	const struct tn_tailcfg_node *self = nm->self;
	char suffix[NAME_MAX_LEN + 1] = "";
	bool have4 = false;
	size_t w = 0;

	if (self && self->name && self->name[0]) {
		const char *dot = strchr(self->name, '.');
		size_t len;

		if (dot) {
			len = strlen(dot + 1);
			if (len && dot[len] == '.')
				len--;
			if (len < sizeof(suffix)) {
				memcpy(suffix, dot + 1, len);
				suffix[len] = '\0';
			}
		}
		for (size_t i = 0; i < self->n_addresses; i++)
			if (self->addresses[i].family == AF_INET)
				have4 = true;
		if (self->n_addresses)
			add_with_short(&b, self->name, suffix, self->addresses[0].family,
				       self->addresses[0].addr);
	}
	for (size_t j = 0; j < nm->n_peers; j++) {
		const struct tn_tailcfg_node *p = nm->peers[j];

		if (!p->name || !p->name[0])
			continue;
		for (size_t i = 0; i < p->n_addresses; i++) {
			if (p->addresses[i].family == AF_INET && !have4)
				continue;
			add_with_short(&b, p->name, suffix, p->addresses[i].family,
				       p->addresses[i].addr);
			break;
		}
	}
	for (size_t i = 0; nm->dns && i < nm->dns->n_extra_records; i++) {
		const struct tn_tailcfg_dns_record *r = &nm->dns->extra_records[i];
		uint8_t addr[16];

		if (r->type && r->type[0])
			continue;
		if (inet_pton(AF_INET, r->value, addr) == 1)
			add(&b, r->name, strlen(r->name), AF_INET, addr);
		else if (inet_pton(AF_INET6, r->value, addr) == 1)
			add(&b, r->name, strlen(r->name), AF_INET6, addr);
	}
	if (b.err) {
		out->v = b.v;
		out->n = b.n;
		tn_ns_names_free(out);
		return b.err;
	}
	if (b.n)
		qsort(b.v, b.n, sizeof(*b.v), cmp_name);
	/* Keep the last of each run of equal names. */
	for (size_t i = 0; i < b.n; i++) {
		if (i + 1 < b.n && !strcmp(b.v[i].name, b.v[i + 1].name)) {
			free(b.v[i].name);
			continue;
		}
		b.v[w++] = b.v[i];
	}
	out->v = b.v;
	out->n = w;
	return 0;
}

static int cmp_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tn_ns_name *)elem)->name);
}

bool tn_ns_names_lookup(const struct tn_ns_names *t, const char *name, int *family,
			uint8_t addr[16])
{
	const struct tn_ns_name *e;
	char *key;

	if (!t->n || !(key = canon(name, strlen(name))))
		return false;
	e = bsearch(key, t->v, t->n, sizeof(*t->v), cmp_key);
	free(key);
	if (!e)
		return false;
	*family = e->family;
	memcpy(addr, e->addr, 16);
	return true;
}

void tn_ns_names_free(struct tn_ns_names *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

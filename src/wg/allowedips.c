#include "wg/allowedips.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Prefixes are kept as two host-order 64-bit words, most significant bit
 * first: an IPv4 address sits in the top 32 bits of w[0]. */
struct tn_wg_aip_node {
	struct tn_wg_aip_node *child[2];
	void *peer;                      /* NULL for a glue node */
	uint64_t key[2];                 /* bits past cidr are zero */
	uint8_t cidr;
	uint8_t bits;                    /* 32 or 128: which trie */
	struct tn_wg_aip_node *parent;
	struct tn_wg_aip_node *prev, *next; /* the peer's list */
};

struct tn_wg_aip_peer {
	const void *peer;                /* NULL: free slot */
	struct tn_wg_aip_node *head, *tail;
	size_t count;
};

#define PEERS_MIN_CAP 16

static int family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

static uint64_t load_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void key_from_addr(uint64_t key[2], const uint8_t *addr, int bits)
{
	if (bits == 32) {
		key[0] = (uint64_t)addr[0] << 56 | (uint64_t)addr[1] << 48 |
			 (uint64_t)addr[2] << 40 | (uint64_t)addr[3] << 32;
		key[1] = 0;
	} else {
		key[0] = load_be64(addr);
		key[1] = load_be64(addr + 8);
	}
}

static void key_to_addr(uint8_t *addr, const uint64_t key[2], int bits)
{
	uint8_t tmp[16];

	store_be64(tmp, key[0]);
	store_be64(tmp + 8, key[1]);
	memcpy(addr, tmp, (size_t)bits / 8);
}

/* Clears the bits of key past cidr. */
static void key_mask(uint64_t key[2], unsigned cidr)
{
	if (cidr < 64) {
		key[0] &= cidr ? ~UINT64_C(0) << (64 - cidr) : 0;
		key[1] = 0;
	} else if (cidr < 128) {
		key[1] &= cidr > 64 ? ~UINT64_C(0) << (128 - cidr) : 0;
	}
}

/* Length of the common prefix of a and b, 0..128. */
static unsigned common_bits(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t x = a[0] ^ b[0];

	if (x)
		return (unsigned)__builtin_clzll(x);
	x = a[1] ^ b[1];
	return x ? 64 + (unsigned)__builtin_clzll(x) : 128;
}

/* The bit of key right after a prefix of length cidr (< 128). */
static unsigned choose(unsigned cidr, const uint64_t key[2])
{
	return (unsigned)(key[cidr >> 6] >> (63 - (cidr & 63))) & 1;
}

static bool node_matches(const struct tn_wg_aip_node *n, const uint64_t key[2])
{
	return common_bits(n->key, key) >= n->cidr;
}

static struct tn_wg_aip_node **root_of(struct tn_wg_allowedips *t, int bits)
{
	return bits == 32 ? &t->root4 : &t->root6;
}

/* Puts new in old's place under parent (or at the root). */
static void replace_child(struct tn_wg_aip_node **root,
			  struct tn_wg_aip_node *parent,
			  struct tn_wg_aip_node *old, struct tn_wg_aip_node *new)
{
	if (!parent)
		*root = new;
	else
		parent->child[parent->child[1] == old] = new;
	if (new)
		new->parent = parent;
}

/* ---- peer -> prefixes side table ---------------------------------------- */

static size_t hash_ptr(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return (size_t)x;
}

static struct tn_wg_aip_peer *peers_find(const struct tn_wg_allowedips *t,
					 const void *peer)
{
	size_t mask = t->peers_cap - 1, i;

	if (!t->peers_cap)
		return NULL;
	for (i = hash_ptr(peer) & mask; t->peers[i].peer; i = (i + 1) & mask)
		if (t->peers[i].peer == peer)
			return &t->peers[i];
	return NULL;
}

static void peers_place(struct tn_wg_aip_peer *slots, size_t cap,
			const struct tn_wg_aip_peer *e)
{
	size_t i = hash_ptr(e->peer) & (cap - 1);

	while (slots[i].peer)
		i = (i + 1) & (cap - 1);
	slots[i] = *e;
}

/* Makes room for one more peer (load factor at most 1/2). */
static int peers_reserve(struct tn_wg_allowedips *t)
{
	struct tn_wg_aip_peer *slots;
	size_t cap;

	if ((t->peers_len + 1) * 2 <= t->peers_cap)
		return 0;
	cap = t->peers_cap ? t->peers_cap * 2 : PEERS_MIN_CAP;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->peers_cap; i++)
		if (t->peers[i].peer)
			peers_place(slots, cap, &t->peers[i]);
	free(t->peers);
	t->peers = slots;
	t->peers_cap = cap;
	return 0;
}

/* Linear-probing delete: shift later members of the cluster back so that
 * lookups never stop early at the hole. */
static void peers_delete(struct tn_wg_allowedips *t, struct tn_wg_aip_peer *e)
{
	size_t mask = t->peers_cap - 1, hole = (size_t)(e - t->peers), j = hole;

	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!t->peers[j].peer)
			break;
		home = hash_ptr(t->peers[j].peer) & mask;
		/* Stay if home lies cyclically in (hole, j]. */
		if (hole < j ? home > hole && home <= j : home > hole || home <= j)
			continue;
		t->peers[hole] = t->peers[j];
		hole = j;
	}
	memset(&t->peers[hole], 0, sizeof(t->peers[hole]));
	t->peers_len--;
}

/* Appends n to peer's list; a slot must have been reserved if peer is
 * new to the table. */
static void list_append(struct tn_wg_allowedips *t, struct tn_wg_aip_node *n,
			void *peer)
{
	struct tn_wg_aip_peer *e = peers_find(t, peer);

	if (!e) {
		struct tn_wg_aip_peer fresh = { .peer = peer };

		peers_place(t->peers, t->peers_cap, &fresh);
		t->peers_len++;
		e = peers_find(t, peer);
	}
	n->peer = peer;
	n->prev = e->tail;
	n->next = NULL;
	if (e->tail)
		e->tail->next = n;
	else
		e->head = n;
	e->tail = n;
	e->count++;
}

static void list_unlink(struct tn_wg_allowedips *t, struct tn_wg_aip_node *n)
{
	struct tn_wg_aip_peer *e = peers_find(t, n->peer);

	if (n->prev)
		n->prev->next = n->next;
	else
		e->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		e->tail = n->prev;
	n->prev = n->next = NULL;
	n->peer = NULL;
	if (--e->count == 0)
		peers_delete(t, e);
}

/* ---- the trie ------------------------------------------------------------ */

static struct tn_wg_aip_node *node_new(const uint64_t key[2], unsigned cidr,
				       int bits)
{
	struct tn_wg_aip_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->key[0] = key[0];
	n->key[1] = key[1];
	key_mask(n->key, cidr);
	n->cidr = (uint8_t)cidr;
	n->bits = (uint8_t)bits;
	return n;
}

static void free_subtree(struct tn_wg_aip_node *n)
{
	/* Depth is at most 129: every child has a longer prefix. */
	if (!n)
		return;
	free_subtree(n->child[0]);
	free_subtree(n->child[1]);
	free(n);
}

void tn_wg_allowedips_init(struct tn_wg_allowedips *t)
{
	memset(t, 0, sizeof(*t));
}

void tn_wg_allowedips_free(struct tn_wg_allowedips *t)
{
	free_subtree(t->root4);
	free_subtree(t->root6);
	free(t->peers);
	tn_wg_allowedips_init(t);
}

/* The node holding exactly key/cidr (peer or glue), or NULL. */
static struct tn_wg_aip_node *find_exact(struct tn_wg_aip_node *n,
					 const uint64_t key[2], unsigned cidr)
{
	while (n && n->cidr <= cidr && node_matches(n, key)) {
		if (n->cidr == cidr)
			return n;
		n = n->child[choose(n->cidr, key)];
	}
	return NULL;
}

int tn_wg_allowedips_insert(struct tn_wg_allowedips *t, int family,
			    const uint8_t *addr, uint8_t cidr, void *peer)
{
	int bits = family_bits(family);
	struct tn_wg_aip_node **root, *n, *parent = NULL, *fresh, *glue = NULL;
	uint64_t key[2];
	unsigned cb;

	if (!bits || cidr > bits || !peer || !addr)
		return -EINVAL;
	key_from_addr(key, addr, bits);
	key_mask(key, cidr);
	root = root_of(t, bits);

	/* Descend while the nodes are prefixes of the new one. */
	for (n = *root; n && n->cidr <= cidr && node_matches(n, key);
	     n = n->child[choose(n->cidr, key)]) {
		if (n->cidr == cidr) {
			if (n->peer == peer)
				return 0;
			if (!peers_find(t, peer) && peers_reserve(t))
				return -ENOMEM;
			if (n->peer)
				list_unlink(t, n);
			list_append(t, n, peer);
			return 0;
		}
		parent = n;
	}

	/* The new node goes between parent and n. */
	fresh = node_new(key, cidr, bits);
	if (!fresh)
		return -ENOMEM;
	cb = n ? common_bits(n->key, key) : 0;
	if (n && cb < cidr) {
		/* n and the new prefix diverge at bit cb (< both lengths):
		 * they hang under a glue node for their common prefix. */
		glue = node_new(key, cb, bits);
		if (!glue) {
			free(fresh);
			return -ENOMEM;
		}
	}
	if (!peers_find(t, peer) && peers_reserve(t)) {
		free(glue);
		free(fresh);
		return -ENOMEM;
	}
	list_append(t, fresh, peer);

	if (!n) {
		if (parent)
			parent->child[choose(parent->cidr, key)] = fresh;
		else
			*root = fresh;
		fresh->parent = parent;
	} else if (!glue) {
		/* The new prefix contains n: n becomes its child. */
		replace_child(root, parent, n, fresh);
		fresh->child[choose(cidr, n->key)] = n;
		n->parent = fresh;
	} else {
		replace_child(root, parent, n, glue);
		glue->child[choose(cb, key)] = fresh;
		glue->child[choose(cb, n->key)] = n;
		fresh->parent = n->parent = glue;
	}
	return 0;
}

/* Unmaps n and prunes the trie: a node without a peer stays only while it
 * has two children. */
static void remove_node(struct tn_wg_allowedips *t, struct tn_wg_aip_node *n)
{
	struct tn_wg_aip_node **root = root_of(t, n->bits), *parent, *child;

	list_unlink(t, n);
	if (n->child[0] && n->child[1])
		return; /* it becomes a glue node */
	child = n->child[0] ? n->child[0] : n->child[1];
	parent = n->parent;
	replace_child(root, parent, n, child);
	free(n);
	/* A glue parent that lost a leaf has one child left: bypass it. */
	if (!child && parent && !parent->peer) {
		struct tn_wg_aip_node *other =
			parent->child[0] ? parent->child[0] : parent->child[1];

		replace_child(root, parent->parent, parent, other);
		free(parent);
	}
}

int tn_wg_allowedips_remove(struct tn_wg_allowedips *t, int family,
			    const uint8_t *addr, uint8_t cidr, const void *peer)
{
	int bits = family_bits(family);
	struct tn_wg_aip_node *n;
	uint64_t key[2];

	if (!bits || cidr > bits || !addr)
		return -EINVAL;
	key_from_addr(key, addr, bits);
	key_mask(key, cidr);
	n = find_exact(*root_of(t, bits), key, cidr);
	if (!n || !n->peer || (peer && n->peer != peer))
		return -ENOENT;
	remove_node(t, n);
	return 0;
}

void tn_wg_allowedips_remove_by_peer(struct tn_wg_allowedips *t,
				     const void *peer)
{
	struct tn_wg_aip_peer *e;

	/* The entry disappears with the peer's last prefix. */
	while (peer && (e = peers_find(t, peer)))
		remove_node(t, e->head);
}

void *tn_wg_allowedips_lookup(const struct tn_wg_allowedips *t, int family,
			      const uint8_t *addr)
{
	int bits = family_bits(family);
	const struct tn_wg_aip_node *n;
	void *found = NULL;
	uint64_t key[2];

	if (!bits)
		return NULL;
	key_from_addr(key, addr, bits);
	n = bits == 32 ? t->root4 : t->root6;
	while (n && node_matches(n, key)) {
		if (n->peer)
			found = n->peer;
		if (n->cidr == bits)
			break;
		n = n->child[choose(n->cidr, key)];
	}
	return found;
}

int tn_wg_allowedips_foreach(const struct tn_wg_allowedips *t,
			     const void *peer, tn_wg_allowedips_fn fn,
			     void *ctx)
{
	const struct tn_wg_aip_peer *e = peer ? peers_find(t, peer) : NULL;

	for (const struct tn_wg_aip_node *n = e ? e->head : NULL; n; n = n->next) {
		uint8_t addr[16];
		int r;

		key_to_addr(addr, n->key, n->bits);
		r = fn(ctx, n->bits == 32 ? AF_INET : AF_INET6, addr, n->cidr);
		if (r)
			return r;
	}
	return 0;
}

size_t tn_wg_allowedips_count(const struct tn_wg_allowedips *t,
			      const void *peer)
{
	const struct tn_wg_aip_peer *e = peer ? peers_find(t, peer) : NULL;

	return e ? e->count : 0;
}

/* MapResponse JSON applied to a netmap (src/control/netmap.c).
 *
 * The input is one or more messages separated by NUL bytes (a NUL never
 * occurs in valid JSON text), applied in order to one netmap, so a full
 * map followed by deltas exercises the merge rules; an empty message
 * starts a new map session instead (tn_netmap_session_start).  Whatever the bytes:
 * no crash, a failed apply says why and changes nothing, and after every
 * apply the peer array is sorted, unique and agrees with the ID table,
 * the effective filter is the chunks joined, and the change lists are
 * sorted without duplicates.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "control/netmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ids(const int64_t *ids, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (ids[i - 1] >= ids[i])
			__builtin_trap();
}

/* Error texts quote keys from the input: never with control characters. */
static void check_err(const char *err)
{
	for (const char *c = err; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			__builtin_trap();
}

static void check_netmap(const struct tn_netmap *nm)
{
	size_t rules = 0, k = 0;

	for (size_t i = 0; i < nm->n_peers; i++) {
		if (tn_netmap_peer(nm, nm->peers[i]->id) != nm->peers[i])
			__builtin_trap();
		if (i && nm->peers[i - 1]->id >= nm->peers[i]->id)
			__builtin_trap();
		if (nm->peers[i]->n_allowed_ips && !nm->peers[i]->allowed_ips)
			__builtin_trap();
	}
	if (nm->peer_ids.n != nm->n_peers)
		__builtin_trap();
	for (size_t i = 0; i < nm->n_filter_chunks; i++) {
		if (i && strcmp(nm->filter_chunks[i - 1].name, nm->filter_chunks[i].name) >= 0)
			__builtin_trap();
		for (size_t j = 0; j < nm->filter_chunks[i].n_rules; j++, k++)
			if (k >= nm->n_filter || nm->filter[k] != &nm->filter_chunks[i].rules[j])
				__builtin_trap();
		rules += nm->filter_chunks[i].n_rules;
	}
	if (rules != nm->n_filter)
		__builtin_trap();
	if (nm->derp_map)
		for (size_t i = 1; i < nm->derp_map->n_regions; i++)
			if (nm->derp_map->regions[i - 1].id >= nm->derp_map->regions[i].id)
				__builtin_trap();
}

/* Enough of the state to see that a failed apply left it alone. */
static size_t summary(const struct tn_netmap *nm, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%p %zu %p %p %zu %zu %s %zu %d", (void *)nm->self,
			 nm->n_peers, (void *)nm->derp_map, (void *)nm->dns,
			 nm->n_filter, tn_netmap_user_count(nm), nm->domain,
			 nm->n_filter_chunks, nm->filter_set);

	return n < 0 ? 0 : (size_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_netmap *nm = tn_netmap_new();
	const char *p = (const char *)data, *end = p + size;

	if (!nm)
		return 0;
	while (p <= end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);
		struct tn_netmap_changes c;
		char err[TN_TAILCFG_ERR_MAX], before[512], after[512];
		int rc;

		if (!len && nul) {
			tn_netmap_session_start(nm);
			p = nul + 1;
			continue;
		}
		summary(nm, before, sizeof(before));
		err[0] = '\x01';   /* must be overwritten on failure */
		rc = tn_netmap_apply(nm, p, len, &c, err, sizeof(err));
		if (rc) {
			summary(nm, after, sizeof(after));
			if (!err[0] || err[0] == '\x01' || strcmp(before, after))
				__builtin_trap();
			check_err(err);
			if (c.n_peers_added || c.n_peers_removed || c.n_peers_changed ||
			    c.self || c.has_ping)
				__builtin_trap();
		} else {
			check_ids(c.peers_added, c.n_peers_added);
			check_ids(c.peers_removed, c.n_peers_removed);
			check_ids(c.peers_changed, c.n_peers_changed);
		}
		tn_netmap_changes_free(&c);
		check_netmap(nm);
		if (!nul)
			break;
		p = nul + 1;
	}
	tn_netmap_free(nm);
	return 0;
}

/* The destination-port index of a compiled filter family (see
 * filter_internal.h): elementary port segments listing the groups that
 * cover them, and the broad groups checked for every port. */
#include "filter/filter_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The segment holding port p: the last start <= p (start[0] is 0). */
static size_t segment_of(const struct tn_filter_portindex *ix, uint32_t p)
{
	size_t lo = 0, hi = ix->n_seg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->start[mid] <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

int tn_filter_portindex_build(struct tn_filter_portindex *ix, const struct tn_filter_group *groups,
			      size_t n)
{
	uint32_t *cuts = malloc((2 * n + 1) * sizeof(*cuts));
	size_t n_cuts = 0, total = 0;

	memset(ix, 0, sizeof(*ix));
	if (!cuts)
		return -ENOMEM;
	cuts[n_cuts++] = 0;
	for (size_t i = 0; i < n; i++) {
		cuts[n_cuts++] = groups[i].pfirst;
		if (groups[i].plast < 65535)
			cuts[n_cuts++] = (uint32_t)groups[i].plast + 1;
	}
	qsort(cuts, n_cuts, sizeof(*cuts), cmp_u32);
	ix->start = malloc(n_cuts * sizeof(*ix->start));
	ix->off = calloc(n_cuts + 1, sizeof(*ix->off));
	ix->broad = malloc((n ? n : 1) * sizeof(*ix->broad));
	ix->all_ports = malloc((n ? n : 1) * sizeof(*ix->all_ports));
	if (!ix->start || !ix->off || !ix->broad || !ix->all_ports)
		goto fail;
	for (size_t i = 0; i < n_cuts; i++)
		if (!ix->n_seg || ix->start[ix->n_seg - 1] != cuts[i])
			ix->start[ix->n_seg++] = (uint16_t)cuts[i];
	/* Count each segment's groups (off[k + 1]), then place them. */
	for (size_t i = 0; i < n; i++) {
		size_t a = segment_of(ix, groups[i].pfirst), b = segment_of(ix, groups[i].plast);

		if (groups[i].pfirst == 0 && groups[i].plast == 65535)
			ix->all_ports[ix->n_all_ports++] = (uint32_t)i;
		if (b - a + 1 > TN_FILTER_BROAD_SEGMENTS) {
			ix->broad[ix->n_broad++] = (uint32_t)i;
			continue;
		}
		for (size_t k = a; k <= b; k++)
			ix->off[k + 1]++;
		total += b - a + 1;
	}
	for (size_t k = 0; k < ix->n_seg; k++)
		ix->off[k + 1] += ix->off[k];
	if (!(ix->ids = malloc((total ? total : 1) * sizeof(*ix->ids))))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		size_t a = segment_of(ix, groups[i].pfirst), b = segment_of(ix, groups[i].plast);

		if (b - a + 1 > TN_FILTER_BROAD_SEGMENTS)
			continue;
		for (size_t k = a; k <= b; k++)
			ix->ids[ix->off[k]++] = (uint32_t)i;
	}
	/* The placing moved each off[k] to the end of segment k: shift back. */
	memmove(ix->off + 1, ix->off, ix->n_seg * sizeof(*ix->off));
	ix->off[0] = 0;
	free(cuts);
	return 0;
fail:
	free(cuts);
	tn_filter_portindex_free(ix);
	return -ENOMEM;
}

void tn_filter_portindex_free(struct tn_filter_portindex *ix)
{
	free(ix->start);
	free(ix->off);
	free(ix->ids);
	free(ix->broad);
	free(ix->all_ports);
	memset(ix, 0, sizeof(*ix));
}

/* DERP connections per region: opened on demand, the home region kept
 * and marked preferred, the others closed when idle; the DERP map and the
 * home region before and after netcheck. */
#include <stdlib.h>
#include <string.h>

#include "magicsock/internal.h"
#include "magicsock/netcheck.h"
#include "util/clock.h"
#include "util/log.h"

static void on_derp_state(void *arg, bool connected, const char *err)
{
	struct region_conn *rc = arg;

	if (connected)
		tn_log_info("magicsock", "DERP region %d connected", rc->region);
	else
		tn_log_info("magicsock", "DERP region %d: %s", rc->region, err ? err : "disconnected");
}

static const struct tn_derp_callbacks derp_cbs = { .on_packet = tn_ms_on_derp_packet,
						   .on_state = on_derp_state };

const struct tn_tailcfg_derp_region *tn_ms_find_region(const struct tn_magicsock *ms, int id)
{
	for (size_t i = 0; ms->dm && i < ms->dm->n_regions; i++)
		if (ms->dm->regions[i].id == id)
			return &ms->dm->regions[i];
	return NULL;
}

struct region_conn *tn_ms_region_conn(struct tn_magicsock *ms, int region)
{
	const struct tn_tailcfg_derp_region *r;
	struct region_conn *rc, **n;

	for (size_t i = 0; i < ms->n_conns; i++)
		if (ms->conns[i]->region == region) {
			ms->conns[i]->last_used = tn_clock_now();
			return ms->conns[i];
		}
	if (!(r = tn_ms_find_region(ms, region)))
		return NULL;
	if (!(n = realloc(ms->conns, (ms->n_conns + 1) * sizeof(*n))))
		return NULL;
	ms->conns = n;
	if (!(rc = calloc(1, sizeof(*rc))))
		return NULL;
	rc->region = region;
	rc->ms = ms;
	rc->last_used = tn_clock_now();
	rc->client = tn_derp_client_new(ms->loop, ms->node_priv, r, &derp_cbs, rc);
	if (!rc->client) {
		free(rc);
		return NULL;
	}
	tn_derp_client_note_preferred(rc->client, region == ms->home);
	ms->conns[ms->n_conns++] = rc;
	return rc;
}

/* Connections to other regions (peers' homes) close after a minute
 * without traffic, as Go's derpInactiveCleanupTime; home stays. */
void tn_ms_close_idle_regions(struct tn_timer *t, void *arg)
{
	struct tn_magicsock *ms = arg;
	uint64_t now = tn_clock_now();

	for (size_t i = 0; i < ms->n_conns;) {
		struct region_conn *rc = ms->conns[i];

		if (rc->region != ms->home && now - rc->last_used > TN_MAGICSOCK_REGION_IDLE_NS) {
			tn_log_info("magicsock", "DERP region %d idle: closing", rc->region);
			tn_derp_client_free(rc->client);
			free(rc);
			ms->conns[i] = ms->conns[--ms->n_conns];
			continue;
		}
		i++;
	}
}

void tn_ms_set_home(struct tn_magicsock *ms, int home)
{
	struct region_conn *rc;

	if (home == ms->home)
		return;
	for (size_t i = 0; i < ms->n_conns; i++)
		tn_derp_client_note_preferred(ms->conns[i]->client, ms->conns[i]->region == home);
	ms->home = home;
	/* Peers reach us through our home region: be there. */
	if (home && (rc = tn_ms_region_conn(ms, home)))
		tn_derp_client_note_preferred(rc->client, true);
	tn_log_info("magicsock", "home DERP region %d", home);
}

int tn_magicsock_set_derp_map(struct tn_magicsock *ms, const struct tn_tailcfg_derp_map *dm)
{
	int home = 0;
	bool keep = false;

	ms->dm = dm;
	/* Close connections to regions that left the map. */
	for (size_t i = 0; i < ms->n_conns;) {
		if (!tn_ms_find_region(ms, ms->conns[i]->region)) {
			tn_derp_client_free(ms->conns[i]->client);
			free(ms->conns[i]);
			ms->conns[i] = ms->conns[--ms->n_conns];
			continue;
		}
		i++;
	}
	/* Until netcheck has measured: the current home if it is still
	 * eligible, else the lowest-numbered region with a DERP server. */
	for (size_t i = 0; dm && i < dm->n_regions; i++) {
		const struct tn_tailcfg_derp_region *r = &dm->regions[i];
		bool has_derp = false;

		for (size_t j = 0; j < r->n_nodes; j++)
			has_derp |= !r->nodes[j].stun_only;
		if (!has_derp || r->avoid || r->no_measure_no_home)
			continue;
		keep |= r->id == ms->home;
		if (!home || r->id < home)
			home = r->id;
	}
	tn_ms_set_home(ms, keep ? ms->home : home);
	tn_netcheck_set_map(ms->netcheck, dm, ms->home);
	return ms->home;
}

int tn_magicsock_home_derp(const struct tn_magicsock *ms)
{
	return ms->home;
}

const char *tn_magicsock_region_code(const struct tn_magicsock *ms, int id)
{
	const struct tn_tailcfg_derp_region *r = tn_ms_find_region(ms, id);

	return r && r->code ? r->code : "";
}

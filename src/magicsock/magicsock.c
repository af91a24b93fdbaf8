#include "magicsock/magicsock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "derp/client.h"
#include "util/log.h"

/* Disco packets start with this magic, then the sender's disco key
 * (protocol.md §7.1): never WireGuard, whose first byte is 1-4. */
static const uint8_t disco_magic[6] = { 'T', 'S', 0xf0, 0x9f, 0x92, 0xac };

struct region_conn {
	int region;
	struct tn_derp_client *client;
	struct tn_magicsock *ms;
};

struct ms_peer {
	int home_derp;
};

struct tn_magicsock {
	struct tn_loop *loop;
	uint8_t node_priv[32];
	struct tn_wg_device *dev;
	const struct tn_tailcfg_derp_map *dm;   /* borrowed from the netmap */
	int home;
	struct region_conn **conns;
	size_t n_conns;
	struct tn_magicsock_stats stats;
};

static void on_derp_packet(void *arg, const uint8_t src[32], uint8_t *pkt, size_t len)
{
	struct region_conn *rc = arg;
	struct tn_magicsock *ms = rc->ms;

	ms->stats.derp_received++;
	if (len >= sizeof(disco_magic) && !memcmp(pkt, disco_magic, sizeof(disco_magic))) {
		ms->stats.disco_ignored++;
		return;
	}
	if (ms->dev)
		tn_wg_device_receive(ms->dev, pkt, len, NULL);
}

static void on_derp_state(void *arg, bool connected, const char *err)
{
	struct region_conn *rc = arg;

	if (connected)
		tn_log_info("magicsock", "DERP region %d connected", rc->region);
	else
		tn_log_info("magicsock", "DERP region %d: %s", rc->region, err ? err : "disconnected");
}

static const struct tn_derp_callbacks derp_cbs = { .on_packet = on_derp_packet,
						   .on_state = on_derp_state };

static const struct tn_tailcfg_derp_region *find_region(const struct tn_magicsock *ms, int id)
{
	for (size_t i = 0; ms->dm && i < ms->dm->n_regions; i++)
		if (ms->dm->regions[i].id == id)
			return &ms->dm->regions[i];
	return NULL;
}

static struct region_conn *region_conn(struct tn_magicsock *ms, int region)
{
	const struct tn_tailcfg_derp_region *r;
	struct region_conn *rc, **n;

	for (size_t i = 0; i < ms->n_conns; i++)
		if (ms->conns[i]->region == region)
			return ms->conns[i];
	if (!(r = find_region(ms, region)))
		return NULL;
	if (!(n = realloc(ms->conns, (ms->n_conns + 1) * sizeof(*n))))
		return NULL;
	ms->conns = n;
	if (!(rc = calloc(1, sizeof(*rc))))
		return NULL;
	rc->region = region;
	rc->ms = ms;
	rc->client = tn_derp_client_new(ms->loop, ms->node_priv, r, &derp_cbs, rc);
	if (!rc->client) {
		free(rc);
		return NULL;
	}
	tn_derp_client_note_preferred(rc->client, region == ms->home);
	ms->conns[ms->n_conns++] = rc;
	return rc;
}

static int path_send(void *ctx, struct tn_wg_peer *peer, const uint8_t *buf, size_t len)
{
	struct tn_magicsock *ms = ctx;
	struct ms_peer *mp = tn_wg_peer_path_data(peer);
	struct region_conn *rc;
	int r;

	if (!mp || !mp->home_derp || !(rc = region_conn(ms, mp->home_derp))) {
		ms->stats.no_path++;
		return -EHOSTUNREACH;
	}
	r = tn_derp_client_send(rc->client, tn_wg_peer_public_key(peer), buf, len);
	if (r < 0)
		ms->stats.derp_send_drops++;
	else
		ms->stats.derp_sent++;
	return r;
}

/* Cookie replies go back the way the message came; over DERP that needs
 * the sender's key, which the device does not pass: drop them (a relayed
 * handshake is not load-shed, see the device). */
static int path_reply(void *ctx, const struct tn_wg_endpoint *to, const uint8_t *buf, size_t len)
{
	return -EDESTADDRREQ;
}

const struct tn_wg_path_ops tn_magicsock_path_ops = { .send = path_send, .reply = path_reply };

struct tn_magicsock *tn_magicsock_new(struct tn_loop *loop, const uint8_t node_priv[32])
{
	struct tn_magicsock *ms = calloc(1, sizeof(*ms));

	if (!ms)
		return NULL;
	ms->loop = loop;
	memcpy(ms->node_priv, node_priv, 32);
	return ms;
}

void tn_magicsock_free(struct tn_magicsock *ms)
{
	if (!ms)
		return;
	for (size_t i = 0; i < ms->n_conns; i++) {
		tn_derp_client_free(ms->conns[i]->client);
		free(ms->conns[i]);
	}
	free(ms->conns);
	tn_crypto_wipe(ms->node_priv, sizeof(ms->node_priv));
	free(ms);
}

void tn_magicsock_set_device(struct tn_magicsock *ms, struct tn_wg_device *dev)
{
	ms->dev = dev;
}

int tn_magicsock_set_derp_map(struct tn_magicsock *ms, const struct tn_tailcfg_derp_map *dm)
{
	int home = 0;

	ms->dm = dm;
	/* Close connections to regions that left the map. */
	for (size_t i = 0; i < ms->n_conns;) {
		if (!find_region(ms, ms->conns[i]->region)) {
			tn_derp_client_free(ms->conns[i]->client);
			free(ms->conns[i]);
			ms->conns[i] = ms->conns[--ms->n_conns];
			continue;
		}
		i++;
	}
	for (size_t i = 0; dm && i < dm->n_regions; i++) {
		const struct tn_tailcfg_derp_region *r = &dm->regions[i];
		bool has_derp = false;

		for (size_t j = 0; j < r->n_nodes; j++)
			has_derp |= !r->nodes[j].stun_only;
		if (has_derp && !r->avoid && !r->no_measure_no_home && (!home || r->id < home))
			home = r->id;
	}
	if (home != ms->home) {
		struct region_conn *rc;

		for (size_t i = 0; i < ms->n_conns; i++)
			tn_derp_client_note_preferred(ms->conns[i]->client, ms->conns[i]->region == home);
		ms->home = home;
		/* Peers reach us through our home region: be there. */
		if (home && (rc = region_conn(ms, home)))
			tn_derp_client_note_preferred(rc->client, true);
		tn_log_info("magicsock", "home DERP region %d", home);
	}
	return home;
}

int tn_magicsock_home_derp(const struct tn_magicsock *ms)
{
	return ms->home;
}

int tn_magicsock_set_peer(struct tn_magicsock *ms, struct tn_wg_peer *peer, int home_derp)
{
	struct ms_peer *mp = tn_wg_peer_path_data(peer);

	if (!mp) {
		if (!(mp = calloc(1, sizeof(*mp))))
			return -ENOMEM;
		tn_wg_peer_set_path_data(peer, mp);
	}
	mp->home_derp = home_derp;
	return 0;
}

void tn_magicsock_forget_peer(struct tn_magicsock *ms, struct tn_wg_peer *peer)
{
	free(tn_wg_peer_path_data(peer));
	tn_wg_peer_set_path_data(peer, NULL);
}

const struct tn_magicsock_stats *tn_magicsock_stats(const struct tn_magicsock *ms)
{
	return &ms->stats;
}

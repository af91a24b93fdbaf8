/* User pings (tnet ping, LocalAPI /ping type disco): one disco ping on
 * every path to the peer, the first pong answers. */
#include <errno.h>
#include <string.h>

#include "magicsock/internal.h"
#include "util/clock.h"

/* A pong with txid from peer: the user ping that sent it has its answer. */
void tn_ms_answer_user_ping(struct tn_magicsock *ms, struct tn_wg_peer *peer, const uint8_t txid[12],
			     const struct tn_wg_endpoint *udp_src, int region)
{
	for (size_t i = 0; i < TN_MAGICSOCK_USER_PINGS_MAX; i++) {
		struct user_ping *up = &ms->user_pings[i];

		if (!up->handle || up->peer != peer)
			continue;
		for (size_t k = 0; k < up->n_txids; k++) {
			struct tn_magicsock_pong pong = { 0 };
			tn_magicsock_ping_fn fn = up->fn;
			void *arg = up->arg;

			if (memcmp(up->txids[k], txid, 12))
				continue;
			pong.latency_ns = tn_clock_now() - up->start;
			if (udp_src) {
				pong.direct = true;
				tn_ms_addrport_from_sockaddr(&pong.endpoint, &udp_src->addr);
			} else {
				pong.derp_region = region;
			}
			memset(up, 0, sizeof(*up));
			fn(arg, &pong);
			return;
		}
	}
}

int tn_magicsock_ping(struct tn_magicsock *ms, struct tn_wg_peer *peer, tn_magicsock_ping_fn fn,
		      void *arg)
{
	struct ms_peer *mp = tn_wg_peer_path_data(peer);
	struct user_ping *up = NULL;
	struct region_conn *rc;
	uint8_t out[256];
	int n;

	if (!mp || !mp->has_disco)
		return -ENOKEY;
	for (size_t i = 0; i < TN_MAGICSOCK_USER_PINGS_MAX && !up; i++)
		if (!ms->user_pings[i].handle)
			up = &ms->user_pings[i];
	if (!up)
		return -EBUSY;
	memset(up, 0, sizeof(*up));
	if (++ms->next_handle <= 0)
		ms->next_handle = 1;
	up->handle = ms->next_handle;
	up->peer = peer;
	up->fn = fn;
	up->arg = arg;
	up->start = tn_clock_now();
	for (size_t i = 0; i < mp->n_endpoints && up->n_txids < PEER_ENDPOINTS_MAX; i++) {
		const uint8_t *txid = tn_ms_send_ping(ms, mp, &mp->endpoints[i]);

		if (txid)
			memcpy(up->txids[up->n_txids++], txid, 12);
	}
	rc = mp->home_derp ? tn_ms_region_conn(ms, mp->home_derp) : NULL;
	if (rc && (n = tn_ms_seal_ping(ms, mp, out, sizeof(out), up->txids[up->n_txids])) > 0) {
		up->n_txids++;
		if (tn_derp_client_send(rc->client, tn_wg_peer_public_key(peer), out, (size_t)n) == 0)
			ms->stats.disco_pings_sent++;
	}
	return up->handle;
}

void tn_magicsock_ping_cancel(struct tn_magicsock *ms, int handle)
{
	for (size_t i = 0; handle > 0 && i < TN_MAGICSOCK_USER_PINGS_MAX; i++)
		if (ms->user_pings[i].handle == handle)
			memset(&ms->user_pings[i], 0, sizeof(ms->user_pings[i]));
}

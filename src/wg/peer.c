/* A peer's keypairs (current / previous / next, rotated as the Linux
 * module's noise.c does) and its queue of packets staged while a handshake
 * is under way. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "util/clock.h"
#include "wg/peer.h"
#include "wg/timers.h"

void tn_wg_keypair_free(struct tn_wg_keypair *kp)
{
	if (!kp)
		return;
	if (kp->peer)
		tn_wg_index_del(kp->peer->dev, kp->local_index);
	tn_aead_free(kp->send);
	tn_aead_free(kp->recv);
	tn_crypto_wipe(kp, sizeof(*kp));
	free(kp);
}

void tn_wg_peer_clear_keypairs(struct tn_wg_peer *peer)
{
	tn_wg_keypair_free(peer->current);
	tn_wg_keypair_free(peer->previous);
	tn_wg_keypair_free(peer->next);
	peer->current = peer->previous = peer->next = NULL;
}

int tn_wg_peer_new_keypair(struct tn_wg_peer *peer)
{
	struct tn_wg_device *dev = peer->dev;
	uint8_t send_key[TN_WG_KEY_LEN], recv_key[TN_WG_KEY_LEN];
	uint32_t hs_index = peer->hs.local_index, remote_index = peer->hs.remote_index;
	struct tn_wg_keypair *kp = calloc(1, sizeof(*kp));
	struct tn_wg_index_entry *e;
	bool initiator;
	int r;

	if (!kp)
		return -ENOMEM;
	r = tn_wg_handshake_derive(&peer->hs, send_key, recv_key, &initiator);
	if (r == 0) {
		kp->send = tn_aead_new(send_key);
		kp->recv = tn_aead_new(recv_key);
		if (!kp->send || !kp->recv)
			r = -ENOMEM;
	}
	tn_crypto_wipe(send_key, sizeof(send_key));
	tn_crypto_wipe(recv_key, sizeof(recv_key));
	if (r < 0) {
		tn_wg_keypair_free(kp);
		return r;
	}
	kp->is_initiator = initiator;
	kp->birth = tn_clock_now();
	kp->send_valid = true;
	kp->remote_index = remote_index;
	tn_wg_replay_init(&kp->replay);
	/* The handshake's index now names the session. */
	kp->local_index = hs_index;
	kp->peer = peer;
	if ((e = tn_wg_index_find(dev, hs_index)))
		e->keypair = kp;

	if (initiator) {
		if (peer->next) {
			tn_wg_keypair_free(peer->previous);
			peer->previous = peer->next;
			peer->next = NULL;
			tn_wg_keypair_free(peer->current);
		} else {
			tn_wg_keypair_free(peer->previous);
			peer->previous = peer->current;
		}
		peer->current = kp;
	} else {
		/* The responder waits for the first data packet on it before
		 * using it to send (tn_wg_peer_confirm_keypair). */
		tn_wg_keypair_free(peer->next);
		peer->next = kp;
		tn_wg_keypair_free(peer->previous);
		peer->previous = NULL;
	}
	peer->hs.local_index = 0;
	peer->last_handshake_wall = tn_clock_realtime();
	tn_wg_timers_session_derived(peer);
	return 0;
}

void tn_wg_peer_confirm_keypair(struct tn_wg_peer *peer, struct tn_wg_keypair *kp)
{
	if (kp != peer->next)
		return;
	tn_wg_keypair_free(peer->previous);
	peer->previous = peer->current;
	peer->current = kp;
	peer->next = NULL;
}

void tn_wg_peer_stage(struct tn_wg_peer *peer, const uint8_t *pkt, size_t len)
{
	struct tn_wg_staged *s;
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy) {
		peer->dev->stats.drop_staged++;
		return;
	}
	memcpy(copy, pkt, len);
	if (peer->staged_len == TN_WG_MAX_STAGED_PACKETS) {
		/* Full: the oldest goes, as in the Linux module. */
		s = &peer->staged[peer->staged_head];
		free(s->pkt);
		peer->staged_head = (peer->staged_head + 1) % TN_WG_MAX_STAGED_PACKETS;
		peer->staged_len--;
		peer->dev->stats.drop_staged++;
	}
	s = &peer->staged[(peer->staged_head + peer->staged_len) % TN_WG_MAX_STAGED_PACKETS];
	s->pkt = copy;
	s->len = len;
	peer->staged_len++;
}

void tn_wg_peer_purge_staged(struct tn_wg_peer *peer)
{
	while (peer->staged_len) {
		free(peer->staged[peer->staged_head].pkt);
		peer->staged_head = (peer->staged_head + 1) % TN_WG_MAX_STAGED_PACKETS;
		peer->staged_len--;
		peer->dev->stats.drop_staged++;
	}
	peer->staged_head = 0;
}

/* Per-peer timers, with the events and expiries of the Linux module's
 * timers.c: retransmit a handshake until REKEY_ATTEMPT_TIME, answer data
 * with a keepalive after KEEPALIVE_TIMEOUT, start a new handshake when our
 * data goes unanswered, zero keys nobody renewed, persistent keepalive. */
#include "wg/timers.h"

#include <errno.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "event/loop.h"
#include "wg/peer.h"

static uint64_t jitter(void)
{
	uint32_t r = 0;

	tn_crypto_random(&r, sizeof(r));
	return r % TN_WG_REKEY_JITTER_MAX_NS;
}

static void arm_if_idle(struct tn_timer *t, uint64_t delay)
{
	if (!tn_timer_armed(t))
		tn_timer_arm(t, delay, 0);
}

static void expired_retransmit(struct tn_timer *t, void *arg)
{
	struct tn_wg_peer *peer = arg;

	if (peer->handshake_attempts > TN_WG_MAX_TIMER_HANDSHAKES) {
		/* Gave up: nothing will carry what is queued. */
		tn_log_debug("wg", "handshake did not complete after %u attempts, giving up",
			     peer->handshake_attempts + 1);
		tn_timer_cancel(peer->t_send_keepalive);
		tn_wg_peer_purge_staged(peer);
		arm_if_idle(peer->t_zero_keys, TN_WG_ZERO_KEYS_AFTER_NS);
		return;
	}
	peer->handshake_attempts++;
	tn_wg_send_initiation(peer, true);
}

static void expired_send_keepalive(struct tn_timer *t, void *arg)
{
	struct tn_wg_peer *peer = arg;

	tn_wg_send_keepalive(peer);
	if (peer->need_another_keepalive) {
		peer->need_another_keepalive = false;
		tn_timer_arm(t, TN_WG_KEEPALIVE_TIMEOUT_NS, 0);
	}
}

static void expired_new_handshake(struct tn_timer *t, void *arg)
{
	struct tn_wg_peer *peer = arg;

	tn_log_debug("wg", "no reply to our data for %llu s, new handshake",
		     (unsigned long long)((TN_WG_KEEPALIVE_TIMEOUT_NS + TN_WG_REKEY_TIMEOUT_NS) /
					  TN_NSEC_PER_SEC));
	tn_wg_send_initiation(peer, false);
}

static void expired_zero_keys(struct tn_timer *t, void *arg)
{
	struct tn_wg_peer *peer = arg;

	tn_wg_peer_clear_keypairs(peer);
	if (peer->hs.local_index) {
		tn_wg_index_del(peer->dev, peer->hs.local_index);
		peer->hs.local_index = 0;
	}
	tn_wg_handshake_clear(&peer->hs);
}

static void expired_persistent_keepalive(struct tn_timer *t, void *arg)
{
	struct tn_wg_peer *peer = arg;

	if (peer->persistent_keepalive_s)
		tn_wg_send_keepalive(peer);
}

int tn_wg_timers_init(struct tn_wg_peer *peer)
{
	struct tn_loop *loop = peer->dev->loop;

	peer->t_retransmit = tn_timer_new(loop, expired_retransmit, peer);
	peer->t_send_keepalive = tn_timer_new(loop, expired_send_keepalive, peer);
	peer->t_new_handshake = tn_timer_new(loop, expired_new_handshake, peer);
	peer->t_zero_keys = tn_timer_new(loop, expired_zero_keys, peer);
	peer->t_persistent_keepalive = tn_timer_new(loop, expired_persistent_keepalive, peer);
	if (!peer->t_retransmit || !peer->t_send_keepalive || !peer->t_new_handshake ||
	    !peer->t_zero_keys || !peer->t_persistent_keepalive)
		return -ENOMEM;
	return 0;
}

void tn_wg_timers_stop(struct tn_wg_peer *peer)
{
	tn_timer_cancel(peer->t_retransmit);
	tn_timer_cancel(peer->t_send_keepalive);
	tn_timer_cancel(peer->t_new_handshake);
	tn_timer_cancel(peer->t_zero_keys);
	tn_timer_cancel(peer->t_persistent_keepalive);
}

void tn_wg_timers_free(struct tn_wg_peer *peer)
{
	tn_timer_free(peer->t_retransmit);
	tn_timer_free(peer->t_send_keepalive);
	tn_timer_free(peer->t_new_handshake);
	tn_timer_free(peer->t_zero_keys);
	tn_timer_free(peer->t_persistent_keepalive);
	peer->t_retransmit = peer->t_send_keepalive = peer->t_new_handshake =
		peer->t_zero_keys = peer->t_persistent_keepalive = NULL;
}

void tn_wg_timers_data_sent(struct tn_wg_peer *peer)
{
	arm_if_idle(peer->t_new_handshake,
		    TN_WG_KEEPALIVE_TIMEOUT_NS + TN_WG_REKEY_TIMEOUT_NS + jitter());
}

void tn_wg_timers_data_received(struct tn_wg_peer *peer)
{
	if (tn_timer_armed(peer->t_send_keepalive))
		peer->need_another_keepalive = true;
	else
		tn_timer_arm(peer->t_send_keepalive, TN_WG_KEEPALIVE_TIMEOUT_NS, 0);
}

void tn_wg_timers_any_authenticated_packet_sent(struct tn_wg_peer *peer)
{
	tn_timer_cancel(peer->t_send_keepalive);
}

void tn_wg_timers_any_authenticated_packet_received(struct tn_wg_peer *peer)
{
	tn_timer_cancel(peer->t_new_handshake);
}

void tn_wg_timers_any_authenticated_packet_traversal(struct tn_wg_peer *peer)
{
	if (peer->persistent_keepalive_s)
		tn_timer_arm(peer->t_persistent_keepalive,
			     (uint64_t)peer->persistent_keepalive_s * TN_NSEC_PER_SEC, 0);
}

void tn_wg_timers_handshake_initiated(struct tn_wg_peer *peer)
{
	tn_timer_arm(peer->t_retransmit, TN_WG_REKEY_TIMEOUT_NS + jitter(), 0);
}

void tn_wg_timers_handshake_complete(struct tn_wg_peer *peer)
{
	tn_timer_cancel(peer->t_retransmit);
	peer->handshake_attempts = 0;
	peer->sent_lastminute_handshake = false;
}

void tn_wg_timers_session_derived(struct tn_wg_peer *peer)
{
	tn_timer_arm(peer->t_zero_keys, TN_WG_ZERO_KEYS_AFTER_NS, 0);
}

void tn_wg_peer_set_persistent_keepalive(struct tn_wg_peer *peer, unsigned seconds)
{
	peer->persistent_keepalive_s = seconds;
	if (!seconds)
		tn_timer_cancel(peer->t_persistent_keepalive);
	else if (peer->current)
		tn_wg_send_keepalive(peer);
}

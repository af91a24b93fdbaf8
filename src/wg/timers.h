/* WireGuard's timer constants (the WireGuard paper §6; the Linux module's
 * messages.h) and the per-peer timer events, as the Linux module's timers.c
 * has them.  Timers run on the device's event loop (tn_timer), so tests
 * drive them with the virtual clock.
 */
#ifndef TN_WG_TIMERS_H
#define TN_WG_TIMERS_H

#include <stdint.h>

#include "util/clock.h"

#define TN_WG_REKEY_AFTER_MESSAGES   (1ULL << 60)
#define TN_WG_REKEY_AFTER_TIME_NS    (120 * TN_NSEC_PER_SEC)
#define TN_WG_REJECT_AFTER_TIME_NS   (180 * TN_NSEC_PER_SEC)
#define TN_WG_REKEY_ATTEMPT_TIME_NS  (90 * TN_NSEC_PER_SEC)
#define TN_WG_REKEY_TIMEOUT_NS       (5 * TN_NSEC_PER_SEC)
#define TN_WG_KEEPALIVE_TIMEOUT_NS   (10 * TN_NSEC_PER_SEC)
/* REKEY_ATTEMPT_TIME / REKEY_TIMEOUT.  As in the Linux module, retries go
 * on until the attempt counter exceeds it: 19 retries, ~95 s in all. */
#define TN_WG_MAX_TIMER_HANDSHAKES   (TN_WG_REKEY_ATTEMPT_TIME_NS / TN_WG_REKEY_TIMEOUT_NS)
/* Random extra delay on handshake timers, so peers do not move in step. */
#define TN_WG_REKEY_JITTER_MAX_NS    (333 * TN_NSEC_PER_MSEC)
/* Keys nobody renewed are zeroed this long after the last handshake. */
#define TN_WG_ZERO_KEYS_AFTER_NS     (3 * TN_WG_REJECT_AFTER_TIME_NS)
/* Packets kept per peer while a handshake is under way. */
#define TN_WG_MAX_STAGED_PACKETS     128

struct tn_wg_peer;

/* Events the send/receive paths report; each adjusts the peer's timers. */
void tn_wg_timers_data_sent(struct tn_wg_peer *peer);
void tn_wg_timers_data_received(struct tn_wg_peer *peer);
void tn_wg_timers_any_authenticated_packet_sent(struct tn_wg_peer *peer);
void tn_wg_timers_any_authenticated_packet_received(struct tn_wg_peer *peer);
void tn_wg_timers_any_authenticated_packet_traversal(struct tn_wg_peer *peer);
void tn_wg_timers_handshake_initiated(struct tn_wg_peer *peer);
void tn_wg_timers_handshake_complete(struct tn_wg_peer *peer);
void tn_wg_timers_session_derived(struct tn_wg_peer *peer);

/* Creates/frees the peer's timers on its device's loop. */
int tn_wg_timers_init(struct tn_wg_peer *peer);
void tn_wg_timers_stop(struct tn_wg_peer *peer);
void tn_wg_timers_free(struct tn_wg_peer *peer);

#endif

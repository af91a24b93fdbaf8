/* WireGuard MACs and cookies (the WireGuard paper §5.4.4 and §5.4.7): mac1
 * on every handshake message proves knowledge of the receiver's public key;
 * under load, mac2 proves the sender can receive at its source address, via
 * a cookie the receiver sent back in a cookie reply.
 *
 * The checker (one per device) validates macs of messages sent to us and
 * makes cookie replies; a tn_wg_cookie (one per peer) holds the cookie a
 * peer gave us and the last mac1 we sent it.  Control-plane thread only.
 */
#ifndef TN_WG_COOKIE_H
#define TN_WG_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wg/handshake.h"
#include "wg/messages.h"

/* The responder's cookie secret is replaced this often, and a cookie we
 * hold is used for this long minus a margin for latency (Linux:
 * COOKIE_SECRET_MAX_AGE 120 s, COOKIE_SECRET_LATENCY 5 s). */
#define TN_WG_COOKIE_SECRET_MAX_AGE_NS (120 * 1000000000ULL)
#define TN_WG_COOKIE_SECRET_LATENCY_NS (5 * 1000000000ULL)

struct tn_wg_cookie_checker {
	uint8_t secret[TN_WG_KEY_LEN];
	uint64_t secret_birth; /* tn_clock_now(); 0 = none yet */
};

struct tn_wg_cookie {
	uint8_t cookie[TN_WG_COOKIE_LEN];
	uint64_t birth;        /* 0 = no cookie */
	uint8_t last_mac1[TN_WG_MAC_LEN];
	bool have_last_mac1;
};

enum tn_wg_mac_state {
	TN_WG_MAC_INVALID,   /* mac1 wrong: drop silently */
	TN_WG_MAC1_ONLY,     /* mac1 right, mac2 absent or wrong */
	TN_WG_MAC_BOTH,      /* mac1 and mac2 right */
};

/* The source address a cookie binds to: IP bytes (4 or 16) and port. */
struct tn_wg_source {
	uint8_t addr[16];
	uint8_t addr_len;   /* 4 or 16 */
	uint16_t port;      /* host order */
};

/* Fills the macs at the end of msg[0..len) (an initiation or response):
 * mac1 with the receiver's mac1 key, mac2 with the cookie if we hold a
 * fresh one (else zeros).  Remembers mac1 for a cookie reply. */
int tn_wg_macs_add(struct tn_wg_cookie *ck, const uint8_t remote_mac1_key[TN_WG_KEY_LEN],
		   void *msg, size_t len);

/* Checks the macs of a message sent to identity id from src. */
enum tn_wg_mac_state tn_wg_macs_check(struct tn_wg_cookie_checker *cc,
				      const struct tn_wg_identity *id,
				      const void *msg, size_t len,
				      const struct tn_wg_source *src);

/* Writes a cookie reply to the message msg[0..len) from src whose sender
 * index is receiver_index. */
int tn_wg_cookie_reply_create(struct tn_wg_cookie_checker *cc, const struct tn_wg_identity *id,
			      struct tn_wg_msg_cookie *reply, const void *msg, size_t len,
			      uint32_t receiver_index, const struct tn_wg_source *src);

/* Consumes a cookie reply from the peer with cookie key remote_cookie_key,
 * answering the last message we sent it.  -EBADMSG if it does not open,
 * -ENOENT if we have sent that peer nothing to answer. */
int tn_wg_cookie_reply_consume(struct tn_wg_cookie *ck,
			       const uint8_t remote_cookie_key[TN_WG_KEY_LEN],
			       const struct tn_wg_msg_cookie *reply);

#endif

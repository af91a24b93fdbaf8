#include "wg/cookie.h"

#include <errno.h>
#include <string.h>

#include "crypto/blake2s.h"
#include "crypto/crypto.h"
#include "crypto/xaead.h"
#include "util/clock.h"

/* Offsets of the two macs: they are the last 32 bytes of the message. */
static size_t mac1_offset(size_t len) { return len - 2 * TN_WG_MAC_LEN; }
static size_t mac2_offset(size_t len) { return len - TN_WG_MAC_LEN; }

static int compute_cookie(struct tn_wg_cookie_checker *cc, uint8_t out[TN_WG_COOKIE_LEN],
			  const struct tn_wg_source *src)
{
	uint8_t a[18];
	uint64_t now = tn_clock_now();
	int r;

	if (!cc->secret_birth || now - cc->secret_birth > TN_WG_COOKIE_SECRET_MAX_AGE_NS) {
		if ((r = tn_crypto_random(cc->secret, sizeof(cc->secret))) < 0)
			return r;
		cc->secret_birth = now ? now : 1;
	}
	memcpy(a, src->addr, src->addr_len);
	a[src->addr_len] = (uint8_t)(src->port >> 8);
	a[src->addr_len + 1] = (uint8_t)src->port;
	return tn_blake2s_mac(out, TN_WG_COOKIE_LEN, cc->secret, sizeof(cc->secret),
			      a, src->addr_len + 2u);
}

int tn_wg_macs_add(struct tn_wg_cookie *ck, const uint8_t remote_mac1_key[TN_WG_KEY_LEN],
		   void *msg, size_t len)
{
	uint8_t *m = msg;
	uint64_t now = tn_clock_now();
	int r;

	r = tn_blake2s_mac(m + mac1_offset(len), TN_WG_MAC_LEN, remote_mac1_key,
			   TN_WG_KEY_LEN, m, mac1_offset(len));
	if (r < 0)
		return r;
	memcpy(ck->last_mac1, m + mac1_offset(len), TN_WG_MAC_LEN);
	ck->have_last_mac1 = true;
	if (ck->birth && now - ck->birth < TN_WG_COOKIE_SECRET_MAX_AGE_NS - TN_WG_COOKIE_SECRET_LATENCY_NS)
		return tn_blake2s_mac(m + mac2_offset(len), TN_WG_MAC_LEN, ck->cookie,
				      TN_WG_COOKIE_LEN, m, mac2_offset(len));
	memset(m + mac2_offset(len), 0, TN_WG_MAC_LEN);
	return 0;
}

enum tn_wg_mac_state tn_wg_macs_check(struct tn_wg_cookie_checker *cc,
				      const struct tn_wg_identity *id,
				      const void *msg, size_t len,
				      const struct tn_wg_source *src)
{
	const uint8_t *m = msg;
	uint8_t mac[TN_WG_MAC_LEN], cookie[TN_WG_COOKIE_LEN];

	if (tn_blake2s_mac(mac, sizeof(mac), id->mac1_key, TN_WG_KEY_LEN, m, mac1_offset(len)) < 0 ||
	    !tn_crypto_equal(mac, m + mac1_offset(len), TN_WG_MAC_LEN))
		return TN_WG_MAC_INVALID;
	if (compute_cookie(cc, cookie, src) < 0 ||
	    tn_blake2s_mac(mac, sizeof(mac), cookie, sizeof(cookie), m, mac2_offset(len)) < 0 ||
	    !tn_crypto_equal(mac, m + mac2_offset(len), TN_WG_MAC_LEN))
		return TN_WG_MAC1_ONLY;
	return TN_WG_MAC_BOTH;
}

int tn_wg_cookie_reply_create(struct tn_wg_cookie_checker *cc, const struct tn_wg_identity *id,
			      struct tn_wg_msg_cookie *reply, const void *msg, size_t len,
			      uint32_t receiver_index, const struct tn_wg_source *src)
{
	const uint8_t *mac1 = (const uint8_t *)msg + mac1_offset(len);
	uint8_t cookie[TN_WG_COOKIE_LEN];
	int r;

	memset(reply, 0, sizeof(*reply));
	reply->type = TN_WG_MSG_COOKIE;
	reply->receiver = receiver_index;
	if ((r = compute_cookie(cc, cookie, src)) < 0 ||
	    (r = tn_crypto_random(reply->nonce, sizeof(reply->nonce))) < 0)
		return r;
	r = tn_xaead_seal(id->cookie_key, reply->nonce, reply->encrypted_cookie,
			  cookie, sizeof(cookie), mac1, TN_WG_MAC_LEN);
	tn_crypto_wipe(cookie, sizeof(cookie));
	return r;
}

int tn_wg_cookie_reply_consume(struct tn_wg_cookie *ck,
			       const uint8_t remote_cookie_key[TN_WG_KEY_LEN],
			       const struct tn_wg_msg_cookie *reply)
{
	uint8_t cookie[TN_WG_COOKIE_LEN];
	int r;

	if (!ck->have_last_mac1)
		return -ENOENT;
	r = tn_xaead_open(remote_cookie_key, reply->nonce, cookie, reply->encrypted_cookie,
			  sizeof(reply->encrypted_cookie), ck->last_mac1, TN_WG_MAC_LEN);
	if (r < 0)
		return -EBADMSG;
	memcpy(ck->cookie, cookie, sizeof(cookie));
	ck->birth = tn_clock_now();
	if (!ck->birth)
		ck->birth = 1;
	ck->have_last_mac1 = false;
	tn_crypto_wipe(cookie, sizeof(cookie));
	return 0;
}

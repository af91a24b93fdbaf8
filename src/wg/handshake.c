#include "wg/handshake.h"

#include <errno.h>
#include <string.h>

#include "crypto/blake2s.h"
#include "crypto/crypto.h"
#include "crypto/x25519.h"
#include "util/clock.h"

static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
static const char label_mac1[] = "mac1----";
static const char label_cookie[] = "cookie--";

static int label_key(uint8_t out[TN_WG_KEY_LEN], const char *label,
		     const uint8_t pub[TN_WG_KEY_LEN])
{
	return tn_blake2s2(out, label, strlen(label), pub, TN_WG_KEY_LEN);
}

/* The state every handshake with responder `responder_pub` starts from:
 * InitializeSymmetric(construction), MixHash(identifier), MixHash(S_r). */
static int initial_state(struct tn_noise *st, const uint8_t responder_pub[TN_WG_KEY_LEN])
{
	int r = tn_noise_init(st, construction, identifier, strlen(identifier));

	return r ? r : tn_noise_mix_hash(st, responder_pub, TN_WG_KEY_LEN);
}

int tn_wg_identity_init(struct tn_wg_identity *id, const uint8_t priv[TN_WG_KEY_LEN])
{
	int r;

	memcpy(id->priv, priv, TN_WG_KEY_LEN);
	if ((r = tn_x25519_public(id->pub, id->priv)) < 0 ||
	    (r = label_key(id->mac1_key, label_mac1, id->pub)) < 0 ||
	    (r = label_key(id->cookie_key, label_cookie, id->pub)) < 0)
		tn_crypto_wipe(id, sizeof(*id));
	return r;
}

int tn_wg_handshake_init(struct tn_wg_handshake *hs, const struct tn_wg_identity *id,
			 const uint8_t remote_pub[TN_WG_KEY_LEN],
			 const uint8_t psk[TN_WG_KEY_LEN])
{
	int r;

	memset(hs, 0, sizeof(*hs));
	memcpy(hs->remote_static, remote_pub, TN_WG_KEY_LEN);
	if (psk)
		memcpy(hs->psk, psk, TN_WG_KEY_LEN);
	if ((r = tn_x25519(hs->precomputed_ss, id->priv, remote_pub)) < 0 ||
	    (r = label_key(hs->remote_mac1_key, label_mac1, remote_pub)) < 0 ||
	    (r = label_key(hs->remote_cookie_key, label_cookie, remote_pub)) < 0)
		tn_crypto_wipe(hs, sizeof(*hs));
	return r;
}

void tn_wg_tai64n_now(uint8_t out[TN_WG_TIMESTAMP_LEN])
{
	/* TAI64 label: 2^62 + 10 (the TAI-UTC offset of 1972) + seconds. */
	const uint64_t tai_base = 0x400000000000000aULL;
	uint64_t now = tn_clock_realtime();
	uint64_t sec = tai_base + now / TN_NSEC_PER_SEC;
	uint32_t nsec = (uint32_t)(now % TN_NSEC_PER_SEC) & ~((1u << 24) - 1);

	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(sec >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(nsec >> (24 - 8 * i));
}

/* The "e" token of a psk pattern: MixHash(e) and MixKey(e). */
static int mix_ephemeral(struct tn_noise *st, const uint8_t e[TN_WG_KEY_LEN])
{
	int r = tn_noise_mix_hash(st, e, TN_WG_KEY_LEN);

	return r ? r : tn_noise_mix_chain(st, e, TN_WG_KEY_LEN);
}

int tn_wg_initiation_create(struct tn_wg_handshake *hs, const struct tn_wg_identity *id,
			    struct tn_wg_msg_initiation *msg, uint32_t local_index)
{
	uint8_t ts[TN_WG_TIMESTAMP_LEN];
	int r;

	tn_wg_handshake_clear(hs);
	memset(msg, 0, sizeof(*msg));
	msg->type = TN_WG_MSG_INITIATION;
	msg->sender = local_index;

	if ((r = tn_crypto_random(hs->ephemeral_priv, TN_WG_KEY_LEN)) < 0 ||
	    (r = tn_x25519_public(msg->ephemeral, hs->ephemeral_priv)) < 0 ||
	    (r = initial_state(&hs->noise, hs->remote_static)) < 0 ||
	    (r = mix_ephemeral(&hs->noise, msg->ephemeral)) < 0 ||
	    (r = tn_noise_mix_dh(&hs->noise, hs->ephemeral_priv, hs->remote_static)) < 0 ||
	    (r = tn_noise_encrypt(&hs->noise, msg->encrypted_static, id->pub, TN_WG_KEY_LEN)) < 0 ||
	    (r = tn_noise_mix_key(&hs->noise, hs->precomputed_ss, TN_WG_KEY_LEN)) < 0)
		goto fail;
	tn_wg_tai64n_now(ts);
	if ((r = tn_noise_encrypt(&hs->noise, msg->encrypted_timestamp, ts, sizeof(ts))) < 0)
		goto fail;
	hs->local_index = local_index;
	hs->state = TN_WG_HS_CREATED_INITIATION;
	return 0;
fail:
	tn_wg_handshake_clear(hs);
	return r;
}

int tn_wg_initiation_open(const struct tn_wg_identity *id,
			  const struct tn_wg_msg_initiation *msg,
			  struct tn_wg_initiation_open *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	memcpy(out->remote_ephemeral, msg->ephemeral, TN_WG_KEY_LEN);
	if ((r = initial_state(&out->noise, id->pub)) < 0 ||
	    (r = mix_ephemeral(&out->noise, msg->ephemeral)) < 0 ||
	    (r = tn_noise_mix_dh(&out->noise, id->priv, msg->ephemeral)) < 0 ||
	    (r = tn_noise_decrypt(&out->noise, out->remote_static, msg->encrypted_static,
				  sizeof(msg->encrypted_static))) < 0) {
		tn_crypto_wipe(out, sizeof(*out));
		return r == -EINVAL ? -EBADMSG : r;
	}
	return 0;
}

int tn_wg_initiation_accept(struct tn_wg_handshake *hs, struct tn_wg_initiation_open *op,
			    const struct tn_wg_msg_initiation *msg)
{
	uint8_t ts[TN_WG_TIMESTAMP_LEN];
	uint64_t now = tn_clock_now();
	int r;

	if (!tn_crypto_equal(op->remote_static, hs->remote_static, TN_WG_KEY_LEN))
		return -EINVAL;
	if ((r = tn_noise_mix_key(&op->noise, hs->precomputed_ss, TN_WG_KEY_LEN)) < 0)
		return r;
	r = tn_noise_decrypt(&op->noise, ts, msg->encrypted_timestamp,
			     sizeof(msg->encrypted_timestamp));
	if (r < 0)
		return r;
	/* TAI64N is big-endian, so byte order is time order. */
	if (memcmp(ts, hs->latest_timestamp, sizeof(ts)) <= 0)
		return -EALREADY;
	if (hs->last_initiation_consumption &&
	    now - hs->last_initiation_consumption < TN_WG_INITIATION_MIN_INTERVAL_NS)
		return -EAGAIN;

	tn_wg_handshake_clear(hs);
	hs->noise = op->noise;
	memcpy(hs->remote_ephemeral, op->remote_ephemeral, TN_WG_KEY_LEN);
	memcpy(hs->latest_timestamp, ts, sizeof(ts));
	hs->last_initiation_consumption = now;
	hs->remote_index = msg->sender;
	hs->state = TN_WG_HS_CONSUMED_INITIATION;
	return 0;
}

int tn_wg_response_create(struct tn_wg_handshake *hs, struct tn_wg_msg_response *msg,
			  uint32_t local_index)
{
	int r;

	if (hs->state != TN_WG_HS_CONSUMED_INITIATION)
		return -EINVAL;
	memset(msg, 0, sizeof(*msg));
	msg->type = TN_WG_MSG_RESPONSE;
	msg->sender = local_index;
	msg->receiver = hs->remote_index;
	if ((r = tn_crypto_random(hs->ephemeral_priv, TN_WG_KEY_LEN)) < 0 ||
	    (r = tn_x25519_public(msg->ephemeral, hs->ephemeral_priv)) < 0 ||
	    (r = mix_ephemeral(&hs->noise, msg->ephemeral)) < 0 ||
	    (r = tn_noise_mix_dh(&hs->noise, hs->ephemeral_priv, hs->remote_ephemeral)) < 0 ||
	    (r = tn_noise_mix_dh(&hs->noise, hs->ephemeral_priv, hs->remote_static)) < 0 ||
	    (r = tn_noise_mix_psk(&hs->noise, hs->psk)) < 0 ||
	    (r = tn_noise_encrypt(&hs->noise, msg->encrypted_nothing, NULL, 0)) < 0) {
		tn_wg_handshake_clear(hs);
		return r;
	}
	hs->local_index = local_index;
	hs->state = TN_WG_HS_CREATED_RESPONSE;
	return 0;
}

int tn_wg_response_consume(struct tn_wg_handshake *hs, const struct tn_wg_identity *id,
			   const struct tn_wg_msg_response *msg)
{
	struct tn_noise st;
	uint8_t nothing[1];
	int r;

	if (hs->state != TN_WG_HS_CREATED_INITIATION || msg->receiver != hs->local_index)
		return -EINVAL;
	st = hs->noise;
	if ((r = mix_ephemeral(&st, msg->ephemeral)) < 0 ||
	    (r = tn_noise_mix_dh(&st, hs->ephemeral_priv, msg->ephemeral)) < 0 ||
	    (r = tn_noise_mix_dh(&st, id->priv, msg->ephemeral)) < 0 ||
	    (r = tn_noise_mix_psk(&st, hs->psk)) < 0 ||
	    (r = tn_noise_decrypt(&st, nothing, msg->encrypted_nothing,
				  sizeof(msg->encrypted_nothing))) < 0) {
		tn_noise_wipe(&st);
		return r == -EINVAL ? -EBADMSG : r;
	}
	hs->noise = st;
	tn_noise_wipe(&st);
	hs->remote_index = msg->sender;
	hs->state = TN_WG_HS_CONSUMED_RESPONSE;
	return 0;
}

int tn_wg_handshake_derive(struct tn_wg_handshake *hs, uint8_t send_key[TN_WG_KEY_LEN],
			   uint8_t recv_key[TN_WG_KEY_LEN], bool *is_initiator)
{
	int r;

	if (hs->state == TN_WG_HS_CONSUMED_RESPONSE) {
		*is_initiator = true;
		r = tn_noise_split(&hs->noise, send_key, recv_key);
	} else if (hs->state == TN_WG_HS_CREATED_RESPONSE) {
		*is_initiator = false;
		r = tn_noise_split(&hs->noise, recv_key, send_key);
	} else {
		return -EINVAL;
	}
	tn_wg_handshake_clear(hs);
	return r;
}

void tn_wg_handshake_clear(struct tn_wg_handshake *hs)
{
	tn_noise_wipe(&hs->noise);
	tn_crypto_wipe(hs->ephemeral_priv, sizeof(hs->ephemeral_priv));
	tn_crypto_wipe(hs->remote_ephemeral, sizeof(hs->remote_ephemeral));
	hs->state = TN_WG_HS_NONE;
}

#include "noise/ik.h"

#include <errno.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/x25519.h"

static int set_ephemeral(struct tn_noise_ik *ik, const uint8_t *e_priv)
{
	int r;

	if (e_priv)
		memcpy(ik->e_priv, e_priv, 32);
	else if ((r = tn_crypto_random(ik->e_priv, 32)) < 0)
		return r;
	return tn_x25519_public(ik->e_pub, ik->e_priv);
}

static int init_common(struct tn_noise_ik *ik, const char *name, const void *prologue,
		       size_t prologue_len, const uint8_t s_priv[32], const uint8_t *e_priv)
{
	int r;

	memset(ik, 0, sizeof(*ik));
	memcpy(ik->s_priv, s_priv, 32);
	if ((r = tn_x25519_public(ik->s_pub, s_priv)) < 0 ||
	    (r = set_ephemeral(ik, e_priv)) < 0 ||
	    (r = tn_noise_init(&ik->sym, name, prologue, prologue_len)) < 0)
		tn_noise_ik_wipe(ik);
	return r;
}

int tn_noise_ik_init_initiator(struct tn_noise_ik *ik, const char *protocol_name,
			       const void *prologue, size_t prologue_len,
			       const uint8_t s_priv[32], const uint8_t rs[32],
			       const uint8_t *e_priv)
{
	int r = init_common(ik, protocol_name, prologue, prologue_len, s_priv, e_priv);

	if (r < 0)
		return r;
	memcpy(ik->rs, rs, 32);
	return tn_noise_mix_hash(&ik->sym, rs, 32); /* pre-message: <- s */
}

int tn_noise_ik_init_responder(struct tn_noise_ik *ik, const char *protocol_name,
			       const void *prologue, size_t prologue_len,
			       const uint8_t s_priv[32], const uint8_t *e_priv)
{
	int r = init_common(ik, protocol_name, prologue, prologue_len, s_priv, e_priv);

	return r ? r : tn_noise_mix_hash(&ik->sym, ik->s_pub, 32);
}

int tn_noise_ik_write_msg1(struct tn_noise_ik *ik, const uint8_t *payload, size_t len, uint8_t *out)
{
	int r;

	memcpy(out, ik->e_pub, 32);
	if ((r = tn_noise_mix_hash(&ik->sym, ik->e_pub, 32)) < 0 ||          /* e */
	    (r = tn_noise_mix_dh(&ik->sym, ik->e_priv, ik->rs)) < 0 ||       /* es */
	    (r = tn_noise_encrypt(&ik->sym, out + 32, ik->s_pub, 32)) < 0 || /* s */
	    (r = tn_noise_mix_dh(&ik->sym, ik->s_priv, ik->rs)) < 0)         /* ss */
		return r;
	return tn_noise_encrypt(&ik->sym, out + 80, payload, len);
}

int tn_noise_ik_read_msg1(struct tn_noise_ik *ik, const uint8_t *in, size_t inlen, uint8_t *payload)
{
	int r;

	if (inlen < TN_NOISE_IK_MSG1_OVERHEAD)
		return -EBADMSG;
	memcpy(ik->re, in, 32);
	if ((r = tn_noise_mix_hash(&ik->sym, ik->re, 32)) < 0 ||
	    (r = tn_noise_mix_dh(&ik->sym, ik->s_priv, ik->re)) < 0 ||
	    (r = tn_noise_decrypt(&ik->sym, ik->rs, in + 32, 48)) < 0 ||
	    (r = tn_noise_mix_dh(&ik->sym, ik->s_priv, ik->rs)) < 0)
		return r == -EINVAL ? -EBADMSG : r;
	return tn_noise_decrypt(&ik->sym, payload, in + 80, inlen - 80);
}

int tn_noise_ik_write_msg2(struct tn_noise_ik *ik, const uint8_t *payload, size_t len, uint8_t *out)
{
	int r;

	memcpy(out, ik->e_pub, 32);
	if ((r = tn_noise_mix_hash(&ik->sym, ik->e_pub, 32)) < 0 ||      /* e */
	    (r = tn_noise_mix_dh(&ik->sym, ik->e_priv, ik->re)) < 0 ||   /* ee */
	    (r = tn_noise_mix_dh(&ik->sym, ik->e_priv, ik->rs)) < 0)     /* se */
		return r;
	return tn_noise_encrypt(&ik->sym, out + 32, payload, len);
}

int tn_noise_ik_read_msg2(struct tn_noise_ik *ik, const uint8_t *in, size_t inlen, uint8_t *payload)
{
	int r;

	if (inlen < TN_NOISE_IK_MSG2_OVERHEAD)
		return -EBADMSG;
	memcpy(ik->re, in, 32);
	if ((r = tn_noise_mix_hash(&ik->sym, ik->re, 32)) < 0 ||
	    (r = tn_noise_mix_dh(&ik->sym, ik->e_priv, ik->re)) < 0 ||
	    (r = tn_noise_mix_dh(&ik->sym, ik->s_priv, ik->re)) < 0)
		return r == -EINVAL ? -EBADMSG : r;
	return tn_noise_decrypt(&ik->sym, payload, in + 32, inlen - 32);
}

int tn_noise_ik_split(const struct tn_noise_ik *ik, uint8_t i2r[32], uint8_t r2i[32])
{
	return tn_noise_split(&ik->sym, i2r, r2i);
}

void tn_noise_ik_wipe(struct tn_noise_ik *ik)
{
	tn_crypto_wipe(ik, sizeof(*ik));
}

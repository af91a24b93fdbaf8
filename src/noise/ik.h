/* The Noise IK pattern (Noise spec §7.5) on top of the symmetric state:
 *
 *   <- s
 *   ...
 *   -> e, es, s, ss
 *   <- e, ee, se
 *
 * Both roles, with payloads, so the published Noise test vectors can check
 * it; ts2021 (src/control/ts2021.c) uses the initiator with empty payloads.
 * Message layout is the Noise one: e (32) || Enc(s) (48) || Enc(payload)
 * for message 1; e (32) || Enc(payload) for message 2.  Wire framing (such
 * as ts2021's version and length headers) belongs to the caller.
 *
 * A tn_noise_ik is caller-owned; tn_noise_ik_wipe clears it.  One thread.
 */
#ifndef TN_NOISE_IK_H
#define TN_NOISE_IK_H

#include <stddef.h>
#include <stdint.h>

#include "noise/noise.h"

#define TN_NOISE_IK_MSG1_OVERHEAD (32 + 32 + 16 + 16)
#define TN_NOISE_IK_MSG2_OVERHEAD (32 + 16)

struct tn_noise_ik {
	struct tn_noise sym;
	uint8_t s_priv[32], s_pub[32];  /* our static key */
	uint8_t e_priv[32], e_pub[32];  /* our ephemeral key */
	uint8_t rs[32];                 /* their static key */
	uint8_t re[32];                 /* their ephemeral key */
};

/* Initiator: knows the responder's static key rs.  e_priv may be NULL
 * (a random ephemeral is made); tests pass fixed ones. */
int tn_noise_ik_init_initiator(struct tn_noise_ik *ik, const char *protocol_name,
			       const void *prologue, size_t prologue_len,
			       const uint8_t s_priv[32], const uint8_t rs[32],
			       const uint8_t *e_priv);
/* Responder: learns the initiator's static key from message 1. */
int tn_noise_ik_init_responder(struct tn_noise_ik *ik, const char *protocol_name,
			       const void *prologue, size_t prologue_len,
			       const uint8_t s_priv[32], const uint8_t *e_priv);

/* out gets len + TN_NOISE_IK_MSG1_OVERHEAD bytes. */
int tn_noise_ik_write_msg1(struct tn_noise_ik *ik, const uint8_t *payload, size_t len, uint8_t *out);
/* payload gets inlen - TN_NOISE_IK_MSG1_OVERHEAD bytes; -EBADMSG if short
 * or it does not authenticate. */
int tn_noise_ik_read_msg1(struct tn_noise_ik *ik, const uint8_t *in, size_t inlen, uint8_t *payload);
int tn_noise_ik_write_msg2(struct tn_noise_ik *ik, const uint8_t *payload, size_t len, uint8_t *out);
int tn_noise_ik_read_msg2(struct tn_noise_ik *ik, const uint8_t *in, size_t inlen, uint8_t *payload);

/* After message 2: the initiator->responder and responder->initiator keys,
 * and the handshake hash. */
int tn_noise_ik_split(const struct tn_noise_ik *ik, uint8_t i2r[32], uint8_t r2i[32]);

void tn_noise_ik_wipe(struct tn_noise_ik *ik);

#endif

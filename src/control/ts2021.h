/* ts2021: the Noise transport between a node and its control server
 * (Tailscale's control/controlbase; protocol.md §2.3-2.5).
 *
 *   handshake:  Noise_IK_25519_ChaChaPoly_BLAKE2s, prologue
 *               "Tailscale Control Protocol v<version>"; the 101-byte
 *               initiation travels base64 in the upgrade request's
 *               X-Tailscale-Handshake header, the 51-byte response (or an
 *               error frame) arrives first on the upgraded stream.
 *   records:    0x04, big-endian length, ChaCha20-Poly1305 ciphertext;
 *               at most 4096 bytes a record with the header; nonces are
 *               BIG-endian counters (unlike standard Noise), no AD.
 *   stream:     the plaintext is a byte stream; it may open with the
 *               server's early payload ("\xff\xff\xffTS", a 4-byte length,
 *               JSON), which is stripped here; the rest is HTTP/2.
 *
 * Pure codec: no sockets.  The caller owns both structs (wipe when done);
 * one thread.
 */
#ifndef TN_CONTROL_TS2021_H
#define TN_CONTROL_TS2021_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noise/ik.h"

#define TN_TS2021_INITIATION_LEN 101
#define TN_TS2021_RESPONSE_LEN 51
#define TN_TS2021_HEADER_LEN 3
#define TN_TS2021_MAX_RECORD 4096  /* with its 3-byte header (controlbase) */
#define TN_TS2021_MAX_PLAINTEXT (TN_TS2021_MAX_RECORD - TN_TS2021_HEADER_LEN - 16)
/* The early payload's JSON is skipped; Go refuses more than this. */
#define TN_TS2021_EARLY_MAX (10u * 1024 * 1024)

enum tn_ts2021_msg_type {
	TN_TS2021_MSG_INITIATION = 1,
	TN_TS2021_MSG_RESPONSE = 2,
	TN_TS2021_MSG_ERROR = 3,
	TN_TS2021_MSG_RECORD = 4,
};

struct tn_ts2021_handshake {
	struct tn_noise_ik ik;
	uint16_t version;
};

struct tn_ts2021_codec {
	struct tn_aead *tx, *rx;
	uint64_t tx_nonce, rx_nonce;
	uint8_t rec[TN_TS2021_MAX_RECORD];  /* a record being received */
	size_t rec_len;
	/* early payload: 0 = reading its first 9 bytes, 1 = skipping its
	 * JSON, 2 = done (everything else is application data) */
	int early_state;
	uint8_t early_hdr[9];
	size_t early_got;
	uint32_t early_skip;
};

/* Builds the initiation: version (2 BE) | type 1 | length 96 (2 BE) | e |
 * Enc(machine pub) | Enc(""), for server key server_pub.  e_priv NULL for a
 * random ephemeral. */
int tn_ts2021_initiate(struct tn_ts2021_handshake *hs, uint16_t version,
		       const uint8_t machine_priv[32], const uint8_t server_pub[32],
		       const uint8_t *e_priv, uint8_t out[TN_TS2021_INITIATION_LEN]);

/* How many bytes of the server's first message are needed in total, given
 * the first `len` received (0 if more are needed to tell: the 3-byte
 * header).  An error frame is 3 + its length. */
size_t tn_ts2021_first_message_len(const uint8_t *in, size_t len);

/* Consumes the server's first message in[0..len) (exactly
 * tn_ts2021_first_message_len bytes) and keys the codec.  Returns 0;
 * -ECONNREFUSED for an error frame, with its text (NUL-terminated, cut to
 * errlen) in err; -EBADMSG for anything else that does not authenticate. */
int tn_ts2021_finish(struct tn_ts2021_handshake *hs, const uint8_t *in, size_t len,
		     struct tn_ts2021_codec *codec, char *err, size_t errlen);

/* Seals in[0..len) as one or more records into out (room needed:
 * tn_ts2021_sealed_len(len)).  Returns the bytes written or -errno. */
size_t tn_ts2021_sealed_len(size_t len);
long tn_ts2021_seal(struct tn_ts2021_codec *c, const uint8_t *in, size_t len,
		    uint8_t *out, size_t outcap);

/* Feeds received stream bytes; each piece of application plaintext (early
 * payload removed) goes to fn.  Returns 0, or -EBADMSG for a record that is
 * too large, has a wrong type or does not authenticate, or an early payload
 * that is too large (the connection must then be dropped). */
typedef int (*tn_ts2021_plain_fn)(void *ctx, const uint8_t *p, size_t len);
int tn_ts2021_feed(struct tn_ts2021_codec *c, const uint8_t *in, size_t len,
		   tn_ts2021_plain_fn fn, void *ctx);

void tn_ts2021_codec_free(struct tn_ts2021_codec *c);

#endif

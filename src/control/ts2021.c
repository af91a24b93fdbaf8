#include "control/ts2021.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto/aead.h"
#include "crypto/crypto.h"

static const char protocol_name[] = "Noise_IK_25519_ChaChaPoly_BLAKE2s";
static const uint8_t early_magic[5] = { 0xff, 0xff, 0xff, 'T', 'S' };

static void nonce_be(uint8_t nonce[TN_AEAD_NONCE_LEN], uint64_t n)
{
	tn_aead_nonce_be(nonce, n);
}

int tn_ts2021_initiate(struct tn_ts2021_handshake *hs, uint16_t version,
		       const uint8_t machine_priv[32], const uint8_t server_pub[32],
		       const uint8_t *e_priv, uint8_t out[TN_TS2021_INITIATION_LEN])
{
	char prologue[64];
	int n = snprintf(prologue, sizeof(prologue), "Tailscale Control Protocol v%u", version);
	int r;

	hs->version = version;
	r = tn_noise_ik_init_initiator(&hs->ik, protocol_name, prologue, (size_t)n,
				       machine_priv, server_pub, e_priv);
	if (r < 0)
		return r;
	out[0] = (uint8_t)(version >> 8);
	out[1] = (uint8_t)version;
	out[2] = TN_TS2021_MSG_INITIATION;
	out[3] = 0;
	out[4] = TN_TS2021_INITIATION_LEN - 5;
	return tn_noise_ik_write_msg1(&hs->ik, NULL, 0, out + 5);
}

size_t tn_ts2021_first_message_len(const uint8_t *in, size_t len)
{
	if (len < TN_TS2021_HEADER_LEN)
		return 0;
	return TN_TS2021_HEADER_LEN + ((size_t)in[1] << 8 | in[2]);
}

int tn_ts2021_finish(struct tn_ts2021_handshake *hs, const uint8_t *in, size_t len,
		     struct tn_ts2021_codec *codec, char *err, size_t errlen)
{
	uint8_t i2r[32], r2i[32], empty[1];
	size_t body;
	int r;

	memset(codec, 0, sizeof(*codec));
	if (errlen)
		err[0] = '\0';
	if (len < TN_TS2021_HEADER_LEN || tn_ts2021_first_message_len(in, len) != len)
		return -EBADMSG;
	body = len - TN_TS2021_HEADER_LEN;
	if (in[0] == TN_TS2021_MSG_ERROR) {
		if (errlen) {
			size_t n = body < errlen - 1 ? body : errlen - 1;

			memcpy(err, in + TN_TS2021_HEADER_LEN, n);
			err[n] = '\0';
			/* Unauthenticated text: keep it printable. */
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
					err[i] = '?';
		}
		return -ECONNREFUSED;
	}
	if (in[0] != TN_TS2021_MSG_RESPONSE || len != TN_TS2021_RESPONSE_LEN)
		return -EBADMSG;
	r = tn_noise_ik_read_msg2(&hs->ik, in + TN_TS2021_HEADER_LEN, body, empty);
	if (r == 0)
		r = tn_noise_ik_split(&hs->ik, i2r, r2i);
	tn_noise_ik_wipe(&hs->ik);
	if (r < 0)
		return r == -EBADMSG ? r : -EBADMSG;
	codec->tx = tn_aead_new(i2r);
	codec->rx = tn_aead_new(r2i);
	tn_crypto_wipe(i2r, sizeof(i2r));
	tn_crypto_wipe(r2i, sizeof(r2i));
	if (!codec->tx || !codec->rx) {
		tn_ts2021_codec_free(codec);
		return -ENOMEM;
	}
	return 0;
}

size_t tn_ts2021_sealed_len(size_t len)
{
	size_t records = len ? (len + TN_TS2021_MAX_PLAINTEXT - 1) / TN_TS2021_MAX_PLAINTEXT : 0;

	return len + records * (TN_TS2021_HEADER_LEN + 16);
}

long tn_ts2021_seal(struct tn_ts2021_codec *c, const uint8_t *in, size_t len,
		    uint8_t *out, size_t outcap)
{
	size_t done = 0, w = 0;

	if (outcap < tn_ts2021_sealed_len(len))
		return -ENOBUFS;
	while (done < len) {
		size_t n = len - done < TN_TS2021_MAX_PLAINTEXT ? len - done : TN_TS2021_MAX_PLAINTEXT;
		uint8_t nonce[TN_AEAD_NONCE_LEN];
		int r;

		out[w] = TN_TS2021_MSG_RECORD;
		out[w + 1] = (uint8_t)((n + 16) >> 8);
		out[w + 2] = (uint8_t)(n + 16);
		nonce_be(nonce, c->tx_nonce++);
		r = tn_aead_seal(c->tx, nonce, out + w + 3, in + done, n, NULL, 0);
		if (r < 0)
			return r;
		w += TN_TS2021_HEADER_LEN + n + 16;
		done += n;
	}
	return (long)w;
}

/* Passes decrypted bytes on, stripping the early payload at the start. */
static int deliver(struct tn_ts2021_codec *c, const uint8_t *p, size_t len,
		   tn_ts2021_plain_fn fn, void *ctx)
{
	while (len && c->early_state != 2) {
		if (c->early_state == 0) {
			size_t n = sizeof(c->early_hdr) - c->early_got;

			if (n > len)
				n = len;
			memcpy(c->early_hdr + c->early_got, p, n);
			c->early_got += n;
			p += n;
			len -= n;
			if (c->early_got < sizeof(c->early_hdr))
				return 0;
			if (memcmp(c->early_hdr, early_magic, sizeof(early_magic))) {
				/* No early payload: these bytes begin the HTTP/2 stream. */
				c->early_state = 2;
				int r = fn(ctx, c->early_hdr, sizeof(c->early_hdr));

				if (r < 0)
					return r;
				break;
			}
			c->early_skip = (uint32_t)c->early_hdr[5] << 24 | (uint32_t)c->early_hdr[6] << 16 |
					(uint32_t)c->early_hdr[7] << 8 | c->early_hdr[8];
			if (c->early_skip > TN_TS2021_EARLY_MAX)
				return -EBADMSG;
			c->early_state = c->early_skip ? 1 : 2;
		} else {
			size_t n = len < c->early_skip ? len : c->early_skip;

			p += n;
			len -= n;
			c->early_skip -= (uint32_t)n;
			if (!c->early_skip)
				c->early_state = 2;
		}
	}
	return len ? fn(ctx, p, len) : 0;
}

int tn_ts2021_feed(struct tn_ts2021_codec *c, const uint8_t *in, size_t len,
		   tn_ts2021_plain_fn fn, void *ctx)
{
	while (len) {
		size_t want, n;

		/* Collect the header, then the whole record. */
		want = c->rec_len < TN_TS2021_HEADER_LEN ? TN_TS2021_HEADER_LEN
			: TN_TS2021_HEADER_LEN + ((size_t)c->rec[1] << 8 | c->rec[2]);
		if (c->rec_len >= TN_TS2021_HEADER_LEN &&
		    (c->rec[0] != TN_TS2021_MSG_RECORD || want > TN_TS2021_MAX_RECORD || want < 3 + 16))
			return -EBADMSG;
		n = want - c->rec_len < len ? want - c->rec_len : len;
		memcpy(c->rec + c->rec_len, in, n);
		c->rec_len += n;
		in += n;
		len -= n;
		if (c->rec_len == TN_TS2021_HEADER_LEN) {
			want = TN_TS2021_HEADER_LEN + ((size_t)c->rec[1] << 8 | c->rec[2]);
			if (c->rec[0] != TN_TS2021_MSG_RECORD || want > TN_TS2021_MAX_RECORD || want < 3 + 16)
				return -EBADMSG;
			continue;
		}
		if (c->rec_len < want)
			continue;
		{
			uint8_t nonce[TN_AEAD_NONCE_LEN];
			size_t clen = want - TN_TS2021_HEADER_LEN;
			int r;

			nonce_be(nonce, c->rx_nonce++);
			r = tn_aead_open(c->rx, nonce, c->rec + 3, c->rec + 3, clen, NULL, 0);
			c->rec_len = 0;
			if (r < 0)
				return -EBADMSG;
			if ((r = deliver(c, c->rec + 3, clen - 16, fn, ctx)) < 0)
				return r;
		}
	}
	return 0;
}

void tn_ts2021_codec_free(struct tn_ts2021_codec *c)
{
	tn_aead_free(c->tx);
	tn_aead_free(c->rx);
	tn_crypto_wipe(c, sizeof(*c));
}

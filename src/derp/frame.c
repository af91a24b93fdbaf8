/* DERP frames: the reader, the client writers and the server parsers.
 * See frame.h. */
#include "derp/frame.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/box.h"
#include "crypto/crypto.h"

const char *tn_derp_frame_name(uint8_t type)
{
	switch (type) {
	case TN_DERP_FRAME_SERVER_KEY: return "ServerKey";
	case TN_DERP_FRAME_CLIENT_INFO: return "ClientInfo";
	case TN_DERP_FRAME_SERVER_INFO: return "ServerInfo";
	case TN_DERP_FRAME_SEND_PACKET: return "SendPacket";
	case TN_DERP_FRAME_RECV_PACKET: return "RecvPacket";
	case TN_DERP_FRAME_KEEP_ALIVE: return "KeepAlive";
	case TN_DERP_FRAME_NOTE_PREFERRED: return "NotePreferred";
	case TN_DERP_FRAME_PEER_GONE: return "PeerGone";
	case TN_DERP_FRAME_PEER_PRESENT: return "PeerPresent";
	case TN_DERP_FRAME_FORWARD_PACKET: return "ForwardPacket";
	case TN_DERP_FRAME_WATCH_CONNS: return "WatchConns";
	case TN_DERP_FRAME_CLOSE_PEER: return "ClosePeer";
	case TN_DERP_FRAME_PING: return "Ping";
	case TN_DERP_FRAME_PONG: return "Pong";
	case TN_DERP_FRAME_HEALTH: return "Health";
	case TN_DERP_FRAME_RESTARTING: return "Restarting";
	}
	return "unknown";
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_header(uint8_t *out, uint8_t type, uint32_t len)
{
	out[0] = type;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}

/* ---- reader ---- */

void tn_derp_reader_init(struct tn_derp_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void tn_derp_reader_free(struct tn_derp_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

bool tn_derp_reader_idle(const struct tn_derp_reader *r)
{
	return r->hdr_len == 0;
}

static int reserve(struct tn_derp_reader *r, size_t need)
{
	size_t cap = r->cap ? r->cap : 2048;
	uint8_t *b;

	if (need <= r->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (cap > TN_DERP_MAX_FRAME)
		cap = TN_DERP_MAX_FRAME;
	if (!(b = realloc(r->buf, cap)))
		return -ENOMEM;
	r->buf = b;
	r->cap = cap;
	return 0;
}

int tn_derp_reader_feed(struct tn_derp_reader *r, uint8_t *data, size_t len,
			tn_derp_frame_fn fn, void *arg)
{
	/* A frame of length 0 is handed over as a pointer to this, never NULL. */
	static uint8_t empty[1];
	int rc;

	if (r->err)
		return r->err;
	while (len) {
		size_t n;

		if (r->hdr_len < TN_DERP_FRAME_HEADER_LEN) {
			/* The fast path: header and payload whole in the input. */
			if (r->hdr_len == 0 && len >= TN_DERP_FRAME_HEADER_LEN) {
				uint32_t flen = get_be32(data + 1);

				if (flen > TN_DERP_MAX_FRAME)
					return r->err = -EMSGSIZE;
				if (len - TN_DERP_FRAME_HEADER_LEN >= flen) {
					uint8_t type = data[0];

					data += TN_DERP_FRAME_HEADER_LEN;
					len -= TN_DERP_FRAME_HEADER_LEN;
					rc = fn(arg, type, flen ? data : empty, flen);
					if (rc < 0)
						return r->err = rc;
					data += flen;
					len -= flen;
					continue;
				}
			}
			n = TN_DERP_FRAME_HEADER_LEN - r->hdr_len;
			if (n > len)
				n = len;
			memcpy(r->hdr + r->hdr_len, data, n);
			r->hdr_len += n;
			data += n;
			len -= n;
			if (r->hdr_len < TN_DERP_FRAME_HEADER_LEN)
				return 0;
			r->type = r->hdr[0];
			r->want = get_be32(r->hdr + 1);
			if (r->want > TN_DERP_MAX_FRAME)
				return r->err = -EMSGSIZE;
			if ((rc = reserve(r, r->want)) < 0)
				return r->err = rc;
			r->len = 0;
		}
		n = r->want - r->len;
		if (n > len)
			n = len;
		if (n) {
			memcpy(r->buf + r->len, data, n);
			r->len += n;
			data += n;
			len -= n;
		}
		if (r->len == r->want) {
			r->hdr_len = 0;
			rc = fn(arg, r->type, r->want ? r->buf : empty, r->want);
			if (rc < 0)
				return r->err = rc;
		}
	}
	return 0;
}

/* ---- writers ---- */

int tn_derp_write_client_info(uint8_t *out, size_t outlen,
			      const uint8_t node_pub[TN_DERP_KEY_LEN],
			      const uint8_t *sealed, size_t sealed_len)
{
	size_t total;

	if (sealed_len > TN_DERP_MAX_FRAME)
		return -EMSGSIZE;
	total = TN_DERP_CLIENT_INFO_LEN(sealed_len);
	if (outlen < total)
		return -ENOSPC;
	put_header(out, TN_DERP_FRAME_CLIENT_INFO, (uint32_t)(TN_DERP_KEY_LEN + sealed_len));
	memcpy(out + TN_DERP_FRAME_HEADER_LEN, node_pub, TN_DERP_KEY_LEN);
	memcpy(out + TN_DERP_FRAME_HEADER_LEN + TN_DERP_KEY_LEN, sealed, sealed_len);
	return (int)total;
}

int tn_derp_write_send_packet_head(uint8_t out[TN_DERP_SEND_PACKET_HEAD_LEN],
				   const uint8_t dst[TN_DERP_KEY_LEN],
				   size_t pkt_len)
{
	if (pkt_len > TN_DERP_MAX_PACKET)
		return -EMSGSIZE;
	put_header(out, TN_DERP_FRAME_SEND_PACKET, (uint32_t)(TN_DERP_KEY_LEN + pkt_len));
	memcpy(out + TN_DERP_FRAME_HEADER_LEN, dst, TN_DERP_KEY_LEN);
	return TN_DERP_SEND_PACKET_HEAD_LEN;
}

int tn_derp_write_send_packet(uint8_t *out, size_t outlen,
			      const uint8_t dst[TN_DERP_KEY_LEN],
			      const uint8_t *pkt, size_t pkt_len)
{
	if (pkt_len > TN_DERP_MAX_PACKET)
		return -EMSGSIZE;
	if (outlen < TN_DERP_SEND_PACKET_LEN(pkt_len))
		return -ENOSPC;
	tn_derp_write_send_packet_head(out, dst, pkt_len);
	if (pkt_len)
		memcpy(out + TN_DERP_SEND_PACKET_HEAD_LEN, pkt, pkt_len);
	return (int)TN_DERP_SEND_PACKET_LEN(pkt_len);
}

int tn_derp_write_note_preferred(uint8_t *out, size_t outlen, bool preferred)
{
	if (outlen < TN_DERP_NOTE_PREFERRED_LEN)
		return -ENOSPC;
	put_header(out, TN_DERP_FRAME_NOTE_PREFERRED, 1);
	out[TN_DERP_FRAME_HEADER_LEN] = preferred ? 0x01 : 0x00;
	return TN_DERP_NOTE_PREFERRED_LEN;
}

static int write_ping_pong(uint8_t *out, size_t outlen, uint8_t type,
			   const uint8_t data[TN_DERP_PING_LEN])
{
	if (outlen < TN_DERP_PING_FRAME_LEN)
		return -ENOSPC;
	put_header(out, type, TN_DERP_PING_LEN);
	memcpy(out + TN_DERP_FRAME_HEADER_LEN, data, TN_DERP_PING_LEN);
	return TN_DERP_PING_FRAME_LEN;
}

int tn_derp_write_ping(uint8_t *out, size_t outlen,
		       const uint8_t data[TN_DERP_PING_LEN])
{
	return write_ping_pong(out, outlen, TN_DERP_FRAME_PING, data);
}

int tn_derp_write_pong(uint8_t *out, size_t outlen,
		       const uint8_t data[TN_DERP_PING_LEN])
{
	return write_ping_pong(out, outlen, TN_DERP_FRAME_PONG, data);
}

/* ---- parsers ---- */

int tn_derp_parse_server_key(const uint8_t *p, size_t len,
			     uint8_t server_pub[TN_DERP_KEY_LEN])
{
	if (len > TN_DERP_MAX_SERVER_KEY)
		return -EMSGSIZE;
	if (len < TN_DERP_MAGIC_LEN + TN_DERP_KEY_LEN ||
	    memcmp(p, TN_DERP_MAGIC, TN_DERP_MAGIC_LEN) != 0)
		return -EBADMSG;
	memcpy(server_pub, p + TN_DERP_MAGIC_LEN, TN_DERP_KEY_LEN);
	return 0;
}

/* A JSON number that is an integer within int64 (Go's json into an int
 * field refuses fractions and strings; null leaves the field alone). */
static int json_int_field(json_t *obj, const char *name, int64_t *out)
{
	json_t *v = json_object_get(obj, name);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return -EBADMSG;
	*out = json_integer_value(v);
	return 0;
}

int tn_derp_parse_server_info(const uint8_t *p, size_t len,
			      const uint8_t server_pub[TN_DERP_KEY_LEN],
			      const uint8_t node_priv[TN_DERP_KEY_LEN],
			      struct tn_derp_server_info *info)
{
	uint8_t *msg;
	json_t *j = NULL;
	int64_t version = 0;
	int r = -EBADMSG;

	memset(info, 0, sizeof(*info));
	if (len < TN_BOX_OVERHEAD || len > TN_DERP_MAX_FRAME)
		return -EBADMSG;
	if (!(msg = malloc(len - TN_BOX_OVERHEAD + 1)))
		return -ENOMEM;
	if (tn_box_open(msg, p, len, server_pub, node_priv) < 0)
		goto out;
	/* JSON_DECODE_ANY: "null" decodes into Go's struct as a no-op. */
	j = json_loadb((const char *)msg, len - TN_BOX_OVERHEAD,
		       JSON_DECODE_ANY, NULL);
	if (!j || !(json_is_object(j) || json_is_null(j)))
		goto out;
	if (json_is_object(j) &&
	    (json_int_field(j, "version", &version) < 0 ||
	     json_int_field(j, "TokenBucketBytesPerSecond", &info->token_bucket_bytes_per_sec) < 0 ||
	     json_int_field(j, "TokenBucketBytesBurst", &info->token_bucket_bytes_burst) < 0))
		goto out;
	if (version < INT32_MIN || version > INT32_MAX)
		goto out;
	info->version = (int)version;
	r = 0;
out:
	if (r < 0)
		memset(info, 0, sizeof(*info));
	json_decref(j);
	tn_crypto_wipe(msg, len - TN_BOX_OVERHEAD);
	free(msg);
	return r;
}

int tn_derp_parse_recv_packet(uint8_t *p, size_t len, const uint8_t **src,
			      uint8_t **pkt, size_t *pkt_len)
{
	if (len < TN_DERP_KEY_LEN)
		return -EBADMSG;
	*src = p;
	*pkt = p + TN_DERP_KEY_LEN;
	*pkt_len = len - TN_DERP_KEY_LEN;
	return 0;
}

int tn_derp_parse_peer_gone(const uint8_t *p, size_t len, const uint8_t **key,
			    int *reason)
{
	if (len < TN_DERP_KEY_LEN)
		return -EBADMSG;
	*key = p;
	*reason = len > TN_DERP_KEY_LEN ? p[TN_DERP_KEY_LEN] : TN_DERP_PEER_GONE_DISCONNECTED;
	return 0;
}

int tn_derp_parse_ping(const uint8_t *p, size_t len,
		       uint8_t data[TN_DERP_PING_LEN])
{
	if (len < TN_DERP_PING_LEN)
		return -EBADMSG;
	memcpy(data, p, TN_DERP_PING_LEN);
	return 0;
}

int tn_derp_parse_restarting(const uint8_t *p, size_t len,
			     uint32_t *reconnect_in_ms, uint32_t *try_for_ms)
{
	if (len < 8)
		return -EBADMSG;
	*reconnect_in_ms = get_be32(p);
	*try_for_ms = get_be32(p + 4);
	return 0;
}

size_t tn_derp_parse_health(const uint8_t *p, size_t len, char *out,
			    size_t outlen)
{
	size_t n = 0;

	if (!outlen)
		return len;
	for (; n < len && n + 1 < outlen; n++)
		out[n] = p[n] >= 0x20 && p[n] < 0x7f ? (char)p[n] : '?';
	out[n] = '\0';
	return len;
}

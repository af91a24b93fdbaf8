/* DERP framing (protocol.md section 6.2; Go's derp/derp.go and
 * derp/derp_client.go): constants, an incremental frame reader, writers for
 * the frames a client sends and parsers for the frames a server sends.
 *
 * A frame is 1 type byte, a 4-byte big-endian payload length, then the
 * payload.  Everything here works on caller buffers: the reader owns one
 * buffer for frames split across reads (grown on demand up to
 * TN_DERP_MAX_FRAME); the writers fill a caller buffer; the parsers take
 * (buf, len) of untrusted bytes, never read past it, and hand back pointers
 * into it.  Parsers follow Go's client: extra bytes after the fields a
 * frame needs are ignored (left to future versions), too few are an error.
 *
 * No global state; any thread, one reader per thread at a time.
 */
#ifndef TN_DERP_FRAME_H
#define TN_DERP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "DERP" + U+1F511 (key) in UTF-8: the start of the ServerKey frame. */
#define TN_DERP_MAGIC "DERP\xF0\x9F\x94\x91"
#define TN_DERP_MAGIC_LEN 8
/* Version 2: RecvPacket carries the source key in front of the packet. */
#define TN_DERP_PROTOCOL_VERSION 2
#define TN_DERP_KEY_LEN 32
#define TN_DERP_NONCE_LEN 24
#define TN_DERP_FRAME_HEADER_LEN 5
/* Largest packet relayed (Go's MaxPacketSize; the server refuses more). */
#define TN_DERP_MAX_PACKET (64u * 1024)
/* Largest frame payload accepted from a server: Go's client refuses frames
 * over 1 MiB as a broken or hostile server. */
#define TN_DERP_MAX_FRAME (1u << 20)
/* Largest ServerKey frame: Go's client reads the greeting with a 1 KiB
 * limit (room for fields a future server might add after the key). */
#define TN_DERP_MAX_SERVER_KEY 1024u
/* The ping payload, echoed back in the pong. */
#define TN_DERP_PING_LEN 8

enum tn_derp_frame_type {
	TN_DERP_FRAME_SERVER_KEY = 0x01,     /* S->C magic + server key */
	TN_DERP_FRAME_CLIENT_INFO = 0x02,    /* C->S key + nonce + box(JSON) */
	TN_DERP_FRAME_SERVER_INFO = 0x03,    /* S->C nonce + box(JSON) */
	TN_DERP_FRAME_SEND_PACKET = 0x04,    /* C->S dst key + packet */
	TN_DERP_FRAME_RECV_PACKET = 0x05,    /* S->C src key + packet */
	TN_DERP_FRAME_KEEP_ALIVE = 0x06,     /* S->C empty */
	TN_DERP_FRAME_NOTE_PREFERRED = 0x07, /* C->S 1 byte */
	TN_DERP_FRAME_PEER_GONE = 0x08,      /* S->C key + reason */
	TN_DERP_FRAME_PEER_PRESENT = 0x09,   /* S->C (mesh watchers) */
	TN_DERP_FRAME_FORWARD_PACKET = 0x0a, /* mesh only */
	TN_DERP_FRAME_WATCH_CONNS = 0x10,    /* mesh only */
	TN_DERP_FRAME_CLOSE_PEER = 0x11,     /* mesh only */
	TN_DERP_FRAME_PING = 0x12,           /* either way, 8 bytes */
	TN_DERP_FRAME_PONG = 0x13,           /* either way, 8 bytes echoed */
	TN_DERP_FRAME_HEALTH = 0x14,         /* S->C problem text */
	TN_DERP_FRAME_RESTARTING = 0x15,     /* S->C two BE uint32 ms */
};

enum tn_derp_peer_gone_reason {
	TN_DERP_PEER_GONE_DISCONNECTED = 0x00, /* the peer left this server */
	TN_DERP_PEER_GONE_NOT_HERE = 0x01,     /* the server does not know it */
};

/* A frame type's name ("RecvPacket"), or "unknown". */
const char *tn_derp_frame_name(uint8_t type);

/* ---- reading ---- */

/* Called once per complete frame.  payload[0..len) is borrowed for the
 * call (it points into the fed bytes when the whole frame was there, else
 * into the reader's buffer) and may be modified in place.  Return 0 to go
 * on, a negative errno to stop feeding (the reader then returns it). */
typedef int (*tn_derp_frame_fn)(void *arg, uint8_t type, uint8_t *payload,
				size_t len);

struct tn_derp_reader {
	uint8_t hdr[TN_DERP_FRAME_HEADER_LEN];
	size_t hdr_len;
	uint8_t type;
	uint32_t want;           /* payload length of the current frame */
	uint8_t *buf;            /* partial payload */
	size_t len, cap;
	int err;                 /* sticky */
};

void tn_derp_reader_init(struct tn_derp_reader *r);
/* Releases the buffer; the reader may be initialised again. */
void tn_derp_reader_free(struct tn_derp_reader *r);

/* Feeds data[0..len) (which may be modified by fn).  Returns 0 when all of
 * it was taken, -EMSGSIZE for a frame announced over TN_DERP_MAX_FRAME
 * (seen from its header, before its payload is read), -ENOMEM, or fn's
 * negative result.  After an error every later call returns it again. */
int tn_derp_reader_feed(struct tn_derp_reader *r, uint8_t *data, size_t len,
			tn_derp_frame_fn fn, void *arg);

/* True between frames (no partial header or payload held). */
bool tn_derp_reader_idle(const struct tn_derp_reader *r);

/* ---- writing (client frames) ----
 * Each writes a whole frame, header included, into out[0..outlen) and
 * returns its length, or -ENOSPC if out is too small. */

/* ClientInfo of the sealed JSON box (nonce || box, as tn_box_seal writes). */
#define TN_DERP_CLIENT_INFO_LEN(box_len) \
	(TN_DERP_FRAME_HEADER_LEN + TN_DERP_KEY_LEN + (box_len))
int tn_derp_write_client_info(uint8_t *out, size_t outlen,
			      const uint8_t node_pub[TN_DERP_KEY_LEN],
			      const uint8_t *sealed, size_t sealed_len);

/* SendPacket: -EMSGSIZE for a packet over TN_DERP_MAX_PACKET. */
#define TN_DERP_SEND_PACKET_LEN(pkt_len) \
	(TN_DERP_FRAME_HEADER_LEN + TN_DERP_KEY_LEN + (pkt_len))
int tn_derp_write_send_packet(uint8_t *out, size_t outlen,
			      const uint8_t dst[TN_DERP_KEY_LEN],
			      const uint8_t *pkt, size_t pkt_len);
/* Only the frame header and the key, for a caller that sends the packet
 * bytes from where they are (writev).  -EMSGSIZE as above. */
#define TN_DERP_SEND_PACKET_HEAD_LEN (TN_DERP_FRAME_HEADER_LEN + TN_DERP_KEY_LEN)
int tn_derp_write_send_packet_head(uint8_t out[TN_DERP_SEND_PACKET_HEAD_LEN],
				   const uint8_t dst[TN_DERP_KEY_LEN],
				   size_t pkt_len);

#define TN_DERP_NOTE_PREFERRED_LEN (TN_DERP_FRAME_HEADER_LEN + 1)
int tn_derp_write_note_preferred(uint8_t *out, size_t outlen, bool preferred);

#define TN_DERP_PING_FRAME_LEN (TN_DERP_FRAME_HEADER_LEN + TN_DERP_PING_LEN)
int tn_derp_write_ping(uint8_t *out, size_t outlen,
		       const uint8_t data[TN_DERP_PING_LEN]);
int tn_derp_write_pong(uint8_t *out, size_t outlen,
		       const uint8_t data[TN_DERP_PING_LEN]);

/* ---- parsing (server frames' payloads) ----
 * Each returns 0 or -EBADMSG (too short, wrong magic, bad JSON, a box that
 * does not open). */

/* ServerKey: magic then the server's public key; -EMSGSIZE over
 * TN_DERP_MAX_SERVER_KEY. */
int tn_derp_parse_server_key(const uint8_t *p, size_t len,
			     uint8_t server_pub[TN_DERP_KEY_LEN]);

struct tn_derp_server_info {
	int version;                       /* 0 when absent */
	int64_t token_bucket_bytes_per_sec; /* 0: no limit announced */
	int64_t token_bucket_bytes_burst;
};

/* ServerInfo: opens nonce || box sealed from server_pub to our node_priv
 * and reads the JSON object ({"version":2}; unknown fields ignored, as Go
 * does; a field of the wrong type is an error). */
int tn_derp_parse_server_info(const uint8_t *p, size_t len,
			      const uint8_t server_pub[TN_DERP_KEY_LEN],
			      const uint8_t node_priv[TN_DERP_KEY_LEN],
			      struct tn_derp_server_info *info);

/* RecvPacket: *src points at the 32-byte source key, *pkt at the packet
 * (both into p; the packet may be empty). */
int tn_derp_parse_recv_packet(uint8_t *p, size_t len, const uint8_t **src,
			      uint8_t **pkt, size_t *pkt_len);

/* PeerGone: the key and the reason byte (0, disconnected, when absent, as
 * old servers sent none). */
int tn_derp_parse_peer_gone(const uint8_t *p, size_t len, const uint8_t **key,
			    int *reason);

/* Ping or Pong: the first 8 bytes (a server may send more). */
int tn_derp_parse_ping(const uint8_t *p, size_t len,
		       uint8_t data[TN_DERP_PING_LEN]);

/* Restarting: reconnect-in and try-for, in milliseconds. */
int tn_derp_parse_restarting(const uint8_t *p, size_t len,
			     uint32_t *reconnect_in_ms, uint32_t *try_for_ms);

/* Health: the problem text made printable into out (NUL-terminated,
 * truncated to outlen - 1; bytes outside printable ASCII become '?'),
 * "" when the server clears the problem.  Returns the text's length as
 * sent (can exceed what fits). */
size_t tn_derp_parse_health(const uint8_t *p, size_t len, char *out,
			    size_t outlen);

#endif

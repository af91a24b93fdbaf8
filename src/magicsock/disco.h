/* Disco: the sealed messages peers exchange to find direct paths (Go's
 * tailscale.com/disco; protocol.md section 7).  A pure codec: no sockets,
 * no peer table, no timers.
 *
 * Envelope (the same bytes over UDP and as a DERP packet payload):
 *
 *	magic "TS💬" (54 53 f0 9f 92 ac)      6
 *	sender's disco public key             32
 *	nonce                                 24
 *	NaCl box of the payload: tag(16) || ciphertext, keyed by
 *	(sender's disco private key, receiver's disco public key)
 *
 * Payload: type(1) || version(1) || body.  Go writes version 0 and reads
 * the body leniently (disco.go: "always ignore bytes at the end"):
 *
 *	Ping 0x01: txid(12) [|| sender's node key(32)] [|| zero padding]
 *	     Any length >= 12 is a ping; 32 more bytes are the node key and the
 *	     rest (also 1..31 bytes after the txid) is padding, whatever its
 *	     content.  The version is not looked at.
 *	Pong 0x02: txid(12) || ip(16) || port(2, big-endian), IPv4 written
 *	     v4-mapped.  At least 30 bytes; more are ignored; no version check.
 *	CallMeMaybe 0x03: n x (ip(16) || port(2)).  A body that is empty, not
 *	     a multiple of 18, or of a version other than 0 is an empty list,
 *	     not an error.
 *	0x04..0x09: the peer-relay messages (BindUDPRelayEndpoint{,Challenge,
 *	     Answer}, CallMeMaybeVia, AllocateUDPRelayEndpoint{Request,
 *	     Response}).  Recognised by type only: the body is not decoded, the
 *	     caller ignores them (we are no relay client or server).
 *	Any other type fails to parse (Go's disco.Parse: "unknown message
 *	type"); Go then drops it silently, as a message from a newer peer.
 *
 * Addresses are struct tn_tailcfg_addrport (family AF_INET/AF_INET6, port
 * in host order); a v4-mapped address on the wire comes out as AF_INET, as
 * Go's Unmap does.  Pong and CallMeMaybe addresses are not checked (port 0
 * or :: pass): judging them is the caller's business.
 *
 * Stateless, any thread.  Sealing and opening a message with Ping padding
 * beyond a small stack buffer allocate a scratch buffer (-ENOMEM).
 */
#ifndef TN_MAGICSOCK_DISCO_H
#define TN_MAGICSOCK_DISCO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/tailcfg.h"

#define TN_DISCO_MAGIC "TS\xf0\x9f\x92\xac"
#define TN_DISCO_MAGIC_LEN 6
#define TN_DISCO_KEY_LEN 32
#define TN_DISCO_NONCE_LEN 24
#define TN_DISCO_TAG_LEN 16
/* magic || sender key: what the receive path needs to call a datagram
 * disco (Go's packetLooksLike, discoHeaderLen). */
#define TN_DISCO_HEADER_LEN (TN_DISCO_MAGIC_LEN + TN_DISCO_KEY_LEN)
/* Envelope bytes around the payload: header, nonce and box tag (78). */
#define TN_DISCO_OVERHEAD (TN_DISCO_HEADER_LEN + TN_DISCO_NONCE_LEN + TN_DISCO_TAG_LEN)
/* type || version */
#define TN_DISCO_MSG_HEADER_LEN 2
#define TN_DISCO_TXID_LEN 12
#define TN_DISCO_PING_LEN (TN_DISCO_TXID_LEN + TN_DISCO_KEY_LEN) /* 44, no padding */
#define TN_DISCO_PONG_LEN (TN_DISCO_TXID_LEN + 16 + 2)           /* 30 */
#define TN_DISCO_ENDPOINT_LEN (16 + 2)
/* Neither UDP nor DERP carries more than 64 KiB: a larger "packet" is
 * refused before any buffer is sized from it, and no seal makes one. */
#define TN_DISCO_MAX_PACKET 65535
/* CallMeMaybe endpoints kept from one message.  Go sets no bound; its
 * senders list a handful (STUN and port-mapped addresses first, then the
 * local interfaces).  Past this many the rest are counted and dropped. */
#define TN_DISCO_MAX_ENDPOINTS 64

enum tn_disco_type {
	TN_DISCO_PING = 0x01,
	TN_DISCO_PONG = 0x02,
	TN_DISCO_CALL_ME_MAYBE = 0x03,
	/* Peer relays: parsed by type only, body ignored; cannot be sealed. */
	TN_DISCO_BIND_UDP_RELAY_ENDPOINT = 0x04,
	TN_DISCO_BIND_UDP_RELAY_ENDPOINT_CHALLENGE = 0x05,
	TN_DISCO_BIND_UDP_RELAY_ENDPOINT_ANSWER = 0x06,
	TN_DISCO_CALL_ME_MAYBE_VIA = 0x07,
	TN_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_REQUEST = 0x08,
	TN_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_RESPONSE = 0x09,
};

struct tn_disco_ping {
	uint8_t txid[TN_DISCO_TXID_LEN];
	/* The sender's WireGuard node key, all zero when absent (old peers);
	 * only a hint, to be matched against the netmap.  Sealing omits an
	 * all-zero key, as Go does. */
	uint8_t node_key[TN_DISCO_KEY_LEN];
	size_t padding; /* zero bytes after the fields (path MTU probes) */
};

struct tn_disco_pong {
	uint8_t txid[TN_DISCO_TXID_LEN];
	/* The ping's source as the responder saw it; 127.3.3.40:<region>
	 * when the ping came over DERP. */
	struct tn_tailcfg_addrport src;
};

struct tn_disco_call_me_maybe {
	size_t n_endpoints;
	size_t n_dropped; /* parsed endpoints past TN_DISCO_MAX_ENDPOINTS */
	struct tn_tailcfg_addrport endpoints[TN_DISCO_MAX_ENDPOINTS];
};

struct tn_disco_msg {
	enum tn_disco_type type;
	uint8_t version; /* as received; sealing always writes 0 */
	union {
		struct tn_disco_ping ping;
		struct tn_disco_pong pong;
		struct tn_disco_call_me_maybe call_me_maybe;
	};
};

/* True if pkt starts with the magic and holds a sender key: the receive
 * path's test (Go's packetLooksLike), so a short disco-looking datagram is
 * dropped as disco rather than handed to WireGuard. */
bool tn_disco_looks_like(const uint8_t *pkt, size_t len);

/* The sender's disco public key inside pkt (borrowed, 32 bytes), or NULL
 * if pkt does not look like disco.  Go checks that it names a known peer
 * before spending any crypto on the packet; do the same, then use
 * tn_disco_open_afternm with that peer's shared key. */
const uint8_t *tn_disco_sender(const uint8_t *pkt, size_t len);

/* The payload of m (type, version 0, body) into out[0..outcap).  Returns
 * its length, -EINVAL (a type that cannot be sent, an address family
 * other than AF_INET/AF_INET6, more than TN_DISCO_MAX_ENDPOINTS),
 * -EMSGSIZE (padding so large that the sealed packet would exceed
 * TN_DISCO_MAX_PACKET) or -ENOSPC.  m->version and n_dropped are not
 * looked at.  The sealed packet is TN_DISCO_OVERHEAD bytes longer. */
int tn_disco_marshal(uint8_t *out, size_t outcap, const struct tn_disco_msg *m);

/* Parses a payload (as found inside the box) into m.  Returns 0 or
 * -EBADMSG (under 2 bytes, a short Ping or Pong, an unknown type); m is
 * zeroed on error. */
int tn_disco_parse(struct tn_disco_msg *m, const uint8_t *payload, size_t len);

/* Seals m from us (my_priv, my_pub: our disco key pair) to their_pub into
 * out[0..outcap), with a random nonce.  Returns the packet length,
 * tn_disco_marshal's errors, -ENOMEM, or tn_box_seal's (-EINVAL for a
 * low-order their_pub); out is not a valid packet then. */
int tn_disco_seal(uint8_t *out, size_t outcap, const uint8_t my_priv[TN_DISCO_KEY_LEN],
		  const uint8_t my_pub[TN_DISCO_KEY_LEN],
		  const uint8_t their_pub[TN_DISCO_KEY_LEN], const struct tn_disco_msg *m);

/* The same with the per-peer key of tn_box_beforenm(their_pub, my_priv)
 * (Go's DiscoShared), which the caller owns and wipes. */
int tn_disco_seal_afternm(uint8_t *out, size_t outcap, const uint8_t my_pub[TN_DISCO_KEY_LEN],
			  const uint8_t shared[TN_DISCO_KEY_LEN], const struct tn_disco_msg *m);

/* Opens a disco packet addressed to us (my_priv) and parses its payload.
 * On success returns 0 and writes the sender's disco key to
 * sender_pub_out; the caller must then check that it belongs to a known
 * peer (Go drops anything else).  Returns -EBADMSG for anything that is
 * not disco, does not open (wrong key, tampered, truncated) or does not
 * parse, -ENOMEM, or tn_crypto_init()'s error; m and sender_pub_out are
 * zeroed on error. */
int tn_disco_open(struct tn_disco_msg *m, const uint8_t *pkt, size_t len,
		  const uint8_t my_priv[TN_DISCO_KEY_LEN],
		  uint8_t sender_pub_out[TN_DISCO_KEY_LEN]);

/* The same with the shared key of the peer named by tn_disco_sender(). */
int tn_disco_open_afternm(struct tn_disco_msg *m, const uint8_t *pkt, size_t len,
			  const uint8_t shared[TN_DISCO_KEY_LEN]);

#endif

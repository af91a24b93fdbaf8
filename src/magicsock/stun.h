/* STUN as Tailscale uses it (Go's net/stun; protocol.md section 8.1): the
 * one binding request netcheck sends, recognising STUN among the other
 * datagrams of the WireGuard socket, and reading the mapped address out
 * of a binding response.  A pure codec: no sockets, no timers.
 *
 * The request is exactly what Go's stun.Request writes, 40 bytes
 * (protocol.md's "48" is wrong: 20 + 12 + 8):
 *
 *	00 01  00 14  21 12 a4 42  txid(12)           header (RFC 5389 s.6)
 *	80 22  00 08  "tailnode"                      SOFTWARE
 *	80 28  00 04  crc32(bytes 0..32) ^ 0x5354554e  FINGERPRINT
 *
 * derper's and headscale's STUN servers refuse requests without that
 * SOFTWARE value and a final, correct FINGERPRINT.
 *
 * Responses are parsed as Go's stun.ParseResponse does: a success
 * response (01 01) whose attributes are well formed; XOR-MAPPED-ADDRESS
 * (0x0020, or 0x8020 which some servers send) wins, MAPPED-ADDRESS (0x0001)
 * is the fallback, the last of each kind counts, bytes past the header's
 * length are ignored, and a v4-mapped IPv6 address comes out as IPv4.  One
 * addition: a FINGERPRINT attribute, where present, must be correct (Go
 * does not look at it; RFC 5389 s.7.3 has it told STUN from other traffic
 * on a shared port, which is our situation).
 *
 * Stateless, any thread, no allocation.
 */
#ifndef TN_MAGICSOCK_STUN_H
#define TN_MAGICSOCK_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/tailcfg.h"

#define TN_STUN_HEADER_LEN 20
#define TN_STUN_TXID_LEN 12
#define TN_STUN_REQUEST_LEN 40
#define TN_STUN_MAGIC_COOKIE 0x2112a442u
#define TN_STUN_FINGERPRINT_XOR 0x5354554eu /* "STUN" */
/* tailcfg.DERPNode.STUNPort's default (0 in the DERP map means this). */
#define TN_STUN_DEFAULT_PORT 3478

/* Writes the binding request for txid (12 fresh random bytes per probe:
 * tn_crypto_random) into out. */
void tn_stun_request(uint8_t out[TN_STUN_REQUEST_LEN], const uint8_t txid[TN_STUN_TXID_LEN]);

/* Go's stun.Is: at least a header, the top two bits zero, the magic
 * cookie at offset 4. */
bool tn_stun_is(const uint8_t *pkt, size_t len);

/* The receive path's test (Go's packetLooksLike): tn_stun_is and the
 * binding method's low byte (0x01, requests and responses alike).  It
 * cannot match WireGuard (byte 1 is always 0 there) or disco (0x53). */
bool tn_stun_is_binding(const uint8_t *pkt, size_t len);

/* CRC-32 (IEEE) of buf[0..len) XOR TN_STUN_FINGERPRINT_XOR: the value of
 * a FINGERPRINT attribute that follows buf. */
uint32_t tn_stun_fingerprint(const uint8_t *buf, size_t len);

struct tn_stun_response {
	uint8_t txid[TN_STUN_TXID_LEN];
	struct tn_tailcfg_addrport addr; /* our address as the server saw it */
	bool xor_mapped;                 /* from XOR-MAPPED-ADDRESS, not the fallback */
	bool fingerprint;                /* carried a (correct) FINGERPRINT */
};

/* Parses a binding success response.  Returns 0, or -EBADMSG for anything
 * else: not STUN, not a success response, malformed attributes, an
 * unknown address family, a wrong FINGERPRINT, or no mapped address; r is
 * zeroed on error.  The result is only worth anything if r->txid is that
 * of a request in flight (tn_stun_response_for): anyone can send us STUN. */
int tn_stun_parse_response(struct tn_stun_response *r, const uint8_t *pkt, size_t len);

/* True if r answers the request with this txid. */
bool tn_stun_response_for(const struct tn_stun_response *r,
			  const uint8_t txid[TN_STUN_TXID_LEN]);

#endif

/* Outbound: handshake initiations and responses, keepalives, and transport
 * data sealed with the current keypair. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/crypto.h"
#include "util/clock.h"
#include "wg/peer.h"
#include "wg/timers.h"

int tn_wg_send_datagram(struct tn_wg_peer *peer, const uint8_t *buf, size_t len)
{
	struct tn_wg_device *dev = peer->dev;
	int r = dev->path->send(dev->path_ctx, peer, buf, len);

	if (r == 0) {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += len;
		peer->tx_bytes += len;
	}
	return r;
}

void tn_wg_send_initiation(struct tn_wg_peer *peer, bool is_retry)
{
	struct tn_wg_device *dev = peer->dev;
	struct tn_wg_msg_initiation msg;
	uint64_t now = tn_clock_now();
	uint32_t index;

	if (!dev->has_identity)
		return;
	if (!is_retry)
		peer->handshake_attempts = 0;
	/* At most one initiation per REKEY_TIMEOUT, whatever asks for it. */
	if (peer->last_sent_handshake && now - peer->last_sent_handshake < TN_WG_REKEY_TIMEOUT_NS)
		return;
	if (peer->hs.local_index) {
		tn_wg_index_del(dev, peer->hs.local_index);
		peer->hs.local_index = 0;
	}
	if (tn_wg_index_add(dev, peer, NULL, &index) < 0)
		return;
	if (tn_wg_initiation_create(&peer->hs, &dev->id, &msg, index) < 0 ||
	    tn_wg_macs_add(&peer->cookie, peer->hs.remote_mac1_key, &msg, sizeof(msg)) < 0) {
		tn_wg_index_del(dev, index);
		return;
	}
	peer->last_sent_handshake = now ? now : 1;
	tn_wg_timers_any_authenticated_packet_traversal(peer);
	tn_wg_timers_any_authenticated_packet_sent(peer);
	tn_wg_send_datagram(peer, (const uint8_t *)&msg, sizeof(msg));
	dev->stats.handshakes_sent++;
	tn_wg_timers_handshake_initiated(peer);
}

static bool keypair_usable_for_send(const struct tn_wg_keypair *kp)
{
	return kp && kp->send_valid &&
	       tn_clock_now() - kp->birth < TN_WG_REJECT_AFTER_TIME_NS &&
	       kp->send_counter < TN_WG_REJECT_AFTER_MESSAGES;
}

/* Seals plaintext pkt[0..len) for peer's current keypair and sends it.
 * Returns -ENOKEY when there is no usable session. */
static int seal_and_send(struct tn_wg_peer *peer, const uint8_t *pkt, size_t len)
{
	struct tn_wg_device *dev = peer->dev;
	struct tn_wg_keypair *kp = peer->current;
	struct tn_wg_msg_data_header *hdr = (struct tn_wg_msg_data_header *)dev->scratch;
	uint8_t nonce[TN_AEAD_NONCE_LEN];
	size_t padded;
	uint64_t counter;
	int r;

	if (!keypair_usable_for_send(kp))
		return -ENOKEY;
	/* Plaintext is padded to a multiple of 16, but never past the MTU. */
	padded = (len + 15) & ~(size_t)15;
	if (padded > dev->mtu)
		padded = len > dev->mtu ? len : dev->mtu;
	if (TN_WG_DATA_MIN_LEN + padded > dev->scratch_len)
		return -EMSGSIZE;
	counter = kp->send_counter++;
	hdr->type = TN_WG_MSG_DATA;
	hdr->receiver = kp->remote_index;
	hdr->counter = counter;
	if (len)
		memcpy(dev->scratch + TN_WG_DATA_HEADER_LEN, pkt, len);
	memset(dev->scratch + TN_WG_DATA_HEADER_LEN + len, 0, padded - len);
	tn_aead_nonce_le(nonce, counter);
	r = tn_aead_seal(kp->send, nonce, dev->scratch + TN_WG_DATA_HEADER_LEN,
			 dev->scratch + TN_WG_DATA_HEADER_LEN, padded, NULL, 0);
	if (r < 0)
		return r;
	tn_wg_timers_any_authenticated_packet_traversal(peer);
	tn_wg_timers_any_authenticated_packet_sent(peer);
	r = tn_wg_send_datagram(peer, dev->scratch, TN_WG_DATA_MIN_LEN + padded);
	if (len)
		tn_wg_timers_data_sent(peer);
	/* Keep the key fresh: the initiator renews an ageing or busy session. */
	if (kp->is_initiator && (kp->send_counter > TN_WG_REKEY_AFTER_MESSAGES ||
				 tn_clock_now() - kp->birth > TN_WG_REKEY_AFTER_TIME_NS))
		tn_wg_send_initiation(peer, false);
	return r;
}

void tn_wg_send_keepalive(struct tn_wg_peer *peer)
{
	/* Staged data carries the keepalive's news just as well. */
	if (peer->staged_len) {
		tn_wg_send_staged(peer);
		return;
	}
	if (seal_and_send(peer, NULL, 0) == -ENOKEY)
		tn_wg_send_initiation(peer, false);
}

void tn_wg_send_staged(struct tn_wg_peer *peer)
{
	while (peer->staged_len) {
		struct tn_wg_staged *s = &peer->staged[peer->staged_head];

		if (seal_and_send(peer, s->pkt, s->len) == -ENOKEY) {
			tn_wg_send_initiation(peer, false);
			return;
		}
		free(s->pkt);
		s->pkt = NULL;
		peer->staged_head = (peer->staged_head + 1) % TN_WG_MAX_STAGED_PACKETS;
		peer->staged_len--;
	}
}

/* The destination of an IP packet: family and a pointer to its address. */
static int packet_destination(const uint8_t *pkt, size_t len, int *family, const uint8_t **addr)
{
	if (len >= 20 && pkt[0] >> 4 == 4) {
		*family = AF_INET;
		*addr = pkt + 16;
		return 0;
	}
	if (len >= 40 && pkt[0] >> 4 == 6) {
		*family = AF_INET6;
		*addr = pkt + 24;
		return 0;
	}
	return -EBADMSG;
}

int tn_wg_device_send(struct tn_wg_device *dev, const uint8_t *pkt, size_t len)
{
	struct tn_wg_peer *peer;
	const uint8_t *dst;
	int family, r;

	if (packet_destination(pkt, len, &family, &dst) < 0) {
		dev->stats.drop_malformed++;
		return -EBADMSG;
	}
	peer = tn_wg_allowedips_lookup(&dev->aips, family, dst);
	if (!peer) {
		dev->stats.drop_no_peer++;
		return -EHOSTUNREACH;
	}
	if (peer->staged_len) {
		/* Keep order behind packets already waiting. */
		tn_wg_peer_stage(peer, pkt, len);
		tn_wg_send_staged(peer);
		return 0;
	}
	r = seal_and_send(peer, pkt, len);
	if (r == -ENOKEY) {
		tn_wg_peer_stage(peer, pkt, len);
		tn_wg_send_initiation(peer, false);
		return 0;
	}
	return r;
}

/* Inbound: handshake messages (with mac/cookie checks and load shedding)
 * and transport data (open, replay window, cryptokey source check). */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"
#include "util/clock.h"
#include "wg/peer.h"
#include "wg/timers.h"

static void endpoint_to_source(const struct tn_wg_endpoint *ep, struct tn_wg_source *src)
{
	memset(src, 0, sizeof(*src));
	if (!ep)
		return;
	if (ep->addr.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ep->addr;

		memcpy(src->addr, &in->sin_addr, 4);
		src->addr_len = 4;
		src->port = ntohs(in->sin_port);
	} else if (ep->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ep->addr;

		memcpy(src->addr, &in6->sin6_addr, 16);
		src->addr_len = 16;
		src->port = ntohs(in6->sin6_port);
	}
}

static void update_endpoint(struct tn_wg_peer *peer, const struct tn_wg_endpoint *src)
{
	if (src && src->len) {
		tn_wg_peer_set_endpoint(peer, (const struct sockaddr *)&src->addr, src->len);
		peer->endpoint.seen = tn_clock_now();
	}
}

/* A relayed datagram must authenticate as the peer the relay named. */
static bool wrong_sender(struct tn_wg_device *dev, const struct tn_wg_peer *peer)
{
	if (!dev->claimed || dev->claimed == peer)
		return false;
	dev->stats.drop_relay_sender++;
	tn_wg_log_drop(dev, "relayed datagram from another peer than the relay named");
	return true;
}

static bool under_load(struct tn_wg_device *dev)
{
	uint64_t now = tn_clock_now();

	if (now - dev->load_window_start >= TN_NSEC_PER_SEC) {
		dev->load_window_start = now;
		dev->load_count = 0;
		tn_wg_ratelimiter_gc(dev->ratelimiter);
	}
	if (++dev->load_count > TN_WG_UNDER_LOAD_HANDSHAKES_PER_SEC)
		dev->under_load_until = now + TN_WG_UNDER_LOAD_HOLD_NS;
	return now < dev->under_load_until;
}

/* Returns 0 if a handshake message may be processed; otherwise it was
 * answered with a cookie or dropped. */
static int check_macs(struct tn_wg_device *dev, uint8_t *buf, size_t len,
		      uint32_t sender, const struct tn_wg_endpoint *src)
{
	struct tn_wg_source s;
	enum tn_wg_mac_state st;

	endpoint_to_source(src, &s);
	st = tn_wg_macs_check(&dev->cookie_checker, &dev->id, buf, len, &s);
	if (st == TN_WG_MAC_INVALID) {
		dev->stats.drop_mac++;
		tn_wg_log_drop(dev, "handshake message with a bad mac1");
		return -EBADMSG;
	}
	if (!under_load(dev) || !s.addr_len)
		return 0;
	if (st != TN_WG_MAC_BOTH) {
		struct tn_wg_msg_cookie reply;

		if (tn_wg_cookie_reply_create(&dev->cookie_checker, &dev->id, &reply, buf, len,
					      sender, &s) == 0 &&
		    dev->path->reply(dev->path_ctx, src, (const uint8_t *)&reply, sizeof(reply)) == 0)
			dev->stats.cookies_sent++;
		return -EBUSY;
	}
	if (!tn_wg_ratelimiter_allow(dev->ratelimiter, s.addr,
				     s.addr_len == 4 ? AF_INET : AF_INET6)) {
		dev->stats.drop_ratelimit++;
		return -EBUSY;
	}
	return 0;
}

static int receive_initiation(struct tn_wg_device *dev, uint8_t *buf, size_t len,
			      const struct tn_wg_endpoint *src)
{
	struct tn_wg_msg_initiation *msg = (struct tn_wg_msg_initiation *)buf;
	struct tn_wg_initiation_open op;
	struct tn_wg_msg_response resp;
	struct tn_wg_peer *peer;
	uint32_t index;
	int r;

	if ((r = check_macs(dev, buf, len, msg->sender, src)) < 0)
		return r;
	r = tn_wg_initiation_open(&dev->id, msg, &op);
	peer = r == 0 ? tn_wg_peer_lookup(dev, op.remote_static) : NULL;
	if (!peer) {
		tn_crypto_wipe(&op, sizeof(op));
		dev->stats.drop_handshake++;
		tn_wg_log_drop(dev, "initiation %s", r ? "that does not decrypt" : "from an unknown key");
		return -ENOENT;
	}
	if (wrong_sender(dev, peer)) {
		tn_crypto_wipe(&op, sizeof(op));
		return -EPERM;
	}
	r = tn_wg_initiation_accept(&peer->hs, &op, msg);
	tn_crypto_wipe(&op, sizeof(op));
	if (r < 0) {
		dev->stats.drop_handshake++;
		tn_wg_log_drop(dev, "initiation rejected (%s)",
			       r == -EALREADY ? "replayed timestamp" :
			       r == -EAGAIN ? "flood" : "bad timestamp");
		return r;
	}
	dev->stats.handshakes_received++;
	update_endpoint(peer, src);
	tn_wg_timers_any_authenticated_packet_received(peer);
	tn_wg_timers_any_authenticated_packet_traversal(peer);

	/* Our own initiation in flight (if any) is superseded. */
	if (peer->hs.local_index)
		tn_wg_index_del(dev, peer->hs.local_index);
	if ((r = tn_wg_index_add(dev, peer, NULL, &index)) < 0)
		return r;
	if ((r = tn_wg_response_create(&peer->hs, &resp, index)) < 0 ||
	    (r = tn_wg_macs_add(&peer->cookie, peer->hs.remote_mac1_key, &resp, sizeof(resp))) < 0 ||
	    (r = tn_wg_peer_new_keypair(peer)) < 0) {
		tn_wg_index_del(dev, index);
		tn_wg_handshake_clear(&peer->hs);
		return r;
	}
	tn_wg_timers_any_authenticated_packet_sent(peer);
	tn_wg_send_datagram(peer, (const uint8_t *)&resp, sizeof(resp));
	return 0;
}

static int receive_response(struct tn_wg_device *dev, uint8_t *buf, size_t len,
			    const struct tn_wg_endpoint *src)
{
	struct tn_wg_msg_response *msg = (struct tn_wg_msg_response *)buf;
	struct tn_wg_index_entry *e;
	struct tn_wg_peer *peer;
	int r;

	if ((r = check_macs(dev, buf, len, msg->sender, src)) < 0)
		return r;
	e = tn_wg_index_find(dev, msg->receiver);
	if (!e || e->keypair) {
		dev->stats.drop_unknown_index++;
		tn_wg_log_drop(dev, "response to an unknown index");
		return -ENOENT;
	}
	peer = e->peer;
	if (wrong_sender(dev, peer))
		return -EPERM;
	if ((r = tn_wg_response_consume(&peer->hs, &dev->id, msg)) < 0) {
		dev->stats.drop_handshake++;
		tn_wg_log_drop(dev, "response that does not authenticate");
		return r;
	}
	if ((r = tn_wg_peer_new_keypair(peer)) < 0)
		return r;
	dev->stats.handshakes_received++;
	update_endpoint(peer, src);
	tn_wg_timers_any_authenticated_packet_received(peer);
	tn_wg_timers_any_authenticated_packet_traversal(peer);
	tn_wg_timers_handshake_complete(peer);
	/* Confirm the session to the responder at once. */
	tn_wg_send_keepalive(peer);
	return 0;
}

static int receive_cookie(struct tn_wg_device *dev, uint8_t *buf)
{
	struct tn_wg_msg_cookie *msg = (struct tn_wg_msg_cookie *)buf;
	struct tn_wg_index_entry *e = tn_wg_index_find(dev, msg->receiver);

	if (!e) {
		dev->stats.drop_unknown_index++;
		return -ENOENT;
	}
	if (wrong_sender(dev, e->peer))
		return -EPERM;
	if (tn_wg_cookie_reply_consume(&e->peer->cookie, e->peer->hs.remote_cookie_key, msg) < 0) {
		dev->stats.drop_handshake++;
		tn_wg_log_drop(dev, "cookie reply that does not open");
		return -EBADMSG;
	}
	dev->stats.cookies_received++;
	return 0;
}

/* The inner packet's length from its IP header, and its source address. */
static int inner_packet(const uint8_t *pkt, size_t len, size_t *ip_len, int *family,
			const uint8_t **src)
{
	if (len >= 20 && pkt[0] >> 4 == 4) {
		size_t tot = (size_t)pkt[2] << 8 | pkt[3];

		if (tot < 20 || tot > len)
			return -EBADMSG;
		*ip_len = tot;
		*family = AF_INET;
		*src = pkt + 12;
		return 0;
	}
	if (len >= 40 && pkt[0] >> 4 == 6) {
		size_t tot = 40 + ((size_t)pkt[4] << 8 | pkt[5]);

		if (tot > len)
			return -EBADMSG;
		*ip_len = tot;
		*family = AF_INET6;
		*src = pkt + 8;
		return 0;
	}
	return -EBADMSG;
}

static int receive_data(struct tn_wg_device *dev, uint8_t *buf, size_t len,
			const struct tn_wg_endpoint *src)
{
	struct tn_wg_msg_data_header *hdr = (struct tn_wg_msg_data_header *)buf;
	struct tn_wg_index_entry *e = tn_wg_index_find(dev, hdr->receiver);
	struct tn_wg_keypair *kp;
	struct tn_wg_peer *peer;
	uint8_t nonce[TN_AEAD_NONCE_LEN];
	uint8_t *pkt = buf + TN_WG_DATA_HEADER_LEN;
	size_t plen = len - TN_WG_DATA_MIN_LEN, ip_len;
	const uint8_t *inner_src;
	uint64_t counter = hdr->counter;
	int family;

	if (!e || !e->keypair) {
		dev->stats.drop_unknown_index++;
		tn_wg_log_drop(dev, "data for an unknown index");
		return -ENOENT;
	}
	kp = e->keypair;
	peer = e->peer;
	if (wrong_sender(dev, peer))
		return -EPERM;
	if (tn_clock_now() - kp->birth >= TN_WG_REJECT_AFTER_TIME_NS ||
	    counter >= TN_WG_REJECT_AFTER_MESSAGES) {
		dev->stats.drop_expired++;
		return -EKEYEXPIRED;
	}
	tn_aead_nonce_le(nonce, counter);
	if (tn_aead_open(kp->recv, nonce, pkt, pkt, len - TN_WG_DATA_HEADER_LEN, NULL, 0) < 0) {
		dev->stats.drop_auth++;
		tn_wg_log_drop(dev, "data that does not authenticate");
		return -EBADMSG;
	}
	if (!tn_wg_replay_check(&kp->replay, counter)) {
		dev->stats.drop_replay++;
		tn_wg_log_drop(dev, "replayed or too old counter %llu", (unsigned long long)counter);
		return -EALREADY;
	}
	if (kp == peer->next) {
		tn_wg_peer_confirm_keypair(peer, kp);
		tn_wg_timers_handshake_complete(peer);
		tn_wg_send_staged(peer);
	}
	update_endpoint(peer, src);
	dev->stats.rx_packets++;
	dev->stats.rx_bytes += len;
	peer->rx_bytes += len;
	tn_wg_timers_any_authenticated_packet_received(peer);
	tn_wg_timers_any_authenticated_packet_traversal(peer);

	/* The initiator renews a session nearing its end before it must. */
	if (kp == peer->current && kp->is_initiator && !peer->sent_lastminute_handshake &&
	    tn_clock_now() - kp->birth > TN_WG_REJECT_AFTER_TIME_NS - TN_WG_KEEPALIVE_TIMEOUT_NS -
					     TN_WG_REKEY_TIMEOUT_NS) {
		peer->sent_lastminute_handshake = true;
		tn_wg_send_initiation(peer, false);
	}
	if (plen == 0)
		return 0; /* keepalive */
	tn_wg_timers_data_received(peer);
	if (inner_packet(pkt, plen, &ip_len, &family, &inner_src) < 0) {
		dev->stats.drop_malformed++;
		tn_wg_log_drop(dev, "data with a malformed inner IP header");
		return -EBADMSG;
	}
	if (tn_wg_allowedips_lookup(&dev->aips, family, inner_src) != peer) {
		dev->stats.drop_source++;
		tn_wg_log_drop(dev, "inner source outside the peer's AllowedIPs");
		return -EPERM;
	}
	dev->deliver(dev->deliver_ctx, peer, pkt, ip_len);
	return 0;
}

int tn_wg_device_receive(struct tn_wg_device *dev, uint8_t *buf, size_t len,
			 const struct tn_wg_endpoint *src)
{
	uint32_t type;

	/* The message structs need 8-byte alignment; a relay frame (DERP's
	 * 37 bytes of header and key) does not give it. */
	if ((uintptr_t)buf & 7) {
		if (len > dev->rx_scratch_len) {
			dev->stats.drop_malformed++;
			return -EMSGSIZE;
		}
		memcpy(dev->rx_scratch, buf, len);
		buf = dev->rx_scratch;
	}

	if (len < 4 || !dev->has_identity)
		goto malformed;
	memcpy(&type, buf, sizeof(type));
	switch (type) {
	case TN_WG_MSG_INITIATION:
		if (len != TN_WG_INITIATION_LEN)
			goto malformed;
		return receive_initiation(dev, buf, len, src);
	case TN_WG_MSG_RESPONSE:
		if (len != TN_WG_RESPONSE_LEN)
			goto malformed;
		return receive_response(dev, buf, len, src);
	case TN_WG_MSG_COOKIE:
		if (len != TN_WG_COOKIE_REPLY_LEN)
			goto malformed;
		return receive_cookie(dev, buf);
	case TN_WG_MSG_DATA:
		if (len < TN_WG_DATA_MIN_LEN)
			goto malformed;
		return receive_data(dev, buf, len, src);
	}
malformed:
	dev->stats.drop_malformed++;
	tn_wg_log_drop(dev, "malformed datagram of %zu bytes", len);
	return -EBADMSG;
}

int tn_wg_device_receive_from_peer(struct tn_wg_device *dev, uint8_t *buf, size_t len,
				   struct tn_wg_peer *peer)
{
	int r;

	dev->claimed = peer;
	r = tn_wg_device_receive(dev, buf, len, NULL);
	dev->claimed = NULL;
	return r;
}

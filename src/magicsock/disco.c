#include "magicsock/disco.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/box.h"
#include "crypto/keys.h"

_Static_assert(TN_DISCO_KEY_LEN == TN_BOX_KEY_LEN, "disco keys are box keys");
_Static_assert(TN_DISCO_NONCE_LEN == TN_BOX_NONCE_LEN, "disco nonce is the box nonce");
_Static_assert(TN_DISCO_TAG_LEN == TN_BOX_TAG_LEN, "disco tag is the box tag");

/* Payloads up to this size (every message but a padded ping) are built and
 * opened on the stack; larger ones use the heap. */
#define STACK_PAYLOAD 512

/* Offset of the nonce || box part of the envelope. */
#define BOX_OFFSET TN_DISCO_HEADER_LEN

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool tn_disco_looks_like(const uint8_t *pkt, size_t len)
{
	return len >= TN_DISCO_HEADER_LEN && memcmp(pkt, TN_DISCO_MAGIC, TN_DISCO_MAGIC_LEN) == 0;
}

const uint8_t *tn_disco_sender(const uint8_t *pkt, size_t len)
{
	return tn_disco_looks_like(pkt, len) ? pkt + TN_DISCO_MAGIC_LEN : NULL;
}

/* ip(16) || port(2): IPv4 as v4-mapped IPv6 (Go's Addr.As16). */
static int put_addrport(uint8_t *p, const struct tn_tailcfg_addrport *ap)
{
	switch (ap->family) {
	case AF_INET:
		memcpy(p, v4_mapped_prefix, sizeof(v4_mapped_prefix));
		memcpy(p + 12, ap->addr, 4);
		break;
	case AF_INET6:
		memcpy(p, ap->addr, 16);
		break;
	default:
		return -EINVAL;
	}
	p[16] = (uint8_t)(ap->port >> 8);
	p[17] = (uint8_t)ap->port;
	return 0;
}

/* The inverse, unmapping v4-mapped addresses (Go's Unmap). */
static void get_addrport(struct tn_tailcfg_addrport *ap, const uint8_t *p)
{
	memset(ap, 0, sizeof(*ap));
	if (memcmp(p, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		ap->family = AF_INET;
		memcpy(ap->addr, p + 12, 4);
	} else {
		ap->family = AF_INET6;
		memcpy(ap->addr, p, 16);
	}
	ap->port = (uint16_t)(p[16] << 8 | p[17]);
}

/* The payload length of m, -EINVAL, or -EMSGSIZE if the sealed packet
 * would exceed TN_DISCO_MAX_PACKET. */
static int payload_len(const struct tn_disco_msg *m, size_t *len)
{
	const size_t max = TN_DISCO_MAX_PACKET - TN_DISCO_OVERHEAD - TN_DISCO_MSG_HEADER_LEN;
	size_t body;

	switch (m->type) {
	case TN_DISCO_PING:
		body = TN_DISCO_TXID_LEN;
		if (!tn_key_is_zero(m->ping.node_key))
			body += TN_DISCO_KEY_LEN;
		if (m->ping.padding > max - body)
			return -EMSGSIZE;
		body += m->ping.padding;
		break;
	case TN_DISCO_PONG:
		body = TN_DISCO_PONG_LEN;
		break;
	case TN_DISCO_CALL_ME_MAYBE:
		if (m->call_me_maybe.n_endpoints > TN_DISCO_MAX_ENDPOINTS)
			return -EINVAL;
		body = m->call_me_maybe.n_endpoints * TN_DISCO_ENDPOINT_LEN;
		break;
	default:
		return -EINVAL;
	}
	*len = TN_DISCO_MSG_HEADER_LEN + body;
	return 0;
}

int tn_disco_marshal(uint8_t *out, size_t outcap, const struct tn_disco_msg *m)
{
	size_t len;
	uint8_t *p = out + TN_DISCO_MSG_HEADER_LEN;
	int err = payload_len(m, &len);

	if (err)
		return err;
	if (len > outcap)
		return -ENOSPC;
	out[0] = (uint8_t)m->type;
	out[1] = 0; /* version: Go sends and expects 0 */
	switch (m->type) {
	case TN_DISCO_PING:
		memcpy(p, m->ping.txid, TN_DISCO_TXID_LEN);
		p += TN_DISCO_TXID_LEN;
		if (!tn_key_is_zero(m->ping.node_key)) {
			memcpy(p, m->ping.node_key, TN_DISCO_KEY_LEN);
			p += TN_DISCO_KEY_LEN;
		}
		memset(p, 0, m->ping.padding);
		break;
	case TN_DISCO_PONG:
		memcpy(p, m->pong.txid, TN_DISCO_TXID_LEN);
		if ((err = put_addrport(p + TN_DISCO_TXID_LEN, &m->pong.src)))
			return err;
		break;
	case TN_DISCO_CALL_ME_MAYBE:
		for (size_t i = 0; i < m->call_me_maybe.n_endpoints; i++) {
			if ((err = put_addrport(p, &m->call_me_maybe.endpoints[i])))
				return err;
			p += TN_DISCO_ENDPOINT_LEN;
		}
		break;
	default:
		return -EINVAL; /* payload_len refused it already */
	}
	return (int)len;
}

int tn_disco_parse(struct tn_disco_msg *m, const uint8_t *payload, size_t len)
{
	const uint8_t *p = payload + TN_DISCO_MSG_HEADER_LEN;
	size_t n;

	memset(m, 0, sizeof(*m));
	if (len < TN_DISCO_MSG_HEADER_LEN)
		goto bad;
	m->type = (enum tn_disco_type)payload[0];
	m->version = payload[1];
	n = len - TN_DISCO_MSG_HEADER_LEN;
	switch (payload[0]) {
	case TN_DISCO_PING:
		/* No version check; longer-than-known is padding (Go: "lax on
		 * longer-than-expected messages, for future compatibility"). */
		if (n < TN_DISCO_TXID_LEN)
			goto bad;
		memcpy(m->ping.txid, p, TN_DISCO_TXID_LEN);
		n -= TN_DISCO_TXID_LEN;
		if (n >= TN_DISCO_KEY_LEN) {
			memcpy(m->ping.node_key, p + TN_DISCO_TXID_LEN, TN_DISCO_KEY_LEN);
			n -= TN_DISCO_KEY_LEN;
		}
		m->ping.padding = n;
		return 0;
	case TN_DISCO_PONG:
		if (n < TN_DISCO_PONG_LEN)
			goto bad;
		memcpy(m->pong.txid, p, TN_DISCO_TXID_LEN);
		get_addrport(&m->pong.src, p + TN_DISCO_TXID_LEN);
		return 0;
	case TN_DISCO_CALL_ME_MAYBE:
		/* Anything but a whole number of endpoints at version 0 is an
		 * empty list, not an error (Go's parseCallMeMaybe). */
		if (n == 0 || n % TN_DISCO_ENDPOINT_LEN || m->version != 0)
			return 0;
		for (; n; n -= TN_DISCO_ENDPOINT_LEN, p += TN_DISCO_ENDPOINT_LEN) {
			struct tn_disco_call_me_maybe *c = &m->call_me_maybe;

			if (c->n_endpoints == TN_DISCO_MAX_ENDPOINTS)
				c->n_dropped++;
			else
				get_addrport(&c->endpoints[c->n_endpoints++], p);
		}
		return 0;
	case TN_DISCO_BIND_UDP_RELAY_ENDPOINT:
	case TN_DISCO_BIND_UDP_RELAY_ENDPOINT_CHALLENGE:
	case TN_DISCO_BIND_UDP_RELAY_ENDPOINT_ANSWER:
	case TN_DISCO_CALL_ME_MAYBE_VIA:
	case TN_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_REQUEST:
	case TN_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_RESPONSE:
		return 0; /* known to Go, not to us: the caller ignores it */
	default:
		goto bad;
	}
bad:
	memset(m, 0, sizeof(*m));
	return -EBADMSG;
}

/* buf, or a heap buffer of len bytes if buf is too small. */
static uint8_t *scratch(uint8_t *buf, size_t cap, size_t len)
{
	return len <= cap ? buf : malloc(len);
}

static void scratch_free(uint8_t *p, const uint8_t *buf)
{
	if (p != buf)
		free(p);
}

/* Seals with either key form: shared, or (their_pub, my_priv). */
static int seal(uint8_t *out, size_t outcap, const uint8_t *my_priv, const uint8_t *my_pub,
		const uint8_t *their_pub, const uint8_t *shared, const struct tn_disco_msg *m)
{
	uint8_t stackbuf[STACK_PAYLOAD], *payload;
	size_t len;
	int err = payload_len(m, &len), n;

	if (err)
		return err;
	if (TN_DISCO_OVERHEAD + len > outcap)
		return -ENOSPC;
	if (!(payload = scratch(stackbuf, sizeof(stackbuf), len)))
		return -ENOMEM;
	if ((n = tn_disco_marshal(payload, len, m)) < 0) {
		err = n;
		goto out;
	}
	memcpy(out, TN_DISCO_MAGIC, TN_DISCO_MAGIC_LEN);
	memcpy(out + TN_DISCO_MAGIC_LEN, my_pub, TN_DISCO_KEY_LEN);
	if (shared)
		err = tn_box_seal_afternm(out + BOX_OFFSET, payload, len, shared);
	else
		err = tn_box_seal(out + BOX_OFFSET, payload, len, their_pub, my_priv);
	if (err)
		memset(out, 0, TN_DISCO_HEADER_LEN);
out:
	scratch_free(payload, stackbuf);
	return err ? err : (int)(TN_DISCO_OVERHEAD + len);
}

int tn_disco_seal(uint8_t *out, size_t outcap, const uint8_t my_priv[TN_DISCO_KEY_LEN],
		  const uint8_t my_pub[TN_DISCO_KEY_LEN],
		  const uint8_t their_pub[TN_DISCO_KEY_LEN], const struct tn_disco_msg *m)
{
	return seal(out, outcap, my_priv, my_pub, their_pub, NULL, m);
}

int tn_disco_seal_afternm(uint8_t *out, size_t outcap, const uint8_t my_pub[TN_DISCO_KEY_LEN],
			  const uint8_t shared[TN_DISCO_KEY_LEN], const struct tn_disco_msg *m)
{
	return seal(out, outcap, NULL, my_pub, NULL, shared, m);
}

/* Opens with either key form: shared, or (sender key in pkt, my_priv). */
static int unseal(struct tn_disco_msg *m, const uint8_t *pkt, size_t len, const uint8_t *my_priv,
		  const uint8_t *shared)
{
	uint8_t stackbuf[STACK_PAYLOAD], *payload;
	size_t plen;
	int err;

	memset(m, 0, sizeof(*m));
	/* Room for the box and at least a message header inside it. */
	if (!tn_disco_looks_like(pkt, len) ||
	    len < TN_DISCO_OVERHEAD + TN_DISCO_MSG_HEADER_LEN || len > TN_DISCO_MAX_PACKET)
		return -EBADMSG;
	plen = len - TN_DISCO_OVERHEAD;
	if (!(payload = scratch(stackbuf, sizeof(stackbuf), plen)))
		return -ENOMEM;
	if (shared)
		err = tn_box_open_afternm(payload, pkt + BOX_OFFSET, len - BOX_OFFSET, shared);
	else
		err = tn_box_open(payload, pkt + BOX_OFFSET, len - BOX_OFFSET,
				  pkt + TN_DISCO_MAGIC_LEN, my_priv);
	if (!err)
		err = tn_disco_parse(m, payload, plen);
	scratch_free(payload, stackbuf);
	return err;
}

int tn_disco_open(struct tn_disco_msg *m, const uint8_t *pkt, size_t len,
		  const uint8_t my_priv[TN_DISCO_KEY_LEN],
		  uint8_t sender_pub_out[TN_DISCO_KEY_LEN])
{
	int err = unseal(m, pkt, len, my_priv, NULL);

	if (err)
		memset(sender_pub_out, 0, TN_DISCO_KEY_LEN);
	else
		memcpy(sender_pub_out, pkt + TN_DISCO_MAGIC_LEN, TN_DISCO_KEY_LEN);
	return err;
}

int tn_disco_open_afternm(struct tn_disco_msg *m, const uint8_t *pkt, size_t len,
			  const uint8_t shared[TN_DISCO_KEY_LEN])
{
	return unseal(m, pkt, len, NULL, shared);
}

/* Fuzz target for the WireGuard handshake consumers (src/wg/receive.c,
 * handshake.c, cookie.c): past the mac1 check, into initiation_open /
 * initiation_accept, response_consume, the cookie-reply consumer, and the
 * load-shedding path (cookie replies, mac2, the rate limiter).
 *
 * Every input starts from scratch, so that it is reproducible on its own:
 * libsodium's random source is replaced by a fixed-seed generator
 * (fuzz_rng.h, reseeded per input), the virtual clock is reset, and a
 * fresh device (the fixed key of wg_packet.c) gets one peer (the fixed
 * peer key).  Unless told not to, the device then starts a handshake with
 * the peer, so a response or cookie reply has something to answer.  All
 * of that being deterministic, the device's initiation is the same in
 * every run, and the seed corpus holds a real response and a real cookie
 * reply to it, made by the peer, and a real initiation from the peer.
 * (Those seeds were made by running this setup; if src/wg changes how
 * much randomness a device draws before its first initiation, they no
 * longer match it and should be made again.)
 *
 * The input is a handshake message with options in its header:
 *
 *   byte 0     message type: 1 initiation (148 bytes), 2 response (92),
 *              3 cookie reply (64); any other value is 1 + value % 3
 *   byte 1     flags (below); bytes 1-3 are zeroed before use
 *   bytes 4-   the rest of the message, cut or zero-padded to its length
 *
 * Initiations and responses get a valid mac1 for the device's public key,
 * so a real message passes unchanged; mac2 is the input's unless F_MAC2.
 * Responses and cookie replies are addressed to the device's pending
 * initiation unless F_KEEP_RECEIVER.
 *
 * Checked: no crash or overread; every message moves a counter; an
 * accepted message has its effect (a response to an initiation, a
 * keepalive after a response, a cookie stored) and a rejected one sends
 * nothing but a cookie reply; under load nothing without a valid mac2 is
 * accepted; the same message a second time is never accepted.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/x25519.h"
#include "crypto/xaead.h"
#include "event/loop.h"
#include "util/clock.h"
#include "wg/cookie.h"
#include "wg/device.h"
#include "wg/handshake.h"

#include "fuzz_rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	F_LOAD = 0x01,          /* put the device under load first */
	F_MAC2 = 0x02,          /* with F_LOAD: a valid mac2 (the device's cookie) */
	F_KEEP_RECEIVER = 0x04, /* leave the receiver index as the input has it */
	F_NO_SOURCE = 0x08,     /* a datagram without a source address (DERP) */
	F_NO_INITIATE = 0x10,   /* the device has no handshake of its own pending */
	F_IPV6 = 0x20,          /* from an IPv6 source */
};

/* The keys of the seed corpus (as in wg_packet.c): priv[i] = base + i. */
#define DEVICE_KEY_BASE 0xa0
#define PEER_KEY_BASE 0xb0
#define RNG_SEED 0x5eed5eed5eed5eedULL
#define CLOCK_START (1000 * TN_NSEC_PER_SEC)
/* Enough mac1-valid messages to pass the device's under-load rate. */
#define MAX_LOAD_MESSAGES 256

/* ---- the device under test and what it sends ---- */

struct bed {
	struct tn_wg_device *dev;
	struct tn_wg_peer *peer;
	uint8_t initiation[TN_WG_INITIATION_LEN]; /* the device's own, if any */
	bool initiated;
	uint8_t last[TN_WG_INITIATION_LEN];       /* the last datagram it sent */
	size_t last_len;
	unsigned sent, replies;
};

static struct tn_loop *loop;
static struct tn_wg_identity device_id;          /* for its mac1 and cookie keys */
static uint8_t device_priv[TN_WG_KEY_LEN], peer_pub[TN_WG_KEY_LEN];
static struct tn_wg_endpoint src4, src6;

static void fixed_key(uint8_t priv[TN_WG_KEY_LEN], uint8_t base)
{
	for (int i = 0; i < TN_WG_KEY_LEN; i++)
		priv[i] = (uint8_t)(base + i);
	tn_x25519_clamp(priv);
}

static size_t message_len(uint8_t type)
{
	return type == TN_WG_MSG_INITIATION ? TN_WG_INITIATION_LEN :
	       type == TN_WG_MSG_RESPONSE ? TN_WG_RESPONSE_LEN : TN_WG_COOKIE_REPLY_LEN;
}

static void record(struct bed *b, const uint8_t *buf, size_t len)
{
	/* Whatever the device sends is a well-formed message. */
	if (len < 4 || buf[1] || buf[2] || buf[3])
		__builtin_trap();
	if (buf[0] == TN_WG_MSG_DATA ? len < TN_WG_DATA_MIN_LEN :
	    buf[0] < TN_WG_MSG_INITIATION || buf[0] > TN_WG_MSG_COOKIE || len != message_len(buf[0]))
		__builtin_trap();
	if (len <= sizeof(b->last)) {
		memcpy(b->last, buf, len);
		b->last_len = len;
	}
}

static int path_send(void *ctx, struct tn_wg_peer *peer, const uint8_t *buf, size_t len)
{
	struct bed *b = ctx;

	if (peer != b->peer)
		__builtin_trap();
	record(b, buf, len);
	b->sent++;
	return 0;
}

static int path_reply(void *ctx, const struct tn_wg_endpoint *to, const uint8_t *buf,
		      size_t len)
{
	struct bed *b = ctx;

	/* Only cookie replies go to a bare source. */
	if (len != TN_WG_COOKIE_REPLY_LEN || buf[0] != TN_WG_MSG_COOKIE || !to || !to->len)
		__builtin_trap();
	record(b, buf, len);
	b->replies++;
	return 0;
}

static const struct tn_wg_path_ops path_ops = { .send = path_send, .reply = path_reply };

static void deliver(void *ctx, struct tn_wg_peer *peer, uint8_t *pkt, size_t len)
{
	__builtin_trap(); /* handshake messages carry no packets */
}

static uint64_t stats_events(const struct tn_wg_device *dev)
{
	const struct tn_wg_stats *st = tn_wg_device_stats(dev);
	uint64_t v[sizeof(*st) / sizeof(uint64_t)], sum = 0;

	_Static_assert(sizeof(*st) % sizeof(uint64_t) == 0, "tn_wg_stats holds only uint64_t");
	memcpy(v, st, sizeof(v));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (i * sizeof(uint64_t) != offsetof(struct tn_wg_stats, rx_bytes) &&
		    i * sizeof(uint64_t) != offsetof(struct tn_wg_stats, tx_bytes))
			sum += v[i];
	return sum;
}

static void init_once(void)
{
	uint8_t peer_priv[TN_WG_KEY_LEN];
	struct sockaddr_in *in = (struct sockaddr_in *)&src4.addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&src6.addr;

	fuzz_rng_install(); /* before anything initialises libsodium */
	fixed_key(device_priv, DEVICE_KEY_BASE);
	fixed_key(peer_priv, PEER_KEY_BASE);
	if (tn_x25519_public(peer_pub, peer_priv) < 0 ||
	    tn_wg_identity_init(&device_id, device_priv) < 0 || !(loop = tn_loop_new()))
		abort();
	in->sin_family = AF_INET;
	in->sin_port = htons(51820);
	inet_pton(AF_INET, "192.0.2.2", &in->sin_addr);
	src4.len = sizeof(*in);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(51820);
	inet_pton(AF_INET6, "2001:db8::2", &in6->sin6_addr);
	src6.len = sizeof(*in6);
}

/* A fresh device on a reset clock and random source; unless F_NO_INITIATE
 * it has sent the peer an initiation (b->initiation). */
static void bed_setup(struct bed *b, unsigned flags)
{
	uint8_t allowed[4] = { 10, 0, 0, 2 };

	if (!loop)
		init_once();
	memset(b, 0, sizeof(*b));
	fuzz_rng_seed(RNG_SEED);
	tn_clock_set_virtual(true, CLOCK_START);
	if (!(b->dev = tn_wg_device_new(loop, &path_ops, b, deliver, b)) ||
	    tn_wg_device_set_private_key(b->dev, device_priv) < 0 ||
	    tn_wg_peer_add(b->dev, peer_pub, NULL, &b->peer) < 0 ||
	    tn_wg_peer_add_allowed_ip(b->peer, AF_INET, allowed, 32) < 0)
		abort();
	if (flags & F_NO_INITIATE)
		return;
	tn_wg_peer_initiate_handshake(b->peer);
	if (b->sent != 1 || b->last_len != TN_WG_INITIATION_LEN)
		__builtin_trap();
	memcpy(b->initiation, b->last, TN_WG_INITIATION_LEN);
	b->initiated = true;
}

static void bed_teardown(struct bed *b)
{
	tn_wg_device_free(b->dev);
	b->dev = NULL;
}

/* Feeds the device mac1-valid junk from src until it is under load and
 * answers with a cookie reply; with cookie non-NULL, opens that reply to
 * learn the cookie the device expects in mac2 from src. */
static void make_load(struct bed *b, const struct tn_wg_endpoint *src,
		      uint8_t cookie[TN_WG_COOKIE_LEN])
{
	struct tn_wg_cookie ck = { 0 };

	for (uint32_t i = 1; i <= MAX_LOAD_MESSAGES; i++) {
		struct tn_wg_msg_response junk = { .type = TN_WG_MSG_RESPONSE, .sender = i };
		uint8_t mac1[TN_WG_MAC_LEN];
		unsigned replies = b->replies;
		struct tn_wg_msg_cookie reply;

		/* Receiver index 0 names nothing: cheap to reject. */
		tn_wg_macs_add(&ck, device_id.mac1_key, &junk, sizeof(junk));
		memcpy(mac1, junk.macs.mac1, sizeof(mac1));
		if (tn_wg_device_receive(b->dev, (uint8_t *)&junk, sizeof(junk), src) >= 0)
			__builtin_trap();
		if (b->replies == replies)
			continue;
		memcpy(&reply, b->last, sizeof(reply));
		if (reply.receiver != i)
			__builtin_trap();
		if (cookie && tn_xaead_open(device_id.cookie_key, reply.nonce, cookie,
					    reply.encrypted_cookie,
					    sizeof(reply.encrypted_cookie), mac1,
					    sizeof(mac1)) < 0)
			__builtin_trap(); /* the device's own cookie reply must open */
		return;
	}
	__builtin_trap(); /* never under load */
}

/* Builds the message of the input in an exact-size heap buffer. */
static uint8_t *build(const struct bed *b, const uint8_t *data, size_t size, uint8_t *type,
		      size_t *len, unsigned *flags)
{
	uint8_t *msg;

	*type = size ? data[0] : 1;
	if (*type < TN_WG_MSG_INITIATION || *type > TN_WG_MSG_COOKIE)
		*type = (uint8_t)(1 + *type % 3);
	*flags = size > 1 ? data[1] : 0;
	*len = message_len(*type);
	if (!(msg = calloc(1, *len)))
		abort();
	if (size > 4)
		memcpy(msg + 4, data + 4, size - 4 < *len - 4 ? size - 4 : *len - 4);
	msg[0] = *type;
	if (*type != TN_WG_MSG_INITIATION && b->initiated && !(*flags & F_KEEP_RECEIVER)) {
		/* The initiation's sender index is at 4; a response's receiver
		 * at 8, a cookie reply's at 4. */
		memcpy(msg + (*type == TN_WG_MSG_RESPONSE ? 8 : 4), b->initiation + 4, 4);
	}
	return msg;
}

static void add_macs(uint8_t *msg, size_t len, const uint8_t *cookie)
{
	struct tn_wg_cookie ck = { 0 };
	uint8_t mac2[TN_WG_MAC_LEN];

	memcpy(mac2, msg + len - TN_WG_MAC_LEN, sizeof(mac2));
	if (cookie) {
		memcpy(ck.cookie, cookie, TN_WG_COOKIE_LEN);
		ck.birth = tn_clock_now();
	}
	tn_wg_macs_add(&ck, device_id.mac1_key, msg, len);
	if (!cookie)
		memcpy(msg + len - TN_WG_MAC_LEN, mac2, sizeof(mac2));
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_effect(struct bed *b, uint8_t type, const uint8_t *msg, int r,
			 unsigned sent, unsigned replies, uint64_t received, uint64_t cookies)
{
	const struct tn_wg_stats *st = tn_wg_device_stats(b->dev);

	if (r < 0) {
		/* Rejected: nothing goes to the peer, nothing is counted as
		 * received (a cookie reply to the source is allowed). */
		if (b->sent != sent || st->handshakes_received != received ||
		    st->cookies_received != cookies)
			__builtin_trap();
		return;
	}
	if (r > 0 || b->replies != replies)
		__builtin_trap();
	switch (type) {
	case TN_WG_MSG_INITIATION:
		/* Answered at once, to the initiation's sender index. */
		if (st->handshakes_received != received + 1 || b->sent != sent + 1 ||
		    b->last_len != TN_WG_RESPONSE_LEN || b->last[0] != TN_WG_MSG_RESPONSE ||
		    le32(b->last + 8) != le32(msg + 4))
			__builtin_trap();
		break;
	case TN_WG_MSG_RESPONSE:
		/* Confirmed at once with a keepalive to the response's sender. */
		if (st->handshakes_received != received + 1 || b->sent != sent + 1 ||
		    b->last_len != TN_WG_DATA_MIN_LEN || b->last[0] != TN_WG_MSG_DATA ||
		    le32(b->last + 4) != le32(msg + 4) || !tn_wg_peer_last_handshake(b->peer))
			__builtin_trap();
		break;
	case TN_WG_MSG_COOKIE:
		if (st->cookies_received != cookies + 1 || b->sent != sent)
			__builtin_trap();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bed b;
	const struct tn_wg_endpoint *src;
	uint8_t cookie[TN_WG_COOKIE_LEN], type, *msg, *copy;
	const struct tn_wg_stats *st;
	unsigned flags, sent, replies;
	uint64_t events, received, cookies;
	size_t len;
	int r;

	flags = size > 1 ? data[1] : 0;
	bed_setup(&b, flags);
	src = flags & F_NO_SOURCE ? NULL : flags & F_IPV6 ? &src6 : &src4;
	if (flags & F_LOAD)
		make_load(&b, src ? src : &src4, src && (flags & F_MAC2) ? cookie : NULL);
	msg = build(&b, data, size, &type, &len, &flags);
	if (type != TN_WG_MSG_COOKIE)
		add_macs(msg, len, src && (flags & (F_LOAD | F_MAC2)) == (F_LOAD | F_MAC2) ?
				   cookie : NULL);
	if (!(copy = malloc(len)))
		abort();
	memcpy(copy, msg, len);

	st = tn_wg_device_stats(b.dev);
	sent = b.sent;
	replies = b.replies;
	received = st->handshakes_received;
	cookies = st->cookies_received;
	events = stats_events(b.dev);
	r = tn_wg_device_receive(b.dev, msg, len, src);
	if (stats_events(b.dev) == events)
		__builtin_trap(); /* neither a drop nor a receipt was counted */
	check_effect(&b, type, copy, r, sent, replies, received, cookies);
	/* Under load and from a source, a handshake message needs mac2. */
	if (r == 0 && type != TN_WG_MSG_COOKIE && src && (flags & (F_LOAD | F_MAC2)) == F_LOAD)
		__builtin_trap();

	/* The same message again is a replay: never accepted twice. */
	memcpy(msg, copy, len);
	if (r == 0 && tn_wg_device_receive(b.dev, msg, len, src) == 0)
		__builtin_trap();

	free(copy);
	free(msg);
	bed_teardown(&b);
	return 0;
}

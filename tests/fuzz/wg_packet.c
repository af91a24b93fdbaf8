/* Fuzz target for the WireGuard datagram parser (src/wg/receive.c).
 *
 * One device (fixed private key) with one peer (fixed key, AllowedIPs
 * 10.0.0.2/32) lives for the whole run, on the virtual clock, which moves
 * 1 ms per input, and with a fixed-seed random source (fuzz_rng.h), so
 * that what happens depends on the inputs (and their order) only: session
 * indices the fuzzer learns from comparisons stay valid in the next run.  Every input is one datagram from 192.0.2.2:51820, given to
 * tn_wg_device_receive in an exact-size heap copy so that ASan sees any
 * read past it.
 *
 * Whatever the input: no crash, every datagram moves some counter of
 * tn_wg_stats (a drop is always counted; a message that is accepted counts
 * as received), a delivered packet lies inside the datagram, and anything
 * the device sends in answer is a well-formed WireGuard message.
 *
 * The seed corpus (corpus/wg_packet/) holds real messages between this
 * device and its peer: an initiation from the peer (which the device
 * accepts, once, as its timestamp is then no longer new), a response, a
 * cookie reply and data packets (whose indices name no session here, so
 * they stop at the index lookup), plus truncated and garbage ones.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/x25519.h"
#include "event/loop.h"
#include "util/clock.h"
#include "wg/device.h"

#include "fuzz_rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The keys of the seed corpus: priv[i] = base + i, clamped. */
#define DEVICE_KEY_BASE 0xa0
#define PEER_KEY_BASE 0xb0
#define RNG_SEED 0x5eed5eed5eed5eedULL

static struct tn_wg_device *dev;
static struct tn_wg_endpoint src;
static const uint8_t *input;
static size_t input_len;
static uint64_t bytes_sent;

static void fixed_key(uint8_t priv[TN_WG_KEY_LEN], uint8_t base)
{
	for (int i = 0; i < TN_WG_KEY_LEN; i++)
		priv[i] = (uint8_t)(base + i);
	tn_x25519_clamp(priv);
}

static void check_outbound(const uint8_t *buf, size_t len)
{
	if (len < 4 || buf[1] || buf[2] || buf[3])
		__builtin_trap();
	switch (buf[0]) {
	case 1:
		if (len != 148)
			__builtin_trap();
		break;
	case 2:
		if (len != 92)
			__builtin_trap();
		break;
	case 3:
		if (len != 64)
			__builtin_trap();
		break;
	case 4:
		if (len < 32)
			__builtin_trap();
		break;
	default:
		__builtin_trap();
	}
}

static int path_send(void *ctx, struct tn_wg_peer *peer, const uint8_t *buf, size_t len)
{
	check_outbound(buf, len);
	bytes_sent += len;
	return 0;
}

static int path_reply(void *ctx, const struct tn_wg_endpoint *to, const uint8_t *buf,
		      size_t len)
{
	check_outbound(buf, len);
	bytes_sent += len;
	return 0;
}

static const struct tn_wg_path_ops path_ops = { .send = path_send, .reply = path_reply };

static void deliver(void *ctx, struct tn_wg_peer *peer, uint8_t *pkt, size_t len)
{
	/* The packet is decrypted in place: it must lie inside the datagram,
	 * after the 16-byte header, and hold at least an IPv4 header. */
	if (len < 20 || len > input_len || pkt < input + 16 || pkt + len > input + input_len)
		__builtin_trap();
}

static uint64_t stats_sum(void)
{
	const struct tn_wg_stats *st = tn_wg_device_stats(dev);
	uint64_t v[sizeof(*st) / sizeof(uint64_t)], sum = 0;

	_Static_assert(sizeof(*st) % sizeof(uint64_t) == 0, "tn_wg_stats holds only uint64_t");
	memcpy(v, st, sizeof(v));
	/* Byte counters would hide a missing packet count: count events only. */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (i * sizeof(uint64_t) != offsetof(struct tn_wg_stats, rx_bytes) &&
		    i * sizeof(uint64_t) != offsetof(struct tn_wg_stats, tx_bytes))
			sum += v[i];
	return sum;
}

static void init(void)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&src.addr;
	uint8_t priv[TN_WG_KEY_LEN], peer_priv[TN_WG_KEY_LEN], peer_pub[TN_WG_KEY_LEN];
	uint8_t allowed[4] = { 10, 0, 0, 2 };
	struct tn_wg_peer *peer;
	struct tn_loop *loop;

	fuzz_rng_install();
	fuzz_rng_seed(RNG_SEED);
	tn_clock_set_virtual(true, 1000 * TN_NSEC_PER_SEC);
	fixed_key(priv, DEVICE_KEY_BASE);
	fixed_key(peer_priv, PEER_KEY_BASE);
	if (tn_x25519_public(peer_pub, peer_priv) < 0 || !(loop = tn_loop_new()) ||
	    !(dev = tn_wg_device_new(loop, &path_ops, NULL, deliver, NULL)) ||
	    tn_wg_device_set_private_key(dev, priv) < 0 ||
	    tn_wg_peer_add(dev, peer_pub, NULL, &peer) < 0 ||
	    tn_wg_peer_add_allowed_ip(peer, AF_INET, allowed, 32) < 0)
		abort();
	in->sin_family = AF_INET;
	in->sin_port = htons(51820);
	inet_pton(AF_INET, "192.0.2.2", &in->sin_addr);
	src.len = sizeof(*in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size); /* even for 0: ASan flags any read of it */
	uint64_t before;
	int r;

	if (!buf && size)
		abort();
	if (!dev)
		init();
	tn_clock_advance(TN_NSEC_PER_MSEC);
	if (size)
		memcpy(buf, data, size);
	input = buf;
	input_len = size;
	before = stats_sum();
	r = tn_wg_device_receive(dev, buf, size, &src);
	if (r > 0 || stats_sum() == before)
		__builtin_trap(); /* a result, or a drop, went uncounted */
	input = NULL;
	input_len = 0;
	free(buf);
	return 0;
}

/* Fuzz target for the disco codec (src/magicsock/disco.c).
 *
 * Each input is used three ways, from exact-size heap copies so that ASan
 * sees any read past it:
 *  1. as a payload for tn_disco_parse: an accepted message must account
 *     for every input byte as Go's disco.Parse does, and what it gives
 *     back must marshal to the same bytes (version aside; padding and
 *     trailing bytes aside);
 *  2. as a packet for tn_disco_open with bob's disco key, and with the
 *     precomputed key of the sender it names: both must agree, and only a
 *     packet sealed to bob by that sender can open;
 *  3. sealed by alice to bob as a payload, then opened: the result must
 *     equal (1), so the parser behind the box sees arbitrary input too.
 *
 * Keys are NaCl's box test pairs (alice, bob), as in the unit test; the
 * random source is fuzz_rng.h's, so runs repeat.  The seed corpus
 * (corpus/disco/) holds packets that tailscale v1.98.10's Go code sealed
 * from alice to bob (ping with and without node key and padding, a
 * 9000-byte path-MTU ping, pongs for IPv4, IPv6 and DERP, CallMeMaybe with
 * endpoints and without), bare payloads of every type (relay types, an
 * unknown type, CallMeMaybe past TN_DISCO_MAX_ENDPOINTS) and truncated
 * and garbage ones.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/box.h"
#include "crypto/keys.h"
#include "magicsock/disco.h"

#include "fuzz_rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RNG_SEED 0xd15c0d15c0ULL
/* Payloads sealed in step 3: enough for every message but the largest
 * pings, which the seeds cover through step 2. */
#define SEAL_MAX 10000

static const uint8_t alicesk[32] = {
	0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
	0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a,
};
static const uint8_t alicepk[32] = {
	0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
	0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
};
static const uint8_t bobsk[32] = {
	0x5d, 0xab, 0x08, 0x7e, 0x62, 0x4a, 0x8a, 0x4b, 0x79, 0xe1, 0x7f, 0x8b, 0x83, 0x80, 0x0e, 0xe6,
	0x6f, 0x3b, 0xb1, 0x29, 0x26, 0x18, 0xb6, 0xfd, 0x1c, 0x2f, 0x8b, 0x27, 0xff, 0x88, 0xe0, 0xeb,
};
static const uint8_t bobpk[32] = {
	0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61, 0xc2, 0xec, 0xe4, 0x35, 0x37,
	0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78, 0x67, 0x4d, 0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f,
};

static bool initialised;

static void check_zeroed(const void *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (((const uint8_t *)p)[i])
			__builtin_trap();
}

/* Step 1's checks on an accepted payload p[0..len). */
static void check_parsed(const struct tn_disco_msg *m, const uint8_t *p, size_t len)
{
	size_t n = len - 2, want;
	uint8_t out[2 + TN_DISCO_MAX_ENDPOINTS * TN_DISCO_ENDPOINT_LEN];
	int r;

	if (len < 2 || m->type != p[0] || m->version != p[1])
		__builtin_trap();
	switch (m->type) {
	case TN_DISCO_PING:
		if (n < 12)
			__builtin_trap();
		want = n - 12 >= 32 ? n - 44 : n - 12;
		if (m->ping.padding != want || memcmp(m->ping.txid, p + 2, 12))
			__builtin_trap();
		if (n - 12 >= 32 && memcmp(m->ping.node_key, p + 14, 32))
			__builtin_trap();
		if (n - 12 < 32)
			check_zeroed(m->ping.node_key, 32);
		/* (Payloads past what one packet holds cannot be marshalled.) */
		if (!tn_key_is_zero(m->ping.node_key) &&
		    len <= TN_DISCO_MAX_PACKET - TN_DISCO_OVERHEAD) {
			/* Same length; same bytes up to the padding. */
			uint8_t *o = malloc(len);

			if (!o || tn_disco_marshal(o, len, m) != (int)len || o[0] != 1 || o[1] != 0 ||
			    memcmp(o + 2, p + 2, 44))
				__builtin_trap();
			check_zeroed(o + 46, len - 46);
			free(o);
		}
		break;
	case TN_DISCO_PONG:
		if (n < 30)
			__builtin_trap();
		r = tn_disco_marshal(out, sizeof(out), m);
		if (r != 32 || out[1] != 0 || out[0] != 2 || memcmp(out + 2, p + 2, 30))
			__builtin_trap();
		break;
	case TN_DISCO_CALL_ME_MAYBE:
		if (n == 0 || n % 18 || p[1] != 0) {
			if (m->call_me_maybe.n_endpoints || m->call_me_maybe.n_dropped)
				__builtin_trap();
			break;
		}
		if (m->call_me_maybe.n_endpoints + m->call_me_maybe.n_dropped != n / 18 ||
		    m->call_me_maybe.n_endpoints > TN_DISCO_MAX_ENDPOINTS)
			__builtin_trap();
		r = tn_disco_marshal(out, sizeof(out), m);
		if (r != (int)(2 + m->call_me_maybe.n_endpoints * 18) || memcmp(out + 2, p + 2, (size_t)r - 2))
			__builtin_trap();
		break;
	default:
		if (m->type < 4 || m->type > 9)
			__builtin_trap();
		break;
	}
}

static void init(void)
{
	fuzz_rng_install();
	fuzz_rng_seed(RNG_SEED);
	initialised = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_disco_msg m1, m2, m3;
	uint8_t sender[32], shared[32];
	const uint8_t *from;
	uint8_t *buf = malloc(size ? size : 1), *pkt, *payload;
	int r1, r2, r3;

	if (!buf)
		abort();
	if (!initialised)
		init();
	if (size)
		memcpy(buf, data, size);

	/* 1: the input as a payload. */
	r1 = tn_disco_parse(&m1, buf, size);
	if (r1 == 0)
		check_parsed(&m1, buf, size);
	else if (r1 != -EBADMSG)
		__builtin_trap();
	else
		check_zeroed(&m1, sizeof(m1));

	/* 2: the input as a packet. */
	from = tn_disco_sender(buf, size);
	if ((from != NULL) != (size >= 38 && !memcmp(buf, TN_DISCO_MAGIC, 6)) ||
	    (from && from != buf + 6))
		__builtin_trap();
	r2 = tn_disco_open(&m2, buf, size, bobsk, sender);
	if (r2 == 0) {
		if (!from || memcmp(sender, from, 32) || size < 80)
			__builtin_trap();
		if (tn_box_beforenm(shared, from, bobsk) != 0 ||
		    tn_disco_open_afternm(&m3, buf, size, shared) != 0 || memcmp(&m2, &m3, sizeof(m2)))
			__builtin_trap();
		/* The message is the parse of what the box holds. */
		payload = malloc(size - TN_DISCO_OVERHEAD);
		if (!payload)
			abort();
		if (tn_box_open(payload, buf + TN_DISCO_HEADER_LEN, size - TN_DISCO_HEADER_LEN, from,
				bobsk) != 0 ||
		    tn_disco_parse(&m3, payload, size - TN_DISCO_OVERHEAD) != 0 ||
		    memcmp(&m2, &m3, sizeof(m2)))
			__builtin_trap();
		check_parsed(&m2, payload, size - TN_DISCO_OVERHEAD);
		free(payload);
	} else {
		if (r2 != -EBADMSG)
			__builtin_trap();
		check_zeroed(&m2, sizeof(m2));
		check_zeroed(sender, sizeof(sender));
		if (from && tn_box_beforenm(shared, from, bobsk) == 0 &&
		    tn_disco_open_afternm(&m3, buf, size, shared) != r2)
			__builtin_trap();
	}

	/* 3: the input sealed as a payload, then opened. */
	if (size <= SEAL_MAX) {
		pkt = malloc(TN_DISCO_HEADER_LEN + TN_BOX_OVERHEAD + size);
		if (!pkt)
			abort();
		memcpy(pkt, TN_DISCO_MAGIC, TN_DISCO_MAGIC_LEN);
		memcpy(pkt + TN_DISCO_MAGIC_LEN, alicepk, 32);
		if (tn_box_seal(pkt + TN_DISCO_HEADER_LEN, buf, size, bobpk, alicesk) != 0)
			__builtin_trap();
		r3 = tn_disco_open(&m3, pkt, TN_DISCO_OVERHEAD + size, bobsk, sender);
		if (r3 != r1 || memcmp(&m3, &m1, sizeof(m1)) ||
		    (r3 == 0 && memcmp(sender, alicepk, 32)))
			__builtin_trap();
		free(pkt);
	}
	free(buf);
	return 0;
}

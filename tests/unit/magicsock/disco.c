/* src/magicsock/disco.c: the disco envelope and its messages.
 *
 * Expected bytes are derived by hand from the layout documented in
 * tailscale v1.98.10 disco/disco.go (type, version 0, then the body;
 * addresses as 16-byte IPv6, v4-mapped, and a big-endian port) and are
 * written out field by field below.  They were then checked against Go:
 * disco.{Ping,Pong,CallMeMaybe}.AppendMarshal produce exactly these bytes,
 * and go_envelope_* are packets built by Go (golang.org/x/crypto/nacl/box
 * Seal, as key.DiscoShared.Seal does, with a fixed nonce) for alice -> bob.
 *
 * Keys: alice and bob are NaCl's box test key pairs (libsodium
 * test/default/box.c), as in tests/unit/crypto/box.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "crypto/box.h"
#include "crypto/keys.h"
#include "magicsock/disco.h"
#include "../vec.h"

static const char alicesk_hex[] =
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char alicepk_hex[] =
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char bobsk_hex[] =
	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
static const char bobpk_hex[] =
	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";

/* The message fields used throughout. */
static const char txid_hex[] = "0102030405060708090a0b0c";
static const char nodekey_hex[] =
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

/* Ping{TxID, NodeKey}: 2 + 12 + 32 = 46 bytes. */
static const char ping_hex[] =
	"01"                                                               /* type Ping */
	"00"                                                               /* version 0 */
	"0102030405060708090a0b0c"                                         /* TxID */
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"; /* NodeKey */

/* Ping{TxID, Padding: 3}: a zero node key is left out. */
static const char ping_nokey_pad3_hex[] =
	"01" "00"
	"0102030405060708090a0b0c" /* TxID */
	"000000";                  /* padding */

/* Ping{TxID, NodeKey, Padding: 5}. */
static const char ping_key_pad5_hex[] =
	"01" "00"
	"0102030405060708090a0b0c"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"0000000000";

/* Pong{TxID, 192.0.2.1:41641}: 2 + 12 + 16 + 2 = 32 bytes. */
static const char pong_v4_hex[] =
	"02"                               /* type Pong */
	"00"                               /* version 0 */
	"0102030405060708090a0b0c"         /* TxID */
	"00000000000000000000ffffc0000201" /* ::ffff:192.0.2.1 */
	"a2a9";                            /* port 41641 */

/* Pong{TxID, [2001:db8::1]:12345}. */
static const char pong_v6_hex[] =
	"02" "00"
	"0102030405060708090a0b0c"
	"20010db8000000000000000000000001" /* 2001:db8::1 */
	"3039";                            /* port 12345 */

/* Pong{TxID, 127.3.3.40:900}: Go's "via DERP region 900". */
static const char pong_derp_hex[] =
	"02" "00"
	"0102030405060708090a0b0c"
	"00000000000000000000ffff7f030328" /* ::ffff:127.3.3.40 */
	"0384";                            /* region 900 */

/* CallMeMaybe{198.51.100.7:41641, [2001:db8::2]:443}: 2 + 2 * 18 bytes. */
static const char cmm_hex[] =
	"03"                               /* type CallMeMaybe */
	"00"                               /* version 0 */
	"00000000000000000000ffffc6336407" /* ::ffff:198.51.100.7 */
	"a2a9"                             /* port 41641 */
	"20010db8000000000000000000000002" /* 2001:db8::2 */
	"01bb";                            /* port 443 */

/* Go's envelopes, alice -> bob, nonce 40 41 .. 57. */
static const char go_nonce_hex[] = "404142434445464748494a4b4c4d4e4f5051525354555657";
static const char go_envelope_ping_hex[] =
	"5453f09f92ac"                                                     /* magic */
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" /* alice */
	"404142434445464748494a4b4c4d4e4f5051525354555657"                 /* nonce */
	"49c896df0b8c9066c873c4cc777bb350"                                 /* tag */
	"96182545ed6e1c2382b5084336ab3d18a14515643a8a8e273f28e6a68b670ada" /* box(ping_hex) */
	"fb4dd0b96f3ef76ded52b0f0c5fb";
static const char go_envelope_pong_v4_hex[] =
	"5453f09f92ac"
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
	"404142434445464748494a4b4c4d4e4f5051525354555657"
	"57e92455e24cf0698765ff4cc6287a4d"
	"95182545ed6e1c2382b5084336ab9db903e6b1c19c2d268e6a7c8a0b27c918c2";

struct keys {
	uint8_t alicesk[32], alicepk[32], bobsk[32], bobpk[32];
};

static void load_keys(struct keys *k)
{
	unhex(k->alicesk, alicesk_hex);
	unhex(k->alicepk, alicepk_hex);
	unhex(k->bobsk, bobsk_hex);
	unhex(k->bobpk, bobpk_hex);
}

static void set_ap(struct tn_tailcfg_addrport *ap, int family, const char *addr_hex, uint16_t port)
{
	memset(ap, 0, sizeof(*ap));
	ap->family = (uint8_t)family;
	unhex(ap->addr, addr_hex);
	ap->port = port;
}

static void check_ap(const struct tn_tailcfg_addrport *ap, int family, const char *addr_hex,
		     uint16_t port)
{
	uint8_t want[16] = { 0 };

	assert_int_equal(ap->family, family);
	assert_int_equal(ap->port, port);
	unhex(want, addr_hex);
	assert_memory_equal(ap->addr, want, 16); /* bytes past an IPv4 address are zero */
}

static void msg_ping(struct tn_disco_msg *m, bool key, size_t padding)
{
	memset(m, 0, sizeof(*m));
	m->type = TN_DISCO_PING;
	unhex(m->ping.txid, txid_hex);
	if (key)
		unhex(m->ping.node_key, nodekey_hex);
	m->ping.padding = padding;
}

static void msg_pong(struct tn_disco_msg *m, int family, const char *addr_hex, uint16_t port)
{
	memset(m, 0, sizeof(*m));
	m->type = TN_DISCO_PONG;
	unhex(m->pong.txid, txid_hex);
	set_ap(&m->pong.src, family, addr_hex, port);
}

static void msg_cmm(struct tn_disco_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = TN_DISCO_CALL_ME_MAYBE;
	m->call_me_maybe.n_endpoints = 2;
	set_ap(&m->call_me_maybe.endpoints[0], AF_INET, "c6336407", 41641);
	set_ap(&m->call_me_maybe.endpoints[1], AF_INET6, "20010db8000000000000000000000002", 443);
}

/* Marshals m and compares with the expected hex, then checks that every
 * smaller buffer is refused. */
static void check_marshal(const struct tn_disco_msg *m, const char *want_hex)
{
	size_t n;
	uint8_t *want = unhex_alloc(want_hex, &n);
	uint8_t *out = malloc(n);

	assert_non_null(out);
	assert_int_equal(tn_disco_marshal(out, n, m), (int)n);
	assert_memory_equal(out, want, n);
	for (size_t cap = 0; cap < n; cap++)
		assert_int_equal(tn_disco_marshal(out, cap, m), -ENOSPC);
	free(out);
	free(want);
}

/* Parses the hex payload (from an exact-size heap copy). */
static int parse_hex(struct tn_disco_msg *m, const char *hex)
{
	size_t n;
	uint8_t *p = unhex_alloc(hex, &n);
	int r = tn_disco_parse(m, p, n);

	free(p);
	return r;
}

static void assert_zeroed(const struct tn_disco_msg *m)
{
	struct tn_disco_msg zero;

	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(m, &zero, sizeof(zero));
}

static void looks_like_and_sender(void **state)
{
	uint8_t pkt[TN_DISCO_HEADER_LEN];
	uint8_t *exact;

	assert_int_equal(TN_DISCO_HEADER_LEN, 38);
	assert_int_equal(TN_DISCO_OVERHEAD, 78);
	memcpy(pkt, "\x54\x53\xf0\x9f\x92\xac", 6); /* "TS💬" */
	for (int i = 6; i < 38; i++)
		pkt[i] = (uint8_t)i;
	for (size_t n = 0; n <= sizeof(pkt); n++) {
		exact = malloc(n ? n : 1);
		assert_non_null(exact);
		memcpy(exact, pkt, n);
		assert_int_equal(tn_disco_looks_like(exact, n), n == 38);
		if (n == 38)
			assert_ptr_equal(tn_disco_sender(exact, n), exact + 6);
		else
			assert_null(tn_disco_sender(exact, n));
		free(exact);
	}
	for (int i = 0; i < 6; i++) {
		pkt[i] ^= 0x01;
		assert_false(tn_disco_looks_like(pkt, sizeof(pkt)));
		assert_null(tn_disco_sender(pkt, sizeof(pkt)));
		pkt[i] ^= 0x01;
	}
	/* A WireGuard message (type 1..4, three zero bytes) is not disco. */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 4;
	assert_false(tn_disco_looks_like(pkt, sizeof(pkt)));
}

static void ping_wire_layout(void **state)
{
	struct tn_disco_msg m;

	assert_int_equal(TN_DISCO_PING_LEN, 44);
	msg_ping(&m, true, 0);
	check_marshal(&m, ping_hex);
	msg_ping(&m, false, 3);
	check_marshal(&m, ping_nokey_pad3_hex);
	msg_ping(&m, true, 5);
	check_marshal(&m, ping_key_pad5_hex);
	/* The version written is 0 whatever m says. */
	msg_ping(&m, true, 0);
	m.version = 9;
	check_marshal(&m, ping_hex);
}

static void pong_wire_layout(void **state)
{
	struct tn_disco_msg m;

	assert_int_equal(TN_DISCO_PONG_LEN, 30);
	msg_pong(&m, AF_INET, "c0000201", 41641);
	check_marshal(&m, pong_v4_hex);
	msg_pong(&m, AF_INET6, "20010db8000000000000000000000001", 12345);
	check_marshal(&m, pong_v6_hex);
	msg_pong(&m, AF_INET, "7f030328", 900);
	check_marshal(&m, pong_derp_hex);
}

static void call_me_maybe_wire_layout(void **state)
{
	struct tn_disco_msg m;

	msg_cmm(&m);
	check_marshal(&m, cmm_hex);
	m.call_me_maybe.n_endpoints = 0;
	check_marshal(&m, "0300");
}

static void marshal_refuses(void **state)
{
	struct tn_disco_msg m;
	uint8_t out[2048];

	msg_pong(&m, AF_UNSPEC, "", 1);
	assert_int_equal(tn_disco_marshal(out, sizeof(out), &m), -EINVAL);
	msg_cmm(&m);
	m.call_me_maybe.endpoints[1].family = 99;
	assert_int_equal(tn_disco_marshal(out, sizeof(out), &m), -EINVAL);
	msg_cmm(&m);
	m.call_me_maybe.n_endpoints = TN_DISCO_MAX_ENDPOINTS + 1;
	assert_int_equal(tn_disco_marshal(out, sizeof(out), &m), -EINVAL);
	for (int t = 0; t < 256; t++) {
		if (t >= TN_DISCO_PING && t <= TN_DISCO_CALL_ME_MAYBE)
			continue;
		memset(&m, 0, sizeof(m));
		m.type = (enum tn_disco_type)t;
		assert_int_equal(tn_disco_marshal(out, sizeof(out), &m), -EINVAL);
	}
	/* The largest ping that still seals within 64 KiB, and one more. */
	msg_ping(&m, true, TN_DISCO_MAX_PACKET - TN_DISCO_OVERHEAD - 2 - 44);
	assert_int_equal(tn_disco_marshal(out, sizeof(out), &m), -ENOSPC);
	m.ping.padding++;
	assert_int_equal(tn_disco_marshal(out, sizeof(out), &m), -EMSGSIZE);
	m.ping.padding = SIZE_MAX;
	assert_int_equal(tn_disco_marshal(out, sizeof(out), &m), -EMSGSIZE);
}

static void parse_ping(void **state)
{
	struct tn_disco_msg m;
	uint8_t txid[12], nodekey[32], zero[32] = { 0 };

	unhex(txid, txid_hex);
	unhex(nodekey, nodekey_hex);

	assert_int_equal(parse_hex(&m, ping_hex), 0);
	assert_int_equal(m.type, TN_DISCO_PING);
	assert_int_equal(m.version, 0);
	assert_memory_equal(m.ping.txid, txid, 12);
	assert_memory_equal(m.ping.node_key, nodekey, 32);
	assert_int_equal(m.ping.padding, 0);

	assert_int_equal(parse_hex(&m, ping_key_pad5_hex), 0);
	assert_memory_equal(m.ping.node_key, nodekey, 32);
	assert_int_equal(m.ping.padding, 5);

	/* A bare TxID: an old peer without a node key. */
	assert_int_equal(parse_hex(&m, "0100" "0102030405060708090a0b0c"), 0);
	assert_memory_equal(m.ping.txid, txid, 12);
	assert_memory_equal(m.ping.node_key, zero, 32);
	assert_int_equal(m.ping.padding, 0);

	/* 1..31 bytes after the TxID are padding, not a short key. */
	assert_int_equal(parse_hex(&m, ping_nokey_pad3_hex), 0);
	assert_memory_equal(m.ping.node_key, zero, 32);
	assert_int_equal(m.ping.padding, 3);
	assert_int_equal(parse_hex(&m, "0100" "0102030405060708090a0b0c"
				   "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbe"),
			 0);
	assert_memory_equal(m.ping.node_key, zero, 32);
	assert_int_equal(m.ping.padding, 31);

	/* Padding is not checked for zeros, the version not at all. */
	assert_int_equal(parse_hex(&m, "0107" "0102030405060708090a0b0c"
				   "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
				   "ffee"),
			 0);
	assert_int_equal(m.version, 7);
	assert_memory_equal(m.ping.node_key, nodekey, 32);
	assert_int_equal(m.ping.padding, 2);

	/* Short: no full TxID. */
	assert_int_equal(parse_hex(&m, "0100" "0102030405060708090a0b"), -EBADMSG);
	assert_zeroed(&m);
	assert_int_equal(parse_hex(&m, "0100"), -EBADMSG);
	assert_zeroed(&m);
}

static void parse_pong(void **state)
{
	struct tn_disco_msg m;
	uint8_t txid[12];

	unhex(txid, txid_hex);
	assert_int_equal(parse_hex(&m, pong_v4_hex), 0);
	assert_int_equal(m.type, TN_DISCO_PONG);
	assert_memory_equal(m.pong.txid, txid, 12);
	check_ap(&m.pong.src, AF_INET, "c0000201", 41641); /* unmapped */

	assert_int_equal(parse_hex(&m, pong_v6_hex), 0);
	check_ap(&m.pong.src, AF_INET6, "20010db8000000000000000000000001", 12345);

	assert_int_equal(parse_hex(&m, pong_derp_hex), 0);
	check_ap(&m.pong.src, AF_INET, "7f030328", 900);

	/* ::ffff:0:0/96 only is unmapped: ::c000:201 (v4-compatible) and
	 * 64:ff9b::c000:201 (NAT64) stay IPv6. */
	assert_int_equal(parse_hex(&m, "0200" "0102030405060708090a0b0c"
				   "000000000000000000000000c0000201" "0001"),
			 0);
	check_ap(&m.pong.src, AF_INET6, "000000000000000000000000c0000201", 1);
	assert_int_equal(parse_hex(&m, "0200" "0102030405060708090a0b0c"
				   "0064ff9b0000000000000000c0000201" "0001"),
			 0);
	check_ap(&m.pong.src, AF_INET6, "0064ff9b0000000000000000c0000201", 1);

	/* Trailing bytes and the version are ignored. */
	assert_int_equal(parse_hex(&m, "0205" "0102030405060708090a0b0c"
				   "00000000000000000000ffffc0000201" "a2a9" "ffff"),
			 0);
	assert_int_equal(m.version, 5);
	check_ap(&m.pong.src, AF_INET, "c0000201", 41641);

	/* One byte short of the port. */
	assert_int_equal(parse_hex(&m, "0200" "0102030405060708090a0b0c"
				   "00000000000000000000ffffc0000201" "a2"),
			 -EBADMSG);
	assert_zeroed(&m);
}

static void parse_call_me_maybe(void **state)
{
	struct tn_disco_msg m;
	size_t n;
	uint8_t *big;

	assert_int_equal(parse_hex(&m, cmm_hex), 0);
	assert_int_equal(m.type, TN_DISCO_CALL_ME_MAYBE);
	assert_int_equal(m.call_me_maybe.n_endpoints, 2);
	assert_int_equal(m.call_me_maybe.n_dropped, 0);
	check_ap(&m.call_me_maybe.endpoints[0], AF_INET, "c6336407", 41641);
	check_ap(&m.call_me_maybe.endpoints[1], AF_INET6, "20010db8000000000000000000000002", 443);

	/* Empty, a partial endpoint, or another version: an empty list. */
	assert_int_equal(parse_hex(&m, "0300"), 0);
	assert_int_equal(m.type, TN_DISCO_CALL_ME_MAYBE);
	assert_int_equal(m.call_me_maybe.n_endpoints, 0);
	assert_int_equal(parse_hex(&m, "0300" "00000000000000000000ffffc6336407" "a2a9" "00"), 0);
	assert_int_equal(m.type, TN_DISCO_CALL_ME_MAYBE);
	assert_int_equal(m.call_me_maybe.n_endpoints, 0);
	assert_int_equal(parse_hex(&m, "0300" "00000000000000000000ffffc6336407" "a2"), 0);
	assert_int_equal(m.call_me_maybe.n_endpoints, 0);
	assert_int_equal(parse_hex(&m, "0301" "00000000000000000000ffffc6336407" "a2a9"), 0);
	assert_int_equal(m.type, TN_DISCO_CALL_ME_MAYBE);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.call_me_maybe.n_endpoints, 0);

	/* More endpoints than we keep: the first ones stay, the rest count. */
	n = 2 + (TN_DISCO_MAX_ENDPOINTS + 3) * 18;
	big = calloc(1, n);
	assert_non_null(big);
	big[0] = 3;
	for (size_t i = 0; i < TN_DISCO_MAX_ENDPOINTS + 3; i++) {
		uint8_t *e = big + 2 + i * 18;

		e[10] = e[11] = 0xff;
		e[12] = 10;
		e[15] = (uint8_t)i;
		e[16] = (uint8_t)(i >> 8);
		e[17] = (uint8_t)i;
	}
	assert_int_equal(tn_disco_parse(&m, big, n), 0);
	assert_int_equal(m.call_me_maybe.n_endpoints, TN_DISCO_MAX_ENDPOINTS);
	assert_int_equal(m.call_me_maybe.n_dropped, 3);
	for (size_t i = 0; i < TN_DISCO_MAX_ENDPOINTS; i++) {
		const struct tn_tailcfg_addrport *ap = &m.call_me_maybe.endpoints[i];

		assert_int_equal(ap->family, AF_INET);
		assert_int_equal(ap->addr[0], 10);
		assert_int_equal(ap->addr[3], i);
		assert_int_equal(ap->port, i);
	}
	free(big);
}

static void relay_types_ignored_unknown_refused(void **state)
{
	struct tn_disco_msg m;
	uint8_t p[80];

	/* 0x04..0x09 (peer relays): known types, bodies not decoded. */
	for (int t = 4; t <= 9; t++) {
		memset(p, 0x5a, sizeof(p));
		p[0] = (uint8_t)t;
		p[1] = 0;
		for (size_t n = 2; n <= sizeof(p); n += 13) {
			assert_int_equal(tn_disco_parse(&m, p, n), 0);
			assert_int_equal(m.type, t);
		}
	}
	assert_int_equal(TN_DISCO_CALL_ME_MAYBE_VIA, 7);
	assert_int_equal(TN_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_RESPONSE, 9);

	/* Go's disco.Parse fails on other types, and on under two bytes. */
	memset(p, 0, sizeof(p));
	for (int t = 0; t < 256; t++) {
		if (t >= 1 && t <= 9)
			continue;
		p[0] = (uint8_t)t;
		assert_int_equal(tn_disco_parse(&m, p, sizeof(p)), -EBADMSG);
		assert_zeroed(&m);
	}
	p[0] = 1;
	assert_int_equal(tn_disco_parse(&m, p, 1), -EBADMSG);
	assert_int_equal(tn_disco_parse(&m, p, 0), -EBADMSG);
	assert_zeroed(&m);
}

/* Opens an exact-size heap copy of pkt. */
static int open_copy(struct tn_disco_msg *m, const uint8_t *pkt, size_t n, const uint8_t *priv,
		     uint8_t *sender)
{
	uint8_t *c = malloc(n ? n : 1);
	int r;

	assert_non_null(c);
	memcpy(c, pkt, n);
	r = tn_disco_open(m, c, n, priv, sender);
	free(c);
	return r;
}

static void go_envelopes_open(void **state)
{
	struct keys k;
	struct tn_disco_msg m;
	uint8_t sender[32], nonce[24], nodekey[32], *pkt, *payload, *rebuilt;
	size_t n, plen;

	load_keys(&k);
	unhex(nonce, go_nonce_hex);
	unhex(nodekey, nodekey_hex);

	pkt = unhex_alloc(go_envelope_ping_hex, &n);
	assert_int_equal(n, 78 + 46);
	assert_memory_equal(pkt, TN_DISCO_MAGIC, 6);
	assert_memory_equal(pkt + 6, k.alicepk, 32);
	assert_memory_equal(pkt + 38, nonce, 24);
	assert_true(tn_disco_looks_like(pkt, n));
	assert_memory_equal(tn_disco_sender(pkt, n), k.alicepk, 32);
	assert_int_equal(tn_disco_open(&m, pkt, n, k.bobsk, sender), 0);
	assert_memory_equal(sender, k.alicepk, 32);
	assert_int_equal(m.type, TN_DISCO_PING);
	assert_memory_equal(m.ping.node_key, nodekey, 32);

	/* Our framing is Go's, byte for byte: magic || our key || box with
	 * the same nonce gives the same packet. */
	payload = unhex_alloc(ping_hex, &plen);
	rebuilt = malloc(n);
	assert_non_null(rebuilt);
	memcpy(rebuilt, TN_DISCO_MAGIC, 6);
	memcpy(rebuilt + 6, k.alicepk, 32);
	assert_int_equal(tn_box_seal_nonce(rebuilt + 38, payload, plen, nonce, k.bobpk, k.alicesk), 0);
	assert_memory_equal(rebuilt, pkt, n);
	free(rebuilt);
	free(payload);
	free(pkt);

	pkt = unhex_alloc(go_envelope_pong_v4_hex, &n);
	assert_int_equal(n, 78 + 32);
	assert_int_equal(tn_disco_open(&m, pkt, n, k.bobsk, sender), 0);
	assert_memory_equal(sender, k.alicepk, 32);
	assert_int_equal(m.type, TN_DISCO_PONG);
	check_ap(&m.pong.src, AF_INET, "c0000201", 41641);
	free(pkt);
}

/* Seals m alice -> bob, checks the envelope's layout and that its box holds
 * want_hex, opens it with both key forms and returns the parse. */
static void seal_check_open(const struct tn_disco_msg *m, const char *want_hex,
			    struct tn_disco_msg *back)
{
	struct keys k;
	size_t plen;
	uint8_t *want = unhex_alloc(want_hex, &plen), *pkt, *inner, sender[32], shared[32];
	int n;

	load_keys(&k);
	pkt = malloc(TN_DISCO_OVERHEAD + plen);
	inner = malloc(plen);
	assert_non_null(pkt);
	assert_non_null(inner);
	n = tn_disco_seal(pkt, TN_DISCO_OVERHEAD + plen, k.alicesk, k.alicepk, k.bobpk, m);
	assert_int_equal(n, (int)(TN_DISCO_OVERHEAD + plen));
	assert_memory_equal(pkt, "\x54\x53\xf0\x9f\x92\xac", 6);
	assert_memory_equal(pkt + 6, k.alicepk, 32);
	assert_int_equal(tn_box_open(inner, pkt + 38, (size_t)n - 38, k.alicepk, k.bobsk), 0);
	assert_memory_equal(inner, want, plen);

	assert_int_equal(open_copy(back, pkt, (size_t)n, k.bobsk, sender), 0);
	assert_memory_equal(sender, k.alicepk, 32);
	assert_int_equal(tn_box_beforenm(shared, k.alicepk, k.bobsk), 0);
	{
		struct tn_disco_msg again;

		assert_int_equal(tn_disco_open_afternm(&again, pkt, (size_t)n, shared), 0);
		assert_memory_equal(&again, back, sizeof(again));
	}
	free(pkt);
	free(inner);
	free(want);
}

static void seal_open_round_trips(void **state)
{
	struct tn_disco_msg m, back;
	uint8_t nodekey[32];

	unhex(nodekey, nodekey_hex);

	msg_ping(&m, true, 0);
	seal_check_open(&m, ping_hex, &back);
	assert_memory_equal(&back, &m, sizeof(m));
	msg_ping(&m, false, 3);
	seal_check_open(&m, ping_nokey_pad3_hex, &back);
	assert_memory_equal(&back, &m, sizeof(m));
	msg_ping(&m, true, 5);
	seal_check_open(&m, ping_key_pad5_hex, &back);
	assert_memory_equal(&back, &m, sizeof(m));
	msg_pong(&m, AF_INET, "c0000201", 41641);
	seal_check_open(&m, pong_v4_hex, &back);
	assert_memory_equal(&back, &m, sizeof(m));
	msg_pong(&m, AF_INET6, "20010db8000000000000000000000001", 12345);
	seal_check_open(&m, pong_v6_hex, &back);
	assert_memory_equal(&back, &m, sizeof(m));
	msg_cmm(&m);
	seal_check_open(&m, cmm_hex, &back);
	assert_memory_equal(&back, &m, sizeof(m));
	memset(&m, 0, sizeof(m));
	m.type = TN_DISCO_CALL_ME_MAYBE;
	seal_check_open(&m, "0300", &back);
	assert_memory_equal(&back, &m, sizeof(m));
}

static void seal_open_large_and_full(void **state)
{
	struct keys k;
	struct tn_disco_msg m, back;
	uint8_t sender[32], shared[32], *pkt;
	size_t cap = TN_DISCO_MAX_PACKET;
	int n;

	load_keys(&k);
	pkt = malloc(cap);
	assert_non_null(pkt);

	/* A path-MTU probe of 9000 bytes on the wire (the heap path). */
	msg_ping(&m, true, 9000 - 78 - 2 - 44);
	n = tn_disco_seal(pkt, cap, k.alicesk, k.alicepk, k.bobpk, &m);
	assert_int_equal(n, 9000);
	assert_int_equal(open_copy(&back, pkt, (size_t)n, k.bobsk, sender), 0);
	assert_memory_equal(&back, &m, sizeof(m));

	/* The largest packet there can be. */
	msg_ping(&m, true, TN_DISCO_MAX_PACKET - 78 - 2 - 44);
	assert_int_equal(tn_box_beforenm(shared, k.bobpk, k.alicesk), 0);
	n = tn_disco_seal_afternm(pkt, cap, k.alicepk, shared, &m);
	assert_int_equal(n, TN_DISCO_MAX_PACKET);
	assert_int_equal(open_copy(&back, pkt, (size_t)n, k.bobsk, sender), 0);
	assert_memory_equal(&back, &m, sizeof(m));
	m.ping.padding++;
	assert_int_equal(tn_disco_seal(pkt, cap, k.alicesk, k.alicepk, k.bobpk, &m), -EMSGSIZE);
	free(pkt);

	/* A full CallMeMaybe. */
	memset(&m, 0, sizeof(m));
	m.type = TN_DISCO_CALL_ME_MAYBE;
	m.call_me_maybe.n_endpoints = TN_DISCO_MAX_ENDPOINTS;
	for (size_t i = 0; i < TN_DISCO_MAX_ENDPOINTS; i++) {
		struct tn_tailcfg_addrport *ap = &m.call_me_maybe.endpoints[i];

		ap->family = i % 2 ? AF_INET6 : AF_INET;
		ap->addr[0] = i % 2 ? 0x20 : 10;
		ap->addr[3] = (uint8_t)i;
		ap->port = (uint16_t)(40000 + i);
	}
	{
		uint8_t buf[78 + 2 + TN_DISCO_MAX_ENDPOINTS * 18];

		n = tn_disco_seal(buf, sizeof(buf), k.alicesk, k.alicepk, k.bobpk, &m);
		assert_int_equal(n, (int)sizeof(buf));
		assert_int_equal(open_copy(&back, buf, sizeof(buf), k.bobsk, sender), 0);
		assert_memory_equal(&back, &m, sizeof(m));
		assert_int_equal(tn_disco_seal(buf, sizeof(buf) - 1, k.alicesk, k.alicepk,
					       k.bobpk, &m),
				 -ENOSPC);
	}
}

static void seal_refuses(void **state)
{
	struct keys k;
	struct tn_disco_msg m;
	uint8_t pkt[256], zero[32] = { 0 };

	load_keys(&k);
	msg_ping(&m, true, 0);
	for (size_t cap = 0; cap < 78 + 46; cap++)
		assert_int_equal(tn_disco_seal(pkt, cap, k.alicesk, k.alicepk, k.bobpk, &m),
				 -ENOSPC);
	/* A low-order (here: zero) peer key has no shared secret. */
	assert_int_equal(tn_disco_seal(pkt, sizeof(pkt), k.alicesk, k.alicepk, zero, &m), -EINVAL);
	memset(&m, 0, sizeof(m));
	m.type = TN_DISCO_CALL_ME_MAYBE_VIA;
	assert_int_equal(tn_disco_seal(pkt, sizeof(pkt), k.alicesk, k.alicepk, k.bobpk, &m),
			 -EINVAL);
	msg_pong(&m, AF_UNIX, "", 0);
	assert_int_equal(tn_disco_seal(pkt, sizeof(pkt), k.alicesk, k.alicepk, k.bobpk, &m),
			 -EINVAL);
}

static void every_truncation_refused(void **state)
{
	struct keys k;
	struct tn_disco_msg m;
	uint8_t pkt[256], sender[32], shared[32], zero[32] = { 0 };
	int n;

	load_keys(&k);
	assert_int_equal(tn_box_beforenm(shared, k.alicepk, k.bobsk), 0);
	msg_pong(&m, AF_INET, "c0000201", 41641);
	n = tn_disco_seal(pkt, sizeof(pkt), k.alicesk, k.alicepk, k.bobpk, &m);
	assert_int_equal(n, 110);
	for (int len = 0; len < n; len++) {
		uint8_t *c = malloc(len ? (size_t)len : 1);

		assert_non_null(c);
		memcpy(c, pkt, (size_t)len);
		memset(sender, 0xee, sizeof(sender));
		assert_int_equal(tn_disco_open(&m, c, (size_t)len, k.bobsk, sender), -EBADMSG);
		assert_zeroed(&m);
		assert_memory_equal(sender, zero, 32);
		assert_int_equal(tn_disco_open_afternm(&m, c, (size_t)len, shared), -EBADMSG);
		free(c);
	}
	/* A box around a payload too short to parse (one byte, then none). */
	{
		uint8_t one = TN_DISCO_PING, buf[79];

		memcpy(buf, TN_DISCO_MAGIC, 6);
		memcpy(buf + 6, k.alicepk, 32);
		assert_int_equal(tn_box_seal(buf + 38, &one, 1, k.bobpk, k.alicesk), 0);
		assert_int_equal(open_copy(&m, buf, 79, k.bobsk, sender), -EBADMSG);
		assert_int_equal(tn_box_seal(buf + 38, NULL, 0, k.bobpk, k.alicesk), 0);
		assert_int_equal(open_copy(&m, buf, 78, k.bobsk, sender), -EBADMSG);
	}
	/* Over 64 KiB is refused before anything else. */
	{
		uint8_t *big = calloc(1, TN_DISCO_MAX_PACKET + 1);

		assert_non_null(big);
		memcpy(big, TN_DISCO_MAGIC, 6);
		assert_int_equal(tn_disco_open(&m, big, TN_DISCO_MAX_PACKET + 1, k.bobsk, sender),
				 -EBADMSG);
		free(big);
	}
}

static void wrong_key_or_tampering_refused(void **state)
{
	struct keys k;
	struct tn_disco_msg m;
	uint8_t pkt[256], carolsk[32], carolpk[32], sender[32], shared[32];
	int n;

	load_keys(&k);
	assert_int_equal(tn_key_generate_private(carolsk), 0);
	assert_int_equal(tn_key_public_from_private(carolpk, carolsk), 0);
	msg_ping(&m, true, 0);
	n = tn_disco_seal(pkt, sizeof(pkt), k.alicesk, k.alicepk, k.bobpk, &m);
	assert_int_equal(n, 124);
	assert_int_equal(open_copy(&m, pkt, (size_t)n, k.bobsk, sender), 0);

	/* Not for carol; not openable by alice's own key either. */
	assert_int_equal(open_copy(&m, pkt, (size_t)n, carolsk, sender), -EBADMSG);
	assert_int_equal(open_copy(&m, pkt, (size_t)n, k.alicesk, sender), -EBADMSG);
	assert_int_equal(tn_box_beforenm(shared, carolpk, k.bobsk), 0);
	assert_int_equal(tn_disco_open_afternm(&m, pkt, (size_t)n, shared), -EBADMSG);

	/* Carol claims to be the sender: the box does not open. */
	memcpy(pkt + 6, carolpk, 32);
	assert_int_equal(open_copy(&m, pkt, (size_t)n, k.bobsk, sender), -EBADMSG);
	memcpy(pkt + 6, k.alicepk, 32);

	/* Any flipped bit, anywhere. */
	for (int i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			pkt[i] ^= (uint8_t)(1 << bit);
			assert_int_equal(open_copy(&m, pkt, (size_t)n, k.bobsk, sender), -EBADMSG);
			assert_zeroed(&m);
			pkt[i] ^= (uint8_t)(1 << bit);
		}
	}
	assert_int_equal(open_copy(&m, pkt, (size_t)n, k.bobsk, sender), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(looks_like_and_sender),
		cmocka_unit_test(ping_wire_layout),
		cmocka_unit_test(pong_wire_layout),
		cmocka_unit_test(call_me_maybe_wire_layout),
		cmocka_unit_test(marshal_refuses),
		cmocka_unit_test(parse_ping),
		cmocka_unit_test(parse_pong),
		cmocka_unit_test(parse_call_me_maybe),
		cmocka_unit_test(relay_types_ignored_unknown_refused),
		cmocka_unit_test(go_envelopes_open),
		cmocka_unit_test(seal_open_round_trips),
		cmocka_unit_test(seal_open_large_and_full),
		cmocka_unit_test(seal_refuses),
		cmocka_unit_test(every_truncation_refused),
		cmocka_unit_test(wrong_key_or_tampering_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

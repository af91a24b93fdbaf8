/* DERP frames: the reader across every split of the input, oversized and
 * empty frames, the client writers byte for byte, and the server parsers
 * on well-formed, short and malformed payloads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/box.h"
#include "crypto/keys.h"
#include "derp/frame.h"

struct got {
	int n;
	uint8_t types[16];
	size_t lens[16];
	uint8_t data[4096];
	size_t data_len;
	int stop_at;         /* return -EINTR on this frame (1-based) */
};

static int collect(void *arg, uint8_t type, uint8_t *p, size_t len)
{
	struct got *g = arg;

	assert_non_null(p);
	assert_true(g->n < 16);
	g->types[g->n] = type;
	g->lens[g->n] = len;
	g->n++;
	assert_true(g->data_len + len <= sizeof(g->data));
	memcpy(g->data + g->data_len, p, len);
	g->data_len += len;
	if (g->stop_at == g->n)
		return -EINTR;
	return 0;
}

static size_t frame(uint8_t *out, uint8_t type, const void *p, uint32_t len)
{
	out[0] = type;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
	if (len)
		memcpy(out + 5, p, len);
	return 5 + (size_t)len;
}

/* Three frames (one empty), fed whole, byte by byte and at every split
 * point into two pieces: always the same frames. */
static void reader_all_splits(void **state)
{
	uint8_t in[256], copy[256];
	size_t len = 0;

	len += frame(in + len, TN_DERP_FRAME_KEEP_ALIVE, NULL, 0);
	len += frame(in + len, TN_DERP_FRAME_RECV_PACKET, "0123456789abcdef0123456789abcdefHELLO", 37);
	len += frame(in + len, TN_DERP_FRAME_PING, "pingpong", 8);

	for (size_t split = 0; split <= len; split++) {
		struct tn_derp_reader r;
		struct got g = { 0 };

		memcpy(copy, in, len);
		tn_derp_reader_init(&r);
		assert_int_equal(tn_derp_reader_feed(&r, copy, split, collect, &g), 0);
		assert_int_equal(tn_derp_reader_feed(&r, copy + split, len - split, collect, &g), 0);
		assert_true(tn_derp_reader_idle(&r));
		assert_int_equal(g.n, 3);
		assert_int_equal(g.types[0], TN_DERP_FRAME_KEEP_ALIVE);
		assert_int_equal(g.lens[0], 0);
		assert_int_equal(g.types[1], TN_DERP_FRAME_RECV_PACKET);
		assert_int_equal(g.lens[1], 37);
		assert_int_equal(g.types[2], TN_DERP_FRAME_PING);
		assert_memory_equal(g.data + 32, "HELLOpingpong", 13);
		tn_derp_reader_free(&r);
	}
	{
		struct tn_derp_reader r;
		struct got g = { 0 };

		memcpy(copy, in, len);
		tn_derp_reader_init(&r);
		for (size_t i = 0; i < len; i++) {
			assert_int_equal(tn_derp_reader_feed(&r, copy + i, 1, collect, &g), 0);
			assert_int_equal(tn_derp_reader_idle(&r), i == 4 || i == 46 || i == len - 1);
		}
		assert_int_equal(g.n, 3);
		tn_derp_reader_free(&r);
	}
}

/* A header announcing more than 1 MiB is refused before any payload,
 * whether it comes whole or in pieces, and the error sticks. */
static void reader_refuses_oversized(void **state)
{
	uint8_t big[5] = { TN_DERP_FRAME_RECV_PACKET, 0x00, 0x10, 0x00, 0x01 }; /* 1 MiB + 1 */
	uint8_t ok[5 + 8];
	struct tn_derp_reader r;
	struct got g = { 0 };

	tn_derp_reader_init(&r);
	assert_int_equal(tn_derp_reader_feed(&r, big, 5, collect, &g), -EMSGSIZE);
	frame(ok, TN_DERP_FRAME_PING, "12345678", 8);
	assert_int_equal(tn_derp_reader_feed(&r, ok, sizeof(ok), collect, &g), -EMSGSIZE);
	assert_int_equal(g.n, 0);
	tn_derp_reader_free(&r);

	tn_derp_reader_init(&r);
	assert_int_equal(tn_derp_reader_feed(&r, big, 3, collect, &g), 0);
	assert_int_equal(tn_derp_reader_feed(&r, big + 3, 2, collect, &g), -EMSGSIZE);
	tn_derp_reader_free(&r);

	/* 0xffffffff too. */
	{
		uint8_t huge[5] = { 1, 0xff, 0xff, 0xff, 0xff };

		tn_derp_reader_init(&r);
		assert_int_equal(tn_derp_reader_feed(&r, huge, 5, collect, &g), -EMSGSIZE);
		tn_derp_reader_free(&r);
	}
}

static int count_only(void *arg, uint8_t type, uint8_t *p, size_t len)
{
	size_t *n = arg;

	assert_int_equal(type, 0x42);
	assert_int_equal(len, TN_DERP_MAX_FRAME);
	assert_int_equal(p[len - 1], 0x7e);
	p[0] = 1; /* payloads are writable */
	(*n)++;
	return 0;
}

/* Exactly 1 MiB is allowed: whole (no copy), and split (into the
 * reader's buffer). */
static void reader_max_frame(void **state)
{
	size_t len = 5 + TN_DERP_MAX_FRAME, n = 0;
	uint8_t *in = calloc(1, len);
	struct tn_derp_reader r;

	assert_non_null(in);
	in[0] = 0x42;
	in[2] = 0x10;
	in[len - 1] = 0x7e;
	tn_derp_reader_init(&r);
	assert_int_equal(tn_derp_reader_feed(&r, in, len, count_only, &n), 0);
	assert_int_equal(n, 1);
	in[5] = 0;
	assert_int_equal(tn_derp_reader_feed(&r, in, 7, count_only, &n), 0);
	assert_int_equal(tn_derp_reader_feed(&r, in + 7, len - 7, count_only, &n), 0);
	assert_int_equal(n, 2);
	in[5] = 0;
	for (size_t off = 0; off < len; off += 65536)
		assert_int_equal(tn_derp_reader_feed(&r, in + off, len - off < 65536 ? len - off : 65536,
						     count_only, &n), 0);
	assert_int_equal(n, 3);
	tn_derp_reader_free(&r);
	free(in);
}

/* The callback's error stops the feed and sticks. */
static void reader_callback_stops(void **state)
{
	uint8_t in[64];
	size_t len = 0;
	struct tn_derp_reader r;
	struct got g = { .stop_at = 1 };

	len += frame(in + len, TN_DERP_FRAME_KEEP_ALIVE, NULL, 0);
	len += frame(in + len, TN_DERP_FRAME_KEEP_ALIVE, NULL, 0);
	tn_derp_reader_init(&r);
	assert_int_equal(tn_derp_reader_feed(&r, in, len, collect, &g), -EINTR);
	assert_int_equal(g.n, 1);
	assert_int_equal(tn_derp_reader_feed(&r, in, len, collect, &g), -EINTR);
	assert_int_equal(g.n, 1);
	tn_derp_reader_free(&r);
}

/* ---- writers ---- */

static void writers(void **state)
{
	uint8_t key[32], out[128], data[8] = "abcdefgh";

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	assert_int_equal(tn_derp_write_send_packet(out, sizeof(out), key, (const uint8_t *)"xyz", 3), 40);
	assert_memory_equal(out, "\x04\x00\x00\x00\x23", 5);
	assert_memory_equal(out + 5, key, 32);
	assert_memory_equal(out + 37, "xyz", 3);
	assert_int_equal(tn_derp_write_send_packet(out, 39, key, (const uint8_t *)"xyz", 3), -ENOSPC);
	assert_int_equal(tn_derp_write_send_packet(out, sizeof(out), key, NULL, 0), 37);
	assert_memory_equal(out, "\x04\x00\x00\x00\x20", 5);
	assert_int_equal(tn_derp_write_send_packet(NULL, 0, key, NULL, TN_DERP_MAX_PACKET + 1), -EMSGSIZE);
	assert_int_equal(tn_derp_write_send_packet_head(out, key, TN_DERP_MAX_PACKET), 37);
	assert_memory_equal(out, "\x04\x00\x01\x00\x20", 5);
	assert_int_equal(tn_derp_write_send_packet_head(out, key, TN_DERP_MAX_PACKET + 1), -EMSGSIZE);

	assert_int_equal(tn_derp_write_note_preferred(out, sizeof(out), true), 6);
	assert_memory_equal(out, "\x07\x00\x00\x00\x01\x01", 6);
	assert_int_equal(tn_derp_write_note_preferred(out, sizeof(out), false), 6);
	assert_memory_equal(out, "\x07\x00\x00\x00\x01\x00", 6);
	assert_int_equal(tn_derp_write_note_preferred(out, 5, false), -ENOSPC);

	assert_int_equal(tn_derp_write_ping(out, sizeof(out), data), 13);
	assert_memory_equal(out, "\x12\x00\x00\x00\x08" "abcdefgh", 13);
	assert_int_equal(tn_derp_write_pong(out, sizeof(out), data), 13);
	assert_memory_equal(out, "\x13\x00\x00\x00\x08" "abcdefgh", 13);
	assert_int_equal(tn_derp_write_pong(out, 12, data), -ENOSPC);

	assert_int_equal(tn_derp_write_client_info(out, sizeof(out), key, (const uint8_t *)"BOX", 3), 40);
	assert_memory_equal(out, "\x02\x00\x00\x00\x23", 5);
	assert_memory_equal(out + 5, key, 32);
	assert_memory_equal(out + 37, "BOX", 3);
	assert_int_equal(tn_derp_write_client_info(out, 39, key, (const uint8_t *)"BOX", 3), -ENOSPC);
}

/* The writers' output is what the reader reads back. */
static void writers_read_back(void **state)
{
	uint8_t key[32] = { 9 }, out[256], data[8] = "12345678";
	size_t len = 0;
	struct tn_derp_reader r;
	struct got g = { 0 };

	len += (size_t)tn_derp_write_send_packet(out + len, sizeof(out) - len, key, (const uint8_t *)"pkt", 3);
	len += (size_t)tn_derp_write_note_preferred(out + len, sizeof(out) - len, true);
	len += (size_t)tn_derp_write_pong(out + len, sizeof(out) - len, data);
	tn_derp_reader_init(&r);
	assert_int_equal(tn_derp_reader_feed(&r, out, len, collect, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.types[0], TN_DERP_FRAME_SEND_PACKET);
	assert_int_equal(g.lens[0], 35);
	assert_int_equal(g.types[1], TN_DERP_FRAME_NOTE_PREFERRED);
	assert_int_equal(g.types[2], TN_DERP_FRAME_PONG);
	tn_derp_reader_free(&r);
}

/* ---- parsers ---- */

static void parse_server_key(void **state)
{
	uint8_t p[2048], key[32];

	memcpy(p, "DERP\xf0\x9f\x94\x91", 8);
	for (int i = 0; i < 32; i++)
		p[8 + i] = (uint8_t)(0xa0 + i);
	assert_int_equal(tn_derp_parse_server_key(p, 40, key), 0);
	assert_memory_equal(key, p + 8, 32);
	/* Extra bytes are for the future (Go reads up to 1 KiB). */
	assert_int_equal(tn_derp_parse_server_key(p, 1024, key), 0);
	assert_int_equal(tn_derp_parse_server_key(p, 1025, key), -EMSGSIZE);
	assert_int_equal(tn_derp_parse_server_key(p, 39, key), -EBADMSG);
	assert_int_equal(tn_derp_parse_server_key(p, 0, key), -EBADMSG);
	p[7] = 0x92;
	assert_int_equal(tn_derp_parse_server_key(p, 40, key), -EBADMSG);
}

static void parse_recv_packet(void **state)
{
	uint8_t p[64] = { 1, 2, 3 };
	const uint8_t *src;
	uint8_t *pkt;
	size_t n;

	assert_int_equal(tn_derp_parse_recv_packet(p, 40, &src, &pkt, &n), 0);
	assert_ptr_equal(src, p);
	assert_ptr_equal(pkt, p + 32);
	assert_int_equal(n, 8);
	assert_int_equal(tn_derp_parse_recv_packet(p, 32, &src, &pkt, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tn_derp_parse_recv_packet(p, 31, &src, &pkt, &n), -EBADMSG);
}

static void parse_peer_gone(void **state)
{
	uint8_t p[40] = { 7 };
	const uint8_t *key;
	int reason = -1;

	p[32] = 1;
	assert_int_equal(tn_derp_parse_peer_gone(p, 33, &key, &reason), 0);
	assert_ptr_equal(key, p);
	assert_int_equal(reason, TN_DERP_PEER_GONE_NOT_HERE);
	/* Old servers sent no reason: disconnected. */
	assert_int_equal(tn_derp_parse_peer_gone(p, 32, &key, &reason), 0);
	assert_int_equal(reason, TN_DERP_PEER_GONE_DISCONNECTED);
	p[32] = 0xf7;
	assert_int_equal(tn_derp_parse_peer_gone(p, 40, &key, &reason), 0);
	assert_int_equal(reason, 0xf7);
	assert_int_equal(tn_derp_parse_peer_gone(p, 31, &key, &reason), -EBADMSG);
}

static void parse_ping_restarting_health(void **state)
{
	uint8_t p[16] = "ABCDEFGHIJ", d[8];
	uint32_t a, b;
	char text[8];

	assert_int_equal(tn_derp_parse_ping(p, 8, d), 0);
	assert_memory_equal(d, "ABCDEFGH", 8);
	assert_int_equal(tn_derp_parse_ping(p, 10, d), 0);
	assert_int_equal(tn_derp_parse_ping(p, 7, d), -EBADMSG);

	memcpy(p, "\x00\x00\x03\xe8\x00\x00\x27\x10", 8);
	assert_int_equal(tn_derp_parse_restarting(p, 8, &a, &b), 0);
	assert_int_equal(a, 1000);
	assert_int_equal(b, 10000);
	assert_int_equal(tn_derp_parse_restarting(p, 7, &a, &b), -EBADMSG);

	assert_int_equal(tn_derp_parse_health((const uint8_t *)"dup\n\x01\xffxyz", 9, text, sizeof(text)), 9);
	assert_string_equal(text, "dup???x");
	assert_int_equal(tn_derp_parse_health((const uint8_t *)"", 0, text, sizeof(text)), 0);
	assert_string_equal(text, "");
	assert_int_equal(tn_derp_parse_health((const uint8_t *)"ok", 2, text, 1), 2);
	assert_string_equal(text, "");
}

static void seal(uint8_t *out, const char *json, const uint8_t to_pub[32], const uint8_t from_priv[32])
{
	assert_int_equal(tn_box_seal(out, (const uint8_t *)json, strlen(json), to_pub, from_priv), 0);
}

static void parse_server_info(void **state)
{
	uint8_t spriv[32], spub[32], cpriv[32], cpub[32], opriv[32], opub[32], box[256];
	struct tn_derp_server_info info;
	static const struct {
		const char *json;
		int rc, version;
		long long rate;
	} cases[] = {
		{ "{\"version\":2}", 0, 2, 0 },
		{ "{\"version\":2,\"TokenBucketBytesPerSecond\":1000,\"TokenBucketBytesBurst\":5}", 0, 2, 1000 },
		{ "{}", 0, 0, 0 },
		{ "null", 0, 0, 0 },
		{ "{\"version\":2,\"future\":[1,{\"x\":null}]}", 0, 2, 0 },
		{ "{\"version\":null}", 0, 0, 0 },
		{ "{\"version\":\"2\"}", -EBADMSG, 0, 0 },
		{ "{\"version\":2.5}", -EBADMSG, 0, 0 },
		{ "{\"version\":99999999999}", -EBADMSG, 0, 0 },
		{ "[2]", -EBADMSG, 0, 0 },
		{ "2", -EBADMSG, 0, 0 },
		{ "{\"version\":2", -EBADMSG, 0, 0 },
		{ "", -EBADMSG, 0, 0 },
	};

	assert_int_equal(tn_key_generate_private(spriv), 0);
	assert_int_equal(tn_key_generate_private(cpriv), 0);
	assert_int_equal(tn_key_generate_private(opriv), 0);
	tn_key_public_from_private(spub, spriv);
	tn_key_public_from_private(cpub, cpriv);
	tn_key_public_from_private(opub, opriv);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].json) + TN_BOX_OVERHEAD;

		seal(box, cases[i].json, cpub, spriv);
		assert_int_equal(tn_derp_parse_server_info(box, len, spub, cpriv, &info), cases[i].rc);
		assert_int_equal(info.version, cases[i].version);
		assert_int_equal(info.token_bucket_bytes_per_sec, cases[i].rate);
	}
	/* Sealed by another key, or for another key, or cut or altered. */
	seal(box, "{\"version\":2}", cpub, opriv);
	assert_int_equal(tn_derp_parse_server_info(box, 13 + TN_BOX_OVERHEAD, spub, cpriv, &info), -EBADMSG);
	seal(box, "{\"version\":2}", opub, spriv);
	assert_int_equal(tn_derp_parse_server_info(box, 13 + TN_BOX_OVERHEAD, spub, cpriv, &info), -EBADMSG);
	seal(box, "{\"version\":2}", cpub, spriv);
	assert_int_equal(tn_derp_parse_server_info(box, 12 + TN_BOX_OVERHEAD, spub, cpriv, &info), -EBADMSG);
	assert_int_equal(tn_derp_parse_server_info(box, TN_BOX_OVERHEAD - 1, spub, cpriv, &info), -EBADMSG);
	assert_int_equal(tn_derp_parse_server_info(box, 0, spub, cpriv, &info), -EBADMSG);
	box[30] ^= 1;
	assert_int_equal(tn_derp_parse_server_info(box, 13 + TN_BOX_OVERHEAD, spub, cpriv, &info), -EBADMSG);
}

static void names(void **state)
{
	assert_string_equal(tn_derp_frame_name(TN_DERP_FRAME_RECV_PACKET), "RecvPacket");
	assert_string_equal(tn_derp_frame_name(TN_DERP_FRAME_RESTARTING), "Restarting");
	assert_string_equal(tn_derp_frame_name(0x77), "unknown");
	assert_int_equal(sizeof(TN_DERP_MAGIC) - 1, TN_DERP_MAGIC_LEN);
	assert_memory_equal(TN_DERP_MAGIC, "DERP\xf0\x9f\x94\x91", 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reader_all_splits),
		cmocka_unit_test(reader_refuses_oversized),
		cmocka_unit_test(reader_max_frame),
		cmocka_unit_test(reader_callback_stops),
		cmocka_unit_test(writers),
		cmocka_unit_test(writers_read_back),
		cmocka_unit_test(parse_server_key),
		cmocka_unit_test(parse_recv_packet),
		cmocka_unit_test(parse_peer_gone),
		cmocka_unit_test(parse_ping_restarting_health),
		cmocka_unit_test(parse_server_info),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* ts2021 framing: the handshake against a Noise IK responder with the
 * ts2021 prologue, big-endian record nonces (the second record proves it),
 * the 4096-byte record limit, the early payload split over records, and
 * malformed input refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/ts2021.h"
#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "crypto/x25519.h"

#define VERSION 116

struct server {
	struct tn_noise_ik ik;
	uint8_t priv[32], pub[32];
	uint8_t i2r[32], r2i[32];
	uint64_t tx_n;
};

struct client {
	struct tn_ts2021_codec codec;
	uint8_t machine_priv[32], machine_pub[32];
};

static struct server srv;
static struct client cli;

static void make_key(uint8_t priv[32], uint8_t pub[32])
{
	assert_int_equal(tn_crypto_random(priv, 32), 0);
	assert_int_equal(tn_x25519_public(pub, priv), 0);
}

/* Runs the handshake; returns the server's response as bytes in resp. */
static int setup(void **state)
{
	struct tn_ts2021_handshake hs;
	uint8_t init[TN_TS2021_INITIATION_LEN], resp[TN_TS2021_RESPONSE_LEN], empty[1];
	char prologue[64], err[64];
	int n;

	memset(&srv, 0, sizeof(srv));
	memset(&cli, 0, sizeof(cli));
	make_key(srv.priv, srv.pub);
	make_key(cli.machine_priv, cli.machine_pub);
	assert_int_equal(tn_ts2021_initiate(&hs, VERSION, cli.machine_priv, srv.pub, NULL, init), 0);
	/* header: version 116 BE, type 1, length 96 BE */
	assert_int_equal(init[0] << 8 | init[1], VERSION);
	assert_int_equal(init[2], 1);
	assert_int_equal(init[3] << 8 | init[4], 96);

	n = snprintf(prologue, sizeof(prologue), "Tailscale Control Protocol v%d", VERSION);
	assert_int_equal(tn_noise_ik_init_responder(&srv.ik, "Noise_IK_25519_ChaChaPoly_BLAKE2s",
						    prologue, (size_t)n, srv.priv, NULL), 0);
	assert_int_equal(tn_noise_ik_read_msg1(&srv.ik, init + 5, 96, empty), 0);
	assert_memory_equal(srv.ik.rs, cli.machine_pub, 32); /* the server learns our machine key */
	resp[0] = 2;
	resp[1] = 0;
	resp[2] = 48;
	assert_int_equal(tn_noise_ik_write_msg2(&srv.ik, NULL, 0, resp + 3), 0);
	assert_int_equal(tn_noise_ik_split(&srv.ik, srv.i2r, srv.r2i), 0);

	assert_int_equal(tn_ts2021_first_message_len(resp, 2), 0);
	assert_int_equal(tn_ts2021_first_message_len(resp, 3), TN_TS2021_RESPONSE_LEN);
	assert_int_equal(tn_ts2021_finish(&hs, resp, sizeof(resp), &cli.codec, err, sizeof(err)), 0);
	return 0;
}

static int teardown(void **state)
{
	tn_ts2021_codec_free(&cli.codec);
	return 0;
}

/* The server seals one record (big-endian nonce, as controlbase does). */
static size_t server_record(uint8_t *out, const void *plain, size_t len)
{
	uint8_t nonce[TN_AEAD_NONCE_LEN];

	out[0] = 4;
	out[1] = (uint8_t)((len + 16) >> 8);
	out[2] = (uint8_t)(len + 16);
	tn_aead_nonce_be(nonce, srv.tx_n++);
	assert_int_equal(tn_aead_seal_key(srv.r2i, nonce, out + 3, plain, len, NULL, 0), 0);
	return len + 19;
}

struct sink {
	uint8_t buf[65536];
	size_t len;
};

static int collect(void *ctx, const uint8_t *p, size_t len)
{
	struct sink *s = ctx;

	assert_true(s->len + len <= sizeof(s->buf));
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	return 0;
}

static void second_record_uses_big_endian_nonce(void **state)
{
	uint8_t out[256], plain[64], nonce[TN_AEAD_NONCE_LEN];
	long n;

	n = tn_ts2021_seal(&cli.codec, (const uint8_t *)"first", 5, out, sizeof(out));
	assert_int_equal(n, 5 + 19);
	n = tn_ts2021_seal(&cli.codec, (const uint8_t *)"second", 6, out, sizeof(out));
	assert_int_equal(n, 6 + 19);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1] << 8 | out[2], 6 + 16);
	/* Record 1 opens with 00000000 || 0000000000000001 ... */
	tn_aead_nonce_be(nonce, 1);
	assert_int_equal(nonce[11], 1);
	assert_int_equal(tn_aead_open_key(srv.i2r, nonce, plain, out + 3, 22, NULL, 0), 0);
	assert_memory_equal(plain, "second", 6);
	/* ... and not with standard Noise's little-endian counter. */
	tn_aead_nonce_le(nonce, 1);
	assert_int_equal(tn_aead_open_key(srv.i2r, nonce, plain, out + 3, 22, NULL, 0), -EBADMSG);
}

static void large_writes_split_into_4096_byte_records(void **state)
{
	static uint8_t in[10000], out[11000], plain[4096];
	uint8_t nonce[TN_AEAD_NONCE_LEN];
	size_t off = 0, got = 0;
	long n;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7);
	n = tn_ts2021_seal(&cli.codec, in, sizeof(in), out, sizeof(out));
	assert_int_equal(n, (long)tn_ts2021_sealed_len(sizeof(in)));
	for (uint64_t rec = 0; off < (size_t)n; rec++) {
		size_t clen = (size_t)(out[off + 1] << 8 | out[off + 2]);

		assert_int_equal(out[off], 4);
		assert_true(clen + 3 <= TN_TS2021_MAX_RECORD);
		tn_aead_nonce_be(nonce, rec);
		assert_int_equal(tn_aead_open_key(srv.i2r, nonce, plain, out + off + 3, clen, NULL, 0), 0);
		assert_memory_equal(plain, in + got, clen - 16);
		got += clen - 16;
		off += 3 + clen;
	}
	assert_int_equal(got, sizeof(in));
	assert_int_equal(tn_ts2021_seal(&cli.codec, in, sizeof(in), out, 100), -ENOBUFS);
}

/* headscale writes the early payload with three writes: three records. */
static size_t early_payload_then_h2(uint8_t *wire)
{
	static const char json[] = "{\"nodeKeyChallenge\":\"chalpub:"
		"0000000000000000000000000000000000000000000000000000000000000000\"}";
	uint8_t len[4] = { 0, 0, 0, (uint8_t)(sizeof(json) - 1) };
	size_t w = 0;

	w += server_record(wire + w, "\xff\xff\xffTS", 5);
	w += server_record(wire + w, len, 4);
	w += server_record(wire + w, json, sizeof(json) - 1);
	w += server_record(wire + w, "\x00\x00\x12\x04\x00\x00\x00\x00\x00SETTINGS", 17);
	return w;
}

static void early_payload_stripped_whatever_the_split(void **state)
{
	static uint8_t wire[1024];
	static struct sink sink;
	size_t n = early_payload_then_h2(wire);

	/* byte by byte */
	memset(&sink, 0, sizeof(sink));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tn_ts2021_feed(&cli.codec, wire + i, 1, collect, &sink), 0);
	assert_int_equal(sink.len, 17);
	assert_memory_equal(sink.buf, "\x00\x00\x12\x04\x00\x00\x00\x00\x00SETTINGS", 17);
}

static void early_payload_in_one_piece(void **state)
{
	static uint8_t wire[1024];
	static struct sink sink;
	size_t n = early_payload_then_h2(wire);

	memset(&sink, 0, sizeof(sink));
	assert_int_equal(tn_ts2021_feed(&cli.codec, wire, n, collect, &sink), 0);
	assert_int_equal(sink.len, 17);
}

static void no_early_payload_passes_first_bytes_through(void **state)
{
	static uint8_t wire[256];
	static struct sink sink;
	size_t n = server_record(wire, "PRI-ish HTTP/2 bytes", 20);

	memset(&sink, 0, sizeof(sink));
	assert_int_equal(tn_ts2021_feed(&cli.codec, wire, n, collect, &sink), 0);
	assert_int_equal(sink.len, 20);
	assert_memory_equal(sink.buf, "PRI-ish HTTP/2 bytes", 20);
}

static void malformed_records_refused(void **state)
{
	static uint8_t wire[8192];
	static struct sink sink;
	size_t n;

	memset(&sink, 0, sizeof(sink));
	n = server_record(wire, "hello world", 11);
	wire[0] = 5; /* not a record */
	assert_int_equal(tn_ts2021_feed(&cli.codec, wire, n, collect, &sink), -EBADMSG);
}

static void oversized_record_refused(void **state)
{
	uint8_t hdr[3] = { 4, 0x10, 0x00 }; /* 4096 bytes of ciphertext + 3 > limit */
	static struct sink sink;

	assert_int_equal(tn_ts2021_feed(&cli.codec, hdr, 3, collect, &sink), -EBADMSG);
}

static void tampered_record_refused(void **state)
{
	static uint8_t wire[256];
	static struct sink sink;
	size_t n = server_record(wire, "hello world", 11);

	wire[7] ^= 0x40;
	assert_int_equal(tn_ts2021_feed(&cli.codec, wire, n, collect, &sink), -EBADMSG);
	assert_int_equal(sink.len, 0);
}

static void huge_early_payload_refused(void **state)
{
	static uint8_t wire[256];
	static struct sink sink;
	size_t n = server_record(wire, "\xff\xff\xffTS\x7f\xff\xff\xff", 9);

	assert_int_equal(tn_ts2021_feed(&cli.codec, wire, n, collect, &sink), -EBADMSG);
}

static void error_frame_and_bad_response(void **state)
{
	struct tn_ts2021_handshake hs;
	struct tn_ts2021_codec codec;
	uint8_t init[TN_TS2021_INITIATION_LEN], msg[64];
	char err[32];
	const char *text = "unsupported version\n";

	assert_int_equal(tn_ts2021_initiate(&hs, VERSION, cli.machine_priv, srv.pub, NULL, init), 0);
	msg[0] = 3;
	msg[1] = 0;
	msg[2] = (uint8_t)strlen(text);
	memcpy(msg + 3, text, strlen(text));
	assert_int_equal(tn_ts2021_finish(&hs, msg, 3 + strlen(text), &codec, err, sizeof(err)),
			 -ECONNREFUSED);
	assert_string_equal(err, "unsupported version?"); /* control bytes masked */

	assert_int_equal(tn_ts2021_initiate(&hs, VERSION, cli.machine_priv, srv.pub, NULL, init), 0);
	memset(msg, 0x41, sizeof(msg));
	msg[0] = 2;
	msg[1] = 0;
	msg[2] = 48;
	assert_int_equal(tn_ts2021_finish(&hs, msg, 51, &codec, err, sizeof(err)), -EBADMSG);
	assert_int_equal(tn_ts2021_finish(&hs, msg, 50, &codec, err, sizeof(err)), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(second_record_uses_big_endian_nonce, setup, teardown),
		cmocka_unit_test_setup_teardown(large_writes_split_into_4096_byte_records, setup, teardown),
		cmocka_unit_test_setup_teardown(early_payload_stripped_whatever_the_split, setup, teardown),
		cmocka_unit_test_setup_teardown(early_payload_in_one_piece, setup, teardown),
		cmocka_unit_test_setup_teardown(no_early_payload_passes_first_bytes_through, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_records_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(oversized_record_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(tampered_record_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(huge_early_payload_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(error_frame_and_bad_response, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

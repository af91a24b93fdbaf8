/* DERP frames from a server on arbitrary bytes: the stream is cut into
 * pieces whose size the first input byte chooses, reassembled by the frame
 * reader, and every frame goes to the parser of its type (ServerInfo is
 * opened with fixed keys, so a seed sealed with them reaches the JSON).
 * Never a crash, never a frame over the limit, never a read past a frame. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keys.h"
#include "derp/frame.h"

/* The keys of the seed corpus: the server's private key is 32 bytes of
 * 0x01, ours 32 bytes of 0x02. */
static uint8_t server_pub[32], client_priv[32];

static int on_frame(void *arg, uint8_t type, uint8_t *p, size_t len)
{
	size_t *total = arg;
	uint8_t key[32], ping[8];
	const uint8_t *src;
	uint8_t *pkt;
	size_t pkt_len;
	int reason;
	uint32_t a, b;
	char text[64];
	struct tn_derp_server_info info;

	if (len > TN_DERP_MAX_FRAME)
		__builtin_trap();
	*total += len;
	for (size_t i = 0; i < len; i++)
		*total += p[i] & 0;
	switch (type) {
	case TN_DERP_FRAME_SERVER_KEY:
		tn_derp_parse_server_key(p, len, key);
		break;
	case TN_DERP_FRAME_SERVER_INFO:
		tn_derp_parse_server_info(p, len, server_pub, client_priv, &info);
		break;
	case TN_DERP_FRAME_RECV_PACKET:
		if (tn_derp_parse_recv_packet(p, len, &src, &pkt, &pkt_len) == 0) {
			if (pkt + pkt_len != p + len || src != p)
				__builtin_trap();
			if (pkt_len)
				pkt[0] ^= 1; /* writable */
		}
		break;
	case TN_DERP_FRAME_PEER_GONE:
		if (tn_derp_parse_peer_gone(p, len, &src, &reason) == 0 && (reason < 0 || reason > 255))
			__builtin_trap();
		break;
	case TN_DERP_FRAME_PING:
	case TN_DERP_FRAME_PONG:
		tn_derp_parse_ping(p, len, ping);
		break;
	case TN_DERP_FRAME_RESTARTING:
		tn_derp_parse_restarting(p, len, &a, &b);
		break;
	case TN_DERP_FRAME_HEALTH:
		tn_derp_parse_health(p, len, text, sizeof(text));
		if (strlen(text) >= sizeof(text))
			__builtin_trap();
		break;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int keys_ready;
	struct tn_derp_reader r;
	size_t total = 0, step;
	uint8_t *copy;

	if (!keys_ready) {
		uint8_t server_priv[32];

		memset(server_priv, 0x01, sizeof(server_priv));
		memset(client_priv, 0x02, sizeof(client_priv));
		tn_key_public_from_private(server_pub, server_priv);
		keys_ready = 1;
	}
	if (!size)
		return 0;
	/* 0: the rest in one piece (the reader's no-copy path). */
	step = data[0] % 64 ? (size_t)(data[0] % 64) : size;
	if (!(copy = malloc(size)))
		return 0;
	memcpy(copy, data, size);
	tn_derp_reader_init(&r);
	for (size_t off = 1; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;

		if (tn_derp_reader_feed(&r, copy + off, n, on_frame, &total) < 0)
			break;
	}
	if (total > size)
		__builtin_trap();
	tn_derp_reader_free(&r);
	free(copy);
	return 0;
}

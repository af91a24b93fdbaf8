/* WireGuard wire formats (the WireGuard paper §5.4; all integers
 * little-endian).  Every message starts with a 4-byte header: the type in
 * the first byte, then three zero bytes.
 */
#ifndef TN_WG_MESSAGES_H
#define TN_WG_MESSAGES_H

#include <stdint.h>

#include "noise/noise.h"

enum tn_wg_msg_type {
	TN_WG_MSG_INITIATION = 1,
	TN_WG_MSG_RESPONSE = 2,
	TN_WG_MSG_COOKIE = 3,
	TN_WG_MSG_DATA = 4,
};

#define TN_WG_KEY_LEN 32
#define TN_WG_MAC_LEN 16
#define TN_WG_TAG_LEN 16
#define TN_WG_TIMESTAMP_LEN 12
#define TN_WG_COOKIE_LEN 16
#define TN_WG_COOKIE_NONCE_LEN 24

struct tn_wg_macs {
	uint8_t mac1[TN_WG_MAC_LEN];
	uint8_t mac2[TN_WG_MAC_LEN];
};

struct tn_wg_msg_initiation {
	uint32_t type;                 /* 1, as a little-endian word */
	uint32_t sender;
	uint8_t ephemeral[TN_WG_KEY_LEN];
	uint8_t encrypted_static[TN_WG_KEY_LEN + TN_WG_TAG_LEN];
	uint8_t encrypted_timestamp[TN_WG_TIMESTAMP_LEN + TN_WG_TAG_LEN];
	struct tn_wg_macs macs;
};

struct tn_wg_msg_response {
	uint32_t type;
	uint32_t sender;
	uint32_t receiver;
	uint8_t ephemeral[TN_WG_KEY_LEN];
	uint8_t encrypted_nothing[TN_WG_TAG_LEN];
	struct tn_wg_macs macs;
};

struct tn_wg_msg_cookie {
	uint32_t type;
	uint32_t receiver;
	uint8_t nonce[TN_WG_COOKIE_NONCE_LEN];
	uint8_t encrypted_cookie[TN_WG_COOKIE_LEN + TN_WG_TAG_LEN];
};

struct tn_wg_msg_data_header {
	uint32_t type;
	uint32_t receiver;
	uint64_t counter;
	/* encrypted packet and 16-byte tag follow */
};

#define TN_WG_INITIATION_LEN 148
#define TN_WG_RESPONSE_LEN 92
#define TN_WG_COOKIE_REPLY_LEN 64
#define TN_WG_DATA_HEADER_LEN 16
#define TN_WG_DATA_MIN_LEN (TN_WG_DATA_HEADER_LEN + TN_WG_TAG_LEN) /* keepalive */

_Static_assert(sizeof(struct tn_wg_msg_initiation) == TN_WG_INITIATION_LEN, "initiation size");
_Static_assert(sizeof(struct tn_wg_msg_response) == TN_WG_RESPONSE_LEN, "response size");
_Static_assert(sizeof(struct tn_wg_msg_cookie) == TN_WG_COOKIE_REPLY_LEN, "cookie size");
_Static_assert(sizeof(struct tn_wg_msg_data_header) == TN_WG_DATA_HEADER_LEN, "data header size");

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the WireGuard message structs assume a little-endian host; add byte swaps"
#endif

#endif

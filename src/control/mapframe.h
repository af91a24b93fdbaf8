/* The /machine/map response body: a stream of messages, each a 4-byte
 * little-endian length then that many bytes of JSON (protocol.md §4.2;
 * Go's controlclient and headscale's poll.go).  This reassembles messages
 * from the HTTP/2 DATA pieces they arrive in.
 *
 * The reader owns its buffer (grown as needed up to the limit); messages
 * handed to the callback are borrowed for the call.  One thread.
 */
#ifndef TN_CONTROL_MAPFRAME_H
#define TN_CONTROL_MAPFRAME_H

#include <stddef.h>
#include <stdint.h>

/* A full map of 10,000 peers is a few MB of JSON; far beyond that is not a
 * map but a broken or hostile server. */
#define TN_MAPFRAME_MAX (64u * 1024 * 1024)

struct tn_mapframe {
	uint8_t hdr[4];
	size_t hdr_got;
	uint8_t *buf;
	size_t cap, len, want;
};

typedef int (*tn_mapframe_fn)(void *ctx, const uint8_t *msg, size_t len);

void tn_mapframe_init(struct tn_mapframe *r);
void tn_mapframe_free(struct tn_mapframe *r);

/* Feeds body bytes; fn gets each complete message.  Returns 0, -EMSGSIZE
 * for a message over TN_MAPFRAME_MAX, -ENOMEM, or fn's negative result. */
int tn_mapframe_feed(struct tn_mapframe *r, const uint8_t *p, size_t len,
		     tn_mapframe_fn fn, void *ctx);

#endif

/* HTTP/2 client over the ts2021 stream, with nghttp2 (no socket of its
 * own: bytes in with tn_h2_recv, bytes out through the write function).
 * Prior knowledge (no upgrade), as Tailscale's control client speaks it.
 * Flow control: windows are opened wide (4 MiB per stream, 16 MiB for the
 * connection) and nghttp2 returns credit as data is consumed, so a
 * long-lived map stream never stalls.
 *
 * Ownership: the tn_h2 owns request bodies (copied); callbacks get borrowed
 * data.  One thread.  Callbacks may submit or cancel requests, but must
 * not free the tn_h2.
 */
#ifndef TN_CONTROL_HTTP2_H
#define TN_CONTROL_HTTP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tn_h2;

struct tn_h2_request_cbs {
	/* The response status arrived. */
	void (*on_response)(void *arg, int status);
	/* Body bytes; a negative return resets the stream. */
	int (*on_data)(void *arg, const uint8_t *p, size_t len);
	/* The stream ended: error_code 0 is a clean end (after on_response),
	 * otherwise an HTTP/2 error code or -1 when the session went away.
	 * Called exactly once per request; arg is not used afterwards. */
	void (*on_close)(void *arg, int error_code);
};

/* Sends bytes toward the server; returns 0 or a negative errno. */
typedef int (*tn_h2_write_fn)(void *ctx, const uint8_t *p, size_t len);

struct tn_h2 *tn_h2_new(tn_h2_write_fn write, void *ctx);
/* Frees the session, then ends every request still open (on_close with
 * -1). */
void tn_h2_free(struct tn_h2 *h);

/* Submits a request; returns the stream id (> 0) or a negative errno.  The
 * bytes go out at the next tn_h2_flush. */
int32_t tn_h2_request(struct tn_h2 *h, const char *method, const char *authority,
		      const char *path, const char *content_type,
		      const uint8_t *body, size_t body_len,
		      const struct tn_h2_request_cbs *cbs, void *arg);
/* Resets a stream (its on_close still runs). */
void tn_h2_cancel(struct tn_h2 *h, int32_t stream_id);

/* Feeds bytes received from the server.  Returns 0 or -EPROTO (the
 * session is unusable: drop the connection). */
int tn_h2_recv(struct tn_h2 *h, const uint8_t *p, size_t len);
/* Writes everything nghttp2 has to send.  Returns 0 or a negative errno. */
int tn_h2_flush(struct tn_h2 *h);
/* False once the session ended (GOAWAY received and nothing left open). */
bool tn_h2_alive(const struct tn_h2 *h);

#endif

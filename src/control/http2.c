#include "control/http2.h"

#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define STREAM_WINDOW (4 * 1024 * 1024)
#define CONNECTION_WINDOW (16 * 1024 * 1024)

struct request;

struct tn_h2 {
	nghttp2_session *s;
	tn_h2_write_fn write;
	void *ctx;
	/* Open requests: nghttp2_session_del does not close its streams, so
	 * tn_h2_free ends what is left here. */
	struct request *open;
};

struct request {
	struct request *next, *prev;
	struct tn_h2_request_cbs cbs;
	void *arg;
	uint8_t *body;
	size_t body_len, body_off;
	bool got_response;
};

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len,
			 uint32_t *flags, nghttp2_data_source *src, void *user)
{
	struct request *rq = src->ptr;
	size_t n = rq->body_len - rq->body_off;

	if (n > len)
		n = len;
	memcpy(buf, rq->body + rq->body_off, n);
	rq->body_off += n;
	if (rq->body_off == rq->body_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
		     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *user)
{
	struct request *rq;

	if (frame->hd.type != NGHTTP2_HEADERS || namelen != 7 || memcmp(name, ":status", 7))
		return 0;
	rq = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
	if (rq && !rq->got_response) {
		char buf[8];
		size_t n = valuelen < sizeof(buf) - 1 ? valuelen : sizeof(buf) - 1;

		memcpy(buf, value, n);
		buf[n] = '\0';
		rq->got_response = true;
		if (rq->cbs.on_response)
			rq->cbs.on_response(rq->arg, atoi(buf));
	}
	return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
		   size_t len, void *user)
{
	struct request *rq = nghttp2_session_get_stream_user_data(s, id);

	if (rq && rq->cbs.on_data && rq->cbs.on_data(rq->arg, data, len) < 0)
		nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
	return 0;
}

static void unlink_request(struct tn_h2 *h, struct request *rq)
{
	if (rq->prev)
		rq->prev->next = rq->next;
	else
		h->open = rq->next;
	if (rq->next)
		rq->next->prev = rq->prev;
}

static void end_request(struct tn_h2 *h, struct request *rq, int error_code)
{
	unlink_request(h, rq);
	if (rq->cbs.on_close)
		rq->cbs.on_close(rq->arg, error_code);
	free(rq->body);
	free(rq);
}

static int on_close(nghttp2_session *s, int32_t id, uint32_t error_code, void *user)
{
	struct request *rq = nghttp2_session_get_stream_user_data(s, id);

	if (!rq)
		return 0;
	nghttp2_session_set_stream_user_data(s, id, NULL);
	end_request(user, rq, (int)error_code);
	return 0;
}

struct tn_h2 *tn_h2_new(tn_h2_write_fn write, void *ctx)
{
	struct tn_h2 *h = calloc(1, sizeof(*h));
	nghttp2_session_callbacks *cbs;
	nghttp2_settings_entry settings[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW },
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100 },
	};

	if (!h || nghttp2_session_callbacks_new(&cbs)) {
		free(h);
		return NULL;
	}
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_close);
	if (nghttp2_session_client_new(&h->s, cbs, h)) {
		nghttp2_session_callbacks_del(cbs);
		free(h);
		return NULL;
	}
	nghttp2_session_callbacks_del(cbs);
	h->write = write;
	h->ctx = ctx;
	if (nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, settings,
				    sizeof(settings) / sizeof(settings[0])) ||
	    nghttp2_session_set_local_window_size(h->s, NGHTTP2_FLAG_NONE, 0, CONNECTION_WINDOW)) {
		tn_h2_free(h);
		return NULL;
	}
	return h;
}

void tn_h2_free(struct tn_h2 *h)
{
	if (!h)
		return;
	nghttp2_session_del(h->s);
	while (h->open)
		end_request(h, h->open, -1);
	free(h);
}

static nghttp2_nv header(const char *name, const char *value)
{
	nghttp2_nv nv = { (uint8_t *)name, (uint8_t *)value, strlen(name), strlen(value),
			  NGHTTP2_NV_FLAG_NONE };
	return nv;
}

int32_t tn_h2_request(struct tn_h2 *h, const char *method, const char *authority,
		      const char *path, const char *content_type,
		      const uint8_t *body, size_t body_len,
		      const struct tn_h2_request_cbs *cbs, void *arg)
{
	struct request *rq = calloc(1, sizeof(*rq));
	nghttp2_nv nva[5];
	size_t nnv = 0;
	nghttp2_data_provider prov = { .read_callback = read_body };
	int32_t id;

	if (!rq)
		return -ENOMEM;
	rq->cbs = *cbs;
	rq->arg = arg;
	if (body_len) {
		if (!(rq->body = malloc(body_len))) {
			free(rq);
			return -ENOMEM;
		}
		memcpy(rq->body, body, body_len);
		rq->body_len = body_len;
	}
	prov.source.ptr = rq;
	nva[nnv++] = header(":method", method);
	nva[nnv++] = header(":scheme", "https");
	nva[nnv++] = header(":authority", authority);
	nva[nnv++] = header(":path", path);
	if (content_type)
		nva[nnv++] = header("content-type", content_type);
	id = nghttp2_submit_request(h->s, NULL, nva, nnv, body_len ? &prov : NULL, rq);
	if (id < 0) {
		free(rq->body);
		free(rq);
		return -EPROTO;
	}
	rq->next = h->open;
	if (h->open)
		h->open->prev = rq;
	h->open = rq;
	return id;
}

void tn_h2_cancel(struct tn_h2 *h, int32_t stream_id)
{
	nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
}

int tn_h2_recv(struct tn_h2 *h, const uint8_t *p, size_t len)
{
	ssize_t n = nghttp2_session_mem_recv(h->s, p, len);

	if (n < 0) {
		tn_log_warn("control", "HTTP/2: %s", nghttp2_strerror((int)n));
		return -EPROTO;
	}
	return 0;
}

int tn_h2_flush(struct tn_h2 *h)
{
	for (;;) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(h->s, &data);
		int r;

		if (n < 0)
			return -EPROTO;
		if (n == 0)
			return 0;
		if ((r = h->write(h->ctx, data, (size_t)n)) < 0)
			return r;
	}
}

bool tn_h2_alive(const struct tn_h2 *h)
{
	return nghttp2_session_want_read(h->s) || nghttp2_session_want_write(h->s);
}

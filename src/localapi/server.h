/* The LocalAPI server: HTTP/1.1 on a Unix socket, as tailscaled serves it
 * (cli-and-localapi.md §4).  One request per connection ("Connection:
 * close" on every answer); requests are read and parsed with the shared
 * HTTP/1 module, routed by path to a handler table, and answered at once,
 * later (a ping waits for its pong), or as a stream (watch-ipn-bus).
 *
 * Security, as tailscaled: a Host other than none or
 * "local-tailscaled.sock" and any Origin or Referer get 403 (a browser
 * must not reach the API); the caller's uid comes from SO_PEERCRED and
 * decides write access (root, the daemon's own user, or whoever
 * can_write says — the operator).  The socket is 0666: reading is open to
 * local users, as tailscaled's is.
 *
 * The server owns its connections; a struct tn_localapi_req lives until
 * it is answered (or its client goes away: on_gone).  Event-loop thread
 * only.
 */
#ifndef TN_LOCALAPI_SERVER_H
#define TN_LOCALAPI_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "event/loop.h"

#define TN_LOCALAPI_HOST "local-tailscaled.sock"
#define TN_LOCALAPI_PREFIX "/localapi/v0/"
/* Request bodies are prefs and options: small. */
#define TN_LOCALAPI_BODY_MAX (1024 * 1024)
/* A watcher that lets this much pile up unread is dropped. */
#define TN_LOCALAPI_STREAM_BACKLOG_MAX (8 * 1024 * 1024)
/* A client must send its request within this time. */
#define TN_LOCALAPI_REQUEST_TIMEOUT_NS (30 * 1000000000ULL)

struct tn_localapi;

struct tn_localapi_req {
	const char *method;
	const char *name;        /* the path after /localapi/v0/ */
	const char *query;       /* after '?', or "" */
	const char *body;        /* NUL-terminated */
	size_t body_len;
	uid_t uid;
	pid_t pid;
	bool can_write;
	/* Set by a handler that answers later: called if the client goes
	 * away first (the request is freed after it returns). */
	void (*on_gone)(struct tn_localapi_req *req);
	void *arg;
};

typedef void (*tn_localapi_handler)(void *ctx, struct tn_localapi_req *req);

struct tn_localapi_route {
	const char *name;          /* "status", or "cert/" for a prefix */
	const char *methods;       /* "GET", "GET,PATCH", or NULL for any */
	bool write;                /* needs write access */
	tn_localapi_handler fn;
};

struct tn_localapi_options {
	const char *socket_path;
	const char *version;       /* Tailscale-Version header */
	int capability_version;    /* Tailscale-Cap header */
	const struct tn_localapi_route *routes;
	size_t n_routes;
	void *ctx;                 /* handlers' and can_write's first argument */
	/* Whether uid may change things besides root and our own user. */
	bool (*can_write)(void *ctx, uid_t uid);
};

/* Binds the socket (replacing a stale one; refusing if a live daemon
 * answers there), mode 0666.  NULL with err set. */
struct tn_localapi *tn_localapi_new(struct tn_loop *loop, const struct tn_localapi_options *o,
				    char *err, size_t errlen);
/* Closes every connection and removes the socket file. */
void tn_localapi_free(struct tn_localapi *api);

/* Answers req (and frees it).  body may be NULL for none. */
void tn_localapi_reply(struct tn_localapi_req *req, int status, const char *content_type,
		       const void *body, size_t len);
/* Answers with json (reference stolen), indented like Go's encoder. */
void tn_localapi_reply_json(struct tn_localapi_req *req, int status, json_t *json);
/* Answers with text/plain "msg\n", as Go's http.Error. */
void tn_localapi_reply_error(struct tn_localapi_req *req, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Streams: a 200 with a chunked body that lasts until the client leaves
 * (on_gone) or tn_localapi_stream_end.  write returns 0 or -ENOBUFS when
 * the client is too far behind (it is then dropped: on_gone runs later
 * from the loop, never inside write). */
int tn_localapi_stream_begin(struct tn_localapi_req *req, const char *content_type);
int tn_localapi_stream_write(struct tn_localapi_req *req, const void *data, size_t len);
void tn_localapi_stream_end(struct tn_localapi_req *req);

/* Query parameter name's value, decoded, into out; false if absent. */
bool tn_localapi_query(const struct tn_localapi_req *req, const char *name, char *out,
		       size_t outlen);

#endif

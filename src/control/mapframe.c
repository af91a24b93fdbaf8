#include "control/mapframe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void tn_mapframe_init(struct tn_mapframe *r)
{
	memset(r, 0, sizeof(*r));
}

void tn_mapframe_free(struct tn_mapframe *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int tn_mapframe_feed(struct tn_mapframe *r, const uint8_t *p, size_t len,
		     tn_mapframe_fn fn, void *ctx)
{
	while (len) {
		size_t n;
		int rc;

		if (r->hdr_got < 4) {
			n = 4 - r->hdr_got < len ? 4 - r->hdr_got : len;
			memcpy(r->hdr + r->hdr_got, p, n);
			r->hdr_got += n;
			p += n;
			len -= n;
			if (r->hdr_got < 4)
				return 0;
			r->want = (size_t)r->hdr[0] | (size_t)r->hdr[1] << 8 |
				  (size_t)r->hdr[2] << 16 | (size_t)r->hdr[3] << 24;
			if (r->want > TN_MAPFRAME_MAX)
				return -EMSGSIZE;
			if (r->want > r->cap) {
				uint8_t *b = realloc(r->buf, r->want);

				if (!b)
					return -ENOMEM;
				r->buf = b;
				r->cap = r->want;
			}
			r->len = 0;
		}
		n = r->want - r->len < len ? r->want - r->len : len;
		if (n) {
			memcpy(r->buf + r->len, p, n);
			r->len += n;
			p += n;
			len -= n;
		}
		if (r->len == r->want) {
			r->hdr_got = 0;
			if ((rc = fn(ctx, r->buf ? r->buf : (const uint8_t *)"", r->len)) < 0)
				return rc;
		}
	}
	return 0;
}

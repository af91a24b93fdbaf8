#include "netstack/pool.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/pbuf.h"

struct ns_buf {
	struct pbuf_custom pc;        /* first: lwIP hands back &pc.pbuf */
	struct tn_ns_pool *pool;
	struct ns_buf *next_free;
	uint8_t data[TN_NS_BUF_DATA];
};

struct ns_slab {
	struct ns_slab *next;
	struct ns_buf bufs[TN_NS_SLAB_BUFS];
};

struct tn_ns_pool {
	struct ns_slab *slabs;
	struct ns_buf *free;
	size_t size, in_use, max;
	bool released;
};

static void pool_destroy(struct tn_ns_pool *pool)
{
	struct ns_slab *s = pool->slabs;

	while (s) {
		struct ns_slab *next = s->next;

		free(s);
		s = next;
	}
	free(pool);
}

static void buf_free(struct pbuf *p)
{
	struct ns_buf *b = (struct ns_buf *)(void *)p;
	struct tn_ns_pool *pool = b->pool;

	b->next_free = pool->free;
	pool->free = b;
	pool->in_use--;
	if (pool->released && !pool->in_use)
		pool_destroy(pool);
}

struct tn_ns_pool *tn_ns_pool_new(size_t max_bufs)
{
	struct tn_ns_pool *pool = calloc(1, sizeof(*pool));

	if (pool)
		pool->max = max_bufs;
	return pool;
}

void tn_ns_pool_release(struct tn_ns_pool *pool)
{
	if (!pool)
		return;
	pool->released = true;
	if (!pool->in_use)
		pool_destroy(pool);
}

static bool grow(struct tn_ns_pool *pool)
{
	struct ns_slab *s;

	if (pool->size + TN_NS_SLAB_BUFS > pool->max || !(s = malloc(sizeof(*s))))
		return false;
	s->next = pool->slabs;
	pool->slabs = s;
	for (size_t i = 0; i < TN_NS_SLAB_BUFS; i++) {
		s->bufs[i].pool = pool;
		s->bufs[i].next_free = pool->free;
		pool->free = &s->bufs[i];
	}
	pool->size += TN_NS_SLAB_BUFS;
	return true;
}

struct pbuf *tn_ns_pool_pbuf(struct tn_ns_pool *pool, const uint8_t *data, size_t len)
{
	struct ns_buf *b;
	struct pbuf *p;

	if (len > TN_NS_BUF_DATA || (!pool->free && !grow(pool)))
		return NULL;
	b = pool->free;
	memcpy(b->data, data, len);
	b->pc.custom_free_function = buf_free;
	p = pbuf_alloced_custom(PBUF_RAW, (u16_t)len, PBUF_REF, &b->pc, b->data, TN_NS_BUF_DATA);
	if (!p)
		return NULL;
	pool->free = b->next_free;
	pool->in_use++;
	return p;
}

size_t tn_ns_pool_in_use(const struct tn_ns_pool *pool)
{
	return pool->in_use;
}

size_t tn_ns_pool_size(const struct tn_ns_pool *pool)
{
	return pool->size;
}

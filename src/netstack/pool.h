/* Packet buffers for lwIP input: lwIP "custom" pbufs whose memory comes
 * from our own pool, so a packet from the tailnet costs one copy into a
 * recycled buffer and no malloc (Debian's lwIP mallocs its own pbufs).
 * lwIP may keep such a pbuf for as long as it likes (out-of-order TCP
 * segments, data the application has not read); pbuf_free returns it.
 *
 * The pool grows in slabs up to a bound and never shrinks; past the bound
 * tn_ns_pool_pbuf fails and the caller drops the packet.  Because lwIP
 * may still hold buffers when the netstack goes, tn_ns_pool_release only
 * marks the pool: the memory goes with the last buffer.
 *
 * Threads: the loop's thread only (the same as lwIP's).
 */
#ifndef TN_NETSTACK_POOL_H
#define TN_NETSTACK_POOL_H

#include <stddef.h>
#include <stdint.h>

struct pbuf;
struct tn_ns_pool;

/* Bytes of packet one buffer holds: a 1280-byte tailnet MTU with room
 * for peers that use a larger one.  Bigger packets get a plain lwIP
 * pbuf. */
#define TN_NS_BUF_DATA 1920
/* Buffers per slab (~128 KiB). */
#define TN_NS_SLAB_BUFS 64

/* NULL on ENOMEM.  max_bufs bounds the memory (max_bufs * ~2 KiB). */
struct tn_ns_pool *tn_ns_pool_new(size_t max_bufs);
/* The netstack is done with the pool; it is freed once lwIP has returned
 * every buffer (at once if none is out).  NULL is a no-op. */
void tn_ns_pool_release(struct tn_ns_pool *pool);

/* A pbuf holding a copy of data[0..len) (len <= TN_NS_BUF_DATA), or NULL
 * when the pool is at its bound or out of memory. */
struct pbuf *tn_ns_pool_pbuf(struct tn_ns_pool *pool, const uint8_t *data, size_t len);

/* Buffers lwIP holds now, and buffers allocated in all. */
size_t tn_ns_pool_in_use(const struct tn_ns_pool *pool);
size_t tn_ns_pool_size(const struct tn_ns_pool *pool);

#endif

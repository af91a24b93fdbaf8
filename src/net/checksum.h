/* The Internet checksum (RFC 1071) and the TCP/UDP pseudo-header sum, for
 * the offload paths that cut and join TCP segments.  Pure functions, any
 * thread.
 */
#ifndef TN_NET_CHECKSUM_H
#define TN_NET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of buf[0..len) added to sum (not folded). */
uint64_t tn_csum_add(uint64_t sum, const uint8_t *buf, size_t len);

/* Folds a sum to 16 bits (not complemented). */
uint16_t tn_csum_fold(uint64_t sum);

/* Sum of the pseudo-header: addresses (4 or 16 bytes each), protocol and
 * the transport length. */
uint64_t tn_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t addr_len,
			uint8_t proto, uint32_t transport_len);

#endif

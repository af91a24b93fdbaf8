#include "net/checksum.h"

#include <string.h>

uint64_t tn_csum_add(uint64_t sum, const uint8_t *buf, size_t len)
{
	/* 32-bit big-endian words into a 64-bit accumulator: no carry is lost
	 * before 2^32 words. */
	while (len >= 4) {
		sum += (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
		buf += 4;
		len -= 4;
	}
	if (len >= 2) {
		sum += (uint32_t)buf[0] << 8 | buf[1];
		buf += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)buf[0] << 8;
	return sum;
}

uint16_t tn_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint64_t tn_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t addr_len,
			uint8_t proto, uint32_t transport_len)
{
	uint64_t sum = tn_csum_add(0, src, addr_len);

	sum = tn_csum_add(sum, dst, addr_len);
	return sum + proto + (transport_len >> 16) + (transport_len & 0xffff);
}

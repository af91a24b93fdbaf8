#include "ipn/icmpping.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "net/checksum.h"

static const uint8_t payload[16] = "tailnetd ping..";

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

size_t tn_icmp_echo_build(uint8_t *out, size_t cap, int family, const uint8_t *src,
			  const uint8_t *dst, uint16_t id, uint16_t seq)
{
	size_t icmp_len = 8 + sizeof(payload), hl = family == AF_INET ? 20 : 40;
	uint8_t *icmp = out + hl;
	uint16_t sum;

	if ((family != AF_INET && family != AF_INET6) || cap < hl + icmp_len)
		return 0;
	memset(out, 0, hl + icmp_len);
	if (family == AF_INET) {
		out[0] = 0x45;
		put16(out + 2, (uint16_t)(hl + icmp_len));
		out[8] = 64;                 /* TTL */
		out[9] = IPPROTO_ICMP;
		memcpy(out + 12, src, 4);
		memcpy(out + 16, dst, 4);
		put16(out + 10, (uint16_t)~tn_csum_fold(tn_csum_add(0, out, 20)));
		icmp[0] = 8;                 /* echo request */
	} else {
		out[0] = 0x60;
		put16(out + 4, (uint16_t)icmp_len);
		out[6] = IPPROTO_ICMPV6;
		out[7] = 64;                 /* hop limit */
		memcpy(out + 8, src, 16);
		memcpy(out + 24, dst, 16);
		icmp[0] = 128;               /* echo request */
	}
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	memcpy(icmp + 8, payload, sizeof(payload));
	if (family == AF_INET)
		sum = tn_csum_fold(tn_csum_add(0, icmp, icmp_len));
	else
		sum = tn_csum_fold(tn_csum_add(tn_csum_pseudo(src, dst, 16, IPPROTO_ICMPV6,
							      (uint32_t)icmp_len),
					       icmp, icmp_len));
	put16(icmp + 2, (uint16_t)~sum);
	return hl + icmp_len;
}

bool tn_icmp_echo_reply_parse(const uint8_t *pkt, size_t len, int *family, uint8_t src[16],
			      uint16_t *id, uint16_t *seq)
{
	const uint8_t *icmp;

	if (len >= 20 && pkt[0] >> 4 == 4) {
		size_t hl = (size_t)(pkt[0] & 15) * 4;

		if (hl < 20 || len < hl + 8 || pkt[9] != IPPROTO_ICMP ||
		    (get16(pkt + 6) & 0x3fff) /* a fragment */)
			return false;
		icmp = pkt + hl;
		if (icmp[0] != 0 || icmp[1] != 0)
			return false;
		*family = AF_INET;
		memset(src, 0, 16);
		memcpy(src, pkt + 12, 4);
	} else if (len >= 48 && pkt[0] >> 4 == 6) {
		if (pkt[6] != IPPROTO_ICMPV6)
			return false;
		icmp = pkt + 40;
		if (icmp[0] != 129 || icmp[1] != 0)
			return false;
		*family = AF_INET6;
		memcpy(src, pkt + 8, 16);
	} else {
		return false;
	}
	*id = get16(icmp + 4);
	*seq = get16(icmp + 6);
	return true;
}

#include "magicsock/stun.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define TYPE_BINDING_REQUEST 0x0001
#define TYPE_BINDING_SUCCESS 0x0101

#define ATTR_MAPPED_ADDRESS 0x0001
#define ATTR_XOR_MAPPED_ADDRESS 0x0020
/* Not in the RFC, but servers send it (Go's attrXorMappedAddressAlt: a
 * slip into the comprehension-optional range). */
#define ATTR_XOR_MAPPED_ADDRESS_ALT 0x8020
#define ATTR_SOFTWARE 0x8022
#define ATTR_FINGERPRINT 0x8028

/* Go's software string: 8 bytes, so the attribute needs no padding. */
#define SOFTWARE "tailnode"
#define SOFTWARE_LEN 8
#define ATTR_HEADER_LEN 4
#define FINGERPRINT_ATTR_LEN (ATTR_HEADER_LEN + 4)

#define FAMILY_IPV4 0x01
#define FAMILY_IPV6 0x02

_Static_assert(TN_STUN_REQUEST_LEN ==
		       TN_STUN_HEADER_LEN + ATTR_HEADER_LEN + SOFTWARE_LEN + FINGERPRINT_ATTR_LEN,
	       "request layout");

static const uint8_t cookie[4] = { 0x21, 0x12, 0xa4, 0x42 };
static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Bitwise CRC-32 (IEEE 802.3, reflected polynomial 0xedb88320, as Go's
 * crc32.ChecksumIEEE): STUN messages are short, a table would not pay. */
static uint32_t crc32_ieee(const uint8_t *buf, size_t len)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= buf[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

uint32_t tn_stun_fingerprint(const uint8_t *buf, size_t len)
{
	return crc32_ieee(buf, len) ^ TN_STUN_FINGERPRINT_XOR;
}

void tn_stun_request(uint8_t out[TN_STUN_REQUEST_LEN], const uint8_t txid[TN_STUN_TXID_LEN])
{
	uint8_t *p = out;

	put16(p, TYPE_BINDING_REQUEST);
	put16(p + 2, TN_STUN_REQUEST_LEN - TN_STUN_HEADER_LEN); /* bytes after the header */
	memcpy(p + 4, cookie, sizeof(cookie));
	memcpy(p + 8, txid, TN_STUN_TXID_LEN);
	p += TN_STUN_HEADER_LEN;
	put16(p, ATTR_SOFTWARE);
	put16(p + 2, SOFTWARE_LEN);
	memcpy(p + 4, SOFTWARE, SOFTWARE_LEN);
	p += ATTR_HEADER_LEN + SOFTWARE_LEN;
	put16(p, ATTR_FINGERPRINT);
	put16(p + 2, 4);
	put32(p + 4, tn_stun_fingerprint(out, (size_t)(p - out)));
}

bool tn_stun_is(const uint8_t *pkt, size_t len)
{
	return len >= TN_STUN_HEADER_LEN && (pkt[0] & 0xc0) == 0 &&
	       memcmp(pkt + 4, cookie, sizeof(cookie)) == 0;
}

bool tn_stun_is_binding(const uint8_t *pkt, size_t len)
{
	return tn_stun_is(pkt, len) && pkt[1] == 0x01;
}

/* The address bytes of a (XOR-)MAPPED-ADDRESS value: 0, family, port,
 * then 4 or 16 address bytes (more are ignored, as Go does).  The
 * reserved first byte is not checked (nor is it by Go). */
static int read_address(struct tn_tailcfg_addrport *ap, const uint8_t *v, size_t len, bool xor,
			const uint8_t txid[TN_STUN_TXID_LEN])
{
	size_t alen;
	uint8_t ip[16];

	if (len < 4)
		return -EBADMSG;
	switch (v[1]) {
	case FAMILY_IPV4:
		alen = 4;
		break;
	case FAMILY_IPV6:
		alen = 16;
		break;
	default:
		return -EBADMSG;
	}
	if (len - 4 < alen)
		return -EBADMSG;
	memset(ap, 0, sizeof(*ap));
	ap->port = get16(v + 2);
	memcpy(ip, v + 4, alen);
	if (xor) {
		/* Port with the cookie's top half; address with cookie || txid. */
		ap->port ^= (uint16_t)(TN_STUN_MAGIC_COOKIE >> 16);
		for (size_t i = 0; i < alen; i++)
			ip[i] ^= i < 4 ? cookie[i] : txid[i - 4];
	}
	if (alen == 4 || memcmp(ip, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		ap->family = AF_INET;
		memcpy(ap->addr, ip + alen - 4, 4);
	} else {
		ap->family = AF_INET6;
		memcpy(ap->addr, ip, 16);
	}
	return 0;
}

int tn_stun_parse_response(struct tn_stun_response *r, const uint8_t *pkt, size_t len)
{
	struct tn_tailcfg_addrport fallback;
	bool have_xor = false, have_fallback = false;
	size_t attrs_len, off;

	memset(r, 0, sizeof(*r));
	if (!tn_stun_is(pkt, len) || get16(pkt) != TYPE_BINDING_SUCCESS)
		goto bad;
	memcpy(r->txid, pkt + 8, TN_STUN_TXID_LEN);
	attrs_len = get16(pkt + 2);
	if (attrs_len > len - TN_STUN_HEADER_LEN)
		goto bad;
	/* Bytes past the header's length are ignored, as Go trims them. */
	len = TN_STUN_HEADER_LEN + attrs_len;

	for (off = TN_STUN_HEADER_LEN; off < len;) {
		size_t type, alen, padded;
		const uint8_t *v;

		if (len - off < ATTR_HEADER_LEN)
			goto bad;
		type = get16(pkt + off);
		alen = get16(pkt + off + 2);
		padded = (alen + 3) & ~(size_t)3;
		if (padded > len - off - ATTR_HEADER_LEN)
			goto bad;
		v = pkt + off + ATTR_HEADER_LEN;
		switch (type) {
		case ATTR_XOR_MAPPED_ADDRESS:
		case ATTR_XOR_MAPPED_ADDRESS_ALT:
			if (read_address(&r->addr, v, alen, true, r->txid))
				goto bad;
			have_xor = true;
			break;
		case ATTR_MAPPED_ADDRESS:
			if (read_address(&fallback, v, alen, false, NULL))
				goto bad;
			have_fallback = true;
			break;
		case ATTR_FINGERPRINT:
			/* CRC of everything before this attribute, the header's
			 * length field included as sent (RFC 5389 s.15.5). */
			if (alen != 4 || get32(v) != tn_stun_fingerprint(pkt, off))
				goto bad;
			r->fingerprint = true;
			break;
		default:
			break; /* SOFTWARE, MESSAGE-INTEGRITY, ...: not ours to check */
		}
		off += ATTR_HEADER_LEN + padded;
	}

	if (have_xor) {
		r->xor_mapped = true;
		return 0;
	}
	if (have_fallback) {
		r->addr = fallback;
		return 0;
	}
bad:
	memset(r, 0, sizeof(*r));
	return -EBADMSG;
}

bool tn_stun_response_for(const struct tn_stun_response *r,
			  const uint8_t txid[TN_STUN_TXID_LEN])
{
	return memcmp(r->txid, txid, TN_STUN_TXID_LEN) == 0;
}

#include "net/offload.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "net/checksum.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80
#define IPPROTO_TCP_ 6

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void ipv4_header_checksum(uint8_t *ip, size_t ihl)
{
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~tn_csum_fold(tn_csum_add(0, ip, ihl)));
}

/* The IP and TCP header lengths of a TCP packet; 0 if it is not one we
 * handle (IPv4 without fragments, IPv6 with TCP as the next header). */
static size_t tcp_headers(const uint8_t *p, size_t len, size_t *iphl, bool *v6)
{
	size_t ih, th;

	if (len >= 20 && p[0] >> 4 == 4) {
		ih = (size_t)(p[0] & 0xf) * 4;
		if (ih < 20 || p[9] != IPPROTO_TCP_ || (be16(p + 6) & 0x3fff))
			return 0;
		*v6 = false;
	} else if (len >= 40 && p[0] >> 4 == 6) {
		ih = 40;
		if (p[6] != IPPROTO_TCP_)
			return 0;
		*v6 = true;
	} else {
		return 0;
	}
	if (len < ih + 20)
		return 0;
	th = (size_t)(p[ih + 12] >> 4) * 4;
	if (th < 20 || len < ih + th)
		return 0;
	*iphl = ih;
	return ih + th;
}

static void tcp_checksum(uint8_t *p, size_t iphl, bool v6, size_t len)
{
	size_t tl = len - iphl;
	uint64_t sum = v6 ? tn_csum_pseudo(p + 8, p + 24, 16, IPPROTO_TCP_, (uint32_t)tl)
			  : tn_csum_pseudo(p + 12, p + 16, 4, IPPROTO_TCP_, (uint32_t)tl);

	put16(p + iphl + 16, 0);
	put16(p + iphl + 16, (uint16_t)~tn_csum_fold(tn_csum_add(sum, p + iphl, tl)));
}

int tn_offload_segment(const struct tn_vnet_hdr *h, uint8_t *pkt, size_t len,
		       uint8_t *scratch, size_t scratch_len, tn_offload_fn fn, void *ctx)
{
	uint8_t gso = h->gso_type & (uint8_t)~TN_VNET_GSO_ECN;
	size_t iphl, hdr, payload, nseg;
	uint32_t seq0;
	uint16_t id0;
	bool v6;

	if (gso == TN_VNET_GSO_NONE) {
		if (h->flags & TN_VNET_F_NEEDS_CSUM) {
			size_t start = h->csum_start, at = start + h->csum_offset;

			if (at + 2 > len)
				return -EBADMSG;
			put16(pkt + at, (uint16_t)~tn_csum_fold(tn_csum_add(0, pkt + start, len - start)));
		}
		fn(ctx, pkt, len);
		return 1;
	}
	if (gso != TN_VNET_GSO_TCPV4 && gso != TN_VNET_GSO_TCPV6)
		return -EBADMSG;
	hdr = tcp_headers(pkt, len, &iphl, &v6);
	if (!hdr || v6 != (gso == TN_VNET_GSO_TCPV6) || !h->gso_size || len <= hdr)
		return -EBADMSG;
	if (hdr + h->gso_size > scratch_len)
		return -EMSGSIZE;
	payload = len - hdr;
	nseg = (payload + h->gso_size - 1) / h->gso_size;
	seq0 = be32(pkt + iphl + 4);
	id0 = v6 ? 0 : be16(pkt + 4);
	for (size_t i = 0; i < nseg; i++) {
		size_t off = i * h->gso_size;
		size_t chunk = payload - off < h->gso_size ? payload - off : h->gso_size;
		uint8_t *tcp = scratch + iphl;

		memcpy(scratch, pkt, hdr);
		memcpy(scratch + hdr, pkt + hdr + off, chunk);
		if (v6) {
			put16(scratch + 4, (uint16_t)(hdr - iphl + chunk));
		} else {
			put16(scratch + 2, (uint16_t)(hdr + chunk));
			put16(scratch + 4, (uint16_t)(id0 + i));
			ipv4_header_checksum(scratch, iphl);
		}
		put32(tcp + 4, seq0 + (uint32_t)off);
		if (i + 1 < nseg)
			tcp[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (i > 0)
			tcp[13] &= (uint8_t)~TCP_CWR;
		tcp_checksum(scratch, iphl, v6, hdr + chunk);
		fn(ctx, scratch, hdr + chunk);
	}
	return (int)nseg;
}

void tn_gro_init(struct tn_gro *g)
{
	memset(g, 0, sizeof(*g));
}

/* Can packet p (headers hdr, payload pl, flags fl) extend group gr? */
static bool joins(const struct tn_gro_group *gr, const uint8_t *p, size_t hdr, size_t iphl,
		  bool v6, size_t pl)
{
	const uint8_t *f = gr->first;

	if (!gr->tcp || gr->closed || gr->hdr_len != hdr || gr->nseg >= TN_GRO_MAX_SEGMENTS ||
	    pl > gr->seg_size || gr->total + pl > 65535 || be32(p + iphl + 4) != gr->next_seq)
		return false;
	if (v6) {
		/* version/class/flow label, next header, hop limit, addresses */
		if (memcmp(f, p, 4) || f[6] != p[6] || f[7] != p[7] || memcmp(f + 8, p + 8, 32))
			return false;
	} else {
		/* version/IHL/TOS, DF, TTL/protocol, addresses, options */
		if (f[0] != p[0] || f[1] != p[1] || (f[6] & 0x40) != (p[6] & 0x40) ||
		    memcmp(f + 8, p + 8, 2) || memcmp(f + 12, p + 12, 8) || memcmp(f + 20, p + 20, iphl - 20))
			return false;
	}
	/* ports, ack, data offset, and every option byte equal */
	return !memcmp(f + iphl, p + iphl, 4) && !memcmp(f + iphl + 8, p + iphl + 8, 5) &&
	       !memcmp(f + iphl + 20, p + iphl + 20, hdr - iphl - 20);
}

void tn_gro_add(struct tn_gro *g, int fd, uint8_t *pkt, size_t len)
{
	struct tn_gro_group *gr;
	size_t iphl = 0, hdr, pl;
	bool v6 = false;
	uint8_t flags;

	hdr = tcp_headers(pkt, len, &iphl, &v6);
	if (hdr && len > hdr) {
		size_t ip_len = v6 ? 40 + (size_t)be16(pkt + 4) : be16(pkt + 2);

		pl = len - hdr;
		flags = pkt[iphl + 13];
		if (ip_len == len && !(flags & (uint8_t)~(TCP_ACK | TCP_PSH)) && (flags & TCP_ACK)) {
			/* Look back a few groups: interleaved flows still join. */
			for (unsigned i = g->ngroups, n = 0; i-- > 0 && n < 8; n++) {
				gr = &g->groups[i];
				if (!joins(gr, pkt, hdr, iphl, v6, pl))
					continue;
				gr->iov[1 + gr->nseg].iov_base = pkt + hdr;
				gr->iov[1 + gr->nseg].iov_len = pl;
				gr->nseg++;
				gr->total += pl;
				gr->next_seq += (uint32_t)pl;
				if (pl < gr->seg_size || (flags & TCP_PSH))
					gr->closed = true;
				g->packets++;
				return;
			}
		} else {
			hdr = 0;
		}
	} else {
		hdr = 0;
	}
	if (g->ngroups == TN_GRO_MAX_PACKETS)
		tn_gro_flush(g, fd);
	gr = &g->groups[g->ngroups++];
	gr->first = pkt;
	gr->total = len;
	gr->nseg = 1;
	gr->tcp = hdr != 0;
	gr->closed = !gr->tcp || (pkt[iphl + 13] & TCP_PSH);
	gr->hdr_len = hdr;
	if (gr->tcp) {
		gr->seg_size = (uint16_t)(len - hdr);
		gr->next_seq = be32(pkt + iphl + 4) + (uint32_t)(len - hdr);
	}
	gr->iov[1].iov_base = pkt;
	gr->iov[1].iov_len = len;
	g->packets++;
}

int tn_gro_flush(struct tn_gro *g, int fd)
{
	int failed = 0;

	for (unsigned i = 0; i < g->ngroups; i++) {
		struct tn_gro_group *gr = &g->groups[i];
		struct tn_vnet_hdr vh = { 0 };
		uint8_t *p = gr->first;

		if (gr->nseg > 1) {
			size_t iphl;
			bool v6;
			uint64_t pseudo;

			tcp_headers(p, gr->hdr_len + gr->seg_size, &iphl, &v6);
			if (v6) {
				put16(p + 4, (uint16_t)(gr->total - 40));
				pseudo = tn_csum_pseudo(p + 8, p + 24, 16, IPPROTO_TCP_,
							(uint32_t)(gr->total - iphl));
			} else {
				put16(p + 2, (uint16_t)gr->total);
				ipv4_header_checksum(p, iphl);
				pseudo = tn_csum_pseudo(p + 12, p + 16, 4, IPPROTO_TCP_,
							(uint32_t)(gr->total - iphl));
			}
			/* The kernel finishes the checksum from the pseudo-header sum. */
			put16(p + iphl + 16, tn_csum_fold(pseudo));
			vh.flags = TN_VNET_F_NEEDS_CSUM;
			vh.gso_type = v6 ? TN_VNET_GSO_TCPV6 : TN_VNET_GSO_TCPV4;
			vh.hdr_len = (uint16_t)gr->hdr_len;
			vh.gso_size = gr->seg_size;
			vh.csum_start = (uint16_t)iphl;
			vh.csum_offset = 16;
			/* The first packet's payload stays in iov[1]. */
		}
		gr->iov[0].iov_base = &vh;
		gr->iov[0].iov_len = TN_VNET_HDR_LEN;
		if (writev(fd, gr->iov, (int)gr->nseg + 1) < 0)
			failed++;
		g->writes++;
	}
	g->ngroups = 0;
	return failed;
}

/* TUN offloads: the kernel hands us 64 KB TCP segments (TSO) and takes
 * coalesced ones (GRO) when the TUN has IFF_VNET_HDR; WireGuard moves
 * MTU-sized packets.  This file converts between the two.
 *
 *   read side:  tn_offload_segment() cuts a TSO packet into MTU-sized IP
 *               packets with complete checksums (and completes the
 *               checksum of a single packet the kernel left partial).
 *   write side: struct tn_gro collects decrypted packets for one batch,
 *               joins consecutive segments of one TCP flow, and writes
 *               each group with one writev (virtio header + first headers
 *               + all payloads, no copy).
 *
 * Buffers: tn_gro borrows each added packet until tn_gro_flush.  One
 * thread per object.
 */
#ifndef TN_NET_OFFLOAD_H
#define TN_NET_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* struct virtio_net_hdr, as TUN reads and writes it (little-endian). */
struct tn_vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

#define TN_VNET_HDR_LEN 10
#define TN_VNET_F_NEEDS_CSUM 1
#define TN_VNET_GSO_NONE 0
#define TN_VNET_GSO_TCPV4 1
#define TN_VNET_GSO_TCPV6 4
#define TN_VNET_GSO_ECN 0x80

/* Called for each IP packet cut from a TSO packet; p is valid for the call. */
typedef void (*tn_offload_fn)(void *ctx, uint8_t *p, size_t len);

/* Splits pkt[0..len) described by h into packets whose payload is at most
 * h->gso_size, calling fn for each (a non-GSO packet is passed through,
 * with its checksum completed if the kernel left it partial).  scratch
 * holds one segment (>= the MTU).  Returns the number of packets, or
 * -EBADMSG for a packet whose headers do not match h. */
int tn_offload_segment(const struct tn_vnet_hdr *h, uint8_t *pkt, size_t len,
		       uint8_t *scratch, size_t scratch_len, tn_offload_fn fn, void *ctx);

/* Most packets one TUN write batch holds, and segments per group (the
 * group stays under 64 KB). */
#define TN_GRO_MAX_PACKETS 256
#define TN_GRO_MAX_SEGMENTS 64

struct tn_gro_group {
	uint8_t *first;            /* headers come from the first packet */
	size_t hdr_len;            /* IP + TCP headers of the first packet */
	size_t total;              /* bytes of the joined packet */
	uint16_t seg_size;         /* payload of each segment but the last */
	uint32_t next_seq;         /* sequence number the next segment must have */
	unsigned nseg;
	bool closed;               /* a short or PSH segment ends the group */
	bool tcp;                  /* false: a packet written as it is */
	struct iovec iov[TN_GRO_MAX_SEGMENTS + 1];
};

struct tn_gro {
	struct tn_gro_group groups[TN_GRO_MAX_PACKETS];
	unsigned ngroups;
	uint64_t writes, packets;  /* stats: TUN writes and packets they carried */
};

void tn_gro_init(struct tn_gro *g);

/* Adds one IP packet (borrowed until tn_gro_flush).  When the batch is
 * full it is flushed to fd first. */
void tn_gro_add(struct tn_gro *g, int fd, uint8_t *pkt, size_t len);

/* Writes every group to fd (a TUN with IFF_VNET_HDR).  Returns the number
 * of failed writes. */
int tn_gro_flush(struct tn_gro *g, int fd);

#endif

/* The TUN side of a WireGuard device, with the offloads of the fast path:
 * reads (TSO segments cut into packets) go to tn_wg_device_send, decrypted
 * packets come back through tn_tun_pump_deliver and, inside a receive
 * batch, are joined (GRO) and written with one writev per flow run.
 *
 * Usage: register tn_tun_pump_on_readable for the TUN fd on the loop; pass
 * tn_tun_pump_deliver (with the pump as context) as the device's deliver
 * callback; bracket each batch of inbound datagrams with begin/end so the
 * joined packets are written at its end.  after_read (optional) runs after
 * each batch of TUN reads, to flush what the path layer queued (UDP GSO).
 *
 * The pump borrows the TUN and the device; it owns its buffers.
 * Event-loop thread only.
 */
#ifndef TN_WG_TUN_PUMP_H
#define TN_WG_TUN_PUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "net/offload.h"
#include "net/tun.h"
#include "wg/device.h"

/* Packets read from the TUN per wakeup before the loop looks elsewhere. */
#define TN_TUN_READS_PER_WAKEUP 64

/* Where packets read from the TUN go (one IP packet each, segments of a
 * TSO read one by one).  The default sends them into the device. */
typedef void (*tn_tun_pump_outbound_fn)(void *ctx, uint8_t *pkt, size_t len);

struct tn_tun_pump {
	struct tn_tun *tun;
	struct tn_wg_device *dev;
	tn_tun_pump_outbound_fn outbound;
	void *outbound_ctx;
	void (*after_read)(void *ctx);
	void *ctx;
	bool in_batch;
	struct tn_gro gro;
	uint64_t write_errors, bad_gso;
	uint8_t buf[TN_VNET_HDR_LEN + 65536];
	uint8_t seg[65536];
};

void tn_tun_pump_init(struct tn_tun_pump *p, struct tn_tun *tun, struct tn_wg_device *dev,
		      void (*after_read)(void *ctx), void *ctx);
/* Packets read from the TUN go to fn(ctx, ...) instead of the device. */
void tn_tun_pump_set_outbound(struct tn_tun_pump *p, tn_tun_pump_outbound_fn fn, void *ctx);
void tn_tun_pump_on_readable(struct tn_loop *loop, int fd, unsigned events, void *arg);
/* A tn_wg_deliver_fn: ctx is the pump. */
void tn_tun_pump_deliver(void *ctx, struct tn_wg_peer *peer, uint8_t *pkt, size_t len);
void tn_tun_pump_begin(struct tn_tun_pump *p);
void tn_tun_pump_end(struct tn_tun_pump *p);

#endif

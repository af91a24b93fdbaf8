#include "wg/tun_pump.h"

#include <string.h>
#include <sys/uio.h>

void tn_tun_pump_init(struct tn_tun_pump *p, struct tn_tun *tun, struct tn_wg_device *dev,
		      void (*after_read)(void *ctx), void *ctx)
{
	p->tun = tun;
	p->dev = dev;
	p->outbound = NULL;
	p->outbound_ctx = NULL;
	p->after_read = after_read;
	p->ctx = ctx;
	p->in_batch = false;
	p->write_errors = p->bad_gso = 0;
	tn_gro_init(&p->gro);
}

void tn_tun_pump_set_outbound(struct tn_tun_pump *p, tn_tun_pump_outbound_fn fn, void *ctx)
{
	p->outbound = fn;
	p->outbound_ctx = ctx;
}

static void send_segment(void *ctx, uint8_t *pkt, size_t len)
{
	struct tn_tun_pump *p = ctx;

	if (p->outbound)
		p->outbound(p->outbound_ctx, pkt, len);
	else
		tn_wg_device_send(p->dev, pkt, len);
}

void tn_tun_pump_on_readable(struct tn_loop *loop, int fd, unsigned events, void *arg)
{
	struct tn_tun_pump *p = arg;

	for (int i = 0; i < TN_TUN_READS_PER_WAKEUP; i++) {
		ssize_t n = tn_tun_read(p->tun, p->buf, sizeof(p->buf));
		struct tn_vnet_hdr h;

		if (n <= 0)
			break;
		if (!p->tun->vnet) {
			send_segment(p, p->buf, (size_t)n);
			continue;
		}
		if (n < TN_VNET_HDR_LEN)
			continue;
		memcpy(&h, p->buf, sizeof(h));
		if (tn_offload_segment(&h, p->buf + TN_VNET_HDR_LEN, (size_t)n - TN_VNET_HDR_LEN,
				       p->seg, sizeof(p->seg), send_segment, p) < 0)
			p->bad_gso++;
	}
	if (p->after_read)
		p->after_read(p->ctx);
}

void tn_tun_pump_deliver(void *ctx, struct tn_wg_peer *peer, uint8_t *pkt, size_t len)
{
	struct tn_tun_pump *p = ctx;

	if (p->tun->vnet && p->in_batch) {
		tn_gro_add(&p->gro, p->tun->fd, pkt, len);
		return;
	}
	if (p->tun->vnet) {
		/* A lone packet still needs its (empty) virtio header. */
		uint8_t hdr[TN_VNET_HDR_LEN] = { 0 };
		struct iovec iov[2] = { { hdr, sizeof(hdr) }, { pkt, len } };

		if (writev(p->tun->fd, iov, 2) < 0)
			p->write_errors++;
		return;
	}
	if (tn_tun_write(p->tun, pkt, len) < 0)
		p->write_errors++;
}

void tn_tun_pump_begin(struct tn_tun_pump *p)
{
	p->in_batch = true;
}

void tn_tun_pump_end(struct tn_tun_pump *p)
{
	p->in_batch = false;
	if (p->tun->vnet && tn_gro_flush(&p->gro, p->tun->fd))
		p->write_errors++;
}

/* Netcheck: how far away each DERP region is, and which should be home
 * (protocol.md §8.2).  A round sends one STUN binding request to the
 * first STUN-capable node of every region (again after 200 ms for the
 * ones that have not answered), from magicsock's own UDP socket so the
 * mapped address learned is the one peers must use; 3 s after it starts
 * the round's report is done: per-region latency, our mapped address.
 *
 * The home region is the one with the lowest latency over the recent
 * rounds (the best of the last 5 minutes of each region that answered this
 * round), with Go's hysteresis: the old home stays unless the new best is
 * at least 10 ms faster than the old one's latency now and not above 2/3
 * of it (or the old one no longer answers).  Regions marked Avoid or NoMeasureNoHome, or without
 * a DERP server, are never home.
 *
 * Owned by magicsock; the DERP map is borrowed until the next set_map.
 * Event-loop thread only.
 */
#ifndef TN_MAGICSOCK_NETCHECK_H
#define TN_MAGICSOCK_NETCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "control/tailcfg.h"
#include "event/loop.h"

#define TN_NETCHECK_ROUND_NS (3 * 1000000000ULL)     /* Go: STUN probe timeout */
#define TN_NETCHECK_RETRY_NS (200 * 1000000ULL)      /* Go: retransmit after 100-200 ms */
#define TN_NETCHECK_INTERVAL_NS (20 * 1000000000ULL) /* Go: ReSTUN every 20-26 s */
#define TN_NETCHECK_HISTORY_NS (300 * 1000000000ULL) /* Go: 5 minutes of reports */
#define TN_NETCHECK_HYSTERESIS_NS (10 * 1000000ULL)  /* Go: 10 ms */
#define TN_NETCHECK_REGIONS_MAX 64

struct tn_netcheck_region {
	int id;
	uint64_t latency_ns;         /* 0: no answer */
};

struct tn_netcheck_report {
	bool udp;                    /* any STUN answer came back */
	struct tn_tailcfg_addrport global_v4; /* our mapped address (family 0: none) */
	bool mapping_varies;         /* regions saw different mapped addresses */
	int preferred;               /* the home region after hysteresis (0: none) */
	size_t n_regions;
	struct tn_netcheck_region regions[TN_NETCHECK_REGIONS_MAX];
	uint64_t at;                 /* tn_clock_now() when it was done */
};

/* Sends a datagram from magicsock's socket. */
typedef int (*tn_netcheck_send_fn)(void *ctx, const struct sockaddr *to, socklen_t tolen,
				   const uint8_t *buf, size_t len);
/* A round's report is ready (borrowed for the call). */
typedef void (*tn_netcheck_done_fn)(void *ctx, const struct tn_netcheck_report *r);

struct tn_netcheck;

struct tn_netcheck *tn_netcheck_new(struct tn_loop *loop, tn_netcheck_send_fn send,
				    tn_netcheck_done_fn done, void *ctx);
void tn_netcheck_free(struct tn_netcheck *nc);
/* A new DERP map and the home region in use: a round starts now and then
 * every TN_NETCHECK_INTERVAL_NS. */
void tn_netcheck_set_map(struct tn_netcheck *nc, const struct tn_tailcfg_derp_map *dm, int home);
/* A STUN response from the socket: true if it answered one of ours. */
bool tn_netcheck_handle(struct tn_netcheck *nc, const uint8_t *pkt, size_t len);
/* The last complete report, or NULL before the first. */
const struct tn_netcheck_report *tn_netcheck_last(const struct tn_netcheck *nc);

/* Go's choice with hysteresis (netcheck.go addReportHistoryAndSetPreferredDERP),
 * as a pure function for tests: best[] is the best recent latency of each
 * candidate region (0: none), old the current home and old_now its latency
 * in this round (0: it did not answer, so it is left).  Returns the region
 * to use (old if none answers). */
int tn_netcheck_choose(const struct tn_netcheck_region *best, size_t n, int old,
		       uint64_t old_now);

#endif

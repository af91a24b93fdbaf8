#include "magicsock/netcheck.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "magicsock/stun.h"
#include "util/clock.h"
#include "util/log.h"

/* Rounds remembered for the "best of the last 5 minutes" (one per 20 s). */
#define HISTORY_MAX 16

struct probe {
	int region;
	struct sockaddr_in to;
	uint8_t txid[TN_STUN_TXID_LEN];
	uint64_t sent;
	uint64_t latency;             /* 0 until answered */
	struct tn_tailcfg_addrport mapped;
};

struct tn_netcheck {
	struct tn_loop *loop;
	tn_netcheck_send_fn send;
	tn_netcheck_done_fn done;
	void *ctx;
	const struct tn_tailcfg_derp_map *dm;
	struct tn_timer *interval, *retry, *deadline;
	bool in_round;
	uint64_t round_start;
	struct probe probes[TN_NETCHECK_REGIONS_MAX];
	size_t n_probes;
	struct tn_netcheck_report history[HISTORY_MAX];
	size_t n_history;
	struct tn_netcheck_report last;
	bool have_last;
	int home;
};

static bool can_be_home(const struct tn_tailcfg_derp_region *r)
{
	bool has_derp = false;

	for (size_t j = 0; j < r->n_nodes; j++)
		has_derp |= !r->nodes[j].stun_only;
	return has_derp && !r->avoid && !r->no_measure_no_home;
}

int tn_netcheck_choose(const struct tn_netcheck_region *best, size_t n, int old,
		       uint64_t old_now)
{
	const struct tn_netcheck_region *b = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!best[i].latency_ns)
			continue;
		if (!b || best[i].latency_ns < b->latency_ns ||
		    (best[i].latency_ns == b->latency_ns && best[i].id < b->id))
			b = &best[i];
	}
	if (!b)
		return old;
	/* Go's stickiness, with its integer arithmetic: keep the old home
	 * while it answers and the best is not 10 ms better, or not below
	 * 2/3 of the old one's latency now. */
	if (old && b->id != old && old_now &&
	    (old_now - b->latency_ns < TN_NETCHECK_HYSTERESIS_NS || b->latency_ns > old_now / 3 * 2))
		return old;
	return b->id;
}

static void send_probe(struct tn_netcheck *nc, struct probe *p)
{
	uint8_t req[TN_STUN_REQUEST_LEN];

	tn_crypto_random(p->txid, sizeof(p->txid));
	tn_stun_request(req, p->txid);
	p->sent = tn_clock_now();
	nc->send(nc->ctx, (const struct sockaddr *)&p->to, sizeof(p->to), req, sizeof(req));
}

static void start_round(struct tn_timer *t, void *arg)
{
	struct tn_netcheck *nc = arg;

	nc->n_probes = 0;
	for (size_t i = 0; nc->dm && i < nc->dm->n_regions; i++) {
		const struct tn_tailcfg_derp_region *r = &nc->dm->regions[i];

		if (r->avoid || nc->n_probes == TN_NETCHECK_REGIONS_MAX)
			continue;
		for (size_t j = 0; j < r->n_nodes; j++) {
			const struct tn_tailcfg_derp_node *n = &r->nodes[j];
			const char *ip = n->stun_test_ip && *n->stun_test_ip ? n->stun_test_ip : n->ipv4;
			struct probe *p = &nc->probes[nc->n_probes];

			memset(p, 0, sizeof(*p));
			p->to.sin_family = AF_INET;
			if (n->stun_port < 0 || !ip || inet_pton(AF_INET, ip, &p->to.sin_addr) != 1)
				continue;
			p->to.sin_port = htons((uint16_t)(n->stun_port ? n->stun_port : 3478));
			p->region = r->id;
			nc->n_probes++;
			send_probe(nc, p);
			break;
		}
	}
	if (!nc->n_probes)
		return;
	nc->in_round = true;
	nc->round_start = tn_clock_now();
	tn_timer_arm(nc->retry, TN_NETCHECK_RETRY_NS, 0);
	tn_timer_arm(nc->deadline, TN_NETCHECK_ROUND_NS, 0);
}

static void retry(struct tn_timer *t, void *arg)
{
	struct tn_netcheck *nc = arg;

	for (size_t i = 0; nc->in_round && i < nc->n_probes; i++)
		if (!nc->probes[i].latency) {
			/* A lost datagram is not latency: time from the resend. */
			send_probe(nc, &nc->probes[i]);
		}
}

/* The best latency over the recent reports of each home-capable region
 * that answered in this round (Go's candidates are this report's). */
static size_t recent_best(struct tn_netcheck *nc, const struct tn_netcheck_report *rep,
			  struct tn_netcheck_region *best)
{
	size_t n = 0;
	uint64_t now = tn_clock_now();

	for (size_t i = 0; nc->dm && i < nc->dm->n_regions; i++) {
		const struct tn_tailcfg_derp_region *r = &nc->dm->regions[i];
		bool answered = false;

		for (size_t k = 0; k < rep->n_regions; k++)
			answered |= rep->regions[k].id == r->id && rep->regions[k].latency_ns;
		if (!answered || !can_be_home(r) || n == TN_NETCHECK_REGIONS_MAX)
			continue;
		best[n] = (struct tn_netcheck_region){ r->id, 0 };
		for (size_t h = 0; h < nc->n_history; h++) {
			const struct tn_netcheck_report *old = &nc->history[h];

			if (now - old->at > TN_NETCHECK_HISTORY_NS)
				continue;
			for (size_t k = 0; k < old->n_regions; k++)
				if (old->regions[k].id == r->id && old->regions[k].latency_ns &&
				    (!best[n].latency_ns || old->regions[k].latency_ns < best[n].latency_ns))
					best[n].latency_ns = old->regions[k].latency_ns;
		}
		n++;
	}
	return n;
}

static void finish_round(struct tn_timer *t, void *arg)
{
	struct tn_netcheck *nc = arg;
	struct tn_netcheck_report *rep = &nc->last;
	struct tn_netcheck_region best[TN_NETCHECK_REGIONS_MAX];
	size_t nb;

	if (!nc->in_round)
		return;
	nc->in_round = false;
	tn_timer_cancel(nc->retry);
	memset(rep, 0, sizeof(*rep));
	rep->at = tn_clock_now();
	for (size_t i = 0; i < nc->n_probes; i++) {
		const struct probe *p = &nc->probes[i];

		rep->regions[rep->n_regions++] = (struct tn_netcheck_region){ p->region, p->latency };
		if (!p->latency)
			continue;
		rep->udp = true;
		if (!rep->global_v4.family)
			rep->global_v4 = p->mapped;
		else if (memcmp(&rep->global_v4, &p->mapped, sizeof(p->mapped)))
			rep->mapping_varies = true;
	}
	if (nc->n_history == HISTORY_MAX) {
		memmove(nc->history, nc->history + 1, sizeof(nc->history[0]) * (HISTORY_MAX - 1));
		nc->n_history--;
	}
	nc->history[nc->n_history++] = *rep;
	nb = recent_best(nc, rep, best);
	{
		uint64_t old_now = 0;

		for (size_t k = 0; k < rep->n_regions; k++)
			if (rep->regions[k].id == nc->home)
				old_now = rep->regions[k].latency_ns;
		/* Not one region answered (UDP blocked): the home stays. */
		nc->home = tn_netcheck_choose(best, nb, nc->home, old_now);
	}
	rep->preferred = nc->home;
	nc->have_last = true;
	nc->done(nc->ctx, rep);
}

bool tn_netcheck_handle(struct tn_netcheck *nc, const uint8_t *pkt, size_t len)
{
	struct tn_stun_response r;

	if (!nc->in_round || tn_stun_parse_response(&r, pkt, len) < 0)
		return false;
	for (size_t i = 0; i < nc->n_probes; i++) {
		struct probe *p = &nc->probes[i];

		if (!tn_stun_response_for(&r, p->txid))
			continue;
		if (!p->latency) {
			p->latency = tn_clock_now() - p->sent;
			if (!p->latency)
				p->latency = 1;
			p->mapped = r.addr;
		}
		/* All answered: the report need not wait for the deadline. */
		for (size_t k = 0; k < nc->n_probes; k++)
			if (!nc->probes[k].latency)
				return true;
		tn_timer_arm(nc->deadline, 0, 0);
		return true;
	}
	return false;
}

void tn_netcheck_set_map(struct tn_netcheck *nc, const struct tn_tailcfg_derp_map *dm, int home)
{
	nc->dm = dm;
	nc->home = home;
	nc->in_round = false;
	nc->n_probes = 0;
	/* A home no longer in the map (or no longer eligible) goes. */
	if (nc->home) {
		bool still = false;

		for (size_t i = 0; dm && i < dm->n_regions; i++)
			still |= dm->regions[i].id == nc->home && can_be_home(&dm->regions[i]);
		if (!still)
			nc->home = 0;
	}
	if (dm && dm->n_regions)
		tn_timer_arm(nc->interval, 0, TN_NETCHECK_INTERVAL_NS);
	else
		tn_timer_cancel(nc->interval);
}

const struct tn_netcheck_report *tn_netcheck_last(const struct tn_netcheck *nc)
{
	return nc->have_last ? &nc->last : NULL;
}

struct tn_netcheck *tn_netcheck_new(struct tn_loop *loop, tn_netcheck_send_fn send,
				    tn_netcheck_done_fn done, void *ctx)
{
	struct tn_netcheck *nc = calloc(1, sizeof(*nc));

	if (!nc)
		return NULL;
	nc->loop = loop;
	nc->send = send;
	nc->done = done;
	nc->ctx = ctx;
	if (!(nc->interval = tn_timer_new(loop, start_round, nc)) ||
	    !(nc->retry = tn_timer_new(loop, retry, nc)) ||
	    !(nc->deadline = tn_timer_new(loop, finish_round, nc))) {
		tn_netcheck_free(nc);
		return NULL;
	}
	return nc;
}

void tn_netcheck_free(struct tn_netcheck *nc)
{
	if (!nc)
		return;
	tn_timer_free(nc->interval);
	tn_timer_free(nc->retry);
	tn_timer_free(nc->deadline);
	free(nc);
}

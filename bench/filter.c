/* Packet filter benchmark: 10,000 FilterRules (default; or the counts
 * given) shaped like a large headscale tailnet's, compiled for one node,
 * and the time of one verdict per packet for the kinds of packets a node
 * sees: a TCP SYN a late rule allows, a SYN no rule allows (the longest
 * search), the TCP segments of established connections, UDP replies
 * found in connection tracking, UDP and ICMP that need the rules, and
 * outbound packets (UDP ones noted in the table).  Also the compile time,
 * and the digest the engine computes on every netmap to see that the
 * filter did not change.
 *
 * Rules: rule i lets the nodes of user i (a /32 and a /128 each, 1-4
 * nodes) reach this node on port 1000 + i % 5000, rule i also names a
 * port range (i % 7 == 0), and every tenth rule is for another node's
 * address (headscale would not send those; the compiler prunes them).
 * Packets come from 4096 sources drawn at random, so the caches do not
 * see one flow.  Times are wall-clock (CLOCK_MONOTONIC), best of 5 runs.
 *
 *   bench-filter [rules...]      default: 10000
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/tailcfg.h"
#include "filter/filter.h"

#define N_PKTS 4096
#define ROUNDS 200

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = (b->cap + (size_t)n) * 2;
		if (!(b->p = realloc(b->p, b->cap)))
			abort();
	}
	b->len += (size_t)n;
}

/* User i's node j: 100.64.0.0/10 and fd7a:115c:a1e0::/48 addresses. */
static void node4(char *out, int i, int j)
{
	unsigned v = 0x400000u + (unsigned)i * 4 + (unsigned)j;

	sprintf(out, "100.%u.%u.%u", 64 + (v >> 16 & 63), v >> 8 & 255, v & 255);
}

static void node6(char *out, int i, int j)
{
	sprintf(out, "fd7a:115c:a1e0::%x:%x", i, j);
}

static int nodes_of(int i)
{
	return 1 + i % 4;
}

static char *rules_json(int n)
{
	struct buf b = { malloc(1 << 16), 0, 1 << 16 };
	char a[64];

	put(&b, "[");
	for (int i = 0; i < n; i++) {
		const char *dst4 = i % 10 == 9 ? "100.100.7.7" : "100.64.0.1";
		const char *dst6 = i % 10 == 9 ? "fd7a:115c:a1e0::707" : "fd7a:115c:a1e0::1";
		int port = 1000 + i % 5000;

		put(&b, "%s{\"SrcIPs\":[", i ? "," : "");
		for (int j = 0; j < nodes_of(i); j++) {
			node4(a, i, j);
			put(&b, "%s\"%s\"", j ? "," : "", a);
			node6(a, i, j);
			put(&b, ",\"%s\"", a);
		}
		put(&b, "],\"DstPorts\":[{\"IP\":\"%s\",\"Ports\":{\"First\":%d,\"Last\":%d}},"
			"{\"IP\":\"%s\",\"Ports\":{\"First\":%d,\"Last\":%d}}", dst4, port, port, dst6,
			port, port);
		if (i % 7 == 0)
			put(&b, ",{\"IP\":\"%s\",\"Ports\":{\"First\":%d,\"Last\":%d}}", dst4,
			    20000 + i, 20000 + i + 10);
		put(&b, "]}");
	}
	put(&b, "]");
	return b.p;
}

static size_t mkpkt(uint8_t *b, uint8_t proto, const char *src, const char *dst, uint16_t sport,
		    uint16_t dport, uint8_t flags)
{
	bool v6 = strchr(src, ':') != NULL;
	size_t hl = v6 ? 40 : 20, l4 = proto == 6 ? 20 : 8;

	memset(b, 0, 64);
	b[hl] = (uint8_t)(sport >> 8);
	b[hl + 1] = (uint8_t)sport;
	b[hl + 2] = (uint8_t)(dport >> 8);
	b[hl + 3] = (uint8_t)dport;
	if (proto == 6) {
		b[hl + 12] = 0x50;
		b[hl + 13] = flags;
	} else if (proto == 1 || proto == 58) {
		b[hl] = flags;
		b[hl + 1] = 0;
	}
	if (v6) {
		b[0] = 0x60;
		b[5] = (uint8_t)l4;
		b[6] = proto;
		inet_pton(AF_INET6, src, b + 8);
		inet_pton(AF_INET6, dst, b + 24);
	} else {
		b[0] = 0x45;
		b[3] = (uint8_t)(hl + l4);
		b[9] = proto;
		inet_pton(AF_INET, src, b + 12);
		inet_pton(AF_INET, dst, b + 16);
	}
	return hl + l4;
}

struct set {
	uint8_t pkt[N_PKTS][64];
	size_t len[N_PKTS];
};

enum kind { SYN_ALLOWED, SYN_DENIED, TCP_ESTABLISHED, UDP_REPLY, UDP_ALLOWED, ICMP_ECHO,
	    SYN_ALLOWED6, OUT_TCP, OUT_UDP, N_KINDS };

static const char *const kind_names[N_KINDS] = {
	"TCP SYN, allowed by a rule", "TCP SYN, no rule (drop)", "TCP established (ACK)",
	"UDP reply (conntrack hit)", "UDP new flow, allowed by a rule", "ICMP echo request",
	"TCP SYN over IPv6, allowed", "outbound TCP", "outbound UDP (noted)",
};

static void fill(struct set *s, enum kind k, int n_rules)
{
	char src[64];

	for (int p = 0; p < N_PKTS; p++) {
		/* Users from the last quarter of the rules: late matches. */
		int i = n_rules - 1 - (int)(next() % (uint64_t)(n_rules / 4 + 1)), j;

		if (i % 10 == 9)
			i--;
		j = (int)(next() % (uint64_t)nodes_of(i));
		node4(src, i, j);
		switch (k) {
		case SYN_ALLOWED:
			s->len[p] = mkpkt(s->pkt[p], 6, src, "100.64.0.1", 40000, (uint16_t)(1000 + i % 5000), 0x02);
			break;
		case SYN_DENIED:
			s->len[p] = mkpkt(s->pkt[p], 6, src, "100.64.0.1", 40000, (uint16_t)(1000 + (i + 1) % 5000), 0x02);
			break;
		case TCP_ESTABLISHED:
			s->len[p] = mkpkt(s->pkt[p], 6, src, "100.64.0.1", 40000, 5201, 0x10);
			break;
		case UDP_REPLY:
			/* 256 flows (the table holds 512), many packets each */
			if (p >= 256) {
				memcpy(s->pkt[p], s->pkt[p % 256], sizeof(s->pkt[p]));
				s->len[p] = s->len[p % 256];
				break;
			}
			s->len[p] = mkpkt(s->pkt[p], 17, src, "100.64.0.1", 53, (uint16_t)(10000 + p), 0);
			break;
		case UDP_ALLOWED:
			s->len[p] = mkpkt(s->pkt[p], 17, src, "100.64.0.1", 40000, (uint16_t)(1000 + i % 5000), 0);
			break;
		case ICMP_ECHO:
			s->len[p] = mkpkt(s->pkt[p], 1, src, "100.64.0.1", 0, 0, 8);
			break;
		case SYN_ALLOWED6:
			node6(src, i, j);
			s->len[p] = mkpkt(s->pkt[p], 6, src, "fd7a:115c:a1e0::1", 40000, (uint16_t)(1000 + i % 5000), 0x02);
			break;
		case OUT_TCP:
			s->len[p] = mkpkt(s->pkt[p], 6, "100.64.0.1", src, 5201, 40000, 0x10);
			break;
		case OUT_UDP:
			s->len[p] = mkpkt(s->pkt[p], 17, "100.64.0.1", src, (uint16_t)(10000 + p % 256), 53, 0);
			break;
		default:
			break;
		}
	}
}

static int run(int n_rules)
{
	char *json = rules_json(n_rules), err[TN_TAILCFG_ERR_MAX], warn[128];
	struct tn_tailcfg_filter_rule *rules;
	const struct tn_tailcfg_filter_rule **ptrs;
	struct tn_tailcfg_prefix local[2];
	struct tn_filter_config cfg = { 0 };
	struct tn_filter_info info;
	struct tn_filter *f = NULL;
	struct tn_conntrack *ct = tn_conntrack_new(TN_CONNTRACK_DEFAULT_FLOWS);
	struct set *s = malloc(sizeof(*s));
	uint8_t digest[TN_FILTER_DIGEST_LEN];
	double t0, best;
	size_t n;
	json_t *v = json_loads(json, 0, NULL);

	if (!v || !s || !ct || tn_tailcfg_filter_rules_parse(&rules, &n, v, err, sizeof(err))) {
		fprintf(stderr, "rules: %s\n", err);
		return 1;
	}
	json_decref(v);
	ptrs = malloc(n * sizeof(*ptrs));
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &rules[i];
	tn_tailcfg_prefix_parse(&local[0], "100.64.0.1/32", 13);
	tn_tailcfg_prefix_parse(&local[1], "fd7a:115c:a1e0::1/128", 21);
	cfg.rules = ptrs;
	cfg.n_rules = n;
	cfg.local = local;
	cfg.n_local = 2;
	best = 1e300;
	for (int r = 0; r < 5; r++) {
		tn_filter_free(f);
		t0 = now_ns();
		if (tn_filter_new(&f, &cfg, warn, sizeof(warn))) {
			fprintf(stderr, "compile failed\n");
			return 1;
		}
		best = best < now_ns() - t0 ? best : now_ns() - t0;
	}
	tn_filter_info(f, &info);
	printf("%6d rules (%zu KiB JSON): compile %.2f ms -> %zu groups, %zu ranges\n", n_rules,
	       strlen(json) / 1024, best / 1e6, info.groups, info.ranges);
	best = 1e300;
	for (int r = 0; r < 5; r++) {
		t0 = now_ns();
		tn_filter_config_digest(&cfg, digest);
		best = best < now_ns() - t0 ? best : now_ns() - t0;
	}
	printf("%6d rules: config digest (each netmap) %.2f ms\n", n_rules, best / 1e6);
	for (int k = 0; k < N_KINDS; k++) {
		size_t accepted = 0;

		fill(s, (enum kind)k, n_rules);
		if (k == UDP_REPLY)  /* the flows these reply to */
			for (int p = 0; p < 256; p++) {
				uint8_t b[64];
				char src[64];

				memcpy(b, s->pkt[p], 64);
				inet_ntop(AF_INET, b + 12, src, sizeof(src));
				tn_filter_run_out(ct, b, mkpkt(b, 17, "100.64.0.1", src,
							       (uint16_t)(10000 + p), 53, 0), NULL);
			}
		best = 1e300;
		for (int r = 0; r < 5; r++) {
			t0 = now_ns();
			accepted = 0;
			for (int round = 0; round < ROUNDS; round++)
				for (int p = 0; p < N_PKTS; p++)
					accepted += (k >= OUT_TCP ? tn_filter_run_out(ct, s->pkt[p], s->len[p], NULL)
						     : tn_filter_run_in(f, ct, s->pkt[p], s->len[p], 0, NULL)) ==
						    TN_FILTER_ACCEPT;
			best = best < now_ns() - t0 ? best : now_ns() - t0;
		}
		printf("%6d rules: %-34s %7.1f ns/packet (%3.0f%% accepted)\n", n_rules, kind_names[k],
		       best / ((double)ROUNDS * N_PKTS), 100.0 * (double)accepted / ((double)ROUNDS * N_PKTS));
		if (k == SYN_DENIED ? accepted != 0 : accepted != (size_t)ROUNDS * N_PKTS) {
			fprintf(stderr, "unexpected verdicts for %s\n", kind_names[k]);
			return 1;
		}
	}
	tn_filter_free(f);
	tn_conntrack_free(ct);
	tn_tailcfg_filter_rules_free(rules, n);
	free(ptrs);
	free(json);
	free(s);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2)
		return run(10000);
	for (int i = 1; i < argc && !rc; i++)
		rc = run(atoi(argv[i]));
	return rc;
}

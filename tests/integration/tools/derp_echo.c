/* derp_echo: two DERP clients (fresh node keys) on one DERP server, sending
 * packets to each other, for tests/integration/test_derp.py.
 *
 *   derp_echo --host NAME --ip ADDR [--port 443] [--region 900]
 *             [--count 100] [--size 1200] [--timeout 300] [--verbose]
 *
 * The node is InsecureForTests (the bed's derper has a self-signed
 * certificate).  Once both clients are connected it runs round 1: --count
 * packets a->b and as many b->a, each carrying its round, sequence number
 * and direction and a pattern derived from them (lengths vary up to
 * --size), at most WINDOW in flight per direction; it waits until all
 * have arrived or 10 s have passed, then prints the result.  SIGUSR1 starts the next round (as soon as both are
 * connected).  SIGUSR2 prints each client's counters; SIGTERM or SIGINT
 * prints them and exits 0; --timeout seconds without that exits 2.
 *
 * Output on stdout, one JSON object per line:
 *   {"event":"keys","a":"[abcde]","b":"[fghij]"}
 *   {"event":"state","client":"a","connected":true,"err":""}
 *   {"event":"round","round":1,"a2b_sent":100,"a2b_recv":100,"a2b_intact":100,
 *    "b2a_sent":100,"b2a_recv":100,"b2a_intact":100,"dup":0,"foreign":0,"ms":12}
 *   {"event":"stats","client":"a","connects":1,...}
 * Logs of the library go to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/tailcfg.h"
#include "crypto/keys.h"
#include "derp/client.h"
#include "event/loop.h"
#include "util/clock.h"
#include "util/log.h"

#define ROUND_TIMEOUT_NS (10ULL * TN_NSEC_PER_SEC)
#define HDR_LEN 13          /* "DE" round(4) seq(4) dir(1) pad(2) */
#define MAX_COUNT 100000
/* Packets in flight per direction.  derper queues at most 32 packets per
 * receiving client and drops the rest (its perClientSendQueueDepth), so a
 * burst of hundreds would measure derper's queue, not our client. */
#define WINDOW 16

struct side {
	const char *name;
	struct tn_derp_client *c;
	uint8_t priv[32], pub[32];
	bool up;
	/* this round, packets sent by this side and received by it */
	unsigned sent, recv, intact;
	unsigned next;      /* sequence number of the next packet to send */
	uint8_t *seen;      /* per sequence number of the other side's packets */
};

static struct {
	struct tn_loop *loop;
	struct side a, b;
	unsigned count, size;
	unsigned round;     /* current or last round */
	bool running, want_round;
	unsigned dup, foreign;
	uint64_t started;
	struct tn_timer *round_timer, *overall;
	int exit_code;
} g;

static void fill(uint8_t *p, size_t len, unsigned round, unsigned seq, int dir)
{
	uint32_t x = round * 2654435761u ^ seq * 40503u ^ (uint32_t)dir * 977u;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static size_t pkt_len(unsigned seq)
{
	/* HDR_LEN .. size bytes; packet 0 is the largest. */
	unsigned span = g.size - HDR_LEN + 1;

	return HDR_LEN + (seq == 0 ? span - 1 : (seq * 37u) % span);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void finish_round(void)
{
	tn_timer_cancel(g.round_timer);
	g.running = false;
	printf("{\"event\":\"round\",\"round\":%u,"
	       "\"a2b_sent\":%u,\"a2b_recv\":%u,\"a2b_intact\":%u,"
	       "\"b2a_sent\":%u,\"b2a_recv\":%u,\"b2a_intact\":%u,"
	       "\"dup\":%u,\"foreign\":%u,\"ms\":%llu}\n",
	       g.round, g.a.sent, g.b.recv, g.b.intact, g.b.sent, g.a.recv, g.a.intact, g.dup,
	       g.foreign, (unsigned long long)((tn_clock_now() - g.started) / TN_NSEC_PER_MSEC));
	fflush(stdout);
}

static void maybe_done(void)
{
	if (g.running && g.a.recv == g.b.sent && g.b.recv == g.a.sent &&
	    g.a.sent == g.count && g.b.sent == g.count)
		finish_round();
}

/* Sends from's next packets while fewer than WINDOW are in flight. */
static void send_more(struct side *from, struct side *to)
{
	int dir = from == &g.a ? 0 : 1;
	uint8_t pkt[65536];

	while (g.running && from->next < g.count && from->sent - to->recv < WINDOW) {
		unsigned seq = from->next++;
		size_t len = pkt_len(seq);

		pkt[0] = 'D';
		pkt[1] = 'E';
		put32(pkt + 2, g.round);
		put32(pkt + 6, seq);
		pkt[10] = (uint8_t)dir;
		pkt[11] = pkt[12] = 0;
		fill(pkt + HDR_LEN, len - HDR_LEN, g.round, seq, dir);
		if (tn_derp_client_send(from->c, to->pub, pkt, len) == 0)
			from->sent++;
	}
}

static void start_round(void)
{
	g.want_round = false;
	g.round++;
	g.running = true;
	g.dup = g.foreign = 0;
	g.started = tn_clock_now();
	for (struct side *s = &g.a; s; s = s == &g.a ? &g.b : NULL) {
		s->sent = s->recv = s->intact = s->next = 0;
		memset(s->seen, 0, g.count);
	}
	tn_timer_arm(g.round_timer, ROUND_TIMEOUT_NS, 0);
	send_more(&g.a, &g.b);
	send_more(&g.b, &g.a);
	maybe_done();
}

static void maybe_start(void)
{
	if (g.want_round && !g.running && g.a.up && g.b.up)
		start_round();
}

static void on_packet(void *arg, const uint8_t src[32], uint8_t *pkt, size_t len)
{
	struct side *me = arg, *other = me == &g.a ? &g.b : &g.a;
	int dir = me == &g.a ? 1 : 0; /* packets to a travel b->a */
	uint8_t want[65536];
	unsigned seq;

	if (memcmp(src, other->pub, 32) != 0 || len < HDR_LEN || pkt[0] != 'D' || pkt[1] != 'E' ||
	    get32(pkt + 2) != g.round || pkt[10] != dir || !g.running) {
		g.foreign++;
		return;
	}
	seq = get32(pkt + 6);
	if (seq >= g.count) {
		g.foreign++;
		return;
	}
	if (me->seen[seq]) {
		g.dup++;
		return;
	}
	me->seen[seq] = 1;
	me->recv++;
	fill(want, len - HDR_LEN, g.round, seq, dir);
	if (len == pkt_len(seq) && memcmp(want, pkt + HDR_LEN, len - HDR_LEN) == 0)
		me->intact++;
	maybe_done();
	send_more(other, me);
}

static void on_state(void *arg, bool connected, const char *err)
{
	struct side *s = arg;

	s->up = connected;
	printf("{\"event\":\"state\",\"client\":\"%s\",\"connected\":%s,\"err\":\"", s->name,
	       connected ? "true" : "false");
	for (const char *p = err ? err : ""; *p; p++)
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f)
			putchar(*p);
	printf("\"}\n");
	fflush(stdout);
	maybe_start();
}

static void print_stats(struct side *s)
{
	struct tn_derp_stats st;

	tn_derp_client_stats(s->c, &st);
	printf("{\"event\":\"stats\",\"client\":\"%s\",\"connected\":%s,"
	       "\"packets_in\":%llu,\"bytes_in\":%llu,\"packets_out\":%llu,\"bytes_out\":%llu,"
	       "\"drops_not_connected\":%llu,\"drops_backlog\":%llu,\"bad_frames\":%llu,"
	       "\"pings\":%llu,\"keepalives\":%llu,\"peer_gone\":%llu,"
	       "\"connects\":%llu,\"reconnects\":%llu}\n",
	       s->name, tn_derp_client_connected(s->c) ? "true" : "false",
	       (unsigned long long)st.packets_in, (unsigned long long)st.bytes_in,
	       (unsigned long long)st.packets_out, (unsigned long long)st.bytes_out,
	       (unsigned long long)st.drops_not_connected, (unsigned long long)st.drops_backlog,
	       (unsigned long long)st.bad_frames, (unsigned long long)st.pings,
	       (unsigned long long)st.keepalives, (unsigned long long)st.peer_gone,
	       (unsigned long long)st.connects, (unsigned long long)st.reconnects);
}

static void on_round_timeout(struct tn_timer *t, void *arg)
{
	if (g.running)
		finish_round();
	maybe_start();
}

static void on_overall(struct tn_timer *t, void *arg)
{
	fprintf(stderr, "derp_echo: overall timeout\n");
	g.exit_code = 2;
	tn_loop_stop(g.loop);
}

static void on_signal(struct tn_loop *loop, int signo, void *arg)
{
	if (signo == SIGUSR1) {
		g.want_round = true;
		maybe_start();
		return;
	}
	if (signo == SIGUSR2) {
		print_stats(&g.a);
		print_stats(&g.b);
		fflush(stdout);
		return;
	}
	tn_loop_stop(loop);
}

static void usage(void)
{
	fprintf(stderr, "usage: derp_echo --host NAME --ip ADDR [--port 443] [--region 900] "
		"[--count 100] [--size 1200] [--timeout 300] [--verbose]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "ip", required_argument, NULL, 'i' },
		{ "port", required_argument, NULL, 'p' },
		{ "region", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *host = NULL, *ip = NULL;
	int port = 443, region_id = 900, timeout_s = 300, o;
	struct tn_tailcfg_derp_node node = { 0 };
	struct tn_tailcfg_derp_region region = { 0 };
	struct tn_derp_callbacks cbs = { .on_packet = on_packet, .on_state = on_state };
	char ka[TN_KEY_SHORT_MAX], kb[TN_KEY_SHORT_MAX];

	g.count = 100;
	g.size = 1200;
	tn_log_set_level(TN_LOG_INFO);
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'h': host = optarg; break;
		case 'i': ip = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'r': region_id = atoi(optarg); break;
		case 'n': g.count = (unsigned)atoi(optarg); break;
		case 's': g.size = (unsigned)atoi(optarg); break;
		case 't': timeout_s = atoi(optarg); break;
		case 'v': tn_log_set_level(TN_LOG_DEBUG); break;
		default: usage();
		}
	}
	if (!host || !ip || port <= 0 || port > 65535 || !g.count || g.count > MAX_COUNT ||
	    g.size < HDR_LEN + 1 || g.size > 65536 || timeout_s <= 0)
		usage();

	node.name = (char *)"derp_echo";
	node.region_id = region_id;
	node.host_name = (char *)host;
	node.ipv4 = (char *)(strchr(ip, ':') ? "none" : ip);
	node.ipv6 = (char *)(strchr(ip, ':') ? ip : "none");
	node.derp_port = port;
	node.insecure_for_tests = true;
	region.id = region.region_id = region_id;
	region.code = (char *)"echo";
	region.nodes = &node;
	region.n_nodes = 1;

	g.loop = tn_loop_new();
	if (!g.loop)
		return 1;
	g.a.name = "a";
	g.b.name = "b";
	g.a.seen = calloc(g.count, 1);
	g.b.seen = calloc(g.count, 1);
	if (!g.a.seen || !g.b.seen || tn_key_generate_private(g.a.priv) < 0 ||
	    tn_key_generate_private(g.b.priv) < 0)
		return 1;
	tn_key_public_from_private(g.a.pub, g.a.priv);
	tn_key_public_from_private(g.b.pub, g.b.priv);
	tn_key_short(ka, g.a.pub);
	tn_key_short(kb, g.b.pub);
	printf("{\"event\":\"keys\",\"a\":\"%s\",\"b\":\"%s\"}\n", ka, kb);
	fflush(stdout);

	tn_loop_add_signal(g.loop, SIGUSR1, on_signal, NULL);
	tn_loop_add_signal(g.loop, SIGUSR2, on_signal, NULL);
	tn_loop_add_signal(g.loop, SIGTERM, on_signal, NULL);
	tn_loop_add_signal(g.loop, SIGINT, on_signal, NULL);
	g.round_timer = tn_timer_new(g.loop, on_round_timeout, NULL);
	g.overall = tn_timer_new(g.loop, on_overall, NULL);
	tn_timer_arm(g.overall, (uint64_t)timeout_s * TN_NSEC_PER_SEC, 0);
	g.want_round = true;

	g.a.c = tn_derp_client_new(g.loop, g.a.priv, &region, &cbs, &g.a);
	g.b.c = tn_derp_client_new(g.loop, g.b.priv, &region, &cbs, &g.b);
	if (!g.a.c || !g.b.c) {
		fprintf(stderr, "derp_echo: cannot create the clients: %s\n", strerror(errno));
		return 1;
	}
	tn_loop_run(g.loop);
	if (g.running)
		finish_round();
	print_stats(&g.a);
	print_stats(&g.b);
	fflush(stdout);
	tn_derp_client_free(g.a.c);
	tn_derp_client_free(g.b.c);
	tn_timer_free(g.round_timer);
	tn_timer_free(g.overall);
	tn_loop_free(g.loop);
	free(g.a.seen);
	free(g.b.seen);
	return g.exit_code;
}

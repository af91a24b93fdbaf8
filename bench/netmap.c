/* Netmap scale benchmark: a synthetic full MapResponse with 1,000 and
 * 10,000 peers (Node objects shaped like headscale's: keys, two addresses,
 * AllowedIPs, endpoints, Hostinfo with NetInfo and Services, HomeDERP),
 * parsed and applied; then, at 10,000 peers, a one-peer PeersChanged and
 * a one-peer PeersChangedPatch delta.
 *
 * Each size runs in its own child process so the peak RSS (getrusage
 * ru_maxrss) of one does not hide the other.  Times are wall-clock
 * (CLOCK_MONOTONIC); deltas are averaged over many applications.
 *
 *   bench-netmap [peers...]      default: 1000 10000
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/netmap.h"

#define DELTA_ROUNDS 2000

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!b->p) {
		b->cap = 4096;
		if (!(b->p = malloc(b->cap)))
			abort();
	}
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

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void put_key(struct buf *b, const char *prefix)
{
	put(b, "\"%s", prefix);
	for (int i = 0; i < 4; i++)
		put(b, "%016" PRIx64, next());
	put(b, "\"");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One peer as headscale's TailNode writes it (hscontrol/types/node.go). */
static void put_node(struct buf *b, int id, bool self)
{
	int v4b = id / 250, v4c = id % 250;

	put(b, "{\"ID\":%d,\"StableID\":\"%d\",\"Name\":\"node-%d.tailnet.example.\","
	       "\"User\":%d,\"Key\":", id, id, id, id % 100 + 1);
	put_key(b, "nodekey:");
	if (id % 7 == 0)
		put(b, ",\"KeyExpiry\":\"2027-01-01T00:00:00Z\"");
	put(b, ",\"Machine\":");
	put_key(b, "mkey:");
	put(b, ",\"DiscoKey\":");
	put_key(b, "discokey:");
	put(b, ",\"Addresses\":[\"100.64.%d.%d/32\",\"fd7a:115c:a1e0::%x/128\"]",
	    v4b, v4c + 1, id);
	if (id % 20 == 0)
		put(b, ",\"AllowedIPs\":[\"10.%d.0.0/16\",\"100.64.%d.%d/32\","
		       "\"fd7a:115c:a1e0::%x/128\"],\"PrimaryRoutes\":[\"10.%d.0.0/16\"]",
		    id % 250, v4b, v4c + 1, id, id % 250);
	else
		put(b, ",\"AllowedIPs\":[\"100.64.%d.%d/32\",\"fd7a:115c:a1e0::%x/128\"]",
		    v4b, v4c + 1, id);
	put(b, ",\"Endpoints\":[\"198.51.%d.%d:41641\",\"192.168.%d.%d:41641\","
	       "\"[2001:db8:%x::1]:41641\"],\"HomeDERP\":%d",
	    v4b, v4c, v4c, v4b + 1, id, 900 + id % 5);
	put(b, ",\"Hostinfo\":{\"IPNVersion\":\"1.98.10-t1234567-g89abcdef\","
	       "\"BackendLogID\":\"%016" PRIx64 "%016" PRIx64 "\",\"OS\":\"linux\","
	       "\"OSVersion\":\"6.1.0-%d-amd64\",\"Container\":false,\"Distro\":\"debian\","
	       "\"DistroVersion\":\"12.11\",\"DistroCodeName\":\"bookworm\",\"Desktop\":false,"
	       "\"Hostname\":\"node-%d\",\"NoLogsNoSupport\":true,\"Machine\":\"x86_64\","
	       "\"GoArch\":\"amd64\",\"GoArchVar\":\"v1\",\"GoVersion\":\"go1.26.8\","
	       "\"Services\":[{\"Proto\":\"peerapi4\",\"Port\":%d},{\"Proto\":\"peerapi6\","
	       "\"Port\":%d},{\"Proto\":\"peerapi-dns-proxy\",\"Port\":1}],"
	       "\"NetInfo\":{\"MappingVariesByDestIP\":false,\"WorkingIPv6\":true,"
	       "\"OSHasIPv6\":true,\"WorkingUDP\":true,\"WorkingICMPv4\":true,\"UPnP\":false,"
	       "\"PMP\":false,\"PCP\":false,\"PreferredDERP\":%d,\"LinkType\":\"wired\","
	       "\"FirewallMode\":\"nft-default\"},\"Userspace\":false,\"UserspaceRouter\":false,"
	       "\"AppConnector\":false,\"StateEncrypted\":false}",
	    next(), next(), id % 30, id, 30000 + id % 30000, 30000 + id % 30000,
	    900 + id % 5);
	put(b, ",\"Created\":\"2026-0%d-1%dT07:31:%02d.%09dZ\",\"Cap\":138,\"Online\":%s,"
	       "\"MachineAuthorized\":true",
	    id % 9 + 1, id % 10, id % 60, id * 7919 % 1000000000,
	    id % 3 ? "true" : "false");
	if (id % 3 == 0)
		put(b, ",\"LastSeen\":\"2026-11-25T07:%02d:00Z\"", id % 60);
	if (id % 10 == 0)
		put(b, ",\"Tags\":[\"tag:server\",\"tag:prod\"]");
	if (self)
		put(b, ",\"CapMap\":{\"default-auto-update\":[false],"
		       "\"https://tailscale.com/cap/is-admin\":[],"
		       "\"https://tailscale.com/cap/ssh\":[]}");
	put(b, "}");
}

static char *full_map(int peers, size_t *len)
{
	struct buf b = { 0 };

	put(&b, "{\"Node\":");
	put_node(&b, 1, true);
	put(&b, ",\"DERPMap\":{\"Regions\":{");
	for (int r = 0; r < 5; r++)
		put(&b, "%s\"%d\":{\"RegionID\":%d,\"RegionCode\":\"r%d\",\"RegionName\":"
			"\"Region %d\",\"Nodes\":[{\"Name\":\"%da\",\"RegionID\":%d,\"HostName\":"
			"\"derp%d.example.com\",\"IPv4\":\"203.0.113.%d\",\"IPv6\":\"2001:db8::%d\","
			"\"STUNPort\":3478,\"DERPPort\":443}]}",
		    r ? "," : "", 900 + r, 900 + r, r, r, 900 + r, 900 + r, r, r + 1, r + 1);
	put(&b, "}},\"Domain\":\"tailnet.example\",\"CollectServices\":false,"
		"\"DNSConfig\":{\"Resolvers\":[{\"Addr\":\"1.1.1.1\"},"
		"{\"Addr\":\"2606:4700:4700::1111\"}],\"Routes\":{");
	for (int i = 64; i < 128; i++)
		put(&b, "\"%d.100.in-addr.arpa\":[],", i);
	put(&b, "\"0.e.1.a.c.5.1.1.a.7.d.f.ip6.arpa\":[]},\"Domains\":[\"tailnet.example\"],"
		"\"Proxied\":true},\"PacketFilters\":{\"base\":[{\"SrcIPs\":[\"*\"],"
		"\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]}]},"
		"\"UserProfiles\":[");
	for (int u = 1; u <= 100; u++)
		put(&b, "%s{\"ID\":%d,\"LoginName\":\"user%d@example.com\",\"DisplayName\":"
			"\"User %d\"}", u > 1 ? "," : "", u, u, u);
	put(&b, "],\"Peers\":[");
	for (int id = 2; id < peers + 2; id++) {
		if (id > 2)
			put(&b, ",");
		put_node(&b, id, false);
	}
	put(&b, "],\"ControlTime\":\"2026-11-25T07:31:54.11720573Z\"}");
	*len = b.len;
	return b.p;
}

static void apply_or_die(struct tn_netmap *nm, const char *json, size_t len)
{
	char err[TN_TAILCFG_ERR_MAX];
	struct tn_netmap_changes c;

	if (tn_netmap_apply(nm, json, len, &c, err, sizeof(err))) {
		fprintf(stderr, "apply: %s\n", err);
		exit(1);
	}
	tn_netmap_changes_free(&c);
}

static void run(int peers, bool deltas)
{
	struct tn_netmap *nm = tn_netmap_new();
	struct buf d = { 0 };
	size_t len;
	char *json = full_map(peers, &len);
	long rss0 = maxrss_kib(), retained;
	double t0, t1, t2;

	t0 = now_ms();
	apply_or_die(nm, json, len);
	t1 = now_ms();
	retained = rss_kib();
	printf("%6d peers: full map %6.1f MiB JSON, parse+apply %8.2f ms, "
	       "peak RSS %6.1f MiB (+%.1f MiB over the JSON text), "
	       "RSS after %6.1f MiB\n",
	       peers, (double)len / 1048576, t1 - t0, maxrss_kib() / 1024.0,
	       (maxrss_kib() - rss0) / 1024.0, retained / 1024.0);
	/* The same full map again: a reconnect, diffed peer by peer. */
	t1 = now_ms();
	apply_or_die(nm, json, len);
	t2 = now_ms();
	printf("%6d peers: identical full map again         %8.2f ms\n", peers, t2 - t1);
	free(json);
	if (!deltas)
		goto out;

	/* One peer in the middle replaced by a fresh copy of itself. */
	put(&d, "{\"PeersChanged\":[");
	put_node(&d, peers / 2, false);
	put(&d, "]}");
	t1 = now_ms();
	for (int i = 0; i < DELTA_ROUNDS; i++)
		apply_or_die(nm, d.p, d.len);
	t2 = now_ms();
	printf("%6d peers: one-peer PeersChanged      (%zu B) %8.2f us each\n", peers,
	       d.len, (t2 - t1) * 1e3 / DELTA_ROUNDS);

	d.len = 0;
	put(&d, "{\"PeersChangedPatch\":[{\"NodeID\":%d,\"DERPRegion\":901,"
		"\"Endpoints\":[\"198.51.100.7:41641\",\"[2001:db8::7]:41641\"],"
		"\"Online\":true}],\"ControlTime\":\"2026-11-25T07:32:10.769771894Z\"}",
	    peers / 2);
	t1 = now_ms();
	for (int i = 0; i < DELTA_ROUNDS; i++)
		apply_or_die(nm, d.p, d.len);
	t2 = now_ms();
	printf("%6d peers: one-peer PeersChangedPatch (%zu B) %8.2f us each\n", peers,
	       d.len, (t2 - t1) * 1e3 / DELTA_ROUNDS);
	free(d.p);
out:
	tn_netmap_free(nm);
}

int main(int argc, char **argv)
{
	static const int defaults[] = { 1000, 10000 };
	int n = argc > 1 ? argc - 1 : 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < n; i++) {
		int peers = argc > 1 ? atoi(argv[i + 1]) : defaults[i];
		pid_t pid;
		int status;

		if (peers <= 0 || peers > TN_NETMAP_MAX_PEERS - 2) {
			fprintf(stderr, "bad peer count %s\n", argv[i + 1]);
			return 2;
		}
		fflush(stdout);
		if ((pid = fork()) < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			run(peers, peers >= 10000 || argc > 1);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return 1;
	}
	return 0;
}

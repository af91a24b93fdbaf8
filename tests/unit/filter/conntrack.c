/* Connection tracking (src/filter/conntrack.c) on the virtual clock:
 * replies to our UDP/SCTP flows, exact tuples, idle timeouts (2 min, 30 s
 * for DNS) refreshed by either direction, the LRU bound, flush. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "testpkt.h"
#include "util/clock.h"

#define A TN_FILTER_ACCEPT
#define D TN_FILTER_DROP

static const char *const locals[] = { "100.100.1.1", "fd00::1", NULL };

static int setup(void **state)
{
	tn_clock_set_virtual(true, 1000 * TN_NSEC_PER_SEC);
	*state = compile("[]", locals);
	return 0;
}

static int teardown(void **state)
{
	tn_filter_free(*state);
	tn_clock_set_virtual(false, 0);
	return 0;
}

/* We (local) send to a peer; the peer's packet back is a reply. */
static enum tn_filter_verdict out(struct tn_conntrack *ct, uint8_t proto, const char *local,
				  const char *peer, uint16_t lport, uint16_t pport)
{
	uint8_t b[PKT_MAX];
	size_t len = mkpkt(b, proto, local, peer, lport, pport, 0);

	return tn_filter_run_out(ct, b, len, NULL);
}

static enum tn_filter_verdict in(const struct tn_filter *f, struct tn_conntrack *ct, uint8_t proto,
				 const char *peer, const char *local, uint16_t pport, uint16_t lport)
{
	enum tn_filter_reason why;
	enum tn_filter_verdict v = run_in(f, ct, 0, proto, peer, local, pport, lport, 0, &why);

	assert_int_equal(why, v == A ? TN_FILTER_CONNTRACK : TN_FILTER_NO_RULE);
	return v;
}

static void replies_only(void **state)
{
	const struct tn_filter *f = *state;
	struct tn_conntrack *ct = tn_conntrack_new(TN_CONNTRACK_DEFAULT_FLOWS);

	assert_non_null(ct);
	/* Unsolicited: dropped.  After we send: the exact reply passes. */
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 4343, 4242), D);
	assert_int_equal(out(ct, TN_IPPROTO_UDP, "100.100.1.1", "100.64.0.2", 4242, 4343), A);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 4343, 4242), A);
	/* Any other port, address or protocol is another flow. */
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 4344, 4242), D);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 4343, 4243), D);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.3", "100.100.1.1", 4343, 4242), D);
	assert_int_equal(in(f, ct, TN_IPPROTO_SCTP, "100.64.0.2", "100.100.1.1", 4343, 4242), D);
	/* IPv6 and SCTP flows too. */
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "fd7a::2", "fd00::1", 4343, 4242), D);
	assert_int_equal(out(ct, TN_IPPROTO_UDP, "fd00::1", "fd7a::2", 4242, 4343), A);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "fd7a::2", "fd00::1", 4343, 4242), A);
	assert_int_equal(out(ct, TN_IPPROTO_SCTP, "100.100.1.1", "100.64.0.2", 9, 9), A);
	assert_int_equal(in(f, ct, TN_IPPROTO_SCTP, "100.64.0.2", "100.100.1.1", 9, 9), A);
	assert_int_equal(tn_conntrack_count(ct), 3);
	/* TCP and ICMP are not tracked (TCP needs no state; see filter.h). */
	assert_int_equal(out(ct, TN_IPPROTO_TCP, "100.100.1.1", "100.64.0.2", 1, 2), A);
	assert_int_equal(out(ct, TN_IPPROTO_ICMP, "100.100.1.1", "100.64.0.2", 0, 0), A);
	assert_int_equal(tn_conntrack_count(ct), 3);
	/* Without a table nothing is remembered, and the filter still works. */
	assert_int_equal(out(NULL, TN_IPPROTO_UDP, "100.100.1.1", "100.64.0.9", 1, 2), A);
	assert_int_equal(in(f, NULL, TN_IPPROTO_UDP, "100.64.0.9", "100.100.1.1", 2, 1), D);
	tn_conntrack_flush(ct);
	assert_int_equal(tn_conntrack_count(ct), 0);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 4343, 4242), D);
	tn_conntrack_free(ct);
}

static void idle_timeouts(void **state)
{
	const struct tn_filter *f = *state;
	struct tn_conntrack *ct = tn_conntrack_new(16);

	assert_non_null(ct);
	/* A flow lives 2 minutes after its last packet. */
	out(ct, TN_IPPROTO_UDP, "100.100.1.1", "100.64.0.2", 1000, 2000);
	tn_clock_advance(TN_CONNTRACK_UDP_TIMEOUT - 1);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 2000, 1000), A);
	/* ...refreshed by that reply: still alive almost 2 minutes later. */
	tn_clock_advance(TN_CONNTRACK_UDP_TIMEOUT - 1);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 2000, 1000), A);
	/* Replies alone keep it alive for a long time. */
	for (int i = 0; i < 10; i++) {
		tn_clock_advance(100 * TN_NSEC_PER_SEC);
		assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 2000, 1000), A);
	}
	/* Silence for the full timeout ends it. */
	tn_clock_advance(TN_CONNTRACK_UDP_TIMEOUT);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 2000, 1000), D);
	assert_int_equal(tn_conntrack_count(ct), 0);
	/* Outbound packets refresh too. */
	out(ct, TN_IPPROTO_UDP, "100.100.1.1", "100.64.0.2", 1000, 2000);
	tn_clock_advance(100 * TN_NSEC_PER_SEC);
	out(ct, TN_IPPROTO_UDP, "100.100.1.1", "100.64.0.2", 1000, 2000);
	tn_clock_advance(100 * TN_NSEC_PER_SEC);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 2000, 1000), A);
	/* DNS (to port 53) lasts 30 s. */
	out(ct, TN_IPPROTO_UDP, "100.100.1.1", "100.64.0.53", 33333, 53);
	tn_clock_advance(TN_CONNTRACK_DNS_TIMEOUT - 1);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.53", "100.100.1.1", 53, 33333), A);
	tn_clock_advance(TN_CONNTRACK_DNS_TIMEOUT);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.53", "100.100.1.1", 53, 33333), D);
	/* From port 53 is not DNS to us: 2 minutes. */
	out(ct, TN_IPPROTO_UDP, "100.100.1.1", "100.64.0.54", 53, 4000);
	tn_clock_advance(TN_CONNTRACK_DNS_TIMEOUT + 1);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.54", "100.100.1.1", 4000, 53), A);
	tn_conntrack_free(ct);
}

/* A full table replaces its least recently used flow; expired flows go
 * first. */
static void bounded(void **state)
{
	const struct tn_filter *f = *state;
	struct tn_conntrack *ct = tn_conntrack_new(4);
	char peer[32];

	assert_non_null(ct);
	for (int i = 1; i <= 4; i++) {
		snprintf(peer, sizeof(peer), "100.64.0.%d", i);
		out(ct, TN_IPPROTO_UDP, "100.100.1.1", peer, 1000, 2000);
		tn_clock_advance(TN_NSEC_PER_SEC);
	}
	assert_int_equal(tn_conntrack_count(ct), 4);
	/* Use flow 1: now flow 2 is the oldest. */
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.1", "100.100.1.1", 2000, 1000), A);
	out(ct, TN_IPPROTO_UDP, "100.100.1.1", "100.64.0.5", 1000, 2000);
	assert_int_equal(tn_conntrack_count(ct), 4);
	assert_int_equal(in(f, ct, TN_IPPROTO_UDP, "100.64.0.2", "100.100.1.1", 2000, 1000), D);
	for (int i = 1; i <= 5; i++) {
		if (i == 2)
			continue;
		snprintf(peer, sizeof(peer), "100.64.0.%d", i);
		assert_int_equal(in(f, ct, TN_IPPROTO_UDP, peer, "100.100.1.1", 2000, 1000), A);
	}
	/* Many more flows than room: the table stays at its bound, and the
	 * newest four are the ones kept. */
	for (int i = 0; i < 1000; i++) {
		snprintf(peer, sizeof(peer), "fd7a::%x", i + 1);
		out(ct, TN_IPPROTO_UDP, "fd00::1", peer, 1000, 2000);
		assert_true(tn_conntrack_count(ct) <= 4);
	}
	for (int i = 0; i < 1000; i++) {
		snprintf(peer, sizeof(peer), "fd7a::%x", i + 1);
		assert_int_equal(in(f, ct, TN_IPPROTO_UDP, peer, "fd00::1", 2000, 1000), i >= 996 ? A : D);
	}
	/* An expired flow is taken before a live one is evicted. */
	tn_conntrack_flush(ct);
	out(ct, TN_IPPROTO_UDP, "100.100.1.1", "100.64.0.53", 1, 53);        /* 30 s */
	for (int i = 1; i <= 3; i++) {
		snprintf(peer, sizeof(peer), "100.64.1.%d", i);
		out(ct, TN_IPPROTO_UDP, "100.100.1.1", peer, 1000, 2000);
	}
	tn_clock_advance(TN_CONNTRACK_DNS_TIMEOUT);
	out(ct, TN_IPPROTO_UDP, "100.100.1.1", "100.64.1.4", 1000, 2000);
	for (int i = 1; i <= 4; i++) {
		snprintf(peer, sizeof(peer), "100.64.1.%d", i);
		assert_int_equal(in(f, ct, TN_IPPROTO_UDP, peer, "100.100.1.1", 2000, 1000), A);
	}
	assert_int_equal(tn_conntrack_count(ct), 4);
	tn_conntrack_free(ct);
	assert_null(tn_conntrack_new(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replies_only, setup, teardown),
		cmocka_unit_test_setup_teardown(idle_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

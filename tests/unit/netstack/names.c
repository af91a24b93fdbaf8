/* MagicDNS names for the proxies (src/netstack/names.c), as Go's tsdial
 * dnsMap: FQDN and short names of self and peers, first address (IPv4
 * skipped without an IPv4 of our own), case and trailing dot ignored,
 * later entries winning, ExtraRecords. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "netstack/names.h"

static struct tn_tailcfg_prefix pfx(const char *text)
{
	struct tn_tailcfg_prefix p = { 0 };

	if (inet_pton(AF_INET, text, p.addr) == 1) {
		p.family = AF_INET;
		p.bits = 32;
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, p.addr), 1);
		p.family = AF_INET6;
		p.bits = 128;
	}
	return p;
}

static bool lookup(const struct tn_ns_names *t, const char *name, const char *want)
{
	uint8_t addr[16], w[16] = { 0 };
	int family;

	if (!tn_ns_names_lookup(t, name, &family, addr))
		return false;
	if (family == AF_INET) {
		assert_int_equal(inet_pton(AF_INET, want, w), 1);
		return !memcmp(addr, w, 4);
	}
	assert_int_equal(inet_pton(AF_INET6, want, w), 1);
	return !memcmp(addr, w, 16);
}

static void from_netmap(void **state)
{
	struct tn_tailcfg_prefix self_a[] = { pfx("100.64.0.1"), pfx("fd7a:115c:a1e0::1") };
	struct tn_tailcfg_prefix n1_a[] = { pfx("100.64.0.2"), pfx("fd7a:115c:a1e0::2") };
	struct tn_tailcfg_prefix n2_a[] = { pfx("fd7a:115c:a1e0::3"), pfx("100.64.0.3") };
	struct tn_tailcfg_prefix far_a[] = { pfx("100.64.0.4") };
	struct tn_tailcfg_prefix dup_a[] = { pfx("100.64.0.5") };
	struct tn_tailcfg_node self = { .name = "me.tailnet.test.", .addresses = self_a,
					.n_addresses = 2 };
	struct tn_tailcfg_node n1 = { .name = "N1.tailnet.test.", .addresses = n1_a, .n_addresses = 2 };
	struct tn_tailcfg_node n2 = { .name = "n2.tailnet.test.", .addresses = n2_a, .n_addresses = 2 };
	struct tn_tailcfg_node far = { .name = "far.other.example.", .addresses = far_a,
				       .n_addresses = 1 };
	struct tn_tailcfg_node noname = { .name = "", .addresses = far_a, .n_addresses = 1 };
	struct tn_tailcfg_node dup = { .name = "n1.tailnet.test.", .addresses = dup_a,
				       .n_addresses = 1 };
	struct tn_tailcfg_node *peers[] = { &n1, &n2, &far, &noname, &dup };
	struct tn_tailcfg_dns_record recs[] = {
		{ .name = "db.internal", .type = "", .value = "100.64.0.9" },
		{ .name = "txt.internal", .type = "TXT", .value = "100.64.0.10" },
		{ .name = "bad.internal", .type = "", .value = "not-an-ip" },
	};
	struct tn_tailcfg_dns_config dns = { .extra_records = recs, .n_extra_records = 3 };
	struct tn_netmap nm = { .self = &self, .peers = peers, .n_peers = 5, .dns = &dns };
	struct tn_ns_names t;

	(void)state;
	assert_int_equal(tn_ns_names_build(&t, &nm), 0);
	assert_true(lookup(&t, "me", "100.64.0.1"));
	assert_true(lookup(&t, "me.tailnet.test", "100.64.0.1"));
	/* The later of two nodes with one name wins, as in Go's map. */
	assert_true(lookup(&t, "n1", "100.64.0.5"));
	assert_true(lookup(&t, "N1.TAILNET.TEST.", "100.64.0.5"));
	/* The first address, whatever its family. */
	assert_true(lookup(&t, "n2", "fd7a:115c:a1e0::3"));
	/* Outside our suffix: only the FQDN. */
	assert_true(lookup(&t, "far.other.example", "100.64.0.4"));
	assert_false(lookup(&t, "far", "100.64.0.4"));
	assert_true(lookup(&t, "db.internal.", "100.64.0.9"));
	assert_false(lookup(&t, "txt.internal", "100.64.0.10"));
	assert_false(lookup(&t, "bad.internal", "100.64.0.10"));
	assert_false(lookup(&t, "tailnet.test", "100.64.0.1"));
	assert_false(lookup(&t, "", "100.64.0.1"));
	assert_false(lookup(&t, ".", "100.64.0.1"));
	tn_ns_names_free(&t);

	/* Without an IPv4 address of our own, peers' IPv4 ones are skipped. */
	self.addresses = &self_a[1];
	self.n_addresses = 1;
	assert_int_equal(tn_ns_names_build(&t, &nm), 0);
	assert_true(lookup(&t, "n2", "fd7a:115c:a1e0::3"));
	assert_true(lookup(&t, "n1", "fd7a:115c:a1e0::2"));
	assert_false(lookup(&t, "far.other.example", "100.64.0.4"));
	tn_ns_names_free(&t);

	/* No self name: no suffix, so no short names. */
	self.name = NULL;
	assert_int_equal(tn_ns_names_build(&t, &nm), 0);
	assert_false(lookup(&t, "n2", "fd7a:115c:a1e0::3"));
	assert_true(lookup(&t, "n2.tailnet.test", "fd7a:115c:a1e0::3"));
	tn_ns_names_free(&t);
}

static void empty(void **state)
{
	struct tn_netmap nm = { 0 };
	struct tn_ns_names t;
	uint8_t addr[16];
	int family;

	(void)state;
	assert_int_equal(tn_ns_names_build(&t, &nm), 0);
	assert_int_equal(t.n, 0);
	assert_false(tn_ns_names_lookup(&t, "anything", &family, addr));
	tn_ns_names_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(from_netmap),
		cmocka_unit_test(empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* wg-quick style configuration parser: a full file, every error, CRLF, no
 * trailing newline, ignored keys, and loading from a file. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/base64.h"
#include "wg/config.h"

/* Keys from wg(8)'s example; any 32 bytes do. */
#define PRIV "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define PUB1 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define PUB2 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
#define PSK  "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="

static int parse(struct tn_wg_config *cfg, const char *text)
{
	/* An exact-size heap copy, so ASan catches reads past the end. */
	size_t len = strlen(text);
	char *buf = malloc(len ? len : 1);
	int r;

	assert_non_null(buf);
	memcpy(buf, text, len);
	r = tn_wg_config_parse(cfg, buf, len);
	free(buf);
	return r;
}

static const char full[] =
	"# tailnetd test interface\n"
	"[Interface]\n"
	"PrivateKey = " PRIV "\n"
	"ListenPort = 51820\n"
	"Address = 10.0.0.1/24, fd00::1/64\n"
	"address=100.64.0.1   # a second Address line adds up\n"
	"MTU = 1280\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " PUB1 "\n"
	"PresharedKey = " PSK "\n"
	"AllowedIPs = 10.0.0.2/32, 192.168.0.0/16\n"
	"AllowedIPs = fd00::/8,::/0\n"
	"Endpoint = 192.0.2.1:51820\n"
	"PersistentKeepalive = 25\n"
	"\n"
	"  [ peer ]  \n"
	"  publickey\t=\t" PUB2 "  \n"
	"ENDPOINT = [2001:db8::1]:443\n"
	"PersistentKeepalive = off\n"
	"AllowedIPs =\n";

static void full_file(void **state)
{
	struct tn_wg_config cfg;
	uint8_t key[32], want[16];

	assert_int_equal(parse(&cfg, full), 0);
	assert_int_equal(tn_b64_decode(key, 32, PRIV, 44), 0);
	assert_memory_equal(cfg.private_key, key, 32);
	assert_true(cfg.has_listen_port);
	assert_int_equal(cfg.listen_port, 51820);
	assert_int_equal(cfg.mtu, 1280);
	assert_int_equal(cfg.n_warnings, 0);

	assert_int_equal(cfg.n_addresses, 3);
	assert_int_equal(cfg.addresses[0].family, AF_INET);
	assert_memory_equal(cfg.addresses[0].addr, ((uint8_t[]){ 10, 0, 0, 1 }), 4);
	assert_int_equal(cfg.addresses[0].cidr, 24); /* host bits kept */
	assert_int_equal(cfg.addresses[1].family, AF_INET6);
	inet_pton(AF_INET6, "fd00::1", want);
	assert_memory_equal(cfg.addresses[1].addr, want, 16);
	assert_int_equal(cfg.addresses[1].cidr, 64);
	assert_int_equal(cfg.addresses[2].cidr, 32); /* no "/N": a host */

	assert_int_equal(cfg.n_peers, 2);
	assert_int_equal(cfg.peers[0].line, 9);
	assert_int_equal(tn_b64_decode(key, 32, PUB1, 44), 0);
	assert_memory_equal(cfg.peers[0].public_key, key, 32);
	assert_true(cfg.peers[0].has_preshared_key);
	assert_int_equal(tn_b64_decode(key, 32, PSK, 44), 0);
	assert_memory_equal(cfg.peers[0].preshared_key, key, 32);
	assert_int_equal(cfg.peers[0].n_allowed_ips, 4);
	assert_int_equal(cfg.peers[0].allowed_ips[1].cidr, 16);
	assert_int_equal(cfg.peers[0].allowed_ips[2].family, AF_INET6);
	assert_int_equal(cfg.peers[0].allowed_ips[2].cidr, 8);
	assert_int_equal(cfg.peers[0].allowed_ips[3].cidr, 0);
	assert_int_equal(cfg.peers[0].endpoint.sa.sa_family, AF_INET);
	assert_int_equal(ntohs(cfg.peers[0].endpoint.in.sin_port), 51820);
	assert_int_equal(ntohl(cfg.peers[0].endpoint.in.sin_addr.s_addr), 0xc0000201);
	assert_int_equal(cfg.peers[0].persistent_keepalive, 25);

	assert_int_equal(cfg.peers[1].line, 17);
	assert_false(cfg.peers[1].has_preshared_key);
	assert_int_equal(cfg.peers[1].n_allowed_ips, 0);
	assert_int_equal(cfg.peers[1].endpoint.sa.sa_family, AF_INET6);
	assert_int_equal(ntohs(cfg.peers[1].endpoint.in6.sin6_port), 443);
	inet_pton(AF_INET6, "2001:db8::1", want);
	assert_memory_equal(&cfg.peers[1].endpoint.in6.sin6_addr, want, 16);
	assert_int_equal(cfg.peers[1].persistent_keepalive, 0);

	tn_wg_config_free(&cfg);
	assert_null(cfg.peers);
	assert_int_equal(cfg.private_key[0], 0);
}

/* The minimum: a private key.  No peers, no port. */
static void minimal_file(void **state)
{
	struct tn_wg_config cfg;

	assert_int_equal(parse(&cfg, "[Interface]\nPrivateKey=" PRIV), 0);
	assert_false(cfg.has_listen_port);
	assert_int_equal(cfg.n_peers, 0);
	tn_wg_config_free(&cfg);
}

static void crlf_and_no_trailing_newline(void **state)
{
	struct tn_wg_config cfg;

	assert_int_equal(parse(&cfg,
		"[Interface]\r\nPrivateKey = " PRIV "\r\nListenPort = 7\r\n\r\n"
		"[Peer]\r\nPublicKey = " PUB1 "\r\nAllowedIPs = 10.1.0.0/16\r\n"
		"Endpoint = 198.51.100.7:9"), 0);
	assert_int_equal(cfg.listen_port, 7);
	assert_int_equal(cfg.n_peers, 1);
	assert_int_equal(cfg.peers[0].allowed_ips[0].cidr, 16);
	assert_int_equal(ntohs(cfg.peers[0].endpoint.in.sin_port), 9);
	tn_wg_config_free(&cfg);
}

static void ignored_keys_warn(void **state)
{
	struct tn_wg_config cfg;

	assert_int_equal(parse(&cfg,
		"[Interface]\nPrivateKey = " PRIV "\nDNS = 1.1.1.1\n"
		"PostUp = iptables -A FORWARD -i %i -j ACCEPT\ntable = off\n"
		"SaveConfig = true\nFwMark = 0x1234\nPreUp=\nPreDown = x\nPostDown = y\n"), 0);
	assert_int_equal(cfg.n_warnings, 8);
	assert_non_null(strstr(cfg.warnings,
		"line 3: DNS ignored (a wg-quick setting tailnetd does not use)\n"));
	assert_non_null(strstr(cfg.warnings, "line 5: table ignored"));
	assert_non_null(strstr(cfg.warnings,
		"line 7: FwMark ignored (a wg setting tailnetd does not use)\n"));
	tn_wg_config_free(&cfg);
}

struct bad {
	const char *text;
	const char *error;
};

#define IFACE "[Interface]\nPrivateKey = " PRIV "\n"

static const struct bad bad_files[] = {
	/* keys */
	{ "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm!=\n",
	  "line 2: PrivateKey is not valid base64" },
	{ "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk\n",
	  "line 2: PrivateKey is not valid base64" },
	{ "[Interface]\nPrivateKey = Zm9vYmFy\n",
	  "line 2: PrivateKey has the wrong length: 6 bytes, a key is 32" },
	{ IFACE "[Peer]\nPublicKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
	  "line 4: PublicKey has the wrong length: 33 bytes, a key is 32" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nPresharedKey = 1234\n",
	  "line 5: PresharedKey has the wrong length: 3 bytes, a key is 32" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nPresharedKey = " PSK " x\n",
	  "line 5: PresharedKey is not valid base64" },
	/* addresses */
	{ IFACE "Address = 10.0.0.256/24\n", "line 3: Address: bad address '10.0.0.256'" },
	{ IFACE "Address = 10.0.0.1/33\n",
	  "line 3: Address: prefix length 33 out of range for IPv4 (0-32)" },
	{ IFACE "Address = fd00::1/129\n",
	  "line 3: Address: prefix length 129 out of range for IPv6 (0-128)" },
	{ IFACE "Address = 10.0.0.1/\n", "line 3: Address: bad prefix length ''" },
	{ IFACE "Address = 10.0.0.1/-1\n", "line 3: Address: bad prefix length '-1'" },
	{ IFACE "Address = 10.0.0.1/2 4\n", "line 3: Address: bad prefix length '2 4'" },
	{ IFACE "Address = 10.0.0.1/24,\n", "line 3: Address: empty list entry" },
	{ IFACE "Address = 10.0.0.1/24,,fd00::1\n", "line 3: Address: empty list entry" },
	{ IFACE "Address =\n", "line 3: Address has no value" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.0.0.0/8, fe80::1%eth0/64\n",
	  "line 5: AllowedIPs: bad address 'fe80::1%eth0'" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 1.2.3.4/040000000000\n",
	  "line 5: AllowedIPs: bad prefix length '040000000000'" },
	/* ports and numbers */
	{ IFACE "ListenPort = 65536\n", "line 3: ListenPort: bad port '65536' (0-65535)" },
	{ IFACE "ListenPort = 51820x\n", "line 3: ListenPort: bad port '51820x' (0-65535)" },
	{ IFACE "ListenPort = -1\n", "line 3: ListenPort: bad port '-1' (0-65535)" },
	{ IFACE "MTU = 100\n", "line 3: MTU: bad value '100' (576-65535)" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nEndpoint = 192.0.2.1:0\n",
	  "line 5: Endpoint: bad port '0' (1-65535)" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nEndpoint = 192.0.2.1:70000\n",
	  "line 5: Endpoint: bad port '70000' (1-65535)" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nEndpoint = 192.0.2.1\n",
	  "line 5: Endpoint '192.0.2.1': expected address:port" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nEndpoint = 2001:db8::1:51820\n",
	  "line 5: Endpoint '2001:db8::1:51820': an IPv6 address needs brackets" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nEndpoint = [2001:db8::1]51820\n",
	  "line 5: Endpoint '[2001:db8::1]51820': expected [address]:port" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nEndpoint = [192.0.2.1]:1\n",
	  "line 5: Endpoint: bad address '192.0.2.1'" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nEndpoint = vpn.example.com:51820\n",
	  "line 5: Endpoint host 'vpn.example.com' is not a numeric address "
	  "(host names are not resolved)" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nPersistentKeepalive = 25s\n",
	  "line 5: PersistentKeepalive: bad value '25s' (seconds 0-65535 or off)" },
	/* structure */
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\n[Peer]\nPublicKey = " PUB2 "\n"
	  "[Peer]\nPublicKey = " PUB1 "\n",
	  "line 8: duplicate peer: this PublicKey is also the [Peer] of line 3" },
	{ "", "line 1: no [Interface] section (PrivateKey is required)" },
	{ "# nothing\n\n", "line 2: no [Interface] section (PrivateKey is required)" },
	{ "\n[Interface]\nListenPort = 1\n", "line 2: [Interface] without PrivateKey" },
	{ IFACE "[Peer]\nEndpoint = 192.0.2.1:1\n[Peer]\nPublicKey = " PUB1 "\n",
	  "line 3: [Peer] without PublicKey" },
	{ IFACE "[Peer]\n", "line 3: [Peer] without PublicKey" },
	{ "PrivateKey = " PRIV "\n",
	  "line 1: 'PrivateKey' outside a section ([Interface] or [Peer])" },
	{ IFACE "Foo = bar\n", "line 3: unknown key 'Foo' in [Interface]" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nListenPort = 1\n",
	  "line 5: unknown key 'ListenPort' in [Peer]" },
	{ IFACE "[Peer]\nPublicKey = " PUB1 "\nDNS = 1.1.1.1\n",
	  "line 5: unknown key 'DNS' in [Peer]" },
	{ IFACE "Private Key = x\n", "line 3: unknown key 'Private Key' in [Interface]" },
	{ IFACE "[Peers]\n", "line 3: unknown section [Peers]" },
	{ IFACE "[Peer\n", "line 3: section header '[Peer' lacks ']'" },
	{ IFACE "[Interface]\n", "line 3: second [Interface] section (the first is on line 1)" },
	{ IFACE "MTU 1280\n", "line 3: expected 'Key = Value', got 'MTU 1280'" },
	{ IFACE "= 1280\n", "line 3: missing key before '='" },
	{ IFACE "ListenPort =\n", "line 3: ListenPort has no value" },
	{ IFACE "[Peer]\nPublicKey =  # none\n", "line 4: PublicKey has no value" },
	{ IFACE "Ad\x01" "dress = 1.2.3.4\n", "line 3: unknown key 'Ad?dress' in [Interface]" },
};

static void every_error(void **state)
{
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		struct tn_wg_config cfg;
		int r = parse(&cfg, bad_files[i].text);

		if (r != -EINVAL || strncmp(cfg.error, bad_files[i].error,
					    strlen(bad_files[i].error)))
			fail_msg("case %zu: got %d \"%s\", want \"%s\"", i, r, cfg.error,
				 bad_files[i].error);
		/* Nothing is left allocated or secret after a failure. */
		assert_null(cfg.peers);
		assert_null(cfg.addresses);
		assert_int_equal(cfg.private_key[0] | cfg.private_key[31], 0);
		tn_wg_config_free(&cfg);
	}
}

/* A secret is never echoed into an error. */
static void errors_do_not_echo_keys(void **state)
{
	struct tn_wg_config cfg;

	assert_int_equal(parse(&cfg, "[Interface]\nPrivateKey = sEcReT+sEcReT==\n"), -EINVAL);
	assert_null(strstr(cfg.error, "sEcReT"));
	assert_int_equal(parse(&cfg, "[Interface]\nPrivateKey = sEcReTsEcReT\n"), -EINVAL);
	assert_null(strstr(cfg.error, "sEcReT"));
}

static void nul_byte_refused(void **state)
{
	static const char text[] = "[Interface]\nPrivateKey = " PRIV "\n#\0\n";
	struct tn_wg_config cfg;

	assert_int_equal(tn_wg_config_parse(&cfg, text, sizeof(text) - 1), -EINVAL);
	assert_string_equal(cfg.error, "line 3: NUL byte in line");
}

/* The input ends in the middle of a key: the parser stops at len. */
static void truncated_input(void **state)
{
	struct tn_wg_config cfg;
	size_t cut = strlen("[Interface]\nPrivateKey = ") + 21;
	char *buf = malloc(cut);

	memcpy(buf, "[Interface]\nPrivateKey = " PRIV, cut);
	assert_int_equal(tn_wg_config_parse(&cfg, buf, cut), -EINVAL);
	assert_string_equal(cfg.error, "line 2: PrivateKey is not valid base64");
	free(buf);
}

static void long_allowed_ips_list(void **state)
{
	struct tn_wg_config cfg;
	size_t cap = 64 + 20 * 1000, n;
	char *text = malloc(cap);

	n = (size_t)snprintf(text, cap, IFACE "[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = ");
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s10.%d.%d.0/24", i ? ", " : "",
				      i / 256, i % 256);
	assert_int_equal(parse(&cfg, text), 0);
	assert_int_equal(cfg.peers[0].n_allowed_ips, 1000);
	assert_int_equal(cfg.peers[0].allowed_ips[999].addr[2], 999 % 256);
	tn_wg_config_free(&cfg);
	free(text);
}

static void load_from_file(void **state)
{
	char path[] = "/tmp/tn-wg-config-XXXXXX";
	struct tn_wg_config cfg;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, full, strlen(full)), (ssize_t)strlen(full));
	close(fd);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(tn_wg_config_load(&cfg, path), 0);
	assert_int_equal(cfg.n_peers, 2);
	assert_int_equal(cfg.n_warnings, 0);
	tn_wg_config_free(&cfg);

	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(tn_wg_config_load(&cfg, path), 0);
	assert_int_equal(cfg.n_warnings, 1);
	assert_non_null(strstr(cfg.warnings, "is readable by other users"));
	tn_wg_config_free(&cfg);

	unlink(path);
	assert_int_equal(tn_wg_config_load(&cfg, path), -ENOENT);
	assert_non_null(strstr(cfg.error, "No such file"));
	assert_int_equal(tn_wg_config_load(&cfg, "/tmp"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_file),
		cmocka_unit_test(minimal_file),
		cmocka_unit_test(crlf_and_no_trailing_newline),
		cmocka_unit_test(ignored_keys_warn),
		cmocka_unit_test(every_error),
		cmocka_unit_test(errors_do_not_echo_keys),
		cmocka_unit_test(nul_byte_refused),
		cmocka_unit_test(truncated_input),
		cmocka_unit_test(long_allowed_ips_list),
		cmocka_unit_test(load_from_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

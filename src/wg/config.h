/* Parser for wg-quick style configuration files (tailnetd --wg-config):
 *
 *   [Interface]  PrivateKey, ListenPort, Address, MTU
 *   [Peer]       PublicKey, PresharedKey, AllowedIPs, Endpoint,
 *                PersistentKeepalive
 *
 * As wg(8) reads them: '#' starts a comment anywhere, keys and section names
 * are case-insensitive, whitespace around keys, values and list items is
 * ignored, LF or CRLF line ends, repeated Address/AllowedIPs lines add up.
 * Keys are base64 of exactly 32 bytes.  Endpoints must be numeric
 * (a.b.c.d:port or [v6]:port); host names are refused, not resolved.
 * wg-quick's own keys (DNS, Table, PreUp, PostUp, PreDown, PostDown,
 * SaveConfig) and FwMark are ignored with a warning; any other key is an
 * error.
 *
 * The input is untrusted (buf, len): never read past len, no NUL needed,
 * NUL bytes refused.  Ownership: the caller owns the struct; parse fills
 * it with arrays that tn_wg_config_free releases, wiping the private and
 * preshared keys.  Values are kept as written (Address keeps its host
 * bits; AllowedIPs are masked only when inserted into allowedips).  Any
 * thread, one config per thread at a time.
 */
#ifndef TN_WG_CONFIG_H
#define TN_WG_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "crypto/keys.h"

/* Configuration files are a few KiB; refuse anything absurd. */
#define TN_WG_CONFIG_MAX_FILE (1024 * 1024)
#define TN_WG_CONFIG_ERROR_MAX 192
#define TN_WG_CONFIG_WARNINGS_MAX 1024
/* The smallest MTU accepted: the IPv4 minimum datagram every link
 * carries (IPv6 itself needs 1280). */
#define TN_WG_CONFIG_MTU_MIN 576

struct tn_wg_prefix {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t addr[16];    /* network order; 4 bytes used for AF_INET */
	uint8_t cidr;        /* without "/N" in the file: 32 or 128 */
};

union tn_wg_sockaddr {
	struct sockaddr sa;  /* sa.sa_family == AF_UNSPEC: not set */
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct tn_wg_config_peer {
	uint8_t public_key[TN_KEY_LEN];
	bool has_preshared_key;
	uint8_t preshared_key[TN_KEY_LEN]; /* secret; zero if none */
	struct tn_wg_prefix *allowed_ips;
	size_t n_allowed_ips;
	union tn_wg_sockaddr endpoint;
	uint16_t persistent_keepalive;   /* seconds, 0: off */
	unsigned line;                   /* of its [Peer] header */
};

struct tn_wg_config {
	uint8_t private_key[TN_KEY_LEN]; /* secret */
	bool has_listen_port;
	uint16_t listen_port;            /* 0: pick one */
	struct tn_wg_prefix *addresses;
	size_t n_addresses;
	uint16_t mtu;                    /* 0: not set */
	struct tn_wg_config_peer *peers;
	size_t n_peers;
	/* One "line N: ..." line per ignored key, newline-separated,
	 * truncated to the buffer; n_warnings counts them all. */
	unsigned n_warnings;
	char warnings[TN_WG_CONFIG_WARNINGS_MAX];
	/* After a failed parse: "line N: what is wrong".  Never contains a
	 * key's value. */
	char error[TN_WG_CONFIG_ERROR_MAX];
};

/* Parses buf[0..len) into cfg (whatever cfg held is overwritten, not
 * freed).  Returns 0; -EINVAL for a malformed file, or -ENOMEM, with
 * cfg->error set and nothing else left allocated (calling
 * tn_wg_config_free is still allowed). */
int tn_wg_config_parse(struct tn_wg_config *cfg, const char *buf, size_t len);

/* Reads the file at path (at most TN_WG_CONFIG_MAX_FILE bytes) and parses
 * it; the file's bytes are wiped from memory afterwards.  Returns as
 * tn_wg_config_parse, or a negative errno from open/read (-EFBIG if too
 * large) with cfg->error naming the path.  A file readable by others adds
 * a warning. */
int tn_wg_config_load(struct tn_wg_config *cfg, const char *path);

/* Wipes the keys and frees the arrays; cfg is left zeroed. */
void tn_wg_config_free(struct tn_wg_config *cfg);

#endif

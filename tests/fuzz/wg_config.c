/* Fuzz target for the wg-quick configuration parser (src/wg/config.c).
 *
 * Whatever the input, the parser must stay inside it and either fail with
 * a "line N: ..." message and nothing allocated, or produce a config whose
 * prefixes and endpoints are in range.  Accepted AllowedIPs are then fed
 * to an allowedips table (insert, look up, remove), and the input is also
 * offered to the strict base64 decoder, whose accepted inputs must
 * re-encode to themselves.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"
#include "wg/allowedips.h"
#include "wg/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_prefix(const struct tn_wg_prefix *p)
{
	if (!(p->family == AF_INET && p->cidr <= 32) &&
	    !(p->family == AF_INET6 && p->cidr <= 128))
		abort();
}

static void check_base64(const char *text, size_t size)
{
	long n = tn_b64_decoded_len(text, size);
	uint8_t *bytes;
	char *again;

	if (n < 0 || size > 4096)
		return;
	bytes = malloc((size_t)n + 1);
	again = malloc(size + 1);
	if (!bytes || !again)
		abort();
	if (tn_b64_decode(bytes, (size_t)n, text, size))
		abort();
	tn_b64_encode(again, bytes, (size_t)n);
	if (strlen(again) != size || memcmp(again, text, size))
		abort();
	free(bytes);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct tn_wg_config cfg;
	struct tn_wg_allowedips t;
	int err = tn_wg_config_parse(&cfg, text, size);

	check_base64(text, size);
	if (memchr(cfg.error, '\0', sizeof(cfg.error)) == NULL)
		abort();
	if (err) {
		if (strncmp(cfg.error, "line ", 5) || cfg.peers || cfg.addresses)
			abort();
		tn_wg_config_free(&cfg);
		return 0;
	}
	if (cfg.error[0] || memchr(cfg.warnings, '\0', sizeof(cfg.warnings)) == NULL)
		abort();
	for (size_t i = 0; i < cfg.n_addresses; i++)
		check_prefix(&cfg.addresses[i]);

	tn_wg_allowedips_init(&t);
	for (size_t i = 0; i < cfg.n_peers; i++) {
		const struct tn_wg_config_peer *peer = &cfg.peers[i];
		int fam = peer->endpoint.sa.sa_family;

		if (fam != AF_UNSPEC && fam != AF_INET && fam != AF_INET6)
			abort();
		for (size_t j = 0; j < peer->n_allowed_ips; j++) {
			const struct tn_wg_prefix *p = &peer->allowed_ips[j];

			check_prefix(p);
			if (tn_wg_allowedips_insert(&t, p->family, p->addr, p->cidr,
						    (void *)peer))
				abort();
			/* The address itself is inside the prefix just added. */
			if (!tn_wg_allowedips_lookup(&t, p->family, p->addr))
				abort();
		}
	}
	for (size_t i = 0; i < cfg.n_peers; i++) {
		const struct tn_wg_config_peer *peer = &cfg.peers[i];

		if (peer->n_allowed_ips)
			tn_wg_allowedips_remove(&t, peer->allowed_ips[0].family,
						peer->allowed_ips[0].addr,
						peer->allowed_ips[0].cidr, peer);
		tn_wg_allowedips_remove_by_peer(&t, peer);
		if (tn_wg_allowedips_count(&t, peer))
			abort();
	}
	if (t.root4 || t.root6)
		abort();
	tn_wg_allowedips_free(&t);
	tn_wg_config_free(&cfg);
	return 0;
}

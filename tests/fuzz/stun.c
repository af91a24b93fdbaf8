/* Fuzz target for the STUN codec (src/magicsock/stun.c).
 *
 * The input, as an exact-size heap copy, goes to tn_stun_is,
 * tn_stun_is_binding and tn_stun_parse_response.  An accepted response
 * must be a binding success response by its header, carry the input's
 * transaction id and a real address family, have been recognised by the
 * receive path's test, and parse the same when bytes are appended past
 * the header's length.  The input's first 12 bytes also serve as the
 * transaction id of a request: tn_stun_request must give a 40-byte
 * binding request with a correct FINGERPRINT, which the response parser
 * refuses.
 *
 * The seed corpus (corpus/stun/) holds RFC 5769's sample request and IPv4
 * and IPv6 responses, tailscale v1.98.10's stun.Request and stun.Response
 * output, responses with MAPPED-ADDRESS only and with attribute 0x8020,
 * and truncated and garbage ones.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "magicsock/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_stun_response r, r2;
	uint8_t *buf = malloc(size ? size : 1), *longer;
	uint8_t txid[TN_STUN_TXID_LEN] = { 0 }, req[TN_STUN_REQUEST_LEN];
	bool is, is_binding;
	int ret;

	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);

	is = tn_stun_is(buf, size);
	is_binding = tn_stun_is_binding(buf, size);
	if (is_binding && !is)
		__builtin_trap();
	ret = tn_stun_parse_response(&r, buf, size);
	if (ret == 0) {
		if (!is_binding || buf[0] != 0x01 || buf[1] != 0x01 ||
		    memcmp(r.txid, buf + 8, TN_STUN_TXID_LEN) ||
		    !tn_stun_response_for(&r, buf + 8) ||
		    (r.addr.family != AF_INET && r.addr.family != AF_INET6))
			__builtin_trap();
		if (r.addr.family == AF_INET)
			for (int i = 4; i < 16; i++)
				if (r.addr.addr[i])
					__builtin_trap();
		longer = malloc(size + 5);
		if (!longer)
			abort();
		memcpy(longer, buf, size);
		memset(longer + size, 0x80, 5);
		if (tn_stun_parse_response(&r2, longer, size + 5) != 0 || memcmp(&r, &r2, sizeof(r)))
			__builtin_trap();
		free(longer);
	} else {
		struct tn_stun_response zero;

		memset(&zero, 0, sizeof(zero));
		if (ret != -EBADMSG || memcmp(&r, &zero, sizeof(r)))
			__builtin_trap();
	}

	memcpy(txid, buf, size < sizeof(txid) ? size : sizeof(txid));
	tn_stun_request(req, txid);
	if (!tn_stun_is_binding(req, sizeof(req)) || memcmp(req + 8, txid, sizeof(txid)) ||
	    tn_stun_parse_response(&r, req, sizeof(req)) != -EBADMSG ||
	    req[36] != (uint8_t)(tn_stun_fingerprint(req, 36 - 4) >> 24))
		__builtin_trap();
	free(buf);
	return 0;
}

/* Punycode (RFC 3492) decoding of "xn--" labels, for showing internationalised
 * MagicDNS names as the tailscale CLI does ("xn--bcher-kva (bücher)").
 * Pure function; any thread.
 */
#ifndef TN_CLI_PUNYCODE_H
#define TN_CLI_PUNYCODE_H

#include <stddef.h>

/* Decodes every "xn--" label of name (dot-separated) into UTF-8 in out;
 * other labels are copied.  0, or -EINVAL if a label does not decode or
 * out is too small. */
int tn_cli_idna_to_unicode(const char *name, char *out, size_t outlen);

#endif

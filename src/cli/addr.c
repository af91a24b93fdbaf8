#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/addr.h"

int tn_cli_addr_parse(const char *s, struct tn_cli_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = 6;
		return 0;
	}
	return -EINVAL;
}

void tn_cli_addr_format(const struct tn_cli_addr *a, char *out, size_t len)
{
	if (!len)
		return;
	if (a->family == 0 || !inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, out, (socklen_t)len))
		snprintf(out, len, "invalid IP");
}

int tn_cli_addr_compare(const struct tn_cli_addr *x, const struct tn_cli_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	int c = memcmp(x->b, y->b, x->family == 4 ? 4 : 16);
	return (c > 0) - (c < 0);
}

int tn_cli_prefix_parse(const char *s, struct tn_cli_prefix *p)
{
	const char *slash = strrchr(s, '/');
	char addr[64];

	memset(p, 0, sizeof(*p));
	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (tn_cli_addr_parse(addr, &p->addr) < 0)
		return -EINVAL;
	const char *bits = slash + 1;
	size_t n = strlen(bits);
	if (n == 0 || n > 3 || strspn(bits, "0123456789") != n || (n > 1 && bits[0] == '0'))
		return -EINVAL;
	p->bits = atoi(bits);
	if (p->bits > (p->addr.family == 4 ? 32 : 128))
		return -EINVAL;
	return 0;
}

void tn_cli_prefix_format(const struct tn_cli_prefix *p, char *out, size_t len)
{
	char a[64];

	tn_cli_addr_format(&p->addr, a, sizeof(a));
	snprintf(out, len, "%s/%d", a, p->bits);
}

struct tn_cli_prefix tn_cli_prefix_masked(const struct tn_cli_prefix *p)
{
	struct tn_cli_prefix m = *p;
	int total = p->addr.family == 4 ? 32 : 128;

	for (int i = p->bits; i < total; i++)
		m.addr.b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	return m;
}

bool tn_cli_prefix_equal(const struct tn_cli_prefix *x, const struct tn_cli_prefix *y)
{
	return x->bits == y->bits && tn_cli_addr_compare(&x->addr, &y->addr) == 0;
}

/* tailcfg.DNSConfig from JSON (protocol.md section 10.3). */
#include "control/tailcfg.h"
#include "control/tailcfg_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void resolvers_free(struct tn_tailcfg_dns_resolver *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tn_tc_str_free(r[i].addr);
		free(r[i].bootstrap);
	}
	free(r);
}

/* A []*dnstype.Resolver; null entries are dropped. */
static int resolvers_parse(struct tn_tc_err *e, json_t *obj, const char *field,
			   json_t *arr, struct tn_tailcfg_dns_resolver **out,
			   size_t *n)
{
	struct tn_tailcfg_dns_resolver *r;
	json_t *v;
	size_t i, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!arr)
		arr = tn_tc_field(obj, field);
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return tn_tc_fail(e, field, "not an array");
	if (!json_array_size(arr))
		return 0;
	r = calloc(json_array_size(arr), sizeof(*r));
	if (!r)
		return tn_tc_nomem(e);
	json_array_foreach(arr, i, v) {
		if (json_is_null(v))
			continue;
		if (!json_is_object(v)) {
			rc = tn_tc_fail(e, NULL, "not an object");
		} else if (!(rc = tn_tc_get_string(e, v, "Addr", &r[k].addr)) &&
			   !(rc = tn_tc_get_ips(e, v, "BootstrapResolution",
						&r[k].bootstrap, &r[k].n_bootstrap)) &&
			   !(rc = tn_tc_get_bool(e, v, "UseWithExitNode",
						 &r[k].use_with_exit_node))) {
			k++;
			continue;
		}
		resolvers_free(r, k + 1);
		tn_tc_prefix(e, "%s[%zu]", field, i);
		return rc;
	}
	*out = r;
	*n = k;
	return 0;
}

static int cmp_route(const void *a, const void *b)
{
	const struct tn_tailcfg_dns_route *x = a, *y = b;

	return strcmp(x->suffix, y->suffix);
}

static int routes_parse(struct tn_tc_err *e, json_t *obj,
			struct tn_tailcfg_dns_config *c)
{
	json_t *m = tn_tc_field(obj, "Routes"), *v;
	const char *k;
	int rc;

	if (!m)
		return 0;
	if (!json_is_object(m))
		return tn_tc_fail(e, "Routes", "not an object");
	if (!json_object_size(m))
		return 0;
	c->routes = calloc(json_object_size(m), sizeof(*c->routes));
	if (!c->routes)
		return tn_tc_nomem(e);
	json_object_foreach(m, k, v) {
		struct tn_tailcfg_dns_route *r = &c->routes[c->n_routes];

		if (!(r->suffix = tn_tc_strndup(k, strlen(k))))
			return tn_tc_nomem(e);
		c->n_routes++;
		if ((rc = resolvers_parse(e, NULL, "", v, &r->resolvers,
					  &r->n_resolvers))) {
			/* resolvers_parse prefixed "" or "[i]" to the leaf. */
			tn_tc_prefix(e, "Routes[\"%.60s\"]", k);
			return rc;
		}
	}
	qsort(c->routes, c->n_routes, sizeof(*c->routes), cmp_route);
	return 0;
}

static void records_free(struct tn_tailcfg_dns_record *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tn_tc_str_free(r[i].name);
		tn_tc_str_free(r[i].type);
		tn_tc_str_free(r[i].value);
	}
	free(r);
}

static int records_parse(struct tn_tc_err *e, json_t *obj,
			 struct tn_tailcfg_dns_config *c)
{
	json_t *arr = tn_tc_field(obj, "ExtraRecords"), *v;
	size_t i;
	int rc;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return tn_tc_fail(e, "ExtraRecords", "not an array");
	if (!json_array_size(arr))
		return 0;
	c->extra_records = calloc(json_array_size(arr), sizeof(*c->extra_records));
	if (!c->extra_records)
		return tn_tc_nomem(e);
	json_array_foreach(arr, i, v) {
		struct tn_tailcfg_dns_record *r = &c->extra_records[i];

		c->n_extra_records++;
		if (!json_is_object(v))
			rc = tn_tc_fail(e, NULL, "not an object");
		else if (!(rc = tn_tc_get_string(e, v, "Name", &r->name)) &&
			 !(rc = tn_tc_get_string(e, v, "Type", &r->type)) &&
			 !(rc = tn_tc_get_string(e, v, "Value", &r->value)))
			continue;
		tn_tc_prefix(e, "ExtraRecords[%zu]", i);
		return rc;
	}
	return 0;
}

int tn_tc_dns_config_parse(struct tn_tc_err *e,
			   struct tn_tailcfg_dns_config *c, json_t *v)
{
	char **ns = NULL;
	size_t nns = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return tn_tc_fail(e, NULL, "not an object");
	if ((rc = resolvers_parse(e, v, "Resolvers", NULL, &c->resolvers,
				  &c->n_resolvers)) ||
	    (rc = routes_parse(e, v, c)) ||
	    (rc = resolvers_parse(e, v, "FallbackResolvers", NULL,
				  &c->fallback_resolvers, &c->n_fallback_resolvers)) ||
	    (rc = tn_tc_get_strings(e, v, "Domains", &c->domains, &c->n_domains)) ||
	    (rc = tn_tc_get_bool(e, v, "Proxied", &c->proxied)) ||
	    (rc = tn_tc_get_strings(e, v, "CertDomains", &c->cert_domains,
				    &c->n_cert_domains)) ||
	    (rc = records_parse(e, v, c)) ||
	    /* Deprecated Nameservers: type-checked, not kept. */
	    (rc = tn_tc_get_strings(e, v, "Nameservers", &ns, &nns))) {
		tn_tailcfg_dns_config_free(c);
		return rc;
	}
	tn_tc_strings_free(ns, nns);
	return 0;
}

int tn_tailcfg_dns_config_parse(struct tn_tailcfg_dns_config *out, json_t *v,
				char *err, size_t errlen)
{
	struct tn_tc_err e;
	int rc = tn_tc_dns_config_parse(&e, out, v);

	if (rc)
		tn_tc_err_text(&e, err, errlen);
	return rc;
}

void tn_tailcfg_dns_config_free(struct tn_tailcfg_dns_config *c)
{
	if (!c)
		return;
	resolvers_free(c->resolvers, c->n_resolvers);
	for (size_t i = 0; i < c->n_routes; i++) {
		tn_tc_str_free(c->routes[i].suffix);
		resolvers_free(c->routes[i].resolvers, c->routes[i].n_resolvers);
	}
	free(c->routes);
	resolvers_free(c->fallback_resolvers, c->n_fallback_resolvers);
	tn_tc_strings_free(c->domains, c->n_domains);
	records_free(c->extra_records, c->n_extra_records);
	tn_tc_strings_free(c->cert_domains, c->n_cert_domains);
	memset(c, 0, sizeof(*c));
}

static bool resolvers_equal(const struct tn_tailcfg_dns_resolver *a, size_t na,
			    const struct tn_tailcfg_dns_resolver *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].addr, b[i].addr) ||
		    a[i].use_with_exit_node != b[i].use_with_exit_node ||
		    a[i].n_bootstrap != b[i].n_bootstrap ||
		    (a[i].n_bootstrap && memcmp(a[i].bootstrap, b[i].bootstrap,
						a[i].n_bootstrap * sizeof(*a[i].bootstrap))))
			return false;
	return true;
}

bool tn_tailcfg_dns_config_equal(const struct tn_tailcfg_dns_config *a,
				 const struct tn_tailcfg_dns_config *b)
{
	if (!resolvers_equal(a->resolvers, a->n_resolvers, b->resolvers,
			     b->n_resolvers) ||
	    !resolvers_equal(a->fallback_resolvers, a->n_fallback_resolvers,
			     b->fallback_resolvers, b->n_fallback_resolvers) ||
	    !tn_tc_strings_equal(a->domains, a->n_domains, b->domains, b->n_domains) ||
	    a->proxied != b->proxied ||
	    !tn_tc_strings_equal(a->cert_domains, a->n_cert_domains,
				 b->cert_domains, b->n_cert_domains) ||
	    a->n_routes != b->n_routes || a->n_extra_records != b->n_extra_records)
		return false;
	for (size_t i = 0; i < a->n_routes; i++)
		if (strcmp(a->routes[i].suffix, b->routes[i].suffix) ||
		    !resolvers_equal(a->routes[i].resolvers, a->routes[i].n_resolvers,
				     b->routes[i].resolvers, b->routes[i].n_resolvers))
			return false;
	for (size_t i = 0; i < a->n_extra_records; i++)
		if (strcmp(a->extra_records[i].name, b->extra_records[i].name) ||
		    strcmp(a->extra_records[i].type, b->extra_records[i].type) ||
		    strcmp(a->extra_records[i].value, b->extra_records[i].value))
			return false;
	return true;
}

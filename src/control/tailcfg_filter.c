/* tailcfg.FilterRule from JSON (protocol.md section 11), kept uncompiled
 * for the filter module. */
#include "control/tailcfg.h"
#include "control/tailcfg_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rule_free(struct tn_tailcfg_filter_rule *r)
{
	tn_tc_strings_free(r->src_ips, r->n_src_ips);
	for (size_t i = 0; i < r->n_dst_ports; i++)
		tn_tc_str_free(r->dst_ports[i].ip);
	free(r->dst_ports);
	free(r->ip_proto);
	json_decref(r->cap_grant);
}

static int dst_ports_parse(struct tn_tc_err *e, struct tn_tailcfg_filter_rule *r,
			   json_t *v)
{
	json_t *arr = tn_tc_field(v, "DstPorts"), *d;
	size_t i;
	int rc;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return tn_tc_fail(e, "DstPorts", "not an array");
	if (!json_array_size(arr))
		return 0;
	r->dst_ports = calloc(json_array_size(arr), sizeof(*r->dst_ports));
	if (!r->dst_ports)
		return tn_tc_nomem(e);
	json_array_foreach(arr, i, d) {
		struct tn_tailcfg_net_port_range *p = &r->dst_ports[i];
		json_t *ports;
		int first = 0, last = 0;

		r->n_dst_ports++;
		p->ip = tn_tc_empty;
		if (!json_is_object(d)) {
			rc = tn_tc_fail(e, NULL, "not an object");
			goto fail;
		}
		if ((rc = tn_tc_get_string(e, d, "IP", &p->ip)))
			goto fail;
		if (tn_tc_field(d, "Bits"))
			r->legacy_bits = true;
		ports = tn_tc_field(d, "Ports");
		if (ports && !json_is_object(ports)) {
			rc = tn_tc_fail(e, "Ports", "not an object");
			goto fail;
		}
		if (ports &&
		    ((rc = tn_tc_get_int(e, ports, "First", 0, 65535, &first)) ||
		     (rc = tn_tc_get_int(e, ports, "Last", 0, 65535, &last)))) {
			tn_tc_prefix(e, "Ports");
			goto fail;
		}
		p->first = (uint16_t)first;
		p->last = (uint16_t)last;
	}
	return 0;
fail:
	tn_tc_prefix(e, "DstPorts[%zu]", i);
	return rc;
}

static int ip_proto_parse(struct tn_tc_err *e, struct tn_tailcfg_filter_rule *r,
			  json_t *v)
{
	json_t *arr = tn_tc_field(v, "IPProto"), *p;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return tn_tc_fail(e, "IPProto", "not an array");
	if (!json_array_size(arr))
		return 0;
	r->ip_proto = calloc(json_array_size(arr), sizeof(*r->ip_proto));
	if (!r->ip_proto)
		return tn_tc_nomem(e);
	json_array_foreach(arr, i, p) {
		/* Go's []int: out-of-uint8 values are kept (and later ignored by
		 * the filter); only the int range is checked here. */
		if (!json_is_integer(p) || json_integer_value(p) < INT32_MIN ||
		    json_integer_value(p) > INT32_MAX) {
			char path[32];

			snprintf(path, sizeof(path), "IPProto[%zu]", i);
			return tn_tc_fail(e, path, "not an integer");
		}
		r->ip_proto[r->n_ip_proto++] = (int)json_integer_value(p);
	}
	return 0;
}

static int rule_parse(struct tn_tc_err *e, struct tn_tailcfg_filter_rule *r,
		      json_t *v)
{
	json_t *cg;
	int rc;

	if (!json_is_object(v))
		return tn_tc_fail(e, NULL, "not an object");
	if ((rc = tn_tc_get_strings(e, v, "SrcIPs", &r->src_ips, &r->n_src_ips)) ||
	    (rc = dst_ports_parse(e, r, v)) || (rc = ip_proto_parse(e, r, v)))
		return rc;
	if (tn_tc_field(v, "SrcBits")) {
		if (!json_is_array(tn_tc_field(v, "SrcBits")))
			return tn_tc_fail(e, "SrcBits", "not an array");
		r->legacy_bits = json_array_size(tn_tc_field(v, "SrcBits")) > 0;
	}
	cg = tn_tc_field(v, "CapGrant");
	if (cg) {
		if (!json_is_array(cg))
			return tn_tc_fail(e, "CapGrant", "not an array");
		if (json_array_size(cg)) {
			r->has_cap_grant = true;
			r->cap_grant = json_incref(cg);
		}
	}
	return 0;
}

int tn_tc_filter_rules_parse(struct tn_tc_err *e,
			     struct tn_tailcfg_filter_rule **out, size_t *n,
			     json_t *v)
{
	struct tn_tailcfg_filter_rule *rules;
	json_t *rv;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return tn_tc_fail(e, NULL, "not an array");
	if (!json_array_size(v))
		return 0;
	rules = calloc(json_array_size(v), sizeof(*rules));
	if (!rules)
		return tn_tc_nomem(e);
	json_array_foreach(v, i, rv) {
		if ((rc = rule_parse(e, &rules[i], rv))) {
			tn_tailcfg_filter_rules_free(rules, i + 1);
			tn_tc_prefix(e, "[%zu]", i);
			return rc;
		}
	}
	*out = rules;
	*n = json_array_size(v);
	return 0;
}

int tn_tailcfg_filter_rules_parse(struct tn_tailcfg_filter_rule **out,
				  size_t *n, json_t *v, char *err,
				  size_t errlen)
{
	struct tn_tc_err e;
	int rc = tn_tc_filter_rules_parse(&e, out, n, v);

	if (rc)
		tn_tc_err_text(&e, err, errlen);
	return rc;
}

void tn_tailcfg_filter_rules_free(struct tn_tailcfg_filter_rule *rules,
				  size_t n)
{
	for (size_t i = 0; i < n; i++)
		rule_free(&rules[i]);
	free(rules);
}

bool tn_tailcfg_filter_rule_equal(const struct tn_tailcfg_filter_rule *a,
				  const struct tn_tailcfg_filter_rule *b)
{
	if (!tn_tc_strings_equal(a->src_ips, a->n_src_ips, b->src_ips, b->n_src_ips) ||
	    a->n_dst_ports != b->n_dst_ports || a->n_ip_proto != b->n_ip_proto ||
	    a->has_cap_grant != b->has_cap_grant || a->legacy_bits != b->legacy_bits)
		return false;
	for (size_t i = 0; i < a->n_dst_ports; i++)
		if (strcmp(a->dst_ports[i].ip, b->dst_ports[i].ip) ||
		    a->dst_ports[i].first != b->dst_ports[i].first ||
		    a->dst_ports[i].last != b->dst_ports[i].last)
			return false;
	if (a->n_ip_proto &&
	    memcmp(a->ip_proto, b->ip_proto, a->n_ip_proto * sizeof(*a->ip_proto)))
		return false;
	return !a->has_cap_grant || json_equal(a->cap_grant, b->cap_grant);
}

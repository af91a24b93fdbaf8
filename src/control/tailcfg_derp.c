/* tailcfg.DERPMap from JSON (protocol.md section 6.3, Go's
 * tailcfg/derpmap.go).  HomeParams is not kept. */
#include "control/tailcfg.h"
#include "control/tailcfg_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void derp_node_free(struct tn_tailcfg_derp_node *n)
{
	tn_tc_str_free(n->name);
	tn_tc_str_free(n->host_name);
	tn_tc_str_free(n->cert_name);
	tn_tc_str_free(n->ipv4);
	tn_tc_str_free(n->ipv6);
	tn_tc_str_free(n->stun_test_ip);
}

static int derp_node_parse(struct tn_tc_err *e, struct tn_tailcfg_derp_node *n,
			   json_t *v)
{
	int rc;

	memset(n, 0, sizeof(*n));
	if (!json_is_object(v))
		return tn_tc_fail(e, NULL, "not an object");
	if ((rc = tn_tc_get_string(e, v, "Name", &n->name)) ||
	    (rc = tn_tc_get_int(e, v, "RegionID", INT32_MIN, INT32_MAX, &n->region_id)) ||
	    (rc = tn_tc_get_string(e, v, "HostName", &n->host_name)) ||
	    (rc = tn_tc_get_string(e, v, "CertName", &n->cert_name)) ||
	    (rc = tn_tc_get_string(e, v, "IPv4", &n->ipv4)) ||
	    (rc = tn_tc_get_string(e, v, "IPv6", &n->ipv6)) ||
	    (rc = tn_tc_get_int(e, v, "STUNPort", INT32_MIN, INT32_MAX, &n->stun_port)) ||
	    (rc = tn_tc_get_bool(e, v, "STUNOnly", &n->stun_only)) ||
	    (rc = tn_tc_get_int(e, v, "DERPPort", INT32_MIN, INT32_MAX, &n->derp_port)) ||
	    (rc = tn_tc_get_bool(e, v, "InsecureForTests", &n->insecure_for_tests)) ||
	    (rc = tn_tc_get_string(e, v, "STUNTestIP", &n->stun_test_ip)) ||
	    (rc = tn_tc_get_bool(e, v, "CanPort80", &n->can_port80))) {
		derp_node_free(n);
		return rc;
	}
	return 0;
}

static void region_free(struct tn_tailcfg_derp_region *r)
{
	tn_tc_str_free(r->code);
	tn_tc_str_free(r->name);
	for (size_t i = 0; i < r->n_nodes; i++)
		derp_node_free(&r->nodes[i]);
	free(r->nodes);
}

static int region_parse(struct tn_tc_err *e, struct tn_tailcfg_derp_region *r,
			json_t *v)
{
	json_t *nodes, *nv;
	size_t i;
	int rc;

	if (!json_is_object(v))
		return tn_tc_fail(e, NULL, "not an object");
	if ((rc = tn_tc_get_int(e, v, "RegionID", INT32_MIN, INT32_MAX, &r->region_id)) ||
	    (rc = tn_tc_get_string(e, v, "RegionCode", &r->code)) ||
	    (rc = tn_tc_get_string(e, v, "RegionName", &r->name)) ||
	    (rc = tn_tc_get_double(e, v, "Latitude", &r->latitude)) ||
	    (rc = tn_tc_get_double(e, v, "Longitude", &r->longitude)) ||
	    (rc = tn_tc_get_bool(e, v, "Avoid", &r->avoid)) ||
	    (rc = tn_tc_get_bool(e, v, "NoMeasureNoHome", &r->no_measure_no_home)))
		return rc;
	nodes = tn_tc_field(v, "Nodes");
	if (!nodes)
		return 0;
	if (!json_is_array(nodes))
		return tn_tc_fail(e, "Nodes", "not an array");
	if (!json_array_size(nodes))
		return 0;
	r->nodes = calloc(json_array_size(nodes), sizeof(*r->nodes));
	if (!r->nodes)
		return tn_tc_nomem(e);
	json_array_foreach(nodes, i, nv) {
		/* A null entry ([]*DERPNode) is dropped, as for regions. */
		if (json_is_null(nv))
			continue;
		if ((rc = derp_node_parse(e, &r->nodes[r->n_nodes], nv))) {
			tn_tc_prefix(e, "Nodes[%zu]", i);
			return rc;
		}
		r->n_nodes++;
	}
	return 0;
}

static int cmp_region(const void *a, const void *b)
{
	const struct tn_tailcfg_derp_region *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int tn_tc_derp_map_parse(struct tn_tc_err *e, struct tn_tailcfg_derp_map *m,
			 json_t *v, bool *regions_present)
{
	json_t *regions, *rv;
	const char *k;
	int rc;

	memset(m, 0, sizeof(*m));
	if (regions_present)
		*regions_present = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return tn_tc_fail(e, NULL, "not an object");
	if ((rc = tn_tc_get_bool(e, v, "omitDefaultRegions", &m->omit_default_regions)))
		return rc;
	regions = tn_tc_field(v, "Regions");
	if (!regions)
		return 0;
	if (!json_is_object(regions))
		return tn_tc_fail(e, "Regions", "not an object");
	if (regions_present)
		*regions_present = true;
	if (!json_object_size(regions))
		return 0;
	m->regions = calloc(json_object_size(regions), sizeof(*m->regions));
	if (!m->regions)
		return tn_tc_nomem(e);
	json_object_foreach(regions, k, rv) {
		struct tn_tailcfg_derp_region *r = &m->regions[m->n_regions];
		int64_t id;

		if (tn_tc_parse_int_key(k, INT32_MIN, INT32_MAX, &id)) {
			rc = tn_tc_fail(e, NULL, "not a region ID");
			tn_tc_prefix(e, "Regions[\"%.40s\"]", k);
			goto fail;
		}
		/* Headscale has been seen sending null regions; Go drops them. */
		if (json_is_null(rv))
			continue;
		r->id = (int)id;
		if ((rc = region_parse(e, r, rv))) {
			region_free(r);
			tn_tc_prefix(e, "Regions[%d]", (int)id);
			goto fail;
		}
		m->n_regions++;
	}
	qsort(m->regions, m->n_regions, sizeof(*m->regions), cmp_region);
	/* "1" and "01" are the same key to Go's map[int]: last one wins. */
	for (size_t i = 1; i < m->n_regions; i++)
		if (m->regions[i].id == m->regions[i - 1].id) {
			rc = tn_tc_fail(e, NULL, "duplicate region ID %d",
					m->regions[i].id);
			tn_tc_prefix(e, "Regions");
			goto fail;
		}
	return 0;
fail:
	tn_tailcfg_derp_map_free(m);
	return rc;
}

int tn_tailcfg_derp_map_parse(struct tn_tailcfg_derp_map *out, json_t *v,
			      char *err, size_t errlen)
{
	struct tn_tc_err e;
	int rc = tn_tc_derp_map_parse(&e, out, v, NULL);

	if (rc)
		tn_tc_err_text(&e, err, errlen);
	return rc;
}

void tn_tailcfg_derp_map_free(struct tn_tailcfg_derp_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_regions; i++)
		region_free(&m->regions[i]);
	free(m->regions);
	memset(m, 0, sizeof(*m));
}

static int copy_str(char **dst, const char *src)
{
	*dst = src ? tn_tc_strndup(src, strlen(src)) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

int tn_tailcfg_derp_map_copy(struct tn_tailcfg_derp_map *dst, const struct tn_tailcfg_derp_map *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->omit_default_regions = src->omit_default_regions;
	if (src->n_regions && !(dst->regions = calloc(src->n_regions, sizeof(*dst->regions))))
		return -ENOMEM;
	for (size_t i = 0; i < src->n_regions; i++) {
		const struct tn_tailcfg_derp_region *r = &src->regions[i];
		struct tn_tailcfg_derp_region *d = &dst->regions[i];

		*d = *r;
		d->code = d->name = NULL;
		d->nodes = NULL;
		d->n_nodes = 0;
		dst->n_regions = i + 1;
		if (copy_str(&d->code, r->code) < 0 || copy_str(&d->name, r->name) < 0 ||
		    (r->n_nodes && !(d->nodes = calloc(r->n_nodes, sizeof(*d->nodes)))))
			goto fail;
		for (size_t k = 0; k < r->n_nodes; k++) {
			const struct tn_tailcfg_derp_node *n = &r->nodes[k];
			struct tn_tailcfg_derp_node *m = &d->nodes[k];

			*m = *n;
			m->name = m->host_name = m->cert_name = m->ipv4 = m->ipv6 = m->stun_test_ip = NULL;
			d->n_nodes = k + 1;
			if (copy_str(&m->name, n->name) < 0 || copy_str(&m->host_name, n->host_name) < 0 ||
			    copy_str(&m->cert_name, n->cert_name) < 0 || copy_str(&m->ipv4, n->ipv4) < 0 ||
			    copy_str(&m->ipv6, n->ipv6) < 0 ||
			    copy_str(&m->stun_test_ip, n->stun_test_ip) < 0)
				goto fail;
		}
	}
	return 0;
fail:
	tn_tailcfg_derp_map_free(dst);
	return -ENOMEM;
}

const struct tn_tailcfg_derp_region *
tn_tailcfg_derp_map_region(const struct tn_tailcfg_derp_map *m, int id)
{
	size_t lo = 0, hi = m ? m->n_regions : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->regions[mid].id == id)
			return &m->regions[mid];
		if (m->regions[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool derp_node_equal(const struct tn_tailcfg_derp_node *a,
			    const struct tn_tailcfg_derp_node *b)
{
	return !strcmp(a->name, b->name) && a->region_id == b->region_id &&
	       !strcmp(a->host_name, b->host_name) &&
	       !strcmp(a->cert_name, b->cert_name) &&
	       !strcmp(a->ipv4, b->ipv4) && !strcmp(a->ipv6, b->ipv6) &&
	       a->stun_port == b->stun_port && a->stun_only == b->stun_only &&
	       a->derp_port == b->derp_port &&
	       a->insecure_for_tests == b->insecure_for_tests &&
	       !strcmp(a->stun_test_ip, b->stun_test_ip) &&
	       a->can_port80 == b->can_port80;
}

static bool region_equal(const struct tn_tailcfg_derp_region *a,
			 const struct tn_tailcfg_derp_region *b)
{
	if (a->id != b->id || a->region_id != b->region_id ||
	    strcmp(a->code, b->code) || strcmp(a->name, b->name) ||
	    a->latitude != b->latitude || a->longitude != b->longitude ||
	    a->avoid != b->avoid || a->no_measure_no_home != b->no_measure_no_home ||
	    a->n_nodes != b->n_nodes)
		return false;
	for (size_t i = 0; i < a->n_nodes; i++)
		if (!derp_node_equal(&a->nodes[i], &b->nodes[i]))
			return false;
	return true;
}

bool tn_tailcfg_derp_map_equal(const struct tn_tailcfg_derp_map *a,
			       const struct tn_tailcfg_derp_map *b)
{
	if (a->omit_default_regions != b->omit_default_regions ||
	    a->n_regions != b->n_regions)
		return false;
	for (size_t i = 0; i < a->n_regions; i++)
		if (!region_equal(&a->regions[i], &b->regions[i]))
			return false;
	return true;
}

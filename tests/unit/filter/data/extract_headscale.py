#!/usr/bin/env python3
"""Extracts test data for tests/unit/filter/headscale.c from headscale's
golden policy captures (see README.md here; headscale v0.29.3, BSD-3-Clause,
hscontrol/policy/v2/testdata/*_results/*.hujson: policies sent to the
Tailscale SaaS control plane and the packet filter each of 8 nodes got
back, captured by headscale's tscap tool; headscale's own tests check that
it compiles the same filters).

For each capture we keep: the policy, the topology (node names, users,
tags, addresses), and per node its AllowedIPs (its addresses and the routes
it serves: our local destinations), the FilterRules it was sent, and Go's
parse of them (packet_filter_matches: Go's filter.Match list, used as an
oracle in the test).  Everything else (netmaps, keys, timestamps) is
dropped.

    extract_headscale.py HEADSCALE_TESTDATA_DIR OUT_DIR NAME...
"""
import json
import os
import re
import sys

SOURCE = "headscale v0.29.3 hscontrol/policy/v2/testdata/{}"


def load_hujson(path):
    text = open(path).read()
    # Comments are whole lines in these files; then trailing commas.
    text = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("//"))
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


def main(src_dir, out_dir, names):
    for name in names:
        rel = next(os.path.join(d, name + ".hujson") for d in sorted(os.listdir(src_dir))
                   if os.path.exists(os.path.join(src_dir, d, name + ".hujson")))
        cap = load_hujson(os.path.join(src_dir, rel))
        pol = cap["input"]["full_policy"]
        if isinstance(pol, str):
            pol = json.loads(pol)
        topo = {}
        for n, v in cap["topology"]["nodes"].items():
            topo[n] = {"ipv4": v["ipv4"], "ipv6": v["ipv6"], "user": v.get("user", ""),
                       "tags": v.get("tags") or []}
        nodes = {}
        for n, c in sorted(cap["captures"].items()):
            self_node = c["netmap"]["SelfNode"]
            nodes[n] = {
                "allowed_ips": self_node.get("AllowedIPs") or [],
                "packet_filter_rules": c.get("packet_filter_rules") or [],
                "packet_filter_matches": [
                    {"IPProto": m["IPProto"], "Srcs": m["Srcs"] or [], "SrcCaps": m["SrcCaps"] or [],
                     "Dsts": m["Dsts"] or []}
                    for m in c.get("packet_filter_matches") or []],
            }
        out = {"source": SOURCE.format(rel), "test_id": cap["test_id"],
               "policy": {k: v for k, v in pol.items() if k in ("acls", "grants", "hosts", "groups")},
               "topology": topo, "nodes": nodes}
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])

#!/usr/bin/env python3
"""Throughput through the packet filter: two tailnetd nodes on the direct
path (TUN mode), the tailnet's policy either one allow-all rule or 1,000
rules (999 that never match the traffic — other sources, other ports —
and the allow-all last), measured in one run.  The receiving node's filter
checks every inbound packet, so the difference is the filter's cost on the
fast path.

    sudo python3 bench/filter_throughput.py [--rules 1000] [--seconds 5] [--tailnetd PATH]
"""
import argparse
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))

from bed import tailnet as tn  # noqa: E402
from bed import wait  # noqa: E402
from bed.service import iperf3  # noqa: E402
from bed.tailnetd import TailnetdNode  # noqa: E402
from bed.topo import Topology  # noqa: E402


def policy(n_rules):
    acls = [{"action": "accept", "src": [f"10.{200 + i // 250}.{i % 250}.0/24"],
             "dst": [f"*:{1000 + i}"]} for i in range(n_rules - 1)]
    acls.append({"action": "accept", "src": ["*"], "dst": ["*:*"]})
    return {"acls": acls}


def run(n_rules, seconds, logroot):
    with Topology(os.path.join(logroot, f"rules-{n_rules}")) as topo:
        net, sw, (h1, h2) = tn.lan(topo, policy=policy(n_rules))
        a = TailnetdNode(h1, topo.logdir, "a").start(net.login_server, net.authkey)
        b = TailnetdNode(h2, topo.logdir, "b").start(net.login_server, net.authkey)
        a.wait_state("Running")
        b.wait_state("Running")
        ip_b = wait.until("b's address", b.ip4)
        wait.until("a to see b", lambda: a.peer("b"))
        wait.until("a path from a to b", lambda: h1.run(["ping", "-c", "1", "-W", "2", ip_b],
                                                         check=False).returncode == 0, timeout=40)
        h1.run(["ping", "-c", "10", "-i", "0.3", ip_b], check=False, timeout=30)
        log = open(b.proc.logpath, errors="replace").read()
        m = re.findall(r"packet filter: (\d+) rules", log)
        up, _ = iperf3(h1, h2, ip_b, seconds=seconds)     # b's filter sees a's data
        down, _ = iperf3(h1, h2, ip_b, reverse=True, seconds=seconds)
        return up / 1e6, down / 1e6, int(m[-1]) if m else -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--tailnetd", help="tailnetd binary (default: build/src/daemon/tailnetd)")
    args = ap.parse_args()
    if args.tailnetd:
        os.environ["TAILNETD_BIN"] = args.tailnetd
    logroot = tempfile.mkdtemp(prefix="tailnetd-bench-filter-")
    one = run(1, args.seconds, logroot)
    many = run(args.rules, args.seconds, logroot)
    print(f"\n{'metric':26} {'1 rule':>10} {f'{args.rules} rules':>12} {'ratio':>7}")
    print(f"{'rules compiled (b)':26} {one[2]:10d} {many[2]:12d}")
    for i, name in enumerate(("TCP a->b Mbit/s", "TCP b->a Mbit/s")):
        print(f"{name:26} {one[i]:10.1f} {many[i]:12.1f} {many[i] / one[i] if one[i] else float('nan'):7.2f}")
    print(f"(tailnetd <-> tailnetd, direct, TUN mode, one iperf3 stream; logs in {logroot})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Tailnet throughput through the direct path and through DERP:
tailnetd <-> tailnetd and tailnetd <-> Go tailscaled (mixed) beside Go
tailscaled <-> Go tailscaled, all in TUN mode, on the same topology
(headscale + derper in srv, two nodes on one switch), in one run.  For
DERP the switch drops UDP between the nodes.

    sudo python3 bench/tailnet.py [--seconds 5] [--tailnetd PATH]

Prints iperf3 TCP (one stream, each direction) for each path and pair, and
the ratio tailnetd / Go.
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))

from bed import tailnet as tn  # noqa: E402
from bed import wait  # noqa: E402
from bed.service import iperf3  # noqa: E402
from bed.tailnetd import TailnetdNode  # noqa: E402
from bed.topo import Topology  # noqa: E402


def run(kind, derp_only, seconds, logroot):
    with Topology(os.path.join(logroot, f"{kind}-{'derp' if derp_only else 'direct'}")) as topo:
        net, sw, (h1, h2) = tn.lan(topo)
        if derp_only:
            sw.block_udp_between(h1, h2)
        if kind == "tailnetd":
            a = TailnetdNode(h1, topo.logdir, "a").start(net.login_server, net.authkey)
            b = TailnetdNode(h2, topo.logdir, "b").start(net.login_server, net.authkey)
            a.wait_state("Running")
            b.wait_state("Running")
            ip_b = wait.until("b's address", b.ip4)
            wait.until("a to see b", lambda: a.peer("b"))
        elif kind == "mixed":
            a = TailnetdNode(h1, topo.logdir, "a").start(net.login_server, net.authkey)
            a.wait_state("Running")
            b = net.add_tailscale(h2, "b", tun="tailscale0")
            ip_b = b.ip4()
            wait.until("a to see b", lambda: a.peer("b"))
        else:
            a = net.add_tailscale(h1, "a", tun="tailscale0")
            b = net.add_tailscale(h2, "b", tun="tailscale0")
            ip_b = b.ip4()
        wait.until("a path from a to b", lambda: h1.run(["ping", "-c", "1", "-W", "2", ip_b],
                                                         check=False).returncode == 0, timeout=40)
        # Let disco settle on its path before measuring.
        h1.run(["ping", "-c", "10", "-i", "0.3", ip_b], check=False, timeout=30)
        up, _ = iperf3(h1, h2, ip_b, seconds=seconds)
        down, _ = iperf3(h1, h2, ip_b, reverse=True, seconds=seconds)
        return up / 1e6, down / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--tailnetd", help="tailnetd binary (default: build/src/daemon/tailnetd)")
    args = ap.parse_args()
    if args.tailnetd:
        os.environ["TAILNETD_BIN"] = args.tailnetd
    logroot = tempfile.mkdtemp(prefix="tailnetd-bench-tailnet-")
    rows = []
    for derp_only in (False, True):
        ours = run("tailnetd", derp_only, args.seconds, logroot)
        mixed = run("mixed", derp_only, args.seconds, logroot)
        theirs = run("go", derp_only, args.seconds, logroot)
        path = "DERP" if derp_only else "direct"
        rows.append((f"{path} TCP a->b Mbit/s", ours[0], mixed[0], theirs[0]))
        rows.append((f"{path} TCP b->a Mbit/s", ours[1], mixed[1], theirs[1]))
    print(f"\n{'metric':24} {'tailnetd pair':>13} {'mixed':>8} {'Go pair':>8} {'ratio':>6} {'mixed/Go':>8}")
    for name, o, m, t in rows:
        nan = float("nan")
        print(f"{name:24} {o:13.1f} {m:8.1f} {t:8.1f} {o / t if t else nan:6.2f} {m / t if t else nan:8.2f}")
    print("(pairs: a and b both tailnetd; mixed: a tailnetd, b Go tailscaled; both Go. "
          f"TUN mode everywhere; logs in {logroot})")


if __name__ == "__main__":
    main()

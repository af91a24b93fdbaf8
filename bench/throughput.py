#!/usr/bin/env python3
"""WireGuard tunnel throughput: tailnetd <-> tailnetd beside
wireguard-go <-> wireguard-go, on the same topology, in one run.

    h1 10.77.0.1 ── switch ── h2 10.77.0.2      tunnel 10.10.0.1 <-> 10.10.0.2

For each pair: iperf3 TCP with 1 and 4 streams, both directions; the CPU
seconds both tunnel daemons spent per GB moved; and the idle RSS of one
daemon with one peer.  Prints both figures and the ratio (ours / theirs;
for CPU and RSS lower is better).

    sudo python3 bench/throughput.py [--seconds 5] [--tailnetd PATH]
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))

from bed import wait  # noqa: E402
from bed.service import iperf3  # noqa: E402
from bed.topo import Topology  # noqa: E402
from bed.wireguard import TailnetdWg, WgPeerConf, WireguardGo  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def make_pair(topo, kind):
    sw = topo.switch("lan")
    h1, h2 = topo.host("h1"), topo.host("h2")
    sw.attach(h1, "10.77.0.1/24")
    sw.attach(h2, "10.77.0.2/24")
    cls = TailnetdWg if kind == "tailnetd" else WireguardGo
    a = cls(h1, topo.logdir, "h1", ["10.10.0.1/24"])
    b = cls(h2, topo.logdir, "h2", ["10.10.0.2/24"])
    a.peers = [WgPeerConf(b.pub, ["10.10.0.2/32"], endpoint="10.77.0.2:51820")]
    b.peers = [WgPeerConf(a.pub, ["10.10.0.1/32"], endpoint="10.77.0.1:51820")]
    for n in (a, b):
        if kind == "tailnetd":
            n.start(verbose=False)
        else:
            n.start()
    wait.until("the tunnel", lambda: h1.run(["ping", "-c", "1", "-W", "1", "10.10.0.2"],
                                            check=False).returncode == 0, timeout=20)
    return h1, h2, a, b


def measure(kind, seconds, logroot):
    results = {}
    with Topology(os.path.join(logroot, kind)) as topo:
        h1, h2, a, b = make_pair(topo, kind)
        time.sleep(1)
        # RSS counts shared library pages (libcrypto alone maps ~3 MB);
        # RssAnon is the memory the process itself uses.
        results["idle RSS KiB (one peer)"] = status_kib(a.proc.pid, "VmRSS")
        results["idle private KiB (RssAnon)"] = status_kib(a.proc.pid, "RssAnon")
        for streams in (1, 4):
            for reverse in (False, True):
                name = f"TCP {streams} stream{'s' if streams > 1 else ''} {'h2->h1' if reverse else 'h1->h2'}"
                c0 = cpu_seconds(a.proc.pid) + cpu_seconds(b.proc.pid)
                bps, nbytes = iperf3(h1, h2, "10.10.0.2", streams, reverse, seconds)
                c1 = cpu_seconds(a.proc.pid) + cpu_seconds(b.proc.pid)
                results[name + " Mbit/s"] = bps / 1e6
                results[name + " CPU s/GB"] = (c1 - c0) / (nbytes / 1e9) if nbytes else float("nan")
        results["private KiB after load (RssAnon)"] = status_kib(a.proc.pid, "RssAnon")
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--tailnetd", help="tailnetd binary (default: build/src/daemon/tailnetd)")
    args = ap.parse_args()
    if args.tailnetd:
        os.environ["TAILNETD_BIN"] = args.tailnetd
    logroot = tempfile.mkdtemp(prefix="tailnetd-bench-")
    ours = measure("tailnetd", args.seconds, logroot)
    theirs = measure("wireguard-go", args.seconds, logroot)
    print(f"\n{'metric':42} {'tailnetd':>12} {'wireguard-go':>13} {'ratio':>7}")
    for k in ours:
        ratio = ours[k] / theirs[k] if theirs[k] else float("nan")
        print(f"{k:42} {ours[k]:12.1f} {theirs[k]:13.1f} {ratio:7.2f}")
    print(f"(logs in {logroot}; ratio = tailnetd / wireguard-go; for Mbit/s higher is better, "
          "for CPU s/GB and RSS lower is better)")


if __name__ == "__main__":
    main()

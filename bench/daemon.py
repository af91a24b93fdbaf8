#!/usr/bin/env python3
"""Daemon footprint: tailnetd beside Go tailscaled, measured in one run on one
topology (headscale + derper in srv, each node in its own namespace, both
daemons with a kernel TUN: tailnetd "tailnet0", tailscaled "tailscale0").

    sudo python3 bench/daemon.py [--peers 1000] [--restarts 3] [--tailnetd PATH]

    srv 10.99.0.1 (headscale, derper) ── switch ── n1 10.99.0.11  tailnetd "a"
                                               └── n2 10.99.0.12  Go tailscaled "b"

a and b are each other's one peer.  Measured:
  - idle VmRSS and RssAnon (private memory) from /proc/PID/status at Running
    with one peer, and again once both hold a netmap of 1 + --peers peers
    (headscale registers the extra nodes through its REST API, the
    `debug create-node` + `auth register` pair; they never connect), with
    VmHWM (peak since the daemon last started); each also after the
    restarts below ("restarted": a fresh process given the whole netmap at
    once, rather than one that logged in or took the peers one by one);
  - time from process start to LocalAPI BackendState "Running" with saved
    state (restart without an auth key), median of --restarts, with one peer
    and with the big netmap;
  - stripped binary sizes (`strip -o` copies) of tailnetd / tnet beside
    tailscaled / tailscale, and the shared libraries each links.

Both daemons are polled the same way: their LocalAPI over the Unix socket
(status?peers=false for the state, every 10 ms).  The ratio is
tailnetd / Go; for every metric here lower is better.  Timings share the
machine's cores with whatever else runs: read them as rough.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))

from bed import peers, wait  # noqa: E402
from bed import tailnet as tn  # noqa: E402
from bed.localapi import LocalAPI, LocalAPIError  # noqa: E402
from bed.tailnetd import TailnetdNode  # noqa: E402
from bed.topo import Topology  # noqa: E402
from bed.wireguard import tailnetd_path  # noqa: E402

# Runs inside the server namespace: registers N nodes through headscale's
# REST API (grpc-gateway), as `headscale debug create-node` + `headscale auth
# register` would one process pair at a time.  headscale batches node-store
# writes (tuning.node_store_batch_timeout, 500 ms), so one request at a time
# costs ~1 s a node: keep-alive connections in parallel fill the batches.
BULK_REGISTER = r"""
import http.client, json, secrets, string, sys, threading, time
host, port, apikey, user, n, workers = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
alphabet = string.ascii_letters + string.digits + "-_"
hdr = {"Authorization": "Bearer " + apikey, "Content-Type": "application/json"}
errors = []
def worker(w):
    conn = http.client.HTTPConnection(host, port, timeout=120)
    def post(path, body):
        conn.request("POST", path, json.dumps(body), hdr)
        r = conn.getresponse()
        text = r.read().decode()
        if r.status != 200:
            raise RuntimeError(f"POST {path}: {r.status} {text}")
    try:
        for i in range(w, n, workers):
            auth_id = "hskey-authreq-" + "".join(secrets.choice(alphabet) for _ in range(24))
            post("/api/v1/debug/node", {"user": user, "key": auth_id, "name": f"bulk{i:04d}"})
            post("/api/v1/auth/register", {"user": user, "auth_id": auth_id})
    except Exception as e:
        errors.append(e)
t0 = time.monotonic()
ts = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
for t in ts: t.start()
for t in ts: t.join()
if errors:
    sys.exit(f"{len(errors)} workers failed; first: {errors[0]}")
print(f"{n} nodes, {workers} connections, {time.monotonic() - t0:.1f}s")
"""


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def daemon_pid(proc, exe):
    """The daemon's pid (`ip netns exec` execs it in place); checked."""
    real = os.path.realpath(f"/proc/{proc.pid}/exe").removesuffix(" (deleted)")
    if os.path.basename(real) != os.path.basename(os.path.realpath(exe)):
        raise RuntimeError(f"pid {proc.pid} is {real}, not {exe}")
    return proc.pid


def memory(pid):
    return {k: status_kib(pid, k) for k in ("VmRSS", "RssAnon", "VmHWM")}


class Daemon:
    """One side of the comparison: how to reach its LocalAPI, restart it
    with its saved state, and find its process."""

    def __init__(self, label, node, api, exe):
        self.label, self.node, self.api, self.exe = label, node, api, exe

    def pid(self):
        return daemon_pid(self.node.proc, self.exe)

    def state(self):
        try:
            return (self.api.call("GET", "status?peers=false", timeout=5) or {}).get("BackendState")
        except (OSError, LocalAPIError, ValueError):
            return None

    def n_peers(self):
        try:
            return len((self.api.call("GET", "status", timeout=30) or {}).get("Peer") or {})
        except (OSError, LocalAPIError, ValueError):
            return -1

    def wait_peers(self, n, timeout):
        wait.until(f"{self.label} to hold {n} peers", lambda: self.n_peers() >= n,
                   timeout=timeout, interval=1)

    def restart(self, timeout=120):
        """Stop, start again without an auth key; seconds to Running."""
        self.node.stop()
        # Let the bed start the process as it always does, but return at
        # once: the clock below does its own (finer) polling.
        if isinstance(self.node, TailnetdNode):
            self.node._api_up = lambda: True
            t0 = time.monotonic()
            self.node.run_daemon()
            del self.node._api_up
        else:
            self.node._socket_up = lambda: True
            t0 = time.monotonic()
            self.node.start()
            del self.node._socket_up
        deadline = t0 + timeout
        while self.state() != "Running":
            if not self.node.proc.alive():
                raise RuntimeError(f"{self.label} exited:\n{self.node.proc.log_tail()}")
            if time.monotonic() > deadline:
                raise wait.Timeout(f"{self.label} not Running {timeout}s after restart")
            time.sleep(0.01)
        return time.monotonic() - t0


def restarts(daemons, n, want_peers, timeout):
    """n restarts of each daemon, interleaved; each waits for the full netmap
    before the next, so every stop happens at steady state."""
    out = {d.label: [] for d in daemons}
    for _ in range(n):
        for d in daemons:
            out[d.label].append(d.restart())
            d.wait_peers(want_peers, timeout)
    return {k: statistics.median(v) for k, v in out.items()}, out


def stripped_size(path, tmpdir):
    out = os.path.join(tmpdir, os.path.basename(path) + ".stripped")
    subprocess.run(["strip", "-o", out, path], check=True, capture_output=True)
    return os.path.getsize(out)


def shared_libs(path):
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    libs = []
    for line in r.stdout.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            libs.append((parts[0], os.path.getsize(os.path.realpath(parts[2]))))
        elif parts and parts[0].startswith("/"):
            libs.append((os.path.basename(parts[0]), os.path.getsize(os.path.realpath(parts[0]))))
    return libs


def go_version(exe):
    r = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10)
    return (r.stdout.split() or ["?"])[0]


def build_type(exe):
    """meson's buildtype for the build directory exe lives in, if it is one."""
    d = os.path.dirname(os.path.realpath(exe))
    for _ in range(4):
        f = os.path.join(d, "meson-info", "intro-buildoptions.json")
        if os.path.exists(f):
            with open(f) as fh:
                opts = {o["name"]: o["value"] for o in json.load(fh)}
            return f"{opts.get('buildtype')}, sanitize={opts.get('b_sanitize')}"
        d = os.path.dirname(d)
    return "unknown build"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", type=int, default=1000, help="extra nodes registered in headscale")
    ap.add_argument("--restarts", type=int, default=3)
    ap.add_argument("--settle", type=float, default=10, help="idle seconds before reading memory")
    ap.add_argument("--tailnetd", help="tailnetd binary (default: $TAILNETD_BIN, else build/src/daemon/tailnetd)")
    ap.add_argument("--tnet", help="tnet binary (default: ../cli/tnet beside tailnetd's directory)")
    args = ap.parse_args()
    if args.tailnetd:
        os.environ["TAILNETD_BIN"] = args.tailnetd
    built = tailnetd_path()
    tnet_built = args.tnet or os.path.join(os.path.dirname(os.path.dirname(built)), "cli", "tnet")
    go_exe, go_cli = peers.path("tailscaled"), peers.path("tailscale")
    logroot = tempfile.mkdtemp(prefix="tailnetd-bench-daemon-")
    # Run and measure private copies: a rebuild during the run cannot swap
    # the binaries under us.
    ours_exe = os.path.join(logroot, "tailnetd")
    shutil.copy2(built, ours_exe)
    os.environ["TAILNETD_BIN"] = ours_exe
    tnet_exe = os.path.join(logroot, "tnet")
    if os.access(tnet_built, os.X_OK):
        shutil.copy2(tnet_built, tnet_exe)
    rows = []  # (metric, ours, theirs, format)
    notes = []

    def mem_rows(tag, a, b):
        ma, mb = memory(a.pid()), memory(b.pid())
        for k, what in (("VmRSS", "idle RSS"), ("RssAnon", "idle private (RssAnon)"),
                        ("VmHWM", "peak RSS since start (VmHWM)")):
            rows.append((f"{what} MiB, {tag}", ma[k] / 1024, mb[k] / 1024, "{:.2f}"))

    def restarted_rows(tag):
        ma, mb = memory(ours.pid()), memory(theirs.pid())
        rows.append((f"idle RSS MiB, {tag}, restarted", ma["VmRSS"] / 1024, mb["VmRSS"] / 1024, "{:.2f}"))
        rows.append((f"idle private MiB, {tag}, restarted", ma["RssAnon"] / 1024, mb["RssAnon"] / 1024,
                     "{:.2f}"))

    with Topology(logroot) as topo:
        net, _sw, (h1, h2) = tn.lan(topo)
        a = TailnetdNode(h1, topo.logdir, "a").start(net.login_server, net.authkey)
        a.wait_state("Running", timeout=60)
        b = net.add_tailscale(h2, "b", tun="tailscale0")
        ours = Daemon("tailnetd", a, a.api, ours_exe)
        theirs = Daemon("Go tailscaled", b, LocalAPI(b.socket), go_exe)
        both = (ours, theirs)
        for d in both:
            d.wait_peers(1, 60)
        time.sleep(args.settle)
        mem_rows("1 peer, after login", ours, theirs)

        med, raw = restarts(both, args.restarts, 1, 60)
        rows.append(("start -> Running s, saved state, 1 peer", med["tailnetd"], med["Go tailscaled"], "{:.3f}"))
        notes.append("restart times, 1 peer: " + "; ".join(
            f"{k} {', '.join(f'{x:.3f}' for x in v)}" for k, v in raw.items()))
        time.sleep(args.settle)
        restarted_rows("1 peer")

        if args.peers > 0:
            hs = net.headscale
            apikey = hs.cli("apikeys", "create", "--expiration", "2h", output_json=False).stdout.strip()
            t0 = time.monotonic()
            r = net.srv.run(["python3", "-c", BULK_REGISTER, net.ip, str(hs.port), apikey, "alice",
                             str(args.peers), "100"], timeout=1800)
            notes.append(f"headscale registered {args.peers} extra nodes in {time.monotonic() - t0:.1f}s "
                         f"(REST API: {r.stdout.strip()})")
            want = 1 + args.peers
            t0 = time.monotonic()
            for d in both:
                d.wait_peers(want, 900)
            notes.append(f"both held {want} peers {time.monotonic() - t0:.1f}s after the last registration")
            time.sleep(args.settle)
            tag = f"{want:,} peers"
            mem_rows(tag + ", after adding them", ours, theirs)

            med, raw = restarts(both, args.restarts, want, 300)
            rows.append((f"start -> Running s, saved state, {tag}", med["tailnetd"], med["Go tailscaled"],
                         "{:.3f}"))
            notes.append(f"restart times, {tag}: " + "; ".join(
                f"{k} {', '.join(f'{x:.3f}' for x in v)}" for k, v in raw.items()))
            time.sleep(args.settle)
            restarted_rows(tag)

    with tempfile.TemporaryDirectory() as tmp:
        s_d, s_gd = stripped_size(ours_exe, tmp), stripped_size(go_exe, tmp)
        rows.append(("stripped daemon KiB (tailnetd / tailscaled)", s_d / 1024, s_gd / 1024, "{:.0f}"))
        if os.access(tnet_exe, os.X_OK):
            s_c, s_gc = stripped_size(tnet_exe, tmp), stripped_size(go_cli, tmp)
            rows.append(("stripped CLI KiB (tnet / tailscale)", s_c / 1024, s_gc / 1024, "{:.0f}"))
            rows.append(("stripped daemon + CLI KiB", (s_d + s_c) / 1024, (s_gd + s_gc) / 1024, "{:.0f}"))
        else:
            notes.append(f"no tnet at {tnet_built}: CLI size not compared")

    w = max(len(r[0]) for r in rows)
    print(f"\n{'metric':{w}} {'tailnetd':>10} {'Go tailscaled':>14} {'ratio':>7}")
    for name, o, t, fmt in rows:
        print(f"{name:{w}} {fmt.format(o):>10} {fmt.format(t):>14} {o / t if t else float('nan'):7.2f}")
    print("(ratio = tailnetd / Go; lower is better for all.  Both daemons use a kernel TUN; "
          "memory from /proc/PID/status; timings on a shared machine, polled every 10 ms)")
    print(f"tailnetd: {built} ({build_type(built)}); Go: tailscaled {go_version(go_exe)} from {peers.bin_dir()}")
    for label, exe in (("tailnetd", ours_exe), ("tailscaled", go_exe)):
        libs = shared_libs(exe)
        print(f"{label} links {len(libs)} shared libraries, {sum(s for _, s in libs) / 1024:.0f} KiB on disk: "
              + ", ".join(f"{n} {s / 1024:.0f}K" for n, s in libs))
    for n in notes:
        print(n)
    print(f"logs in {logroot}")


if __name__ == "__main__":
    main()

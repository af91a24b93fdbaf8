#!/usr/bin/env python3
"""Userspace networking through the SOCKS5 proxy: tailnetd beside Go
tailscaled, both in --tun=userspace-networking mode, on the same topology,
in one run.

    srv (headscale, derper) ── switch ── n1: Go tailscaled (the far end, userspace)
                                      └─ n2: the node under test, SOCKS5 on 127.0.0.1:1080

n1 runs a source/sink on its 127.0.0.1 (Go forwards its tailnet address
there).  On n2 a client dials n1 by MagicDNS name through the SOCKS5 proxy
of the node under test — first tailnetd, then Go tailscaled — and measures
download and upload throughput (one stream) and connections per second
(SOCKS5 handshake, CONNECT, one request byte, one answer byte, close;
8 clients at once).  Download runs for --seconds, upload moves 256 MB.  Prints both figures
and the ratio tailnetd / Go.

    sudo python3 bench/userspace.py [--seconds 5] [--tailnetd PATH]
"""
import argparse
import json
import os
import sys
import tempfile
import textwrap

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))

from bed import tailnet as tn  # noqa: E402
from bed import wait  # noqa: E402
from bed.tailnetd import TailnetdNode  # noqa: E402
from bed.topo import Topology  # noqa: E402

TOOL = textwrap.dedent(r'''
    import json, socket, struct, sys, threading, time

    CHUNK = bytes(1 << 20)

    def serve(port):
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", port))
        ls.listen(1024)
        def handle(c):
            try:
                op = c.recv(1)
                if op == b"d":            # download: send until the client closes
                    while True:
                        c.sendall(CHUNK)
                elif op == b"u":          # upload: 8-byte length, then that many bytes
                    want = b""
                    while len(want) < 8:
                        want += c.recv(8 - len(want))
                    want, n = struct.unpack(">Q", want)[0], 0
                    buf = bytearray(1 << 20)
                    while n < want:
                        k = c.recv_into(buf, min(len(buf), want - n))
                        if not k:
                            break
                        n += k
                    c.sendall(b"%d\n" % n)
                elif op == b"p":          # ping: one byte back
                    c.sendall(b"P")
            except OSError:
                pass
            finally:
                c.close()
        while True:
            c, _ = ls.accept()
            threading.Thread(target=handle, args=(c,), daemon=True).start()

    def socks(proxy, host, port):
        s = socket.create_connection(("127.0.0.1", proxy), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"\x05\x01\x00")
        if s.recv(2) != b"\x05\x00":
            raise SystemExit("no SOCKS5")
        h = host.encode()
        s.sendall(b"\x05\x01\x00\x03" + bytes([len(h)]) + h + struct.pack(">H", port))
        r = b""
        while len(r) < 10:
            b = s.recv(10 - len(r))
            if not b:
                raise SystemExit("reply cut")
            r += b
        if r[1] != 0:
            raise SystemExit("CONNECT refused: %d" % r[1])
        return s

    def download(proxy, host, port, seconds):
        s = socks(proxy, host, port)
        s.sendall(b"d")
        buf = bytearray(1 << 20)
        n, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < seconds:
            k = s.recv_into(buf)
            if not k:
                break
            n += k
        dt = time.monotonic() - t0
        s.close()
        return n / dt

    def upload(proxy, host, port, seconds, total=256 << 20):
        # A fixed amount, its length first: Go's SOCKS5 server ends a
        # relay at the first EOF, so no half-close may mark the end.
        s = socks(proxy, host, port)
        s.sendall(b"u" + struct.pack(">Q", total))
        n, t0 = 0, time.monotonic()
        while n < total:
            s.sendall(CHUNK)
            n += len(CHUNK)
        got = b""
        while not got.endswith(b"\n"):
            b = s.recv(100)
            if not b:
                break
            got += b
        dt = time.monotonic() - t0
        assert int(got) == n, (got, n)
        return n / dt

    def cps(proxy, host, port, seconds, workers=8):
        counts = [0] * workers
        stop = time.monotonic() + seconds
        def work(i):
            while time.monotonic() < stop:
                s = socks(proxy, host, port)
                s.sendall(b"p")
                assert s.recv(1) == b"P"
                s.close()
                counts[i] += 1
        t0 = time.monotonic()
        ts = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
        for t in ts: t.start()
        for t in ts: t.join()
        return sum(counts) / (time.monotonic() - t0)

    if __name__ == "__main__":
        cmd, a = sys.argv[1], sys.argv[2:]
        if cmd == "serve":
            serve(int(a[0]))
        else:
            proxy, host, port, secs = int(a[0]), a[1], int(a[2]), float(a[3])
            # Warm the path (handshakes, disco) before measuring.
            cps(proxy, host, port, 1, workers=1)
            out = {"down": download(proxy, host, port, secs) / 1e6,
                   "up": upload(proxy, host, port, secs) / 1e6,
                   "cps": cps(proxy, host, port, secs)}
            print(json.dumps(out))
''')


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(kind, seconds, logroot, tool):
    with Topology(os.path.join(logroot, kind)) as topo:
        net, sw, (h1, h2) = tn.lan(topo)
        far = net.add_tailscale(h1, "n1")
        h1.popen("sink-n1", ["python3", tool, "serve", "7000"])
        if kind == "tailnetd":
            node = TailnetdNode(h2, topo.logdir, "n2").start(
                net.login_server, net.authkey, tun="userspace-networking",
                extra=["--socks5-server", "127.0.0.1:1080"])
            node.wait_state("Running", timeout=60)
            wait.until("n2 to see n1", lambda: node.peer("n1"))
            pid = node.proc.pid
        else:
            node = net.add_tailscale(h2, "n2", socks5="127.0.0.1:1080")
            pid = node.proc.pid
        wait.until("n1 to see n2", lambda: far.peer_online("n2") or any(
            p.get("HostName") == "n2" for p in (far.status().get("Peer") or {}).values()))
        cpu0 = cpu_seconds(pid)
        r = h2.run(["python3", tool, "run", "1080", "n1", "7000", str(seconds)],
                   timeout=seconds * 4 + 120)
        out = json.loads(r.stdout)
        out["cpu"] = cpu_seconds(pid) - cpu0
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--tailnetd", help="tailnetd binary (default: build/src/daemon/tailnetd)")
    args = ap.parse_args()
    if args.tailnetd:
        os.environ["TAILNETD_BIN"] = args.tailnetd
    logroot = tempfile.mkdtemp(prefix="tailnetd-bench-userspace-")
    tool = os.path.join(logroot, "tool.py")
    with open(tool, "w") as f:
        f.write(TOOL)
    ours = run("tailnetd", args.seconds, logroot, tool)
    theirs = run("go", args.seconds, logroot, tool)
    rows = [("SOCKS5 download MB/s", "down"), ("SOCKS5 upload MB/s", "up"),
            ("SOCKS5 connections/s", "cps"), ("CPU s of the node (all)", "cpu")]
    print(f"\n{'metric':26} {'tailnetd':>10} {'Go tailscaled':>14} {'ratio':>7}")
    for name, k in rows:
        o, t = ours[k], theirs[k]
        print(f"{name:26} {o:10.1f} {t:14.1f} {o / t if t else float('nan'):7.2f}")
    print(f"(the far end is Go tailscaled in both runs; CPU: lower is better; logs in {logroot})")


if __name__ == "__main__":
    main()

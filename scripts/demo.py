#!/usr/bin/env python3
"""The demo: a tailnet on this machine, in network namespaces.

    srv  10.99.0.1   headscale (control) + derper (DERP relay, TLS) + STUN
    n1   10.99.0.11  node with a SOCKS5 proxy on 127.0.0.1:1055
    n2   10.99.0.12  node with a web server on 127.0.0.1:8000
    n3   10.99.0.13  tailnetd

n1 pings n2 over the tailnet, then fetches a page from n2 by its MagicDNS
name through its SOCKS5 proxy; n1 and n2 are the official Go tailscaled.
tailnetd (n3, TUN tailnet0) registers with headscale, shows its netmap, then
pings n2 and fetches the same page across the tailnet through derper (its
only path until disco lands).

Everything is torn down at the end, also on Ctrl-C.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))

from bed import tailnet as tn  # noqa: E402
from bed import wait  # noqa: E402
from bed.service import http_server  # noqa: E402
from bed.tailnetd import TailnetdNode  # noqa: E402
from bed.topo import Topology  # noqa: E402


def say(msg):
    print(f"demo: {msg}", flush=True)


def main(build_dir):
    tailnetd = os.path.join(build_dir, "src", "daemon", "tailnetd")
    version = subprocess.run([tailnetd, "--version"], capture_output=True, text=True).stdout.strip()
    logdir = tempfile.mkdtemp(prefix="tailnetd-demo-")
    say(f"built {version or 'tailnetd (version unknown)'}; logs in {logdir}")
    with Topology(logdir) as topo:
        try:
            net, sw, (h1, h2, h3) = tn.lan(topo, n_hosts=3)
            say(f"headscale at {net.login_server}, derper at https://derp.tailnet.test (10.99.0.1:443)")
            a = net.add_tailscale(h1, socks5="127.0.0.1:1055")
            b = net.add_tailscale(h2)
            say(f"n1 (Go tailscaled) is {a.ip4()}, n2 (Go tailscaled) is {b.ip4()}")
            for n in net.headscale.nodes():
                say(f"  headscale: node {n['given_name']} {n['ip_addresses']} online={n['online']}")
            wait.until("n1 to see n2", lambda: a.peer_online("n2"), timeout=30)

            rc, out = a.ping("n2", count=10, until_direct=True)
            print(out, end="")
            if rc != 0:
                say("ping failed")
                return 1

            site = tempfile.mkdtemp(prefix="tailnetd-demo-site-")
            with open(os.path.join(site, "index.txt"), "w") as f:
                f.write("hello from n2, across the tailnet\n")
            http_server(h2, site, 8000)

            def fetch():
                r = h1.run(["curl", "-sS", "--max-time", "10", "--socks5-hostname", "127.0.0.1:1055",
                            "http://n2:8000/index.txt"], check=False)
                return r.stdout if r.returncode == 0 else None
            say("n1: curl --socks5-hostname 127.0.0.1:1055 http://n2:8000/index.txt")
            print(wait.until("the proxied fetch", fetch, timeout=40), end="")

            os.environ.setdefault("TAILNETD_BIN", os.path.join(build_dir, "src", "daemon", "tailnetd"))
            t = TailnetdNode(h3, logdir, "n3").start(net.login_server, net.authkey)
            st = t.wait_state("Running")
            wait.until("tailnetd to see both peers", lambda: t.peer("n1") and t.peer("n2"))
            st = t.status()
            say(f"tailnetd n3 joined: {', '.join(st['TailscaleIPs'])}, state {st['BackendState']}")
            for p in st["Peer"].values():
                say(f"  tailnetd's netmap: {p['HostName']} {p['PublicKey'][:20]}... {', '.join(p['TailscaleIPs'])} "
                    f"relay {p['Relay']} online={p['Online']}")

            def n3_ping():
                r = h3.run(["ping", "-c", "3", "-i", "0.3", "-W", "3", b.ip4()], check=False)
                return r.stdout if r.returncode == 0 else None
            say(f"n3 (tailnetd): ping {b.ip4()}")
            print(wait.until("tailnetd's ping to n2", n3_ping, timeout=30), end="")

            def n3_fetch():
                r = h3.run(["curl", "-sS", "--max-time", "10", f"http://{b.ip4()}:8000/index.txt"], check=False)
                return r.stdout if r.returncode == 0 else None
            say(f"n3 (tailnetd): curl http://{b.ip4()}:8000/index.txt")
            print(wait.until("tailnetd's fetch from n2", n3_fetch, timeout=30), end="")

            say("next for tailnetd: `tnet up` and the LocalAPI, its own SOCKS5 proxy, and direct paths (disco)")
            say("done; tearing the tailnet down")
            return 0
        except Exception as e:  # noqa: BLE001 - show the logs, then fail
            say(f"failed: {e}")
            print(topo.logs())
            return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build"))

#!/usr/bin/env python3
"""The demo: a tailnet on this machine, in network namespaces.

    srv  10.99.0.1   headscale (control) + derper (DERP relay, TLS) + STUN
    n1   10.99.0.11  Go tailscaled, a web server on 127.0.0.1:8000
    n2   10.99.0.12  tailnetd (TUN tailnet0), driven with tnet
    n3   10.99.0.13  tailnetd, userspace networking with a SOCKS5 proxy

The README quick start, run for real: on n2, `tailnetd`, then `tnet up
--authkey ... --hostname n2 --login-server ...`, `tnet status`, `tnet ping
n1`, a kernel ping and curl through the TUN, `tnet down`.  On n3 (no TUN:
what an unprivileged or container node does), `curl --socks5-hostname` to
n1 by its MagicDNS name through tailnetd's own SOCKS5 proxy.

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


def shown(ns, argv, what, timeout=40, ok=lambda r: r.returncode == 0):
    """Runs argv in ns until ok(result), prints the command and its output."""
    def shown_arg(i, a):
        if i == 0:
            return os.path.basename(a)
        if a.startswith("--authkey="):
            return "--authkey=" + a.split("=", 1)[1][:11] + "..."  # never the whole key
        return a
    say("$ " + " ".join(shown_arg(i, a) for i, a in enumerate(argv)))

    def run():
        r = ns.run(argv, check=False, timeout=60)
        return r if ok(r) else None
    r = wait.until(what, run, timeout=timeout)
    print(r.stdout + r.stderr, end="", flush=True)
    return r


def main(build_dir):
    tailnetd = os.path.join(build_dir, "src", "daemon", "tailnetd")
    tnet = os.path.join(build_dir, "src", "cli", "tnet")
    os.environ.setdefault("TAILNETD_BIN", tailnetd)
    version = subprocess.run([tailnetd, "--version"], capture_output=True, text=True).stdout.strip()
    logdir = tempfile.mkdtemp(prefix="tailnetd-demo-")
    say(f"built {version or 'tailnetd (version unknown)'}; logs in {logdir}")
    with Topology(logdir) as topo:
        try:
            net, sw, (h1, h2, h3) = tn.lan(topo, n_hosts=3)
            say(f"headscale at {net.login_server}, derper at https://derp.tailnet.test (10.99.0.1:443)")
            go = net.add_tailscale(h1, name="n1")
            say(f"n1 (Go tailscaled) is {go.ip4()}")
            site = tempfile.mkdtemp(prefix="tailnetd-demo-site-")
            with open(os.path.join(site, "index.txt"), "w") as f:
                f.write("hello from n1, across the tailnet\n")
            http_server(h1, site, 8000)   # Go's netstack forwards its 100.x:8000 here

            # n2: the quick start.
            t = TailnetdNode(h2, topo.logdir, "n2").run_daemon()
            say(f"n2: tailnetd running, LocalAPI at {t.socket}")
            cli = [tnet, f"--socket={t.socket}"]
            shown(h2, cli + ["up", f"--authkey={net.authkey}", "--hostname=n2",
                             f"--login-server={net.login_server}"], "tnet up", timeout=60)
            wait.until("n2 to see n1", lambda: t.peer("n1"))
            shown(h2, cli + ["status"], "tnet status")
            shown(h2, cli + ["ping", "n1"], "tnet ping", timeout=60,
                  ok=lambda r: "pong from n1" in r.stdout)
            ip1 = go.ip4()
            shown(h2, ["ping", "-c", "3", "-i", "0.3", "-W", "3", ip1], "kernel ping through the TUN")
            shown(h2, ["curl", "-sS", "--max-time", "10", f"http://{ip1}:8000/index.txt"], "curl through the TUN")

            # n3: no TUN; applications use tailnetd's SOCKS5 proxy.
            u = TailnetdNode(h3, topo.logdir, "n3").run_daemon(
                tun="userspace-networking", extra=["--socks5-server", "127.0.0.1:1080"])
            shown(h3, [tnet, f"--socket={u.socket}", "up", f"--authkey={net.authkey}", "--hostname=n3",
                       f"--login-server={net.login_server}"], "tnet up (n3)", timeout=60)
            wait.until("n3 to see n1", lambda: u.peer("n1"))
            shown(h3, ["curl", "-sS", "--max-time", "10", "--socks5-hostname", "127.0.0.1:1080",
                       "http://n1:8000/index.txt"], "curl through tailnetd's SOCKS5 proxy")

            shown(h2, cli + ["down"], "tnet down")
            shown(h2, cli + ["status"], "tnet status after down", ok=lambda r: "stopped" in r.stdout.lower())
            say("done; tearing the tailnet down")
            return 0
        except Exception as e:  # noqa: BLE001 - show the logs, then fail
            say(f"failed: {e}")
            print(topo.logs())
            return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build"))

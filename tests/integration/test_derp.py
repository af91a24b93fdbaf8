"""tailnetd's DERP client against Tailscale's derper: two clients with fresh
node keys (tests/integration/tools/derp_echo) relay packets to each other in
both directions, and come back after derper restarts.

    srv 10.99.0.1 (derper, derp.tailnet.test:443) ── switch ── n1 (derp_echo)
"""
import json
import os
import signal

import pytest

from bed import wait
from bed.derper import DERP_HOST, REGION_ID, Derper
from bed.wireguard import REPO

COUNT = 200
SIZE = 1400


def derp_echo_path():
    """The derp_echo built beside the tailnetd under test ($TAILNETD_BIN's
    build tree), else build/."""
    p = os.environ.get("DERP_ECHO_BIN")
    if not p:
        tailnetd = os.environ.get("TAILNETD_BIN")
        # <build>/src/daemon/tailnetd -> <build>
        build = (os.path.dirname(os.path.dirname(os.path.dirname(tailnetd))) if tailnetd
                 else os.path.join(REPO, "build"))
        p = os.path.join(build, "tests", "integration", "tools", "derp_echo")
    if not os.access(p, os.X_OK):
        raise RuntimeError(f"derp_echo not built at {p}: run ninja in the build directory")
    return p


class Echo:
    """derp_echo in a namespace; its stdout is JSON lines in its log."""

    def __init__(self, ns, derper):
        self.proc = ns.popen("derp_echo", [
            derp_echo_path(), "--host", DERP_HOST, "--ip", derper.ip, "--port", "443",
            "--region", str(REGION_ID), "--count", str(COUNT), "--size", str(SIZE),
            "--timeout", "240"])

    def events(self, kind=None):
        out = []
        with open(self.proc.logpath, errors="replace") as f:
            for line in f:
                if line.startswith('{"event"'):
                    try:
                        e = json.loads(line)
                    except ValueError:
                        continue
                    if kind is None or e["event"] == kind:
                        out.append(e)
        if not out and not self.proc.alive() and self.proc.popen.returncode not in (0, None):
            raise RuntimeError(f"derp_echo exited {self.proc.popen.returncode}:\n{self.proc.log_tail()}")
        return out

    def round(self, n, timeout=30):
        return wait.until(f"derp_echo round {n}",
                          lambda: next((e for e in self.events("round") if e["round"] == n), None),
                          timeout=timeout)

    def states(self, client):
        return [e for e in self.events("state") if e["client"] == client]

    def finish(self):
        rc = self.proc.stop(timeout=10)
        assert rc == 0, f"derp_echo exited {rc}:\n{self.proc.log_tail()}"
        return {e["client"]: e for e in self.events("stats")}


def assert_round_intact(r):
    for d in ("a2b", "b2a"):
        assert r[f"{d}_sent"] == COUNT, r
        assert r[f"{d}_recv"] == COUNT, r
        assert r[f"{d}_intact"] == COUNT, r
    assert r["dup"] == 0 and r["foreign"] == 0, r


@pytest.fixture
def derp_bed(topo):
    sw = topo.switch("lan")
    srv, n1 = topo.host("srv"), topo.host("n1")
    sw.attach(srv, "10.99.0.1/24")
    sw.attach(n1, "10.99.0.11/24")
    derper = Derper(srv, topo.logdir, "10.99.0.1").start()
    # The node the bed's DERP map describes: the arguments we give derp_echo.
    m = derper.derpmap_yaml()
    assert f"hostname: {DERP_HOST}" in m and f"ipv4: {derper.ip}" in m and "derpport: 443" in m
    assert "insecurefortests: true" in m
    return derper, n1


def test_packets_both_ways_and_derper_restart(derp_bed):
    derper, n1 = derp_bed
    echo = Echo(n1, derper)

    r1 = echo.round(1)
    assert_round_intact(r1)
    for c in ("a", "b"):
        st = echo.states(c)
        assert [s["connected"] for s in st] == [True], st

    # derper goes away and comes back: both clients notice, reconnect with
    # backoff, and packets flow again.
    derper.restart()
    for c in ("a", "b"):
        wait.until(f"client {c} to lose and regain derper",
                   lambda: (lambda st: len(st) >= 3 and not st[1]["connected"] and st[-1]["connected"])(
                       echo.states(c)), timeout=60)
        lost = echo.states(c)[1]
        assert lost["err"], lost
    echo.proc.signal(signal.SIGUSR1)
    r2 = echo.round(2)
    assert_round_intact(r2)

    stats = echo.finish()
    for c in ("a", "b"):
        s = stats[c]
        assert s["connected"], s
        assert s["connects"] == 2, s
        assert s["reconnects"] >= 1, s
        assert s["packets_out"] == 2 * COUNT, s
        assert s["packets_in"] == 2 * COUNT, s
        assert s["drops_backlog"] == 0 and s["bad_frames"] == 0, s
    # The log says why and how long it waited, with short keys only.
    log = open(echo.proc.logpath, errors="replace").read()
    assert "reconnecting in" in log
    assert "nodekey:" not in log and "privkey:" not in log


def test_keepalives_keep_an_idle_connection(derp_bed):
    """derper sends a KeepAlive every 60 s (+ up to 5 s); an idle client
    counts them and stays connected (its watchdog is 120 s of silence)."""
    derper, n1 = derp_bed
    echo = Echo(n1, derper)
    assert_round_intact(echo.round(1))

    def keepalives():
        echo.proc.signal(signal.SIGUSR2)
        stats = {}
        for e in echo.events("stats"):
            stats[e["client"]] = e
        return stats if all(stats.get(c, {}).get("keepalives", 0) >= 1 for c in ("a", "b")) else None

    stats = wait.until("a KeepAlive on both connections", keepalives, timeout=90, interval=2)
    for c in ("a", "b"):
        assert stats[c]["connected"] and stats[c]["connects"] == 1, stats[c]
        assert [s["connected"] for s in echo.states(c)] == [True]
    echo.proc.signal(signal.SIGUSR1)
    assert_round_intact(echo.round(2))
    echo.finish()

"""Traffic between tailnetd and the official Go tailscaled through
Tailscale's derper, with UDP between the nodes blocked (DERP only).

    srv 10.99.0.1 (headscale, derper) ── switch (no UDP n1<->n2) ── n1 (Go tailscaled)
                                                                 └─ n2 (tailnetd, TUN tailnet0)
"""
import hashlib
import time
import os

import pytest

from bed import tailnet as tn
from bed import wait
from bed.service import http_server
from bed.tailnetd import TailnetdNode


@pytest.fixture
def derp_pair(topo, tmp_path):
    net, sw, (h1, h2) = tn.lan(topo)
    sw.block_udp_between(h1, h2)
    go = net.add_tailscale(h1, socks5="127.0.0.1:1055")
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    t.wait_state("Running")
    wait.until("tailnetd to see n1", lambda: t.peer("n1"))
    wait.until("n1 to see t1 with its home DERP",
               lambda: any(p.get("HostName") == "t1" and p.get("Relay") == "test"
                           for p in (go.status().get("Peer") or {}).values()), timeout=30)
    site = tmp_path / "site"
    site.mkdir()
    return net, go, t, h1, h2, site


def fetch(ns, args, what, timeout=40):
    def run():
        r = ns.run(["curl", "-sS", "--max-time", "20", *args], check=False, timeout=30)
        return r if r.returncode == 0 else None
    return wait.until(what, run, timeout=timeout)


def test_tcp_both_ways_through_derp(derp_pair):
    net, go, t, h1, h2, site = derp_pair
    (site / "hello").write_text("from n1\n")
    http_server(h1, str(site), 8000)           # Go forwards its tailnet IP to localhost
    r = fetch(h2, [f"http://{go.ip4()}:8000/hello"], "tailnetd -> Go over DERP")
    assert r.stdout == "from n1\n"

    http_server(h2, str(site), 8001, bind="0.0.0.0")
    r = fetch(h1, ["--socks5-hostname", "127.0.0.1:1055", "http://t1:8001/hello"], "Go -> tailnetd over DERP")
    assert r.stdout == "from n1\n"
    m = wait.until("the DERP counters in the metrics",
                   lambda: (lambda e: e if e.get("derp_sent_total", 0) > 0 and e.get("derp_received_total", 0) > 0 else None)(
                       t.metrics()), timeout=5)
    assert m["rx_packets_total"] > 0 and m["tx_packets_total"] > 0, m


def test_ping_go_peer_through_derp(derp_pair):
    net, go, t, h1, h2, site = derp_pair
    r = wait.until("ping over DERP",
                   lambda: (lambda r: r if r.returncode == 0 else None)(
                       h2.run(["ping", "-c", "3", "-i", "0.3", "-W", "3", go.ip4()], check=False)),
                   timeout=30)
    assert " 0% packet loss" in r.stdout
    # Go's ICMP ping crosses WireGuard to our kernel and back (tailnetd
    # does not answer disco pings until disco lands).
    r = go.cli("ping", "--icmp", "--c=3", "--timeout=5s", t.ip4(), check=False)
    assert r.returncode == 0 and "pong from t1" in r.stdout, r.stdout + r.stderr


def test_10mb_with_checksum_both_ways(derp_pair):
    net, go, t, h1, h2, site = derp_pair
    blob = os.urandom(10 * 1024 * 1024)
    (site / "blob").write_bytes(blob)
    want = hashlib.sha256(blob).hexdigest()
    (site / "hello").write_text("hi\n")
    http_server(h1, str(site), 8000)
    http_server(h2, str(site), 8001, bind="0.0.0.0")
    fetch(h2, [f"http://{go.ip4()}:8000/hello"], "the path to be up")
    got = h2.run(["sh", "-c", f"curl -sS --max-time 60 http://{go.ip4()}:8000/blob | sha256sum"],
                 timeout=90).stdout.split()[0]
    assert got == want
    got = h1.run(["sh", "-c", "curl -sS --max-time 60 --socks5-hostname 127.0.0.1:1055 "
                  "http://t1:8001/blob | sha256sum"], timeout=90).stdout.split()[0]
    assert got == want


def test_direct_path_on_one_lan(topo, tmp_path):
    """No UDP block: Go pings our announced endpoint, we answer the disco
    ping, and WireGuard moves to the direct UDP path both ways."""
    net, sw, (h1, h2) = tn.lan(topo)
    go = net.add_tailscale(h1)
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    t.wait_state("Running")
    wait.until("n1 to see t1", lambda: go.peer_online("t1") or
               any(p.get("HostName") == "t1" for p in (go.status().get("Peer") or {}).values()))
    # Traffic makes Go look for a better path than DERP.
    rc, out = go.ping(t.ip4(), count=10, until_direct=False)
    site = tmp_path / "site"
    site.mkdir()
    (site / "hello").write_text("direct\n")
    http_server(h1, str(site), 8000)

    def go_direct():
        fetch(h2, [f"http://{go.ip4()}:8000/hello"], "traffic to n1", timeout=20)
        for p in (go.status().get("Peer") or {}).values():
            if p.get("HostName") == "t1" and p.get("CurAddr", "").startswith("10.99.0.12:"):
                return p
        return None
    p = wait.until("Go to use our UDP endpoint (CurAddr)", go_direct, timeout=40, interval=1)
    assert p["CurAddr"] == "10.99.0.12:41641", p

    def ours_direct():
        fetch(h2, [f"http://{go.ip4()}:8000/hello"], "traffic to n1", timeout=20)
        peer = t.peer("n1")
        return peer if peer and peer.get("CurAddr", "").startswith("10.99.0.11:") else None
    peer = wait.until("our path to n1 to be direct", ours_direct, timeout=30, interval=1)
    m = t.metrics()
    assert m["udp_received_total"] > 0 and m["udp_sent_total"] > 0 and m["disco_pings_received_total"] > 0, m


def test_direct_through_two_nats_after_hole_punching(topo, tmp_path):
    """Each node behind its own (endpoint-independent) NAT: STUN gives us
    our mapped address, Go's CallMeMaybe makes us ping it, and the path
    becomes direct between the two routers' WAN addresses."""
    net, wan, (h1, h2), routers = tn.behind_nat(topo)
    go = net.add_tailscale(h1)
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    t.wait_state("Running")
    site = tmp_path / "site"
    site.mkdir()
    (site / "hello").write_text("punched\n")
    http_server(h1, str(site), 8000)
    wait.until("Go to know t1", lambda: any(p.get("HostName") == "t1"
                                             for p in (go.status().get("Peer") or {}).values()))

    def direct():
        fetch(h2, [f"http://{go.ip4()}:8000/hello"], "traffic to n1", timeout=20)
        go.ping(t.ip4(), count=2, until_direct=False, timeout_s=20)
        for p in (go.status().get("Peer") or {}).values():
            if p.get("HostName") == "t1" and p.get("CurAddr", "").startswith("10.98.0.102:"):
                peer = t.peer("n1")
                if peer and peer.get("CurAddr", "").startswith("10.98.0.101:"):
                    return p
        return None
    wait.until("a direct path through both NATs", direct, timeout=60, interval=1)
    m = t.metrics()
    assert m["udp_received_total"] > 0, m


def test_symmetric_nats_fall_back_to_derp(topo, tmp_path):
    """Behind NATs that map every destination to a new port, hole punching
    cannot work: traffic stays on DERP and still flows."""
    net, wan, (h1, h2), routers = tn.behind_nat(topo, nat="symmetric")
    go = net.add_tailscale(h1)
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    t.wait_state("Running")
    site = tmp_path / "site"
    site.mkdir()
    (site / "hello").write_text("relayed\n")
    http_server(h1, str(site), 8000)
    for _ in range(3):
        r = fetch(h2, [f"http://{go.ip4()}:8000/hello"], "traffic to n1 over DERP")
        assert r.stdout == "relayed\n"
    peer = t.peer("n1")
    assert peer["CurAddr"] == "" and peer["Relay"] == "test", peer
    wait.until("DERP counters in the metrics",
               lambda: t.metrics().get("derp_sent_total", 0) > 0, timeout=5)


def test_traffic_resumes_after_derper_restart(derp_pair):
    net, go, t, h1, h2, site = derp_pair
    (site / "hello").write_text("again\n")
    http_server(h1, str(site), 8000)
    fetch(h2, [f"http://{go.ip4()}:8000/hello"], "traffic before the restart")
    net.derper.restart()
    t0 = time.monotonic()
    r = fetch(h2, ["--max-time", "5", f"http://{go.ip4()}:8000/hello"], "traffic after the restart",
              timeout=30)
    assert r.stdout == "again\n"
    assert time.monotonic() - t0 < 15, time.monotonic() - t0


def test_netcheck_measures_regions_and_picks_the_nearest(topo):
    """Two DERP regions; the lower-numbered one answers STUN 60 ms later
    (a slow STUN server stands in for its derper's): netcheck measures both
    and makes the near one home, and the LocalAPI reports the latencies."""
    net, sw, (h1,) = tn.lan(topo, n_hosts=1, derp_regions=2, stun_delay_ms=60)
    far = net.derpers[0]
    assert far.region_id < net.derpers[1].region_id
    t = TailnetdNode(h1, topo.logdir, "t1").start(net.login_server, net.authkey)
    t.wait_state("Running")
    rep = wait.until("a netcheck report with both regions",
                     lambda: (lambda r: r if r and len(r.get("RegionLatency") or {}) == 2 else None)(
                         _netcheck(t)), timeout=30)
    lat = {int(k): v for k, v in rep["RegionLatency"].items()}
    assert lat[far.region_id] > lat[net.derpers[1].region_id] + 40e6, lat
    assert rep["PreferredDERP"] == net.derpers[1].region_id, rep
    assert rep["UDP"] and rep["GlobalV4"].startswith("10.99.0."), rep
    wait.until("our self status to name the near region",
               lambda: t.status()["Self"].get("Relay") == net.derpers[1].region_code, timeout=30)


def _netcheck(t):
    try:
        return t.api.call("GET", "netcheck")
    except Exception:
        return None


def test_direct_path_unaffected_by_derper_outage(topo, tmp_path):
    """Once the path is direct, derper going away (and coming back) changes
    nothing for the traffic: it keeps flowing directly throughout."""
    net, sw, (h1, h2) = tn.lan(topo)
    go = net.add_tailscale(h1)
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    t.wait_state("Running")
    site = tmp_path / "site"
    site.mkdir()
    (site / "hello").write_text("steady\n")
    http_server(h1, str(site), 8000)

    def direct():
        fetch(h2, [f"http://{go.ip4()}:8000/hello"], "traffic to n1", timeout=20)
        peer = t.peer("n1")
        return peer if peer and peer.get("CurAddr", "").startswith("10.99.0.11:") else None
    wait.until("a direct path", direct, timeout=40, interval=1)
    derp_before = t.metrics()["derp_sent_total"]
    net.derper.proc.stop()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 12:  # longer than the 6.5 s trust window
        r = h2.run(["curl", "-sS", "--max-time", "3", f"http://{go.ip4()}:8000/hello"], check=False)
        assert r.returncode == 0 and r.stdout == "steady\n", r.stderr
        assert t.peer("n1")["CurAddr"].startswith("10.99.0.11:")
        time.sleep(0.5)
    assert t.metrics()["derp_sent_total"] == derp_before  # nothing went to the dead relay
    net.derper.start()
    r = fetch(h2, [f"http://{go.ip4()}:8000/hello"], "traffic after derper is back")
    assert r.stdout == "steady\n"

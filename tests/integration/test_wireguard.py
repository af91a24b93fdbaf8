"""tailnetd's WireGuard data plane against Debian's wireguard-go.

    h1 10.77.0.1 ── switch ── h2 10.77.0.2
    tailnetd --wg-config (tn0 10.10.0.1)    wireguard-go (wg0 10.10.0.2)
"""
import re

import pytest

from bed import wait
from bed.service import iperf3
from bed.wireguard import TailnetdWg, WgPeerConf, WireguardGo


@pytest.fixture
def wgpair(topo):
    sw = topo.switch("lan")
    h1, h2 = topo.host("h1"), topo.host("h2")
    sw.attach(h1, "10.77.0.1/24")
    sw.attach(h2, "10.77.0.2/24")
    ours = TailnetdWg(h1, topo.logdir, "h1", ["10.10.0.1/24"])
    theirs = WireguardGo(h2, topo.logdir, "h2", ["10.10.0.2/24"])
    ours.peers = [WgPeerConf(theirs.pub, ["10.10.0.2/32"], endpoint="10.77.0.2:51820")]
    theirs.peers = [WgPeerConf(ours.pub, ["10.10.0.1/32"], endpoint="10.77.0.1:51820")]
    theirs.start()
    ours.start()
    yield ours, theirs, h1, h2
    ours.stop()
    theirs.stop()


def ping(ns, dst, count=3, src=None, timeout=20):
    args = ["ping", "-c", str(count), "-i", "0.2", "-W", "2"]
    if src:
        args += ["-I", src]
    return ns.run(args + [dst], check=False, timeout=timeout)


def ping_ok(ns, dst, **kw):
    """Pings until one round of `count` pings all come back (handshakes may
    need a round trip first)."""
    return wait.until(f"ping {dst} from {ns.name}",
                      lambda: (lambda r: r if r.returncode == 0 else None)(ping(ns, dst, **kw)),
                      timeout=20, interval=0.5)


def test_ping_both_ways(wgpair):
    ours, theirs, h1, h2 = wgpair
    r = ping_ok(h1, "10.10.0.2", count=5)
    assert " 0% packet loss" in r.stdout
    r = ping_ok(h2, "10.10.0.1", count=5)
    assert " 0% packet loss" in r.stdout
    # wireguard-go saw a handshake with us, and we count what crossed.
    dump = h2.run(["wg", "show", theirs.ifname, "latest-handshakes"]).stdout
    assert ours.pub in dump and not dump.strip().endswith("\t0"), dump
    s = ours.stats()
    assert s["rx_packets"] >= 10 and s["tx_packets"] >= 10, s
    assert s["drop_auth"] == 0 and s["drop_malformed"] == 0, s


def test_large_packets_both_ways(wgpair):
    """Full-MTU packets cross intact (1280 TUN MTU: 1252 bytes of ICMP data)."""
    ours, theirs, h1, h2 = wgpair
    ping_ok(h1, "10.10.0.2")
    for ns, dst in ((h1, "10.10.0.2"), (h2, "10.10.0.1")):
        r = ns.run(["ping", "-c", "3", "-i", "0.2", "-s", "1252", "-M", "do", dst], check=False)
        assert r.returncode == 0, r.stdout + r.stderr


def test_iperf3_tcp_both_ways(wgpair):
    ours, theirs, h1, h2 = wgpair
    ping_ok(h1, "10.10.0.2")
    up, _ = iperf3(h1, h2, "10.10.0.2")
    down, _ = iperf3(h1, h2, "10.10.0.2", reverse=True)
    print(f"tailnetd -> wireguard-go {up / 1e6:.0f} Mbit/s, wireguard-go -> tailnetd {down / 1e6:.0f} Mbit/s")
    assert up > 1e6 and down > 1e6
    s = ours.stats()
    assert s["drop_auth"] == 0 and s["drop_replay"] == 0, s


def test_handshake_resumes_after_restart_of_either_side(wgpair):
    ours, theirs, h1, h2 = wgpair
    ping_ok(h1, "10.10.0.2")
    ours.stop()
    ours.start()
    ping_ok(h1, "10.10.0.2")
    ping_ok(h2, "10.10.0.1")
    theirs.stop()
    theirs.start()
    ping_ok(h2, "10.10.0.1")
    ping_ok(h1, "10.10.0.2")


def test_source_outside_allowed_ips_is_dropped(wgpair):
    ours, theirs, h1, h2 = wgpair
    ping_ok(h1, "10.10.0.2")
    # wireguard-go's side gets a second address tailnetd does not allow for
    # it; wireguard-go (allowing 10.10.0.1/32 for us) still encrypts to us.
    h2.run(["ip", "addr", "add", "10.10.0.66/24", "dev", theirs.ifname])
    before = ours.stats()["drop_source"]
    r = ping(h2, "10.10.0.1", count=3, src="10.10.0.66")
    assert r.returncode != 0, r.stdout
    after = ours.stats()["drop_source"]
    assert after - before >= 3, (before, after)
    # The allowed source still works.
    ping_ok(h2, "10.10.0.1")


def test_bad_config_is_reported(topo, tmp_path):
    from bed.wireguard import tailnetd_path
    h = topo.host("h1")
    bad = tmp_path / "bad.conf"
    bad.write_text("[Interface]\nPrivateKey = not-base64\n")
    bad.chmod(0o600)
    r = h.run([tailnetd_path(), "--wg-config", str(bad)], check=False)
    assert r.returncode == 1
    assert re.search(r"line 2", r.stderr), r.stderr
    assert "not-base64" not in r.stderr  # never echo key material
    r = h.run([tailnetd_path(), "--bogus"], check=False)
    assert r.returncode == 2 and "--bogus" in r.stderr

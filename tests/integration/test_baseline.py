"""Baseline: the test bed works with none of our code.

Two Go tailscaled nodes join headscale and reach each other (a) directly on
one LAN, (b) through DERP only, with UDP between them blocked, and (c) each
behind its own NAT router.  These prove the bed before anything relies on it.
"""
import re

from bed import tailnet as tn
from bed import wait


def _joined(net, a, b):
    wait.until(f"{a.name} to see {b.name} online", lambda: a.peer_online(b.name), timeout=30)
    wait.until(f"{b.name} to see {a.name} online", lambda: b.peer_online(a.name), timeout=30)


def test_two_go_nodes_direct_on_lan(topo):
    net, sw, (h1, h2) = tn.lan(topo)
    a = net.add_tailscale(h1)
    b = net.add_tailscale(h2)
    nodes = {n["given_name"]: n for n in net.headscale.nodes()}
    assert set(nodes) == {"n1", "n2"}, nodes.keys()
    assert all(n["online"] for n in nodes.values())
    _joined(net, a, b)

    rc, out = a.ping(b.ip4(), count=10, until_direct=True)
    assert rc == 0, out
    # A direct pong names the peer's LAN endpoint: "via 10.99.0.12:41641".
    assert re.search(r"pong from n2 \(100\.\S+\) via 10\.99\.0\.12:\d+", out), out
    rc, out = b.ping("n1", count=10, until_direct=True)
    assert rc == 0 and re.search(r"via 10\.99\.0\.11:\d+", out), out


def test_two_go_nodes_through_derp_only(topo):
    net, sw, (h1, h2) = tn.lan(topo)
    sw.block_udp_between(h1, h2)
    a = net.add_tailscale(h1)
    b = net.add_tailscale(h2)
    _joined(net, a, b)

    rc, out = a.ping(b.ip4(), count=3, until_direct=False)
    assert rc == 0, out
    assert "via DERP(test)" in out, out
    assert not re.search(r"via \d+\.\d+\.\d+\.\d+:\d+", out), out
    rc, out = b.ping(a.ip4(), count=3, until_direct=False)
    assert rc == 0 and "via DERP(test)" in out, out
    # The block really held: the bridge dropped UDP between the nodes.
    counters = sw.run(["nft", "list", "table", "bridge", "tnt_block"]).stdout
    assert re.search(r"counter packets [1-9]", counters), counters


def test_two_go_nodes_behind_nat(topo):
    net, wan, (h1, h2), routers = tn.behind_nat(topo)
    a = net.add_tailscale(h1)
    b = net.add_tailscale(h2)
    _joined(net, a, b)

    # Both masquerading routers map endpoint-independently: hole punching
    # succeeds and the pong comes from the peer router's WAN address.
    rc, out = a.ping(b.ip4(), count=15, until_direct=True)
    assert rc == 0, out
    assert re.search(r"via 10\.98\.0\.102:\d+", out), out


def test_tcp_through_go_socks5_to_peer_name(topo, tmp_path):
    """The demo's last step with Go on both ends: curl through n1's SOCKS5
    proxy reaches a web server on n2's localhost by its MagicDNS name."""
    from bed.service import http_server
    net, sw, (h1, h2) = tn.lan(topo)
    a = net.add_tailscale(h1, socks5="127.0.0.1:1055")
    b = net.add_tailscale(h2)
    _joined(net, a, b)
    payload = tmp_path / "hello.txt"
    payload.write_text("across the tailnet\n")
    http_server(h2, str(tmp_path), 8000)
    rc, out = a.ping("n2", count=10, until_direct=True)
    assert rc == 0, out

    def fetch():
        r = h1.run(["curl", "-sS", "--max-time", "10", "--socks5-hostname", "127.0.0.1:1055",
                    "http://n2:8000/hello.txt"], check=False)
        return r if r.returncode == 0 else None
    r = wait.until("curl through n1's SOCKS5 to n2", fetch, timeout=40)
    assert r.stdout == "across the tailnet\n"

"""TUN mode against Go tailscaled in its own TUN mode: TCP both ways with
iperf3 and curl between the two 100.x addresses, and nothing of ours left
on the host (interface, addresses, routes) after tailnetd stops.

    srv 10.99.0.1 (headscale, derper) ── switch ── n1 (Go tailscaled, tailscale0)
                                                └─ n2 (tailnetd, tailnet0)
"""
import signal

from bed import tailnet as tn
from bed import wait
from bed.service import http_server, iperf3
from bed.tailnetd import TailnetdNode


def test_iperf3_and_curl_both_ways_then_clean_shutdown(topo, tmp_path):
    net, sw, (h1, h2) = tn.lan(topo)
    go = net.add_tailscale(h1, tun="tailscale0")
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    t.wait_state("Running")
    wait.until("tailnetd to see n1", lambda: t.peer("n1"))
    gip, tip = go.ip4(), t.ip4()
    wait.until("a path to n1", lambda: h2.run(["ping", "-c", "1", "-W", "2", gip], check=False).returncode == 0,
               timeout=40)

    site = tmp_path / "site"
    site.mkdir()
    (site / "f").write_bytes(b"x" * 1_000_000)
    http_server(h1, str(site), 8000, bind=gip)
    http_server(h2, str(site), 8001, bind=tip)
    for ns, url in ((h2, f"http://{gip}:8000/f"), (h1, f"http://{tip}:8001/f")):
        r = ns.run(["curl", "-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{size_download}", url])
        assert r.stdout == "1000000", (url, r.stdout)

    # iperf3 from tailnetd's host to the Go peer and back (-R).
    for reverse in (False, True):
        bps, received = iperf3(h2, h1, gip, reverse=reverse, seconds=2)
        assert received > 1_000_000 and bps > 10e6, (reverse, bps, received)

    t.proc.signal(signal.SIGTERM)
    wait.until("tailnetd to exit", lambda: not t.proc.alive(), timeout=5)
    assert t.proc.popen.returncode == 0
    links = h2.run(["ip", "link"]).stdout
    routes = h2.run(["ip", "route", "show", "table", "all"]).stdout + h2.run(["ip", "-6", "route", "show", "table", "all"]).stdout
    assert "tailnet0" not in links, links
    assert "100.64.0.0/10" not in routes and "fd7a:115c:a1e0::/48" not in routes, routes
    assert tip not in h2.run(["ip", "addr"]).stdout


def test_accept_routes_reaches_a_subnet_behind_a_go_router(topo, tmp_path):
    """n1 (Go, userspace) advertises 10.77.0.0/24, approved in headscale;
    with accept-routes tailnetd routes it into the TUN and reaches a web
    server on 10.77.0.1 behind n1; without, the route is absent; after
    tailnetd stops, nothing is left."""
    from bed.tailscale import TailscaleNode
    net, sw, (h1, h2) = tn.lan(topo)
    # The subnet: an address on a veth pair inside n1 (no dummy module here).
    h1.run(["ip", "link", "add", "sub0", "type", "veth", "peer", "name", "sub1"])
    h1.run(["ip", "addr", "add", "10.77.0.1/24", "dev", "sub0"])
    h1.run(["ip", "link", "set", "sub0", "up"])
    h1.run(["ip", "link", "set", "sub1", "up"])
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("behind the router\n")
    http_server(h1, str(site), 8000, bind="10.77.0.1")
    router = TailscaleNode(h1, topo.logdir, "n1").start()
    router.cli("up", f"--login-server={net.login_server}", f"--authkey={net.authkey}", "--hostname=n1",
               "--advertise-routes=10.77.0.0/24", "--accept-dns=false", "--timeout=60s", timeout=90)
    node = wait.until("n1 in headscale", lambda: next((n for n in net.headscale.nodes()
                                                       if n["given_name"] == "n1"), None))
    net.headscale.cli("nodes", "approve-routes", "--identifier", str(node["id"]), "--routes", "10.77.0.0/24",
                      output_json=False)

    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    t.wait_state("Running")
    wait.until("n1's approved route in our netmap",
               lambda: "10.77.0.0/24" in ((t.peer("n1") or {}).get("PrimaryRoutes") or []), timeout=30)
    assert "10.77.0.0/24" not in h2.run(["ip", "route"]).stdout   # not without accept-routes
    t.api.edit_prefs(RouteAll=True)
    wait.until("the route on tailnet0", lambda: "10.77.0.0/24 dev tailnet0" in h2.run(["ip", "route"]).stdout,
               timeout=10)
    r = wait.until("a page from behind the router",
                   lambda: (lambda r: r if r.returncode == 0 else None)(
                       h2.run(["curl", "-sS", "--max-time", "5", "http://10.77.0.1:8000/"], check=False)),
                   timeout=30)
    assert r.stdout == "behind the router\n"
    t.api.edit_prefs(RouteAll=False)
    wait.until("the route gone", lambda: "10.77.0.0/24" not in h2.run(["ip", "route"]).stdout, timeout=10)
    t.api.edit_prefs(RouteAll=True)
    wait.until("the route back", lambda: "10.77.0.0/24" in h2.run(["ip", "route"]).stdout, timeout=10)
    assert t.stop() == 0
    assert "10.77.0.0/24" not in h2.run(["ip", "route"]).stdout

"""tailnetd's control client against headscale: registration, the netmap
and its deltas, reconnects, the watchdog, interactive login, logout.

    srv 10.99.0.1 (headscale, derper) ── switch ── n1, n2 (Go tailscaled), t1 (tailnetd)
"""
import os
import re
import signal
import time

import pytest

from bed import tailnet as tn
from bed import wait
from bed.tailnetd import TailnetdNode


def go_key(node):
    return node.status()["Self"]["PublicKey"]


def reconnects(t):
    return t.metrics().get("control_reconnects_total", 0)


def hs_node(net, name):
    for n in net.headscale.nodes():
        if n["given_name"] == name:
            return n
    return None


@pytest.fixture
def tailnet3(topo):
    net, sw, hosts = tn.lan(topo, n_hosts=3)
    n1 = net.add_tailscale(hosts[0])
    n2 = net.add_tailscale(hosts[1])
    return net, hosts, n1, n2


def test_register_with_preauth_key_and_see_go_peers(topo, tailnet3):
    net, hosts, n1, n2 = tailnet3
    t1 = TailnetdNode(hosts[2], topo.logdir, "t1").start(net.login_server, net.authkey)
    st = t1.wait_state("Running")
    node = wait.until("headscale to list t1 online", lambda: (lambda n: n if n and n["online"] else None)(hs_node(net, "t1")))
    assert node["ip_addresses"][0].startswith("100.64."), node
    assert sorted(st["TailscaleIPs"]) == sorted(node["ip_addresses"])
    assert st["Self"]["TailscaleIPs"] == st["TailscaleIPs"]

    for go in (n1, n2):
        p = wait.until(f"{go.name} in our netmap", lambda: t1.peer(go.name))
        assert p["PublicKey"] == go_key(go)
        assert p["Relay"] == "test"  # its home DERP region's code
        assert go.ip4() in p["TailscaleIPs"], p
    # And the Go peers see us.
    wait.until("n1 to see t1", lambda: any(pp.get("HostName") == "t1" for pp in (n1.status().get("Peer") or {}).values()))


def test_peer_join_and_leave_arrive_as_deltas(topo, tailnet3):
    net, hosts, n1, n2 = tailnet3
    t1 = TailnetdNode(hosts[2], topo.logdir, "t1").start(net.login_server, net.authkey)
    t1.wait_state("Running")
    wait.until("n2 in our netmap", lambda: t1.peer("n2"))
    # A new node joins...
    extra = topo.host("n4")
    net_sw = [ns for ns in topo.namespaces if ns.name == "lan"][0]
    net_sw.attach(extra, "10.99.0.44/24")
    t0 = time.monotonic()
    n4 = net.add_tailscale(extra)
    wait.until("n4 to arrive", lambda: t1.peer("n4"), timeout=15)
    assert time.monotonic() - t0 < 20
    # ...and leaves (deleted in headscale): within 5 s.
    node = hs_node(net, "n4")
    n4.stop()
    t0 = time.monotonic()
    net.headscale.cli("nodes", "delete", "--identifier", str(node["id"]), "--force", output_json=False)
    wait.until("n4 to leave our netmap", lambda: t1.peer("n4") is None, timeout=5)
    assert time.monotonic() - t0 <= 5.5


def test_headscale_restart_reconnects_without_relogin(topo, tailnet3):
    net, hosts, n1, n2 = tailnet3
    t1 = TailnetdNode(hosts[2], topo.logdir, "t1").start(net.login_server, net.authkey)
    ip_before = t1.wait_state("Running")["TailscaleIPs"]
    before = reconnects(t1)
    net.headscale.proc.stop()
    wait.until("tailnetd to notice", lambda: reconnects(t1) > before, timeout=30)
    net.headscale.start()
    st = wait.until("tailnetd back, same addresses",
                    lambda: (lambda s: s if s.get("BackendState") == "Running" and s["TailscaleIPs"] == ip_before
                             and reconnects(t1) > before else None)(t1.status()), timeout=60)
    assert len([n for n in net.headscale.nodes() if n["given_name"].startswith("t1")]) == 1
    wait.until("n1 back in our netmap", lambda: t1.peer("n1"))


def test_watchdog_reconnects_after_silence(topo, tailnet3):
    net, hosts, n1, n2 = tailnet3
    t1 = TailnetdNode(hosts[2], topo.logdir, "t1").start(net.login_server, net.authkey)
    t1.wait_state("Running")
    before = reconnects(t1)
    net.headscale.proc.signal(signal.SIGSTOP)
    try:
        time.sleep(122)  # the watchdog is 120 s of silence
    finally:
        net.headscale.proc.signal(signal.SIGCONT)
    wait.until("a watchdog reconnect", lambda: reconnects(t1) > before, timeout=20)
    t1.wait_state("Running", timeout=60)
    log = open(t1.proc.logpath, errors="replace").read()
    assert "nothing received for 120 s" in log


def test_interactive_login_approved_with_headscale_cli(topo, tailnet3):
    net, hosts, n1, n2 = tailnet3
    t1 = TailnetdNode(hosts[2], topo.logdir, "t1").start(net.login_server)
    st = t1.wait_state("NeedsLogin")
    m = re.search(r"/register/(\S+)$", st["AuthURL"])
    assert m and st["AuthURL"].startswith(net.login_server), st
    net.headscale.cli("auth", "register", "--auth-id", m.group(1), "--user", "alice", output_json=False)
    t1.wait_state("Running", timeout=30)
    assert hs_node(net, "t1")["online"]


def test_logout(topo, tailnet3):
    net, hosts, n1, n2 = tailnet3
    t1 = TailnetdNode(hosts[2], topo.logdir, "t1").start(net.login_server, net.authkey)
    t1.wait_state("Running")
    t1.logout()
    st = t1.wait_state("NeedsLogin", timeout=15)
    node = wait.until("headscale to expire t1",
                      lambda: (lambda n: n if n and not n.get("online") else None)(hs_node(net, "t1")), timeout=15)
    assert node.get("expiry"), node


def test_wrong_preauth_key_reports_headscale_message(topo, tailnet3):
    net, hosts, n1, n2 = tailnet3
    t1 = TailnetdNode(hosts[2], topo.logdir, "t1").start(net.login_server, "hskey-auth-0123456789ab-wrong")
    st = wait.until("an error", lambda: (lambda s: s if s.get("Health") else None)(t1.status()), timeout=30)
    assert st["BackendState"] == "NeedsLogin", st
    err = " ".join(st["Health"])
    assert re.search(r"(?i)auth|key|invalid|not found", err), st
    assert "wrong" not in err  # the key itself is never echoed
    assert "hskey-auth-0123456789ab-wrong" not in open(t1.proc.logpath, errors="replace").read()


def test_ping_request_answered(topo, tailnet3):
    """headscale's debug ping sends a PingRequest; tailnetd answers with HEAD."""
    net, hosts, n1, n2 = tailnet3
    t1 = TailnetdNode(hosts[2], topo.logdir, "t1").start(net.login_server, net.authkey)
    t1.wait_state("Running")
    wait.until("headscale to see t1 connected", lambda: (hs_node(net, "t1") or {}).get("online"))
    r = net.srv.run(["curl", "-s", "--max-time", "40", "http://127.0.0.1:9090/debug/ping?node=t1"], timeout=50)
    text = re.sub(r"<[^>]+>", " ", r.stdout)
    assert re.search(r"(?i)\bpong\b|latency|\bok\b", text) and not re.search(r"(?i)timeout|not connected", text), text[:2000]


def test_https_control_server_verified_with_ca_file(topo):
    """An https:// control URL: TLS verified against our CA file; without it
    the certificate is refused with a clear error."""
    net, sw, (h1,) = tn.lan(topo, n_hosts=1, tls=True)
    assert net.login_server.startswith("https://")
    bad = TailnetdNode(h1, topo.logdir, "untrusting").start(net.login_server, net.authkey)
    wait.until("a certificate error", lambda: "certificate" in open(bad.proc.logpath, errors="replace").read(), timeout=20)
    bad.stop()
    t1 = TailnetdNode(h1, topo.logdir, "t1").start(net.login_server, net.authkey,
                                                    extra=("--ca-file", net.headscale.ca_file))
    t1.wait_state("Running")
    assert hs_node(net, "t1")["online"]


def test_corrupt_state_is_an_error_naming_the_file(topo, tmp_path):
    net, sw, (h1,) = tn.lan(topo, n_hosts=1)
    t1 = TailnetdNode(h1, topo.logdir, "t1").start(net.login_server, net.authkey)
    t1.wait_state("Running")
    t1.stop()
    keys = f"{t1.statedir}/keys"
    key_before = open(keys).read()
    with open(keys, "w") as f:
        f.write("tailnetd-keys 1\nmachine privkey:zz\n")
    os.chmod(keys, 0o600)  # a parse error, not a permissions one
    t1.proc = h1.popen("tailnetd-t1-again", t1.argv)
    wait.until("tailnetd to exit", lambda: not t1.proc.alive(), timeout=10)
    assert t1.proc.popen.returncode == 1
    log = open(t1.proc.logpath, errors="replace").read()
    assert keys in log, log
    # Never silently replaced by a new identity.
    assert open(keys).read() == "tailnetd-keys 1\nmachine privkey:zz\n"
    assert key_before != open(keys).read()

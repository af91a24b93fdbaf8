"""The packet filter against headscale's ACL policy, with Go peers.

    srv 10.99.0.1 (headscale with a policy file, derper)
    n1 10.99.0.11  T: tailnetd (TUN), user alice
    n2 10.99.0.12  A: Go tailscaled (TUN), user bob
    n3 10.99.0.13  B: Go tailscaled (TUN), user carol

First policy: bob may reach alice's nodes on port 80 only; alice may reach
everything of bob and carol; carol may reach nothing.  So A connects to T:80
but not T:81; B connects to neither; T's own TCP and UDP to B get their
replies (connection tracking).  Then the policy file changes to let carol
reach alice:80, headscale reloads it on SIGHUP, and B connects to T:80 (still
not :81) with nothing restarted.
"""
import json
import signal

import pytest

from bed import tailnet as tn
from bed import wait
from bed.service import http_server
from bed.tailnetd import TailnetdNode
from bed.tailscale import TailscaleNode


def policy(carol_to_alice):
    acls = [
        {"action": "accept", "src": ["bob@"], "dst": ["alice@:80"]},
        {"action": "accept", "src": ["alice@"], "dst": ["bob@:*", "carol@:*"]},
    ]
    if carol_to_alice:
        acls.append({"action": "accept", "src": ["carol@"], "dst": ["alice@:80"]})
    return {"acls": acls}


def reload_policy(net, pol):
    hs = net.headscale
    with open(hs.policy, "w") as f:
        json.dump(pol, f, indent=2)
    hs.proc.signal(signal.SIGHUP)


UDP_ECHO = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9999))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b"echo:" + d, a)
"""

UDP_ASK = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"hello", (sys.argv[1], 9999))
try:
    print(s.recv(2048).decode())
except OSError as e:
    print("no answer:", e)
    sys.exit(1)
"""


def get(ns, url, max_time=20):
    """curl's exit code and output for one GET."""
    r = ns.run(["curl", "-sS", "--max-time", str(max_time), url], check=False, timeout=max_time + 10)
    return r.returncode, r.stdout + r.stderr


def reaches(ns, url, what, timeout=40):
    def ok():
        rc, out = get(ns, url)
        return out if rc == 0 else None
    return wait.until(what, ok, timeout=timeout, interval=1)


def refused(ns, url):
    """A connection that must not get through: curl times out (the SYN is
    dropped, so no RST either)."""
    rc, out = get(ns, url, max_time=5)
    return rc == 28, f"curl exit {rc}: {out}"


def go_node(topo, ns, name, login_server, key):
    """Go tailscaled with a kernel TUN.  --accept-dns=false: it must not
    rewrite resolv.conf (its backup would land in the host's /etc, and with
    MagicDNS there python's http.server hangs resolving its own name)."""
    node = TailscaleNode(ns, topo.logdir, name, tun="tailscale0").start()
    node.cli("up", f"--login-server={login_server}", f"--authkey={key}", f"--hostname={name}",
             "--timeout=60s", "--netfilter-mode=off", "--accept-dns=false", timeout=90)
    wait.until(f"{name} to be Running", lambda: node.status()["BackendState"] == "Running")
    return node


@pytest.fixture
def three(topo, tmp_path):
    net, sw, (h1, h2, h3) = tn.lan(topo, n_hosts=3, policy=policy(False))
    hs = net.headscale
    keys = {}
    for user in ("bob", "carol"):
        keys[user] = hs.preauth_key(hs.create_user(user))
    # The users exist now: have headscale resolve the policy against them.
    reload_policy(net, policy(False))
    t = TailnetdNode(h1, topo.logdir, "t").start(net.login_server, net.authkey)
    a = go_node(topo, h2, "a", net.login_server, keys["bob"])
    b = go_node(topo, h3, "b", net.login_server, keys["carol"])
    t.wait_state("Running")
    wait.until("tailnetd to see a and b", lambda: t.peer("a") and t.peer("b"), timeout=30)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("served by t\n")
    http_server(h1, str(site), 80, bind="0.0.0.0")
    http_server(h1, str(site), 81, bind="0.0.0.0")
    bsite = tmp_path / "bsite"
    bsite.mkdir()
    (bsite / "index.html").write_text("served by b\n")
    http_server(h3, str(bsite), 8000, bind="0.0.0.0")
    h3.popen("udp-echo-b", ["python3", "-c", UDP_ECHO])
    return net, t, a, b, h1, h2, h3


def test_policy_enforced_and_reloaded(three):
    net, t, a, b, h1, h2, h3 = three
    tip = t.ip4()
    # A (bob) may reach T:80 — but not T:81.
    out = reaches(h2, f"http://{tip}:80/", "a -> t:80 (allowed by the policy)")
    assert out == "served by t\n"
    ok, why = refused(h2, f"http://{tip}:81/")
    assert ok, f"a -> t:81 must be dropped by tailnetd's filter: {why}"

    # T's own connections to B work: TCP replies are not new flows, and the
    # UDP reply is let in by connection tracking (no rule allows B -> T).
    out = reaches(h1, f"http://{b.ip4()}:8000/", "t -> b:8000 (return traffic)")
    assert out == "served by b\n"
    r = wait.until("t -> b udp echo (conntrack lets the reply in)",
                   lambda: (lambda r: r if r.returncode == 0 else None)(
                       h1.run(["python3", "-c", UDP_ASK, b.ip4()], check=False)),
                   timeout=30, interval=1)
    assert r.stdout.strip() == "echo:hello"

    # B (carol) may not reach T at all; the tunnel itself works (above).
    ok, why = refused(h3, f"http://{tip}:80/")
    assert ok, f"b -> t:80 must be dropped by tailnetd's filter: {why}"
    # ...and B's unsolicited UDP to T gets no answer (an echo server on T).
    h1.popen("udp-echo-t", ["python3", "-c", UDP_ECHO])
    r = h3.run(["python3", "-c", UDP_ASK, tip], check=False)
    assert r.returncode == 1, r.stdout + r.stderr

    # The policy changes: carol may reach alice:80.  headscale reloads it
    # and pushes the new filter; tailnetd applies it without a restart.
    reload_policy(net, policy(True))
    out = reaches(h3, f"http://{tip}:80/", "b -> t:80 after the policy reload", timeout=60)
    assert out == "served by t\n"
    ok, why = refused(h3, f"http://{tip}:81/")
    assert ok, f"b -> t:81 must still be dropped: {why}"
    out = reaches(h2, f"http://{tip}:80/", "a -> t:80 still allowed")
    assert out == "served by t\n"
    assert t.proc.alive()


def test_shields_up_blocks_inbound_but_not_our_replies(three):
    """`tnet set --shields-up` (a prefs edit): no new inbound flow, whatever
    the policy allows; our own connections still get their replies; down
    again: the policy applies as before.  Drops show in the metrics."""
    net, t, a, b, h1, h2, h3 = three
    tip = t.ip4()
    reaches(h2, f"http://{tip}:80/", "a -> t:80 before shields-up")
    before = t.metrics()["filter_dropped_inbound_total"]
    t.api.edit_prefs(ShieldsUp=True)
    assert t.api.prefs()["ShieldsUp"] is True
    ok, why = refused(h2, f"http://{tip}:80/")
    assert ok, f"a -> t:80 must be dropped with shields up: {why}"
    assert t.metrics()["filter_dropped_inbound_total"] > before
    out = reaches(h1, f"http://{b.ip4()}:8000/", "t -> b with shields up (replies pass)")
    assert out == "served by b\n"
    t.api.edit_prefs(ShieldsUp=False)
    out = reaches(h2, f"http://{tip}:80/", "a -> t:80 after shields down")
    assert out == "served by t\n"

"""The daemon as users and tools see it: the LocalAPI driven by Go's own
`tailscale` CLI (--socket), state that survives restarts and kill -9,
prefs written crash-safely, and who may do what on the socket.

    srv 10.99.0.1 (headscale, derper) ── switch ── n1 (Go tailscaled), t1 (tailnetd)
"""
import json
import os
import random
import re
import signal
import subprocess
import threading
import time

import pytest

from bed import tailnet as tn
from bed import wait
from bed.localapi import LocalAPI, LocalAPIError
from bed.tailnetd import TailnetdNode
from bed.wireguard import tailnetd_path


@pytest.fixture
def pair(topo):
    net, sw, (h1, h2) = tn.lan(topo)
    go = net.add_tailscale(h1)
    return net, go, h1, h2


def running(t):
    st = t.wait_state("Running", timeout=40)
    wait.until("tailnetd to see n1", lambda: t.peer("n1"))
    return st


def test_go_tailscale_cli_drives_tailnetd(topo, pair):
    """`tailscale --socket=<ours> up/status/ip/ping/down/up` as against tailscaled."""
    net, go, h1, h2 = pair
    t = TailnetdNode(h2, topo.logdir, "t1").run_daemon()
    r = t.go_cli("up", f"--login-server={net.login_server}", f"--authkey={net.authkey}",
                 "--hostname=t1", "--timeout=60s", timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    running(t)

    st = json.loads(t.go_cli("status", "--json").stdout)
    ours = t.status()
    assert st["BackendState"] == "Running"
    assert st["TailscaleIPs"] == ours["TailscaleIPs"]
    assert sorted(p["HostName"] for p in st["Peer"].values()) == ["n1"]
    assert list(st["Peer"]) == list(ours["Peer"])  # keyed by nodekey:
    text = t.go_cli("status").stdout
    assert re.search(rf"^{re.escape(ours['TailscaleIPs'][0])}\s+t1\s", text, re.M), text
    assert re.search(rf"^{re.escape(go.ip4())}\s+n1\s", text, re.M), text

    assert t.go_cli("ip", "-4").stdout.strip() == t.ip4()
    r = t.go_cli("ping", "--c=10", "--timeout=5s", "n1", check=False, timeout=90)
    assert re.search(rf"pong from n1 \({re.escape(go.ip4())}\) via (DERP\(test\)|10\.99\.0\.11:\d+) in \d+", r.stdout), r.stdout + r.stderr

    r = t.go_cli("down")
    assert r.returncode == 0, r.stderr
    t.wait_state("Stopped", timeout=10)
    assert "stopped" in t.go_cli("status", check=False).stdout.lower()
    r = t.go_cli("up", timeout=90)  # bare: no key, no flags
    assert r.returncode == 0, r.stdout + r.stderr
    running(t)


def test_restart_and_kill9_keep_identity(topo, pair):
    net, go, h1, h2 = pair
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    ip = running(t)["TailscaleIPs"]
    nodes = len(net.headscale.nodes())
    for how in (signal.SIGTERM, signal.SIGKILL):
        t.proc.signal(how)
        wait.until("tailnetd to exit", lambda: not t.proc.alive(), timeout=5)
        t.run_daemon()  # no auth key, no start: the saved state is enough
        assert running(t)["TailscaleIPs"] == ip
    assert len(net.headscale.nodes()) == nodes  # no re-registration
    # Stopped survives a restart too.
    t.api.edit_prefs(WantRunning=False)
    t.wait_state("Stopped", timeout=10)
    t.stop()
    t.run_daemon()
    time.sleep(2)
    assert t.status()["BackendState"] == "Stopped"


def test_clean_exit_removes_tun_and_socket(topo, pair):
    net, go, h1, h2 = pair
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    running(t)
    assert "tailnet0" in h2.run(["ip", "link"]).stdout
    t0 = time.monotonic()
    t.proc.signal(signal.SIGTERM)
    wait.until("tailnetd to exit", lambda: not t.proc.alive(), timeout=5)
    assert time.monotonic() - t0 < 5
    assert t.proc.popen.returncode == 0
    assert "tailnet0" not in h2.run(["ip", "link"]).stdout
    assert not h2.run(["ip", "route", "show", "table", "all"]).stdout.count("100.64.0.0/10")
    assert not os.path.exists(t.socket)


def test_kill9_during_prefs_writes_never_corrupts(topo, pair):
    net, go, h1, h2 = pair
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    running(t)
    rounds = 0
    for kill in range(5):
        stop = threading.Event()

        def writer():
            nonlocal rounds
            while not stop.is_set() and rounds < 100:
                try:
                    t.api.edit_prefs(Hostname=f"t1-{rounds % 7}", ShieldsUp=bool(rounds % 2))
                    rounds += 1
                except (OSError, LocalAPIError):
                    return
        th = threading.Thread(target=writer)
        th.start()
        time.sleep(random.uniform(0.05, 0.4))
        t.proc.signal(signal.SIGKILL)
        stop.set()
        th.join(10)
        wait.until("tailnetd to die", lambda: not t.proc.alive(), timeout=5)
        with open(os.path.join(t.statedir, "prefs")) as f:
            prefs = json.load(f)["Prefs"]  # always a whole, valid file
        assert prefs["ControlURL"] == net.login_server
        t.run_daemon()
        t.wait_state("Running", timeout=40)
    assert rounds > 0
    assert not [f for f in os.listdir(t.statedir) if f.startswith(".") or f.endswith(".tmp")]


def _as_nobody(ns, socket, *args):
    code = ("import sys; sys.path.insert(0, %r); from bed.localapi import LocalAPI; import json; "
            "a = LocalAPI(%r); m, n = sys.argv[1], sys.argv[2]; b = sys.argv[3] if len(sys.argv) > 3 else None; "
            "s, h, t = a.raw(m, n, b); print(s)") % (os.path.dirname(os.path.abspath(__file__)), socket)
    # /usr/bin/python3: a PATH python (pyenv shims under /root) is not for nobody.
    r = ns.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", code, *args],
               check=False)
    assert r.returncode == 0, r.stderr
    return int(r.stdout.strip())


def test_permissions_and_browser_requests(topo, pair):
    net, go, h1, h2 = pair
    sockdir = f"/run/tnt-pub-{os.getpid()}"
    os.makedirs(sockdir, mode=0o755, exist_ok=True)
    t = TailnetdNode(h2, topo.logdir, "t1", socket=f"{sockdir}/t1.sock").start(net.login_server, net.authkey)
    running(t)
    assert oct(os.stat(t.socket).st_mode & 0o777) == "0o666"
    assert oct(os.stat(t.statedir).st_mode & 0o777) == "0o700"
    for f in os.listdir(t.statedir):
        if not f.endswith(".sock"):
            assert os.stat(os.path.join(t.statedir, f)).st_mode & 0o077 == 0, f

    # A local user who is neither root nor the operator reads, never writes.
    assert _as_nobody(h2, t.socket, "GET", "status") == 200
    assert _as_nobody(h2, t.socket, "POST", "start", "{}") == 403
    assert _as_nobody(h2, t.socket, "POST", "logout") == 403
    assert _as_nobody(h2, t.socket, "PATCH", "prefs", '{"WantRunning": false, "WantRunningSet": true}') == 403
    assert t.status()["BackendState"] == "Running"
    # The operator may.
    t.api.edit_prefs(OperatorUser="nobody")
    assert _as_nobody(h2, t.socket, "PATCH", "prefs", '{"ShieldsUp": true, "ShieldsUpSet": true}') == 200
    assert t.api.prefs()["ShieldsUp"] is True

    # Anything a browser could send is refused.
    for hdr in ({"Origin": "http://evil.example"}, {"Referer": "http://evil.example/"},
                {"Host": "evil.example"}):
        status, _, _ = t.api.raw("GET", "status", headers=hdr)
        assert status == 403, hdr
    status, headers, body = t.api.raw("GET", "/")
    assert status == 200 and body == "tailscaled\n"
    assert headers.get("Tailscale-Cap") and headers.get("X-Frame-Options") == "DENY"


def test_malformed_requests_answered_and_server_keeps_serving(topo, pair):
    net, go, h1, h2 = pair
    t = TailnetdNode(h2, topo.logdir, "t1").run_daemon()
    import socket as so
    for raw in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\n bad folding\r\n\r\n",
                b"POST /localapi/v0/start HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
                b"GET /localapi/v0/nope HTTP/1.1\r\n\r\n"):
        s = so.socket(so.AF_UNIX, so.SOCK_STREAM)
        s.settimeout(5)
        s.connect(t.socket)
        s.sendall(raw)
        resp = s.recv(4096).decode(errors="replace")
        s.close()
        assert re.match(r"HTTP/1\.1 (400|404|413|431|501) ", resp), (raw, resp)
    status, _, body = t.api.raw("PATCH", "prefs", "{not json")
    assert status == 400
    status, _, body = t.api.raw("PATCH", "prefs", '{"AdvertiseRoutes": ["10.0.0.0/33"], "AdvertiseRoutesSet": true}')
    assert status == 400 and "AdvertiseRoutes" in body
    assert t.status()["BackendState"] == "NeedsLogin"


def test_bad_flags_and_corrupt_prefs_are_named(topo, tmp_path):
    r = subprocess.run([tailnetd_path(), "--bogus"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "--bogus" in r.stderr
    r = subprocess.run([tailnetd_path(), "--port", "x"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "--port" in r.stderr
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (state / "prefs").write_text('{"tailnetd-prefs": 1, "Prefs": {"WantRunning": "yes"}}')
    os.chmod(state / "prefs", 0o600)
    r = subprocess.run([tailnetd_path(), "--statedir", str(state), "--socket", str(tmp_path / "s"),
                        "--tun", "userspace-networking"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and str(state / "prefs") in r.stderr and "WantRunning" in r.stderr, r.stderr
    assert (state / "prefs").read_text() == '{"tailnetd-prefs": 1, "Prefs": {"WantRunning": "yes"}}'


def test_sd_notify_ready_once_running_and_sighup_reloads_prefs(topo, pair, tmp_path):
    """READY=1 reaches $NOTIFY_SOCKET only once the tailnet address is up;
    SIGHUP re-reads a prefs file edited by hand."""
    import socket as so
    net, go, h1, h2 = pair
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    running(t)
    t.stop()
    sock_path = str(tmp_path / "notify.sock")
    s = so.socket(so.AF_UNIX, so.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(30)
    t.run_daemon(env={"NOTIFY_SOCKET": sock_path})
    msgs = []
    while not any(m == "READY=1" for m in msgs):
        msgs.append(s.recv(4096).decode())
    # Ready means Running with the address on the interface.
    assert "STATUS=Running" in msgs, msgs
    assert t.ip4() in h2.run(["ip", "-4", "addr", "show", "tailnet0"]).stdout

    prefs_path = os.path.join(t.statedir, "prefs")
    doc = json.load(open(prefs_path))
    doc["Prefs"]["ShieldsUp"] = True
    with open(prefs_path, "w") as f:
        json.dump(doc, f)
    t.proc.signal(signal.SIGHUP)
    wait.until("the reloaded prefs", lambda: t.api.prefs()["ShieldsUp"] is True, timeout=10)
    assert t.status()["BackendState"] == "Running"

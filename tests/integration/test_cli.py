"""tnet, the CLI, against a daemon's LocalAPI.

tnet talks only to the LocalAPI socket; these tests drive a daemon with it
and check the result with the official Go CLI (`tailscale --socket`) on the
same socket, so nothing here agrees with tnet by construction.

    srv 10.99.0.1 (headscale, derper) ── switch ── n1 10.99.0.11: the daemon under test
                                                 └─ n2 10.99.0.12: Go tailscaled, a peer

DAEMON_KINDS says which daemon n1 runs: the Go tailscaled for now; adding
"tailnetd" runs every test against our own daemon too.
"""
import json
import os
import re
import time

import pytest

from bed import peers, wait
from bed import tailnet as tn
from bed.tailnetd import TailnetdNode
from bed.tailscale import TailscaleNode

DAEMON_KINDS = ["go", "tailnetd"]

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def tnet_path():
    """$TNET_BIN, else the tnet beside $TAILNETD_BIN, else build/."""
    p = os.environ.get("TNET_BIN")
    if not p and os.environ.get("TAILNETD_BIN"):
        build_src = os.path.dirname(os.path.dirname(os.environ["TAILNETD_BIN"]))
        p = os.path.join(build_src, "cli", "tnet")
    p = p or os.path.join(REPO, "build", "src", "cli", "tnet")
    if not os.access(p, os.X_OK):
        raise RuntimeError(f"tnet not built at {p}")
    return p


class Daemon:
    """A daemon in namespace ns with its LocalAPI at socket; tnet() runs our
    CLI against it, go() the official one."""

    def __init__(self, kind, ns, socket, stop):
        self.kind, self.ns, self.socket, self._stop = kind, ns, socket, stop

    def tnet(self, *args, timeout=90, env=None):
        full_env = dict(os.environ, **(env or {}))
        return self.ns.run([tnet_path(), f"--socket={self.socket}", *args], check=False,
                           timeout=timeout, env=full_env)

    def go(self, *args, timeout=90):
        return self.ns.run([peers.path("tailscale"), f"--socket={self.socket}", *args],
                           check=False, timeout=timeout)

    def go_status(self):
        r = self.go("status", "--json")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def state(self):
        return self.go_status()["BackendState"]

    def stop(self):
        self._stop()


def start_daemon(kind, net, topo, ns, name):
    """The daemon under test on ns, started but not logged in."""
    if kind == "go":
        node = TailscaleNode(ns, topo.logdir, name).start()
        return Daemon(kind, ns, node.socket, node.stop)
    if kind == "tailnetd":
        node = TailnetdNode(ns, topo.logdir, name).run_daemon()
        return Daemon(kind, ns, node.socket, node.stop)
    raise ValueError(kind)


@pytest.fixture(params=DAEMON_KINDS)
def daemon_kind(request):
    return request.param


@pytest.fixture
def bed(topo, daemon_kind):
    net, sw, (h1, h2) = tn.lan(topo)
    peer = net.add_tailscale(h2, name="n2")
    d = start_daemon(daemon_kind, net, topo, h1, "n1")
    return net, d, peer


def peer_named(status, hostname):
    for p in (status.get("Peer") or {}).values():
        if p.get("HostName") == hostname:
            return p
    return None


def tnet_up(net, d, *extra, hostname="n1"):
    r = d.tnet("up", "--authkey", net.authkey, f"--hostname={hostname}",
               f"--login-server={net.login_server}", "--timeout=60s", *extra)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture
def running(bed):
    net, d, peer = bed
    tnet_up(net, d)
    wait.until("n1 to see n2 online",
               lambda: (peer_named(d.go_status(), "n2") or {}).get("Online"), timeout=30)
    return net, d, peer


def test_up_headless_with_auth_key_file(bed, tmp_path):
    net, d, peer = bed
    assert d.state() == "NeedsLogin"
    keyfile = tmp_path / "authkey"
    keyfile.write_text(net.authkey + "\n")
    r = d.tnet("up", f"--auth-key=file:{keyfile}", "--hostname=n1", f"--login-server={net.login_server}",
               "--timeout=60s", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout) == {"BackendState": "Running"}
    assert net.authkey not in r.stdout + r.stderr
    st = d.go_status()
    assert st["BackendState"] == "Running"
    assert st["Self"]["HostName"] == "n1"
    assert st["Self"]["DNSName"].startswith("n1.")
    prefs = json.loads(d.go("debug", "prefs").stdout)
    assert prefs["ControlURL"] == net.login_server and prefs["WantRunning"] is True
    assert prefs["Hostname"] == "n1" and prefs["CorpDNS"] is True


def test_status_text_and_json_match_go(running):
    net, d, peer = running
    # The JSON is Go's, re-indented as Go's CLI does: the same bytes.
    def same_json():
        ours, go = d.tnet("status", "--json"), d.go("status", "--json")
        assert ours.returncode == 0, ours.stderr
        return (ours, go) if json.loads(ours.stdout) == json.loads(go.stdout) else None
    ours, go = wait.until("tnet status --json to equal Go's", same_json, timeout=20, interval=0.5)
    assert ours.stdout == go.stdout

    st = d.go_status()
    my_ip, peer_ip = st["TailscaleIPs"][0], peer.ip4()
    r = d.tnet("status")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert re.match(rf"^{re.escape(my_ip)}\s+n1\s+alice\s+linux\s+", lines[0]), r.stdout
    assert any(re.match(rf"^{re.escape(peer_ip)}\s+n2\s+alice\s+linux\s+", ln) for ln in lines), r.stdout
    # The table is laid out like Go's, column for column.
    wait.until("tnet status to equal Go's",
               lambda: d.tnet("status").stdout == d.go("status").stdout, timeout=20, interval=0.5)
    wait.until("tnet status --header --self=false to equal Go's",
               lambda: d.tnet("status", "--header", "--self=false").stdout ==
               d.go("status", "--header", "--self=false").stdout, timeout=20, interval=0.5)
    ours, go = d.tnet("status", "--peers=false"), d.go("status", "--peers=false")
    assert ours.stdout == go.stdout and "userid:" in ours.stdout


def test_ip_matches_go(running):
    net, d, peer = running
    for args in (["-4"], ["-6"], [], ["-1"], ["-4", "n2"], ["-6", "n2"], [peer.ip4()]):
        ours, go = d.tnet("ip", *args), d.go("ip", *args)
        assert ours.returncode == go.returncode == 0, (args, ours.stderr, go.stderr)
        assert ours.stdout == go.stdout, args
    assert d.tnet("ip", "-4").stdout.strip() == d.go_status()["TailscaleIPs"][0]
    r = d.tnet("ip", "-4", "-6")
    assert r.returncode == 1 and "tnet ip -1, -4, and -6 are mutually exclusive" in r.stderr
    r = d.tnet("ip", "100.64.0.77")
    assert r.returncode == 1 and r.stderr.strip() == "no peer found with IP 100.64.0.77"


def test_ping_peer(running):
    net, d, peer = running
    r = d.tnet("ping", "--c=10", "n2", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    pong = re.compile(rf"^pong from n2 \({re.escape(peer.ip4())}\) via (DERP\(test\)|10\.99\.0\.12:\d+) in \d")
    assert any(pong.match(ln) for ln in r.stdout.splitlines()), r.stdout
    # The last pong came over the direct path (--until-direct stops there).
    assert re.search(r"via 10\.99\.0\.12:\d+ in ", r.stdout.splitlines()[-1]), r.stdout
    r = d.tnet("ping", "--icmp", "--c=3", peer.ip4(), timeout=60)
    assert r.returncode == 0 and re.match(rf"pong from n2 \({re.escape(peer.ip4())}\) via ICMP in ", r.stdout), r.stdout
    my_ip = d.go_status()["TailscaleIPs"][0]
    r = d.tnet("ping", my_ip)
    assert r.returncode == 0 and r.stdout == f"{my_ip} is local Tailscale IP\n"
    r = d.tnet("ping", "--c=1", "--timeout=2s", "100.64.0.99", timeout=30)
    assert r.returncode == 1 and r.stderr.strip() == "no matching peer", r.stdout + r.stderr


def test_whois_names_the_peer(running):
    net, d, peer = running
    r = d.tnet("whois", peer.ip4())
    assert r.returncode == 0, r.stderr
    assert re.search(r"^  Name:\s+n2\.tailnet\.test$", r.stdout, re.M), r.stdout
    assert re.search(r"^User:\n  Name:\s+alice$", r.stdout, re.M), r.stdout
    assert r.stdout == d.go("whois", peer.ip4()).stdout
    ours, go = d.tnet("whois", "--json", peer.ip4() + ":80"), d.go("whois", "--json", peer.ip4() + ":80")
    assert ours.returncode == 0 and json.loads(ours.stdout)["Node"]["ComputedName"] == "n2"
    assert ours.stdout == go.stdout
    r = d.tnet("whois", "100.64.0.77")
    assert r.returncode == 1 and r.stderr == "peer not found\n"


def test_down_then_bare_up_and_set(running):
    net, d, peer = running
    key = d.go_status()["Self"]["PublicKey"]
    # A bare up on a running node changes nothing and returns at once.
    t0 = time.monotonic()
    r = d.tnet("up")
    assert r.returncode == 0 and r.stdout == r.stderr == "", r.stdout + r.stderr
    assert time.monotonic() - t0 < 10
    assert d.state() == "Running"

    r = d.tnet("down")
    assert r.returncode == 0, r.stderr
    assert d.state() == "Stopped"
    r = d.tnet("status")
    assert r.returncode == 1 and r.stdout == "Tailscale is stopped.\n"
    r = d.tnet("down")
    assert r.returncode == 0 and r.stderr == "Tailscale was already stopped.\n"
    r = d.tnet("ping", peer.ip4())
    assert r.returncode == 1 and r.stdout == "Tailscale is stopped.\n"

    r = d.tnet("up", timeout=90)      # no auth key: the node is still logged in
    assert r.returncode == 0, r.stdout + r.stderr
    st = d.go_status()
    assert st["BackendState"] == "Running" and st["Self"]["PublicKey"] == key

    r = d.tnet("set", "--hostname=n1x", "--shields-up")
    assert r.returncode == 0, r.stderr
    wait.until("the new hostname in status",
               lambda: d.go_status()["Self"]["HostName"] == "n1x", timeout=20)
    prefs = json.loads(d.go("debug", "prefs").stdout)
    assert prefs["Hostname"] == "n1x" and prefs["ShieldsUp"] is True
    assert prefs["ControlURL"] == net.login_server     # only what was named changed
    r = d.tnet("set", "--shields-up=false")
    assert r.returncode == 0 and json.loads(d.go("debug", "prefs").stdout)["ShieldsUp"] is False
    # set without flags prints its usage
    r = d.tnet("set")
    assert r.returncode == 0 and "USAGE" in r.stderr


def test_respecify_rule_like_go(running):
    net, d, peer = running
    args = ["--hostname=n1", "--accept-dns=false"]
    ours, go = d.tnet("up", *args), d.go("up", *args)
    assert ours.returncode == go.returncode == 1
    assert ours.stderr.startswith("Error: changing settings via 'tnet up' requires mentioning all\n")
    # (Go's CLI first warns when the daemon is not the same Go version.)
    go_err = "".join(ln for ln in go.stderr.splitlines(True) if not ln.startswith("Warning: client version"))
    assert ours.stderr.strip() == go_err.replace("tailscale up", "tnet up").strip()
    assert f"\ttnet up --accept-dns=false --hostname=n1 --login-server={net.login_server}\n" in ours.stderr
    # --reset applies exactly what is given; the Go CLI sees the change.
    r = d.tnet("up", "--reset", f"--login-server={net.login_server}", "--hostname=n1", "--accept-dns=false")
    assert r.returncode == 0, r.stderr
    assert json.loads(d.go("debug", "prefs").stdout)["CorpDNS"] is False
    # Now the flags must be repeated, and repeating them is enough.
    r = d.tnet("up", f"--login-server={net.login_server}", "--hostname=n1")
    assert r.returncode == 1 and "--accept-dns=false" in r.stderr
    r = d.tnet("up", f"--login-server={net.login_server}", "--hostname=n1", "--accept-dns=false")
    assert r.returncode == 0, r.stderr
    assert d.state() == "Running"


def test_interactive_up_prints_url_then_login(bed):
    net, d, peer = bed
    r = d.tnet("up", f"--login-server={net.login_server}", "--hostname=n1", "--timeout=5s", timeout=60)
    assert r.returncode == 1, r.stdout + r.stderr
    m = re.search(r"\nTo authenticate, visit:\n\n\t(http://10\.99\.0\.1:8080/register/\S+)\n\n", r.stderr)
    assert m, r.stderr
    assert r.stderr.rstrip().endswith(
        'timeout waiting for Tailscale service to enter a Running state; check health with "tnet status"')
    url = m.group(1)
    r = d.tnet("status")
    assert r.returncode == 1 and r.stdout == f"Logged out.\nLog in at: {url}\n"
    # login always logs in (a new profile with Go's daemon), here with a key.
    r = d.tnet("login", f"--login-server={net.login_server}", f"--auth-key={net.authkey}",
               "--hostname=n3", "--timeout=60s")
    assert r.returncode == 0, r.stdout + r.stderr
    st = d.go_status()
    assert st["BackendState"] == "Running" and st["Self"]["HostName"] == "n3"
    r = d.tnet("logout")
    assert r.returncode == 0, r.stderr
    wait.until("NeedsLogin after logout", lambda: d.state() == "NeedsLogin", timeout=20)
    r = d.tnet("status")
    assert r.returncode == 1 and r.stdout.startswith("Logged out.")
    r = d.tnet("ip")
    assert r.returncode == 1 and r.stderr == "no current Tailscale IPs; state: NeedsLogin\n"


def test_flag_errors_name_the_flag(bed):
    net, d, peer = bed
    cases = [
        (["status", "--bogus"], "flag provided but not defined: -bogus\n"),
        (["ping", "--c=abc", "x"], 'invalid value "abc" for flag -c: parse error\n'),
        (["ping", "--until-direct=maybe", "x"], 'invalid boolean value "maybe" for -until-direct: parse error\n'),
        (["up", "--hostname"], "flag needs an argument: -hostname\n"),
        (["up", "--timeout=5"], 'invalid value "5" for flag -timeout: parse error\n'),
        (["status", "--json", "--json"], "invalid boolean flag json: flag provided multiple times\n"),
        (["--nosuch", "status"], "flag provided but not defined: -nosuch\n"),
    ]
    for args, first_line in cases:
        r = d.tnet(*args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stderr.startswith(first_line), (args, r.stderr)
        assert "USAGE" in r.stderr
        go = d.go(*args)
        assert go.returncode == 2 and go.stderr.startswith(first_line), (args, go.stderr)
    r = d.tnet("nosuch")
    assert r.returncode == 1 and r.stderr == "tnet: unknown subcommand: nosuch\n"
    r = d.tnet("status", "-h")
    assert r.returncode == 0 and "USAGE\n  tnet status" in r.stderr
    # Single and double dashes, --flag value and --flag=value all parse.
    r = d.tnet("-socket", d.socket, "status", "-json", "--peers", "false")
    assert r.returncode == 2, r.stderr    # "false" is an argument: booleans take only =value
    r = d.tnet("status", "-json", "-peers=false")
    assert r.returncode == 0 and json.loads(r.stdout)["Peer"] is None


def test_version_and_netcheck(running):
    net, d, peer = running
    r = d.tnet("version")
    assert r.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+\n", r.stdout), r.stdout
    r = d.tnet("version", "--daemon")
    daemon_version = d.go_status()["Version"]
    assert r.returncode == 0 and r.stdout.endswith(f"\nDaemon: {daemon_version}\n"), r.stdout
    r = d.tnet("netcheck")
    if d.kind == "go":
        # tailscaled runs netcheck inside its CLI, not in the daemon: tnet says so.
        assert r.returncode == 1 and "/localapi/v0/netcheck: 404" in r.stderr, r.stderr
    else:
        r = wait.until("a netcheck report", lambda: (lambda r: r if r.returncode == 0 else None)(
            d.tnet("netcheck")), timeout=30)
        assert "\nReport:\n\t* Time: " in r.stdout and "\t* Nearest DERP: " in r.stdout, r.stdout
        j = d.tnet("netcheck", "--format=json")
        assert j.returncode == 0 and json.loads(j.stdout)["PreferredDERP"] == 900, j.stdout + j.stderr


def test_no_daemon(topo, tmp_path):
    h = topo.host("n1")
    r = h.run([tnet_path(), f"--socket={tmp_path}/none.sock", "status"], check=False)
    assert r.returncode == 1
    assert r.stderr.startswith("Failed to connect to local tailnetd for /localapi/v0/status; "), r.stderr

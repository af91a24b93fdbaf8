"""MagicDNS: tailnetd's resolver at 100.100.100.100 and fd7a:115c:a1e0::53
on its TUN, next to the official Go tailscaled, in a headscale tailnet with
MagicDNS on.  Answers are checked against what Go's own quad-100 says for
the same names (`tailscale dns query`), forwarding against small upstream
DNS servers in the server namespace, and the host side through dig, getent
and the namespace's resolv.conf (bind-mounted by `ip netns exec`: written
in place, restored byte for byte when tailnetd stops).

    srv 10.99.0.1 (headscale, derper, upstream DNS on .1 and .2) ── switch ─┬─ n1 (Go tailscaled)
                                                                           └─ n2 (tailnetd, TUN tailnet0)
"""
import json
import os
import re
import signal


from bed import tailnet as tn
from bed import wait
from bed.headscale import BASE_DOMAIN, Headscale
from bed.tailnetd import TailnetdNode
from bed.topo import ETC_NETNS

# A tiny authoritative server: A records for *.example.com and *.corp.test
# (with the address it was started with), NOERROR/empty for their other
# types, NXDOMAIN for the rest.  Each query name is appended to a log.
UPSTREAM = r'''
import socket, struct, sys
addr, answer, log = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
while True:
    q, src = s.recvfrom(4096)
    if len(q) < 17 or q[2] & 0x80:
        continue
    qid, flags = struct.unpack(">HH", q[:4])
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += q[i] + 1
    if i + 5 > len(q):
        continue
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    name = ".".join(labels).lower()
    with open(log, "a") as f:
        f.write(f"{name} {qtype}\n")
    ours = name.endswith("example.com") or name.endswith("corp.test")
    ans = b""
    if ours and qtype == 1:
        ans = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(answer)
    hdr = struct.pack(">HHHHHH", qid, 0x8080 | (flags & 0x0100) | (0 if ours else 3),
                      1, 1 if ans else 0, 0, 0)
    s.sendto(hdr + q[12:i + 5] + ans, src)
'''

ORIGINAL_RESOLV = ("# the MagicDNS test's own resolv.conf\n"
                   "nameserver 10.99.0.1\n"
                   "search lan.example\n"
                   "options timeout:2 attempts:2")      # no final newline: bytes count


def dns_headscale(dns_yaml):
    """A Headscale whose config carries dns_yaml as its dns: section."""
    class DnsHeadscale(Headscale):
        def write_config(self, derpmap_yaml, policy=None):
            super().write_config(derpmap_yaml, policy)
            with open(self.config) as f:
                text = f.read()
            start, end = text.index("dns:\n"), text.index("unix_socket:")
            with open(self.config, "w") as f:
                f.write(text[:start] + dns_yaml + text[end:])
    return DnsHeadscale


def start_upstream(ns, tmp_path, addr, answer):
    script = tmp_path / "upstream.py"
    script.write_text(UPSTREAM)
    log = tmp_path / f"upstream-{addr}.log"
    log.write_text("")
    proc = ns.popen(f"upstream-dns-{addr}", ["python3", str(script), addr, answer, str(log)])

    def up():
        if not proc.alive():
            raise RuntimeError(f"upstream DNS exited:\n{proc.log_tail()}")
        return f"{addr}:53" in ns.run(["ss", "-uln"]).stdout
    wait.until(f"the upstream DNS server on {addr}", up, timeout=10)
    return proc, log


class Reply:
    def __init__(self, status, flags, answers):
        self.status, self.flags, self.answers = status, flags, answers

    def __repr__(self):
        return f"Reply({self.status}, {self.flags}, {self.answers})"


def dig(ns, *args):
    """dig in ns; (status, header flags, [(type, data)]) or None on no reply."""
    r = ns.run(["dig", "+time=3", "+tries=2", "+noall", "+comments", "+answer", *args],
               check=False, timeout=30)
    m = re.search(r"status: (\w+)", r.stdout)
    if not m:
        return None
    flags = re.search(r";; flags:([a-z ]*);", r.stdout).group(1).split()
    answers = [(p[3], p[4]) for p in (line.split() for line in r.stdout.splitlines()
                                      if line.strip() and not line.startswith(";"))]
    return Reply(m.group(1), flags, answers)


GO_RCODES = {"RCodeSuccess": "NOERROR", "RCodeNameError": "NXDOMAIN", "RCodeServerFailure": "SERVFAIL",
             "RCodeNotImplemented": "NOTIMP", "RCodeRefused": "REFUSED", "RCodeFormatError": "FORMERR"}


def go_query(go, name, qtype):
    """What Go tailscaled's quad-100 answers, as dig() shows it."""
    out = json.loads(go.cli("dns", "query", "--json", name, qtype).stdout)
    return (GO_RCODES[out["ResponseCode"]],
            sorted((a["Type"].removeprefix("Type"), a["Body"]) for a in out.get("Answers") or []))


def resolv_path(ns):
    return os.path.join(ETC_NETNS, ns.ns, "resolv.conf")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def magicdns_pair(topo, monkeypatch, dns_yaml):
    monkeypatch.setattr(tn, "Headscale", dns_headscale(dns_yaml))
    net, sw, (h1, h2) = tn.lan(topo)
    return net, h1, h2


def start_tailnetd(topo, net, h2):
    t = TailnetdNode(h2, topo.logdir, "t1").start(net.login_server, net.authkey)
    t.wait_state("Running", timeout=40)
    wait.until("tailnetd to see n1", lambda: t.peer("n1"), timeout=30)
    return t


def ours_in_resolv_conf(h2):
    return wait.until("tailnetd to point resolv.conf at quad-100",
                      lambda: (lambda b: b if b"generated by tailnetd" in b else None)(read(resolv_path(h2))),
                      timeout=30).decode()


DEFAULT_DNS = f"""dns:
  magic_dns: true
  base_domain: {BASE_DOMAIN}
  override_local_dns: false
  nameservers:
    global: []
    split: {{}}
  search_domains: []
  extra_records:
    - name: grafana.{BASE_DOMAIN}
      type: A
      value: 100.64.0.99
"""


def test_magicdns_answers_like_go_and_restores_resolv_conf(topo, tmp_path, monkeypatch):
    net, h1, h2 = magicdns_pair(topo, monkeypatch, DEFAULT_DNS)
    _, upstream_log = start_upstream(net.srv, tmp_path, "10.99.0.1", "198.51.100.1")
    with open(resolv_path(h2), "w") as f:
        f.write(ORIGINAL_RESOLV)
    original = read(resolv_path(h2))
    go = net.add_tailscale(h1)
    t = start_tailnetd(topo, net, h2)
    go_ip, our_ip = go.ip4(), t.ip4()
    go_ip6 = go.cli("ip", "-6").stdout.strip()

    # The OS points at quad-100, our search domain first, the old one kept
    # (Go's direct manager: resolv.conf cannot do split DNS).
    text = ours_in_resolv_conf(h2)
    assert text.endswith("\n\nnameserver 100.100.100.100\nnameserver fd7a:115c:a1e0::53\n"
                         f"search {BASE_DOMAIN} lan.example\n"), text
    assert os.path.exists(resolv_path(h2))        # written in place: the bind mount still works

    # Peer names, FQDN and (through the search list) short; over IPv4 and IPv6.
    r = wait.until("quad-100 to answer", lambda: dig(h2, "@100.100.100.100", f"n1.{BASE_DOMAIN}"), timeout=20)
    assert r.status == "NOERROR" and r.answers == [("A", go_ip)], r
    assert "aa" in r.flags and "ra" in r.flags, r
    r = dig(h2, "+search", "@100.100.100.100", "n1")
    assert r.status == "NOERROR" and r.answers == [("A", go_ip)], r
    r = dig(h2, "@fd7a:115c:a1e0::53", f"N1.{BASE_DOMAIN.upper()}")
    assert r.status == "NOERROR" and r.answers == [("A", go_ip)], r
    # Headscale sends no magicdns-aaaa: a peer with IPv4 has no AAAA.
    r = dig(h2, "@100.100.100.100", f"n1.{BASE_DOMAIN}", "AAAA")
    assert r.status == "NOERROR" and r.answers == [], r
    r = dig(h2, "@100.100.100.100", "-x", go_ip)
    assert r.status == "NOERROR" and r.answers == [("PTR", f"n1.{BASE_DOMAIN}.")], r
    # Its IPv6 address is not in the hosts table (left out, as above), so
    # the reverse name does not exist either.
    r = dig(h2, "@100.100.100.100", "-x", go_ip6)
    assert r.status == "NXDOMAIN" and r.answers == [], r
    r = dig(h2, "@100.100.100.100", f"grafana.{BASE_DOMAIN}")
    assert r.answers == [("A", "100.64.0.99")], r
    r = dig(h2, "@100.100.100.100", f"nope.{BASE_DOMAIN}")
    assert r.status == "NXDOMAIN" and "aa" in r.flags and r.answers == [], r

    # Not ours: forwarded to the nameserver resolv.conf had before.
    r = dig(h2, "@100.100.100.100", "www.example.com")
    assert r.status == "NOERROR" and r.answers == [("A", "198.51.100.1")], r
    r = dig(h2, "@100.100.100.100", "missing.example.org")
    assert r.status == "NXDOMAIN", r
    seen = upstream_log.read_text().split("\n")
    assert "www.example.com 1" in seen and "missing.example.org 1" in seen, seen
    assert not any(BASE_DOMAIN in line or "in-addr" in line for line in seen), seen

    # The same questions to Go's quad-100 (n1 asks about us and itself):
    # the same rcodes and records.
    cases = [(f"n1.{BASE_DOMAIN}", "A"), (f"t1.{BASE_DOMAIN}", "A"), (f"t1.{BASE_DOMAIN}", "AAAA"),
             (f"grafana.{BASE_DOMAIN}", "A"), (f"nope.{BASE_DOMAIN}", "A"), (f"nope.{BASE_DOMAIN}", "AAAA"),
             (f"t1.{BASE_DOMAIN}", "MX"), (f"t1.{BASE_DOMAIN}", "TXT"), (f"t1.{BASE_DOMAIN}", "NS"),
             ("hidden.onion", "A"), ("magicdns.localhost-tailscale-daemon", "A"),
             ("10-1-2-3-via-7", "AAAA"), ("10-1-2-3-via-7", "A")]
    for ip in [our_ip, go_ip, "100.64.0.250", "100.100.100.100"]:
        cases.append((".".join(reversed(ip.split("."))) + ".in-addr.arpa", "PTR"))
    nibbles = h2.run(["python3", "-c", "import ipaddress,sys; "
                      "print(ipaddress.ip_address(sys.argv[1]).reverse_pointer)", go_ip6]).stdout.strip()
    cases.append((nibbles, "PTR"))
    for name, qtype in cases:
        ours = dig(h2, "@100.100.100.100", name, qtype)
        assert ours is not None, (name, qtype)
        assert (ours.status, sorted(ours.answers)) == go_query(go, name, qtype), (name, qtype, ours)

    # The host's own resolver: getent through resolv.conf and its search list.
    out = wait.until("getent to find n1", lambda: h2.run(["getent", "hosts", "n1"], check=False).stdout, timeout=20)
    assert out.split() == [go_ip, f"n1.{BASE_DOMAIN}"], out
    out = h2.run(["getent", "ahostsv4", f"t1.{BASE_DOMAIN}"]).stdout
    assert out.split()[0] == our_ip, out
    assert h2.run(["getent", "hosts", f"nope.{BASE_DOMAIN}"], check=False).returncode == 2

    # --accept-dns=false at run time (a prefs edit, as `tnet set` sends):
    # the file goes back; true again: ours again.
    t.api.edit_prefs(CorpDNS=False)
    wait.until("resolv.conf restored by accept-dns=false", lambda: read(resolv_path(h2)) == original, timeout=10)
    t.api.edit_prefs(CorpDNS=True)
    ours_in_resolv_conf(h2)

    # Stopped: the original file, byte for byte, in the same (bind-mounted) file.
    assert t.stop() == 0
    assert read(resolv_path(h2)) == original
    assert h2.run(["cat", "/etc/resolv.conf"]).stdout.encode() == original
    assert not os.path.exists("/etc/resolv.pre-tailnetd-backup.conf")


SPLIT_DNS = f"""dns:
  magic_dns: true
  base_domain: {BASE_DOMAIN}
  override_local_dns: true
  nameservers:
    global: [10.99.0.1]
    split:
      corp.test: [10.99.0.2]
  search_domains: [corp.test]
  extra_records: []
"""


def test_global_and_split_resolvers_from_headscale(topo, tmp_path, monkeypatch):
    net, h1, h2 = magicdns_pair(topo, monkeypatch, SPLIT_DNS)
    net.srv.add_addr("eth0", "10.99.0.2/24")
    _, log_global = start_upstream(net.srv, tmp_path, "10.99.0.1", "198.51.100.1")
    split_proc, log_split = start_upstream(net.srv, tmp_path, "10.99.0.2", "198.51.100.2")
    original = read(resolv_path(h2))
    go = net.add_tailscale(h1)
    t = start_tailnetd(topo, net, h2)

    # Global resolvers mean quad-100 takes everything; the old nameserver
    # (the bed's 127.0.0.53) plays no part any more.
    text = ours_in_resolv_conf(h2)
    assert text.endswith("\n\nnameserver 100.100.100.100\nnameserver fd7a:115c:a1e0::53\n"
                         f"search {BASE_DOMAIN} corp.test\n"), text

    r = wait.until("quad-100 to answer", lambda: dig(h2, "@100.100.100.100", "db.corp.test"), timeout=20)
    assert r.status == "NOERROR" and r.answers == [("A", "198.51.100.2")], r
    r = dig(h2, "@100.100.100.100", "www.example.com")
    assert r.answers == [("A", "198.51.100.1")], r
    r = dig(h2, "@100.100.100.100", "no.such.name.test")
    assert r.status == "NXDOMAIN", r
    r = dig(h2, "@100.100.100.100", f"n1.{BASE_DOMAIN}")
    assert r.answers == [("A", go.ip4())], r
    split_seen = log_split.read_text().split("\n")
    global_seen = log_global.read_text().split("\n")
    assert "db.corp.test 1" in split_seen and "www.example.com 1" not in split_seen, split_seen
    assert "www.example.com 1" in global_seen and "no.such.name.test 1" in global_seen, global_seen
    assert "db.corp.test 1" not in global_seen, global_seen
    assert not any(BASE_DOMAIN in line for line in global_seen + split_seen)

    # Through the OS: the search list reaches the split domain too.
    out = wait.until("getent to find db", lambda: h2.run(["getent", "ahostsv4", "db"], check=False).stdout,
                     timeout=20)
    assert out.split()[0] == "198.51.100.2", out
    out = h2.run(["getent", "hosts", "n1"]).stdout
    assert out.split() == [go.ip4(), f"n1.{BASE_DOMAIN}"], out

    # An upstream that does not answer at all: no reply from quad-100
    # either (Go drops the query after its 10 s budget); dig gives up first.
    split_proc.signal(signal.SIGSTOP)
    assert dig(h2, "+time=2", "+tries=1", "@100.100.100.100", "x.corp.test") is None
    assert dig(h2, "@100.100.100.100", "www.example.com").answers == [("A", "198.51.100.1")]

    assert t.stop() == 0
    assert read(resolv_path(h2)) == original

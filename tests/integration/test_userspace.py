"""Userspace networking (--tun=userspace-networking): tailnetd with no TUN
terminates the tailnet in its own TCP/IP stack (lwIP), reached through its
SOCKS5 and HTTP proxies; peers reach services on its host by its tailnet
address.  The other end is the official Go tailscaled, also in userspace
mode, with its own SOCKS5 proxy.

    srv 10.99.0.1 (headscale, derper) ── switch ── n1 (Go tailscaled, SOCKS5 :1055)
                                                ├─ n2 (tailnetd t1: SOCKS5 :1080, HTTP :1081)
                                                └─ n3 (tailnetd t2: SOCKS5 with a password and
                                                       the HTTP proxy on one port, :1080)

One topology serves the whole module (it takes a while to converge); each
test uses its own services and ports.
"""
import hashlib
import json
import os
import shutil
import textwrap

import pytest

from bed import tailnet as tn
from bed import wait
from bed.service import http_server
from bed.tailnetd import TailnetdNode
from bed.topo import Topology

USER, PASSWORD = "alice", "s3cret-pw"

# Helpers run inside the namespaces: line and UDP echo servers, and a raw
# SOCKS5 client (for concurrency, UDP ASSOCIATE and malformed requests).
TOOL = textwrap.dedent(r'''
    import json, socket, socketserver, struct, sys, threading, time

    def socks_hello(s, auth=None):
        if auth:
            s.sendall(b"\x05\x01\x02")
            assert s.recv(2) == b"\x05\x02"
            u, p = auth[0].encode(), auth[1].encode()
            s.sendall(bytes([1, len(u)]) + u + bytes([len(p)]) + p)
            r = s.recv(2)
            if r != b"\x01\x00":
                raise SystemExit("auth refused: %r" % r)
        else:
            s.sendall(b"\x05\x01\x00")
            r = s.recv(2)
            assert r == b"\x05\x00", r

    def recv_reply(s):
        head = b""
        while len(head) < 4:
            b = s.recv(4 - len(head))
            if not b:
                raise EOFError("reply cut short: %r" % head)
            head += b
        n = {1: 4, 4: 16}.get(head[3], 0) + 2
        rest = b""
        while len(rest) < n:
            rest += s.recv(n - len(rest))
        return head + rest

    def connect(proxy, host, port, auth=None):
        s = socket.create_connection(("127.0.0.1", proxy), timeout=60)
        socks_hello(s, auth)
        h = host.encode()
        s.sendall(b"\x05\x01\x00\x03" + bytes([len(h)]) + h + struct.pack(">H", port))
        r = recv_reply(s)
        if r[1] != 0:
            raise SystemExit("CONNECT %s:%d: reply %d" % (host, port, r[1]))
        return s

    def readline(s):
        buf = b""
        while not buf.endswith(b"\n"):
            b = s.recv(100)
            if not b:
                break
            buf += b
        return buf

    def concurrent(proxy, host, port, n):
        conns = [None] * n
        errs = []
        def open_one(i):
            try:
                conns[i] = connect(proxy, host, port)
            except BaseException as e:
                errs.append(repr(e))
        ts = [threading.Thread(target=open_one, args=(i,)) for i in range(n)]
        for t in ts: t.start()
        for t in ts: t.join()
        if errs:
            raise SystemExit("%d connects failed: %s" % (len(errs), errs[:3]))
        # All n are open at once; now each carries a request and an answer.
        for i, s in enumerate(conns):
            s.sendall(b"ping %d\n" % i)
        ok = 0
        for i, s in enumerate(conns):
            if readline(s) == b"pong %d\n" % i:
                ok += 1
            s.close()
        print(json.dumps({"ok": ok}))

    def udp(proxy, host, port, count):
        ctl = socket.create_connection(("127.0.0.1", proxy), timeout=30)
        socks_hello(ctl)
        ctl.sendall(b"\x05\x03\x00\x01" + bytes(4) + b"\x00\x00")
        r = recv_reply(ctl)
        assert r[1] == 0 and r[3] == 1, r
        relay = (socket.inet_ntoa(r[4:8]), struct.unpack(">H", r[8:10])[0])
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(2)
        h = host.encode()
        try:
            dst = b"\x01" + socket.inet_aton(host)
        except OSError:
            dst = b"\x03" + bytes([len(h)]) + h
        hdr = b"\x00\x00\x00" + dst + struct.pack(">H", port)
        got = set()
        deadline = time.time() + 30
        while len(got) < count and time.time() < deadline:
            for i in range(count):
                if i not in got:
                    u.sendto(hdr + b"dgram %d" % i, relay)
            try:
                while len(got) < count:
                    d, _ = u.recvfrom(65536)
                    assert d.startswith(hdr), (d, hdr)
                    body = d[len(hdr):]
                    assert body.startswith(b"echo:dgram "), body
                    got.add(int(body[len(b"echo:dgram "):]))
            except socket.timeout:
                pass
        # A fragment (FRAG 1) is dropped, not relayed.
        u.sendto(b"\x00\x00\x01" + dst + struct.pack(">H", port) + b"dgram frag", relay)
        try:
            d, _ = u.recvfrom(65536)
            frag = d
        except socket.timeout:
            frag = None
        print(json.dumps({"got": len(got), "frag_answered": frag is not None}))

    def exchange(proxy, data):
        s = socket.create_connection(("127.0.0.1", proxy), timeout=10)
        out = b""
        try:
            for part in data:
                s.sendall(part)
                time.sleep(0.05)
            s.shutdown(socket.SHUT_WR)
            while True:
                b = s.recv(4096)
                if not b:
                    break
                out += b
        except ConnectionResetError:
            out += b"<reset>"
        return out.hex()

    def malformed(socks, http):
        cases = {
            "socks4": (socks, [b"\x04\x01\x00\x50\x7f\x00\x00\x01\x00"]),
            "no_method": (socks, [b"\x05\x01\x80"]),
            "bad_atyp": (socks, [b"\x05\x01\x00", b"\x05\x01\x00\x09\x01\x02\x03\x04\x00\x50"]),
            "bind": (socks, [b"\x05\x01\x00", b"\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50"]),
            "bad_rsv": (socks, [b"\x05\x01\x00", b"\x05\x01\x07\x01\x7f\x00\x00\x01\x00\x50"]),
            "empty_domain": (socks, [b"\x05\x01\x00", b"\x05\x01\x00\x03\x00\x00\x50"]),
            "http_relative": (http, [b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"]),
            "http_garbage": (http, [b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n"]),
            "http_no_port": (http, [b"CONNECT n1 HTTP/1.1\r\nHost: n1\r\n\r\n"]),
            "http_bare_lf": (http, [b"GET http://n1:1/ HTTP/1.1\nHost: n1\n\n"]),
        }
        print(json.dumps({k: exchange(p, d) for k, (p, d) in cases.items()}))

    class Lines(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 1024

    class LineHandler(socketserver.StreamRequestHandler):
        def handle(self):
            for line in self.rfile:
                self.wfile.write(line.replace(b"ping", b"pong", 1))

    def serve(port):
        udp_s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp_s.bind(("127.0.0.1", port + 1))
        def echo():
            while True:
                d, a = udp_s.recvfrom(65536)
                udp_s.sendto(b"echo:" + d, a)
        threading.Thread(target=echo, daemon=True).start()
        Lines(("127.0.0.1", port), LineHandler).serve_forever()

    if __name__ == "__main__":
        cmd, args = sys.argv[1], sys.argv[2:]
        if cmd == "serve":
            serve(int(args[0]))
        elif cmd == "concurrent":
            concurrent(int(args[0]), args[1], int(args[2]), int(args[3]))
        elif cmd == "udp":
            udp(int(args[0]), args[1], int(args[2]), int(args[3]))
        elif cmd == "malformed":
            malformed(int(args[0]), int(args[1]))
        elif cmd == "connect-auth":
            s = connect(int(args[0]), args[1], int(args[2]), (args[3], args[4]))
            s.sendall(b"ping auth\n")
            print(readline(s).decode().strip())
''')


@pytest.fixture(scope="module")
def net(request, peer_bin, tmp_path_factory):
    logdir = tn.logdir_for("test_userspace")
    shutil.rmtree(logdir, ignore_errors=True)
    topo = Topology(logdir)
    failed_before = request.session.testsfailed
    try:
        net, sw, (h1, h2, h3) = tn.lan(topo, n_hosts=3)
        go = net.add_tailscale(h1, socks5="127.0.0.1:1055")
        t1 = TailnetdNode(h2, topo.logdir, "t1").start(
            net.login_server, net.authkey, tun="userspace-networking",
            extra=["--socks5-server", "127.0.0.1:1080", "--outbound-http-proxy-listen", "127.0.0.1:1081"])
        t2 = TailnetdNode(h3, topo.logdir, "t2").start(
            net.login_server, net.authkey, tun="userspace-networking",
            extra=["--socks5-server", f"{USER}:{PASSWORD}@127.0.0.1:1080",
                   "--outbound-http-proxy-listen", "127.0.0.1:1080"])
        for t in (t1, t2):
            t.wait_state("Running", timeout=60)
            wait.until(f"{t.name} to see n1", lambda t=t: t.peer("n1"), timeout=30)
        wait.until("n1 to see t1 and t2", lambda: {"t1", "t2"} <= {
            p.get("HostName") for p in (go.status().get("Peer") or {}).values()}, timeout=30)
        work = tmp_path_factory.mktemp("userspace")
        tool = work / "tool.py"
        tool.write_text(TOOL)
        site = work / "site"
        site.mkdir()
        (site / "hello").write_text("hello from n1\n")
        yield topo, net, go, t1, t2, h1, h2, h3, str(tool), site
    finally:
        if request.session.testsfailed > failed_before:
            print(f"\n===== logs of test_userspace (all in {logdir}) =====")
            print(topo.logs())
        topo.close()


def curl(ns, args, what, timeout=60):
    def run():
        r = ns.run(["curl", "-sS", "--max-time", "20", *args], check=False, timeout=30)
        return r if r.returncode == 0 else None
    return wait.until(what, run, timeout=timeout, interval=0.5)


def test_socks5_and_http_proxy_reach_a_go_peer_by_name(net):
    topo, tnet, go, t1, t2, h1, h2, h3, tool, site = net
    http_server(h1, str(site), 8000)   # Go forwards its tailnet IP to 127.0.0.1
    me = go.status()["Self"]
    fqdn = me["DNSName"].rstrip(".")
    ip6 = next(a for a in me["TailscaleIPs"] if ":" in a)
    for url in ("http://n1:8000/hello", f"http://{fqdn}:8000/hello", f"http://{go.ip4()}:8000/hello",
                f"http://[{ip6}]:8000/hello"):
        r = curl(h2, ["--socks5-hostname", "127.0.0.1:1080", url], f"SOCKS5 to {url}")
        assert r.stdout == "hello from n1\n"
    r = curl(h2, ["--proxy", "http://127.0.0.1:1081", "http://n1:8000/hello"], "HTTP proxy, forwarded")
    assert r.stdout == "hello from n1\n"
    r = curl(h2, ["--proxytunnel", "--proxy", "http://127.0.0.1:1081", "http://n1:8000/hello"],
             "HTTP proxy, CONNECT")
    assert r.stdout == "hello from n1\n"
    # Not a tailnet name and no DNS in the namespace: a clear refusal, fast.
    r = h2.run(["curl", "-sS", "--max-time", "20", "--socks5-hostname", "127.0.0.1:1080",
                "http://no-such-host:8000/"], check=False, timeout=30)
    assert r.returncode != 0 and "timed out" not in r.stderr, r.stderr
    r = h2.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20",
                "--proxy", "http://127.0.0.1:1081", "http://no-such-host:8000/"], check=False, timeout=30)
    assert r.stdout == "502", r.stdout + r.stderr


def test_go_peer_reaches_a_service_on_our_tailnet_address(net):
    topo, tnet, go, t1, t2, h1, h2, h3, tool, site = net
    http_server(h2, str(site), 8001)   # on 127.0.0.1 of the tailnetd host only
    t1_ip6 = next(a for p in (go.status().get("Peer") or {}).values() if p.get("HostName") == "t1"
                  for a in p["TailscaleIPs"] if ":" in a)
    for host in ("t1", t1.ip4(), f"[{t1_ip6}]"):
        r = curl(h1, ["--socks5-hostname", "127.0.0.1:1055", f"http://{host}:8001/hello"],
                 f"Go -> {host}:8001 through our netstack")
        assert r.stdout == "hello from n1\n"
    # A port with nothing behind it is refused (RST), not left hanging.
    r = h1.run(["curl", "-sS", "--max-time", "15", "--socks5-hostname", "127.0.0.1:1055",
                "http://t1:8009/"], check=False, timeout=30)
    assert r.returncode != 0 and "timed out" not in r.stderr, r.stderr
    # ICMP echo to our address is answered by the netstack.
    r = wait.until("ICMP pong from t1", lambda: (lambda r: r if r.returncode == 0 else None)(
        go.cli("ping", "--icmp", "--c=3", "--timeout=5s", t1.ip4(), check=False)), timeout=30)
    assert "pong from t1" in r.stdout


def test_100mb_with_checksum_both_ways(net):
    topo, tnet, go, t1, t2, h1, h2, h3, tool, site = net
    blob = os.urandom(100 * 1024 * 1024)
    big = site.parent / "big"
    big.mkdir(exist_ok=True)
    (big / "blob").write_bytes(blob)
    (big / "hello").write_text("hi\n")
    want = hashlib.sha256(blob).hexdigest()
    del blob
    http_server(h1, str(big), 8010)
    http_server(h2, str(big), 8011)
    curl(h2, ["--socks5-hostname", "127.0.0.1:1080", "http://n1:8010/hello"], "the path to n1")
    got = h2.run(["sh", "-c", "curl -sS --max-time 240 --socks5-hostname 127.0.0.1:1080 "
                  "http://n1:8010/blob | sha256sum"], timeout=260).stdout.split()[0]
    assert got == want, "n1 -> tailnetd (our SOCKS5 client side)"
    curl(h1, ["--socks5-hostname", "127.0.0.1:1055", "http://t1:8011/hello"], "the path to t1")
    got = h1.run(["sh", "-c", "curl -sS --max-time 240 --socks5-hostname 127.0.0.1:1055 "
                  "http://t1:8011/blob | sha256sum"], timeout=260).stdout.split()[0]
    assert got == want, "tailnetd -> n1 (our inbound forward)"


def test_200_concurrent_socks5_connections(net):
    topo, tnet, go, t1, t2, h1, h2, h3, tool, site = net
    h1.popen("lines-n1", ["python3", tool, "serve", "7000"])
    wait.until("the line server", lambda: "127.0.0.1:7000" in h1.run(["ss", "-ltn"]).stdout)
    r = h2.run(["python3", tool, "concurrent", "1080", "n1", "7000", "200"], timeout=240)
    assert '"ok": 200' in r.stdout, r.stdout + r.stderr


def test_socks5_udp_associate(net):
    topo, tnet, go, t1, t2, h1, h2, h3, tool, site = net
    h1.popen("udp-n1", ["python3", tool, "serve", "7100"])   # UDP echo on 7101
    wait.until("the UDP echo server", lambda: "127.0.0.1:7101" in h1.run(["ss", "-lun"]).stdout)
    for host in ("n1", go.ip4()):
        r = h2.run(["python3", tool, "udp", "1080", host, "7101", "20"], timeout=90)
        assert '"got": 20' in r.stdout, r.stdout + r.stderr
        assert '"frag_answered": false' in r.stdout, r.stdout


def test_malformed_requests_get_error_replies_and_the_listener_keeps_serving(net):
    topo, tnet, go, t1, t2, h1, h2, h3, tool, site = net
    r = h2.run(["python3", tool, "malformed", "1080", "1081"], timeout=120)
    got = {k: bytes.fromhex(v) for k, v in json.loads(r.stdout).items()}
    assert got["socks4"] == b"\x05\xff", got
    assert got["no_method"] == b"\x05\xff", got
    assert got["bad_atyp"][:2] == b"\x05\x00" and got["bad_atyp"][2:4] == b"\x05\x08", got
    assert got["bind"][2:4] == b"\x05\x07", got
    assert got["bad_rsv"][2:4] == b"\x05\x01", got
    assert got["empty_domain"][2:4] == b"\x05\x01", got
    for k in ("http_relative", "http_garbage", "http_no_port", "http_bare_lf"):
        assert got[k].startswith(b"HTTP/1.1 400 "), (k, got[k])
    assert b"bogus RequestURI" in got["http_relative"], got["http_relative"]
    # Both listeners still serve.
    http_server(h1, str(site), 8002)
    r = curl(h2, ["--socks5-hostname", "127.0.0.1:1080", "http://n1:8002/hello"], "SOCKS5 after abuse")
    assert r.stdout == "hello from n1\n"
    r = curl(h2, ["--proxy", "http://127.0.0.1:1081", "http://n1:8002/hello"], "HTTP after abuse")
    assert r.stdout == "hello from n1\n"


def test_socks5_password_and_shared_port(net):
    """t2: SOCKS5 needs a username and password (RFC 1929), and the HTTP
    proxy shares its port (the first byte tells them apart)."""
    topo, tnet, go, t1, t2, h1, h2, h3, tool, site = net
    h1.popen("lines-n1-auth", ["python3", tool, "serve", "7200"])
    wait.until("the line server", lambda: "127.0.0.1:7200" in h1.run(["ss", "-ltn"]).stdout)
    http_server(h1, str(site), 8003)
    r = curl(h3, ["--proxy", f"socks5h://{USER}:{PASSWORD}@127.0.0.1:1080", "http://n1:8003/hello"],
             "SOCKS5 with the password")
    assert r.stdout == "hello from n1\n"
    r = h3.run(["python3", tool, "connect-auth", "1080", "n1", "7200", USER, PASSWORD], timeout=60)
    assert r.stdout.strip() == "pong auth", r.stdout + r.stderr
    r = h3.run(["python3", tool, "connect-auth", "1080", "n1", "7200", USER, "wrong"],
               check=False, timeout=60)
    assert r.returncode != 0 and "auth refused" in r.stderr + r.stdout, r.stdout + r.stderr
    r = h3.run(["curl", "-sS", "--max-time", "10", "--socks5-hostname", "127.0.0.1:1080",
                "http://n1:8003/hello"], check=False, timeout=30)
    assert r.returncode != 0, "no credentials must be refused"
    r = curl(h3, ["--proxy", "http://127.0.0.1:1080", "http://n1:8003/hello"], "HTTP on the shared port")
    assert r.stdout == "hello from n1\n"


def test_daemons_exit_cleanly(net):
    """Last: SIGTERM ends both tailnetd nodes with status 0 (under ASan,
    leaks or memory errors in the teardown of live connections would
    show here)."""
    topo, tnet, go, t1, t2, h1, h2, h3, tool, site = net
    # A connection stays open through the shutdown.
    h1.popen("lines-n1-exit", ["python3", tool, "serve", "7300"])
    wait.until("the line server", lambda: "127.0.0.1:7300" in h1.run(["ss", "-ltn"]).stdout)
    holder = h2.popen("socks-holder", ["python3", "-c", textwrap.dedent("""
        import socket, struct, time
        s = socket.create_connection(("127.0.0.1", 1080))
        s.sendall(b"\\x05\\x01\\x00"); s.recv(2)
        s.sendall(b"\\x05\\x01\\x00\\x03\\x02n1" + struct.pack(">H", 7300)); s.recv(10)
        s.sendall(b"ping hold\\n"); print(s.recv(100), flush=True)
        time.sleep(60)
        """)])
    wait.until("the held connection", lambda: "pong hold" in holder.log_tail())
    for t in (t1, t2):
        log = t.proc.logpath
        assert t.stop() == 0, open(log).read()[-3000:]
        text = open(log).read()
        assert "Sanitizer" not in text and "runtime error" not in text, text[-3000:]

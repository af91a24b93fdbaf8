"""Network namespaces, veth links, switches, routers and the processes in them.

A Topology names every namespace `tnt<pid>x<seq>-<name>` so that parallel or
stale runs never collide, and `reap_stale()` removes what a killed run left
behind.  Links are made directly between namespaces (`ip -n A link add ...
peer ... netns B`), so the host's own namespace and configuration are never
touched; each namespace gets its own /etc/netns/<ns>/{resolv.conf,hosts},
which `ip netns exec` bind-mounts.
"""
import itertools
import os
import re
import shutil
import signal
import subprocess
import time

NETNS_DIR = "/var/run/netns"
ETC_NETNS = "/etc/netns"
_seq = itertools.count()


def sh(cmd, check=True, timeout=30, **kw):
    """Run a host command; a failure raises with its stderr."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip() or r.stdout.strip()}")
    return r


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _kill_netns_pids(ns):
    r = sh(["ip", "netns", "pids", ns], check=False)
    for p in r.stdout.split():
        try:
            os.kill(int(p), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def _delete_netns(ns):
    _kill_netns_pids(ns)
    sh(["ip", "netns", "del", ns], check=False)
    shutil.rmtree(os.path.join(ETC_NETNS, ns), ignore_errors=True)


def reap_stale():
    """Delete namespaces left by test runs whose process is gone."""
    if not os.path.isdir(NETNS_DIR):
        return
    for ns in os.listdir(NETNS_DIR):
        m = re.match(r"tnt(\d+)x\d+-", ns)
        if m and not _pid_alive(int(m.group(1))):
            _delete_netns(ns)


class Proc:
    """A process started in a namespace, in its own process group, logging to a file."""

    def __init__(self, name, argv, logpath, popen):
        self.name, self.argv, self.logpath, self.popen = name, argv, logpath, popen

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout=5.0):
        """SIGTERM, then SIGKILL after `timeout`; returns the exit status."""
        if self.alive():
            self.signal(signal.SIGCONT)
            self.signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.popen.wait(5)
        return self.popen.returncode

    def log_tail(self, lines=60):
        try:
            with open(self.logpath, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError as e:
            return f"(no log: {e})"


class Namespace:
    def __init__(self, topo, name):
        self.topo, self.name = topo, name
        self.ns = f"{topo.prefix}-{name}"
        sh(["ip", "netns", "add", self.ns])
        etc = os.path.join(ETC_NETNS, self.ns)
        os.makedirs(etc, exist_ok=True)
        with open(os.path.join(etc, "resolv.conf"), "w") as f:
            f.write("# tailnetd test bed: no resolver in this namespace\nnameserver 127.0.0.53\n")
        with open(os.path.join(etc, "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n::1 localhost\n")
        self.run(["ip", "link", "set", "lo", "up"])
        self._ifcount = 0

    def argv(self, cmd):
        return ["ip", "netns", "exec", self.ns] + list(cmd)

    def run(self, cmd, check=True, timeout=30, **kw):
        return sh(self.argv(cmd), check=check, timeout=timeout, **kw)

    def sysctl(self, key, value):
        self.run(["sysctl", "-q", "-w", f"{key}={value}"])

    def popen(self, name, cmd, env=None):
        """Start cmd in this namespace, logging to <logdir>/<name>.log."""
        logpath = os.path.join(self.topo.logdir, f"{name}.log")
        logf = open(logpath, "ab")
        full_env = dict(os.environ)
        full_env.update(env or {})
        p = subprocess.Popen(self.argv(cmd), stdout=logf, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=full_env, start_new_session=True)
        logf.close()
        proc = Proc(name, list(cmd), logpath, p)
        self.topo.procs.append(proc)
        return proc

    def next_ifname(self):
        name = f"eth{self._ifcount}"
        self._ifcount += 1
        return name

    def add_addr(self, ifname, cidr):
        self.run(["ip", "addr", "add", cidr, "dev", ifname])

    def default_route(self, via):
        self.run(["ip", "route", "replace", "default", "via", via])

    def nft(self, ruleset):
        self.run(["nft", "-f", "-"], input=ruleset)


class Switch(Namespace):
    """A namespace holding one bridge, br0; hosts attach through veth ports
    named after them.  UDP between chosen ports can be dropped, so that only
    TCP (DERP over TLS) connects those hosts."""

    def __init__(self, topo, name):
        super().__init__(topo, name)
        self.run(["ip", "link", "add", "br0", "type", "bridge"])
        self.run(["ip", "link", "set", "br0", "up"])
        self.ports = {}

    def attach(self, host, cidr):
        """Connect host to this switch: host gets ethN with cidr; returns ethN."""
        ifname = host.next_ifname()
        port = f"p-{host.name}"[:15]
        sh(["ip", "-n", host.ns, "link", "add", ifname, "type", "veth",
            "peer", "name", port, "netns", self.ns])
        self.run(["ip", "link", "set", port, "master", "br0"])
        self.run(["ip", "link", "set", port, "up"])
        host.add_addr(ifname, cidr)
        host.run(["ip", "link", "set", ifname, "up"])
        self.ports[host.name] = port
        return ifname

    def block_udp_between(self, *hosts):
        """Drop every UDP datagram (IPv4 and IPv6) the bridge would forward
        between any two of `hosts`; traffic to other ports is untouched."""
        ports = ", ".join(f'"{self.ports[h.name]}"' for h in hosts)
        self.nft(f"""
table bridge tnt_block
delete table bridge tnt_block
table bridge tnt_block {{
    chain forward {{
        type filter hook forward priority 0; policy accept;
        iifname {{ {ports} }} oifname {{ {ports} }} meta l4proto udp counter drop
    }}
}}
""")

    def unblock(self):
        self.run(["nft", "delete", "table", "bridge", "tnt_block"], check=False)


class Router(Namespace):
    """A namespace forwarding between a WAN and a LAN interface.

    nat="eim" masquerades LAN traffic leaving on the WAN with an
    endpoint-independent mapping, like a home router: unsolicited inbound
    datagrams to the router itself are dropped before conntrack confirms them,
    so they cannot claim the tuple a LAN host's mapping needs (without that,
    Linux picks another source port and the mapping becomes port-dependent).
    nat="symmetric" randomizes the source port per flow (endpoint-dependent
    mapping), which defeats hole punching.  nat=None only routes.
    """

    def __init__(self, topo, name, wan, wan_cidr, lan, lan_cidr, wan_gw=None, nat="eim"):
        super().__init__(topo, name)
        self.sysctl("net.ipv4.ip_forward", 1)
        self.wan_if = wan.attach(self, wan_cidr)
        self.lan_if = lan.attach(self, lan_cidr)
        self.lan_addr = lan_cidr.split("/")[0]
        self.wan_addr = wan_cidr.split("/")[0]
        if wan_gw:
            self.default_route(wan_gw)
        if nat not in (None, "eim", "symmetric"):
            raise ValueError(f"nat must be None, 'eim' or 'symmetric', not {nat!r}")
        if nat:
            how = "masquerade random" if nat == "symmetric" else "masquerade"
            self.nft(f"""
table ip tnt_nat {{
    chain input {{
        type filter hook input priority filter; policy accept;
        iifname "{self.wan_if}" ct state new drop
    }}
    chain postrouting {{
        type nat hook postrouting priority srcnat; policy accept;
        oifname "{self.wan_if}" {how}
    }}
}}
""")


class Topology:
    """Owns namespaces and processes; close() tears everything down."""

    def __init__(self, logdir):
        reap_stale()
        self.prefix = f"tnt{os.getpid()}x{next(_seq)}"
        self.logdir = logdir
        os.makedirs(logdir, exist_ok=True)
        self.namespaces = []
        self.procs = []
        self.closed = False

    def _add(self, ns):
        self.namespaces.append(ns)
        return ns

    def host(self, name):
        return self._add(Namespace(self, name))

    def switch(self, name):
        return self._add(Switch(self, name))

    def router(self, name, **kw):
        return self._add(Router(self, name, **kw))

    def close(self):
        if self.closed:
            return
        self.closed = True
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception:  # noqa: BLE001 - teardown must go on
                pass
        for ns in reversed(self.namespaces):
            _delete_netns(ns.ns)

    def logs(self, lines=60):
        """The tail of every process log, for a failure report."""
        out = []
        for p in self.procs:
            state = "running" if p.alive() else f"exited {p.popen.returncode}"
            out.append(f"----- {p.name} ({state}) {p.logpath}\n{p.log_tail(lines)}")
        return "\n".join(out)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

"""Plain WireGuard peers: Debian's wireguard-go (configured with wg(8)) and
tailnetd in --wg-config mode, each in a namespace."""
import itertools
import os
import subprocess

from . import wait
from .topo import sh

_ifseq = itertools.count()
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def tailnetd_path():
    """The tailnetd binary under test: $TAILNETD_BIN, else build/."""
    p = os.environ.get("TAILNETD_BIN") or os.path.join(REPO, "build", "src", "daemon", "tailnetd")
    if not os.access(p, os.X_OK):
        raise RuntimeError(f"tailnetd not built at {p}: run scripts/test.sh or ninja -C build")
    return p


def genkey():
    priv = sh(["wg", "genkey"]).stdout.strip()
    pub = subprocess.run(["wg", "pubkey"], input=priv, capture_output=True, text=True,
                         check=True).stdout.strip()
    return priv, pub


class WgPeerConf:
    """What one side knows about the other."""

    def __init__(self, pub, allowed_ips, endpoint=None, keepalive=None):
        self.pub, self.allowed_ips, self.endpoint, self.keepalive = pub, allowed_ips, endpoint, keepalive

    def section(self):
        s = f"[Peer]\nPublicKey = {self.pub}\nAllowedIPs = {', '.join(self.allowed_ips)}\n"
        if self.endpoint:
            s += f"Endpoint = {self.endpoint}\n"
        if self.keepalive:
            s += f"PersistentKeepalive = {self.keepalive}\n"
        return s


class WireguardGo:
    """wireguard-go in ns, addresses `addrs` (CIDRs).  Its interface name is
    unique on the machine (self.ifname), because wireguard-go's control
    socket /var/run/wireguard/<ifname>.sock is shared by all namespaces."""

    def __init__(self, ns, workdir, name, addrs, port=51820):
        self.ns, self.name, self.addrs, self.port = ns, name, addrs, port
        self.ifname = f"wgt{os.getpid() % 100000}x{next(_ifseq)}"[:15]
        self.priv, self.pub = genkey()
        self.dir = os.path.join(workdir, f"wggo-{name}")
        os.makedirs(self.dir, exist_ok=True)
        self.peers = []
        self.proc = None

    def start(self):
        self.proc = self.ns.popen(f"wireguard-go-{self.name}", ["wireguard-go", "-f", self.ifname],
                                  env={"LOG_LEVEL": "debug"})
        wait.until(f"wireguard-go to create {self.ifname}", self._up, timeout=10)
        conf = os.path.join(self.dir, "wg0.conf")
        with open(conf, "w") as f:
            f.write(f"[Interface]\nPrivateKey = {self.priv}\nListenPort = {self.port}\n\n")
            for p in self.peers:
                f.write(p.section() + "\n")
        os.chmod(conf, 0o600)
        self.ns.run(["wg", "setconf", self.ifname, conf])
        for a in self.addrs:
            self.ns.run(["ip", "addr", "add", a, "dev", self.ifname])
        self.ns.run(["ip", "link", "set", self.ifname, "mtu", "1280", "up"])
        return self

    def _up(self):
        if not self.proc.alive():
            raise RuntimeError(f"wireguard-go exited:\n{self.proc.log_tail()}")
        return os.path.exists(f"/var/run/wireguard/{self.ifname}.sock") and \
            self.ns.run(["ip", "link", "show", self.ifname], check=False).returncode == 0

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None


class TailnetdWg:
    """tailnetd --wg-config with a TUN named tn0 in ns."""

    def __init__(self, ns, workdir, name, addrs, port=51820):
        self.ns, self.name, self.addrs, self.port = ns, name, addrs, port
        self.priv, self.pub = genkey()
        self.dir = os.path.join(workdir, f"tailnetd-{name}")
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self.conf = os.path.join(self.dir, "wg.conf")
        self.peers = []
        self.proc = None

    def write_conf(self):
        with open(self.conf, "w") as f:
            f.write(f"[Interface]\nPrivateKey = {self.priv}\nListenPort = {self.port}\n"
                    f"Address = {', '.join(self.addrs)}\nMTU = 1280\n\n")
            for p in self.peers:
                f.write(p.section() + "\n")
        os.chmod(self.conf, 0o600)

    def start(self, verbose=True):
        self.write_conf()
        argv = [tailnetd_path(), "--wg-config", self.conf, "--tun", "tn0"]
        if verbose:
            argv.append("--verbose")
        self.proc = self.ns.popen(f"tailnetd-{self.name}", argv)
        wait.until("tailnetd to bring tn0 up", self._up, timeout=10)
        return self

    def _up(self):
        if not self.proc.alive():
            raise RuntimeError(f"tailnetd exited {self.proc.popen.returncode}:\n{self.proc.log_tail()}")
        r = self.ns.run(["ip", "-o", "addr", "show", "dev", "tn0"], check=False)
        return r.returncode == 0 and self.addrs[0].split("/")[0] in r.stdout

    def stats(self):
        """Asks tailnetd to log its counters (SIGUSR1); returns them as a dict."""
        import signal
        import re
        marker = open(self.proc.logpath, errors="replace").read().count("wg stats:")
        self.proc.signal(signal.SIGUSR1)

        def logged():
            lines = [l for l in open(self.proc.logpath, errors="replace") if "wg stats:" in l]
            return lines[-1] if len(lines) > marker else None
        line = wait.until("tailnetd to log its stats", logged, timeout=5)
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

    def stop(self):
        if self.proc:
            rc = self.proc.stop()
            self.proc = None
            return rc

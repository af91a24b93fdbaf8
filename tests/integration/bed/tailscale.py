"""The official Go tailscaled (and its tailscale CLI) as a node in a namespace.

It runs with --tun=userspace-networking and --no-logs-no-support, its state
and socket in its own directory.
"""
import json
import os

from . import peers, wait


class TailscaleNode:
    def __init__(self, ns, workdir, name, port=41641, socks5=None, tun=None):
        self.ns, self.name, self.port, self.socks5, self.tun = ns, name, port, socks5, tun
        self.dir = os.path.join(workdir, f"tailscaled-{name}")
        os.makedirs(self.dir, exist_ok=True)
        # Unix socket paths are limited to 107 bytes: keep it short.
        sockdir = "/run/tnt-sockets"
        os.makedirs(sockdir, mode=0o700, exist_ok=True)
        self.socket = os.path.join(sockdir, f"{ns.ns}-{name}.sock")
        self.proc = None

    def start(self):
        self.proc = self.ns.popen(f"tailscaled-{self.name}", [
            peers.path("tailscaled"), f"--statedir={self.dir}",
            f"--state={self.dir}/tailscaled.state", f"--socket={self.socket}",
            f"--tun={self.tun or 'userspace-networking'}", f"--port={self.port}", "--no-logs-no-support"]
            + ([f"--socks5-server={self.socks5}"] if self.socks5 else []),
            env={"HOME": self.dir})
        wait.until(f"tailscaled {self.name} to open its socket", self._socket_up, timeout=20)
        return self

    def _socket_up(self):
        if not self.proc.alive():
            raise RuntimeError(f"tailscaled {self.name} exited:\n{self.proc.log_tail()}")
        return os.path.exists(self.socket) and self.cli("version", check=False).returncode == 0

    def cli(self, *args, check=True, timeout=60):
        return self.ns.run([peers.path("tailscale"), f"--socket={self.socket}", *args],
                           check=check, timeout=timeout)

    def up(self, login_server, authkey, hostname=None):
        # With a kernel TUN, leave the namespace's netfilter alone.
        extra = ["--netfilter-mode=off"] if self.tun else []
        self.cli("up", f"--login-server={login_server}", f"--authkey={authkey}",
                 f"--hostname={hostname or self.name}", "--timeout=60s", *extra, timeout=90)
        wait.until(f"{self.name} to be Running", lambda: self.status()["BackendState"] == "Running")
        return self

    def status(self):
        return json.loads(self.cli("status", "--json").stdout)

    def ip4(self):
        return self.cli("ip", "-4").stdout.strip()

    def peer_online(self, hostname):
        for p in (self.status().get("Peer") or {}).values():
            if p.get("HostName") == hostname and p.get("Online"):
                return p
        return None

    def ping(self, target, count=5, until_direct=True, timeout_s=60):
        """`tailscale ping`; returns (exit code, output)."""
        args = ["ping", f"--c={count}", f"--until-direct={'true' if until_direct else 'false'}",
                "--timeout=5s", target]
        r = self.cli(*args, check=False, timeout=timeout_s)
        return r.returncode, (r.stdout + r.stderr)

    def stop(self):
        if self.proc:
            self.proc.stop()

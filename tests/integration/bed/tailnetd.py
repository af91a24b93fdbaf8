"""tailnetd as a tailnet node in a namespace, driven through its LocalAPI
(the same HTTP API Go's tailscale CLI uses), like a user running
`tailnetd` and then `tnet up`.

status() is the LocalAPI status (ipnstate.Status: BackendState, AuthURL,
Self, Peer keyed by node key, User, Health); metrics() the Prometheus
counters as a dict ("derp_sent_total": 12.0, ...).
"""
import os
import signal

from . import peers, wait
from .localapi import LocalAPI, LocalAPIError
from .wireguard import tailnetd_path


class TailnetdNode:
    def __init__(self, ns, workdir, name, socket=None):
        self.ns, self.name = ns, name
        self.dir = os.path.join(workdir, f"tailnetd-{name}")
        self.statedir = os.path.join(self.dir, "state")
        os.makedirs(self.dir, exist_ok=True)
        # Unix socket paths are limited to 107 bytes: keep it short.
        os.makedirs("/run/tnt-sockets", mode=0o700, exist_ok=True)
        self.socket = socket or f"/run/tnt-sockets/{ns.ns}-{name}.sock"
        self.api = LocalAPI(self.socket)
        self.proc = None
        self.argv = None

    def run_daemon(self, extra=(), tun="tailnet0", env=None):
        """Starts the daemon only (no login): `tailnetd --statedir ... --socket ...`;
        env: extra environment for it (NOTIFY_SOCKET, ...)."""
        self.argv = [tailnetd_path(), "--statedir", self.statedir, "--socket", self.socket,
                     "--tun", tun, "--verbose", *extra]
        self.proc = self.ns.popen(f"tailnetd-{self.name}", self.argv, env=env)
        wait.until(f"tailnetd {self.name}'s LocalAPI", self._api_up, timeout=15)
        return self

    def _api_up(self):
        self._check_alive()
        try:
            return self.api.status()
        except (OSError, LocalAPIError):
            return None

    def start(self, login_server, authkey=None, hostname=None, extra=(), tun="tailnet0"):
        """The daemon, then the equivalent of `tnet up --login-server ... --authkey ...`."""
        self.run_daemon(extra, tun)
        self.api.start(authkey, ControlURL=login_server, Hostname=hostname or self.name,
                       WantRunning=True, CorpDNS=True, NetfilterMode=2)
        if not authkey:
            self.api.call("POST", "login-interactive")
        return self

    def _check_alive(self):
        if self.proc and not self.proc.alive() and self.proc.popen.returncode not in (0, None):
            raise RuntimeError(f"tailnetd exited {self.proc.popen.returncode}:\n{self.proc.log_tail()}")

    def status(self):
        self._check_alive()
        try:
            return self.api.status()
        except (OSError, LocalAPIError):
            return {}

    def metrics(self):
        self._check_alive()
        return self.api.metrics()

    def wait_state(self, state, timeout=30):
        return wait.until(f"tailnetd {self.name} to be {state}",
                          lambda: (lambda s: s if s.get("BackendState") == state else None)(self.status()),
                          timeout=timeout)

    def peers(self):
        return list((self.status().get("Peer") or {}).values())

    def peer(self, hostname):
        for p in self.peers():
            if p.get("HostName") == hostname:
                return p
        return None

    def ip4(self):
        for a in self.status().get("TailscaleIPs") or []:
            if "." in a:
                return a
        return None

    def logout(self):
        self.api.call("POST", "logout")

    def go_cli(self, *args, check=True, timeout=60):
        """Go's official `tailscale` CLI pointed at our socket."""
        return self.ns.run([peers.path("tailscale"), f"--socket={self.socket}", *args],
                           check=check, timeout=timeout)

    def signal(self, sig):
        self.proc.signal(sig)

    def stop(self):
        if self.proc:
            rc = self.proc.stop()
            self.proc = None
            return rc

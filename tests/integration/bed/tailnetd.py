"""tailnetd as a tailnet node in a namespace.

Until the LocalAPI exists (the daemon issue), tailnetd reports its state in
<statedir>/status.json, rewritten atomically on every change: BackendState,
AuthURL, Error, Self, Peers and the control reconnect count.  SIGUSR2 asks
it to log out.
"""
import json
import os
import signal

from . import wait
from .wireguard import tailnetd_path


class TailnetdNode:
    def __init__(self, ns, workdir, name):
        self.ns, self.name = ns, name
        self.dir = os.path.join(workdir, f"tailnetd-{name}")
        self.statedir = os.path.join(self.dir, "state")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None

    @property
    def status_path(self):
        return os.path.join(self.statedir, "status.json")

    def start(self, login_server, authkey=None, hostname=None, extra=(), tun="tailnet0"):
        argv = [tailnetd_path(), "--statedir", self.statedir, "--login-server", login_server,
                "--hostname", hostname or self.name, "--tun", tun, "--verbose", *extra]
        if authkey:
            argv += ["--authkey", authkey]
        self.proc = self.ns.popen(f"tailnetd-{self.name}", argv)
        return self

    def status(self):
        if not self.proc.alive() and self.proc.popen.returncode not in (0, None):
            raise RuntimeError(f"tailnetd exited {self.proc.popen.returncode}:\n{self.proc.log_tail()}")
        try:
            with open(self.status_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def wait_state(self, state, timeout=30):
        return wait.until(f"tailnetd {self.name} to be {state}",
                          lambda: (lambda s: s if s.get("BackendState") == state else None)(self.status()),
                          timeout=timeout)

    def peer(self, hostname):
        for p in self.status().get("Peers") or []:
            if p.get("HostName") == hostname:
                return p
        return None

    def ip4(self):
        for a in (self.status().get("Self") or {}).get("Addresses", []):
            if "." in a:
                return a.split("/")[0]
        return None

    def logout(self):
        self.proc.signal(signal.SIGUSR2)

    def stop(self):
        if self.proc:
            rc = self.proc.stop()
            self.proc = None
            return rc

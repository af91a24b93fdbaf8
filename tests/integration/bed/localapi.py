"""A LocalAPI client: HTTP/1.1 over a Unix socket, as Go's tailscale CLI
speaks to tailscaled (and to tailnetd).  Requests carry Host:
local-tailscaled.sock; errors raise LocalAPIError with the status and body.
"""
import http.client
import json
import socket


class LocalAPIError(Exception):
    def __init__(self, status, body):
        super().__init__(f"LocalAPI {status}: {body.strip()}")
        self.status, self.body = status, body


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("local-tailscaled.sock", timeout=timeout)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s


class LocalAPI:
    def __init__(self, path):
        self.path = path

    def raw(self, method, name, body=None, headers=None, timeout=30):
        """Returns (status, headers, body text)."""
        conn = _UnixConnection(self.path, timeout)
        try:
            data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
            conn.request(method, name if name.startswith("/") else "/localapi/v0/" + name,
                         body=data, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read().decode()
        finally:
            conn.close()

    def call(self, method, name, body=None, want=(200, 204), timeout=30):
        status, _, text = self.raw(method, name, body, timeout=timeout)
        if status not in want:
            raise LocalAPIError(status, text)
        return json.loads(text) if text.strip() else None

    def status(self):
        return self.call("GET", "status")

    def prefs(self):
        return self.call("GET", "prefs")

    def edit_prefs(self, **fields):
        body = dict(fields)
        body.update({k + "Set": True for k in fields})
        return self.call("PATCH", "prefs", body)

    def start(self, auth_key=None, **prefs):
        return self.call("POST", "start", {"AuthKey": auth_key or "", "UpdatePrefs": prefs})

    def metrics(self):
        out = {}
        for line in self.call_text("GET", "metrics").splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                out[k.replace("tailnetd_", "", 1)] = float(v)
        return out

    def call_text(self, method, name):
        status, _, text = self.raw(method, name)
        if status != 200:
            raise LocalAPIError(status, text)
        return text

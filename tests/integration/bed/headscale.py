"""headscale in a namespace: sqlite, a generated config, no OIDC, our DERP map.

The server URL is plain http:// on a private address: Go clients then do not
insist on port 443 (design.md, Test bed).
"""
import json
import os

from . import peers, wait
from .topo import sh

BASE_DOMAIN = "tailnet.test"


class Headscale:
    def __init__(self, ns, workdir, ip, port=8080, tls=False):
        self.ns, self.ip, self.port, self.tls = ns, ip, port, tls
        self.dir = os.path.join(workdir, "headscale")
        os.makedirs(self.dir, exist_ok=True)
        self.ca_file = None
        self.config = os.path.join(self.dir, "config.yaml")
        self.derpmap = os.path.join(self.dir, "derpmap.yaml")
        self.policy = os.path.join(self.dir, "policy.hujson")
        self.url = f"{'https' if tls else 'http'}://{ip}:{port}"
        # Unix socket paths are limited to 107 bytes: keep it short.
        os.makedirs("/run/tnt-sockets", mode=0o700, exist_ok=True)
        self.socket = f"/run/tnt-sockets/{ns.ns}-headscale.sock"
        self.proc = None

    def write_config(self, derpmap_yaml, policy=None):
        with open(self.derpmap, "w") as f:
            f.write(derpmap_yaml)
        policy_path = ""
        if policy is not None:
            with open(self.policy, "w") as f:
                f.write(policy if isinstance(policy, str) else json.dumps(policy, indent=2))
            policy_path = self.policy
        d = self.dir
        tls_lines = ""
        if self.tls:
            # A self-signed certificate for the IP; clients get it as their CA file.
            crt, key = os.path.join(d, "server.crt"), os.path.join(d, "server.key")
            sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "30", "-subj", "/CN=headscale test CA",
                "-addext", f"subjectAltName=IP:{self.ip}", "-keyout", key, "-out", crt])
            tls_lines = f"tls_cert_path: {crt}\ntls_key_path: {key}\n"
            self.ca_file = crt
        with open(self.config, "w") as f:
            f.write(tls_lines)
            f.write(f"""server_url: {self.url}
listen_addr: {self.ip}:{self.port}
metrics_listen_addr: 127.0.0.1:9090
grpc_listen_addr: 127.0.0.1:50443
grpc_allow_insecure: false
noise:
  private_key_path: {d}/noise_private.key
prefixes:
  v4: 100.64.0.0/10
  v6: fd7a:115c:a1e0::/48
  allocation: sequential
derp:
  server:
    enabled: false
  urls: []
  paths:
    - {self.derpmap}
  auto_update_enabled: false
  update_frequency: 24h
disable_check_updates: true
database:
  type: sqlite
  sqlite:
    path: {d}/db.sqlite
    write_ahead_log: true
log:
  level: info
  format: text
policy:
  mode: file
  path: "{policy_path}"
dns:
  magic_dns: true
  base_domain: {BASE_DOMAIN}
  override_local_dns: false
  nameservers:
    global: []
    split: {{}}
  search_domains: []
  extra_records: []
unix_socket: {self.socket}
unix_socket_permission: "0770"
logtail:
  enabled: false
taildrop:
  enabled: false
""")

    def start(self):
        self.proc = self.ns.popen("headscale", [peers.path("headscale"), "-c", self.config, "serve"])
        wait.until("headscale to answer /health", self.healthy, timeout=30)
        return self

    def healthy(self):
        if not self.proc.alive():
            raise RuntimeError(f"headscale exited:\n{self.proc.log_tail()}")
        r = self.ns.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}",
                         f"{self.url}/health"], check=False)
        return r.stdout.strip() == "200"

    def cli(self, *args, output_json=True, check=True):
        cmd = [peers.path("headscale"), "-c", self.config, *args]
        if output_json:
            cmd += ["-o", "json"]
        r = self.ns.run(cmd, check=check)
        if output_json and check:
            return json.loads(r.stdout) if r.stdout.strip() else None
        return r

    def create_user(self, name):
        return self.cli("users", "create", name)["id"]

    def preauth_key(self, user_id, reusable=True, ephemeral=False, expiration="1h"):
        args = ["preauthkeys", "create", "--user", str(user_id), "--expiration", expiration]
        if reusable:
            args.append("--reusable")
        if ephemeral:
            args.append("--ephemeral")
        return self.cli(*args)["key"]

    def nodes(self):
        return self.cli("nodes", "list") or []

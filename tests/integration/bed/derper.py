"""Tailscale's derper in a namespace, with TLS from a self-signed certificate.

The certificate names DERP_HOST (and the IP), so clients connect with SNI and
verify nothing else: the DERP map marks the node InsecureForTests.
"""
import os

from . import peers, wait
from .topo import sh

DERP_HOST = "derp.tailnet.test"
REGION_ID = 900
REGION_CODE = "test"


class Derper:
    def __init__(self, ns, workdir, ip, stun_port=3478, region_id=REGION_ID, region_code=REGION_CODE,
                 iface=None, map_stun_port=None):
        """map_stun_port: the STUN port the DERP map names, when another
        STUN server (a slow one) stands in for derper's own."""
        self.ns, self.ip, self.stun_port = ns, ip, stun_port
        self.map_stun_port = map_stun_port or stun_port
        self.region_id, self.region_code, self.iface = region_id, region_code, iface
        self.name = "derper" if region_id == REGION_ID else f"derper-{region_id}"
        self.dir = os.path.join(workdir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None

    def _make_cert(self):
        crt = os.path.join(self.dir, DERP_HOST + ".crt")
        key = os.path.join(self.dir, DERP_HOST + ".key")
        if not os.path.exists(crt):
            sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "30", "-subj", f"/CN={DERP_HOST}",
                "-addext", f"subjectAltName=DNS:{DERP_HOST},IP:{self.ip}",
                "-keyout", key, "-out", crt])
        return crt

    def start(self):
        self._make_cert()
        self.proc = self.ns.popen(self.name, [
            peers.path("derper"), "-a", f"{self.ip}:443", "-certmode", "manual",
            "-certdir", self.dir, "-hostname", DERP_HOST, "-http-port", "-1",
            "-stun-port", str(self.stun_port)])
        wait.until("derper to serve HTTPS", self.serving, timeout=20)
        return self

    def serving(self):
        if not self.proc.alive():
            raise RuntimeError(f"derper exited:\n{self.proc.log_tail()}")
        r = self.ns.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}",
                         "--resolve", f"{DERP_HOST}:443:{self.ip}",
                         f"https://{DERP_HOST}/derp/probe"], check=False)
        return r.stdout.strip() == "200"

    def restart(self):
        self.proc.stop()
        return self.start()

    def derpmap_yaml(self):
        """The DERP map headscale serves: one region, one node, InsecureForTests
        (headscale reads tailcfg.DERPMap with yaml.v3: lower-case field names)."""
        return "regions:\n" + self.region_yaml()

    def region_yaml(self):
        return f"""  {self.region_id}:
    regionid: {self.region_id}
    regioncode: {self.region_code}
    regionname: tailnetd test bed {self.region_id}
    nodes:
      - name: {self.region_id}a
        regionid: {self.region_id}
        hostname: {DERP_HOST}
        ipv4: {self.ip}
        ipv6: none
        stunport: {self.map_stun_port}
        derpport: 443
        insecurefortests: true
"""

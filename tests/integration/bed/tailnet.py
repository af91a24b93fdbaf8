"""Ready-made tailnets: a server namespace with headscale and derper, and
nodes on one LAN or each behind its own NAT router.

    LAN:  srv 10.99.0.1 ──┐
          n1  10.99.0.11 ─┼── switch "lan" (UDP between nodes can be blocked)
          n2  10.99.0.12 ─┘

    NAT:  srv 10.98.0.1 ── switch "wan" ── r<i> 10.98.0.10<i> ═NAT═ 192.168.<i>.1
                                                  └── switch "lan<i>" ── n<i> 192.168.<i>.11
"""
import os

from .derper import Derper
from .headscale import Headscale
from .tailscale import TailscaleNode


class Tailnet:
    """headscale + derper in namespace `srv`, reachable at `ip`."""

    def __init__(self, topo, srv_ns, ip, policy=None, tls=False, srv_iface=None, more_derpers=(),
                 stun_delay_ms=0):
        """more_derpers: (namespace, ip, iface) of further DERP regions (901,
        902, ...); stun_delay_ms: region 900's STUN answers that much later
        (tools/slow_stun.py stands in for derper's STUN)."""
        self.topo, self.srv, self.ip = topo, srv_ns, ip
        workdir = topo.logdir
        if stun_delay_ms:
            srv_ns.popen("slow-stun", ["python3", os.path.join(os.path.dirname(__file__), "..", "tools",
                                                               "slow_stun.py"), ip, "3479", str(stun_delay_ms)])
        self.derper = Derper(srv_ns, workdir, ip, iface=srv_iface,
                             map_stun_port=3479 if stun_delay_ms else None).start()
        self.derpers = [self.derper] + [
            Derper(ns, workdir, dip, region_id=901 + i, region_code=f"test{901 + i}", iface=dif).start()
            for i, (ns, dip, dif) in enumerate(more_derpers)]
        self.headscale = Headscale(srv_ns, workdir, ip, port=8443 if tls else 8080, tls=tls)
        self.headscale.write_config("regions:\n" + "".join(d.region_yaml() for d in self.derpers),
                                    policy=policy)
        self.headscale.start()
        self.user_id = self.headscale.create_user("alice")
        self.authkey = self.headscale.preauth_key(self.user_id)
        self.nodes = {}

    @property
    def login_server(self):
        return self.headscale.url

    def add_tailscale(self, ns, name=None, socks5=None, tun=None):
        """Start a Go tailscaled in ns and bring it up with the pre-auth key;
        socks5="127.0.0.1:PORT" also opens its SOCKS5 proxy."""
        name = name or ns.name
        node = TailscaleNode(ns, self.topo.logdir, name, socks5=socks5, tun=tun).start()
        node.up(self.login_server, self.authkey, hostname=name)
        self.nodes[name] = node
        return node


def lan(topo, n_hosts=2, policy=None, tls=False, derp_regions=1, stun_delay_ms=0):
    """One switch: server and n_hosts node namespaces n1..nN (and, for
    derp_regions > 1, a derper of region 900+k in namespace srv<k+1> at
    10.99.0.<k+1>).  Returns (tailnet, switch, [host namespaces])."""
    sw = topo.switch("lan")
    srv = topo.host("srv")
    srv_iface = sw.attach(srv, "10.99.0.1/24")
    more = []
    for k in range(1, derp_regions):
        d = topo.host(f"srv{k + 1}")
        more.append((d, f"10.99.0.{k + 1}", sw.attach(d, f"10.99.0.{k + 1}/24")))
    hosts = []
    for i in range(1, n_hosts + 1):
        h = topo.host(f"n{i}")
        sw.attach(h, f"10.99.0.{10 + i}/24")
        hosts.append(h)
    return Tailnet(topo, srv, "10.99.0.1", policy=policy, tls=tls, srv_iface=srv_iface,
                   more_derpers=more, stun_delay_ms=stun_delay_ms), sw, hosts


def behind_nat(topo, n_hosts=2, policy=None, nat="eim"):
    """Each node behind its own masquerading router on a shared WAN.
    Returns (tailnet, wan switch, [host namespaces], [routers])."""
    wan = topo.switch("wan")
    srv = topo.host("srv")
    wan.attach(srv, "10.98.0.1/24")
    hosts, routers = [], []
    for i in range(1, n_hosts + 1):
        lan_sw = topo.switch(f"lan{i}")
        r = topo.router(f"r{i}", wan=wan, wan_cidr=f"10.98.0.{100 + i}/24",
                        lan=lan_sw, lan_cidr=f"192.168.{i}.1/24", nat=nat)
        h = topo.host(f"n{i}")
        lan_sw.attach(h, f"192.168.{i}.11/24")
        h.default_route(f"192.168.{i}.1")
        hosts.append(h)
        routers.append(r)
    return Tailnet(topo, srv, "10.98.0.1", policy=policy), wan, hosts, routers


def logdir_for(name):
    base = os.environ.get("TAILNETD_TEST_LOGS") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".logs")
    return os.path.join(base, name)

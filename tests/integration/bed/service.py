"""Small services for traffic tests: an HTTP file server in a namespace."""
from . import wait


def http_server(ns, directory, port, bind="127.0.0.1"):
    """python3 -m http.server in ns serving directory; waits until it answers."""
    proc = ns.popen(f"http-{ns.name}-{port}", [
        "python3", "-m", "http.server", str(port), "--bind", bind, "--directory", directory])

    def up():
        if not proc.alive():
            raise RuntimeError(f"http server exited:\n{proc.log_tail()}")
        r = ns.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    f"http://{bind}:{port}/"], check=False)
        return r.stdout.strip() == "200"
    wait.until(f"http server on {ns.name}:{port}", up, timeout=15)
    return proc


def iperf3(client_ns, server_ns, server_ip, streams=1, reverse=False, seconds=3):
    """One iperf3 TCP run from client_ns to a fresh server on server_ip;
    returns (bits per second received, bytes received)."""
    import json
    srv = server_ns.popen(f"iperf3-s-{server_ns.name}-{streams}-{int(reverse)}",
                          ["iperf3", "-s", "-1", "-B", server_ip])
    try:
        wait.until("the iperf3 server to listen",
                   lambda: f"{server_ip}:5201" in server_ns.run(["ss", "-ltn"]).stdout, timeout=10)

        def run():
            r = client_ns.run(["iperf3", "-c", server_ip, "-t", str(seconds), "-P", str(streams), "-J"]
                              + (["-R"] if reverse else []), check=False, timeout=seconds + 30)
            try:
                out = json.loads(r.stdout)
            except ValueError:
                return None
            return out if "error" not in out and "sum_received" in out.get("end", {}) else None
        out = wait.until(f"iperf3 -P {streams}{' -R' if reverse else ''} to {server_ip}", run,
                         timeout=seconds + 40, interval=1)
        end = out["end"]["sum_received"]
        return end["bits_per_second"], end["bytes"]
    finally:
        srv.stop()

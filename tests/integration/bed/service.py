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

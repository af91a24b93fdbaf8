"""Where the pinned Go peers are: scripts/install-peers.sh puts them in one bin
directory, which this module finds (or fails, saying why)."""
import os
import shutil
import subprocess

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
NAMES = ("headscale", "tailscaled", "tailscale", "derper")


def bin_dir():
    d = os.environ.get("TAILNETD_PEERS_BIN")
    if not d:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        base = os.environ.get("TAILNETD_PEERS_DIR") or os.path.join(cache, "tailnetd", "peers")
        d = os.path.join(base, "bin")
    missing = [n for n in NAMES if not os.access(os.path.join(d, n), os.X_OK)]
    if missing:
        raise RuntimeError(
            f"test peers {', '.join(missing)} not found in {d}: run scripts/install-peers.sh "
            "(scripts/test.sh does it for you)")
    return d


def path(name):
    return os.path.join(bin_dir(), name)


def require_tools(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise RuntimeError(f"missing tools {', '.join(missing)}: run scripts/install-deps.sh")


def version(name):
    out = subprocess.run([path(name), "version"], capture_output=True, text=True, timeout=10)
    return out.stdout.strip().splitlines()[0] if out.stdout else "?"

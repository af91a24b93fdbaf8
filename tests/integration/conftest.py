"""pytest fixtures for the namespace test bed (see bed/)."""
import os
import re
import shutil
import signal

import pytest

from bed import peers
from bed.tailnet import logdir_for
from bed.topo import Topology


def pytest_configure(config):
    # SIGTERM (CI timeouts, kill) unwinds like Ctrl-C, so fixtures tear down.
    def on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_term)


def pytest_sessionstart(session):
    if os.geteuid() != 0:
        raise pytest.UsageError("integration tests need root (network namespaces)")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(scope="session")
def peer_bin():
    """The pinned Go peers; a missing one fails the test with the reason."""
    peers.require_tools("ip", "nft", "curl", "openssl")
    return peers.bin_dir()


@pytest.fixture
def topo(request, peer_bin):
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    logdir = logdir_for(name)
    shutil.rmtree(logdir, ignore_errors=True)
    t = Topology(logdir)
    try:
        yield t
    finally:
        failed = any(getattr(request.node, f"rep_{w}", None) is not None
                     and getattr(request.node, f"rep_{w}").failed for w in ("setup", "call"))
        if failed:
            print(f"\n===== logs of {request.node.name} (all in {logdir}) =====")
            print(t.logs())
        t.close()

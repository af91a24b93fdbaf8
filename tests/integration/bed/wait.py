"""Deadline-bounded polling: convergence is checked by polling, never by sleeps."""
import time


class Timeout(AssertionError):
    pass


def until(what, fn, timeout=30.0, interval=0.2):
    """Call fn() until it returns a truthy value; return that value.

    Raises Timeout naming `what` and the last value or exception seen when the
    deadline passes.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = fn()
            if value:
                return value
            last = value
        except Exception as e:  # noqa: BLE001 - reported below
            last = e
        if time.monotonic() >= deadline:
            raise Timeout(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}")
        time.sleep(interval)

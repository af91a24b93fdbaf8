"""The integration test bed: network namespaces joined by veth links, and the
real peers (headscale, derper, Go tailscaled) started inside them.

Modelled on FRRouting's topotests: a Topology owns namespaces, links and
processes, and tears all of them down, whatever happened.  Every wait has a
deadline (wait.until) and every process logs to a file that is shown when a
test fails.
"""

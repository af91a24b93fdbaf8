#!/usr/bin/env bash
# Set everything up and run the demo: a local tailnet in network namespaces
# (headscale + a DERP relay in "srv", nodes on a LAN), ending in a ping and a
# proxied TCP connection across the tailnet.  See scripts/demo.py.
#
#   sudo ./scripts/demo.sh
set -uo pipefail
source "$(dirname "$0")/common.sh"
need_root
cd "$ROOT"

install_all || exit 1
step "build" build build gcc || exit 1
step "demo" "${PYTHON:-/usr/bin/python3}" "$ROOT/scripts/demo.py" "$ROOT/build"
rc=$?
print_step_times
exit $rc

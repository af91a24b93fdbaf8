#!/usr/bin/env bash
# Set everything up and run every test:
#   Debian packages and pinned Go peers (idempotent), a gcc build and a clang
#   ASan+UBSan build (both -Werror), a clang libFuzzer build, the unit and
#   fuzz-corpus tests in both builds, then the integration tests (pytest, in
#   network namespaces, against headscale/derper/tailscaled).
# Ends with "N passed, N failed" counting all of them; exits non-zero if any
# test failed or was skipped (nothing is skipped to stay green).
#
#   sudo ./scripts/test.sh [pytest args...]     e.g. -k baseline
set -uo pipefail
source "$(dirname "$0")/common.sh"
need_root
cd "$ROOT"

install_all || exit 1
step "build gcc (-Werror)" build build gcc -Dwerror=true || exit 1
step "build clang ASan+UBSan (-Werror)" \
  build build-asan clang -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false || exit 1
step "build clang libFuzzer targets" \
  build build-fuzz clang -Dfuzz=true -Dtests=false -Dwerror=true || exit 1

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
step "unit + fuzz corpus tests (gcc)" meson test -C build --print-errorlogs -q
step "unit + fuzz corpus tests (ASan+UBSan)" meson test -C build-asan --print-errorlogs -q

# Integration tests drive the ASan+UBSan tailnetd: a memory error under
# real traffic fails the test that caused it.
export TAILNETD_BIN=${TAILNETD_BIN:-$ROOT/build-asan/src/daemon/tailnetd}
mkdir -p "$ROOT/build/integration"
step "integration tests (pytest)" \
  "${PYTHON:-/usr/bin/python3}" -m pytest -p no:cacheprovider -q tests/integration \
    --junitxml="$ROOT/build/integration/junit.xml" "$@"

print_step_times
"${PYTHON:-/usr/bin/python3}" "$ROOT/scripts/summarize-tests.py" \
  "$ROOT/build/meson-logs/testlog.json" "$ROOT/build-asan/meson-logs/testlog.json" \
  "$ROOT/build/integration/junit.xml"

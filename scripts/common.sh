# Shared by scripts/demo.sh and scripts/test.sh: set-up steps, each timed.
# Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STEP_TIMES=()

step() { # name command...
  local name=$1; shift
  local t0=$SECONDS
  echo "==> $name"
  "$@"
  local rc=$?
  STEP_TIMES+=("$(printf '%-34s %4ds' "$name" $((SECONDS - t0)))")
  return $rc
}

print_step_times() {
  echo "==> time per step"
  printf '    %s\n' "${STEP_TIMES[@]}"
}

need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "$(basename "$0"): run as root: it installs packages and creates network namespaces" >&2
    exit 1
  fi
}

install_all() {
  step "install Debian packages" "$ROOT/scripts/install-deps.sh" || return 1
  local out; out=$(mktemp)
  step "install pinned Go peers" "$ROOT/scripts/install-peers.sh" >"$out" || { cat "$out"; rm -f "$out"; return 1; }
  sed '$d' "$out"
  TAILNETD_PEERS_BIN=$(tail -n1 "$out")
  rm -f "$out"
  export TAILNETD_PEERS_BIN
}

# build DIR CC [meson options...]: configure once with compiler CC, then ninja.
build() {
  local dir=$1 cc=$2; shift 2
  if [[ ! -f $ROOT/$dir/build.ninja ]]; then
    CC=$cc meson setup "$ROOT/$dir" "$ROOT" "$@" >"$ROOT/$dir.setup.log" 2>&1 \
      || { cat "$ROOT/$dir.setup.log"; return 1; }
  fi
  ninja -C "$ROOT/$dir" >"$ROOT/$dir.ninja.log" 2>&1 || { cat "$ROOT/$dir.ninja.log"; return 1; }
  echo "    built $dir"
}

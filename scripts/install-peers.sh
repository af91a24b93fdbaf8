#!/usr/bin/env bash
# Install the pinned Go test peers with `go install` from the Go module proxy:
# headscale (control server), and Tailscale's tailscaled, tailscale, derper.
# They land in $TAILNETD_PEERS_DIR/<name>-<version>/ (default
# ~/.cache/tailnetd/peers, outside the tree, so fresh CI clones reuse them);
# a second run with the same pins does nothing.  Prints the bin directory
# on the last line of stdout.
#
# Pins: headscale v0.29.3 is the newest v0.29.x+ the module proxy serves
# (v0.29.4 and v0.30.x answer 403).  Its capver table (hscontrol/capver)
# lists Tailscale up to v1.98, so tailscale.com is pinned to v1.98.10, the
# newest patch of that stable line.  Both build with Go 1.26 (go.mod: 1.26.5),
# so GOTOOLCHAIN is not forced.
set -euo pipefail

HEADSCALE_VERSION=${HEADSCALE_VERSION:-v0.29.3}
TAILSCALE_VERSION=${TAILSCALE_VERSION:-v1.98.10}
PEERS_DIR=${TAILNETD_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tailnetd/peers}

die() { echo "install-peers: $*" >&2; exit 1; }

command -v go >/dev/null || die "go not found on PATH; the Go toolchain (>= 1.26.5) is needed to install the test peers"
gov=$(go env GOVERSION)
case "$gov" in
  go1.2[6-9]*|go1.[3-9]*) ;;
  *) die "go $gov is too old: headscale $HEADSCALE_VERSION and tailscale $TAILSCALE_VERSION need go >= 1.26.5" ;;
esac

install_one() { # name version package...
  local name=$1 version=$2; shift 2
  local dir="$PEERS_DIR/$name-$version"
  local stamp="$dir/.installed"
  if [[ -f $stamp ]]; then
    echo "install-peers: $name $version already in $dir" >&2
    return
  fi
  mkdir -p "$dir/bin"
  local pkg
  for pkg in "$@"; do
    echo "install-peers: go install $pkg@$version" >&2
    if ! GOBIN="$dir/bin" GOFLAGS=-buildvcs=false go install "$pkg@$version" >&2; then
      die "go install $pkg@$version failed (see the go output above)"
    fi
  done
  touch "$stamp"
}

# headscale: `go install pkg@version` asks the proxy for the module's version
# list (to check deprecation), and the proxy refuses that list (403) while it
# serves the pinned version itself.  So it is built through a throw-away
# module that requires the pinned version: still only the module proxy.
install_headscale() {
  local dir="$PEERS_DIR/headscale-$HEADSCALE_VERSION"
  [[ -f $dir/.installed ]] && { echo "install-peers: headscale $HEADSCALE_VERSION already in $dir" >&2; return; }
  local mod; mod=$(mktemp -d)
  cat >"$mod/go.mod" <<MOD
module tailnetd.test/peers/headscale

go 1.26.5

require github.com/juanfont/headscale $HEADSCALE_VERSION
MOD
  mkdir -p "$dir/bin"
  echo "install-peers: go build github.com/juanfont/headscale/cmd/headscale@$HEADSCALE_VERSION" >&2
  if ! (cd "$mod" && GOFLAGS="-mod=mod -buildvcs=false" go build -o "$dir/bin/headscale" \
          github.com/juanfont/headscale/cmd/headscale) >&2; then
    rm -rf "$mod"
    die "building headscale $HEADSCALE_VERSION failed (see the go output above)"
  fi
  rm -rf "$mod"
  touch "$dir/.installed"
}

install_headscale
install_one tailscale "$TAILSCALE_VERSION" \
  tailscale.com/cmd/tailscaled tailscale.com/cmd/tailscale tailscale.com/cmd/derper

BIN="$PEERS_DIR/bin"
mkdir -p "$BIN"
for f in "$PEERS_DIR/headscale-$HEADSCALE_VERSION"/bin/* "$PEERS_DIR/tailscale-$TAILSCALE_VERSION"/bin/*; do
  ln -sfn "$f" "$BIN/$(basename "$f")"
done
for b in headscale tailscaled tailscale derper; do
  [[ -x $BIN/$b ]] || die "$b missing from $BIN after install"
done
echo "install-peers: headscale $("$BIN/headscale" version 2>/dev/null | head -1), tailscale $("$BIN/tailscale" version 2>/dev/null | head -1)" >&2
echo "$BIN"

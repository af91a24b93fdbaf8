#!/usr/bin/env bash
# Install the Debian bookworm packages tailnetd builds and tests with.
# Idempotent: packages already present are left alone, apt is not even run.
set -euo pipefail

PKGS=(
  # build
  meson ninja-build pkg-config gcc clang lld libclang-rt-14-dev
  # libraries (design.md, Dependencies)
  libssl-dev libsodium-dev libnghttp2-dev libjansson-dev liblwip-dev
  libc-ares-dev libcmocka-dev
  # test bed and plain-WireGuard peer
  iproute2 nftables iperf3 wireguard-go wireguard-tools iputils-ping curl jq openssl
  procps psmisc dnsutils python3 python3-pytest
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PKGS[@]} Debian packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"

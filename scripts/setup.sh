#!/usr/bin/env bash
# Installs every Debian 12 package caec needs to build, test, benchmark and plot.
# Safe to run again: when everything is present it installs nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-14 lld-14 libclang-rt-14-dev llvm-14
  clang-tidy-14 cppcheck
  libssl-dev libcbor-dev libmbedtls-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  libcli11-dev nlohmann-json3-dev gnuplot-nox graphviz
  g++-aarch64-linux-gnu
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

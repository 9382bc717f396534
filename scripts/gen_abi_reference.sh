#!/usr/bin/env bash
# Regenerates docs/csm-abi-reference.md from the RMM's command tables (the generator is
# tests/abi_reference/gen_abi_reference.cc; ctest abi_reference.up_to_date checks the result).
# Usage: scripts/gen_abi_reference.sh [BUILD_DIR]   (default: build/default, the default preset)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/default}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  [ "$build" = build/default ] || { echo "no CMake build in $build" >&2; exit 1; }
  cmake --preset default >/dev/null
fi
cmake --build "$build" --target gen_abi_reference -j 1
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$build/tests/abi_reference/gen_abi_reference" >"$tmp"
cat "$tmp" >docs/csm-abi-reference.md
trap - EXIT
echo "wrote docs/csm-abi-reference.md"
